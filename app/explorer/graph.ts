/**
 * Pure helpers of the explorer (no React, no cytoscape instance): composing the visible view from fragments and
 * filters, the directed layered layout, placing new nodes around the node they grew from, the cytoscape style
 * built from the graph model, and the SVG serialisation of a drawn view.
 */
import { ACCESS_EDGE_KINDS, NODE_KINDS, edgeKindSpec, type EdgeKind } from '@/lib/graph/model';
import type { AccessOverlay } from '@/lib/analysis/access-overlay';
import {
  groupEdgeId,
  groupNodeId,
  kindKeyOf,
  pluralOf,
  type ExplorerState,
  type Fragment,
  type GraphEdge,
  type GraphGroup,
  type GraphNode,
} from '@/lib/ui/neighbourhood-view';

export interface View {
  nodes: Map<string, GraphNode>;
  edges: GraphEdge[];
  groups: GraphGroup[];
  /** Open group pages by group key. */
  pages: Map<string, NonNullable<Fragment['page']>>;
  /** Fragment keys reachable from the root (the others hang off a collapsed node). */
  live: Set<string>;
  /** Node and edge kinds present before filtering, with counts (for the filter chips). */
  nodeKinds: Map<string, number>;
  edgeKinds: Map<EdgeKind, number>;
  truncated: boolean;
  /** New-node placement hints: member of an open group → the group node. */
  hints: Map<string, string>;
}

/**
 * The visible view: fragments reachable from the root (an expansion whose node is gone is dropped), filtered by
 * kind, then only what stays connected to the root.
 */
export function composeView(fragments: Fragment[], extraEdges: GraphEdge[], s: ExplorerState): View {
  const byKey = new Map(fragments.map((f) => [f.key, f]));
  const live = new Set<string>();
  const nodeIds = new Set<string>();
  const groupKeys = new Set<string>();
  const include = (f: Fragment) => {
    live.add(f.key);
    for (const n of f.nodes) nodeIds.add(n.id);
    for (const g of f.groups) groupKeys.add(g.key);
  };
  const root = byKey.get('root');
  if (root) include(root);
  for (let changed = true; changed; ) {
    changed = false;
    for (const f of fragments) {
      if (live.has(f.key)) continue;
      const ok = f.page ? groupKeys.has(f.page.group) && nodeIds.has(f.anchor) : nodeIds.has(f.anchor);
      if (ok) {
        include(f);
        changed = true;
      }
    }
  }
  const nodes = new Map<string, GraphNode>();
  const edgeMap = new Map<string, GraphEdge>();
  const groupMap = new Map<string, GraphGroup>();
  const pages = new Map<string, NonNullable<Fragment['page']>>();
  const hints = new Map<string, string>();
  let truncated = false;
  for (const f of fragments) {
    if (!live.has(f.key)) continue;
    truncated ||= !!f.truncated;
    for (const n of f.nodes) if (!nodes.has(n.id)) nodes.set(n.id, n);
    for (const e of f.edges) edgeMap.set(e.id, e);
    for (const g of f.groups) groupMap.set(g.key, g);
    if (f.page) {
      pages.set(f.page.group, f.page);
      for (const n of f.nodes) if (!hints.has(n.id)) hints.set(n.id, groupNodeId(f.page.group));
    }
  }
  for (const e of extraEdges) if (!edgeMap.has(e.id)) edgeMap.set(e.id, e);

  const nodeKinds = new Map<string, number>();
  // Members of an open group page are counted in their group.
  for (const n of nodes.values()) if (!hints.has(n.id)) nodeKinds.set(kindKeyOf(n), (nodeKinds.get(kindKeyOf(n)) ?? 0) + 1);
  for (const g of groupMap.values()) nodeKinds.set(g.otherKind, (nodeKinds.get(g.otherKind) ?? 0) + g.count);
  const edgeKinds = new Map<EdgeKind, number>();
  for (const e of edgeMap.values()) if (nodes.has(e.from) && nodes.has(e.to)) edgeKinds.set(e.kind, (edgeKinds.get(e.kind) ?? 0) + 1);
  for (const g of groupMap.values()) edgeKinds.set(g.edgeKind, (edgeKinds.get(g.edgeKind) ?? 0) + g.count);

  // Filters (the root always stays).
  const hk = new Set(s.hiddenNodeKinds);
  const he = new Set(s.hiddenEdgeKinds);
  const shown = new Map([...nodes].filter(([id, n]) => id === s.id || !hk.has(kindKeyOf(n))));
  const edges = [...edgeMap.values()].filter((e) => !he.has(e.kind) && shown.has(e.from) && shown.has(e.to));
  let groups = [...groupMap.values()].filter((g) => !he.has(g.edgeKind) && !hk.has(g.otherKind));

  // Connected to the root.
  const adj = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    (adj.get(a) ?? adj.set(a, []).get(a)!).push(b);
    (adj.get(b) ?? adj.set(b, []).get(b)!).push(a);
  };
  for (const e of edges) link(e.from, e.to);
  const reach = new Set<string>();
  if (shown.has(s.id)) {
    const q = [s.id];
    reach.add(s.id);
    while (q.length) for (const nb of adj.get(q.pop()!) ?? []) if (!reach.has(nb)) (reach.add(nb), q.push(nb));
  }
  const finalNodes = new Map([...shown].filter(([id]) => reach.has(id)));
  groups = groups.filter((g) => finalNodes.has(g.anchor));
  return {
    nodes: finalNodes,
    edges: edges.filter((e) => finalNodes.has(e.from) && finalNodes.has(e.to)),
    groups,
    pages: new Map([...pages].filter(([k]) => groups.some((g) => g.key === k))),
    live,
    nodeKinds,
    edgeKinds,
    truncated,
    hints,
  };
}

