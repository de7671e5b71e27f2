-- The provider each run's scope belongs to (lib/graph/model.ts PROVIDERS: `k8s` cluster, `gcp` project), recorded by
-- lib/store/write.ts when a run starts (live collectors: their provider; `collect files`: the provider of the file
-- recogniser that produced the run) and read by lib/analysis/freshness.ts instead of guessing it.
-- Backfill: the guess freshness.ts made until now: `gcp` for source `gcp`, and for a `files` run whose coverage names
-- a `gcp:` kind; `k8s` otherwise. NULL stays possible (a run recorded by an older writer): readers then guess.
ALTER TABLE "runs" ADD COLUMN "provider" TEXT;

UPDATE "runs" SET "provider" = CASE
  WHEN "source" = 'gcp' THEN 'gcp'
  WHEN "source" = 'files' AND jsonb_typeof("coverage") = 'object'
       AND EXISTS (SELECT 1 FROM jsonb_object_keys("coverage") k WHERE k LIKE 'gcp:%') THEN 'gcp'
  ELSE 'k8s'
END;
