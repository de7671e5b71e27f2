/**
 * Findings are computed over the whole graph (seconds on a large inventory) but only change when a run commits. This
 * process-wide cache keeps the latest result per `asOf` key and recomputes when a run committed since (the newest
 * committed run id is checked on every call: one indexed query).
 *
 * Callers that accept a previous result (`allowStale`: node pages, the explorer) do not start a recomputation more
 * often than {@link staleRefreshDelayMs} after the last one started: a collection that commits every few seconds
 * would otherwise keep the database busy recomputing the whole graph for every page view. The findings page, the
 * API and scripts always get results that include every committed run.
 */
import type { Database } from '../db';
import { computeFindings, type Finding, type FindingsResult } from './findings';

interface Entry {
  stamp: string;
  /** When its computation started (ms since the epoch). */
  at: number;
  result: Promise<FindingsResult>;
  /** The result once computed (served while a newer one is being computed). */
  settled?: FindingsResult;
  /** How long the computation of `settled` took (ms). */
  tookMs?: number;
}

/** The minimum delay between two recomputations started for stale-tolerant callers: 9× the last computation's
 * duration (the computation then occupies at most a tenth of the time), and at least 15 s. */
export function staleRefreshDelayMs(lastTookMs: number | undefined): number {
  return Math.max(15_000, 9 * (lastTookMs ?? 0));
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
  if (hit?.settled && opts.allowStale && Date.now() - hit.at < staleRefreshDelayMs(hit.tookMs)) return hit.settled;
  const previous = hit?.settled;
  const started = Date.now();
  const result = computeFindings(database, { asOf: opts.asOf });
  const entry: Entry = { stamp, at: started, result, settled: previous, tookMs: hit?.tookMs };
  if (cache.size > 20) cache.clear();
  cache.set(k, entry);
  result.then(
    (r) => {
      entry.settled = r;
      entry.tookMs = Date.now() - started;
    },
    () => {
      if (cache.get(k) === entry) cache.delete(k);
    },
  );
  return (opts.allowStale && previous) || result;
}

const indexes = new WeakMap<FindingsResult, Map<string, Finding[]>>();

/**
 * The findings of {@link cachedFindings} (same options) indexed by node id: every finding under each of its
 * `objects`, in the result's order (most severe first). Built once per computed result, so a page that shows one
 * node's findings does not scan the whole list.
 */
export async function cachedFindingsByNode(
  database: Database,
  opts: { asOf?: Date; allowStale?: boolean } = {},
): Promise<Map<string, Finding[]>> {
  const result = await cachedFindings(database, opts);
  let index = indexes.get(result);
  if (!index) {
    index = new Map();
    for (const f of result.findings) {
      for (const id of new Set(f.objects)) {
        const list = index.get(id);
        if (list) list.push(f);
        else index.set(id, [f]);
      }
    }
    indexes.set(result, index);
  }
  return index;
}
