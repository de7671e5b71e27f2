/**
 * Exports on a real PostgreSQL: each format parsed back with a real parser (csv-parse with comment '#',
 * fast-xml-parser, JSON.parse) and compared with lib/store/read.ts answers for the same data; CSV formula injection;
 * as-of; the key audit; request validation; cancellation frees the connection.
 */
import { Writable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { C, HOSTILE, KEY, loadFixture, SA, SA_EMAIL } from '../../test/export-fixture';
import { k8sId } from '../graph/ids';
import { getEdges, searchNodes, type NodeSummary } from '../store/read';
import { neutralise } from './formats/csv';
import {
  checkExportInput, exportChunks, exportFilename, exportWebStream, ExportRequestError, parseExportRequest, writeExport,
  type ExportInput, type ExportMeta,
} from './index';

let t: TestDatabase;
let t1: Date;

beforeAll(async () => {
  t = await createTestDatabase();
  ({ t1 } = await loadFixture(t));
});
afterAll(async () => t?.drop());

/** The whole export as text. */
async function run(input: ExportInput): Promise<string> {
  const req = await parseExportRequest(t, input);
  let s = '';
  for await (const c of exportChunks(t, req, { chunkSize: 1024 })) s += c;
  return s;
}
const csv = (text: string) => parseCsv(text, { comment: '#', columns: true, skip_empty_lines: true }) as Record<string, string>[];
const ndjson = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l));

async function allNodes(asOf?: Date): Promise<NodeSummary[]> {
  const out: NodeSummary[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await searchNodes(t, '', { limit: 500, offset, asOf });
    out.push(...page.nodes);
    if (out.length >= page.total || !page.nodes.length) return out;
  }
}
const summaryOf = (n: any) => ({ id: n.id, provider: n.provider, kind: n.kind, realm: n.realm, namespace: n.namespace, name: n.name, missing: n.missing });
const byId = <T extends { id: unknown }>(a: T[]) => [...a].sort((x, y) => String(x.id).localeCompare(String(y.id)));

