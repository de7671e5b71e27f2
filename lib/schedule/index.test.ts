/** The scheduler on a real PostgreSQL: exclusive claims, no overlap, next run times, real child collections. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { openDatabase, closeDatabase, type Database } from '../db';
import { childProcessRunner, claimDue, listScheduledCollections, startScheduler, syncEntries, type RunResult, type Runner } from '.';
import { makeEntry, type ScheduleEntry } from './parse';

let tdb: TestDatabase;
let other: Database;
beforeAll(async () => {
  tdb = await createTestDatabase();
  other = openDatabase(tdb.url); // a second "serve process" on the same database
});
afterAll(async () => {
  await closeDatabase(other);
  await tdb.drop();
});

const entry = (name: string, collect = 'files lib/demo/day1 --cluster demo', every = '15m'): ScheduleEntry => makeEntry({ name, collect, every }, () => undefined);
const makeDue = (name: string) => tdb.pool.query(`UPDATE scheduled_collections SET next_run_at = now() - interval '1 second' WHERE name = $1`, [name]);
const row = async (name: string) => (await listScheduledCollections(tdb)).find((r) => r.name === name)!;
const ok: RunResult = { exitCode: 0, runId: 7, error: null };

describe('claims', () => {
  it('of two schedulers on one database, one claims each due run', async () => {
    const e = entry('exclusive');
    await syncEntries(tdb, [e], { keepOthers: true });
    for (let round = 0; round < 5; round++) {
      await makeDue(e.name);
      const claims = await Promise.all([...Array(6)].map((_, i) => claimDue(i % 2 ? other : tdb, e)));
      expect(claims.filter((c) => c?.outcome === 'started')).toHaveLength(1);
      expect(claims.filter((c) => c === null)).toHaveLength(5);
      await tdb.pool.query(`UPDATE scheduled_collections SET running_since = NULL WHERE name = $1`, [e.name]);
    }
  });

  it('two running schedulers start one run per due time', async () => {
    const e = entry('two-schedulers');
    let runs = 0;
    const runner: Runner = async () => (runs++, ok);
    const a = await startScheduler(tdb, [e], { runner, tickMs: 60_000, keepOthers: true });
    const b = await startScheduler(other, [e], { runner, tickMs: 60_000, keepOthers: true });
    for (let round = 0; round < 3; round++) {
      await makeDue(e.name);
      await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
      await Promise.all([a.idle(), b.idle()]);
    }
    await Promise.all([a.stop(), b.stop()]);
    expect(runs).toBe(3);
    expect((await row(e.name)).lastStatus).toBe('ok');
  });

  it('the next run is the claim time + every ± jitter', async () => {
    const e = entry('jitter', undefined, '10m'); // jitter 1m (10%)
    expect(e.jitterMs).toBe(60_000);
    await syncEntries(tdb, [e], { keepOthers: true });
    for (const [random, offset] of [[0, -60_000], [0.5, 0], [0.999999, 60_000]] as const) {
      await makeDue(e.name);
      await tdb.pool.query(`UPDATE scheduled_collections SET running_since = NULL WHERE name = $1`, [e.name]);
      expect((await claimDue(tdb, e, { random: () => random }))?.outcome).toBe('started');
      const r = await row(e.name);
      expect(Math.abs(r.nextRunAt.getTime() - r.lastStartedAt!.getTime() - (600_000 + offset))).toBeLessThan(5);
    }
  });

  it('a new entry is due within its jitter; a shorter interval brings the next run forward', async () => {
    const e = entry('sync', undefined, '1h');
    const before = Date.now();
    await syncEntries(tdb, [e], { keepOthers: true, random: () => 1 });
    const first = (await row(e.name)).nextRunAt.getTime();
    expect(first - before).toBeGreaterThan(e.jitterMs - 2_000);
    expect(first - before).toBeLessThan(e.jitterMs + 2_000);
    await tdb.pool.query(`UPDATE scheduled_collections SET next_run_at = now() + interval '1 hour' WHERE name = $1`, [e.name]);
    await syncEntries(tdb, [entry('sync', undefined, '5m')], { keepOthers: true });
    expect((await row(e.name)).nextRunAt.getTime() - Date.now()).toBeLessThan(5 * 60_000 + 2_000);
    expect((await row(e.name)).everyMs).toBe(300_000);
  });
});

describe('no overlap', () => {
  it('a due run while the previous one is going is skipped and recorded as skipped', async () => {
    const e = entry('slow');
    let release!: () => void;
    let runs = 0;
    const runner: Runner = () => (runs++, new Promise<RunResult>((r) => (release = () => r(ok))));
    const s = await startScheduler(tdb, [e], { runner, tickMs: 60_000, keepOthers: true });
    await makeDue(e.name);
    await s.tick();
    expect(runs).toBe(1);
    expect((await row(e.name)).running).toBe(true);
    await makeDue(e.name);
    await s.tick(); // this process
    await makeDue(e.name);
    await claimDue(other, e); // another process
    expect(runs).toBe(1);
    let r = await row(e.name);
    expect(r.skippedCount).toBe(2);
    expect(r.lastSkippedAt).not.toBeNull();
    release();
    await s.idle();
    r = await row(e.name);
    expect(r).toMatchObject({ running: false, lastStatus: 'ok', lastExitCode: 0, lastRunId: 7 });
    await s.stop();
  });

  it('a run whose heartbeat stopped (its server died) no longer blocks the entry', async () => {
    const e = entry('stale');
    await syncEntries(tdb, [e], { keepOthers: true });
    await makeDue(e.name);
    expect((await claimDue(tdb, e))?.outcome).toBe('started');
    await tdb.pool.query(`UPDATE scheduled_collections SET heartbeat_at = now() - interval '10 minutes' WHERE name = $1`, [e.name]);
    await makeDue(e.name);
    expect((await claimDue(other, e))?.outcome).toBe('started');
  });

  it('a runner that throws is recorded failed; the timeout stops a run', async () => {
    const e = { ...entry('throws'), timeoutMs: 100 };
    const runner: Runner = (x, signal) =>
      x.name === 'throws' && !signal.aborted
        ? new Promise((resolve) => signal.addEventListener('abort', () => resolve({ exitCode: null, runId: null, error: String((signal.reason as Error).message) })))
        : Promise.reject(new Error('boom'));
    const s = await startScheduler(tdb, [e], { runner, tickMs: 60_000, keepOthers: true });
    await makeDue(e.name);
    await s.tick();
    await s.idle();
    const r = await row(e.name);
    expect(r.lastStatus).toBe('failed');
    expect(r.lastError).toMatch(/timeout/);
    await s.stop();
  });
});

describe('child process runs', () => {
  const root = path.resolve(import.meta.dirname, '../..');

  it('collect files lib/demo/day1 --cluster demo: ok, exit 0, the run it recorded', async () => {
    const e = entry('demo-day1', `files ${path.join(root, 'lib/demo/day1')} --cluster demo`);
    const r = childProcessRunner({ bin: path.join(root, 'bin', 'keygraph.mjs'), env: { ...process.env, DATABASE_URL: tdb.url } });
    const s = await startScheduler(tdb, [e], { runner: r, tickMs: 60_000, keepOthers: true });
    await makeDue(e.name);
    await s.tick();
    await s.idle();
    await s.stop();
    const newest = await tdb.prisma.run.findFirst({ orderBy: { id: 'desc' } });
    expect(newest?.scope).toBe('demo');
    expect(await row(e.name)).toMatchObject({ lastStatus: 'ok', lastExitCode: 0, lastRunId: newest!.id, lastError: null, running: false });
  }, 120_000);

  it('a failing collection: failed, its exit code and error line, no run', async () => {
    const e = entry('missing', `files ${path.join(root, 'no-such-folder')} --cluster demo`);
    const r = childProcessRunner({ bin: path.join(root, 'bin', 'keygraph.mjs'), env: { ...process.env, DATABASE_URL: tdb.url } });
    const s = await startScheduler(tdb, [e], { runner: r, tickMs: 60_000, keepOthers: true });
    await makeDue(e.name);
    await s.tick();
    await s.idle();
    await s.stop();
    const got = await row(e.name);
    expect(got).toMatchObject({ lastStatus: 'failed', lastExitCode: 1, lastRunId: null, running: false });
    expect(got.lastError).toMatch(/no-such-folder/);
  }, 120_000);
});
