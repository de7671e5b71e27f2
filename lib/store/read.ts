/**
 * Reads of the graph, current or as of a past time. Traversal SQL goes through Prisma.sql (parameterised).
 *
 * A node may be asserted by several sources/scopes (and as a placeholder by some); the node shown is the best open
 * assertion: an observed version beats a placeholder, then the most recent. A node is `missing` when only
 * placeholders assert it. An edge endpoint with no row at all is also reported as missing.
 *
 * `asOf` (Date): rows valid at that instant (`valid_from <= asOf < valid_to`); omitted: the current state.
 */
import { Prisma } from '../generated/prisma/client';
import type { Database } from '../db';
import { parseId } from '../graph/ids';
import type { CollectionSkip } from '../graph/records';
import { EDGE_KINDS, type EdgeKind } from '../graph/model';
import { live } from './time-sql';

/** A node's identity and whether it was observed: what lists, graphs and exports show of every node. */
export interface NodeSummary {
  id: string;
  provider: string;
  kind: string;
  /** Cluster name or GCP project id. */
  realm: string;
  namespace: string | null;
  name: string;
  /** Referenced but not observed (only placeholders assert it, or no row at all). */
  missing: boolean;
}

export interface NodeView extends NodeSummary {
  properties: Record<string, unknown>;
  /** Who asserts it: source/scope, since when, and whether as a placeholder. */
  assertions: { source: string; scope: string; missing: boolean; validFrom: Date; runFrom: number }[];
}

export interface EdgeView {
  kind: EdgeKind;
  from: string;
  to: string;
  /** Merged properties of every assertion of this edge. */
  properties: Record<string, unknown>;
  /** `source/scope` of each assertion, oldest first. */
  assertedBy: string[];
  /** When the most recent assertion began. */
  validFrom: Date;
  /** The node at the other end (relative to the node asked about). */
  other: NodeSummary;
}

export interface ReadOptions {
  asOf?: Date;
}

export { live };

/**
 * The best assertion per node id among the `node_versions v` rows matching `where` (which must include the as-of
 * condition, {@link live}): an observed version beats a placeholder, then the most recent. Rows come ordered by
 * node id. Columns: node_id, provider, kind, realm, namespace, name, missing, properties, valid_from.
 */
export function bestNodesSql(where: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`SELECT DISTINCT ON (v.node_id) v.node_id, v.provider, v.kind, v.realm, v.namespace, v.name, v.missing,
      v.properties, v.valid_from
    FROM node_versions v WHERE ${where}
    ORDER BY v.node_id, v.missing ASC, v.valid_from DESC`;
}

/**
 * Edges as read: the `edge_versions v` rows matching `where` (which must include {@link live}) grouped per edge
 * (an edge asserted by several sources/scopes is one edge). Columns: edge_key, kind, from_id, to_id, props_list
 * (properties of each assertion, oldest first; merge with {@link mergeEdgeProperties}), asserted_by
 * (`source/scope`, oldest first), valid_from (when the most recent assertion began). Grouped by
 * (from_id, kind, to_id, edge_key), so `ORDER BY from_id, kind, to_id, edge_key` costs no second sort.
 */
export function mergedEdgesSql(where: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`SELECT v.edge_key, v.kind, v.from_id, v.to_id,
      jsonb_agg(v.properties ORDER BY v.valid_from) AS props_list,
      array_agg(v.source || '/' || v.scope ORDER BY v.valid_from) AS asserted_by, max(v.valid_from) AS valid_from
    FROM edge_versions v WHERE ${where} GROUP BY v.from_id, v.kind, v.to_id, v.edge_key`;
}

/**
 * Properties of an edge asserted by several sources (Workload Identity: the annotation half from Kubernetes, the
 * binding half from GCP): merged, later assertions winning on conflicts.
 */
export function mergeEdgeProperties(propsList: Record<string, unknown>[]): Record<string, unknown> {
  return Object.assign({}, ...propsList) as Record<string, unknown>;
}

