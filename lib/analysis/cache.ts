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
}
const key = Symbol.for('keygraph.findingsCache');
type Holder = { [key]?: Map<string, Entry> };

/**
 * All findings as of `asOf` (default now), from the cache when no run committed since they were computed.
 * Current-state results are also refreshed after `maxAgeMs` (default 60 s) so time-based rules (key age, TLS
 * expiry) move on. Errors: database errors propagate (and are not cached).
 */
export async function cachedFindings(database: Database, opts: { asOf?: Date; maxAgeMs?: number } = {}): Promise<FindingsResult> {
  const holder = globalThis as Holder;
  const cache = (holder[key] ??= new Map());
  const { rows } = await database.pool.query<{ stamp: string }>(
    `SELECT coalesce(max(id), 0)::text || '/' || count(*)::text AS stamp FROM runs WHERE committed_at IS NOT NULL`,
  );
  const stamp = rows[0]!.stamp;
  const k = opts.asOf ? opts.asOf.toISOString() : 'now';
  const hit = cache.get(k);
  const fresh = hit && hit.stamp === stamp && (opts.asOf || Date.now() - hit.at < (opts.maxAgeMs ?? 60_000));
  if (hit && fresh) return hit.result;
  const result = computeFindings(database, { asOf: opts.asOf });
  const entry = { stamp, at: Date.now(), result };
  if (cache.size > 20) cache.clear();
  cache.set(k, entry);
  result.catch(() => cache.get(k) === entry && cache.delete(k));
  return result;
}
