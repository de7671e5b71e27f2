/**
 * Reading the scheduled collections' state (`scheduled_collections`, written by ./index) for the runs page and the
 * API; no process or scheduling code, so the web app loads only this.
 */
import type { Database } from '../db';

/** A row of `scheduled_collections` as the UI and the API show it. */
export interface ScheduledCollectionView {
  name: string;
  command: string;
  everyMs: number;
  jitterMs: number;
  nextRunAt: Date;
  running: boolean;
  runningSince: Date | null;
  lastStartedAt: Date | null;
  lastFinishedAt: Date | null;
  lastStatus: string | null;
  lastExitCode: number | null;
  lastRunId: number | null;
  lastError: string | null;
  skippedCount: number;
  lastSkippedAt: Date | null;
}

/** Every scheduled collection, by name. */
export async function listScheduledCollections(database: Database): Promise<ScheduledCollectionView[]> {
  const rows = await database.prisma.scheduledCollection.findMany({ orderBy: { name: 'asc' } });
  return rows.map((r) => ({
    name: r.name,
    command: r.command,
    everyMs: r.everyMs,
    jitterMs: r.jitterMs,
    nextRunAt: r.nextRunAt,
    running: r.runningSince !== null,
    runningSince: r.runningSince,
    lastStartedAt: r.lastStartedAt,
    lastFinishedAt: r.lastFinishedAt,
    lastStatus: r.lastStatus,
    lastExitCode: r.lastExitCode,
    lastRunId: r.lastRunId,
    lastError: r.lastError,
    skippedCount: r.skippedCount,
    lastSkippedAt: r.lastSkippedAt,
  }));
}

