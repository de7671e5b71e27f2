/**
 * The graph explorer's shared vocabulary (pure: no database, no React), used by the server query
 * (lib/store/neighbourhood.ts), the API route (app/api/v1/graph) and the explorer page (app/explorer):
 * - what a neighbourhood answer looks like (nodes, merged edges, counted groups, fragments);
 * - group keys: one group per (anchor node, direction, edge kind, other node kind);
 * - the explorer's URL state, parsed and serialised compactly so a view can be shared.
 *
 * URL parameters of `/explorer` (and of `GET /api/v1/graph`):
 * - `id` root node id; `depth` 1–3 hops from the root (default 2). Hop 1 goes both ways; further hops continue in
 *   the direction they started (what uses what uses the root; what the root's dependencies depend on).
 * - `in`, `out` (repeated): node ids expanded inbound (what points at it) / outbound (what it points at).
 * - `g` (repeated): an opened group page, `PAGE.DIR.EDGE_KIND.OTHER_KIND.ANCHOR_ID` (PAGE 0-based).
 * - `hk`, `he`: hidden node kinds (`k8s:Pod,gcp:ServiceAccount`) and edge kinds (`OWNS,RUNS_AS`), comma-separated.
 * - `mode=impact` with `at` (impact source; default the root); `mode=access` with `at` (who can read that Secret or
 *   act as that GCP service account: derived edges, lib/analysis/access-overlay.ts); `view=list` for the table view.
 * - `group` (fan-out above which siblings collapse into a counted group, default 20), `ps` (group page size,
 *   default 50, at most 500); `asOf` is kept as is (the history time spec).
 */
import type { NodeSummary } from '../store/read';
import { EDGE_KINDS, NODE_KINDS, type EdgeKind } from '../graph/model';

export type Direction = 'in' | 'out';

/** A node of the explorer's graph: a stored node's summary (type only: this module stays client-safe). */
export type GraphNode = NodeSummary;

/** One visual edge: every stored edge of one kind between the same two nodes (env + volume of one Secret…). */
export interface GraphEdge {
  /** `FROM|KIND|TO`. */
  id: string;
  kind: EdgeKind;
  from: string;
  to: string;
  /** True when every reference folded into this edge is `optional: true`. */
  optional: boolean;
  /** How many stored edges were folded (ways of referencing). */
  count: number;
  /** USES_SECRET `via` values, sorted. */
  vias: string[];
}

/** Siblings of one kind behind one node, counted rather than shipped. */
export interface GraphGroup {
  /** {@link groupKey}. */
  key: string;
  anchor: string;
  dir: Direction;
  edgeKind: EdgeKind;
  /** `PROVIDER:KIND` of the grouped nodes (may be a kind the model does not know). */
  otherKind: string;
  count: number;
}

/** What one request (the root's depth, one expansion, one group page) adds to the view. */
export interface Fragment {
  /** `root`, `in:ID`, `out:ID` or `g:GROUP_KEY`. */
  key: string;
  /** The node the fragment grew from (the root, the expanded node, the group's anchor). */
  anchor: string;
  dir: Direction | 'both';
  nodes: GraphNode[];
  edges: GraphEdge[];
  groups: GraphGroup[];
  /** For a group page: which page and how many pages. */
  page?: { group: string; page: number; pageSize: number; total: number };
  /** The node cap was hit: some neighbours were not loaded. */
  truncated?: boolean;
}

export interface GraphResponse {
  fragments: Fragment[];
  /** Edges touching the loaded nodes (capped per node and kind); the browser keeps those whose ends it shows. */
  edges: GraphEdge[];
  /** Server time spent, ms. */
  ms: number;
}

const DEFAULT_DEPTH = 2;
export const MAX_DEPTH = 3;
const DEFAULT_GROUP_THRESHOLD = 20;
const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Group key separator: `.` survives URL encoding, and only the last part (the id) may contain one. */
const SEP = '.';

/** `DIR.EDGE_KIND.OTHER_KIND.ANCHOR`: the anchor goes last because ids are the only part that may be long. */
export function groupKey(anchor: string, dir: Direction, edgeKind: string, otherKind: string): string {
  return [dir, edgeKind, otherKind, anchor].join(SEP);
}

