-- keygraph search: substring search over current nodes through a trigram index instead of a sequential scan.
-- Search matches a term anywhere in "namespace/name" or the node id (lib/store/read.ts searchNodes, which must use
-- this exact expression for the index to apply). pg_trgm ships with PostgreSQL (contrib) and is a trusted extension:
-- the database owner can create it. The btree index on lower(name) served prefix matches only, which search no
-- longer uses for filtering: it is replaced.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
DROP INDEX IF EXISTS "node_versions_current_name_idx";
CREATE INDEX "node_versions_current_search_idx" ON "node_versions"
  USING gin ((lower(coalesce("namespace", '') || '/' || "name" || ' ' || "node_id")) gin_trgm_ops)
  WHERE "valid_to" IS NULL;