describe('nodes export', () => {
  it('JSON matches searchNodes (best assertion: observed beats placeholder), with meta', async () => {
    const doc = JSON.parse(await run({ what: 'nodes', format: 'json' }));
    const meta = doc.meta as ExportMeta;
    expect(meta).toMatchObject({ what: 'nodes', format: 'json', current: true, filters: {} });
    expect(Date.parse(meta.generatedAt)).toBeGreaterThan(t1.getTime());
    expect(meta.asOf).toBe(meta.generatedAt);
    expect(meta.runs.map((r) => `${r.source}/${r.scope}`).sort()).toEqual(['gcp/proj', `k8s/${C}`]);
    expect(meta.runs[0]!.coverage).toBeTypeOf('object');
    const expected = await allNodes();
    expect(byId(doc.items.map(summaryOf))).toEqual(byId(expected.map(summaryOf)));
    // The key the k8s scope only references (placeholder) is observed by GCP: not missing.
    expect(doc.items.find((n: { id: string }) => n.id === KEY('k1')).missing).toBe(false);
    expect(doc.items.find((n: { id: string }) => n.id === KEY('k9')).missing).toBe(true);
    expect(doc.items.find((n: { id: string }) => n.id === k8sId(C, 'app', 'Secret', 'db2')).firstSeen).toBeTruthy();
  });

  it('CSV: comment meta lines, header, RFC 4180 quoting, formula cells neutralised, same rows as JSON', async () => {
    const text = await run({ what: 'nodes', format: 'csv' });
    expect(text.startsWith('# keygraph export: nodes\r\n# generatedAt: ')).toBe(true);
    expect(text).toMatch(/^# run: \{"id":\d+,"source":"gcp"/m);
    const rows = csv(text);
    const items = JSON.parse(await run({ what: 'nodes', format: 'json' })).items as Record<string, unknown>[];
    expect(rows.map((r) => r.id)).toEqual(items.map((n) => n.id));
    expect(Object.keys(rows[0]!)).toEqual(['id', 'provider', 'kind', 'realm', 'namespace', 'name', 'missing', 'first_seen', 'last_changed', 'properties']);
    for (const [i, r] of rows.entries()) {
      const n = items[i]!;
      expect(r.name).toBe(neutralise(n.name as string));
      expect(r.missing).toBe(String(n.missing));
      expect(JSON.parse(r.properties!)).toEqual(n.properties);
    }
    // Every hostile name is neutralised, round-trips through the parser, and no cell starts with a formula character.
    for (const [i, name] of HOSTILE.entries()) {
      const r = rows.find((x) => x.id === k8sId(C, 'app', 'Secret', `hostile-${i}`))!;
      expect(r.name).toBe(/^[=+\-@\t\r]/.test(name) ? `'${name}` : name);
    }
    for (const r of rows) for (const v of Object.values(r)) expect(v).not.toMatch(/^[=+\-@\t\r]/);
    // Annotation values are inside the JSON text cell (starts with `{`), kept intact.
    expect(JSON.parse(rows.find((r) => r.id === k8sId(C, 'app', 'Secret', 'db2'))!.properties!)).toEqual({ type: 'Opaque' });
  });

  it('Excel CSV: byte order mark, the meta in words in row 1, the header in row 2, the same records as CSV', async () => {
    const text = await run({ what: 'nodes', format: 'excel' });
    expect(text.startsWith('\ufeff')).toBe(true);
    expect(text).not.toMatch(/^#/m);
    const [meta, header, ...records] = parseCsv(text, { bom: true, relax_column_count: true }) as string[][];
    expect(meta).toHaveLength(1);
    expect(meta![0]).toMatch(/^keygraph export of nodes · as of .* \(current state\) · generated \d{4}-.* · filters: none · rests on \d+ run\(s\): run \d+ \(gcp /);
    const plain = parseCsv(await run({ what: 'nodes', format: 'csv' }), { comment: '#' }) as string[][];
    expect([header, ...records]).toEqual(plain);
    // Still neutralised: no cell a spreadsheet would evaluate.
    for (const r of records) for (const v of r) expect(v).not.toMatch(/^[=+\-@\t\r]/);
    expect(exportFilename({ what: 'nodes', format: 'excel' }, new Date('2026-11-21T10:15:00Z'))).toBe('keygraph-nodes-20261121T101500Z.excel.csv');
    // A time before any data says so in row 1: never an empty sheet that reads as an all-clear.
    const before = await run({ what: 'findings', format: 'excel', asOf: '2001-01-01T00:00:00Z' });
    expect(before).toContain('NO DATA at that time');
  });

  it('filters by realm, namespace and kind (k8s:Secret or Secret)', async () => {
    const items = ndjson(await run({ what: 'nodes', format: 'ndjson', realm: C, namespace: 'app', kind: 'k8s:Secret' }));
    expect(items[0].meta.filters).toEqual({ realm: C, namespace: 'app', kind: 'k8s:Secret' });
    const expected = (await searchNodes(t, '', { realm: C, namespace: 'app', kind: 'Secret', provider: 'k8s', limit: 500 })).nodes;
    expect(byId(items.slice(1).map(summaryOf))).toEqual(byId(expected.map(summaryOf)));
    const keys = ndjson(await run({ what: 'nodes', format: 'ndjson', kind: 'ServiceAccountKey' })).slice(1);
    expect(keys.map((k) => k.id).sort()).toEqual(['k1', 'k2', 'k3', 'k9'].map(KEY).sort());
  });

  it('as of a past time shows the past state and the runs of then', async () => {
    const then = JSON.parse(await run({ what: 'nodes', format: 'json', asOf: t1.toISOString() }));
    expect(then.meta).toMatchObject({ asOf: t1.toISOString(), current: false });
    expect(then.meta.runs.map((r: { source: string }) => r.source)).toEqual(['k8s']);
    const ids = then.items.map((n: { id: string }) => n.id);
    expect(ids).toContain(k8sId(C, 'app', 'Secret', 'db'));
    expect(ids).not.toContain(k8sId(C, 'app', 'Secret', 'db2'));
    expect(byId(then.items.map(summaryOf))).toEqual(byId((await allNodes(t1)).map(summaryOf)));
    // Then, k1 was only referenced (the GCP run came later).
    expect(then.items.find((n: { id: string }) => n.id === KEY('k1')).missing).toBe(true);
    const now = JSON.parse(await run({ what: 'nodes', format: 'json' }));
    expect(now.items.map((n: { id: string }) => n.id)).not.toContain(k8sId(C, 'app', 'Secret', 'db'));
    // run:N works as a time spec too.
    const runId = then.meta.runs[0].id;
    expect(JSON.parse(await run({ what: 'nodes', format: 'json', asOf: `run:${runId}` })).meta.asOf).toBe(t1.toISOString());
  });
});

describe('edges export', () => {
  it('JSON and NDJSON match getEdges for every node', async () => {
    const items = JSON.parse(await run({ what: 'edges', format: 'json' })).items;
    const nd = ndjson(await run({ what: 'edges', format: 'ndjson' }));
    expect(Object.keys(nd[0])).toEqual(['meta']);
    expect(nd.slice(1)).toEqual(items);
    const expected: unknown[] = [];
    for (const n of await allNodes()) {
      for (const e of await getEdges(t, n.id, 'out')) expected.push({ kind: e.kind, from: e.from, to: e.to, properties: e.properties, assertedBy: e.assertedBy });
    }
    const key = (e: any) => `${e.from}|${e.kind}|${e.to}|${JSON.stringify(e.properties)}`;
    const got = items.map((e: any) => ({ kind: e.kind, from: e.from, to: e.to, properties: e.properties, assertedBy: e.assertedBy }));
    expect(got.map(key).sort()).toEqual(expected.map(key).sort());
    expect(got).toHaveLength(expected.length);
  });

  it('CSV columns, lists, booleans and neutralised cells', async () => {
    const rows = csv(await run({ what: 'edges', format: 'csv', kind: 'USES_SECRET' }));
    expect(Object.keys(rows[0]!)).toEqual(['kind', 'from', 'to', 'via', 'container', 'envVar', 'volume', 'keys', 'optional', 'properties', 'asserted_by', 'since']);
    expect(rows.every((r) => r.kind === 'USES_SECRET')).toBe(true);
    const env = rows.find((r) => r.via === 'env')!;
    expect(env).toMatchObject({ container: "'@evil", envVar: "'-X", keys: 'password', optional: '', asserted_by: `k8s/${C}` });
    expect(JSON.parse(env.properties!)).toMatchObject({ container: '@evil', envVar: '-X' });
    expect(rows.find((r) => r.volume === "'+vol")).toBeTruthy();
    expect(rows.find((r) => r.optional === 'true')).toBeTruthy();
  });

  it('realm/namespace match either end', async () => {
    const items = ndjson(await run({ what: 'edges', format: 'ndjson', realm: 'proj' })).slice(1);
    // HAS_KEY (both ends in proj) and HOLDS_KEY (Secret in prod → key in proj).
    expect(new Set(items.map((e) => e.kind))).toEqual(new Set(['HAS_KEY', 'HOLDS_KEY']));
    const ns = ndjson(await run({ what: 'edges', format: 'ndjson', namespace: 'kube-system' })).slice(1);
    expect(ns).toEqual([]);
  });
});

describe('GraphML', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['node', 'edge', 'data', 'key'].includes(name) });

  it('is well-formed, declares its keys, and node/edge counts match the exports', async () => {
    const text = await run({ what: 'edges', format: 'graphml' });
    expect(XMLValidator.validate(text)).toBe(true);
    const doc = parser.parse(text);
    expect(doc.graphml['@xmlns']).toBe('http://graphml.graphdrawing.org/xmlns');
    const g = doc.graphml.graph;
    expect(g['@edgedefault']).toBe('directed');
    const edges = JSON.parse(await run({ what: 'edges', format: 'json' })).items;
    expect(g.edge).toHaveLength(edges.length);
    const endpoints = new Set(edges.flatMap((e: any) => [e.from, e.to]));
    expect(new Set(g.node.map((n: any) => n['@id']))).toEqual(endpoints);
    // Every edge endpoint is a declared node; every data key is declared.
    const keys = new Set(doc.graphml.key.map((k: any) => k['@id']));
    for (const e of g.edge) {
      expect(endpoints.has(e['@source']) && endpoints.has(e['@target'])).toBe(true);
      for (const d of e.data) expect(keys.has(d['@key'])).toBe(true);
    }
    // Graph-level meta.
    const gdata = Object.fromEntries(g.data.map((d: any) => [d['@key'], d['#text']]));
    expect(JSON.parse(gdata.g_runs)).toHaveLength(2);
    expect(gdata.g_what).toBe('edges');
    expect(g.desc).toContain('keygraph export of edges');
    // Hostile text survives escaping: the `@evil` container appears as an attribute value.
    expect(text).toContain('<data key="e_container">@evil</data>');
  });

  it('nodes: the filtered nodes and the edges among them', async () => {
    const text = await run({ what: 'nodes', format: 'graphml' });
    expect(XMLValidator.validate(text)).toBe(true);
    const g = parser.parse(text).graphml.graph;
    const nodes = JSON.parse(await run({ what: 'nodes', format: 'json' })).items;
    const edges = JSON.parse(await run({ what: 'edges', format: 'json' })).items;
    expect(g.node).toHaveLength(nodes.length);
    expect(g.edge).toHaveLength(edges.length);
    const sub = parser.parse(await run({ what: 'nodes', format: 'graphml', realm: 'proj' })).graphml.graph;
    expect(sub.node).toHaveLength(5); // SA, k1, k2, k3, k9 (placeholder asserted by prod)
    expect(sub.edge).toHaveLength(3); // HAS_KEY ×3; HOLDS_KEY come from prod
  });

  it('escapes markup and drops characters XML forbids', async () => {
    const { xmlEscape } = await import('./formats/graphml');
    expect(xmlEscape('<a href="x">&\'\u0001\ud800')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;\uFFFD\uFFFD');
  });
});

describe('key audit', () => {
  it('lists user-managed keys with holders, consumers, running pods, validity and age', async () => {
    const doc = JSON.parse(await run({ what: 'keys', format: 'json' }));
    const ids = doc.items.map((k: any) => k.id);
    expect(ids).toEqual([KEY('k1'), KEY('k2'), KEY('k9')]); // k3 is SYSTEM_MANAGED
    const [k1, k2, k9] = doc.items;
    const secret = (n: string) => k8sId(C, 'app', 'Secret', n);
    expect(k1).toMatchObject({
      project: 'proj', keyId: 'k1', serviceAccount: SA_EMAIL, serviceAccountIds: [SA], keyType: 'USER_MANAGED', missing: false,
      validity: 'valid', disabled: false, lastAuthenticatedAt: '2026-11-01T00:00:00Z', lastUseCovered: true,
      holderSecrets: [secret('gsa-key')],
      consumers: [k8sId(C, 'app', 'Deployment', 'api'), k8sId(C, 'app', 'Pod', 'api-123'), k8sId(C, 'app', 'Pod', 'job-1')],
      runningPods: [k8sId(C, 'app', 'Pod', 'api-123')],
    });
    expect(k1.ageDays).toBe(Math.floor((Date.parse(doc.meta.asOf) - Date.parse('2026-01-01T00:00:00Z')) / 86_400_000));
    expect(k2).toMatchObject({ validity: 'disabled', holderSecrets: [], consumers: [], runningPods: [] });
    expect(k9).toMatchObject({ missing: true, validity: 'missing', holderSecrets: [secret('stale-key')], serviceAccount: null });

    const rows = csv(await run({ what: 'keys', format: 'csv' }));
    expect(rows.map((r) => r.id)).toEqual(ids);
    expect(rows[0]).toMatchObject({ service_account: SA_EMAIL, validity: 'valid', running_pod_count: '1', holder_secrets: secret('gsa-key'), last_use_covered: 'true' });
    expect(rows[0]!.consumers!.split(' ')).toHaveLength(3);
  });

  it('filters: project, holder cluster, holder namespace', async () => {
    const ids = async (input: ExportInput) => ndjson(await run({ what: 'keys', format: 'ndjson', ...input })).slice(1).map((k) => k.keyId);
    expect(await ids({ realm: 'proj' })).toEqual(['k1', 'k2', 'k9']);
    expect(await ids({ realm: C })).toEqual(['k1', 'k9']);
    expect(await ids({ namespace: 'app' })).toEqual(['k1', 'k9']);
    expect(await ids({ namespace: 'kube-system' })).toEqual([]);
  });

  it('GraphML draws keys as nodes with one attribute per column', async () => {
    const text = await run({ what: 'keys', format: 'graphml' });
    expect(XMLValidator.validate(text)).toBe(true);
    const g = new XMLParser({ ignoreAttributes: false, isArray: (n) => n === 'node' }).parse(text).graphml.graph;
    expect(g.node).toHaveLength(3);
  });
});

describe('requests', () => {
  it('rejects unknown what, format, kind, filters and bad times with clear messages', async () => {
    expect(() => checkExportInput({ what: 'secrets' })).toThrow(/unknown export "secrets": use one of nodes, edges, findings, keys, access/);
    expect(() => checkExportInput({ what: 'nodes', format: 'xlsx' })).toThrow(/unknown format "xlsx"/);
    expect(() => checkExportInput({ what: 'nodes', kind: 'Secretz' })).toThrow(/unknown node kind "Secretz"/);
    expect(() => checkExportInput({ what: 'edges', kind: 'Secret' })).toThrow(/unknown edge kind/);
    expect(() => checkExportInput({ what: 'keys', kind: 'Secret' })).toThrow(/no kind filter/);
    expect(() => checkExportInput({ what: 'nodes', namespace: 'a/b' })).toThrow(/namespace must be a name/);
    await expect(parseExportRequest(t, { what: 'nodes', asOf: 'Dec 1' })).rejects.toThrow(ExportRequestError);
    await expect(parseExportRequest(t, { what: 'nodes', asOf: '2026-13-45T99:00:00Z' })).rejects.toThrow(/not a time/);
    await expect(parseExportRequest(t, { what: 'nodes', asOf: '2999-01-01' })).rejects.toThrow(/in the future/);
    await expect(parseExportRequest(t, { what: 'nodes', asOf: 'run:999999' })).rejects.toThrow(/no run 999999/);
    expect(exportFilename({ what: 'keys', format: 'ndjson', asOf: new Date('2026-11-21T10:15:00.123Z') })).toBe('keygraph-keys-20261121T101500Z.ndjson');
  });

  it('writeExport honours a slow writable and reports the row count', async () => {
    const req = await parseExportRequest(t, { what: 'edges', format: 'ndjson' });
    let text = '';
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk, _enc, cb) {
        text += chunk.toString();
        setTimeout(cb, 1);
      },
    });
    const { rows } = await writeExport(t, req, slow, { chunkSize: 64 });
    expect(text.trim().split('\n')).toHaveLength(rows + 1);
  });

  it('cancelling a web stream stops the query and frees the connection', async () => {
    const req = await parseExportRequest(t, { what: 'nodes', format: 'csv' });
    const before = t.pool.totalCount;
    const body = await exportWebStream(t, req, { batchSize: 2, chunkSize: 16 });
    const reader = body.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^# keygraph export: nodes/);
    await reader.read();
    await reader.cancel();
    await new Promise((r) => setTimeout(r, 100));
    expect(t.pool.totalCount).toBeLessThanOrEqual(before);
    const active = await t.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`);
    expect(active.rows[0].n).toBe(0);
  });
});
