/**
 * History reads: one node's timeline, and the difference between the graph at two times.
 *
 * Times: `Date`s, or specs resolved by {@link resolveTime} (the one resolver: ISO 8601, `run:N`, relative forms), and
 * {@link dataBegins}: before it there is no data.
 */
import { Prisma } from '../generated/prisma/client';
import type { Database } from '../db';
import { diffProperties, sameSecretData, type FieldChange } from '../graph/changes';
import { live } from './read';
import { checkNotFuture, parseTimeSpec, TimeSpecError } from '../time';

export { TimeSpecError } from '../time';

/** A committed run, as a point in time. */
export interface RunMoment {
  runId: number;
  committedAt: Date;
}

/**
 * One change of a node, as collections saw it. keygraph does not know the second a change happened, only between
 * which two collections: it happened after `after` (the previous applied run of the same source/scope, which did
 * not see it yet) and no later than `at` (when run `runId`, the first to see it, committed). Say "between run
 * `after.runId` (time) and run `runId` (time)".
 */
export interface HistoryEvent {
  /** Commit time of run `runId`: the latest the change can have happened. */
  at: Date;
  type: 'appeared' | 'changed' | 'disappeared' | 'referenced' | 'observed' | 'no longer referenced';
  source: string;
  scope: string;
  /** The first run that saw the change (for "disappeared": the first that no longer saw the object). */
  runId: number;
  /**
   * The run before `runId` of the same source/scope (succeeded or partial): the change happened after it. Null when
   * `runId` is the first run of its source/scope (the change may be older than any collection).
   */
  after: RunMoment | null;
  changes: FieldChange[];
}

export interface NodeHistory {
  id: string;
  events: HistoryEvent[];
  /** Completed runs of the asserting sources/scopes while the node existed (newest first, at most 200). */
  seenBy: { runId: number; source: string; scope: string; committedAt: Date }[];
}

interface VersionRow {
  source: string;
  scope: string;
  missing: boolean;
  properties: Record<string, unknown>;
  valid_from: Date;
  valid_to: Date | null;
  run_from: number;
  run_to: number | null;
}

/**
 * The node's timeline across all sources/scopes: when it appeared, each change (fields; data keys added/removed;
 * "value changed" for fingerprint changes, never a value), when it disappeared, and the runs that saw it.
 * Placeholder versions appear as "referenced" (not observed). Returns null when no version exists.
 */
export async function getNodeHistory(database: Database, id: string): Promise<NodeHistory | null> {
  const rows = await database.prisma.$queryRaw<VersionRow[]>(Prisma.sql`
    SELECT source, scope, missing, properties, valid_from, valid_to, run_from, run_to
    FROM node_versions WHERE node_id = ${id} ORDER BY source, scope, valid_from LIMIT 5000`);
  if (!rows.length) return null;
  const events: HistoryEvent[] = [];
  const streams = new Map<string, VersionRow[]>();
  for (const v of rows) {
    const key = `${v.source}\u0000${v.scope}`;
    if (!streams.has(key)) streams.set(key, []);
    streams.get(key)!.push(v);
  }
  for (const versions of streams.values()) {
    versions.forEach((v, i) => {
      const prev = versions[i - 1];
      const next = versions[i + 1];
      const base = { source: v.source, scope: v.scope, runId: v.run_from, after: null as RunMoment | null, changes: [] as FieldChange[] };
      const contiguous = prev?.valid_to?.getTime() === v.valid_from.getTime();
      if (!contiguous) events.push({ at: v.valid_from, type: v.missing ? 'referenced' : 'appeared', ...base });
      else if (prev!.missing && !v.missing) events.push({ at: v.valid_from, type: 'observed', ...base });
      else if (!prev!.missing && v.missing) events.push({ at: v.valid_from, type: 'disappeared', ...base });
      else events.push({ at: v.valid_from, type: 'changed', ...base, changes: diffProperties(prev!.properties, v.properties) });
      if (v.valid_to && next?.valid_from.getTime() !== v.valid_to.getTime()) {
        events.push({ at: v.valid_to, type: v.missing ? 'no longer referenced' : 'disappeared', ...base, runId: v.run_to ?? v.run_from });
      }
    });
  }
  events.sort((a, b) => a.at.getTime() - b.at.getTime() || a.runId - b.runId);
  const ids = [...new Set(events.map((e) => e.runId))];
  const before = await database.prisma.$queryRaw<{ id: number; committed_at: Date | null; prev_id: number | null; prev_at: Date | null }[]>(Prisma.sql`
    SELECT r.id, r.committed_at, p.id AS prev_id, p.committed_at AS prev_at
    FROM runs r LEFT JOIN LATERAL (
      SELECT q.id, q.committed_at FROM runs q
      WHERE q.source = r.source AND q.scope = r.scope AND q.status IN ('succeeded', 'partial') AND q.committed_at < r.committed_at
      ORDER BY q.committed_at DESC, q.id DESC LIMIT 1) p ON true
    WHERE r.id = ANY(${ids}::int[])`);
  const prevOf = new Map(before.map((r) => [r.id, r.prev_id !== null && r.prev_at ? { runId: r.prev_id, committedAt: r.prev_at } : null]));
  for (const e of events) e.after = prevOf.get(e.runId) ?? null;
  const seen = await database.prisma.$queryRaw<{ id: number; source: string; scope: string; committed_at: Date }[]>(Prisma.sql`
    SELECT DISTINCT r.id, r.source, r.scope, r.committed_at FROM runs r JOIN node_versions v
      ON v.node_id = ${id} AND NOT v.missing AND v.source = r.source AND v.scope = r.scope
     AND r.committed_at >= v.valid_from AND (v.valid_to IS NULL OR r.committed_at < v.valid_to)
    WHERE r.status IN ('succeeded', 'partial') ORDER BY r.committed_at DESC LIMIT 200`);
  return { id, events, seenBy: seen.map((r) => ({ runId: r.id, source: r.source, scope: r.scope, committedAt: r.committed_at })) };
}

