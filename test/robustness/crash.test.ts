/**
 * Issue "Reliability and security" part 4: crash consistency and serialisation, with the real CLI as a child
 * process (`node bin/keygraph.mjs collect files BIG.json --cluster c`, DATABASE_URL = a fresh test database).
 *
 * - SIGKILL at random points of a large ingest (~20k objects from bench/generate.ts) leaves node_versions /
 *   edge_versions byte-for-byte as before (md5 of every row, in id order) and every other run untouched; the
 *   killed run stays `running` and the next run of the scope marks it `failed` (abandoned). Half of the kills
 *   land while the run's transaction is open (after its `running` row appeared), half anywhere in the process's life.
 * - Two collections of the same scope started at once are serialised: both succeed, one starts after the other
 *   committed, every row carries exactly its run's commit time, and the final state is exactly the later dump.
 * - The web app (`keygraph serve`, another process) keeps answering /healthz, a node page and search while the
 *   collections run.
 *
 * Sizes: by default (CI) 0.1 of the bench size (≈ 6.6k objects) and 3 kills; KEYGRAPH_ROBUSTNESS_FULL=1 for the
 * issue's figures (0.3 ≈ 20k objects, 5 kills; ~2-4 minutes), or set KEYGRAPH_CRASH_SCALE / KEYGRAPH_CRASH_KILLS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../db';
import { writeClusterDump, DEFAULT_DUMP_OPTIONS } from '../../bench/generate';
import { get, historyChecksum, killChildren, markdownTable, NO_BUILD, runCli, startCli, startWebApp, webBuildReady, type WebApp } from './support';

const FULL = process.env.KEYGRAPH_ROBUSTNESS_FULL === '1';
const SCALE = Number(process.env.KEYGRAPH_CRASH_SCALE ?? (FULL ? 0.3 : 0.1));
const KILLS = Number(process.env.KEYGRAPH_CRASH_KILLS ?? (FULL ? 5 : 3));
const CLUSTER = 'c';

function dumpOptions(seed: number) {
  const d = DEFAULT_DUMP_OPTIONS;
  return {
    secrets: Math.round(d.secrets * SCALE), pods: Math.round(d.pods * SCALE), deployments: Math.round(d.deployments * SCALE),
    serviceAccounts: Math.round(d.serviceAccounts * SCALE), ingresses: Math.round(d.ingresses * SCALE), namespaces: d.namespaces, seed,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('crash consistency and serialisation (CLI child processes)', () => {
  let t: TestDatabase;
  let tmp: string;
  let env: Record<string, string>;
  const dumps: string[] = [];
  let objects = 0;
  let cleanMs = 0;
  const killRows: Record<string, unknown>[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    tmp = mkdtempSync(path.join(tmpdir(), 'keygraph-crash-'));
    env = { DATABASE_URL: t.url, KEYGRAPH_DATA_DIR: path.join(tmp, 'data') };
    for (const seed of [1, 2, 3]) {
      const file = path.join(tmp, `big-${seed}.json`);
      const s = await writeClusterDump(file, dumpOptions(seed));
      objects = s.total;
      dumps.push(file);
    }
  }, 120_000);

  afterAll(async () => {
    killChildren();
    if (killRows.length) {
      console.log(`\nSIGKILL during \`keygraph collect files\` (${objects} objects):`);
      console.table(killRows);
      console.log(markdownTable(killRows));
    }
    await t?.drop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const collect = (file: string) => runCli(['collect', 'files', file, '--cluster', CLUSTER, '--json'], env);
  const runsOf = async () =>
    (await t.pool.query<{ id: number; status: string; started_at: Date; finished_at: Date | null; committed_at: Date | null; errors: unknown }>(
      `SELECT id, status, started_at, finished_at, committed_at, errors FROM runs WHERE source = 'files' AND scope = $1 ORDER BY id`, [CLUSTER],
    )).rows;

  it(`SIGKILL at ${KILLS} random points leaves the history exactly as before; the next run marks the killed run failed`, async () => {
    const t0 = Date.now();
    const first = await collect(dumps[0]!);
    cleanMs = Date.now() - t0;
    expect(first.code, first.stderr).toBe(0);
    const before = await historyChecksum(t.pool);
    expect(before.rows).toBeGreaterThan(objects);

    let baseline = before;
    const runsText = async (except: number[]) =>
      (await t.pool.query<{ t: string }>(`SELECT t::text AS t FROM runs t WHERE NOT (t.id = ANY($1::int[])) ORDER BY id`, [except])).rows.map((r) => r.t);
    let baselineRuns = await runsText([]);
    const baselineRunsExcept = async (ids: number[]) => {
      const skip = new Set(ids.map(String));
      return baselineRuns.filter((row) => !skip.has(row.slice(1, row.indexOf(','))));
    };
    let lastRunId = (await runsOf()).at(-1)!.id;
    const abandoned: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      const inTransaction = i % 2 === 0;
      const started = Date.now();
      const p = startCli(['collect', 'files', dumps[1]!, '--cluster', CLUSTER], env);
      let delay: number;
      let phase: string;
      if (inTransaction) {
        // Wait for this run's `running` row (reading is done, the transaction is about to start or open), then kill
        // at a random point of the expected commit time.
        let runId: number | null = null;
        while (!runId && p.child.exitCode === null) {
          const r = await t.pool.query<{ id: number }>(`SELECT id FROM runs WHERE id > $1 AND status = 'running' ORDER BY id LIMIT 1`, [lastRunId]);
          runId = r.rows[0]?.id ?? null;
          if (!runId) await sleep(25);
        }
        delay = Math.round(Math.random() * cleanMs * 0.3);
        phase = 'in the write transaction';
        await sleep(delay);
      } else {
        delay = Math.round(300 + Math.random() * cleanMs * 0.9);
        phase = 'anywhere';
        await sleep(delay);
      }
      const alive = p.child.exitCode === null;
      if (alive) p.child.kill('SIGKILL');
      const exit = await p.done;
      const mine = (await runsOf()).filter((r) => r.id > lastRunId);
      const committed = mine.some((r) => r.status === 'succeeded' || r.status === 'partial');
      const after = await historyChecksum(t.pool, mine.map((r) => r.id));
      if (committed) {
        // The kill came after COMMIT: the run is complete, which is also consistent. Start again from there.
        baseline = await historyChecksum(t.pool);
        baselineRuns = await runsText([]);
      } else {
        expect(after.nodes, `kill ${i}: node_versions changed`).toBe(baseline.nodes);
        expect(after.edges, `kill ${i}: edge_versions changed`).toBe(baseline.edges);
        // Other runs are untouched, except that the killed process may already have marked the runs abandoned by
        // earlier kills as failed (startRun does that, outside the write transaction, as soon as it holds the lock).
        const now = await runsText([...mine.map((r) => r.id), ...abandoned]);
        expect(now, `kill ${i}: other runs changed`).toEqual(await baselineRunsExcept(abandoned));
        for (const r of (await runsOf()).filter((x) => abandoned.includes(x.id))) {
          expect(r.status === 'running' || (r.status === 'failed' && /abandoned/.test(JSON.stringify(r.errors)))).toBe(true);
        }
        for (const r of mine) {
          expect(r.status).toBe('running');
          abandoned.push(r.id);
        }
      }
      killRows.push({
        kill: i + 1,
        'aimed at': phase,
        'after (ms)': Date.now() - started,
        signal: exit.signal ?? `exited ${exit.code}`,
        'run row': mine.length ? `${mine.map((r) => r.status).join(',')}` : 'none yet (still reading)',
        'history md5': committed ? 'committed before the kill' : 'unchanged',
      });
      if (mine.length) lastRunId = Math.max(...mine.map((r) => r.id));
      baselineRuns = await runsText([]); // the killed run's `running` row stays (until the next run marks it)
    }

    // The next run of the scope marks every abandoned run failed and applies the new dump.
    const next = await collect(dumps[1]!);
    expect(next.code, next.stderr).toBe(0);
    const runs = await runsOf();
    for (const id of abandoned) {
      const r = runs.find((x) => x.id === id)!;
      expect(r.status).toBe('failed');
      expect(JSON.stringify(r.errors)).toMatch(/abandoned/);
    }
    expect(runs.filter((r) => r.status === 'running')).toEqual([]);
    const final = await historyChecksum(t.pool);
    expect(final.nodes).not.toBe(before.nodes); // the killed dump does change the graph when it completes
    killRows.push({ kill: 'next run', 'aimed at': '—', 'after (ms)': '—', signal: 'exited 0', 'run row': `succeeded; ${abandoned.length} abandoned → failed`, 'history md5': 'changed (applied)' });
  }, 600_000);

  it('two collections of the same scope at once are serialised while the web app keeps serving', async () => {
    const web: WebApp | null = (await webBuildReady()) ? await startWebApp(t.url, { KEYGRAPH_DATA_DIR: path.join(tmp, 'data') }) : null;
    if (!web) console.warn(NO_BUILD);
    try {
      // A Deployment every dump holds: it exists before, between and after the two collections (a node only one dump
      // holds is gone once another dump's run commits, and its page then rightly answers 404).
      const deploymentsOf = (file: string) => new Set(
        (JSON.parse(readFileSync(file, 'utf8')) as { items: { kind: string; metadata: { namespace?: string; name: string } }[] }).items
          .filter((o) => o.kind === 'Deployment').map((o) => `k8s:${CLUSTER}/${o.metadata.namespace}/Deployment/${o.metadata.name}`),
      );
      const [d0, d1, d2] = dumps.map(deploymentsOf);
      const nodeId = (await t.pool.query<{ node_id: string }>(
        `SELECT node_id FROM node_versions WHERE scope = $1 AND kind = 'Deployment' AND valid_to IS NULL ORDER BY node_id`, [CLUSTER],
      )).rows.map((r) => r.node_id).find((n) => d0!.has(n) && d1!.has(n) && d2!.has(n))!;
      expect(nodeId).toBeDefined();
      const lastBefore = (await runsOf()).at(-1)!.id;
      // Poll the web app during the collections.
      let polling = !!web;
      const samples: { path: string; status: number; ms: number; error?: string }[] = [];
      const poller = (async () => {
        const paths = ['/healthz', `/node?id=${encodeURIComponent(nodeId)}`, '/search?q=api', '/readyz'];
        for (let i = 0; polling; i++) {
          const p = paths[i % paths.length]!;
          const r = await get(web!.url + p, 30_000);
          samples.push({ path: p.split('?')[0]!, status: r.status, ms: r.ms, error: r.status === 0 ? r.body : undefined });
          if (p.startsWith('/node') && r.status === 200 && !r.body.includes(nodeId.split('/').pop()!)) samples.at(-1)!.error = 'node page without the node';
          // A failing page says which page it rendered (its title), so a wrong status can be told from a wrong answer.
          if (r.status !== 200 && r.status !== 0) samples.at(-1)!.error = `${nodeId}: ${/<title>([^<]*)<\/title>/.exec(r.body)?.[1] ?? r.body.slice(0, 120)} ${['No such node', 'Page not found', 'not a keygraph node id', 'Invalid id'].filter((x) => r.body.includes(x)).join('|')}`;
          await sleep(50);
        }
      })();

      const a = startCli(['collect', 'files', dumps[2]!, '--cluster', CLUSTER, '--json'], env);
      const b = startCli(['collect', 'files', dumps[0]!, '--cluster', CLUSTER, '--json'], env);
      const [ea, eb] = await Promise.all([a.done, b.done]);
      polling = false;
      await poller;
      expect(ea.code, a.stderr()).toBe(0);
      expect(eb.code, b.stderr()).toBe(0);
      const waited = [a, b].filter((p) => /waiting for another collection/.test(p.stderr())).length;

      const runs = (await runsOf()).filter((r) => r.id > lastBefore);
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
      const [r1, r2] = runs as [typeof runs[0], typeof runs[0]];
      // Serialised: the second run started (took the scope lock) after the first one committed and finished.
      expect(r2.started_at.getTime()).toBeGreaterThanOrEqual(r1.finished_at!.getTime());
      expect(r2.committed_at!.getTime()).toBeGreaterThan(r1.committed_at!.getTime());
      // No interleaving: every row a run opened or closed carries exactly that run's commit time.
      for (const r of [r1, r2]) {
        const bad = await t.pool.query<{ n: string }>(
          `SELECT (SELECT count(*) FROM node_versions WHERE (run_from = $1 AND valid_from <> $2) OR (run_to = $1 AND valid_to <> $2))
                + (SELECT count(*) FROM edge_versions WHERE (run_from = $1 AND valid_from <> $2) OR (run_to = $1 AND valid_to <> $2)) AS n`,
          [r.id, r.committed_at],
        );
        expect(Number(bad.rows[0]!.n), `rows of run ${r.id} with another time`).toBe(0);
      }
      // The final state is exactly the dump of the run that committed last: collecting it again changes nothing.
      const lastDump = JSON.parse(a.stdout())[0].runId === r2.id ? dumps[2]! : dumps[0]!;
      const again = await collect(lastDump);
      const summary = JSON.parse(again.stdout)[0];
      expect(summary.nodes).toMatchObject({ added: 0, changed: 0, removed: 0 });
      expect(summary.edges).toMatchObject({ added: 0, changed: 0, removed: 0 });

      // The web app answered every request, without error, during both collections.
      const failures = samples.filter((s) => s.status !== 200 || s.error);
      const byPath = new Map<string, number[]>();
      for (const s of samples) byPath.set(s.path, [...(byPath.get(s.path) ?? []), s.ms]);
      const rows = [...byPath].map(([p, ms]) => {
        ms.sort((x, y) => x - y);
        return { path: p, requests: ms.length, 'p50 ms': Math.round(ms[Math.floor(ms.length / 2)]!), 'max ms': Math.round(ms.at(-1)!) };
      });
      console.log(`\nweb app during two concurrent collections (${waited} of 2 CLI processes waited for the scope lock):`);
      if (web) console.table(rows);
      expect(waited).toBe(1);
      if (web) {
        expect(failures).toEqual([]);
        expect(samples.length).toBeGreaterThan(20);
      }
    } finally {
      await web?.stop();
    }
  }, 600_000);
});
