-- keygraph alert deliveries (lib/alerts): one row per committed run and configured webhook, claimed before anything
-- is sent (INSERT on the primary key (run_id, webhook); a conflict claims nothing), so a run's alert is sent once
-- however many collectors and `keygraph serve` processes share the database. `status`: sending (claimed;
-- `claimed_at` is the lease a sweep may take over after a crash) | sent | failed (every attempt failed; `last_error`)
-- | empty (nothing new or resolved at or above the webhook's severity: nothing sent). The run's row may be deleted:
-- the delivery goes too.
CREATE TABLE "alert_deliveries" (
    "run_id" INTEGER NOT NULL,
    "webhook" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "new_count" INTEGER,
    "resolved_count" INTEGER,
    "claimed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(6),
    CONSTRAINT "alert_deliveries_pkey" PRIMARY KEY ("run_id", "webhook"),
    CONSTRAINT "alert_deliveries_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE
);

CREATE INDEX "alert_deliveries_status_claimed_at_idx" ON "alert_deliveries" ("status", "claimed_at");