/** Style of a node kind key from the model; unknown kinds grey. */
export function kindLook(kindKey: string): { color: string; shape: string; label: string; plural: string } {
  const spec = (NODE_KINDS as Record<string, { color: string; shape: string; label: string; plural: string } | undefined>)[kindKey];
  return spec ?? { color: '#868e96', shape: 'ellipse', label: kindKey.slice(kindKey.indexOf(':') + 1), plural: pluralOf(kindKey) };
}

export function groupLabel(g: GraphGroup, page?: Fragment['page']): string {
  const base = `${g.count} ${pluralOf(g.otherKind)}`;
  if (!page) return base;
  const a = page.page * page.pageSize + 1;
  const b = Math.min(page.total, (page.page + 1) * page.pageSize);
  return `${base} · ${a}–${b} shown`;
}

const truncate = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** A cytoscape element definition (kept as plain data; the canvas adds positions). */
export interface ElementDef {
  group: 'nodes' | 'edges';
  data: Record<string, unknown> & { id: string };
  classes: string[];
}

/** Look of an access subject keygraph holds no node for (a User, Group, domain, `allUsers`…). */
export const SUBJECT_LOOK = { color: '#5c7cfa', shape: 'tag' } as const;
/** Node id of the "N more subjects" node of the access overlay. */
export const MORE_SUBJECTS_ID = 'subject:more';

/**
 * The access overlay's elements: subjects the view does not hold yet (graph nodes in their kind's look, principals
 * in {@link SUBJECT_LOOK}), one derived edge per subject, and a counted node for the subjects beyond the cap.
 */
