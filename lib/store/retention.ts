/**
 * Retention: history older than an age can be pruned without touching the current state. Only versions that
 * ENDED before the cut-off are deleted (a version still valid, or valid at any time after the cut-off, stays), so
 * the graph as of any time after the cut-off reads exactly as before. The default (no pruning) keeps everything.
 */
import type { Database } from '../db';

/** Deletes node and edge versions with `valid_to < before`. Returns the counts and the cut-off. */
export async function pruneHistory(database: Database, before: Date): Promise<{ before: Date; nodeVersions: number; edgeVersions: number }> {
  const client = await database.pool.connect();
  try {
    await client.query('BEGIN');
    const n = await client.query('DELETE FROM node_versions WHERE valid_to IS NOT NULL AND valid_to < $1', [before]);
    const e = await client.query('DELETE FROM edge_versions WHERE valid_to IS NOT NULL AND valid_to < $1', [before]);
    await client.query('COMMIT');
    return { before, nodeVersions: n.rowCount ?? 0, edgeVersions: e.rowCount ?? 0 };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
