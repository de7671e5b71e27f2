-- keygraph findings snapshots: the current whole-graph findings (lib/analysis/findings.ts), computed by one process
-- at a time (advisory lock) and shared by every web worker and restart (lib/analysis/cache.ts). Node pages and the
-- explorer read the findings of a few nodes through the GIN index on `objects` instead of holding the whole list.
-- Only the latest snapshot is kept; findings as of past times are computed on demand and not stored.
CREATE TABLE "findings_snapshots" (
    "id" SERIAL NOT NULL,
    "stamp" TEXT NOT NULL,
    "computed_at" TIMESTAMPTZ(6) NOT NULL,
    "took_ms" INTEGER NOT NULL,
    "count" INTEGER NOT NULL,
    CONSTRAINT "findings_snapshots_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "findings" (
    "snapshot_id" INTEGER NOT NULL,
    "ord" INTEGER NOT NULL,
    "id" TEXT NOT NULL,
    "rule" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "objects" TEXT[] NOT NULL,
    "provider" TEXT NOT NULL,
    "realm" TEXT NOT NULL,
    "namespace" TEXT,
    "evidence" JSONB NOT NULL,
    "fix" TEXT NOT NULL,
    CONSTRAINT "findings_pkey" PRIMARY KEY ("snapshot_id", "ord"),
    CONSTRAINT "findings_snapshot_id_fkey" FOREIGN KEY ("snapshot_id") REFERENCES "findings_snapshots"("id") ON DELETE CASCADE
);

CREATE INDEX "findings_objects_idx" ON "findings" USING GIN ("objects");