function accessElements(v: View, acc: AccessOverlay): ElementDef[] {
  const out: ElementDef[] = [];
  if (!v.nodes.has(acc.target)) return out;
  const spec = (k: keyof typeof ACCESS_EDGE_KINDS) => ACCESS_EDGE_KINDS[k];
  for (const sub of acc.subjects) {
    if (v.nodes.has(sub.id)) continue;
    const look = sub.node ? kindLook(kindKeyOf(sub.node)) : SUBJECT_LOOK;
    const classes = ['subject', 'access-subject', ...(sub.node ? ['kg'] : ['pseudo']), ...(sub.node?.missing ? ['missing'] : [])];
    out.push({ group: 'nodes', data: { id: sub.id, label: truncate(sub.name, 30), color: look.color, shape: look.shape, kk: sub.node ? kindKeyOf(sub.node) : `subject:${sub.type}` }, classes });
  }
  const edges = acc.edges.map((e) => ({ id: e.id, from: e.from, uncertain: e.uncertain }));
  if (acc.more) {
    out.push({ group: 'nodes', data: { id: MORE_SUBJECTS_ID, label: `+${acc.more} more`, color: SUBJECT_LOOK.color, shape: 'ellipse', kk: 'subject:more' }, classes: ['subject', 'access-subject', 'pseudo', 'group'] });
    edges.push({ id: `${MORE_SUBJECTS_ID}|${acc.about}|${acc.target}`, from: MORE_SUBJECTS_ID, uncertain: false });
  }
  const kind = acc.about === 'read' ? 'CAN_READ' : 'CAN_ACT_AS';
  for (const e of edges) {
    out.push({
      group: 'edges',
      data: { id: e.id, source: e.from, target: acc.target, color: spec(kind).color, lineStyle: spec(kind).lineStyle, kind },
      classes: ['access', ...(e.uncertain ? ['uncertain'] : [])],
    });
  }
  return out;
}

/** Elements of a view, with the impact, access and findings overlays. */
export function toElements(
  v: View,
  s: ExplorerState,
  overlays: {
    impact?: { nodes: Set<string>; edges: Set<string>; source: string };
    access?: AccessOverlay;
    findings: Record<string, { count: number; severity: string }>;
  },
): ElementDef[] {
  const out: ElementDef[] = [];
  const imp = overlays.impact;
  const acc = overlays.access;
  const accessIds = acc && new Set([acc.target, ...acc.subjects.map((x) => x.id)]);
  for (const n of v.nodes.values()) {
    const look = kindLook(kindKeyOf(n));
    const f = overlays.findings[n.id];
    const classes = ['kg'];
    if (n.missing) classes.push('missing');
    if (n.id === s.id) classes.push('root');
    if (f) classes.push('finding', `sev-${f.severity}`);
    if (imp) classes.push(n.id === imp.source ? 'impact-source' : imp.nodes.has(n.id) ? 'impacted' : 'faded');
    if (acc) classes.push(n.id === acc.target ? 'access-target' : accessIds!.has(n.id) ? 'access-subject' : 'faded');
    out.push({
      group: 'nodes',
      data: { id: n.id, label: (f ? '⚠ ' : '') + truncate(n.name, 30), color: look.color, shape: look.shape, kk: kindKeyOf(n) },
      classes,
    });
  }
  for (const g of v.groups) {
    const look = kindLook(g.otherKind);
    const id = groupNodeId(g.key);
    const classes = ['group'];
    if (v.pages.has(g.key)) classes.push('open');
    if (imp) classes.push(imp.nodes.has(id) ? 'impacted' : 'faded');
    if (acc) classes.push('faded');
    out.push({ group: 'nodes', data: { id, label: groupLabel(g, v.pages.get(g.key)), color: look.color, shape: look.shape, kk: g.otherKind, count: g.count }, classes });
    const spec = edgeKindSpec(g.edgeKind);
    const eid = groupEdgeId(g.key);
    out.push({
      group: 'edges',
      data: { id: eid, source: g.dir === 'in' ? id : g.anchor, target: g.dir === 'in' ? g.anchor : id, color: spec.color, lineStyle: spec.lineStyle, kind: g.edgeKind },
      classes: ['gedge', ...(imp ? [imp.edges.has(eid) ? 'impact-path' : 'faded'] : []), ...(acc ? ['faded'] : [])],
    });
  }
  for (const e of v.edges) {
    const spec = edgeKindSpec(e.kind);
    const classes: string[] = [];
    if (e.optional) classes.push('optional');
    if (imp) classes.push(imp.edges.has(e.id) ? 'impact-path' : 'faded');
    if (acc) classes.push('faded');
    out.push({ group: 'edges', data: { id: e.id, source: e.from, target: e.to, color: spec.color, lineStyle: spec.lineStyle, kind: e.kind }, classes });
  }
  if (acc) out.push(...accessElements(v, acc));
  return out;
}

