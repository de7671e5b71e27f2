'use client';

/**
 * The graph explorer (client side): the view's state lives in the URL (lib/ui/neighbourhood-view.ts), the data
 * in fragments (the root's depth, one per expansion, one per open group page) fetched from /api/v1/graph. Collapse
 * drops a fragment; filters, impact and the list view are computed here over what is loaded.
 *
 * The URL is updated with `history.replaceState` (Next.js keeps useSearchParams in step): `router.replace` would
 * re-run the server page, and its neighbourhood query, on every click.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { AccessOverlay } from '@/lib/analysis/access-overlay';
import {
  Alert,
  Badge,
  Button,
  Card,
  Chip,
  CopyButton,
  Group,
  Loader,
  SegmentedControl,
  Stack,
  Table,
  TableScrollContainer,
  TableTbody,
  TableTd,
  TableTh,
  TableThead,
  TableTr,
  Text,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { ACCESS_EDGE_KINDS, edgeKindSpec } from '@/lib/graph/model';
import {
  groupNodeId,
  impactOver,
  kindKeyOf,
  parseGroupKey,
  pluralOf,
  serializeExplorerState,
  type Direction,
  type ExplorerState,
  type Fragment,
  type GraphEdge,
  type GraphGroup,
  type GraphNode,
  type GraphResponse,
} from '@/lib/ui/neighbourhood-view';
import { nodeHref, realmNoun } from '@/lib/ui/format';
import { withAsOf } from '@/lib/ui/params';
import { KindBadge, MissingBadge } from '../_components/badges';
import { CopyId } from '../_components/CopyId';
import { DisplayName } from '../_components/NodeLink';
import { displayText } from '@/lib/graph/describe';
import { ButtonLink } from '../_components/links';
import { IconAlert } from '../_components/icons';
import { GraphCanvas, type CanvasHandle } from './GraphCanvas';
import { composeView, groupLabel, kindLook, MORE_SUBJECTS_ID, SEVERITY_COLORS, SUBJECT_LOOK, toElements, toSvg, type SvgEdge, type SvgNode } from './graph';
import { AccessNote, AccessTable, SubjectPanel, accessQuestion, hasAccess, useAccessOverlay } from './Access';

type Findings = Record<string, { count: number; severity: string; items: { rule: string; severity: string; title: string }[] }>;
type Details = { node: GraphNode; properties: { key: string; value: string }[]; sources: string[] };

interface Props {
  initialState: ExplorerState;
  initial: GraphResponse;
}

async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url, { headers: { Accept: 'application/json' } });
  const j = (await r.json().catch(() => ({}))) as T & { error?: string };
  if (!r.ok) throw new Error(j.error ?? `HTTP ${r.status}`);
  return j;
}

/** `/api/v1/graph` for part of a view: `root` false leaves the root's fragment out. */
function graphUrl(s: ExplorerState, part: Partial<ExplorerState>, root: boolean): string {
  const q = serializeExplorerState({ ...s, expanded: [], groups: [], hiddenNodeKinds: [], hiddenEdgeKinds: [], mode: 'explore', view: 'graph', ...part });
  return `/api/v1/graph?${q}${root ? '' : '&root=0'}`;
}

function download(name: string, blob: Blob) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

function Swatch({ color, shape, dashed, size = 12 }: { color: string; shape: string; dashed?: boolean; size?: number }) {
  const r = size / 2;
  const common = { fill: color, stroke: dashed ? '#e03131' : 'none', strokeWidth: dashed ? 2 : 0, strokeDasharray: dashed ? '3 2' : undefined };
  const poly: Record<string, string> = {
    diamond: `${r},1 ${size - 1},${r} ${r},${size - 1} 1,${r}`,
    hexagon: `1,${r} ${r / 2},1 ${size - r / 2},1 ${size - 1},${r} ${size - r / 2},${size - 1} ${r / 2},${size - 1}`,
    octagon: `${size * 0.3},1 ${size * 0.7},1 ${size - 1},${size * 0.3} ${size - 1},${size * 0.7} ${size * 0.7},${size - 1} ${size * 0.3},${size - 1} 1,${size * 0.7} 1,${size * 0.3}`,
    rhomboid: `${size * 0.33},1 ${size - 1},1 ${size * 0.67},${size - 1} 1,${size - 1}`,
    tag: `1,1 ${size * 0.67},1 ${size - 1},${r} ${size * 0.67},${size - 1} 1,${size - 1}`,
  };
  return (
    <svg width={size} height={size} aria-hidden="true" focusable="false" style={{ flexShrink: 0 }}>
      {poly[shape] ? (
        <polygon points={poly[shape]} {...common} />
      ) : shape === 'round-rectangle' || shape === 'barrel' ? (
        <rect x={1} y={1} width={size - 2} height={size - 2} rx={shape === 'barrel' ? 4 : 2} {...common} />
      ) : (
        <circle cx={r} cy={r} r={r - 1} {...common} />
      )}
    </svg>
  );
}