/**
 * THE time resolver: every page, route handler, CLI command and export turns a user's time spec into a time with
 * this. Forms (lib/time.ts parseTimeSpec, strict): ISO 8601, `run:N` (when run N's changes took effect: its commit
 * time), relative (`30m`, `24h`, `7d`, `2w`), `now`, `today`, `yesterday`; years 1970..9999. A time more than a
 * minute after `now` is refused unless `allowFuture`.
 * Errors: {@link TimeSpecError} (malformed, out of range, future, unknown or never committed run) — a user's mistake,
 * to answer with exit 1 / HTTP 400; any other error is the database's.
 */
export async function resolveTime(
  database: Database,
  spec: string,
  opts: { now?: Date; allowFuture?: boolean } = {},
): Promise<Date> {
  const now = opts.now ?? new Date();
  const p = parseTimeSpec(spec, now);
  if (p.kind === 'time') return opts.allowFuture ? p.at : checkNotFuture(p.at, spec, now);
  const r = await database.prisma.run.findUnique({ where: { id: p.runId } });
  if (!r) throw new TimeSpecError(`no run ${p.runId} (the Runs page lists them)`);
  if (!r.committedAt) throw new TimeSpecError(`run ${p.runId} never committed (status ${r.status}): it changed nothing`);
  return r.committedAt;
}

/**
 * When the data begins: the commit time of the earliest applied (succeeded or partial) run of any source, or null
 * when nothing was ever collected. A time before it is "no data at that time" (see {@link noDataAt}).
 */
export async function dataBegins(database: Database): Promise<Date | null> {
  const r = await database.prisma.run.findFirst({
    where: { status: APPLIED, committedAt: { not: null } },
    orderBy: [{ committedAt: 'asc' }, { id: 'asc' }],
    select: { committedAt: true },
  });
  return r?.committedAt ?? null;
}

/** "No data at that time": the JSON API's `NoData` body, and what the CLI prints (exit 3). Never an all-clear. */
export interface NoData {
  noData: true;
  /** The time asked about (ISO 8601). */
  asOf: string;
  /** When the first collection committed (ISO 8601), null when nothing was ever collected. */
  dataBegins: string | null;
  message: string;
}

/** {@link NoData} when keygraph has no data at `at` (undefined: now), else null (one indexed query). */
export async function noDataReport(database: Database, at?: Date): Promise<NoData | null> {
  const begins = await dataBegins(database);
  if (begins && (at === undefined || at.getTime() >= begins.getTime())) return null;
  const when = (at ?? new Date()).toISOString();
  const message = begins
    ? `no data at ${when}: the first collection committed at ${begins.toISOString()}; nothing can be said about that time`
    : 'no data: nothing has been collected yet (keygraph collect …); nothing can be said';
  return { noData: true, asOf: when, dataBegins: begins?.toISOString() ?? null, message };
}

