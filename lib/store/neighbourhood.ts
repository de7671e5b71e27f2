/**
 * Server side of the graph explorer: a node's neighbourhood, hop by hop, with large fan-out counted instead of
 * shipped. Types and URL state are in ./neighbourhood-view.ts (shared with the browser).
 *
 * Grouping: the edges of a hop are bucketed per (node, direction, edge kind, other node kind). A bucket of at most
 * `threshold` edges comes back as nodes and edges; a larger one as one {@link GraphGroup} with its count (the
 * members are read only when the group is opened, one page at a time: {@link groupPage}). The bucketing, counting
 * and capping happen in SQL (window functions over `edge_versions`); node rows are joined only for the rows kept,
 * so a Secret with 1,000 consumers costs one index scan and three counts, not 1,000 node lookups.
 *
 * Stored edges of one kind between the same two nodes (env + volume of the same Secret) are folded into one
 * {@link GraphEdge}: optional only when every folded reference is optional.
 */
import { Prisma } from '../generated/prisma/client';
import type { Database } from '../db';
import { bestNodesSql, live, missingSummary, summary, type NodeSummaryRow, type ReadOptions } from './read';
import { isEdgeKind } from '../graph/model';
import {
  edgeId,
  groupKey,
  MAX_DEPTH,
  MAX_PAGE_SIZE,
  parseGroupKey,
  type Direction,
  type Fragment,
  type GraphEdge,
  type GraphGroup,
  type GraphNode,
  type GraphResponse,
} from '../ui/neighbourhood-view';

/** Most nodes one request loads (the root's depth plus expansions); beyond, fragments say `truncated`. */
export const MAX_NODES = 3000;

export interface NeighbourhoodRequest extends ReadOptions {
  /** Root and depth (1–3): hop 1 both ways, further hops in the direction they started. */
  root?: { id: string; depth: number };
  expand?: { id: string; dir: Direction }[];
  groups?: { key: string; page: number }[];
  /** Buckets larger than this become groups. */
  threshold: number;
  pageSize: number;
  /** Edges touching the loaded nodes, at most this many per node and edge kind (default 100). */
  incidentPerNode?: number;
}

interface HopRow {
  self_id: string;
  other_id: string;
  kind: string;
  optional: boolean;
  n: number;
  vias: string[] | null;
  other_kind: string;
  total: number;
  provider: string | null;
  o_kind: string | null;
  realm: string | null;
  namespace: string | null;
  name: string | null;
  missing: boolean | null;
}


function nodeOf(r: HopRow): GraphNode {
  return r.provider && r.o_kind && r.name !== null
    ? { id: r.other_id, provider: r.provider, kind: r.o_kind, realm: r.realm ?? '', namespace: r.namespace, name: r.name, missing: !!r.missing }
    : missingSummary(r.other_id);
}

function edgeOf(r: HopRow, dir: Direction): GraphEdge | null {
  if (!isEdgeKind(r.kind)) return null;
  const [from, to] = dir === 'out' ? [r.self_id, r.other_id] : [r.other_id, r.self_id];
  return { id: edgeId(from, r.kind, to), kind: r.kind, from, to, optional: r.optional, count: r.n, vias: (r.vias ?? []).sort() };
}

/** SQL: `PROVIDER:KIND` of a node id, without reading its row (the id format's SQL parser, migration id_functions). */
const kindOfIdSql = (col: Prisma.Sql) => Prisma.sql`kg_id_kind_key(${col})`;

/** Folded edges of `v` (edge_versions) rows matching `where`, grouped per (from, kind, to). */
const foldedEdgesSql = (where: Prisma.Sql) => Prisma.sql`
  SELECT v.from_id, v.to_id, v.kind,
         bool_and(coalesce(v.properties->>'optional', 'false') = 'true') AS optional,
         count(*)::int AS n,
         array_remove(array_agg(DISTINCT v.properties->>'via'), NULL) AS vias
  FROM edge_versions v WHERE ${where} GROUP BY v.from_id, v.to_id, v.kind`;

