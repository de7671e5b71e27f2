/**
 * One notion of time everywhere (issue 11, item 1): the demo's two days collected as two runs, then the same time
 * specs (run:N, ISO 8601, relative, before the first run, out of range, garbage) through the one resolver, the
 * JSON API handlers, the CLI (`check`, `impact`, `export`, `diff`, `history`), the pages' parseAsOf, and the one SQL
 * time condition in both renderings. Before the fix, `run:1` was read as 2001-01-01 (`check --as-of run:1` exited 0
 * with "0 finding(s)"), a time before the first run answered an all-clear, and `-271821-04-20T00:00:00Z` was a 500.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Prisma } from '../../lib/generated/prisma/client';
import { useCliDatabase, runCli } from '../cli';
import { collectFilesInto } from '../../lib/cli/collect';
import { computeFindings, type Finding } from '../../lib/analysis/findings';
import { handleFindings, handleImpact, handleNode, handleSearch } from '../../lib/api/handlers';
import * as S from '../../lib/api/schemas';
import { k8sId } from '../../lib/graph/ids';
import { createFingerprinter } from '../../lib/secrets/fingerprint';
import { dataBegins, getNodeHistory, noDataAt, resolveTime, TimeSpecError } from '../../lib/store/history';
import { live, livePg } from '../../lib/store/time-sql';
import { parseExportRequest } from '../../lib/export';
import { parseAsOf } from '../../lib/ui/params';

const DEMO = path.resolve(import.meta.dirname, '../../lib/demo');
const OLD = k8sId('demo', 'ota', 'Secret', 'targets-backup-key');
const DEPLOY = k8sId('demo', 'ota', 'Deployment', 'ota-lite-api');
const BEFORE = '2001-01-01T00:00:00Z';
const OUT_OF_RANGE = ['-271821-04-20T00:00:00Z', '275760-09-13T00:00:00Z'];
const GARBAGE = ['Dec 1', 'run:1x', '2026-02-30'];

const state = { runs: [] as { id: number; at: Date }[], day1: [] as Finding[] };
const env = useCliDatabase('keygraph-asof-', async (db) => {
  const rt = { database: db, fingerprint: createFingerprinter(Buffer.alloc(32, 9)) };
  for (const day of ['day1', 'day2']) {
    const [r] = await collectFilesInto(rt, [path.join(DEMO, day)], { cluster: 'demo', namespace: 'default', quiet: true });
    const run = await db.prisma.run.findUniqueOrThrow({ where: { id: r!.summary.runId } });
    state.runs.push({ id: run.id, at: run.committedAt! });
    // The findings as they were when run 1 had just committed (before run 2 existed).
    if (day === 'day1') state.day1 = (await computeFindings(db)).findings;
  }
});
const run = (i: number) => state.runs[i]!;
const u = (p: string, q: Record<string, string>) => new URL(`${p}?${new URLSearchParams(q)}`, 'http://localhost');
const call = async (p: Promise<Response>) => {
  const r = await p;
  return { status: r.status, body: await r.json() };
};
const summary = (list: Finding[]) => list.map((f) => `${f.id} ${f.severity}`).sort();

describe('the one resolver on a real database', () => {
  it('resolves ISO, run:N and relative forms; refuses garbage, out of range, the future and unknown runs', async () => {
    const t = env.db;
    expect(await resolveTime(t, `run:${run(0).id}`)).toEqual(run(0).at);
    expect((await resolveTime(t, '2026-11-20T10:00:00+01:00')).toISOString()).toBe('2026-11-20T09:00:00.000Z');
    const now = new Date();
    expect(Math.abs((await resolveTime(t, '24h', { now })).getTime() - (now.getTime() - 86_400_000))).toBe(0);
    for (const bad of [...GARBAGE, ...OUT_OF_RANGE, 'run:999999', '2999-01-01']) {
      await expect(resolveTime(t, bad), bad).rejects.toBeInstanceOf(TimeSpecError);
    }
    await expect(resolveTime(t, 'Dec 1')).rejects.toThrow(/ISO 8601.*run:N/);
    await expect(resolveTime(t, 'run:999999')).rejects.toThrow(/no run 999999/);
  });

  it('knows when the data begins: before the first committed run there is no data', async () => {
    expect(await dataBegins(env.db)).toEqual(run(0).at);
    expect(await noDataAt(env.db, new Date(BEFORE))).toBe(true);
    expect(await noDataAt(env.db, new Date(run(0).at.getTime() - 1))).toBe(true);
    expect(await noDataAt(env.db, run(0).at)).toBe(false);
    expect(await noDataAt(env.db)).toBe(false);
  });

  it('pages: parseAsOf with the store resolver gives past, nodata and invalid states', async () => {
    const resolve = (s: string) => resolveTime(env.db, s);
    const opts = { dataBegins: () => dataBegins(env.db) };
    expect(await parseAsOf({ asOf: `run:${run(0).id}` }, resolve, opts)).toEqual({ state: 'past', spec: `run:${run(0).id}`, at: run(0).at });
    expect(await parseAsOf({ asOf: BEFORE }, resolve, opts)).toMatchObject({ state: 'nodata', at: new Date(BEFORE), begins: run(0).at });
    expect(await parseAsOf({ asOf: '24h' }, resolve, opts)).toMatchObject({ state: 'nodata' });
    expect(await parseAsOf({ asOf: 'now' }, resolve, opts)).toEqual({ state: 'now' });
    for (const bad of [...GARBAGE, ...OUT_OF_RANGE]) {
      expect(await parseAsOf({ asOf: bad }, resolve, opts), bad).toMatchObject({ state: 'invalid', spec: bad });
    }
  });
});

describe('the one SQL time condition', () => {
  it('the Prisma and plain-pg renderings select the same rows, also in CREATE TABLE AS (findings)', async () => {
    const t = env.db;
    for (const at of [run(0).at, run(1).at, undefined]) {
      const a = await t.prisma.$queryRaw<{ n: bigint }[]>(Prisma.sql`SELECT count(*) AS n FROM edge_versions v WHERE ${live('v', at)}`);
      const b = await t.pool.query<{ n: string }>(`SELECT count(*) AS n FROM edge_versions v WHERE ${livePg('v', at ? 1 : undefined)}`, at ? [at] : []);
      expect(Number(a[0]!.n)).toBe(Number(b.rows[0]!.n));
      expect(Number(a[0]!.n)).toBeGreaterThan(0);
    }
    const c = await t.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query(`CREATE TEMP TABLE kg_t ON COMMIT DROP AS SELECT v.node_id FROM node_versions v WHERE ${livePg('v', 1)}`, [run(0).at]);
      const n = await c.query(`SELECT count(*)::int AS n FROM kg_t`);
      expect(n.rows[0].n).toBeGreaterThan(0);
      await c.query('ROLLBACK');
    } finally {
      c.release();
    }
    expect(() => livePg('v; DROP TABLE runs', 1)).toThrow(/alias/);
  });
});

describe('history: between which runs a change happened', () => {
  it('each event names the previous run of its source/scope and the run that saw it', async () => {
    const h = await getNodeHistory(env.db, OLD);
    const gone = h!.events.find((e) => e.type === 'disappeared')!;
    expect(gone).toMatchObject({ runId: run(1).id, at: run(1).at, after: { runId: run(0).id, committedAt: run(0).at } });
    const appeared = h!.events.find((e) => e.type === 'appeared')!;
    expect(appeared).toMatchObject({ runId: run(0).id, after: null });
    const cli = await runCli('history', OLD);
    expect(cli.code).toBe(0);
    expect(cli.out).toContain(`disappeared          between run ${run(0).id} (${run(0).at.toISOString()}) and run ${run(1).id} (${run(1).at.toISOString()}) of files/demo`);
    expect(cli.out).toMatch(new RegExp(`appeared +by run ${run(0).id} .*the first run of files/demo`));
  });
});

describe('JSON API: every time form through nodes, search, impact and findings', () => {
  const endpoints = [
    ['nodes', (q: Record<string, string>) => handleNode(env.db, u('/api/v1/nodes', { id: OLD, ...q }))],
    ['search', (q: Record<string, string>) => handleSearch(env.db, u('/api/v1/search', { q: 'targets-backup', ...q }))],
    ['impact', (q: Record<string, string>) => handleImpact(env.db, u('/api/v1/impact', { id: OLD, ...q }))],
    ['findings', (q: Record<string, string>) => handleFindings(env.db, u('/api/v1/findings', q))],
  ] as const;

  it('out of range and garbage are a 400 naming asOf, never a 500', async () => {
    for (const [name, h] of endpoints) {
      for (const bad of [...OUT_OF_RANGE, ...GARBAGE, 'run:999999', '2999-01-01T00:00:00Z']) {
        const r = await call(h({ asOf: bad }));
        expect(r.status, `${name} ${bad}`).toBe(400);
        expect(r.body.error.code).toBe('invalid_request');
        expect(r.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['asOf']);
        expect(S.ErrorResponse.safeParse(r.body).success).toBe(true);
      }
    }
  });

  it('before the first run: noData, no list and no verdict that reads as an all-clear', async () => {
    for (const [name, h] of endpoints) {
      for (const spec of [BEFORE, '24h']) {
        const r = await call(h({ asOf: spec }));
        expect(r.status, name).toBe(200);
        expect(r.body, name).toMatchObject({ noData: true, dataBegins: run(0).at.toISOString() });
        expect(r.body.findings, name).toBeUndefined();
        expect(r.body.nodes, name).toBeUndefined();
        if (name === 'impact') {
          expect(r.body.verdict).toBe('unknown');
          expect(S.ImpactNoDataResponse.safeParse(r.body).success).toBe(true);
        } else expect(S.NoDataResponse.safeParse(r.body).success, name).toBe(true);
      }
    }
  });

  it('run:N and ISO read the graph as of that run: findings as of run 1 are the findings computed when it committed', async () => {
    const spec = `run:${run(0).id}`;
    const f1 = await call(handleFindings(env.db, u('/api/v1/findings', { asOf: spec })));
    expect(f1.status).toBe(200);
    expect(summary(f1.body.findings)).toEqual(summary(state.day1));
    expect(f1.body.findings.length).toBeGreaterThan(0);
    const iso = await call(handleFindings(env.db, u('/api/v1/findings', { asOf: run(0).at.toISOString() })));
    expect(summary(iso.body.findings)).toEqual(summary(state.day1));
    // On day 1 the Secret existed; on day 2 it is gone and its user dangles.
    const n1 = await call(handleNode(env.db, u('/api/v1/nodes', { id: OLD, asOf: spec })));
    expect(n1.body.node.missing).toBe(false);
    const n2 = await call(handleNode(env.db, u('/api/v1/nodes', { id: OLD, asOf: `run:${run(1).id}` })));
    expect(n2.body.node.missing).toBe(true);
    const i2 = await call(handleImpact(env.db, u('/api/v1/impact', { id: OLD, asOf: `RUN:${run(1).id}` })));
    expect(i2.body.verdict).toBe('breaks');
    const now = await call(handleSearch(env.db, u('/api/v1/search', { q: 'targets-backup', asOf: 'now' })));
    expect(now.body.nodes.length).toBeGreaterThan(0);
  });
});

describe('GET /api/v1/export: the same forms, the same 400, noData in the meta', () => {
  const get = async (q: Record<string, string>) => {
    const { GET } = await import('../../app/api/v1/export/route');
    return GET(new Request(`http://127.0.0.1/api/v1/export?${new URLSearchParams({ what: 'nodes', format: 'json', ...q })}`));
  };
  it('answers run:N, refuses garbage and out of range with the API error shape, says noData before the first run', async () => {
    const r1 = await get({ asOf: `run:${run(0).id}` });
    expect(r1.status).toBe(200);
    expect((await r1.json()).meta).toMatchObject({ asOf: run(0).at.toISOString(), noData: false });
    for (const bad of [...GARBAGE, ...OUT_OF_RANGE, 'run:999999']) {
      const r = await get({ asOf: bad });
      expect(r.status, bad).toBe(400);
      const body = await r.json();
      expect(body.error).toMatchObject({ code: 'invalid_request', issues: [{ path: 'asOf' }] });
      expect(body.error.message).toMatch(/^asOf: /);
    }
    const none = await (await get({ asOf: BEFORE })).json();
    expect(none.meta).toMatchObject({ noData: true });
    expect(none.items).toEqual([]);
  });
});

describe('CLI: check, impact, export, diff', () => {
  it('check --as-of run:1 gives the findings of run 1 (not 0), run:2 those of now', async () => {
    const r1 = await runCli('check', '--as-of', `run:${run(0).id}`, '--json', '--fail-on', 'info');
    const b1 = JSON.parse(r1.out);
    expect(b1.asOf).toBe(run(0).at.toISOString());
    expect(summary(b1.findings)).toEqual(summary(state.day1));
    expect(b1.findings.length).toBeGreaterThan(0);
    expect(r1.code).toBe(2);
    const r2 = await runCli('check', '--as-of', `run:${run(1).id}`, '--json');
    expect(summary(JSON.parse(r2.out).findings)).toEqual(summary((await computeFindings(env.db)).findings));
    expect(r2.code).toBe(2); // the time bomb of day 2
  });

  it('check and impact: exit 3 with a clear message before the first run; exit 1 for garbage and out of range', async () => {
    for (const cmd of [['check'], ['impact', OLD]]) {
      const r = await runCli(...cmd, '--as-of', BEFORE);
      expect(r.code, cmd[0]).toBe(3);
      expect(r.err).toMatch(/no data at 2001-01-01T00:00:00.000Z: the first collection committed at/);
      expect(r.out).not.toMatch(/0 finding|SAFE/);
      const j = await runCli(...cmd, '--as-of', BEFORE, '--json');
      expect(j.code).toBe(3);
      expect(JSON.parse(j.out)).toMatchObject({ noData: true, dataBegins: run(0).at.toISOString() });
      for (const bad of [...GARBAGE, ...OUT_OF_RANGE, 'run:999999']) {
        const b = await runCli(...cmd, '--as-of', bad);
        expect(b.code, `${cmd[0]} ${bad}`).toBe(1);
        expect(b.err).toMatch(/--as-of: /);
      }
    }
    expect((await runCli('check', '--as-of', 'Dec 1')).err).toMatch(/ISO 8601.*run:N.*24h/);
  });

  it('impact --as-of run:N answers as of that run', async () => {
    const r1 = await runCli('impact', OLD, '--as-of', `run:${run(0).id}`, '--json');
    expect(JSON.parse(r1.out).affected.map((a: { node: { id: string } }) => a.node.id)).toContain(DEPLOY);
    const r2 = await runCli('impact', OLD, '--as-of', `run:${run(1).id}`);
    expect(r2.code).toBe(2);
  });

  it('export and diff take the same forms; an export before the first run says noData', async () => {
    const req = await parseExportRequest(env.db, { what: 'nodes', format: 'json', asOf: `run:${run(0).id}` });
    expect(req.asOf).toEqual(run(0).at);
    await expect(parseExportRequest(env.db, { what: 'nodes', asOf: OUT_OF_RANGE[0] })).rejects.toThrow(/--as-of: .*out of range/);
    const e = await runCli('export', '--what', 'nodes', '--format', 'json', '--as-of', BEFORE);
    expect(e.code).toBe(0);
    const body = JSON.parse(e.out);
    expect(body.meta).toMatchObject({ noData: true, asOf: '2001-01-01T00:00:00.000Z' });
    expect(body.items).toEqual([]);
    expect(e.err).toMatch(/no data at/);
    const now = JSON.parse((await runCli('export', '--what', 'nodes', '--format', 'json')).out);
    expect(now.meta.noData).toBe(false);
    expect((await runCli('export', '--what', 'nodes', '--as-of', 'Dec 1')).code).toBe(1);
    const d = await runCli('diff', '--from', `run:${run(0).id}`, '--to', `run:${run(1).id}`, '--json');
    expect(d.code).toBe(0);
    expect(JSON.parse(d.out).renamedSecrets.map((r: { from: string }) => r.from)).toContain(OLD);
    const bad = await runCli('diff', '--from', 'Dec 1');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--from: not a time/);
  });
});