/**
 * True when keygraph has no data at `at` (undefined: now): nothing was collected before it (or ever). Every answer
 * for such a time is "no data at that time" (UI), `noData: true` (API), exit 3 (CLI) — never an all-clear.
 */
export async function noDataAt(database: Database, at?: Date): Promise<boolean> {
  const begins = await dataBegins(database);
  return begins === null || (at !== undefined && at.getTime() < begins.getTime());
}

export interface DiffNode {
  id: string;
  kind: string;
  provider: string;
  realm: string;
  namespace: string | null;
  name: string;
  change: 'added' | 'removed' | 'changed';
  changes: FieldChange[];
}

export interface DiffEdge {
  kind: string;
  from: string;
  to: string;
  change: 'added' | 'removed' | 'changed';
  properties: Record<string, unknown>;
}

export interface GraphDiff {
  from: Date;
  to: Date;
  nodes: DiffNode[];
  edges: DiffEdge[];
  /** Secrets that disappeared while another with identical data appeared in the same namespace. */
  renamedSecrets: { from: string; to: string; namespace: string | null; realm: string }[];
  /** True when more than `limit` nodes or edges changed (lists cut). */
  truncated: boolean;
}

/**
 * The graph at `to` compared with the graph at `from` (observed nodes only; placeholders are not objects), per
 * cluster/project when `realm` is given. Lists are cut at `limit` (default 5,000) each.
 */
export async function diffGraph(
  database: Database,
  opts: { from: Date; to: Date; realm?: string; limit?: number },
): Promise<GraphDiff> {
  const limit = Math.max(1, Math.min(opts.limit ?? 5000, 50_000));
  const realmN = opts.realm ? Prisma.sql`AND v.realm = ${opts.realm}` : Prisma.empty;
  const realmE = opts.realm ? Prisma.sql`AND v.scope = ${opts.realm}` : Prisma.empty;
  const nodeRows = await database.prisma.$queryRaw<
    { id: string; kind: string; provider: string; realm: string; namespace: string | null; name: string; change: DiffNode['change']; a_props: Record<string, unknown> | null; b_props: Record<string, unknown> | null }[]
  >(Prisma.sql`
    WITH a AS (SELECT DISTINCT ON (node_id) node_id, kind, provider, realm, namespace, name, hash, properties FROM node_versions v
               WHERE ${live('v', opts.from)} AND NOT v.missing ${realmN} ORDER BY node_id, valid_from DESC),
         b AS (SELECT DISTINCT ON (node_id) node_id, kind, provider, realm, namespace, name, hash, properties FROM node_versions v
               WHERE ${live('v', opts.to)} AND NOT v.missing ${realmN} ORDER BY node_id, valid_from DESC)
    SELECT coalesce(b.node_id, a.node_id) AS id, coalesce(b.kind, a.kind) AS kind, coalesce(b.provider, a.provider) AS provider,
           coalesce(b.realm, a.realm) AS realm, coalesce(b.namespace, a.namespace) AS namespace, coalesce(b.name, a.name) AS name,
           CASE WHEN a.node_id IS NULL THEN 'added' WHEN b.node_id IS NULL THEN 'removed' ELSE 'changed' END AS change,
           a.properties AS a_props, b.properties AS b_props
    FROM a FULL JOIN b ON a.node_id = b.node_id
    WHERE a.hash IS DISTINCT FROM b.hash
    ORDER BY 7, 2, 5, 6 LIMIT ${limit + 1}`);
  const edgeRows = await database.prisma.$queryRaw<{ kind: string; from_id: string; to_id: string; change: DiffEdge['change']; properties: Record<string, unknown> }[]>(Prisma.sql`
    WITH a AS (SELECT DISTINCT ON (edge_key) edge_key, kind, from_id, to_id, hash, properties FROM edge_versions v
               WHERE ${live('v', opts.from)} ${realmE} ORDER BY edge_key, valid_from DESC),
         b AS (SELECT DISTINCT ON (edge_key) edge_key, kind, from_id, to_id, hash, properties FROM edge_versions v
               WHERE ${live('v', opts.to)} ${realmE} ORDER BY edge_key, valid_from DESC)
    SELECT coalesce(b.kind, a.kind) AS kind, coalesce(b.from_id, a.from_id) AS from_id, coalesce(b.to_id, a.to_id) AS to_id,
           CASE WHEN a.edge_key IS NULL THEN 'added' WHEN b.edge_key IS NULL THEN 'removed' ELSE 'changed' END AS change,
           coalesce(b.properties, a.properties) AS properties
    FROM a FULL JOIN b ON a.edge_key = b.edge_key
    WHERE a.hash IS DISTINCT FROM b.hash
    ORDER BY 4, 1, 2, 3 LIMIT ${limit + 1}`);
  const nodes: DiffNode[] = nodeRows.slice(0, limit).map((r) => ({
    id: r.id, kind: r.kind, provider: r.provider, realm: r.realm, namespace: r.namespace, name: r.name, change: r.change,
    changes: r.change === 'changed' ? diffProperties(r.a_props ?? {}, r.b_props ?? {}) : [],
  }));
  const removed = nodeRows.filter((r) => r.change === 'removed' && r.kind === 'Secret' && r.provider === 'k8s');
  const added = nodeRows.filter((r) => r.change === 'added' && r.kind === 'Secret' && r.provider === 'k8s');
  const renamedSecrets = removed.flatMap((o) =>
    added
      .filter((n) => n.realm === o.realm && n.namespace === o.namespace && sameSecretData(o.a_props ?? {}, n.b_props ?? {}))
      .map((n) => ({ from: o.id, to: n.id, namespace: o.namespace, realm: o.realm })),
  );
  return {
    from: opts.from,
    to: opts.to,
    nodes,
    edges: edgeRows.slice(0, limit).map((r) => ({ kind: r.kind, from: r.from_id, to: r.to_id, change: r.change, properties: r.properties })),
    renamedSecrets,
    truncated: nodeRows.length > limit || edgeRows.length > limit,
  };
}