/** The best node row for `col`, as a LATERAL subquery aliased `n`. */
const bestNodeLateral = (col: Prisma.Sql, opts: ReadOptions) => Prisma.sql`
  LEFT JOIN LATERAL (
    SELECT n.provider, n.kind AS o_kind, n.realm, n.namespace, n.name, n.missing FROM node_versions n
    WHERE n.node_id = ${col} AND ${live('n', opts.asOf)} ORDER BY n.missing ASC, n.valid_from DESC LIMIT 1) n ON true`;

/**
 * One hop from `ids` in `dir`, bucketed. Rows: every edge of a bucket of at most `threshold`, and for a larger
 * bucket only its first row (carrying `total`).
 */
async function hopRows(database: Database, ids: string[], dir: Direction, threshold: number, opts: ReadOptions): Promise<HopRow[]> {
  if (!ids.length) return [];
  const self = Prisma.raw(dir === 'out' ? 'from_id' : 'to_id');
  const other = Prisma.raw(dir === 'out' ? 'to_id' : 'from_id');
  return database.prisma.$queryRaw<HopRow[]>(Prisma.sql`
    WITH e AS (${foldedEdgesSql(Prisma.sql`v.${self} = ANY(${ids}::text[]) AND ${live('v', opts.asOf)}`)}),
    k AS (SELECT e.${self} AS self_id, e.${other} AS other_id, e.kind, e.optional, e.n, e.vias,
                 ${kindOfIdSql(Prisma.sql`e.${other}`)} AS other_kind FROM e),
    r AS (SELECT k.*, count(*) OVER w AS total, row_number() OVER (w ORDER BY k.other_id) AS rn
          FROM k WINDOW w AS (PARTITION BY k.self_id, k.kind, k.other_kind))
    SELECT r.self_id, r.other_id, r.kind, r.optional, r.n, r.vias, r.other_kind, r.total::int AS total,
           n.provider, n.o_kind, n.realm, n.namespace, n.name, n.missing
    FROM r ${bestNodeLateral(Prisma.sql`r.other_id`, opts)}
    WHERE r.total <= ${threshold} OR r.rn = 1
    ORDER BY r.self_id, r.kind, r.other_kind, r.other_id`);
}

/** Nodes by id (best rows; ids without a row come back missing, parsed from the id). */
async function nodesById(database: Database, ids: string[], opts: ReadOptions): Promise<GraphNode[]> {
  if (!ids.length) return [];
  const rows = await database.prisma.$queryRaw<NodeSummaryRow[]>(
    bestNodesSql(Prisma.sql`v.node_id = ANY(${ids}::text[]) AND ${live('v', opts.asOf)}`),
  );
  const byId = new Map(rows.map((r) => [r.node_id, summary(r)]));
  return ids.map((id) => byId.get(id) ?? missingSummary(id));
}

/**
 * Folded edges touching `ids` (at most `perNode` per node and edge kind), so the browser can draw the edges between
 * new nodes and what it already shows (it keeps those whose other end it has).
 */
async function incidentEdges(database: Database, ids: string[], perNode: number, opts: ReadOptions): Promise<GraphEdge[]> {
  if (!ids.length) return [];
  const rows = await database.prisma.$queryRaw<{ from_id: string; to_id: string; kind: string; optional: boolean; n: number; vias: string[] | null }[]>(Prisma.sql`
    SELECT x.from_id, x.to_id, x.kind, x.optional, x.n, x.vias FROM (
      SELECT e.*, row_number() OVER (
        PARTITION BY CASE WHEN e.from_id = ANY(${ids}::text[]) THEN e.from_id ELSE e.to_id END, e.kind ORDER BY e.from_id, e.to_id) AS rn
      FROM (${foldedEdgesSql(Prisma.sql`(v.from_id = ANY(${ids}::text[]) OR v.to_id = ANY(${ids}::text[])) AND ${live('v', opts.asOf)}`)}) e
    ) x WHERE x.rn <= ${perNode}`);
  return rows.flatMap((r) =>
    isEdgeKind(r.kind)
      ? [{ id: edgeId(r.from_id, r.kind, r.to_id), kind: r.kind, from: r.from_id, to: r.to_id, optional: r.optional, count: r.n, vias: (r.vias ?? []).sort() }]
      : [],
  );
}