export const SEVERITY_COLORS: Record<string, string> = {
  critical: '#c92a2a',
  high: '#f03e3e',
  medium: '#f76707',
  low: '#f59f00',
  info: '#868e96',
};

/** The cytoscape stylesheet: colours, shapes and line styles come from the element data (built from model.ts). */
export function stylesheet(): unknown[] {
  const sev = Object.entries(SEVERITY_COLORS).map(([k, c]) => ({ selector: `node.sev-${k}`, style: { 'outline-color': c } }));
  return [
    {
      selector: 'node',
      style: {
        'background-color': 'data(color)',
        shape: 'data(shape)',
        width: 30,
        height: 30,
        label: 'data(label)',
        'font-size': 10,
        'font-family': 'Inter, system-ui, sans-serif',
        color: '#212529',
        'text-valign': 'bottom',
        'text-halign': 'center',
        'text-margin-y': 4,
        'text-background-color': '#ffffff',
        'text-background-opacity': 0.8,
        'text-background-padding': '1px',
        'min-zoomed-font-size': 6,
        'border-width': 1,
        'border-color': '#ffffff',
      },
    },
    { selector: 'node.root', style: { width: 40, height: 40, 'border-width': 4, 'border-color': '#343a40', 'font-weight': 700, 'font-size': 11 } },
    { selector: 'node.missing', style: { 'border-width': 3, 'border-style': 'dashed', 'border-color': '#e03131', 'background-opacity': 0.45 } },
    { selector: 'node.finding', style: { 'outline-width': 3, 'outline-offset': 2, 'outline-style': 'solid', 'outline-opacity': 1 } },
    ...sev,
    {
      selector: 'node.group',
      style: {
        width: 46,
        height: 46,
        'border-width': 3,
        'border-style': 'double',
        'border-color': '#495057',
        'font-weight': 700,
        'font-size': 11,
        'text-max-width': '220px',
      },
    },
    { selector: 'node.group.open', style: { 'border-style': 'solid', 'background-opacity': 0.6 } },
    {
      selector: 'edge',
      style: {
        width: 1.6,
        'line-color': 'data(color)',
        'line-style': 'data(lineStyle)',
        'target-arrow-color': 'data(color)',
        'target-arrow-shape': 'triangle',
        'arrow-scale': 0.9,
        'curve-style': 'bezier',
        opacity: 0.85,
      },
    },
    { selector: 'edge.gedge', style: { width: 3 } },
    {
      selector: 'edge.optional',
      style: { 'line-style': 'dashed', 'line-dash-pattern': [7, 5], opacity: 0.65, label: 'optional', 'font-size': 8, color: '#868e96', 'text-rotation': 'autorotate' },
    },
    { selector: '.faded', style: { opacity: 0.18 } },
    { selector: 'node.impacted', style: { 'underlay-color': '#fa5252', 'underlay-padding': 7, 'underlay-opacity': 0.35, 'underlay-shape': 'ellipse' } },
    { selector: 'node.impact-source', style: { 'underlay-color': '#1c7ed6', 'underlay-padding': 9, 'underlay-opacity': 0.45, 'underlay-shape': 'ellipse' } },
    { selector: 'edge.impact-path', style: { width: 3.5, 'line-color': '#e03131', 'target-arrow-color': '#e03131', opacity: 1 } },
    { selector: 'node.access-target', style: { 'underlay-color': '#1971c2', 'underlay-padding': 9, 'underlay-opacity': 0.4, 'underlay-shape': 'ellipse' } },
    { selector: 'node.access-subject', style: { 'underlay-color': '#74c0fc', 'underlay-padding': 6, 'underlay-opacity': 0.45, 'underlay-shape': 'ellipse' } },
    { selector: 'node.pseudo', style: { 'border-width': 2, 'border-color': '#364fc7' } },
    { selector: 'edge.access', style: { width: 2.4, 'line-dash-pattern': [8, 4], opacity: 1 } },
    { selector: 'edge.uncertain', style: { 'line-style': 'dotted', label: 'may not hold', 'font-size': 8, color: '#495057', 'text-rotation': 'autorotate' } },
    { selector: 'node:selected', style: { 'overlay-color': '#4c6ef5', 'overlay-opacity': 0.25, 'overlay-padding': 8 } },
    { selector: 'edge:selected', style: { 'overlay-color': '#4c6ef5', 'overlay-opacity': 0.2 } },
  ];
}

