/**
 * /metrics on the shipped demo (cluster and GCP days) in a real PostgreSQL: values against the findings API and the
 * stored runs, request durations by route template through the custom server's request listener (with a stand-in
 * for Next's handler: no build needed), no object names or node ids in labels, the cache, a database that does not
 * answer, the loopback metrics listener, and the gate in front of the route (401 without a token when sign-in is on).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { NextRequest } from 'next/server';
import { createTestDatabase, type TestDatabase } from '../test/db';
import { loadDemo } from '../test/demo';
import { handleFindings } from './api/handlers';
import { loadConfig } from './config';
import { closeDatabase, openDatabase } from './db';
import { createAuthRuntime } from './auth/context';
import { gate } from './auth/gate';
import { createApiToken } from './auth/tokens';
import { createMetrics, METRICS_CONTENT_TYPE, routeMatcher, startMetricsServer, UNMATCHED_ROUTE, type Metrics } from './metrics';
import { requestListener } from './server';
import { of, parse, type Sample } from '../test/prometheus';

const APP_DIR = path.resolve(import.meta.dirname, '..', 'app');

describe('/metrics on the demo', () => {
  let t: TestDatabase;
  let m: Metrics;
  let text: string;
  let samples: Sample[];

  beforeAll(async () => {
    t = await createTestDatabase();
    await loadDemo(t, { gcp: true });
    m = createMetrics({ database: () => t });
    text = await m.render();
    samples = parse(text);
  });
  afterAll(async () => t?.drop());

  it('counts findings by rule and severity exactly as the findings API lists them', async () => {
    const listed = new Map<string, number>();
    for (let offset = 0; ; offset += 500) {
      const r = (await (await handleFindings(t, new URL(`http://x/api/v1/findings?limit=500&offset=${offset}`))).json()) as {
        total: number;
        findings: { rule: string; severity: string }[];
      };
      for (const f of r.findings) listed.set(`${f.rule} ${f.severity}`, (listed.get(`${f.rule} ${f.severity}`) ?? 0) + 1);
      if (offset + 500 >= r.total) break;
    }
    const scraped = new Map(of(samples, 'keygraph_findings').map((s) => [`${s.labels.rule} ${s.labels.severity}`, s.value]));
    expect(listed.size).toBeGreaterThan(3);
    expect(scraped).toEqual(listed);
    const computed = of(samples, 'keygraph_findings_computed_timestamp_seconds');
    expect(computed).toHaveLength(1);
    const snap = await t.prisma.findingsSnapshot.findFirstOrThrow({ orderBy: { id: 'desc' } });
    expect(computed[0]!.value).toBe(snap.computedAt.getTime() / 1000);
  });

  it('gives each source and scope its newest committed run: finish time, duration, status, kinds not listed completely', async () => {
    const runs = await t.prisma.run.findMany({ orderBy: { id: 'asc' } });
    const scopes = [...new Set(runs.map((r) => `${r.source} ${r.scope}`))];
    expect(scopes.length).toBeGreaterThanOrEqual(2);
    const last = of(samples, 'keygraph_last_successful_run_timestamp_seconds');
    expect(last.map((s) => `${s.labels.source} ${s.labels.scope}`).sort()).toEqual(scopes.sort());
    for (const key of scopes) {
      const [source, scope] = key.split(' ');
      const newest = runs.filter((r) => r.source === source && r.scope === scope && r.committedAt).at(-1)!;
      const at = last.find((s) => s.labels.source === source && s.labels.scope === scope)!;
      expect(at.value).toBe(newest.finishedAt!.getTime() / 1000);
      const duration = of(samples, 'keygraph_last_run_duration_seconds').find((s) => s.labels.source === source && s.labels.scope === scope)!;
      expect(duration.value).toBeCloseTo((newest.finishedAt!.getTime() - newest.startedAt.getTime()) / 1000, 6);
      const status = of(samples, 'keygraph_last_run_status').filter((s) => s.labels.source === source && s.labels.scope === scope);
      expect(status.map((s) => s.labels.status).sort()).toEqual(['failed', 'partial', 'succeeded']);
      expect(status.find((s) => s.value === 1)!.labels.status).toBe(newest.status);
      const coverage = newest.coverage as Record<string, { complete?: boolean }>;
      const incomplete = Object.values(coverage).filter((c) => c.complete !== true).length;
      expect(of(samples, 'keygraph_incomplete_kinds').find((s) => s.labels.source === source && s.labels.scope === scope)!.value).toBe(incomplete);
      const kinds = of(samples, 'keygraph_kind_complete').filter((s) => s.labels.source === source && s.labels.scope === scope);
      expect(Object.fromEntries(kinds.map((s) => [s.labels.kind, s.value]))).toEqual(
        Object.fromEntries(Object.entries(coverage).map(([k, c]) => [k, c.complete === true ? 1 : 0])),
      );
    }
    expect(of(samples, 'keygraph_inventory_up')[0]!.value).toBe(1);
  });

  it('has the default process metrics', () => {
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']) {
      expect(of(samples, name).length, name).toBeGreaterThan(0);
    }
  });

  it('records request durations by route template, never the raw path, through the server listener', async () => {
    const nodeId = (await t.pool.query<{ node_id: string }>(`SELECT node_id FROM node_versions WHERE kind = 'Secret' LIMIT 1`)).rows[0]!.node_id;
    const inFlight = new Set<Promise<void>>();
    const server = http.createServer(
      requestListener({
        // Stands in for Next.js: answers every path.
        handle: async (req, res) => {
          res.writeHead(req.url?.startsWith('/nothing') ? 404 : 200, { 'Content-Type': 'text/plain' }).end('ok');
        },
        readiness: { up: async () => true },
        trustProxy: false,
        route: routeMatcher(APP_DIR).match,
        metrics: m,
        inFlight,
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      for (const p of [
        `/node?id=${encodeURIComponent(nodeId)}`,
        `/runs/3`,
        `/api/v1/nodes/${nodeId.split('/').map(encodeURIComponent).join('/')}`,
        `/api/v1/impact?id=${encodeURIComponent(nodeId)}`,
        `/nothing/${encodeURIComponent(nodeId)}`,
      ]) {
        expect((await fetch(base + p)).status).toBeLessThan(500);
      }
      await new Promise((r) => setTimeout(r, 50)); // 'close' follows the end of the response
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    const after = parse(await m.render());
    const counts = of(after, 'keygraph_http_request_duration_seconds_count');
    const count = (route: string, status = '200') => counts.find((s) => s.labels.route === route && s.labels.method === 'GET' && s.labels.status === status)?.value;
    expect(count('/node')).toBe(1);
    expect(count('/runs/[id]')).toBe(1);
    expect(count('/api/v1/nodes/[...id]')).toBe(1);
    expect(count('/api/v1/impact')).toBe(1);
    expect(count(UNMATCHED_ROUTE, '404')).toBe(1);
    const sums = of(after, 'keygraph_http_request_duration_seconds_sum').find((s) => s.labels.route === '/node')!;
    expect(sums.value).toBeGreaterThan(0);
    expect(sums.value).toBeLessThan(10);
    expect(new Set(counts.map((s) => s.labels.route))).toEqual(new Set(['/node', '/runs/[id]', '/api/v1/nodes/[...id]', '/api/v1/impact', UNMATCHED_ROUTE]));
    samples = after;
  });

  it('puts no node id or object name of the demo in any label', async () => {
    const nodes = (await t.pool.query<{ node_id: string; name: string; namespace: string | null }>(`SELECT DISTINCT node_id, name, namespace FROM node_versions`)).rows;
    expect(nodes.length).toBeGreaterThan(50);
    const scopes = new Set((await t.pool.query<{ scope: string }>(`SELECT DISTINCT scope FROM runs`)).rows.map((r) => r.scope));
    const values = new Set(samples.flatMap((s) => Object.values(s.labels)));
    for (const v of values) {
      for (const n of nodes) {
        expect(v.includes(n.node_id), `label value ${v} holds node id ${n.node_id}`).toBe(false);
        // Cluster and project names are the scope label's job; everything else must not be an object's name.
        if (!scopes.has(v)) expect(v === n.name || v === n.namespace, `label value ${v} is the name of ${n.node_id}`).toBe(false);
      }
    }
  });

  it('reads the database at most once per cache period, whatever the scrape rate', async () => {
    let reads = 0;
    const cached = createMetrics({ database: () => (reads++, t), defaultMetrics: false });
    await cached.render();
    await cached.render();
    await Promise.all([cached.render(), cached.render()]);
    expect(reads).toBe(1);
    const uncached = createMetrics({ database: () => (reads++, t), defaultMetrics: false, cacheMs: 0 });
    await uncached.render();
    await uncached.render();
    expect(reads).toBe(3);
  });

  it('still answers when the database does not: process metrics, keygraph_inventory_up 0', async () => {
    const down = openDatabase('postgres://nobody:x@127.0.0.1:1/none');
    try {
      const r = parse(await createMetrics({ database: () => down }).render());
      expect(of(r, 'keygraph_inventory_up')[0]!.value).toBe(0);
      expect(of(r, 'keygraph_findings')).toEqual([]);
      expect(of(r, 'process_resident_memory_bytes').length).toBe(1);
    } finally {
      await closeDatabase(down);
    }
  });

  it('serves /metrics on a loopback-only listener (serve --metrics-port), 404 elsewhere', async () => {
    const s = await startMetricsServer(0, m);
    try {
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const r = await fetch(s.url);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe(METRICS_CONTENT_TYPE);
      expect(of(parse(await r.text()), 'keygraph_findings').length).toBeGreaterThan(0);
      expect((await fetch(s.url.replace('/metrics', '/'))).status).toBe(404);
      expect((await fetch(s.url, { method: 'POST' })).status).toBe(404);
    } finally {
      await s.close();
    }
  });

  it('gate: 401 without a token when sign-in is on, the exposition with a viewer token; loopback only without sign-in', async () => {
    const ORIGIN = 'http://127.0.0.1:3211';
    const config = loadConfig({
      KEYGRAPH_OIDC_ISSUER: 'http://127.0.0.1:4999',
      KEYGRAPH_OIDC_CLIENT_ID: 'kg',
      KEYGRAPH_OIDC_CLIENT_SECRET: 'secret-secret',
      KEYGRAPH_PUBLIC_URL: ORIGIN,
      KEYGRAPH_ALLOWED_DOMAINS: 'example.com',
      KEYGRAPH_SESSION_SECRET: 'k'.repeat(48),
      KEYGRAPH_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'kg-metrics-')),
    });
    const rt = createAuthRuntime(config, () => t);
    const req = (headers: Record<string, string> = {}, host = '127.0.0.1:3211') =>
      new NextRequest(new URL('/metrics', `http://${host}`), { headers: { host, ...headers } });
    const refused = await gate(req(), rt);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect((await gate(req({ authorization: 'Bearer kg_wrong' }), rt)).status).toBe(401);
    const { token } = await createApiToken(t, { name: 'prometheus', role: 'viewer', expiresInMs: 3600_000, createdBy: 'test' });
    const ok = await gate(req({ authorization: `Bearer ${token}` }), rt);
    expect(ok.headers.get('x-middleware-next')).toBe('1');

    // What Next.js runs once the gate lets the request through: the route, on the process-wide database.
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = t.url;
    try {
      const { GET } = await import('../app/metrics/route');
      const r = await GET();
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe(METRICS_CONTENT_TYPE);
      const body = parse(await r.text());
      expect(of(body, 'keygraph_findings')).toEqual(of(samples, 'keygraph_findings'));
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }

    const local = createAuthRuntime(loadConfig({ KEYGRAPH_DATA_DIR: config.dataDir }), () => t);
    expect((await gate(req({}, '127.0.0.1:3000'), local)).headers.get('x-middleware-next')).toBe('1');
    expect((await gate(req({}, 'evil.example.com'), local)).status).toBe(403);
  });
});

describe('/metrics with a partial and a failed run', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it('counts the kinds a partial run did not list; a later failed run is the last run but not the last successful one', async () => {
    const at = (s: string) => new Date(`2026-12-01T10:00:${s}Z`);
    await t.prisma.run.create({
      data: {
        source: 'k8s', scope: 'prod-eu', provider: 'k8s', status: 'partial', startedAt: at('00'), finishedAt: at('07.5'), committedAt: at('07.5'),
        coverage: { 'k8s:Secret': { complete: false, count: 0, error: 'forbidden' }, 'k8s:Pod': { complete: true, count: 3 }, 'k8s:ConfigMap': { complete: false, count: 1, namespaces: ['a'] } },
      },
    });
    await t.prisma.run.create({ data: { source: 'k8s', scope: 'prod-eu', provider: 'k8s', status: 'failed', startedAt: at('20'), finishedAt: at('22') } });
    await t.prisma.run.create({ data: { source: 'k8s', scope: 'prod-eu', provider: 'k8s', status: 'running', startedAt: at('30') } });
    const r = parse(await createMetrics({ database: () => t, defaultMetrics: false }).render());
    const labels = { source: 'k8s', scope: 'prod-eu' };
    expect(of(r, 'keygraph_last_successful_run_timestamp_seconds')).toEqual([{ name: 'keygraph_last_successful_run_timestamp_seconds', labels, value: at('07.5').getTime() / 1000 }]);
    expect(of(r, 'keygraph_last_run_duration_seconds')).toEqual([{ name: 'keygraph_last_run_duration_seconds', labels, value: 2 }]);
    expect(of(r, 'keygraph_last_run_status').filter((s) => s.value === 1).map((s) => s.labels.status)).toEqual(['failed']);
    expect(of(r, 'keygraph_incomplete_kinds')).toEqual([{ name: 'keygraph_incomplete_kinds', labels, value: 2 }]);
    expect(Object.fromEntries(of(r, 'keygraph_kind_complete').map((s) => [s.labels.kind, s.value]))).toEqual({ 'k8s:ConfigMap': 0, 'k8s:Pod': 1, 'k8s:Secret': 0 });
    expect(of(r, 'keygraph_findings')).toEqual([]);
  });
});

describe('route templates', () => {
  const r = routeMatcher(APP_DIR);

  it('lists the app routes with their dynamic segments', () => {
    for (const tpl of ['/', '/node', '/runs', '/runs/[id]', '/api/v1/nodes/[...id]', '/api/v1/tokens/[id]', '/api/v1/impact', '/metrics', '/healthz', '/icon.svg']) {
      expect(r.templates, tpl).toContain(tpl);
    }
    expect(r.templates.some((x) => x.includes('('))).toBe(false);
  });

  it('maps paths to templates; unknown paths to one label', () => {
    expect(r.match('/')).toBe('/');
    expect(r.match('/runs')).toBe('/runs');
    expect(r.match('/runs/')).toBe('/runs');
    expect(r.match('/runs/42')).toBe('/runs/[id]');
    expect(r.match('/runs/42/x')).toBe(UNMATCHED_ROUTE);
    expect(r.match('/api/v1/nodes')).toBe('/api/v1/nodes');
    expect(r.match('/api/v1/nodes/k8s:demo/ota/Secret/a')).toBe('/api/v1/nodes/[...id]');
    expect(r.match('/api/v1/tokens/7')).toBe('/api/v1/tokens/[id]');
    expect(r.match('/api/v1/openapi.json')).toBe('/api/v1/openapi.json');
    expect(r.match('/_next/static/chunks/app.js')).toBe('/_next/static');
    expect(r.match('/_next/image')).toBe('/_next');
    expect(r.match('/wp-admin/setup.php')).toBe(UNMATCHED_ROUTE);
    expect(r.match('/%E0%A4%A')).toBe(UNMATCHED_ROUTE);
  });
});
