'use client';

/**
 * The cytoscape drawing of the explorer's view. Cytoscape is imported statically (it loads with the page's own
 * chunks instead of after hydration) and instantiated on the client only.
 *
 * Positions are stable: existing nodes never move when the view changes (no global re-layout). The first drawing
 * (and "Tidy layout") uses the directed layered layout of ./graph.ts; nodes added later are placed in a column
 * beside the node they grew from (an expansion's node, an open group's node), on the side of their direction.
 * A node hidden by a filter and shown again comes back where it was.
 */
import { useEffect, useRef, type CSSProperties } from 'react';
import cytoscape, { type Core, type ElementDefinition, type NodeCollection, type NodeSingular, type StylesheetJson } from 'cytoscape';
import { layeredLayout, placeAround, stylesheet, type ElementDef } from './graph';

export interface CanvasHandle {
  cy: Core | null;
  /** Lays everything out again (directed layered layout) and fits. */
  tidy(): void;
  fit(): void;
}

interface Props {
  elements: ElementDef[];
  rootId: string;
  /** Changes when the view is replaced (new root): everything is laid out afresh. */
  resetKey: string;
  hints: Map<string, string>;
  selected: string | null;
  onSelect(id: string | null): void;
  handle: React.MutableRefObject<CanvasHandle>;
  label: string;
  style?: CSSProperties;
}

type Pos = { x: number; y: number };

/**
 * Fits everything, never zooming in beyond 1.4 (a handful of nodes would otherwise fill the screen). Computed
 * from node boxes without labels: cy.fit() measures every label, which costs most of an expansion of 500 nodes.
 */
function fitCapped(cy: Core) {
  const bb = cy.nodes().boundingBox({ includeLabels: false, includeOverlays: false });
  if (!Number.isFinite(bb.w) || !Number.isFinite(bb.h)) return;
  const pad = 50;
  const zoom = Math.max(cy.minZoom(), Math.min(1.4, (cy.width() - 2 * pad) / Math.max(bb.w, 1), (cy.height() - 2 * pad) / Math.max(bb.h, 1)));
  cy.viewport({ zoom, pan: { x: cy.width() / 2 - zoom * (bb.x1 + bb.w / 2), y: cy.height() / 2 - zoom * (bb.y1 + bb.h / 2) } });
}

