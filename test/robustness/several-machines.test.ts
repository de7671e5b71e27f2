/**
 * The shape installs grow into (README "Deploy in a cluster"): two `keygraph serve` processes (not workers of one)
 * and collector processes against one PostgreSQL, sharing one fingerprint key. Findings are computed once per
 * committed state whichever server is asked (lib/analysis/cache.ts: the stored snapshot and its advisory lock), both
 * servers answer while a collection runs, and both see its result once it commits. Real CLI processes on the
 * production build (skipped with a note without one).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db';
import { get, killChildren, NO_BUILD, runCli, startCli, startWebApp, webBuildReady, type WebApp } from './support';

const DEMO = path.resolve(import.meta.dirname, '../../lib/demo');
const SECRET = encodeURIComponent('k8s:demo/ota/Secret/ota-db-credentials');

describe('two web servers and a collector on one database', () => {
  let t: TestDatabase;
  let tmp: string;
  let env: Record<string, string>;
  const servers: WebApp[] = [];
  beforeAll(async () => {
    t = await createTestDatabase();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'keygraph-machines-'));
    // What every process of an install shares: the database and the fingerprint key. Each has its own data folder.
    env = { DATABASE_URL: t.url, KEYGRAPH_FINGERPRINT_KEY: 'ab'.repeat(32) };
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    killChildren();
    await t?.drop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const snapshots = async () => (await t.pool.query<{ n: number; max: number | null }>('SELECT count(*)::int AS n, max(id) AS max FROM findings_snapshots')).rows[0]!;
  const findingsOf = async (s: WebApp) => {
    const r = await get(`${s.url}/api/v1/findings`);
    expect(r.status, r.body.slice(0, 300)).toBe(200);
    return (JSON.parse(r.body) as { findings: { id: string; rule: string }[] }).findings;
  };

  it('findings computed once for both servers; both answer during a collection and see what it committed', async (ctx) => {
    if (!(await webBuildReady())) {
      console.warn(NO_BUILD);
      ctx.skip();
      return;
    }
    const collect = (day: string) => ['collect', 'files', path.join(DEMO, day), '--cluster', 'demo', '--complete'];
    const day1 = await runCli(collect('day1'), { ...env, KEYGRAPH_DATA_DIR: path.join(tmp, 'collector') });
    expect(day1.code, day1.stderr).toBe(0);

    servers.push(...(await Promise.all([0, 1].map((i) => startWebApp(t.url, { ...env, KEYGRAPH_DATA_DIR: path.join(tmp, `web-${i}`) })))));
    const [a, b] = servers as [WebApp, WebApp];

    // Asked at the same moment on both servers: one computation, the same answer.
    const [fa, fb] = await Promise.all([findingsOf(a), findingsOf(b)]);
    expect(fa.map((f) => f.id).sort()).toEqual(fb.map((f) => f.id).sort());
    expect(fa.some((f) => f.rule === 'renamed-secret')).toBe(false);
    const first = await snapshots();
    expect(first.n).toBe(1);

    // Day 2 collected by a third process while both servers are asked for pages and impact.
    const collector = startCli(collect('day2'), { ...env, KEYGRAPH_DATA_DIR: path.join(tmp, 'collector') });
    const answers: number[] = [];
    let running = true;
    void collector.done.then(() => (running = false));
    while (running || answers.length < 4) {
      const rs = await Promise.all([a, b].flatMap((s) => [get(`${s.url}/node?id=${SECRET}`), get(`${s.url}/api/v1/impact?id=${SECRET}`)]));
      answers.push(...rs.map((r) => r.status));
    }
    expect((await collector.done).code, collector.stderr()).toBe(0);
    expect(answers.every((s) => s === 200), answers.join(',')).toBe(true);

    // Both see the committed day 2 (the rename), from one new computation.
    const [ga, gb] = await Promise.all([findingsOf(a), findingsOf(b)]);
    expect(ga.some((f) => f.rule === 'renamed-secret')).toBe(true);
    expect(ga.map((f) => f.id).sort()).toEqual(gb.map((f) => f.id).sort());
    const second = await snapshots();
    expect(second.n).toBe(1); // only the latest snapshot is kept
    expect(second.max).toBe(first.max! + 1);
  }, 600_000);
});
