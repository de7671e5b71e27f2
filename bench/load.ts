/**
 * `npm run bench:load` (`node --import tsx bench/load.ts [--scale X] [--duration S] [--connections N] [--keep]`):
 * the web app under load while a collection runs (issue "Reliability and security", part 6).
 *
 * 1. A fresh embedded PostgreSQL (bench/db.ts), migrated.
 * 2. A large graph COPYed directly into node_versions / edge_versions (as a collection would have left it):
 *    `--scale 1` ≈ 1,000,000 nodes and 1,300,000 edges in 10 clusters × 200 namespaces (Secrets, ServiceAccounts,
 *    Deployments, ReplicaSets, Pods; USES_SECRET, RUNS_AS, OWNS), with one succeeded run per cluster.
 * 3. The app in this process (lib/server.ts serve(), the production build in .next; `npm run build` first).
 * 4. autocannon against 127.0.0.1 only, `--connections` clients in total (default 50) for `--duration` seconds
 *    (default 30), split over node pages (/node?id=…), search (/search?q=…), impact (/api/v1/impact?id=…) and exports
 *    (/api/v1/export?… one namespace as NDJSON), each with random ids/terms; routes that do not exist are skipped with
 *    a note. Meanwhile `keygraph collect files` of a generated dump (~20k objects) runs into another cluster in a
 *    child process, again and again until the load stops.
 * Reports per route: requests, throughput, p50/p95/p99 latency, non-2xx and errors; targets: zero errors, p95 under
 * 300 ms for node pages and impact. Writes bench/out/load.json. Stops by itself; exit 1 when a target is missed.
 *
 * The API's per-client rate limit (KEYGRAPH_RATE_LIMIT, default 600/min) would answer most of this load with 429
 * from one address: it is raised for the bench (the limiter is tested on its own).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { openBenchDatabase } from './db';
import { writeClusterDump } from './generate';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    duration: { type: 'string', default: '30' },
    connections: { type: 'string', default: '50' },
    keep: { type: 'boolean', default: false },
  },
});
const scale = Number(values.scale);
const duration = Number(values.duration);
const connections = Number(values.connections);
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

async function main() {
  if (!existsSync(path.join(ROOT, '.next', 'BUILD_ID'))) throw new Error('no production build of the web app: run `npm run build` first');
  const outDir = path.join(ROOT, 'bench', 'out');
  await mkdir(outDir, { recursive: true });
  // Always a fresh embedded PostgreSQL: the benchmark COPYs a whole graph, which an existing database would collide with.
  const bench = await openBenchDatabase({ prefix: 'keygraph-load-', keep: values.keep, external: false });
  const { url } = bench;
  const pool = bench.database.pool;
  const collector: { child: ReturnType<typeof spawn> | null; runs: number; failures: number; stop: boolean } = { child: null, runs: 0, failures: 0, stop: false };
  let closeServer = async () => {};
  try {
    let t = performance.now();
    const g = await buildGraph(pool);
    log(`graph: ${g.nodes.toLocaleString()} nodes, ${g.edges.toLocaleString()} edges in ${CLUSTERS} clusters (COPY + analyze ${((performance.now() - t) / 1000).toFixed(1)} s)`);

    const dump = path.join(outDir, 'load-collect.json');
    const summary = await writeClusterDump(dump, { secrets: 9000, pods: 6000, deployments: 1500, serviceAccounts: 600, ingresses: 300, namespaces: 200, seed: 11 });
    log(`collection input: ${summary.total} objects (${dump})`);

    process.env.DATABASE_URL = url;
    process.env.KEYGRAPH_ROOT ??= ROOT;
    process.env.KEYGRAPH_RATE_LIMIT = '1000000';
    process.env.KEYGRAPH_LOG_LEVEL ??= 'warn';
    process.env.NEXT_TELEMETRY_DISABLED = '1';
    const { serve } = await import('../lib/server');
    const app = await serve({ host: '127.0.0.1', port: 0, dir: ROOT });
    closeServer = app.close;
    const base = app.url;
    log(`app: ${base}`);

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
      // Also warms the route up (first request compiles nothing in production, but loads the route's chunks).
      if (await routeExists(base, r.probe)) active.push(r);
      else notes.push(`${r.route}: ${r.probe.split('?')[0]} does not exist (404); skipped`);
    }
    for (const n of notes) log(`note: ${n}`);
    const totalWeight = active.reduce((s, r) => s + r.weight, 0);
    const plan = active.map((r) => ({ ...r, connections: Math.max(1, Math.round((connections * r.weight) / totalWeight)) }));

    // The collection, looped until the load ends.
    const collectEnv = { ...process.env, DATABASE_URL: url, KEYGRAPH_DATA_DIR: path.join(bench.dir ?? outDir, 'collector-data'), KEYGRAPH_LOG_LEVEL: 'warn' };
    const collectLoop = (async () => {
      while (!collector.stop) {
        const t0 = performance.now();
        const code = await new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'keygraph.mjs'), 'collect', 'files', dump, '--cluster', `collect-${collector.runs % 2}`], { env: collectEnv, stdio: ['ignore', 'ignore', 'pipe'] });
          collector.child = child;
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

    log(`load: ${plan.map((p) => `${p.route} × ${p.connections}`).join(', ')} for ${duration} s, while collecting`);
    const stats: RouteStats[] = plan.map((p) => ({ route: p.route, connections: p.connections, latencies: [], non2xx: 0, errorPages: 0, errors: 0, timeouts: 0, bytes: 0 }));
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
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
    loopDelay.disable();
    const eventLoop = { p50Ms: loopDelay.percentile(50) / 1e6, p99Ms: loopDelay.percentile(99) / 1e6, maxMs: loopDelay.max / 1e6 };
    log(`event-loop delay of the app's process during the load: p50 ${eventLoop.p50Ms.toFixed(0)} ms, p99 ${eventLoop.p99Ms.toFixed(0)} ms, max ${eventLoop.maxMs.toFixed(0)} ms`);
    collector.stop = true;
    if (collector.child?.pid && collector.child.exitCode === null) {
      // Let a running collection finish (bounded), so its run is recorded; then stop it.
      const done = new Promise((r) => collector.child!.once('exit', r));
      const timer = setTimeout(() => collector.child?.pid && process.kill(collector.child.pid, 'SIGTERM'), 60_000);
      await done;
      clearTimeout(timer);
    }
    await collectLoop;

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
    const runs = await pool.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM runs WHERE scope LIKE 'collect-%' GROUP BY status`);
    log(`collections during the load: ${collector.runs} succeeded, ${collector.failures} failed (runs table: ${runs.rows.map((r) => `${r.n} ${r.status}`).join(', ') || 'none'})`);
    const misses: string[] = [];
    for (const r of rows) {
      const s = stats.find((x) => x.route === r.route)!;
      if (r['non-2xx'] || s.errors || s.errorPages) {
        misses.push(`${r.route}: ${r['non-2xx']} non-2xx, ${s.errorPages} error pages, ${s.errors} errors (${s.timeouts} timeouts)`);
      }
      if (!r.requests) misses.push(`${r.route}: no request completed within the duration`);
      if ((r.route === 'node page' || r.route.startsWith('impact')) && !(r['p95 ms'] < 300)) misses.push(`${r.route}: p95 ${r['p95 ms']} ms ≥ 300 ms`);
    }
    if (!collector.runs) misses.push('no collection completed during the load');
    const report = {
      at: new Date().toISOString(), scale, durationS: duration, connections, nodes: g.nodes, edges: g.edges,
      cpus: os.cpus().length, eventLoop, routes: rows, notes, collections: { succeeded: collector.runs, failed: collector.failures }, misses,
    };
    await writeFile(path.join(outDir, 'load.json'), JSON.stringify(report, null, 2) + '\n');
    log(misses.length ? `targets missed:\n  ${misses.join('\n  ')}` : 'targets met: zero errors, p95 < 300 ms for node pages and impact');
    log(`wrote ${path.join('bench', 'out', 'load.json')}`);
    process.exitCode = misses.length ? 1 : 0;
  } finally {
    collector.stop = true;
    if (collector.child?.pid && collector.child.exitCode === null) process.kill(collector.child.pid, 'SIGKILL');
    await closeServer().catch(() => undefined);
    const { closeDefaultDatabase } = await import('../lib/db');
    await closeDefaultDatabase().catch(() => undefined);
    await bench.close().catch(() => undefined);
  }
}

main()
  .then(() => process.exit(process.exitCode ?? 0))
  .catch((e) => {
    process.stderr.write(`bench:load failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