/** The columns of a node row ({@link bestNodesSql}) that make a {@link NodeSummary}. */
export interface NodeSummaryRow {
  node_id: string;
  provider: string;
  kind: string;
  realm: string;
  namespace: string | null;
  name: string;
  missing: boolean;
}

interface NodeRow extends NodeSummaryRow {
  properties: Record<string, unknown>;
}

/** A node row as a NodeSummary. */
export function summary(r: NodeSummaryRow): NodeSummary {
  return { id: r.node_id, provider: r.provider, kind: r.kind, realm: r.realm, namespace: r.namespace, name: r.name, missing: r.missing };
}

/**
 * A summary for an id with no node row (reported as missing), read off the id itself. A malformed id keeps its
 * provider prefix, `?` for kind and realm, and the whole id as name.
 */
export function missingSummary(id: string): NodeSummary {
  const p = parseId(id);
  return p
    ? { id, provider: p.provider, kind: p.kind, realm: p.realm, namespace: p.namespace, name: p.name, missing: true }
    : { id, provider: id.split(':')[0] ?? '?', kind: '?', realm: '?', namespace: null, name: id, missing: true };
}

/** {@link missingSummary}, or null if the id is malformed. */
function unknownNode(id: string): NodeSummary | null {
  return parseId(id) ? missingSummary(id) : null;
}

/** One node with its properties and assertions, or null when no source knows it (then or now). */
export async function getNode(database: Database, id: string, opts: ReadOptions = {}): Promise<NodeView | null> {
  const rows = await database.prisma.$queryRaw<(NodeRow & { source: string; scope: string; valid_from: Date; run_from: number })[]>(
    Prisma.sql`SELECT node_id, provider, kind, realm, namespace, name, missing, properties, source, scope, valid_from, run_from
      FROM node_versions v WHERE v.node_id = ${id} AND ${live('v', opts.asOf)}
      ORDER BY missing ASC, valid_from DESC`,
  );
  if (!rows.length) return null;
  const best = rows[0]!;
  return {
    ...summary(best),
    properties: best.properties,
    assertions: rows.map((r) => ({ source: r.source, scope: r.scope, missing: r.missing, validFrom: r.valid_from, runFrom: r.run_from })),
  };
}

/**
 * Edges of a node in one direction: `out` = what it uses/owns (node is `from`), `in` = what uses it (node is `to`).
 * An edge asserted by several sources/scopes is returned once, with merged properties.
 */
export async function getEdges(
  database: Database,
  id: string,
  direction: 'in' | 'out',
  opts: ReadOptions & { limit?: number } = {},
): Promise<EdgeView[]> {
  const self = direction === 'out' ? Prisma.raw('from_id') : Prisma.raw('to_id');
  const other = direction === 'out' ? Prisma.raw('e.to_id') : Prisma.raw('e.from_id');
  const limit = Math.min(opts.limit ?? 5000, 50000);
  const rows = await database.prisma.$queryRaw<
    {
      kind: string; from_id: string; to_id: string; props_list: Record<string, unknown>[]; asserted_by: string[];
      valid_from: Date; o_id: string | null; o_provider: string; o_kind: string; o_realm: string; o_namespace: string | null;
      o_name: string; o_missing: boolean;
    }[]
  >(Prisma.sql`
    SELECT e.kind, e.from_id, e.to_id, e.props_list, e.asserted_by, e.valid_from,
           n.node_id AS o_id, n.provider AS o_provider, n.kind AS o_kind, n.realm AS o_realm, n.namespace AS o_namespace,
           n.name AS o_name, n.missing AS o_missing
    FROM (${mergedEdgesSql(Prisma.sql`v.${self} = ${id} AND ${live('v', opts.asOf)}`)}) e
    LEFT JOIN LATERAL (
      SELECT node_id, provider, kind, realm, namespace, name, missing FROM node_versions n
      WHERE n.node_id = ${other} AND ${live('n', opts.asOf)} ORDER BY missing ASC, valid_from DESC LIMIT 1) n ON true
    ORDER BY e.kind, n.kind, n.namespace, n.name, e.props_list->-1->>'via', e.props_list->-1->>'container'
    LIMIT ${limit}`);
  return rows.flatMap((r) => {
    const otherId = direction === 'out' ? r.to_id : r.from_id;
    const o = r.o_id
      ? { id: r.o_id, provider: r.o_provider, kind: r.o_kind, realm: r.o_realm, namespace: r.o_namespace, name: r.o_name, missing: r.o_missing }
      : unknownNode(otherId);
    if (!o || !(r.kind in EDGE_KINDS)) return [];
    const properties = mergeEdgeProperties(r.props_list);
    return [{ kind: r.kind as EdgeKind, from: r.from_id, to: r.to_id, properties, assertedBy: r.asserted_by, validFrom: r.valid_from, other: o }];
  });
}

