/**
 * Findings are computed over the whole graph (seconds on a large inventory: 15 s at a million nodes) but only change
 * when a run commits, or slowly with time (key age, TLS expiry). Where they are kept:
 *
 * - The current state: in the database (`findings_snapshots` / `findings`, migration 20261122030000), so one
 *   computation serves every web worker and survives restarts. One process at a time computes (a PostgreSQL
 *   advisory lock); a process that waited for it reads what the other wrote. Only the latest snapshot is kept.
 * - Past times (`asOf`): computed in this process on demand and kept in memory per time (rare, and history does not
 *   change).
 *
 * Freshness: a snapshot is current while no run committed since it was computed (the newest committed run id and the
 * count of committed runs, checked on every call: one indexed query) and it is younger than `maxAgeMs` (default
 * 10 min, for the time-based rules). Callers that accept an older result (`allowStale`: node pages, the explorer) get
 * the latest snapshot at once, and a refresh starts in the background at most every {@link staleRefreshDelayMs}: a
 * collection that commits every few seconds would otherwise keep the database recomputing the whole graph for page
 * views. The findings page, the API and scripts always get results that include every committed run.
 *
 * Errors: database errors propagate (a failed computation stores nothing).
 */
import type pg from 'pg';
import type { Database } from '../db';
import { log } from '../log';
import { computeFindings, type Finding, type FindingsResult } from './findings';

/** PostgreSQL advisory lock key serialising findings refreshes (the migration runner uses 72707369). */
const REFRESH_LOCK = 72707370;
/** Default maximum age of a current snapshot (ms). */
const MAX_AGE_MS = 10 * 60_000;
/** Findings written per INSERT while storing a snapshot. */
const INSERT_BATCH = 2000;

/**
 * The minimum delay between two background refreshes for stale-tolerant callers: 9× the last computation's duration
 * (a refresh then occupies at most a tenth of the time), and at least 15 s.
 */
export function staleRefreshDelayMs(lastTookMs: number | undefined): number {
  return Math.max(15_000, 9 * (lastTookMs ?? 0));
}

interface Snapshot {
  id: number;
  stamp: string;
  computedAt: Date;
  tookMs: number;
  count: number;
}

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** `newest committed run id/number of committed runs`: changes whenever a run commits or is pruned. */
const STAMP_SQL = `SELECT coalesce(max(id), 0)::text || '/' || count(*)::text FROM runs WHERE committed_at IS NOT NULL`;

async function committedStamp(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ stamp: string }>(`SELECT (${STAMP_SQL}) AS stamp`);
  return rows[0]!.stamp;
}

/** The committed-run stamp and the latest snapshot (null when none), in one round trip. */
async function stampAndSnapshot(db: Queryable): Promise<{ stamp: string; snap: Snapshot | null }> {
  const { rows } = await db.query<{ stamp: string; id: number | null; snap_stamp: string; computed_at: Date; took_ms: number; count: number }>(
    `SELECT (${STAMP_SQL}) AS stamp, s.id, s.stamp AS snap_stamp, s.computed_at, s.took_ms, s.count
     FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT * FROM findings_snapshots ORDER BY id DESC LIMIT 1) s ON true`,
  );
  const r = rows[0]!;
  return { stamp: r.stamp, snap: r.id === null ? null : { id: r.id, stamp: r.snap_stamp, computedAt: r.computed_at, tookMs: r.took_ms, count: r.count } };
}

const age = (s: Snapshot) => Date.now() - s.computedAt.getTime();