/** Collects one hop's rows into a fragment; returns the ids first seen here (the next frontier). */
function absorb(f: Fragment, rows: HopRow[], dir: Direction, threshold: number, seen: Set<string>): string[] {
  const fresh: string[] = [];
  const edges = new Map(f.edges.map((e) => [e.id, e]));
  for (const r of rows) {
    if (!isEdgeKind(r.kind)) continue;
    if (r.total > threshold) {
      const g: GraphGroup = { key: groupKey(r.self_id, dir, r.kind, r.other_kind), anchor: r.self_id, dir, edgeKind: r.kind, otherKind: r.other_kind, count: r.total };
      if (!f.groups.some((x) => x.key === g.key)) f.groups.push(g);
      continue;
    }
    const e = edgeOf(r, dir);
    if (e && !edges.has(e.id)) {
      edges.set(e.id, e);
      f.edges.push(e);
    }
    if (!seen.has(r.other_id)) {
      seen.add(r.other_id);
      f.nodes.push(nodeOf(r));
      fresh.push(r.other_id);
    }
  }
  return fresh;
}

/** The root and `depth` hops around it. */
async function rootFragment(database: Database, id: string, depth: number, threshold: number, opts: ReadOptions): Promise<Fragment> {
  const f: Fragment = { key: 'root', anchor: id, dir: 'both', nodes: await nodesById(database, [id], opts), edges: [], groups: [] };
  const seen = new Set([id]);
  let frontier = { in: [id], out: [id] };
  for (let h = 0; h < Math.min(Math.max(depth, 1), MAX_DEPTH); h++) {
    const [inRows, outRows] = await Promise.all([
      hopRows(database, frontier.in, 'in', threshold, opts),
      hopRows(database, frontier.out, 'out', threshold, opts),
    ]);
    frontier = { in: absorb(f, inRows, 'in', threshold, seen), out: absorb(f, outRows, 'out', threshold, seen) };
    if (f.nodes.length > MAX_NODES) {
      f.truncated = true;
      break;
    }
  }
  return f;
}

/** One node's neighbours in one direction. */
async function expandFragment(database: Database, id: string, dir: Direction, threshold: number, opts: ReadOptions): Promise<Fragment> {
  const f: Fragment = { key: `${dir}:${id}`, anchor: id, dir, nodes: await nodesById(database, [id], opts), edges: [], groups: [] };
  absorb(f, await hopRows(database, [id], dir, threshold, opts), dir, threshold, new Set([id]));
  return f;
}

/** One page of a group's members (ordered by id), with the edges to its anchor. Null for a malformed key. */
export async function groupPage(database: Database, key: string, page: number, pageSize: number, opts: ReadOptions): Promise<Fragment | null> {
  const g = parseGroupKey(key);
  if (!g) return null;
  const size = Math.max(1, Math.min(pageSize, MAX_PAGE_SIZE));
  const self = Prisma.raw(g.dir === 'out' ? 'from_id' : 'to_id');
  const other = Prisma.raw(g.dir === 'out' ? 'to_id' : 'from_id');
  const rows = await database.prisma.$queryRaw<HopRow[]>(Prisma.sql`
    WITH e AS (${foldedEdgesSql(Prisma.sql`v.${self} = ${g.anchor} AND v.kind = ${g.edgeKind} AND ${live('v', opts.asOf)}
                 AND ${kindOfIdSql(Prisma.sql`v.${other}`)} = ${g.otherKind}`)}),
    r AS (SELECT e.${self} AS self_id, e.${other} AS other_id, e.kind, e.optional, e.n, e.vias, ${g.otherKind}::text AS other_kind,
                 count(*) OVER () AS total FROM e ORDER BY e.${other} OFFSET ${page * size} LIMIT ${size})
    SELECT r.self_id, r.other_id, r.kind, r.optional, r.n, r.vias, r.other_kind, r.total::int AS total,
           n.provider, n.o_kind, n.realm, n.namespace, n.name, n.missing
    FROM r ${bestNodeLateral(Prisma.sql`r.other_id`, opts)} ORDER BY r.other_id`);
  const f: Fragment = { key: `g:${key}`, anchor: g.anchor, dir: g.dir, nodes: [], edges: [], groups: [] };
  // Every member of the page is shown, whatever the threshold.
  absorb(f, rows.map((r) => ({ ...r, total: 0 })), g.dir, Number.MAX_SAFE_INTEGER, new Set([g.anchor]));
  f.page = { group: key, page, pageSize: size, total: rows[0]?.total ?? 0 };
  return f;
}