export function parseGroupKey(key: string): { anchor: string; dir: Direction; edgeKind: EdgeKind; otherKind: string } | null {
  const parts = key.split(SEP);
  if (parts.length < 4) return null;
  const [dir, edgeKind, otherKind] = parts as [string, string, string];
  const anchor = parts.slice(3).join(SEP);
  if ((dir !== 'in' && dir !== 'out') || !(edgeKind in EDGE_KINDS) || !/^[a-z0-9]+:[A-Za-z0-9]+$/.test(otherKind) || !anchor) return null;
  return { anchor, dir, edgeKind: edgeKind as EdgeKind, otherKind };
}

/** Cytoscape id of a group node. */
export function groupNodeId(key: string): string {
  return `group${SEP}${key}`;
}

/** Cytoscape id of the edge between a group node and its anchor. */
export function groupEdgeId(key: string): string {
  return `gedge${SEP}${key}`;
}

export function edgeId(from: string, kind: string, to: string): string {
  return `${from}|${kind}|${to}`;
}

export interface ExplorerState {
  id: string;
  depth: number;
  expanded: { id: string; dir: Direction }[];
  groups: { key: string; page: number }[];
  hiddenNodeKinds: string[];
  hiddenEdgeKinds: string[];
  mode: 'explore' | 'impact' | 'access';
  /** Impact source / access target (defaults to the root). */
  at?: string;
  view: 'graph' | 'list';
  threshold: number;
  pageSize: number;
  asOf?: string;
}

type ParamsLike = { get(name: string): string | null; getAll(name: string): string[] };

const MAX_LIST = 200;
const intIn = (v: string | null, lo: number, hi: number, dflt: number) => {
  const n = Number(v);
  return v !== null && Number.isInteger(n) ? Math.max(lo, Math.min(hi, n)) : dflt;
};
const csv = (v: string | null) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean).slice(0, 50) : []);
const clean = (v: string) => v.trim().slice(0, 1024);