/** Who owns whom among a set of nodes, and the phase of its Pods: what a "Used by" list needs to group consumers. */
export interface Ownership {
  /** child id → owner id, for `OWNS` edges (from `metadata.ownerReferences`) whose two ends are both in the set. */
  ownerOf: Map<string, string>;
  /** Pod id → `status.phase` (`Running`, `Succeeded`…), for the Pods of the set. */
  phase: Map<string, string>;
}

/** {@link Ownership} of `ids` (node ids) as of `opts.asOf` (default now); two queries, at most 5,000 ids read. */
export async function getOwnership(database: Database, ids: string[], opts: ReadOptions = {}): Promise<Ownership> {
  const set = [...new Set(ids)].slice(0, 5000);
  if (!set.length) return { ownerOf: new Map(), phase: new Map() };
  const [owns, pods] = await Promise.all([
    database.prisma.$queryRaw<{ from_id: string; to_id: string }[]>(Prisma.sql`
      SELECT DISTINCT v.from_id, v.to_id FROM edge_versions v
      WHERE v.kind = 'OWNS' AND v.to_id = ANY(${set}) AND v.from_id = ANY(${set}) AND ${live('v', opts.asOf)}`),
    database.prisma.$queryRaw<{ node_id: string; phase: string | null }[]>(Prisma.sql`
      SELECT DISTINCT ON (n.node_id) n.node_id, n.properties->>'phase' AS phase FROM node_versions n
      WHERE n.node_id = ANY(${set}) AND n.kind = 'Pod' AND NOT n.missing AND ${live('n', opts.asOf)}
      ORDER BY n.node_id, n.valid_from DESC`),
  ]);
  return {
    ownerOf: new Map(owns.map((r) => [r.to_id, r.from_id])),
    phase: new Map(pods.flatMap((r) => (r.phase ? [[r.node_id, r.phase] as [string, string]] : []))),
  };
}

/**
 * The top controller of each of `ids`: its `OWNS` parents climbed (metadata.ownerReferences; a Pod → its ReplicaSet
 * → its Deployment, a Job's Pod → the Job → its CronJob), at most 4 levels, the first parent by id where there are
 * several. Ids with no owner are absent. One recursive query; at most 5,000 ids read.
 */
export async function topOwners(database: Database, ids: string[], opts: ReadOptions = {}): Promise<Map<string, string>> {
  const set = [...new Set(ids)].slice(0, 5000);
  if (!set.length) return new Map();
  const rows = await database.prisma.$queryRaw<{ start: string; top: string }[]>(Prisma.sql`
    WITH RECURSIVE up(start, cur, depth) AS (
      SELECT s, s, 0 FROM unnest(${set}::text[]) AS s
      UNION ALL
      SELECT up.start, p.from_id, up.depth + 1 FROM up
      CROSS JOIN LATERAL (
        SELECT v.from_id FROM edge_versions v WHERE v.kind = 'OWNS' AND v.to_id = up.cur AND ${live('v', opts.asOf)}
        ORDER BY v.from_id LIMIT 1
      ) p
      WHERE up.depth < 4
    )
    SELECT DISTINCT ON (start) start, cur AS top FROM up WHERE depth > 0 ORDER BY start, depth DESC`);
  return new Map(rows.map((r) => [r.start, r.top]));
}