export function GraphCanvas({ elements, rootId, resetKey, hints, selected, onSelect, handle, label, style }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const cyRef = useRef<Core | null>(null);
  const remembered = useRef(new Map<string, Pos>());
  const lastReset = useRef<string | null>(null);
  const signatures = useRef(new Map<string, string>());
  const pending = useRef<{ elements: ElementDef[]; rootId: string; resetKey: string; hints: Map<string, string> } | null>(null);
  const onSelectRef = useRef(onSelect);
  onSelectRef.current = onSelect;

  const sortKey = (cy: Core) => (id: string) => {
    const d = cy.getElementById(id).data() as { kk?: string; label?: string };
    return `${d.kk ?? ''}|${d.label ?? id}`;
  };

  const sync = (cy: Core, els: ElementDef[], root: string, reset: string, hintMap: Map<string, string>) => {
    const t0 = performance.now();
    const fresh = lastReset.current !== reset || cy.nodes().length === 0;
    lastReset.current = reset;
    const wanted = new Map(els.map((e) => [e.data.id, e]));
    cy.batch(() => {
      if (fresh) {
        remembered.current.clear();
        cy.elements().remove();
      }
      // Remove what is gone (remembering where nodes were).
      cy.elements().forEach((ele) => {
        if (!wanted.has(ele.id())) {
          if (ele.isNode()) remembered.current.set(ele.id(), { ...ele.position() });
          ele.remove();
        }
      });
      // Update what stays; collect what is new.
      const addNodes: ElementDefinition[] = [];
      const addEdges: ElementDefinition[] = [];
      const sigs = signatures.current;
      for (const e of els) {
        const cur = cy.getElementById(e.data.id);
        const sig = `${e.classes.join(' ')}|${String(e.data.label ?? '')}`;
        if (cur.nonempty()) {
          // Only what changed (a style recalculation per element is what makes big views slow).
          if (sigs.get(e.data.id) !== sig) {
            cur.data(e.data);
            cur.classes(e.classes);
          }
        } else (e.group === 'nodes' ? addNodes : addEdges).push({ group: e.group, data: e.data, classes: e.classes });
        sigs.set(e.data.id, sig);
      }
      const newIds = new Set(addNodes.map((n) => n.data.id!));
      const existing = cy.nodes().map((n) => ({ ...n.position() }));
      const added = cy.add(addNodes);
      cy.add(addEdges.filter((e) => cy.getElementById(e.data.source as string).nonempty() && cy.getElementById(e.data.target as string).nonempty()));
      if (fresh) {
        const pos = layeredLayout(root, cy.nodes().map((n) => n.id()), cy.edges().map((e) => ({ source: e.source().id(), target: e.target().id() })), sortKey(cy));
        cy.nodes().forEach((n) => void n.position(pos.get(n.id()) ?? { x: 0, y: 0 }));
      } else if (added.length) {
        placeNew(cy, added.nodes(), newIds, existing, hintMap);
      }
    });
    if (fresh) fitCapped(cy);
    else if (cy.nodes().nonempty()) {
      // Keep everything in sight: when new nodes land outside the viewport, zoom out to show them all.
      const bb = cy.nodes().boundingBox({ includeLabels: false, includeOverlays: false });
      const ext = cy.extent();
      if (bb.x1 < ext.x1 || bb.x2 > ext.x2 || bb.y1 < ext.y1 || bb.y2 > ext.y2) fitCapped(cy);
    }
    const ms = performance.now() - t0;
    if (box.current) {
      box.current.dataset.nodes = String(cy.nodes().length);
      box.current.dataset.edges = String(cy.edges().length);
      box.current.dataset.syncMs = ms.toFixed(1);
      box.current.dataset.ready = '1';
      // performance.now() (ms since navigation) when this drawing was done: first render, expansions (bench/ui.ts).
      box.current.dataset.drawnAt ??= performance.now().toFixed(0);
      box.current.dataset.syncAt = performance.now().toFixed(1);
      box.current.dataset.version = String(Number(box.current.dataset.version ?? 0) + 1);
    }
  };

  /** New nodes: back where they were, else beside their hinted or first positioned neighbour; rounds outwards. */
  const placeNew = (cy: Core, added: NodeCollection, newIds: Set<string>, existing: Pos[], hintMap: Map<string, string>) => {
    const occupied = [...existing];
    let todo: NodeSingular[] = [];
    added.forEach((n) => {
      const p = remembered.current.get(n.id());
      if (p) {
        n.position(p);
        newIds.delete(n.id());
        occupied.push(p);
      } else todo.push(n);
    });
    for (let round = 0; todo.length && round < 8; round++) {
      const buckets = new Map<string, { anchor: NodeSingular; side: 1 | -1; nodes: NodeSingular[] }>();
      const rest: NodeSingular[] = [];
      for (const n of todo) {
        const hinted = hintMap.get(n.id());
        const hintNode = hinted ? cy.getElementById(hinted) : null;
        let anchor: NodeSingular | null = null;
        let side: 1 | -1 = 1;
        if (hintNode && hintNode.nonempty() && !newIds.has(hintNode.id())) {
          anchor = hintNode as NodeSingular;
          side = anchor.position().x < (cy.getElementById(rootId).position()?.x ?? 0) ? -1 : 1;
        } else {
          const inb = n.outgoers('node').filter((o) => !newIds.has(o.id()));
          const outb = n.incomers('node').filter((o) => !newIds.has(o.id()));
          if (inb.nonempty()) [anchor, side] = [inb[0] as NodeSingular, -1];
          else if (outb.nonempty()) [anchor, side] = [outb[0] as NodeSingular, 1];
        }
        if (!anchor) {
          rest.push(n);
          continue;
        }
        const k = `${anchor.id()}|${side}`;
        (buckets.get(k) ?? buckets.set(k, { anchor, side, nodes: [] }).get(k)!).nodes.push(n);
      }
      if (!buckets.size) {
        // Nothing connects them to what is drawn: below everything.
        const maxY = Math.max(0, ...occupied.map((p) => p.y));
        rest.forEach((n, i) => void n.position({ x: (i % 10) * 160, y: maxY + 120 + Math.floor(i / 10) * 64 }));
        break;
      }
      for (const b of buckets.values()) {
        const key = sortKey(cy);
        const ids = b.nodes.map((n) => n.id()).sort((x, y) => (key(x) < key(y) ? -1 : 1));
        const pos = placeAround({ ...b.anchor.position() }, b.side, ids, occupied);
        for (const [id, p] of pos) {
          cy.getElementById(id).position(p);
          occupied.push(p);
          newIds.delete(id);
        }
      }
      todo = rest;
    }
  };

  // Create cytoscape once.
  useEffect(() => {
    let cy: Core | null = null;
    {
      if (!box.current) return;
      cy = cytoscape({
        container: box.current,
        style: stylesheet() as StylesheetJson,
        minZoom: 0.05,
        maxZoom: 4,
        boxSelectionEnabled: false,
        selectionType: 'single',
        textureOnViewport: false,
        hideEdgesOnViewport: false,
      });
      cyRef.current = cy;
      // For tests and the UI benchmark (e2e/explorer.spec.ts, bench/ui.ts): the instance behind the drawing.
      (box.current as HTMLDivElement & { kgCy?: Core }).kgCy = cy;
      cy.on('tap', 'node', (ev) => onSelectRef.current(ev.target.id()));
      cy.on('tap', (ev) => {
        if (ev.target === cy) onSelectRef.current(null);
      });
      handle.current = {
        cy,
        fit: () => cy && fitCapped(cy),
        tidy: () => {
          if (!cy) return;
          const pos = layeredLayout(rootId, cy.nodes().map((n) => n.id()), cy.edges().map((e) => ({ source: e.source().id(), target: e.target().id() })), sortKey(cy));
          cy.batch(() => cy!.nodes().forEach((n) => void n.position(pos.get(n.id()) ?? n.position())));
          fitCapped(cy);
        },
      };
      const p = pending.current;
      if (p) sync(cy, p.elements, p.rootId, p.resetKey, p.hints);
      if (box.current) box.current.dataset.interactive = String(Math.round(performance.now()));
    }
    return () => {
      cy?.destroy();
      cyRef.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Follow the view.
  useEffect(() => {
    pending.current = { elements, rootId, resetKey, hints };
    const cy = cyRef.current;
    if (cy) sync(cy, elements, rootId, resetKey, hints);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [elements, rootId, resetKey, hints]);

  // Follow the selection.
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.$(':selected').unselect();
    if (selected) cy.getElementById(selected).select();
  }, [selected, elements]);

  return (
    <div
      ref={box}
      role="img"
      aria-label={label}
      data-testid="explorer-graph"
      style={{ width: '100%', height: '100%', minHeight: 480, background: '#fff', ...style }}
    />
  );
}