/**
 * Everything a view needs: the root's fragment, one per expansion, one per open group page, and the edges between
 * loaded nodes and anything else (the browser keeps those whose both ends it shows). Fragments are independent so the browser can drop one (collapse).
 */
export async function neighbourhood(database: Database, req: NeighbourhoodRequest): Promise<GraphResponse> {
  const t0 = performance.now();
  const opts: ReadOptions = req.asOf ? { asOf: req.asOf } : {};
  const threshold = Math.max(1, req.threshold);
  const jobs: Promise<Fragment | null>[] = [];
  if (req.root) jobs.push(rootFragment(database, req.root.id, req.root.depth, threshold, opts));
  for (const x of (req.expand ?? []).slice(0, 200)) jobs.push(expandFragment(database, x.id, x.dir, threshold, opts));
  for (const g of (req.groups ?? []).slice(0, 200)) jobs.push(groupPage(database, g.key, g.page, req.pageSize, opts));
  const fragments = (await Promise.all(jobs)).filter((f): f is Fragment => !!f);

  const ids = new Set<string>();
  for (const f of fragments) for (const n of f.nodes) ids.add(n.id);
  const have = new Set(fragments.flatMap((f) => f.edges.map((e) => e.id)));
  const edges = (await incidentEdges(database, [...ids].slice(0, MAX_NODES * 2), req.incidentPerNode ?? 100, opts)).filter((e) => !have.has(e.id));
  return { fragments, edges, ms: Math.round(performance.now() - t0) };
}

/** Key properties of a node for the explorer's side panel: scalars and short string lists, never raw objects. */
export function keyProperties(props: Record<string, unknown>, max = 14): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const [k, v] of Object.entries(props)) {
    if (out.length >= max) break;
    if (k === 'annotations' || k === 'labels' || k === 'fingerprints') continue;
    if (typeof v === 'string' && v.length <= 200) out.push({ key: k, value: v });
    else if (typeof v === 'number' || typeof v === 'boolean') out.push({ key: k, value: String(v) });
    else if (Array.isArray(v) && v.length && v.every((x) => typeof x === 'string' || typeof x === 'number')) {
      out.push({ key: k, value: v.length <= 8 ? v.join(', ') : `${v.slice(0, 8).join(', ')} … (${v.length})` });
    }
  }
  return out;
}

/** A compact summary of a node's findings, for the explorer's badge and side panel. */
export interface NodeFindings {
  count: number;
  /** Most urgent severity among them. */
  severity: string;
  items: { rule: string; severity: string; title: string }[];
}

/**
 * Findings per node id, for `ids`: from the stored whole-graph findings (lib/analysis/cache.ts; the previous result
 * is served while a newer one is computed). A node is marked when it is any of a finding's `objects`.
 */
export async function findingsForNodes(database: Database, ids: string[], opts: ReadOptions = {}): Promise<Record<string, NodeFindings>> {
  const { findingsByNode } = await import('../analysis/cache');
  const { severityRank } = await import('../analysis/severity');
  const byNode = await findingsByNode(database, ids, { asOf: opts.asOf });
  const out: Record<string, NodeFindings> = {};
  for (const [id, list] of byNode) {
    const cur: NodeFindings = { count: list.length, severity: 'info', items: [] };
    for (const f of list) {
      if (severityRank(f.severity) > severityRank(cur.severity as never)) cur.severity = f.severity;
      if (cur.items.length < 10) cur.items.push({ rule: f.rule, severity: f.severity, title: f.title });
    }
    out[id] = cur;
  }
  return out;
}

