/**
 * /metrics of the real app (`keygraph serve` on the production build, against the demo in a real PostgreSQL):
 * request durations by route template after a node page, findings counts against the findings API, run times against
 * the stored runs, no node id in any label; and with sign-in on, 401 without a token and the exposition with one.
 * Needs the production build (skipped with a note without one: `npm run build`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../test/db';
import { loadDemo } from '../test/demo';
import { of, parse } from '../test/prometheus';
import { freePort, killChildren, NO_BUILD, startCli, startWebApp, webBuildReady, type WebApp } from '../test/robustness/support';
import { createApiToken } from './auth/tokens';

describe('/metrics of the running app', () => {
  let t: TestDatabase;
  let ready = false;
  const apps: WebApp[] = [];

  beforeAll(async () => {
    ready = await webBuildReady();
    if (!ready) return;
    t = await createTestDatabase();
    await loadDemo(t, { gcp: true });
  }, 240_000);
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    killChildren();
    await t?.drop();
  });

  it('without sign-in: durations by route template after a node page, findings as the API lists them, the stored run times', async (ctx) => {
    if (!ready) {
      console.warn(NO_BUILD);
      ctx.skip();
      return;
    }
    const web = await startWebApp(t.url, { KEYGRAPH_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'kg-metrics-web-')) });
    apps.push(web);
    const nodeId = 'k8s:demo/ota/Secret/ota-db-credentials';
    // Each body read to its end: a duration is recorded once the response has ended.
    for (const p of [`/node?id=${encodeURIComponent(nodeId)}`, `/api/v1/impact?id=${encodeURIComponent(nodeId)}`, `/api/v1/nodes/${nodeId.split('/').map(encodeURIComponent).join('/')}`]) {
      const res = await fetch(web.url + p);
      await res.text();
      expect(res.status, p).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 100));

    const r = await fetch(`${web.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parse(await r.text());
    const counts = of(samples, 'keygraph_http_request_duration_seconds_count');
    const count = (route: string) => counts.filter((s) => s.labels.route === route && s.labels.status === '200').reduce((a, s) => a + s.value, 0);
    expect(count('/node')).toBe(1);
    expect(count('/api/v1/impact')).toBe(1);
    expect(count('/api/v1/nodes/[...id]')).toBe(1);
    for (const s of samples) for (const v of Object.values(s.labels)) expect(v.includes('ota-db-credentials'), `${s.name} ${v}`).toBe(false);

    const api = (await (await fetch(`${web.url}/api/v1/findings?limit=500`)).json()) as { total: number; findings: { rule: string; severity: string }[] };
    expect(api.total).toBe(api.findings.length);
    const listed = new Map<string, number>();
    for (const f of api.findings) listed.set(`${f.rule} ${f.severity}`, (listed.get(`${f.rule} ${f.severity}`) ?? 0) + 1);
    expect(new Map(of(samples, 'keygraph_findings').map((s) => [`${s.labels.rule} ${s.labels.severity}`, s.value]))).toEqual(listed);

    const run = await t.prisma.run.findFirstOrThrow({ where: { scope: 'demo', committedAt: { not: null } }, orderBy: { committedAt: 'desc' } });
    const last = of(samples, 'keygraph_last_successful_run_timestamp_seconds').find((s) => s.labels.scope === 'demo')!;
    expect(last.value).toBe(run.finishedAt!.getTime() / 1000);
    expect(of(samples, 'process_resident_memory_bytes')).toHaveLength(1);
  });

  it('with sign-in on: 401 without a token (not a redirect), 200 with a viewer token', async (ctx) => {
    if (!ready) {
      console.warn(NO_BUILD);
      ctx.skip();
      return;
    }
    const web = await startWebApp(t.url, {
      KEYGRAPH_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'kg-metrics-web-auth-')),
      KEYGRAPH_OIDC_ISSUER: 'http://127.0.0.1:9',
      KEYGRAPH_OIDC_CLIENT_ID: 'kg',
      KEYGRAPH_OIDC_CLIENT_SECRET: 'secret-secret',
      KEYGRAPH_PUBLIC_URL: 'http://127.0.0.1:3999',
      KEYGRAPH_ALLOWED_DOMAINS: 'example.com',
      KEYGRAPH_SESSION_SECRET: 'k'.repeat(48),
    });
    apps.push(web);
    const refused = await fetch(`${web.url}/metrics`, { redirect: 'manual' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await fetch(`${web.url}/metrics`, { headers: { Authorization: 'Bearer kg_notatoken' } })).status).toBe(401);
    const { token } = await createApiToken(t, { name: 'prometheus', role: 'viewer', expiresInMs: 3600_000, createdBy: 'test' });
    const ok = await fetch(`${web.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    const body = await ok.text();
    expect(body).not.toContain(token);
    expect(of(parse(body), 'keygraph_findings').length).toBeGreaterThan(3);
    // The refused scrapes are recorded too, under the route template.
    expect(of(parse(body), 'keygraph_http_request_duration_seconds_count').some((s) => s.labels.route === '/metrics' && s.labels.status === '401')).toBe(true);
  });

  it('serve --workers 2 --metrics-port: the loopback listener and every worker give the workers\' requests summed', async (ctx) => {
    if (!ready) {
      console.warn(NO_BUILD);
      ctx.skip();
      return;
    }
    const [port, metricsPort] = [await freePort(), await freePort()];
    const p = startCli(['serve', '--port', String(port), '--workers', '2', '--metrics-port', String(metricsPort)], {
      DATABASE_URL: t.url,
      KEYGRAPH_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'kg-metrics-workers-')),
    });
    try {
      const deadline = Date.now() + 180_000;
      while (!p.stdout().includes(`metrics (no authentication, loopback only): http://127.0.0.1:${metricsPort}/metrics`)) {
        if (p.child.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start: ${p.stderr().slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      // Fresh connections, spread over both workers.
      for (let i = 0; i < 6; i++) {
        const r = await fetch(`http://127.0.0.1:${port}/runs/${(i % 4) + 1}`, { headers: { connection: 'close' } });
        await r.text();
        expect(r.status).toBe(200);
      }
      await new Promise((r) => setTimeout(r, 100));
      const count = (text: string) =>
        of(parse(text), 'keygraph_http_request_duration_seconds_count')
          .filter((s) => s.labels.route === '/runs/[id]')
          .reduce((a, s) => a + s.value, 0);
      const direct = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(direct.status).toBe(200);
      const directText = await direct.text();
      expect(count(directText)).toBe(6);
      expect(of(parse(directText), 'keygraph_findings').length).toBeGreaterThan(3);
      for (let i = 0; i < 3; i++) {
        const viaWorker = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { connection: 'close' } });
        expect(viaWorker.status).toBe(200);
        expect(count(await viaWorker.text())).toBe(6);
      }
      expect((await fetch(`http://127.0.0.1:${metricsPort}/node`)).status).toBe(404);
    } finally {
      p.child.kill('SIGTERM');
      await p.done;
    }
  }, 240_000);
});