/** Reads the explorer state from URL search parameters (lenient: bad values fall back to defaults). */
export function parseExplorerState(sp: ParamsLike): ExplorerState {
  const expanded: ExplorerState['expanded'] = [];
  const seen = new Set<string>();
  for (const dir of ['in', 'out'] as const) {
    for (const raw of sp.getAll(dir)) {
      const id = clean(raw);
      if (!id || seen.has(`${dir}:${id}`) || expanded.length >= MAX_LIST) continue;
      seen.add(`${dir}:${id}`);
      expanded.push({ id, dir });
    }
  }
  const groups: ExplorerState['groups'] = [];
  for (const raw of sp.getAll('g')) {
    const i = raw.indexOf(SEP);
    const page = Number(raw.slice(0, i));
    const key = raw.slice(i + 1);
    if (i <= 0 || !Number.isInteger(page) || page < 0 || !parseGroupKey(key) || groups.some((g) => g.key === key)) continue;
    if (groups.length < MAX_LIST) groups.push({ key, page: Math.min(page, 10_000) });
  }
  const at = sp.get('at');
  const asOf = sp.get('asOf')?.trim();
  return {
    id: clean(sp.get('id') ?? ''),
    depth: intIn(sp.get('depth'), 1, MAX_DEPTH, DEFAULT_DEPTH),
    expanded,
    groups,
    hiddenNodeKinds: csv(sp.get('hk')),
    hiddenEdgeKinds: csv(sp.get('he')),
    mode: sp.get('mode') === 'impact' ? 'impact' : sp.get('mode') === 'access' ? 'access' : 'explore',
    ...(at ? { at: clean(at) } : {}),
    view: sp.get('view') === 'list' ? 'list' : 'graph',
    threshold: intIn(sp.get('group'), 1, 1000, DEFAULT_GROUP_THRESHOLD),
    pageSize: intIn(sp.get('ps'), 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
    ...(asOf ? { asOf: asOf.slice(0, 64) } : {}),
  };
}

/** The query string of a state (defaults left out, so a plain view is just `id=…`). */
export function serializeExplorerState(s: ExplorerState): string {
  const u = new URLSearchParams();
  u.set('id', s.id);
  if (s.depth !== DEFAULT_DEPTH) u.set('depth', String(s.depth));
  for (const e of s.expanded) u.append(e.dir, e.id);
  for (const g of s.groups) u.append('g', `${g.page}${SEP}${g.key}`);
  if (s.hiddenNodeKinds.length) u.set('hk', s.hiddenNodeKinds.join(','));
  if (s.hiddenEdgeKinds.length) u.set('he', s.hiddenEdgeKinds.join(','));
  if (s.mode !== 'explore') u.set('mode', s.mode);
  if (s.mode !== 'explore' && s.at && s.at !== s.id) u.set('at', s.at);
  if (s.view === 'list') u.set('view', 'list');
  if (s.threshold !== DEFAULT_GROUP_THRESHOLD) u.set('group', String(s.threshold));
  if (s.pageSize !== DEFAULT_PAGE_SIZE) u.set('ps', String(s.pageSize));
  if (s.asOf) u.set('asOf', s.asOf);
  return u.toString();
}

/** `/explorer?id=…` for a node. */
export function explorerHref(id: string, extra: Partial<ExplorerState> = {}): string {
  return `/explorer?${serializeExplorerState({
    id, depth: DEFAULT_DEPTH, expanded: [], groups: [], hiddenNodeKinds: [], hiddenEdgeKinds: [], mode: 'explore', view: 'graph',
    threshold: DEFAULT_GROUP_THRESHOLD, pageSize: DEFAULT_PAGE_SIZE, ...extra,
  })}`;
}

/** `PROVIDER:KIND` of a node. */
export function kindKeyOf(n: { provider: string; kind: string }): string {
  return `${n.provider}:${n.kind}`;
}

/** Plural label of a kind key (`k8s:Pod` → `Pods`), from the model. */
export function pluralOf(kindKey: string): string {
  const spec = (NODE_KINDS as Record<string, { plural: string } | undefined>)[kindKey];
  return spec?.plural ?? kindKey.slice(kindKey.indexOf(':') + 1);
}

/**
 * Impact over a loaded graph: every node that depends, transitively, on `start` (docs/ARCHITECTURE.md "Impact and findings").
 * An edge of kind K makes its `EDGE_KINDS[K].dependent` end depend on the other end, so impact travels from the
 * depended-on end to the dependent end. Groups count as leaves (their members depend on the anchor when the
 * edge kind says so). Returns the impacted node ids (group node ids included) and the edges on those paths.
 */
export function impactOver(
  start: string,
  edges: Pick<GraphEdge, 'id' | 'kind' | 'from' | 'to'>[],
  groups: Pick<GraphGroup, 'key' | 'anchor' | 'dir' | 'edgeKind'>[] = [],
): { nodes: Set<string>; edges: Set<string> } {
  const next = new Map<string, { to: string; edge: string }[]>();
  const add = (from: string, to: string, edge: string) => {
    const l = next.get(from);
    if (l) l.push({ to, edge });
    else next.set(from, [{ to, edge }]);
  };
  for (const e of edges) {
    if (EDGE_KINDS[e.kind].dependent === 'from') add(e.to, e.from, e.id);
    else add(e.from, e.to, e.id);
  }
  for (const g of groups) {
    const dependent = EDGE_KINDS[g.edgeKind].dependent;
    // in-group: members are `from`; out-group: members are `to`.
    const membersDepend = (g.dir === 'in' && dependent === 'from') || (g.dir === 'out' && dependent === 'to');
    if (membersDepend) add(g.anchor, groupNodeId(g.key), groupEdgeId(g.key));
  }
  const nodes = new Set<string>([start]);
  const onPath = new Set<string>();
  const queue = [start];
  while (queue.length) {
    const cur = queue.shift()!;
    for (const { to, edge } of next.get(cur) ?? []) {
      onPath.add(edge);
      if (!nodes.has(to)) {
        nodes.add(to);
        queue.push(to);
      }
    }
  }
  return { nodes, edges: onPath };
}
