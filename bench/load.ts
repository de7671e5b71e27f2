/**
 * `npm run bench:load` (`node --import tsx bench/load.ts [--scale X] [--duration S] [--connections N] [--rate R]
 *   [--workers N] [--collector-nice N] [--keep]`):
 * the web app under load while a collection runs (issue "Reliability and security", part 6).
 *
 * 1. A fresh embedded PostgreSQL (bench/db.ts), migrated.
 * 2. A large graph COPYed directly into node_versions / edge_versions (as a collection would have left it):
 *    `--scale 1` (the default) = 1,000,000 nodes and 1,300,000 edges in 10 clusters × 200 namespaces (Secrets,
 *    ServiceAccounts, Deployments, ReplicaSets, Pods; USES_SECRET, RUNS_AS, OWNS), one succeeded run per cluster.
 * 3. The app as users run it: `keygraph serve --workers N` (default: one per core; the production build in .next,
 *    `npm run build` first) in its own processes, so the load tool does not share their event loop.
 * 4. autocannon against 127.0.0.1 only, `--connections` clients in total (default 50), split over node pages
 *    (/node?id=…), search (/search?q=…), impact (/api/v1/impact?id=…) and exports (/api/v1/export?… one namespace as
 *    NDJSON), each request with random ids/terms, in two phases of `--duration` seconds (default 30):
 *    - "paced": the clients of each route together send at most clients × `--rate` requests per second (default 1:
 *      a person clicking once a second, the think time of a load model with concurrent users; autocannon's
 *      `overallRate`); the targets apply here;
 *    - "saturation": no think time, every client sends its next request as soon as the last one answered; this
 *      measures the capacity (requests/s) of the machine, and latency is then the queue in front of it.
 *    Throughout, `keygraph collect files` of a generated dump (~20k objects) runs into another cluster in a child
 *    process, again and again until the load stops, at CPU priority `--collector-nice` (default 10, as the README
 *    advises for collections that share the machine with the web app; 0 to compare).
 * Reports per phase and route: requests, throughput, p50/p95/p99 latency, non-2xx and errors, and the CPU seconds the
 * app, PostgreSQL and the collector used per request and their peak resident memory (from /proc, Linux only). Targets (paced phase): zero errors,
 * p95 under 300 ms for node pages and impact, the offered rate achieved. Writes bench/out/load.json. Exit 1 when a
 * target is missed.
 *
 * The API's per-client rate limit (KEYGRAPH_RATE_LIMIT, default 600/min) would answer most of this load with 429
 * from one address: it is raised for the bench (the limiter is tested on its own).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { openBenchDatabase } from './db';
import { writeClusterDump } from './generate';
import { freePort } from '../lib/db/embedded';
import { childPids, procStat } from './proc';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    duration: { type: 'string', default: '30' },
    connections: { type: 'string', default: '50' },
    rate: { type: 'string', default: '1' },
    workers: { type: 'string', default: String(os.availableParallelism()) },
    'collector-nice': { type: 'string', default: '10' },
    keep: { type: 'boolean', default: false },
  },
});
const scale = Number(values.scale);
const duration = Number(values.duration);
const connections = Number(values.connections);
const rate = Number(values.rate);
const workers = Number(values.workers);
const collectorNice = Number(values['collector-nice']);
if (!Number.isInteger(workers) || workers < 1) throw new Error('--workers must be a whole number ≥ 1');
if (!Number.isInteger(collectorNice) || collectorNice < 0 || collectorNice > 19) throw new Error('--collector-nice must be 0–19');
if (!(rate > 0)) throw new Error('--rate must be positive (requests per second per client in the paced phase)');
if (!(scale > 0) || !(duration > 0) || !(connections >= 4)) throw new Error('--scale and --duration must be positive, --connections at least 4');

/** 10 clusters × (200 × scale) namespaces × 500 objects. */
const CLUSTERS = 10;
const NAMESPACES = Math.max(1, Math.round(200 * scale));
const PER_NS = { secrets: 200, serviceAccounts: 50, deployments: 50, replicaSets: 50, pods: 150 };

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const log = (m: string) => process.stdout.write(`${m}\n`);

