-- keygraph scheduled collections (lib/schedule): one row per configured entry of `keygraph serve --schedule` or
-- `--collect … --every …`. A due run is claimed by the UPDATE that moves `next_run_at` forward (WHERE next_run_at <=
-- now()), so several serve processes on one database start it once. `running_since`/`heartbeat_at`: a run is going
-- (a due run then is skipped: `skipped_count`, `last_skipped_at`); `run_token` names the claim whose runner records
-- the end. `last_status`: ok | partial | failed (exit code 0 | 4 | anything else). `last_run_id` has no foreign key:
-- runs may be pruned.
CREATE TABLE "scheduled_collections" (
    "name" TEXT NOT NULL,
    "command" TEXT NOT NULL,
    "every_ms" INTEGER NOT NULL,
    "jitter_ms" INTEGER NOT NULL,
    "next_run_at" TIMESTAMPTZ(6) NOT NULL,
    "running_since" TIMESTAMPTZ(6),
    "heartbeat_at" TIMESTAMPTZ(6),
    "run_token" TEXT,
    "last_started_at" TIMESTAMPTZ(6),
    "last_finished_at" TIMESTAMPTZ(6),
    "last_status" TEXT,
    "last_exit_code" INTEGER,
    "last_run_id" INTEGER,
    "last_error" TEXT,
    "skipped_count" INTEGER NOT NULL DEFAULT 0,
    "last_skipped_at" TIMESTAMPTZ(6),
    "updated_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "scheduled_collections_pkey" PRIMARY KEY ("name")
);
