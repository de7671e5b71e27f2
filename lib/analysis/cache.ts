/**
 * Findings are computed over the whole graph (seconds on a large inventory) but only change when a run commits. This
 * process-wide cache keeps the latest result per `asOf` key and recomputes when a run committed since (the newest
 * committed run id is checked on every call: one indexed query).
 */
import type { Database } from '../db';
import { computeFindings, type FindingsResult } from './findings';

interface Entry {
  stamp: string;
  at: number;
  result: Promise<FindingsResult>;
  /** The result once computed (served while a newer one is being computed). */
  settled?: FindingsResult;
}
const key = Symbol.for('keygraph.findingsCache');
type Holder = { [key]?: Map<string, Entry> };

/**
 * All findings as of `asOf` (default now), from the cache when no run committed since they were computed.
 * Current-state results are also refreshed after `maxAgeMs` (default 60 s) so time-based rules (key age, TLS
 * expiry) move on. With `allowStale` (node pages, the explorer), callers get the previous result while a refresh is
 * computed, so a page never waits for a whole-graph computation that a collection in progress keeps invalidating;
 * without it (the findings page, the API, scripts) they wait for results that include every committed run.
 * Errors: database errors propagate (and are not cached).
 */
export async function cachedFindings(
  database: Database,
  opts: { asOf?: Date; maxAgeMs?: number; allowStale?: boolean } = {},
): Promise<FindingsResult> {
  const holder = globalThis as Holder;
  const cache = (holder[key] ??= new Map());
  const { rows } = await database.pool.query<{ stamp: string }>(
    `SELECT coalesce(max(id), 0)::text || '/' || count(*)::text AS stamp FROM runs WHERE committed_at IS NOT NULL`,
  );
  const stamp = rows[0]!.stamp;
  const k = opts.asOf ? opts.asOf.toISOString() : 'now';
  const hit = cache.get(k);
  const fresh = hit && hit.stamp === stamp && (opts.asOf || Date.now() - hit.at < (opts.maxAgeMs ?? 60_000));
  if (hit && fresh) return (opts.allowStale && hit.settled) || hit.result;
  const previous = hit?.settled;
  const result = computeFindings(database, { asOf: opts.asOf });
  const entry: Entry = { stamp, at: Date.now(), result, settled: previous };
  if (cache.size > 20) cache.clear();
  cache.set(k, entry);
  result.then(
    (r) => {
      entry.settled = r;
    },
    () => {
      if (cache.get(k) === entry) cache.delete(k);
    },
  );
  return (opts.allowStale && previous) || result;
}