/** COPY text field escaping. */
const esc = (v: string | null) => (v === null ? '\\N' : v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')));

async function copy(pool: pg.Pool, sql: string, rows: Generator<(string | null)[]>): Promise<void> {
  const client = await pool.connect();
  try {
    const stream = client.query(copyFrom(sql));
    async function* chunks() {
      let buf: string[] = [];
      for (const r of rows) {
        buf.push(r.map(esc).join('\t') + '\n');
        if (buf.length >= 5000) {
          yield buf.join('');
          buf = [];
        }
      }
      if (buf.length) yield buf.join('');
    }
    await pipeline(chunks(), stream as unknown as Writable);
  } finally {
    client.release();
  }
}

/** Builds the graph; returns samples of ids and names for the load. */
async function buildGraph(pool: pg.Pool): Promise<{ nodes: number; edges: number; nodeIds: string[]; secretIds: string[]; names: string[]; namespaces: [string, string][] }> {
  const namespaces = NAMESPACES;
  const clusters = Array.from({ length: CLUSTERS }, (_, i) => `cluster-${i}`);
  const runIds = new Map<string, number>();
  for (const c of clusters) {
    const coverage = Object.fromEntries(['Secret', 'ServiceAccount', 'Deployment', 'ReplicaSet', 'Pod'].map((k) => [`k8s:${k}`, { complete: true, count: 0 }]));
    const r = await pool.query<{ id: number }>(
      `INSERT INTO runs (source, scope, status, finished_at, committed_at, coverage, inputs) VALUES ('k8s', $1, 'succeeded', now(), now(), $2, '{}') RETURNING id`,
      [c, JSON.stringify(coverage)],
    );
    runIds.set(c, r.rows[0]!.id);
  }
  const ts = new Date().toISOString();
  const nodeIds: string[] = [];
  const secretIds: string[] = [];
  const names = ['api', 'worker', 'db', 'token', 'tls', 'gateway', 'cache', 'web', 'stripe', 'queue'];
  const nsPairs: [string, string][] = [];
  const id = (c: string, ns: string, kind: string, name: string) => `k8s:${c}/${ns}/${kind}/${name}`;
  const word = (i: number) => names[i % names.length]!;
  let nodes = 0;
  let edges = 0;

  function* nodeRows(): Generator<(string | null)[]> {
    for (const c of clusters) {
      const run = String(runIds.get(c));
      for (let n = 0; n < namespaces; n++) {
        const ns = `ns-${n}`;
        if (Math.random() < 0.02) nsPairs.push([c, ns]);
        const row = (kind: string, name: string, props: object) => {
          nodes++;
          const nid = id(c, ns, kind, name);
          if (Math.random() < 0.001) (kind === 'Secret' ? secretIds : nodeIds).push(nid);
          const p = JSON.stringify(props);
          return [nid, 'k8s', c, 'k8s', kind, c, ns, name, 'f', p, sha1(nid + p), ts, run];
        };
        for (let i = 0; i < PER_NS.secrets; i++) yield row('Secret', `${word(i)}-secret-${i}`, { type: 'Opaque', dataKeys: ['password', 'username'], size: 42 });
        for (let i = 0; i < PER_NS.serviceAccounts; i++) yield row('ServiceAccount', `${word(i)}-sa-${i}`, {});
        for (let i = 0; i < PER_NS.deployments; i++) yield row('Deployment', `${word(i)}-${i}`, { replicas: 3, containers: [{ name: 'app', image: `${word(i)}:1.${i}` }] });
        for (let i = 0; i < PER_NS.replicaSets; i++) yield row('ReplicaSet', `${word(i)}-${i}-7c9f`, { replicas: 3 });
        for (let i = 0; i < PER_NS.pods; i++) yield row('Pod', `${word(i % 50)}-${i % 50}-7c9f-${i}`, { phase: 'Running', nodeName: `node-${i % 7}` });
      }
    }
  }
  function* edgeRows(): Generator<(string | null)[]> {
    for (const c of clusters) {
      const run = String(runIds.get(c));
      for (let n = 0; n < namespaces; n++) {
        const ns = `ns-${n}`;
        const e = (kind: string, from: string, to: string, origin: string, props: Record<string, unknown>) => {
          edges++;
          const key = sha1([from, kind, to, props.via ?? '', props.container ?? '', props.envVar ?? '', ''].join('|'));
          const p = JSON.stringify(props);
          return [key, 'k8s', c, kind, from, to, origin, p, sha1(origin + p), ts, run];
        };
        for (let i = 0; i < PER_NS.deployments; i++) {
          const d = id(c, ns, 'Deployment', `${word(i)}-${i}`);
          const rs = id(c, ns, 'ReplicaSet', `${word(i)}-${i}-7c9f`);
          yield e('USES_SECRET', d, id(c, ns, 'Secret', `${word(i)}-secret-${i}`), 'k8s:Deployment', { via: 'env', container: 'app', envVar: 'PASSWORD', keys: ['password'] });
          yield e('USES_SECRET', d, id(c, ns, 'Secret', `${word(i + 50)}-secret-${i + 50}`), 'k8s:Deployment', { via: 'volume', container: 'app' });
          yield e('RUNS_AS', d, id(c, ns, 'ServiceAccount', `${word(i)}-sa-${i}`), 'k8s:Deployment', {});
          yield e('OWNS', d, rs, 'k8s:ReplicaSet', { controller: true });
        }
        for (let i = 0; i < PER_NS.pods; i++) {
          const pod = id(c, ns, 'Pod', `${word(i % 50)}-${i % 50}-7c9f-${i}`);
          yield e('OWNS', id(c, ns, 'ReplicaSet', `${word(i % 50)}-${i % 50}-7c9f`), pod, 'k8s:Pod', { controller: true });
          yield e('USES_SECRET', pod, id(c, ns, 'Secret', `${word(i % 50)}-secret-${i % 50}`), 'k8s:Pod', { via: 'env', container: 'app', envVar: 'PASSWORD', keys: ['password'] });
          yield e('RUNS_AS', pod, id(c, ns, 'ServiceAccount', `${word(i % 50)}-sa-${i % 50}`), 'k8s:Pod', {});
        }
      }
    }
  }
  await copy(pool, `COPY node_versions (node_id, source, scope, provider, kind, realm, namespace, name, missing, properties, hash, valid_from, run_from) FROM STDIN`, nodeRows());
  await copy(pool, `COPY edge_versions (edge_key, source, scope, kind, from_id, to_id, origin_kind, properties, hash, valid_from, run_from) FROM STDIN`, edgeRows());
  await pool.query('VACUUM ANALYZE node_versions');
  await pool.query('VACUUM ANALYZE edge_versions');
  return { nodes, edges, nodeIds, secretIds, names, namespaces: nsPairs.length ? nsPairs : [[clusters[0]!, 'ns-0']] };
}

interface RouteStats {
  route: string;
  connections: number;
  latencies: number[];
  non2xx: number;
  /** 200 answers whose body is the error state. */
  errorPages: number;
  errors: number;
  timeouts: number;
  bytes: number;
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function routeExists(base: string, probe: string): Promise<boolean> {
  const r = await fetch(base + probe, { signal: AbortSignal.timeout(60_000) }).catch(() => null);
  await r?.arrayBuffer().catch(() => undefined);
  return !!r && r.status !== 404;
}

/**
 * CPU seconds used by groups of processes over an interval, sampled every 250 ms (a process that exits between two
 * samples loses at most its last 250 ms), and each group's peak resident memory (the sum over its processes at one
 * sample). Groups: the app and its workers, the PostgreSQL postmaster and its children, the current collector child.
 */
class CpuMeter {
  private last = new Map<string, Map<number, number>>();
  private used = new Map<string, number>();
  private peakRss = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  constructor(private readonly groups: Record<string, () => number[]>) {}
  private sample(): void {
    for (const [g, pids] of Object.entries(this.groups)) {
      const seen = this.last.get(g) ?? new Map<number, number>();
      let rss = 0;
      for (const pid of pids()) {
        const s = procStat(pid);
        if (!s) continue;
        rss += s.rssMiB;
        const before = seen.get(pid);
        // A process first seen during the interval started during it (its whole CPU time counts); one seen at the
        // start counts from there.
        this.used.set(g, (this.used.get(g) ?? 0) + s.cpuS - (before ?? (this.timer ? 0 : s.cpuS)));
        seen.set(pid, s.cpuS);
      }
      this.peakRss.set(g, Math.max(this.peakRss.get(g) ?? 0, rss));
      this.last.set(g, seen);
    }
  }
  start(): void {
    this.last.clear();
    this.used.clear();
    this.peakRss.clear();
    this.sample();
    this.timer = setInterval(() => this.sample(), 250);
  }
  /** Stops; CPU seconds and peak resident memory (MiB) per group. */
  stop(): { cpuS: Record<string, number>; peakRssMiB: Record<string, number> } {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const per = (m: Map<string, number>, round: (x: number) => number) => Object.fromEntries(Object.keys(this.groups).map((g) => [g, round(m.get(g) ?? 0)]));
    return { cpuS: per(this.used, (x) => Math.round(x * 10) / 10), peakRssMiB: per(this.peakRss, Math.round) };
  }
}

/** The postmaster (first line of postmaster.pid in the data folder) and every process it started. */
function postgresPids(dataDir: string | null): number[] {
  if (!dataDir) return [];
  try {
    const master = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    return [master, ...childPids(master)];
  } catch {
    return [];
  }
}

interface Phase {
  name: 'paced' | 'saturation';
  /** Requests per second per client; undefined: as fast as answers come. */
  rate?: number;
}

async function main() {
  if (!existsSync(path.join(ROOT, '.next', 'BUILD_ID'))) throw new Error('no production build of the web app: run `npm run build` first');
  const outDir = path.join(ROOT, 'bench', 'out');
  await mkdir(outDir, { recursive: true });
  // Always a fresh embedded PostgreSQL: the benchmark COPYs a whole graph, which an existing database would collide with.
  const bench = await openBenchDatabase({ prefix: 'keygraph-load-', keep: values.keep, external: false });
  const { url } = bench;
  const pool = bench.database.pool;
  const collector: { child: ReturnType<typeof spawn> | null; runs: number; failures: number; stop: boolean } = { child: null, runs: 0, failures: 0, stop: false };
  let app: ReturnType<typeof spawn> | null = null;
  try {
    let t = performance.now();
    const g = await buildGraph(pool);
    log(`graph: ${g.nodes.toLocaleString()} nodes, ${g.edges.toLocaleString()} edges in ${CLUSTERS} clusters (COPY + analyze ${((performance.now() - t) / 1000).toFixed(1)} s)`);

    const dump = path.join(outDir, 'load-collect.json');
    const summary = await writeClusterDump(dump, { secrets: 9000, pods: 6000, deployments: 1500, serviceAccounts: 600, ingresses: 300, namespaces: 200, seed: 11 });
    log(`collection input: ${summary.total} objects (${dump})`);

    const env = {
      ...process.env,
      DATABASE_URL: url,
      KEYGRAPH_ROOT: ROOT,
      KEYGRAPH_DATA_DIR: path.join(bench.dir ?? outDir, 'keygraph-data'),
      KEYGRAPH_RATE_LIMIT: '1000000',
      KEYGRAPH_LOG_LEVEL: process.env.KEYGRAPH_LOG_LEVEL ?? 'warn',
      NEXT_TELEMETRY_DISABLED: '1',
    };
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    app = spawn(process.execPath, [path.join(ROOT, 'bin', 'keygraph.mjs'), 'serve', '--host', '127.0.0.1', '--port', String(port), '--workers', String(workers)], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    for (const deadline = Date.now() + 120_000; ; ) {
      if (app.exitCode !== null) throw new Error(`keygraph serve exited with ${app.exitCode}`);
      const ok = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error('keygraph serve did not answer /healthz within 120 s');
      await new Promise((r) => setTimeout(r, 250));
    }
    log(`app: ${base} (keygraph serve --workers ${workers}, pid ${app.pid}); collections at nice ${collectorNice}`);

    const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
    const ids = [...g.nodeIds, ...g.secretIds];
    const routes: { route: string; weight: number; path: () => string; probe: string }[] = [
      { route: 'node page', weight: 20, path: () => `/node?id=${encodeURIComponent(pick(ids))}`, probe: `/node?id=${encodeURIComponent(ids[0]!)}` },
      { route: 'search', weight: 10, path: () => `/search?q=${encodeURIComponent(`${pick(g.names)}-${Math.floor(Math.random() * 50)}`)}`, probe: '/search?q=api' },
      { route: 'impact (API)', weight: 12, path: () => `/api/v1/impact?id=${encodeURIComponent(pick(g.secretIds))}&action=delete`, probe: `/api/v1/impact?id=${encodeURIComponent(g.secretIds[0]!)}` },
      {
        route: 'export (API, one namespace, NDJSON)', weight: 8,
        path: () => {
          const [c, ns] = pick(g.namespaces);
          return `/api/v1/export?what=nodes&format=ndjson&realm=${c}&namespace=${ns}`;
        },
        probe: `/api/v1/export?what=nodes&format=ndjson&realm=${g.namespaces[0]![0]}&namespace=${g.namespaces[0]![1]}`,
      },
    ];
    const active: typeof routes = [];
    const notes: string[] = [];
    for (const r of routes) {
      // Also warms the route up in every worker (round-robin): loads the route's chunks; the first node page computes
      // the findings.
      const exists = await routeExists(base, r.probe);
      for (let i = 1; exists && i < workers * 2; i++) await routeExists(base, r.probe);
      if (exists) active.push(r);
      else notes.push(`${r.route}: ${r.probe.split('?')[0]} does not exist (404); skipped`);
    }
    for (const n of notes) log(`note: ${n}`);
    const totalWeight = active.reduce((s, r) => s + r.weight, 0);
    const plan = active.map((r) => ({ ...r, connections: Math.max(1, Math.round((connections * r.weight) / totalWeight)) }));

    // The collection, looped until the load ends.
    const collectLoop = (async () => {
      while (!collector.stop) {
        const t0 = performance.now();
        const code = await new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'keygraph.mjs'), 'collect', 'files', dump, '--cluster', `collect-${collector.runs % 2}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
          collector.child = child;
          // As README advises for collections that share the machine with the web app: a lower CPU priority.
          if (collectorNice && child.pid) os.setPriority(child.pid, collectorNice);
          child.stderr!.resume();
          child.once('exit', (c) => resolve(c));
        });
        collector.child = null;
        if (collector.stop && code === null) break;
        if (code === 0) collector.runs++;
        else collector.failures++;
        log(`  collection ${collector.runs + collector.failures} finished (exit ${code}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
    })();

    const cpu = new CpuMeter({
      app: () => [app!.pid!, ...childPids(app!.pid!)],
      postgres: () => postgresPids(bench.dir),
      collector: () => (collector.child?.pid ? [collector.child.pid] : []),
    });
    const phases: Phase[] = [{ name: 'paced', rate }, { name: 'saturation' }];
    const results: { phase: Phase; rows: Record<string, string | number>[]; stats: RouteStats[]; elapsed: number; cpuS: Record<string, number>; peakRssMiB: Record<string, number> }[] = [];
    for (const phase of phases) {
      log(`${phase.name}: ${plan.map((p) => `${p.route} × ${p.connections}`).join(', ')} for ${duration} s, ${phase.rate ? `${phase.rate} request(s)/s per client` : 'no think time'}, while collecting`);
      const stats: RouteStats[] = plan.map((p) => ({ route: p.route, connections: p.connections, latencies: [], non2xx: 0, errorPages: 0, errors: 0, timeouts: 0, bytes: 0 }));
      cpu.start();
      t = performance.now();
      await Promise.all(
        plan.map(
          (p, i) =>
            new Promise<void>((resolve, reject) => {
              const s = stats[i]!;
              const inst = autocannon(
                {
                  url: base,
                  connections: p.connections,
                  duration,
                  timeout: 30,
                  // Paced: the route's clients together send at most clients × rate requests a second.
                  ...(phase.rate ? { overallRate: Math.max(1, Math.round(p.connections * phase.rate)) } : {}),
                  requests: [{
                    method: 'GET',
                    setupRequest: (req) => ({ ...req, path: p.path() }),
                    // A page that fails after streaming started still answers 200: its body marks the failed boundary
                    // (React's `$RX(`, rendered as app/error.tsx). Count those as errors too.
                    onResponse: (status, body) => {
                      if (status === 200 && typeof body === 'string' && body.includes('$RX(')) s.errorPages++;
                    },
                  }],
                },
                (err, result) => {
                  if (err) return reject(err);
                  // `errors` counts connection errors and timeouts (a timeout is also counted in `timeouts`).
                  s.errors = result.errors;
                  s.timeouts = result.timeouts;
                  resolve();
                },
              );
              inst.on('response', (_client, statusCode, resBytes, responseTime) => {
                s.latencies.push(responseTime);
                s.bytes += resBytes;
                if (statusCode < 200 || statusCode >= 300) s.non2xx++;
              });
            }),
        ),
      );
      const elapsed = (performance.now() - t) / 1000;
      const { cpuS, peakRssMiB } = cpu.stop();
      const rows = stats.map((s) => {
        const sorted = [...s.latencies].sort((a, b) => a - b);
        return {
          route: s.route,
          clients: s.connections,
          requests: sorted.length,
          'req/s': Math.round((sorted.length / elapsed) * 10) / 10,
          'p50 ms': Math.round(pct(sorted, 50)),
          'p95 ms': Math.round(pct(sorted, 95)),
          'p99 ms': Math.round(pct(sorted, 99)),
          'max ms': Math.round(sorted.at(-1) ?? NaN),
          'non-2xx': s.non2xx,
          'error pages': s.errorPages,
          'errors (timeouts)': `${s.errors} (${s.timeouts})`,
        };
      });
      console.table(rows);
      const total = rows.reduce((n, r) => n + r.requests, 0);
      log(
        `${phase.name}: ${total} requests, ${(total / elapsed).toFixed(1)} req/s; CPU s used: ` +
          Object.entries(cpuS).map(([k, v]) => `${k} ${v} (${total ? ((v * 1000) / total).toFixed(1) : '–'} ms/request)`).join(', ') +
          '; peak RSS MiB: ' + Object.entries(peakRssMiB).map(([k, v]) => `${k} ${v}`).join(', '),
      );
      results.push({ phase, rows, stats, elapsed, cpuS, peakRssMiB });
    }

    collector.stop = true;
    if (collector.child?.pid && collector.child.exitCode === null) {
      // Let a running collection finish (bounded), so its run is recorded; then stop it.
      const done = new Promise((r) => collector.child!.once('exit', r));
      const timer = setTimeout(() => collector.child?.pid && process.kill(collector.child.pid, 'SIGTERM'), 60_000);
      await done;
      clearTimeout(timer);
    }
    await collectLoop;

    const runs = await pool.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM runs WHERE scope LIKE 'collect-%' GROUP BY status`);
    log(`collections during the load: ${collector.runs} succeeded, ${collector.failures} failed (runs table: ${runs.rows.map((r) => `${r.n} ${r.status}`).join(', ') || 'none'})`);
    const misses: string[] = [];
    for (const { phase, rows, stats, elapsed } of results) {
      for (const r of rows) {
        const s = stats.find((x) => x.route === r.route)!;
        if (r['non-2xx'] || s.errors || s.errorPages) {
          misses.push(`${phase.name}, ${r.route}: ${r['non-2xx']} non-2xx, ${s.errorPages} error pages, ${s.errors} errors (${s.timeouts} timeouts)`);
        }
        if (!r.requests) misses.push(`${phase.name}, ${r.route}: no request completed within the duration`);
        if (phase.name !== 'paced') continue;
        if ((r.route === 'node page' || String(r.route).startsWith('impact')) && !((r['p95 ms'] as number) < 300)) misses.push(`${phase.name}, ${r.route}: p95 ${r['p95 ms']} ms ≥ 300 ms`);
        const offered = s.connections * phase.rate! * elapsed;
        if ((r.requests as number) < 0.9 * offered) misses.push(`${phase.name}, ${r.route}: ${r.requests} requests answered of ${Math.round(offered)} offered`);
      }
    }
    if (!collector.runs) misses.push('no collection completed during the load');
    const report = {
      at: new Date().toISOString(), scale, durationS: duration, connections, ratePerClient: rate, workers, collectorNice, nodes: g.nodes, edges: g.edges,
      cpus: os.cpus().length, notes,
      phases: results.map((x) => ({ phase: x.phase.name, ratePerClient: x.phase.rate ?? null, elapsedS: x.elapsed, cpuSeconds: x.cpuS, peakRssMiB: x.peakRssMiB, routes: x.rows })),
      collections: { succeeded: collector.runs, failed: collector.failures }, misses,
    };
    await writeFile(path.join(outDir, 'load.json'), JSON.stringify(report, null, 2) + '\n');
    log(misses.length ? `targets missed:\n  ${misses.join('\n  ')}` : 'targets met (paced phase): zero errors, p95 < 300 ms for node pages and impact, offered rate achieved');
    log(`wrote ${path.join('bench', 'out', 'load.json')}`);
    process.exitCode = misses.length ? 1 : 0;
  } finally {
    collector.stop = true;
    if (collector.child?.pid && collector.child.exitCode === null) process.kill(collector.child.pid, 'SIGKILL');
    if (app?.pid && app.exitCode === null) {
      const exited = new Promise((r) => app!.once('exit', r));
      app.kill('SIGTERM');
      const timer = setTimeout(() => app?.pid && app.exitCode === null && process.kill(app.pid, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await bench.close().catch(() => undefined);
  }
}

main()
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((e) => {
    process.stderr.write(`bench:load failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