/** Stores `result` as the latest snapshot (one transaction) and drops the older ones. */
async function storeSnapshot(client: pg.PoolClient, stamp: string, result: FindingsResult, tookMs: number): Promise<Snapshot> {
  const findings = result.findings;
  await client.query('BEGIN');
  try {
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO findings_snapshots (stamp, computed_at, took_ms, count) VALUES ($1, $2, $3, $4) RETURNING id`,
      [stamp, new Date(result.asOf), tookMs, findings.length],
    );
    const id = rows[0]!.id;
    for (let i = 0; i < findings.length; i += INSERT_BATCH) {
      const batch = findings.slice(i, i + INSERT_BATCH);
      await client.query(
        `INSERT INTO findings (snapshot_id, ord, id, rule, severity, title, objects, provider, realm, namespace, evidence, fix)
         SELECT $1, x.ord, x.id, x.rule, x.severity, x.title, ARRAY(SELECT jsonb_array_elements_text(x.objects)), x.provider,
                x.realm, x.namespace, x.evidence, x.fix
         FROM jsonb_to_recordset($2::jsonb) AS x(ord int, id text, rule text, severity text, title text, objects jsonb,
              provider text, realm text, namespace text, evidence jsonb, fix text)`,
        [id, JSON.stringify(batch.map((f, j) => ({ ...f, ord: i + j })))],
      );
    }
    await client.query(`DELETE FROM findings_snapshots WHERE id < $1`, [id]);
    await client.query('COMMIT');
    return { id, stamp, computedAt: new Date(result.asOf), tookMs, count: findings.length };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/**
 * Per-process state, per database pool (a process normally has one; tests have several), on globalThis so that
 * Next's separately bundled routes share it.
 */
interface PoolState {
  /** The refresh this process is running, if any. */
  refresh: Promise<Snapshot> | null;
  /** The latest snapshot's whole list, once read. */
  list: { snapshotId: number; findings: Promise<Finding[]> } | null;
  /** Findings as of past times, per ISO time, with the committed-run stamp they were computed at. */
  past: Map<string, { stamp: string; result: Promise<FindingsResult> }>;
}
const stateKey = Symbol.for('keygraph.findingsCache');
function stateOf(database: Database): PoolState {
  const holder = globalThis as { [stateKey]?: WeakMap<pg.Pool, PoolState> };
  const states = (holder[stateKey] ??= new WeakMap());
  let state = states.get(database.pool);
  if (!state) states.set(database.pool, (state = { refresh: null, list: null, past: new Map() }));
  return state;
}

/**
 * Computes and stores a current snapshot, unless the latest one is current once the lock is held (another process
 * stored it while this one waited). One refresh per process at a time (callers share it).
 */
function refreshSnapshot(database: Database): Promise<Snapshot> {
  const state = stateOf(database);
  state.refresh ??= (async () => {
    const client = await database.pool.connect();
    let locked = false;
    try {
      await client.query('SELECT pg_advisory_lock($1)', [REFRESH_LOCK]);
      locked = true;
      const { stamp, snap: other } = await stampAndSnapshot(client);
      if (other && other.stamp === stamp && age(other) < MAX_AGE_MS) return other;
      const t0 = performance.now();
      const result = await computeFindings(database);
      const tookMs = Math.round(performance.now() - t0);
      const snap = await storeSnapshot(client, stamp, result, tookMs);
      log.info({ findings: snap.count, tookMs, stamp }, 'findings snapshot stored');
      return snap;
    } finally {
      if (locked) await client.query('SELECT pg_advisory_unlock($1)', [REFRESH_LOCK]).catch(() => undefined);
      client.release();
    }
  })().finally(() => {
    state.refresh = null;
  });
  return state.refresh;
}

/**
 * The current snapshot to answer from (see the module comment for freshness). Stale-tolerant callers wait only when
 * there is no snapshot at all (the first use of a new database).
 */
async function currentSnapshot(database: Database, opts: { maxAgeMs?: number; allowStale?: boolean }): Promise<Snapshot> {
  const { stamp, snap } = await stampAndSnapshot(database.pool);
  if (snap && snap.stamp === stamp && age(snap) < (opts.maxAgeMs ?? MAX_AGE_MS)) return snap;
  if (snap && opts.allowStale) {
    if (!stateOf(database).refresh && age(snap) >= staleRefreshDelayMs(snap.tookMs)) {
      refreshSnapshot(database).catch((e: Error) => log.warn({ err: e.message }, 'background findings refresh failed'));
    }
    return snap;
  }
  return refreshSnapshot(database);
}

/** The `findings` columns that make a Finding, under its field names. */
const COLUMNS = 'id, rule, severity, title, objects, provider, realm, namespace, evidence, fix';

/** Every finding of a snapshot, in order; the latest snapshot's list is kept in memory. */
function snapshotFindings(database: Database, snap: Snapshot): Promise<Finding[]> {
  const state = stateOf(database);
  if (state.list?.snapshotId !== snap.id) {
    const findings = database.pool
      .query<Finding>(`SELECT ${COLUMNS} FROM findings WHERE snapshot_id = $1 ORDER BY ord`, [snap.id])
      .then((r) => r.rows);
    state.list = { snapshotId: snap.id, findings };
    findings.catch(() => {
      if (state.list?.findings === findings) state.list = null;
    });
  }
  return state.list!.findings;
}

/** Findings as of a past time, computed in this process and kept per time until a run commits (or is pruned). */
async function pastFindings(database: Database, asOf: Date): Promise<FindingsResult> {
  const cache = stateOf(database).past;
  const stamp = await committedStamp(database.pool);
  const k = asOf.toISOString();
  const hit = cache.get(k);
  if (hit && hit.stamp === stamp) return hit.result;
  const result = computeFindings(database, { asOf });
  if (cache.size >= 20) cache.clear();
  cache.set(k, { stamp, result });
  result.catch(() => {
    if (cache.get(k)?.result === result) cache.delete(k);
  });
  return result;
}

/**
 * All findings as of `asOf` (default now), most severe first, with `asOf` the time they were computed for. See the
 * module comment for `maxAgeMs` and `allowStale`. `timings` is empty for a stored snapshot except `total` (ms).
 */
export async function cachedFindings(
  database: Database,
  opts: { asOf?: Date; maxAgeMs?: number; allowStale?: boolean } = {},
): Promise<FindingsResult> {
  if (opts.asOf) return pastFindings(database, opts.asOf);
  const snap = await currentSnapshot(database, opts);
  return { asOf: snap.computedAt.toISOString(), findings: await snapshotFindings(database, snap), timings: { total: snap.tookMs } };
}

/**
 * The findings that involve any of `ids` (as one of their `objects`), per id, in the result's order (most severe
 * first); ids with none are absent. For node pages and the explorer: stale-tolerant (see the module comment). For
 * the current state, read through the `objects` index without loading the whole list.
 */
export async function findingsByNode(database: Database, ids: string[], opts: { asOf?: Date } = {}): Promise<Map<string, Finding[]>> {
  const want = new Set(ids);
  const out = new Map<string, Finding[]>();
  const add = (f: Finding) => {
    for (const id of new Set(f.objects)) {
      if (!want.has(id)) continue;
      const list = out.get(id);
      if (list) list.push(f);
      else out.set(id, [f]);
    }
  };
  if (!want.size) return out;
  if (opts.asOf) {
    for (const f of (await pastFindings(database, opts.asOf)).findings) add(f);
    return out;
  }
  const snap = await currentSnapshot(database, { allowStale: true });
  const { rows } = await database.pool.query<Finding>(
    `SELECT ${COLUMNS} FROM findings WHERE snapshot_id = $1 AND objects && $2::text[] ORDER BY ord`,
    [snap.id, [...want]],
  );
  for (const f of rows) add(f);
  return out;
}

/**
 * Current findings counted by rule and severity (for /metrics, lib/metrics.ts), from the latest snapshot without
 * loading its list; stale-tolerant like node pages (see the module comment): it waits only when there is no
 * snapshot yet. `computedAt` is when that snapshot was computed.
 */
export async function currentFindingCounts(database: Database): Promise<{ computedAt: Date; counts: { rule: string; severity: string; count: number }[] }> {
  const snap = await currentSnapshot(database, { allowStale: true });
  const { rows } = await database.pool.query<{ rule: string; severity: string; count: number }>(
    `SELECT rule, severity, count(*)::int AS count FROM findings WHERE snapshot_id = $1 GROUP BY rule, severity ORDER BY rule, severity`,
    [snap.id],
  );
  return { computedAt: snap.computedAt, counts: rows };
}
