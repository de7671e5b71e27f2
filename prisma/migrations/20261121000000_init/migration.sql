-- keygraph initial schema: runs, node and edge versions (temporal rows valid over [valid_from, valid_to)).

CREATE TABLE "runs" (
    "id" SERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(6),
    "coverage" JSONB NOT NULL DEFAULT '{}',
    "counts" JSONB NOT NULL DEFAULT '{}',
    "errors" JSONB NOT NULL DEFAULT '[]',
    "inputs" JSONB NOT NULL DEFAULT '{}',
    "committed_at" TIMESTAMPTZ(6),
    CONSTRAINT "runs_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "runs_status_check" CHECK ("status" IN ('running', 'succeeded', 'partial', 'failed'))
);
CREATE INDEX "runs_source_scope_started_at_idx" ON "runs"("source", "scope", "started_at");

CREATE TABLE "node_versions" (
    "id" BIGSERIAL NOT NULL,
    "node_id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "realm" TEXT NOT NULL,
    "namespace" TEXT,
    "name" TEXT NOT NULL,
    "missing" BOOLEAN NOT NULL DEFAULT false,
    "properties" JSONB NOT NULL DEFAULT '{}',
    "hash" TEXT NOT NULL,
    "valid_from" TIMESTAMPTZ(6) NOT NULL,
    "valid_to" TIMESTAMPTZ(6),
    "run_from" INTEGER NOT NULL,
    "run_to" INTEGER,
    CONSTRAINT "node_versions_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "node_versions_valid_range" CHECK ("valid_to" IS NULL OR "valid_to" >= "valid_from")
);
CREATE INDEX "node_versions_node_id_valid_from_idx" ON "node_versions"("node_id", "valid_from");
-- Current state: at most one open version per (source, scope, node). Reads by node id use (node_id, valid_from)
-- for the current state and any past time alike.
CREATE UNIQUE INDEX "node_versions_current_key" ON "node_versions"("source", "scope", "node_id") WHERE "valid_to" IS NULL;
CREATE INDEX "node_versions_current_name_idx" ON "node_versions"(lower("name") text_pattern_ops) WHERE "valid_to" IS NULL;
CREATE INDEX "node_versions_current_kind_idx" ON "node_versions"("kind", "realm", "namespace") WHERE "valid_to" IS NULL;

CREATE TABLE "edge_versions" (
    "id" BIGSERIAL NOT NULL,
    "edge_key" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "from_id" TEXT NOT NULL,
    "to_id" TEXT NOT NULL,
    "origin_kind" TEXT NOT NULL,
    "properties" JSONB NOT NULL DEFAULT '{}',
    "hash" TEXT NOT NULL,
    "valid_from" TIMESTAMPTZ(6) NOT NULL,
    "valid_to" TIMESTAMPTZ(6),
    "run_from" INTEGER NOT NULL,
    "run_to" INTEGER,
    CONSTRAINT "edge_versions_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "edge_versions_valid_range" CHECK ("valid_to" IS NULL OR "valid_to" >= "valid_from")
);
CREATE INDEX "edge_versions_from_id_valid_from_idx" ON "edge_versions"("from_id", "valid_from");
CREATE INDEX "edge_versions_to_id_valid_from_idx" ON "edge_versions"("to_id", "valid_from");
CREATE UNIQUE INDEX "edge_versions_current_key" ON "edge_versions"("source", "scope", "edge_key") WHERE "valid_to" IS NULL;