type Pos = { x: number; y: number };
const COL_GAP = 240;
const SUB_COL = 190;
const ROW = 64;
const MAX_ROWS = 16;

/**
 * Directed layered layout (a breadthfirst with a direction): the root in column 0, what points at a node one column
 * to its left, what it points at one column to its right (so dependents of a Secret sit left, its key right).
 * Within a column nodes are ordered by the mean row of their neighbours in the inner column (fewer crossings),
 * then kind and name; columns taller than MAX_ROWS wrap into sub-columns. O(n log n): 2,000 nodes in a few ms.
 */
export function layeredLayout(rootId: string, ids: string[], edges: { source: string; target: string }[], sortKey: (id: string) => string): Map<string, Pos> {
  const out = new Map<string, { to: string }[]>();
  const inn = new Map<string, { from: string }[]>();
  for (const e of edges) {
    (out.get(e.source) ?? out.set(e.source, []).get(e.source)!).push({ to: e.target });
    (inn.get(e.target) ?? inn.set(e.target, []).get(e.target)!).push({ from: e.source });
  }
  const layer = new Map<string, number>();
  const start = ids.includes(rootId) ? rootId : ids[0];
  if (start === undefined) return new Map();
  const idSet = new Set(ids);
  const bfs = (seed: string, at: number) => {
    layer.set(seed, at);
    const q = [seed];
    while (q.length) {
      const cur = q.shift()!;
      const l = layer.get(cur)!;
      for (const { to } of out.get(cur) ?? []) if (idSet.has(to) && !layer.has(to)) (layer.set(to, l + 1), q.push(to));
      for (const { from } of inn.get(cur) ?? []) if (idSet.has(from) && !layer.has(from)) (layer.set(from, l - 1), q.push(from));
    }
  };
  bfs(start, 0);
  let spare = 0;
  for (const id of ids) if (!layer.has(id)) bfs(id, (spare += 2) + 2);
  const byLayer = new Map<number, string[]>();
  for (const [id, l] of layer) (byLayer.get(l) ?? byLayer.set(l, []).get(l)!).push(id);
  const pos = new Map<string, Pos>();
  const place = (l: number, x0: number, sign: number): number => {
    const list = byLayer.get(l) ?? [];
    const bary = (id: string) => {
      const ys = [...(out.get(id) ?? []).map((e) => e.to), ...(inn.get(id) ?? []).map((e) => e.from)]
        .map((o) => (layer.get(o) === l - sign ? pos.get(o)?.y : undefined))
        .filter((y): y is number => y !== undefined);
      return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : 0;
    };
    const keyed = list.map((id) => ({ id, b: l === 0 ? 0 : bary(id), k: sortKey(id) }));
    keyed.sort((a, b) => a.b - b.b || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
    const cols = Math.max(1, Math.ceil(keyed.length / MAX_ROWS));
    const rows = Math.min(keyed.length, MAX_ROWS);
    keyed.forEach(({ id }, i) => {
      const c = Math.floor(i / MAX_ROWS);
      const r = i % MAX_ROWS;
      const stagger = cols > 1 ? (c % 2) * (ROW / 2) : 0;
      pos.set(id, { x: x0 + sign * c * SUB_COL, y: (r - (rows - 1) / 2) * ROW + stagger });
    });
    return x0 + sign * (cols - 1) * SUB_COL;
  };
  place(0, 0, 1);
  const layers = [...byLayer.keys()];
  let x = 0;
  for (let l = 1; l <= Math.max(0, ...layers); l++) x = place(l, x + COL_GAP, 1);
  x = 0;
  for (let l = -1; l >= Math.min(0, ...layers); l--) x = place(l, x - COL_GAP, -1);
  return pos;
}

/**
 * Positions for new nodes around the node they grew from, leaving every existing node where it is: a column on
 * the side of the direction (left for what points at the anchor, right for what it points at), centred on the
 * anchor's row, pushed further out while it would overlap existing nodes.
 */
export function placeAround(anchor: Pos, side: 1 | -1, ids: string[], occupied: Pos[]): Map<string, Pos> {
  const rows = Math.min(ids.length, MAX_ROWS);
  const cols = Math.max(1, Math.ceil(ids.length / MAX_ROWS));
  const layout = (x0: number) =>
    ids.map((id, i) => ({ id, x: x0 + side * Math.floor(i / MAX_ROWS) * SUB_COL, y: anchor.y + ((i % MAX_ROWS) - (rows - 1) / 2) * ROW }));
  let x0 = anchor.x + side * COL_GAP;
  for (let attempt = 0; attempt < 12; attempt++) {
    const xs = [x0, x0 + side * (cols - 1) * SUB_COL];
    const [minX, maxX] = [Math.min(...xs) - 70, Math.max(...xs) + 70];
    const [minY, maxY] = [anchor.y - (rows / 2) * ROW - 20, anchor.y + (rows / 2) * ROW + 20];
    if (!occupied.some((p) => p.x > minX && p.x < maxX && p.y > minY && p.y < maxY)) break;
    x0 += side * SUB_COL;
  }
  return new Map(layout(x0).map((p) => [p.id, { x: p.x, y: p.y }]));
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Polygon points (unit square −1..1) for cytoscape's shapes; ellipse and round-rectangle are drawn natively. */
const POLY: Record<string, [number, number][]> = {
  diamond: [[0, -1], [1, 0], [0, 1], [-1, 0]],
  hexagon: [[-1, 0], [-0.5, -1], [0.5, -1], [1, 0], [0.5, 1], [-0.5, 1]],
  octagon: [[-0.41, -1], [0.41, -1], [1, -0.41], [1, 0.41], [0.41, 1], [-0.41, 1], [-1, 0.41], [-1, -0.41]],
  rhomboid: [[-0.33, -1], [1, -1], [0.33, 1], [-1, 1]],
  tag: [[-1, -1], [0.33, -1], [1, 0], [0.33, 1], [-1, 1]],
  barrel: [[-0.8, -1], [0.8, -1], [1, -0.6], [1, 0.6], [0.8, 1], [-0.8, 1], [-1, 0.6], [-1, -0.6]],
};

export interface SvgNode {
  x: number; y: number; w: number; h: number; shape: string; fill: string; fillOpacity: number; opacity: number;
  border: string; borderWidth: number; dashed: boolean; outline?: string; label: string; bold: boolean;
}
export interface SvgEdge {
  sx: number; sy: number; tx: number; ty: number; color: string; width: number; dash?: string; opacity: number; label?: string;
}

/** A standalone SVG document of a drawn view (what cytoscape shows, serialised from positions and styles). */
export function toSvg(nodes: SvgNode[], edges: SvgEdge[], title: string): string {
  const xs = nodes.flatMap((n) => [n.x - n.w / 2 - 90, n.x + n.w / 2 + 90]);
  const ys = nodes.flatMap((n) => [n.y - n.h / 2 - 20, n.y + n.h / 2 + 30]);
  const [minX, maxX, minY, maxY] = xs.length ? [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)] : [0, 100, 0, 100];
  const w = Math.ceil(maxX - minX);
  const h = Math.ceil(maxY - minY);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="${minX.toFixed(1)} ${minY.toFixed(1)} ${w} ${h}" font-family="Inter, system-ui, sans-serif">`,
    `<title>${esc(title)}</title>`,
    `<rect x="${minX}" y="${minY}" width="${w}" height="${h}" fill="#ffffff"/>`,
  );
  const colors = [...new Set(edges.map((e) => e.color))];
  parts.push('<defs>');
  colors.forEach((c, i) =>
    parts.push(`<marker id="a${i}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="${esc(c)}"/></marker>`),
  );
  parts.push('</defs><g class="edges">');
  for (const e of edges) {
    const m = colors.indexOf(e.color);
    parts.push(
      `<line x1="${e.sx.toFixed(1)}" y1="${e.sy.toFixed(1)}" x2="${e.tx.toFixed(1)}" y2="${e.ty.toFixed(1)}" stroke="${esc(e.color)}" stroke-width="${e.width}"` +
        `${e.dash ? ` stroke-dasharray="${e.dash}"` : ''} opacity="${e.opacity}" marker-end="url(#a${m})"/>`,
    );
    if (e.label) parts.push(`<text x="${((e.sx + e.tx) / 2).toFixed(1)}" y="${((e.sy + e.ty) / 2 - 3).toFixed(1)}" font-size="8" fill="#868e96" text-anchor="middle">${esc(e.label)}</text>`);
  }
  parts.push('</g><g class="nodes">');
  for (const n of nodes) {
    const stroke = `stroke="${esc(n.border)}" stroke-width="${n.borderWidth}"${n.dashed ? ' stroke-dasharray="5 3"' : ''}`;
    const fill = `fill="${esc(n.fill)}" fill-opacity="${n.fillOpacity}"`;
    const rx = n.w / 2;
    const ry = n.h / 2;
    parts.push(`<g opacity="${n.opacity}">`);
    if (n.outline) parts.push(`<circle cx="${n.x.toFixed(1)}" cy="${n.y.toFixed(1)}" r="${(Math.max(rx, ry) + 5).toFixed(1)}" fill="none" stroke="${esc(n.outline)}" stroke-width="3"/>`);
    const poly = POLY[n.shape];
    if (poly) parts.push(`<polygon points="${poly.map(([px, py]) => `${(n.x + px * rx).toFixed(1)},${(n.y + py * ry).toFixed(1)}`).join(' ')}" ${fill} ${stroke}/>`);
    else if (n.shape === 'round-rectangle' || n.shape === 'rectangle') parts.push(`<rect x="${(n.x - rx).toFixed(1)}" y="${(n.y - ry).toFixed(1)}" width="${n.w}" height="${n.h}" rx="${n.shape === 'rectangle' ? 0 : 6}" ${fill} ${stroke}/>`);
    else parts.push(`<ellipse cx="${n.x.toFixed(1)}" cy="${n.y.toFixed(1)}" rx="${rx}" ry="${ry}" ${fill} ${stroke}/>`);
    parts.push(
      `<text x="${n.x.toFixed(1)}" y="${(n.y + ry + 13).toFixed(1)}" font-size="10"${n.bold ? ' font-weight="700"' : ''} fill="#212529" text-anchor="middle">${esc(n.label)}</text></g>`,
    );
  }
  parts.push('</g></svg>');
  return parts.join('\n');
}