export interface SearchOptions extends ReadOptions {
  /** API kind filter (`Secret`, `Deployment`…). */
  kind?: string;
  provider?: string;
  realm?: string;
  namespace?: string;
  /** Only missing (dangling) nodes. */
  missingOnly?: boolean;
  limit?: number;
  offset?: number;
}

/**
 * How many matching node versions a search looks at: ranking and counting every match of a broad term ("a", or a
 * name every namespace has) on a million-node inventory costs hundreds of milliseconds, for pages nobody reads. Past
 * this, the search says there are more and asks for a narrower term.
 */
export const SEARCH_CAP = 1000;

/** A page of search results. */
export interface SearchResult {
  /** Matching nodes counted (all of them unless `capped`). */
  total: number;
  /** True when more than {@link SEARCH_CAP} versions matched: `total` is then a lower bound, and the ranking is over
   * the first matches found (plus an exact id match, always included). */
  capped: boolean;
  nodes: NodeSummary[];
}

/**
 * Searches nodes by id, name, namespace or kind. `q` matches a case-insensitive substring of the name,
 * `namespace/name` or id (an exact id too); an empty `q` lists. Results: exact id first, then name prefix matches,
 * then by kind, namespace and name. Returns at most `limit` (default 50, max 500) from `offset` (at most
 * {@link SEARCH_CAP}), with the count (see {@link SearchResult.capped}).
 */
export async function searchNodes(database: Database, q: string, opts: SearchOptions = {}): Promise<SearchResult> {
  const limit = Math.max(1, Math.min(opts.limit ?? 50, 500));
  const offset = Math.max(0, Math.min(opts.offset ?? 0, SEARCH_CAP));
  const term = q.trim().slice(0, 300);
  const escaped = term.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c);
  const pattern = `%${escaped}%`;
  const conds: Prisma.Sql[] = [live('v', opts.asOf)];
  if (term) {
    // "namespace/name id": a term anywhere in the name, namespace/name or id (an exact id matches too). The same
    // expression as the trigram index of migration 20261122020000_search_trigram, so current-state search uses it.
    conds.push(Prisma.sql`lower(coalesce(v.namespace, '') || '/' || v.name || ' ' || v.node_id) LIKE ${pattern}`);
  }
  if (opts.kind) conds.push(Prisma.sql`v.kind = ${opts.kind}`);
  if (opts.provider) conds.push(Prisma.sql`v.provider = ${opts.provider}`);
  if (opts.realm) conds.push(Prisma.sql`v.realm = ${opts.realm}`);
  if (opts.namespace) conds.push(Prisma.sql`v.namespace = ${opts.namespace}`);
  // A missing node has placeholder versions only: look among those (the best-assertion check below still applies).
  if (opts.missingOnly) conds.push(Prisma.sql`v.missing`);
  const where = Prisma.join(conds, ' AND ');
  const having = opts.missingOnly ? Prisma.sql`WHERE b.missing` : Prisma.empty;
  // Candidates: the first SEARCH_CAP + 1 matching versions (and an exact id match); then the best assertion per node
  // as in bestNodesSql, over all of the node's versions and without `properties`, which nothing here shows.
  const rows = await database.prisma.$queryRaw<(NodeSummaryRow & { total: bigint; capped: boolean })[]>(Prisma.sql`
    WITH cand AS MATERIALIZED (SELECT v.node_id FROM node_versions v WHERE ${where} LIMIT ${SEARCH_CAP + 1}),
    ids AS (SELECT node_id FROM cand UNION SELECT v.node_id FROM node_versions v WHERE ${where} AND v.node_id = ${term}),
    b AS (SELECT DISTINCT ON (v.node_id) v.node_id, v.provider, v.kind, v.realm, v.namespace, v.name, v.missing
          FROM node_versions v JOIN ids ON ids.node_id = v.node_id WHERE ${live('v', opts.asOf)}
          ORDER BY v.node_id, v.missing ASC, v.valid_from DESC)
    SELECT b.*, count(*) OVER () AS total, (SELECT count(*) FROM cand) > ${SEARCH_CAP} AS capped FROM b ${having}
    ORDER BY (b.node_id = ${term}) DESC, (lower(b.name) LIKE ${escaped + '%'}) DESC, b.kind, b.namespace, b.name
    LIMIT ${limit} OFFSET ${offset}`);
  return { total: rows.length ? Number(rows[0]!.total) : 0, capped: !!rows[0]?.capped, nodes: rows.map(summary) };
}