/** A committed run, as history navigation needs it. */
export interface RunRef {
  id: number;
  source: string;
  scope: string;
  status: string;
  committedAt: Date;
}

type RunRow = { id: number; source: string; scope: string; status: string; committedAt: Date | null };
const committed = (r: RunRow | null): RunRef | null =>
  r && r.committedAt ? { id: r.id, source: r.source, scope: r.scope, status: r.status, committedAt: r.committedAt } : null;
/** Runs whose changes were applied (a failed or still running run changed nothing). */
const APPLIED = { in: ['succeeded', 'partial'] };

/**
 * The run before run `runId` of the same source and scope: the latest applied run (succeeded or partial) of that
 * source/scope committed before it. "What changed in run N" is the diff from this run to run N. Null when run N is
 * unknown, never committed, or the first of its source/scope.
 */
export async function previousRun(database: Database, runId: number): Promise<RunRef | null> {
  if (!Number.isSafeInteger(runId) || runId <= 0) return null;
  const run = await database.prisma.run.findUnique({ where: { id: runId } });
  if (!run?.committedAt) return null;
  const prev = await database.prisma.run.findFirst({
    where: { source: run.source, scope: run.scope, status: APPLIED, committedAt: { lt: run.committedAt } },
    orderBy: [{ committedAt: 'desc' }, { id: 'desc' }],
  });
  return committed(prev);
}

/**
 * The most recently committed applied run, of scope `scope` (a cluster or project; any source) when given. Null when
 * there is none.
 */
export async function latestRun(database: Database, scope?: string): Promise<RunRef | null> {
  const r = await database.prisma.run.findFirst({
    where: { status: APPLIED, committedAt: { not: null }, ...(scope ? { scope } : {}) },
    orderBy: [{ committedAt: 'desc' }, { id: 'desc' }],
  });
  return committed(r);
}

/** The most recently committed applied runs, newest first (at most `limit`, default 20): the time picker's list. */
export async function recentRuns(database: Database, limit = 20): Promise<RunRef[]> {
  const rows = await database.prisma.run.findMany({
    where: { status: APPLIED, committedAt: { not: null } },
    orderBy: [{ committedAt: 'desc' }, { id: 'desc' }],
    take: Math.max(1, Math.min(limit, 200)),
  });
  return rows.flatMap((r) => committed(r) ?? []);
}

/** Every scope (cluster or project) some run has collected, with its sources, sorted by scope. */
export async function runScopes(database: Database): Promise<{ scope: string; sources: string[] }[]> {
  const rows = await database.prisma.run.findMany({ distinct: ['source', 'scope'], select: { source: true, scope: true }, take: 1000 });
  const m = new Map<string, string[]>();
  for (const r of rows) m.set(r.scope, [...(m.get(r.scope) ?? []), r.source].sort());
  return [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([scope, sources]) => ({ scope, sources }));
}