function LineSwatch({ color, style }: { color: string; style: string }) {
  return (
    <svg width={22} height={8} aria-hidden="true" focusable="false" style={{ flexShrink: 0 }}>
      <line x1={1} y1={4} x2={21} y2={4} stroke={color} strokeWidth={2} strokeDasharray={style === 'dashed' ? '5 3' : style === 'dotted' ? '1.5 2.5' : undefined} />
    </svg>
  );
}

/** Below this width the explorer opens in the list view and the side panel goes under the canvas (Mantine `sm`). */
const NARROW = '(max-width: 48em)';

const displayName = (n: GraphNode) => displayText(n.namespace ? `${n.namespace}/${n.name}` : n.name);
const displayOf = (n: GraphNode | undefined) => (n ? displayName(n) : undefined);

export function Explorer({ initialState, initial }: Props) {
  const [state, setState] = useState<ExplorerState>(initialState);
  const [fragments, setFragments] = useState<Fragment[]>(initial.fragments);
  const [extraEdges, setExtraEdges] = useState<GraphEdge[]>(initial.edges);
  const [selected, setSelected] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [findings, setFindings] = useState<Findings>({});
  const [findingsState, setFindingsState] = useState<'loading' | 'ready' | 'unavailable'>('loading');
  const [details, setDetails] = useState<Details | null>(null);
  const [resetKey, setResetKey] = useState(initialState.id);
  const canvas = useRef<CanvasHandle>({ cy: null, tidy: () => {}, fit: () => {} });
  const asked = useRef(new Set<string>());

  // Narrow screens open in the list view unless the URL asks for a view (a graph is unreadable at phone width).
  useEffect(() => {
    if (!new URLSearchParams(window.location.search).has('view') && window.matchMedia(NARROW).matches) setState((s) => ({ ...s, view: 'list' }));
  }, []);

  // The URL follows the state.
  useEffect(() => {
    const q = serializeExplorerState(state);
    if (window.location.search !== `?${q}`) window.history.replaceState(window.history.state, '', `/explorer?${q}`);
  }, [state]);

  const view = useMemo(() => composeView(fragments, extraEdges, state), [fragments, extraEdges, state]);
  const impactSource = state.mode === 'impact' ? (state.at && view.nodes.has(state.at) ? state.at : state.id) : null;
  const impact = useMemo(
    () => (impactSource ? { ...impactOver(impactSource, view.edges, view.groups), source: impactSource } : undefined),
    [impactSource, view],
  );
  const accessTarget = state.mode === 'access' ? (state.at && view.nodes.has(state.at) ? state.at : state.id) : null;
  const accessState = useAccessOverlay(accessTarget, state.asOf);
  const access = accessState.status === 'ready' && accessState.target === accessTarget ? accessState.overlay : undefined;
  const elements = useMemo(() => toElements(view, state, { impact, access, findings }), [view, state, impact, access, findings]);
  const expandedSet = useMemo(() => new Set(state.expanded.map((e) => `${e.dir}:${e.id}`)), [state.expanded]);

  // Findings for nodes not asked about yet (after drawing: never delays the graph).
  useEffect(() => {
    const ids = [...view.nodes.keys()].filter((id) => !asked.current.has(id));
    if (!ids.length) return;
    let live = true;
    // After the drawing has settled: findings never compete with an expansion for the CPU.
    const timer = setTimeout(() => {
      ids.forEach((id) => asked.current.add(id));
      const chunks: string[][] = [];
      for (let i = 0; i < ids.length; i += 40) chunks.push(ids.slice(i, i + 40));
      Promise.all(
        chunks.map((c) => {
          const q = new URLSearchParams(c.map((id) => ['ids', id]));
          if (state.asOf) q.set('asOf', state.asOf);
          return getJson<{ findings: Findings }>(`/api/v1/graph/findings?${q}`);
        }),
      )
        .then((rs) => ({ findings: Object.assign({}, ...rs.map((r) => r.findings)) as Findings }))
        .then((r) => {
          // Merged even when the view moved on meanwhile (these ids are marked as asked).
          setFindings((f) => ({ ...f, ...r.findings }));
          setFindingsState('ready');
        })
        .catch(() => {
          ids.forEach((id) => asked.current.delete(id));
          if (live) setFindingsState('unavailable');
        });
    }, 400);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [view.nodes, state.asOf]);

  // Details of the selected node.
  const selectedSubject = selected && access ? access.subjects.find((x) => x.id === selected) : undefined;
  const selectedNode = selected ? (view.nodes.get(selected) ?? selectedSubject?.node) : undefined;
  const selectedGroup = selected ? view.groups.find((g) => groupNodeId(g.key) === selected) : undefined;
  useEffect(() => {
    setDetails(null);
    if (!selectedNode) return;
    let live = true;
    const q = new URLSearchParams({ id: selectedNode.id, ...(state.asOf ? { asOf: state.asOf } : {}) });
    fetch(`/api/v1/graph/node?${q}`)
      .then((r) => (r.ok ? (r.json() as Promise<Details>) : null))
      .then((d) => live && d && setDetails(d))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [selectedNode, state.asOf]);

  const run = useCallback(async (what: string, f: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    try {
      await f();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  }, []);

  const merge = (r: GraphResponse, drop: (f: Fragment) => boolean = () => false) => {
    const keys = new Set(r.fragments.map((f) => f.key));
    setFragments((fs) => [...fs.filter((f) => !keys.has(f.key) && !drop(f)), ...r.fragments]);
    setExtraEdges((es) => {
      const have = new Set(es.map((e) => e.id));
      return [...es, ...r.edges.filter((e) => !have.has(e.id))];
    });
  };

  const expand = (id: string, dir: Direction) =>
    run(`${dir}:${id}`, async () => {
      if (expandedSet.has(`${dir}:${id}`)) return;
      const r = await getJson<GraphResponse>(graphUrl(state, { expanded: [{ id, dir }] }, false));
      merge(r);
      setState((s) => ({ ...s, expanded: [...s.expanded, { id, dir }] }));
    });

  /** Drops fragments, then anything that only hung off them (an expansion of a node that is gone). */
  const prune = (fs: Fragment[], s: ExplorerState): ExplorerState => {
    const v = composeView(fs, [], { ...s, hiddenNodeKinds: [], hiddenEdgeKinds: [] });
    return {
      ...s,
      expanded: s.expanded.filter((e) => v.live.has(`${e.dir}:${e.id}`)),
      groups: s.groups.filter((g) => v.live.has(`g:${g.key}`)),
    };
  };

  const collapse = (id: string, dir: Direction) => {
    const fs = fragments.filter((f) => f.key !== `${dir}:${id}`);
    setFragments(fs);
    setState((s) => prune(fs, { ...s, expanded: s.expanded.filter((e) => !(e.id === id && e.dir === dir)) }));
  };

  const openGroup = (key: string, page: number, pageSize = state.pageSize) =>
    run(`g:${key}`, async () => {
      const r = await getJson<GraphResponse>(graphUrl(state, { pageSize, groups: [{ key, page }] }, false));
      // Members of the previous page go (they are replaced by this page).
      merge(r);
      setState((s) => ({ ...s, pageSize, groups: [...s.groups.filter((g) => g.key !== key), { key, page }] }));
    });

  const closeGroup = (key: string) => {
    const fs = fragments.filter((f) => f.key !== `g:${key}`);
    setFragments(fs);
    setState((s) => prune(fs, { ...s, groups: s.groups.filter((g) => g.key !== key) }));
  };

  const reroot = (id: string, depth = state.depth) =>
    run('root', async () => {
      const next: ExplorerState = { ...state, id, depth, expanded: [], groups: [], at: undefined };
      const r = await getJson<GraphResponse>(graphUrl(state, { id, depth }, true));
      setFragments(r.fragments);
      setExtraEdges(r.edges);
      setState(next);
      setSelected(id);
      setResetKey(`${id}|${Date.now()}`);
    });

  const changeDepth = (depth: number) =>
    run('depth', async () => {
      const r = await getJson<GraphResponse>(graphUrl(state, { depth }, true));
      merge(r);
      setState((s) => ({ ...s, depth }));
    });

  const toggleHidden = (field: 'hiddenNodeKinds' | 'hiddenEdgeKinds', key: string, show: boolean) =>
    setState((s) => ({ ...s, [field]: show ? s[field].filter((k) => k !== key) : [...s[field], key] }));

  const exportPng = () => {
    const cy = canvas.current.cy;
    if (!cy) return;
    const blob = cy.png({ output: 'blob', full: true, scale: 2, bg: '#ffffff' }) as unknown as Blob;
    download(`keygraph-${fileStem(state.id)}.png`, blob);
  };

  const exportSvg = () => {
    const cy = canvas.current.cy;
    if (!cy) return;
    const nodes: SvgNode[] = cy.nodes().map((n) => {
      const p = n.position();
      const border = n.style('border-color') as string;
      const outlineW = parseFloat(String(n.style('outline-width'))) || 0;
      return {
        x: p.x, y: p.y, w: n.width(), h: n.height(), shape: String(n.data('shape')), fill: n.style('background-color') as string,
        fillOpacity: Number(n.style('background-opacity')), opacity: Number(n.style('opacity')), border,
        borderWidth: parseFloat(String(n.style('border-width'))) || 0, dashed: n.style('border-style') === 'dashed',
        outline: outlineW > 0 ? (n.style('outline-color') as string) : undefined, label: String(n.data('label') ?? ''),
        bold: n.hasClass('root') || n.hasClass('group'),
      };
    });
    const edges: SvgEdge[] = cy.edges().map((e) => {
      const s = e.sourceEndpoint();
      const t = e.targetEndpoint();
      const style = e.style('line-style') as string;
      return {
        sx: s.x, sy: s.y, tx: t.x, ty: t.y, color: e.style('line-color') as string, width: parseFloat(String(e.style('width'))) || 1.5,
        dash: style === 'dashed' ? '6 4' : style === 'dotted' ? '1.5 3' : undefined, opacity: Number(e.style('opacity')),
        label: e.hasClass('optional') ? 'optional' : undefined,
      };
    });
    download(`keygraph-${fileStem(state.id)}.svg`, new Blob([toSvg(nodes, edges, `keygraph: around ${state.id}`)], { type: 'image/svg+xml' }));
  };

  const root = view.nodes.get(state.id);
  const shareUrl = typeof window === 'undefined' ? '' : `${window.location.origin}/explorer?${serializeExplorerState(state)}`;
  const graphLabel = `Dependency graph around ${root ? displayName(root) : state.id}: ${view.nodes.size} nodes, ${view.groups.length} groups, ${view.edges.length} edges. The list view shows the same as tables.`;
  const impactCount = impact ? [...impact.nodes].filter((id) => id !== impact.source).length : 0;

  return (
    <Stack gap="md" data-testid="explorer">
      <Card withBorder radius="md" padding="sm">
        <Group gap="md" wrap="wrap" align="center">
          <LabeledSegments
            name="depth"
            label="Depth"
            value={String(state.depth)}
            onChange={(v) => void changeDepth(Number(v))}
            data={[{ value: '1', label: '1 hop' }, { value: '2', label: '2 hops' }, { value: '3', label: '3 hops' }]}
          />
          <LabeledSegments
            name="mode"
            label="Mode"
            value={state.mode}
            onChange={(v) => {
              const mode = v === 'impact' || v === 'access' ? v : 'explore';
              setState((s) => ({ ...s, mode, at: mode === 'explore' ? undefined : (selectedNode && view.nodes.has(selectedNode.id) ? selectedNode.id : s.at) }));
            }}
            data={[{ value: 'explore', label: 'Explore' }, { value: 'impact', label: 'Impact' }, { value: 'access', label: 'Access' }]}
          />
          <LabeledSegments
            name="view"
            label="View"
            value={state.view}
            onChange={(v) => setState((s) => ({ ...s, view: v === 'list' ? 'list' : 'graph' }))}
            data={[{ value: 'graph', label: 'Graph' }, { value: 'list', label: 'List' }]}
          />
          <Group gap={6} ml="auto">
            {busy ? <Loader size="xs" aria-label="Loading" /> : null}
            <Button size="xs" variant="default" onClick={() => canvas.current.fit()} disabled={state.view !== 'graph'}>
              Fit
            </Button>
            <Button size="xs" variant="default" onClick={() => canvas.current.tidy()} disabled={state.view !== 'graph'}>
              Tidy layout
            </Button>
            <Button size="xs" variant="default" onClick={exportPng} disabled={state.view !== 'graph'} data-testid="export-png">
              Export PNG
            </Button>
            <Button size="xs" variant="default" onClick={exportSvg} disabled={state.view !== 'graph'} data-testid="export-svg">
              Export SVG
            </Button>
            <CopyButton value={shareUrl}>
              {({ copied, copy }) => (
                <Button size="xs" variant={copied ? 'light' : 'default'} color={copied ? 'teal' : undefined} onClick={copy}>
                  {copied ? 'Link copied' : 'Copy link'}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Group>
      </Card>

      {error ? (
        <Alert color="red" variant="light" icon={<IconAlert size={18} />} title="Could not load" withCloseButton onClose={() => setError(null)}>
          {error}
        </Alert>
      ) : null}
      {view.truncated ? (
        <Alert color="yellow" variant="light" title="Partial view">
          This neighbourhood is very large: only the first few thousand nodes were loaded. Lower the depth or filter kinds.
        </Alert>
      ) : null}
      {state.mode === 'impact' ? (
        <Alert color="red" variant="light" icon={<IconAlert size={18} />} data-testid="impact-note" title={`Impact of deleting ${impactSource ? (view.nodes.get(impactSource)?.name ?? impactSource) : ''}`}>
          <Text size="sm">
            {impactCount
              ? `${impactCount} loaded node${impactCount === 1 ? '' : 's'} and group${impactCount === 1 ? '' : 's'} depend on it (highlighted, with every path).`
              : 'Nothing loaded here depends on it.'}{' '}
            Only what is loaded in this view is traversed: the full, transitive list with a verdict is{' '}
            <Text span className="kg-mono">keygraph impact {impactSource}</Text> (and the impact API). Select another node and choose “Impact from here”.
          </Text>
        </Alert>
      ) : null}

      {accessTarget ? <AccessNote state={accessState} name={displayOf(view.nodes.get(accessTarget)) ?? accessTarget} asOf={state.asOf} /> : null}

      <Group align="stretch" gap="md" wrap="wrap" style={{ minHeight: 560 }}>
        <Card withBorder radius="md" padding={0} style={{ flex: '1 1 520px', minWidth: 0, overflow: 'hidden', position: 'relative' }}>
          <div style={{ display: state.view === 'graph' ? 'block' : 'none', height: '68vh', minHeight: 520 }}>
            <GraphCanvas
              elements={elements}
              rootId={state.id}
              resetKey={resetKey}
              hints={view.hints}
              selected={selected}
              onSelect={setSelected}
              handle={canvas}
              label={graphLabel}
            />
          </div>
          {state.view === 'list' ? (
            <ListView view={view} findings={findings} impact={impact?.nodes} access={access} onSelect={setSelected} selected={selected} rootId={state.id} />
          ) : null}
        </Card>
        <Card withBorder radius="md" padding="md" style={{ flex: '1 0 300px', maxWidth: 420, overflow: 'auto', maxHeight: '78vh' }} component="aside" aria-label="Selection" data-testid="details">
          {selectedNode ? (
            <NodePanel
              node={selectedNode}
              details={details}
              findings={findings[selectedNode.id]}
              isRoot={selectedNode.id === state.id}
              expandedIn={expandedSet.has(`in:${selectedNode.id}`)}
              expandedOut={expandedSet.has(`out:${selectedNode.id}`)}
              busy={busy}
              asOf={state.asOf}
              onExpand={(d) => void expand(selectedNode.id, d)}
              onCollapse={(d) => collapse(selectedNode.id, d)}
              onReroot={() => void reroot(selectedNode.id)}
              onImpact={() => setState((s) => ({ ...s, mode: 'impact', at: selectedNode.id }))}
              onAccess={hasAccess(selectedNode) && view.nodes.has(selectedNode.id) ? () => setState((s) => ({ ...s, mode: 'access', at: selectedNode.id })) : undefined}
            />
          ) : access && (selectedSubject || selected === MORE_SUBJECTS_ID) ? (
            <SubjectPanel subject={selectedSubject} overlay={access} asOf={state.asOf} />
          ) : selectedGroup ? (
            <GroupPanel
              group={selectedGroup}
              anchor={view.nodes.get(selectedGroup.anchor)}
              page={view.pages.get(selectedGroup.key)}
              pageSize={state.pageSize}
              busy={busy}
              onPage={(p, size) => void openGroup(selectedGroup.key, p, size)}
              onClose={() => closeGroup(selectedGroup.key)}
            />
          ) : (
            <Stack gap="xs">
              <Title order={2} fz="md">
                Nothing selected
              </Title>
              <Text size="sm" c="dimmed">
                Select a node in the graph (or in the list view) to see its details, expand it inbound or outbound, or start
                an impact check from it. Groups (“412 Pods”) open a page at a time.
              </Text>
            </Stack>
          )}
        </Card>
      </Group>

      <Card withBorder radius="md" padding="sm" component="section" aria-label="Filters and legend" data-testid="filters">
        <Stack gap={8}>
          <Group gap={6} align="center" wrap="wrap">
            <Text size="sm" fw={600} w={110}>
              Node kinds
            </Text>
            {[...view.nodeKinds].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => {
              const look = kindLook(k);
              const shown = !state.hiddenNodeKinds.includes(k);
              return (
                <Chip key={k} size="xs" checked={shown} onChange={(c) => toggleHidden('hiddenNodeKinds', k, c)} variant="outline" wrapperProps={{ 'data-testid': `filter-node-${k}` }}>
                  <Group gap={5} wrap="nowrap" component="span">
                    <Swatch color={look.color} shape={look.shape} />
                    {pluralOf(k)} ({n})
                  </Group>
                </Chip>
              );
            })}
          </Group>
          <Group gap={6} align="center" wrap="wrap">
            <Text size="sm" fw={600} w={110}>
              Edge kinds
            </Text>
            {[...view.edgeKinds].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => {
              const spec = edgeKindSpec(k);
              const shown = !state.hiddenEdgeKinds.includes(k);
              return (
                <Chip key={k} size="xs" checked={shown} onChange={(c) => toggleHidden('hiddenEdgeKinds', k, c)} variant="outline" wrapperProps={{ 'data-testid': `filter-edge-${k}` }}>
                  <Group gap={5} wrap="nowrap" component="span">
                    <LineSwatch color={spec.color} style={spec.lineStyle} />
                    {spec.forward} ({n})
                  </Group>
                </Chip>
              );
            })}
          </Group>
          <Group gap="lg" wrap="wrap" data-testid="legend">
            <Text size="sm" fw={600} w={110}>
              Legend
            </Text>
            <Group gap={6}>
              <Swatch color="#dee2e6" shape="ellipse" dashed size={14} />
              <Text size="xs">missing (referenced, not observed)</Text>
            </Group>
            <Group gap={6}>
              <LineSwatch color="#868e96" style="dashed" />
              <Text size="xs">optional reference</Text>
            </Group>
            <Group gap={6}>
              <svg width={14} height={14} aria-hidden="true">
                <circle cx={7} cy={7} r={5} fill="#dee2e6" stroke={SEVERITY_COLORS.high} strokeWidth={2.5} />
              </svg>
              <Text size="xs">
                ⚠ has findings (ring colour = severity){findingsState === 'loading' ? ' · loading…' : findingsState === 'unavailable' ? ' · unavailable' : ''}
              </Text>
            </Group>
            <Group gap={6}>
              <svg width={16} height={16} aria-hidden="true">
                <circle cx={8} cy={8} r={6} fill="#dee2e6" stroke="#495057" strokeWidth={3} strokeDasharray="1 1.2" />
              </svg>
              <Text size="xs">group of siblings (select to page)</Text>
            </Group>
            <Group gap={6}>
              <svg width={16} height={16} aria-hidden="true">
                <circle cx={8} cy={8} r={7} fill="#ffc9c9" />
                <circle cx={8} cy={8} r={4} fill="#868e96" />
              </svg>
              <Text size="xs">impacted (impact mode)</Text>
            </Group>
            {state.mode === 'access' ? (
              <>
                {Object.entries(ACCESS_EDGE_KINDS).map(([k, spec]) => (
                  <Group gap={6} key={k}>
                    <LineSwatch color={spec.color} style={spec.lineStyle} />
                    <Text size="xs">{spec.forward} (derived, access mode)</Text>
                  </Group>
                ))}
                <Group gap={6}>
                  <Swatch color={SUBJECT_LOOK.color} shape={SUBJECT_LOOK.shape} size={14} />
                  <Text size="xs">user, group or principal keygraph holds no node for</Text>
                </Group>
              </>
            ) : null}
            <Text size="xs" c="dimmed">
              Arrows point from the user to what it uses or owns: dependents sit left of what they depend on.
            </Text>
          </Group>
        </Stack>
      </Card>
    </Stack>
  );
}

const fileStem = (id: string) => id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);

function NodePanel(p: {
  node: GraphNode;
  details: Details | null;
  findings?: Findings[string];
  isRoot: boolean;
  expandedIn: boolean;
  expandedOut: boolean;
  busy: string | null;
  asOf?: string;
  onExpand(d: Direction): void;
  onCollapse(d: Direction): void;
  onReroot(): void;
  onImpact(): void;
  /** Present for a node with an access answer: switch to Access mode on it. */
  onAccess?: () => void;
}) {
  const { node } = p;
  return (
    <Stack gap="sm" data-testid="node-details" data-node-id={node.id}>
      <Group gap={6}>
        <KindBadge provider={node.provider} kind={node.kind} />
        {node.missing ? <MissingBadge /> : null}
        {p.isRoot ? (
          <Badge variant="outline" color="dark" size="sm" radius="sm">
            root
          </Badge>
        ) : null}
      </Group>
      <Title order={2} fz="lg" style={{ wordBreak: 'break-word' }} data-testid="details-name">
        <DisplayName text={node.name} />
      </Title>
      <Text size="sm" c="dimmed">
        {node.namespace ? (
          <>
            namespace <b>{node.namespace}</b> ·{' '}
          </>
        ) : null}
        {realmNoun(node.provider)} <b>{node.realm}</b>
      </Text>
      <CopyId value={node.id} />
      <Group gap={6}>
        <Button size="xs" variant="light" onClick={() => (p.expandedIn ? p.onCollapse('in') : p.onExpand('in'))} loading={p.busy === `in:${node.id}`} data-testid="toggle-in">
          {p.expandedIn ? 'Collapse used by' : 'Expand used by (inbound)'}
        </Button>
        <Button size="xs" variant="light" onClick={() => (p.expandedOut ? p.onCollapse('out') : p.onExpand('out'))} loading={p.busy === `out:${node.id}`} data-testid="toggle-out">
          {p.expandedOut ? 'Collapse uses' : 'Expand uses (outbound)'}
        </Button>
      </Group>
      <Group gap={6}>
        {!p.isRoot ? (
          <Button size="xs" variant="default" onClick={p.onReroot} data-testid="reroot">
            Make root
          </Button>
        ) : null}
        <Button size="xs" variant="default" color="red" onClick={p.onImpact} data-testid="impact-here">
          Impact from here
        </Button>
        {p.onAccess ? (
          <Button size="xs" variant="default" onClick={p.onAccess} data-testid="access-here">
            {accessQuestion(node)}
          </Button>
        ) : null}
        <ButtonLink size="xs" variant="default" href={withAsOf(nodeHref(node.id), p.asOf)} data-testid="open-node-page">
          Open node page
        </ButtonLink>
      </Group>
      {p.findings ? (
        <Stack gap={4} data-testid="details-findings">
          <Text size="sm" fw={600}>
            Findings
          </Text>
          {p.findings.items.map((f, i) => (
            <Group key={i} gap={6} wrap="nowrap" align="flex-start">
              <Badge size="xs" radius="sm" color={SEVERITY_COLORS[f.severity] ?? 'gray'} variant="filled" style={{ flexShrink: 0 }}>
                {f.severity}
              </Badge>
              <Text size="xs">{f.title}</Text>
            </Group>
          ))}
        </Stack>
      ) : null}
      <Stack gap={4}>
        <Text size="sm" fw={600}>
          Key properties
        </Text>
        {!p.details ? (
          <Text size="xs" c="dimmed">
            Loading…
          </Text>
        ) : p.details.properties.length ? (
          <Table verticalSpacing={4} horizontalSpacing={6} fz="xs" data-testid="details-properties">
            <TableTbody>
              {p.details.properties.map((r) => (
                <TableTr key={r.key}>
                  <TableTh w={110} style={{ verticalAlign: 'top', fontWeight: 500 }}>
                    {r.key}
                  </TableTh>
                  <TableTd className="kg-mono" style={{ fontSize: 11 }}>
                    {r.value}
                  </TableTd>
                </TableTr>
              ))}
            </TableTbody>
          </Table>
        ) : (
          <Text size="xs" c="dimmed">
            None recorded{node.missing ? ' (not observed).' : '.'}
          </Text>
        )}
        {p.details?.sources.length ? (
          <Text size="xs" c="dimmed">
            Asserted by {p.details.sources.join(', ')}
          </Text>
        ) : null}
      </Stack>
    </Stack>
  );
}

function GroupPanel(p: {
  group: GraphGroup;
  anchor?: GraphNode;
  page?: Fragment['page'];
  pageSize: number;
  busy: string | null;
  onPage(page: number, size?: number): void;
  onClose(): void;
}) {
  const { group: g, page } = p;
  const spec = edgeKindSpec(g.edgeKind);
  const parsed = parseGroupKey(g.key);
  const size = page?.pageSize ?? p.pageSize;
  const pages = Math.ceil(g.count / size);
  const loading = p.busy === `g:${g.key}`;
  return (
    <Stack gap="sm" data-testid="group-details" data-group-key={g.key}>
      <Group gap={6}>
        <KindBadge provider={g.otherKind.split(':')[0]!} kind={g.otherKind.split(':')[1]!} />
        <Badge variant="outline" color="dark" size="sm" radius="sm">
          group
        </Badge>
      </Group>
      <Title order={2} fz="lg" data-testid="group-title">
        {groupLabel(g, page)}
      </Title>
      <Text size="sm" c="dimmed">
        {parsed?.dir === 'in' ? (
          <>
            Each {kindLook(g.otherKind).label} {spec.forward} <b>{p.anchor?.name ?? g.anchor}</b>.
          </>
        ) : (
          <>
            <b>{p.anchor?.name ?? g.anchor}</b> {spec.forward} each of these {pluralOf(g.otherKind)}.
          </>
        )}{' '}
        Too many to draw one by one: open them {size} at a time.
      </Text>
      <Group gap={6}>
        {!page ? (
          <Button size="xs" onClick={() => p.onPage(0)} loading={loading} data-testid="group-open">
            Show first {Math.min(size, g.count)}
          </Button>
        ) : (
          <>
            <Button size="xs" variant="default" disabled={page.page <= 0} onClick={() => p.onPage(page.page - 1, size)} loading={loading} data-testid="group-prev">
              Previous {size}
            </Button>
            <Button size="xs" variant="default" disabled={page.page + 1 >= pages} onClick={() => p.onPage(page.page + 1, size)} loading={loading} data-testid="group-next">
              Next {size}
            </Button>
            <Button size="xs" variant="light" color="gray" onClick={p.onClose} data-testid="group-close">
              Hide members
            </Button>
          </>
        )}
      </Group>
      {g.count > size && g.count <= 500 ? (
        <Button size="xs" variant="subtle" onClick={() => p.onPage(0, Math.min(500, g.count))} loading={loading} data-testid="group-all">
          Show all {g.count}
        </Button>
      ) : null}
      {page ? (
        <Text size="xs" c="dimmed">
          Page {page.page + 1} of {pages}.
        </Text>
      ) : null}
    </Stack>
  );
}

function ListView(p: {
  view: ReturnType<typeof composeView>;
  findings: Findings;
  impact?: Set<string>;
  access?: AccessOverlay;
  selected: string | null;
  rootId: string;
  onSelect(id: string): void;
}) {
  const nodes = [...p.view.nodes.values()].sort((a, b) => (kindKeyOf(a) + displayName(a) < kindKeyOf(b) + displayName(b) ? -1 : 1));
  const name = (id: string) => {
    const n = p.view.nodes.get(id);
    return n ? displayName(n) : id;
  };
  return (
    // The scrolling box is not the flex column: a height-capped flex column would shrink its tables instead of scrolling.
    <div data-testid="explorer-list" style={{ maxHeight: '68vh', overflow: 'auto' }}>
      <Stack gap="md" p="md">
        {p.access ? <AccessTable overlay={p.access} onSelect={p.onSelect} /> : null}
        <ListTable id="list-nodes" title={`Nodes (${nodes.length}) and groups (${p.view.groups.length})`} columns={['Kind', 'Name', 'Status', 'Id']}>
          {nodes.map((n) => (
            <TableTr key={n.id} data-node-id={n.id} bg={p.selected === n.id ? 'indigo.0' : undefined}>
              <TableTd>
                <KindBadge provider={n.provider} kind={n.kind} size="xs" />
              </TableTd>
              <TableTd>
                <UnstyledButton onClick={() => p.onSelect(n.id)} aria-label={`Select ${kindLook(kindKeyOf(n)).label} ${displayName(n)}`} style={{ textDecoration: 'underline dotted' }}>
                  <Text size="sm" fw={n.id === p.rootId ? 700 : 500}>
                    {displayName(n)}
                  </Text>
                </UnstyledButton>
              </TableTd>
              <TableTd>
                <Group gap={4}>
                  {n.id === p.rootId ? <Badge size="xs" variant="outline" color="dark">root</Badge> : null}
                  {n.missing ? <Badge size="xs" color="red">missing</Badge> : null}
                  {p.findings[n.id] ? <Badge size="xs" color="orange">{p.findings[n.id]!.count} finding{p.findings[n.id]!.count === 1 ? '' : 's'}</Badge> : null}
                  {p.impact?.has(n.id) && n.id !== p.rootId ? <Badge size="xs" color="red" variant="light">impacted</Badge> : null}
                </Group>
              </TableTd>
              <TableTd className="kg-mono" style={{ fontSize: 11 }}>
                {n.id}
              </TableTd>
            </TableTr>
          ))}
          {p.view.groups.map((g) => (
            <TableTr key={g.key} data-group-key={g.key}>
              <TableTd>
                <Badge size="xs" variant="outline" color="dark">group</Badge>
              </TableTd>
              <TableTd>
                <UnstyledButton onClick={() => p.onSelect(groupNodeId(g.key))} style={{ textDecoration: 'underline dotted' }}>
                  <Text size="sm" fw={500}>
                    {groupLabel(g, p.view.pages.get(g.key))}
                  </Text>
                </UnstyledButton>
              </TableTd>
              <TableTd>
                <Text size="xs" c="dimmed">
                  {g.dir === 'in' ? `${edgeKindSpec(g.edgeKind).forward} ${name(g.anchor)}` : `${name(g.anchor)} ${edgeKindSpec(g.edgeKind).forward}`}
                </Text>
              </TableTd>
              <TableTd />
            </TableTr>
          ))}
        </ListTable>
        <ListTable id="list-edges" title={`Edges (${p.view.edges.length})`} columns={['From', 'Relation', 'To', 'How']}>
          {[...p.view.edges].sort((a, b) => (name(a.from) + a.kind + name(a.to) < name(b.from) + b.kind + name(b.to) ? -1 : 1)).map((e) => (
            <TableTr key={e.id} data-edge-kind={e.kind}>
              <TableTd>{name(e.from)}</TableTd>
              <TableTd>{edgeKindSpec(e.kind).forward}</TableTd>
              <TableTd>{name(e.to)}</TableTd>
              <TableTd>
                <Text size="xs" c="dimmed">
                  {[...e.vias, ...(e.optional ? ['optional'] : [])].join(', ')}
                </Text>
              </TableTd>
            </TableTr>
          ))}
        </ListTable>
      </Stack>
    </div>
  );
}

/** A labelled segmented control of the toolbar: label id `NAME-label`, test id `NAME`. */
function LabeledSegments(p: { name: string; label: string; value: string; onChange(v: string): void; data: { value: string; label: string }[] }) {
  return (
    <Group gap={6} align="center">
      <Text size="sm" fw={500} id={`${p.name}-label`}>
        {p.label}
      </Text>
      <SegmentedControl aria-labelledby={`${p.name}-label`} size="xs" value={p.value} onChange={p.onChange} data={p.data} data-testid={p.name} />
    </Group>
  );
}

/** A titled table of the list view; `children` are its body rows. */
function ListTable({ id, title, columns, children }: { id: string; title: string; columns: string[]; children: ReactNode }) {
  return (
    <>
      <Title order={2} fz="md" id={id}>
        {title}
      </Title>
      <TableScrollContainer minWidth={600}>
        <Table aria-labelledby={id} verticalSpacing={4} fz="sm" striped>
          <TableThead>
            <TableTr>
              {columns.map((c) => (
                <TableTh key={c}>{c}</TableTh>
              ))}
            </TableTr>
          </TableThead>
          <TableTbody>{children}</TableTbody>
        </Table>
      </TableScrollContainer>
    </>
  );
}
