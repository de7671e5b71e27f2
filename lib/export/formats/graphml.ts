/**
 * GraphML (http://graphml.graphdrawing.org/) for Gephi, yEd, networkx, igraph: a directed graph whose nodes carry
 * id + attributes and whose edges carry source, target, kind and properties, every attribute declared with `<key>`.
 * The meta is in `<desc>` (human) and graph-level `<data>` (generatedAt, asOf, what, filters, runs as JSON).
 *
 * Sources with a graph (nodes, edges) draw real nodes and edges (every edge endpoint is declared as a node); other
 * sources (keys) draw each item as a node with one attribute per CSV column. Text is XML-escaped; characters XML 1.0
 * forbids (control characters, lone surrogates, U+FFFE/U+FFFF) become U+FFFD.
 */
import type { ExportMeta } from '../types';
import { edgeItem, nodeItem } from '../sources/common';
import type { FormatWriter } from './types';

const NS = 'http://graphml.graphdrawing.org/xmlns';
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };
// eslint-disable-next-line no-control-regex
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** XML-escapes text for element content and attribute values alike. */
export function xmlEscape(s: string): string {
  return s.replace(INVALID, '\uFFFD').replace(/[&<>"'\t\n\r]/g, (c) => ESC[c]!);
}

type KeyType = 'string' | 'boolean' | 'int';
interface KeyDef {
  id: string;
  for: 'graph' | 'node' | 'edge';
  name: string;
  type: KeyType;
}

const GRAPH_KEYS: KeyDef[] = ['generatedAt', 'asOf', 'what', 'filters', 'runs'].map((n) => ({ id: `g_${n}`, for: 'graph', name: n, type: 'string' }));
const k = (f: 'node' | 'edge', name: string, type: KeyType = 'string'): KeyDef => ({ id: `${f[0]}_${name}`, for: f, name, type });
const NODE_KEYS: KeyDef[] = [
  k('node', 'label'), k('node', 'provider'), k('node', 'kind'), k('node', 'realm'), k('node', 'namespace'), k('node', 'name'),
  k('node', 'missing', 'boolean'), k('node', 'lastChanged'), k('node', 'properties'),
];
const EDGE_KEYS: KeyDef[] = [
  k('edge', 'kind'), k('edge', 'via'), k('edge', 'container'), k('edge', 'envVar'), k('edge', 'volume'), k('edge', 'keys'),
  k('edge', 'optional', 'boolean'), k('edge', 'assertedBy'), k('edge', 'since'), k('edge', 'properties'),
];

const keyXml = (d: KeyDef) => `  <key id="${d.id}" for="${d.for}" attr.name="${xmlEscape(d.name)}" attr.type="${d.type}"/>\n`;

/** `<data>` elements for the defined values (null/undefined/'' are left out, as GraphML means "no value"). */
function data(defs: KeyDef[], values: Record<string, unknown>, indent: string): string {
  let out = '';
  for (const d of defs) {
    const v = values[d.name];
    if (v === null || v === undefined || v === '') continue;
    if (d.type === 'boolean' && typeof v !== 'boolean') continue;
    const text = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
    out += `${indent}<data key="${d.id}">${xmlEscape(text)}</data>\n`;
  }
  return out;
}

function header(meta: ExportMeta, keys: KeyDef[]): string {
  const desc = `keygraph export of ${meta.what}, generated ${meta.generatedAt}, as of ${meta.asOf}${meta.current ? ' (current state)' : ''}; ` +
    (meta.noData ? 'NO DATA at that time (no run had committed by then; not an all-clear); ' : '') +
    `filters ${JSON.stringify(meta.filters)}; resting on ${meta.runs.length} run(s): ` +
    meta.runs.map((r) => `#${r.id} ${r.source}/${r.scope} ${r.status} ${r.committedAt}`).join(', ');
  return '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<graphml xmlns="${NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="${NS} ${NS}/1.0/graphml.xsd">\n` +
    `  <desc>${xmlEscape(desc)}</desc>\n` +
    [...GRAPH_KEYS, ...keys].map(keyXml).join('') +
    `  <graph id="keygraph" edgedefault="directed">\n` +
    `    <desc>${xmlEscape(desc)}</desc>\n` +
    data(GRAPH_KEYS, { ...meta, filters: meta.filters, runs: meta.runs }, '    ');
}

const FOOTER = '  </graph>\n</graphml>\n';

export const graphmlFormat: FormatWriter = {
  format: 'graphml',
  contentType: 'application/graphml+xml; charset=utf-8',
  extension: 'graphml',
  async *write({ meta, source, ctx, rows, items }) {
    if (!source.graph) {
      // Items as nodes: one attribute per CSV column; the first column is the id.
      const defs: KeyDef[] = source.columns.map((c) => k('node', c));
      yield header(meta, defs);
      for await (const row of items()) {
        const cells = source.csv(source.item(row, ctx));
        const values = Object.fromEntries(source.columns.map((c, i) => [c, cells[i]]));
        yield `    <node id="${xmlEscape(String(cells[0]))}">\n${data(defs, values, '      ')}    </node>\n`;
      }
      yield FOOTER;
      return;
    }
    const g = source.graph(ctx);
    yield header(meta, [...NODE_KEYS, ...EDGE_KEYS]);
    for await (const row of rows(g.nodes)) {
      const n = nodeItem(row);
      const label = n.namespace ? `${n.kind} ${n.namespace}/${n.name}` : `${n.kind} ${n.name}`;
      yield `    <node id="${xmlEscape(n.id)}">\n${data(NODE_KEYS, { ...n, label }, '      ')}    </node>\n`;
    }
    let i = 0;
    for await (const row of rows(g.edges)) {
      const e = edgeItem(row);
      const p = e.properties;
      const values = { ...p, keys: Array.isArray(p.keys) ? p.keys.join(' ') : undefined, kind: e.kind, assertedBy: e.assertedBy.join(' '), since: e.since, properties: p };
      yield `    <edge id="e${i++}" source="${xmlEscape(e.from)}" target="${xmlEscape(e.to)}">\n${data(EDGE_KEYS, values, '      ')}    </edge>\n`;
    }
    yield FOOTER;
  },
};