/**
 * Count of current (or as-of) nodes per provider:kind, with how many are missing (referenced, not observed) and how
 * many of those are pending instead: an observed producer (PRODUCES edge from a Certificate, ExternalSecret or
 * SealedSecret) will create them. `missing` excludes the pending ones.
 */
export async function countByKind(
  database: Database,
  opts: ReadOptions = {},
): Promise<{ provider: string; kind: string; total: number; missing: number; pending: number }[]> {
  const rows = await database.prisma.$queryRaw<{ provider: string; kind: string; total: bigint; missing: bigint; pending: bigint }[]>(Prisma.sql`
    WITH b AS (SELECT DISTINCT ON (v.node_id) v.node_id, v.provider, v.kind, v.missing FROM node_versions v
               WHERE ${live('v', opts.asOf)} ORDER BY v.node_id, v.missing ASC, v.valid_from DESC),
    m AS (SELECT b.node_id, EXISTS (
            SELECT 1 FROM edge_versions e JOIN node_versions p ON p.node_id = e.from_id AND NOT p.missing AND ${live('p', opts.asOf)}
            WHERE e.to_id = b.node_id AND e.kind = 'PRODUCES' AND ${live('e', opts.asOf)}) AS pending
          FROM b WHERE b.missing)
    SELECT b.provider, b.kind, count(*) AS total,
           count(*) FILTER (WHERE b.missing AND NOT coalesce(m.pending, false)) AS missing,
           count(*) FILTER (WHERE coalesce(m.pending, false)) AS pending
    FROM b LEFT JOIN m ON m.node_id = b.node_id
    GROUP BY b.provider, b.kind ORDER BY b.provider, b.kind`);
  return rows.map((r) => ({ provider: r.provider, kind: r.kind, total: Number(r.total), missing: Number(r.missing), pending: Number(r.pending) }));
}

export interface RunView {
  id: number;
  source: string;
  scope: string;
  status: string;
  startedAt: Date;
  finishedAt: Date | null;
  committedAt: Date | null;
  coverage: Record<string, { complete: boolean; count: number; error?: string; namespaces?: string[] }>;
  counts: Record<string, unknown>;
  errors: { where: string; message: string }[];
  /** Input documents the run did not map, and why (lib/graph/records.ts CollectionSkip; first 10,000). */
  skipped: CollectionSkip[];
  inputs: Record<string, unknown>;
}

type RunRow = Awaited<ReturnType<Database['prisma']['run']['findUnique']>> & {};

function toRunView(r: RunRow): RunView {
  return {
    id: r.id,
    source: r.source,
    scope: r.scope,
    status: r.status,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    committedAt: r.committedAt,
    coverage: r.coverage as RunView['coverage'],
    counts: r.counts as RunView['counts'],
    errors: r.errors as RunView['errors'],
    skipped: Array.isArray(r.skipped) ? (r.skipped as unknown as RunView['skipped']) : [],
    inputs: r.inputs as RunView['inputs'],
  };
}

/** Most recent runs first. */
export async function listRuns(database: Database, opts: { limit?: number; offset?: number } = {}): Promise<RunView[]> {
  const rows = await database.prisma.run.findMany({
    orderBy: { id: 'desc' },
    take: Math.max(1, Math.min(opts.limit ?? 50, 500)),
    skip: Math.max(0, opts.offset ?? 0),
  });
  return rows.map(toRunView);
}

/** One run by id, or null. */
export async function getRun(database: Database, id: number): Promise<RunView | null> {
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  const r = await database.prisma.run.findUnique({ where: { id } });
  if (!r) return null;
  return toRunView(r);
}
