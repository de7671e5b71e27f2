/**
 * `npm run bench:page` (`node --import tsx bench/page.ts [--consumers N] [--requests N]`): what one node page costs the
 * server, for a Secret with N consumers (default 1,000; bench/fanout.ts) in "Used by" and in its impact.
 *
 * 1. A fresh embedded PostgreSQL (bench/db.ts), one run of the fan-out records.
 * 2. `keygraph serve` in its own process (the production build: `npm run build` first), so the CPU it uses is read
 *    from /proc for that process alone (Linux; utime + stime in 10 ms ticks, hence totals over many requests).
 *    `--profile` writes the server's V8 CPU profile to bench/out/profile/.
 * 3. Warm-up, then `--requests` (default 60) sequential GETs of `/node?id=SECRET` (the default impact action
 *    included) and, for comparison, of the same Secret's `/api/v1/nodes` JSON: wall p50/p95 and the server's CPU per
 *    request (mean over the requests; target ≤ 15 ms for the page). Writes bench/out/page.json.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FANOUT_CLUSTER, FANOUT_SECRET, fanoutRecords } from './fanout';
import { openBenchDatabase } from './db';
import { procStat } from './proc';

const { values } = parseArgs({
  options: { consumers: { type: 'string', default: '1000' }, requests: { type: 'string', default: '60' }, profile: { type: 'boolean', default: false } },
});
const consumers = Math.max(10, Number(values.consumers));
const requests = Math.max(5, Number(values.requests));
const ROOT = path.resolve(import.meta.dirname, '..');

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};

async function main() {
  if (!existsSync(path.join(ROOT, '.next', 'BUILD_ID'))) throw new Error('no production build: run `npm run build` first');
  const bench = await openBenchDatabase({ prefix: 'keygraph-bench-page-' });
  const { startRun } = await import('../lib/store/write');
  const { freePort } = await import('../lib/db/embedded');
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const { nodes, edges } = fanoutRecords(consumers);
    const run = await startRun(bench.database, 'files', FANOUT_CLUSTER, { bench: 'page' });
    const kinds = [...new Set(nodes.map((n) => `k8s:${n.kind}`))];
    await run.commit({ nodes, edges, errors: [], coverage: Object.fromEntries(kinds.map((k) => [k, { complete: true, count: nodes.filter((n) => `k8s:${n.kind}` === k).length }])) });

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // --profile: the server writes a V8 CPU profile (bench/out/profile/*.cpuprofile, open in Chrome DevTools) on exit.
    const profile = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench', 'out', 'profile')}`] : [];
    child = spawn(process.execPath, [...profile, path.join(ROOT, 'bin', 'keygraph.mjs'), 'serve', '--port', String(port)], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: bench.url, KEYGRAPH_LOG_LEVEL: 'warn', NEXT_TELEMETRY_DISABLED: '1', KEYGRAPH_RATE_LIMIT: '100000' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    for (const deadline = Date.now() + 120_000; !out.includes(`keygraph is serving ${base}`); ) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`keygraph serve did not start: ${out.slice(-500)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const pid = child.pid!;
    const measure = async (url: string) => {
      for (let i = 0; i < 5; i++) await (await fetch(url)).text(); // warm-up: pools, caches, the findings snapshot
      const wall: number[] = [];
      const cpu0 = procStat(pid)!.cpuS;
      for (let i = 0; i < requests; i++) {
        const t = performance.now();
        const r = await fetch(url);
        const body = await r.text();
        if (!r.ok) throw new Error(`${url}: ${r.status} ${body.slice(0, 200)}`);
        wall.push(performance.now() - t);
      }
      const cpuMsPerRequest = ((procStat(pid)!.cpuS - cpu0) * 1000) / requests;
      return { requests, wallP50: percentile(wall, 50), wallP95: percentile(wall, 95), cpuMsPerRequest };
    };
    const q = encodeURIComponent(FANOUT_SECRET);
    const page = await measure(`${base}/node?id=${q}`);
    const api = await measure(`${base}/api/v1/nodes?id=${q}`);
    const report = { consumers, nodes: nodes.length, edges: edges.length, page, api, target: { pageCpuMs: 15 } };
    console.log(`node page of a Secret with ${consumers} consumers: wall p50 ${page.wallP50.toFixed(1)} ms, p95 ${page.wallP95.toFixed(1)} ms; server CPU ${page.cpuMsPerRequest.toFixed(1)} ms/request (target ≤ 15 ms)`);
    console.log(`  its JSON (/api/v1/nodes): wall p50 ${api.wallP50.toFixed(1)} ms; server CPU ${api.cpuMsPerRequest.toFixed(1)} ms/request`);
    await mkdir(path.join(ROOT, 'bench', 'out'), { recursive: true });
    await writeFile(path.join(ROOT, 'bench', 'out', 'page.json'), JSON.stringify(report, null, 2) + '\n');
    console.log('wrote bench/out/page.json');
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await bench.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
