/**
 * `npm run bench:asof`: the as-of benchmark (issue "History, diffs and audit exports", Measure).
 *
 * Builds 30 days of daily runs of the generated cluster (bench/generate.ts; ~100,000 objects at the default
 * `--scale 1.53`): the dump is mapped once, then committed 30 times, each day changing ~2% of the objects (image bumps,
 * rotated Secret values, a few objects gone and new ones) so history accumulates like a real cluster's. Then times a
 * node page's reads (getNode + getEdges in + out, lib/store/read.ts) for 200 nodes, on the current state and as of
 * a time in the middle of the 30 days, and reports p50/p95 of both and their ratio (target: as-of p95 at most 2×
 * current). Writes bench/out/asof.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeClusterDump, scaledDumpOptions } from './generate';
import { createFingerprinter } from '../lib/secrets/fingerprint';
import { collectFiles } from '../collectors/files';
import { startRun } from '../lib/store/write';
import { getEdges, getNode } from '../lib/store/read';
import type { CollectionResult, NodeRecord } from '../lib/graph/records';
import { createRng } from './generate';
import { openBenchDatabase } from './db';

const { values } = parseArgs({ options: { scale: { type: 'string', default: '1.53' }, days: { type: 'string', default: '30' } } });
const scale = Number(values.scale);
const days = Number(values.days);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!.toFixed(2);
}

/** Day `d` of the cluster: ~2% of nodes changed (a `day` label), ~0.5% gone, as many new. */
function day(base: CollectionResult, d: number, rng: () => number): CollectionResult {
  const nodes: NodeRecord[] = [];
  for (const n of base.nodes) {
    const r = rng();
    if (r < 0.005 && d > 0) continue;
    nodes.push(r < 0.02 ? { ...n, properties: { ...n.properties, labels: { ...((n.properties.labels as object) ?? {}), 'bench/day': String(d) } } } : n);
  }
  for (let i = 0; i < base.nodes.length * 0.005; i++) {
    const t = base.nodes[Math.floor(rng() * base.nodes.length)]!;
    nodes.push({ ...t, id: `${t.id}-d${d}-${i}`, name: `${t.name}-d${d}-${i}` });
  }
  return { ...base, nodes };
}

async function main() {
  const outDir = path.resolve('bench/out');
  await mkdir(outDir, { recursive: true });
  const dump = path.join(outDir, `cluster-x${scale}.json`);
  const opts = scaledDumpOptions(scale);
  const summary = await writeClusterDump(dump, opts);
  const fingerprint = createFingerprinter(Buffer.alloc(32, 1));
  const { collections } = await collectFiles([dump], { cluster: 'bench', namespace: 'default', fingerprint });
  const base = collections[0]!.result;
  console.log(`mapped ${summary.total} objects: ${base.nodes.length} nodes, ${base.edges.length} edges`);

  const bench = await openBenchDatabase({ prefix: 'keygraph-asof-', external: false });
  const { database } = bench;
  try {
    const rng = createRng(11);
    const commits: Date[] = [];
    const t0 = performance.now();
    for (let d = 0; d < days; d++) {
      const run = await startRun(database, 'files', 'bench');
      await run.commit(day(base, d, rng));
      commits.push((await database.prisma.run.findUnique({ where: { id: run.runId } }))!.committedAt!);
      process.stderr.write(`\rday ${d + 1}/${days}`);
    }
    process.stderr.write('\n');
    const buildS = (performance.now() - t0) / 1000;
    const versions = await database.pool.query(`SELECT (SELECT count(*) FROM node_versions) AS n, (SELECT count(*) FROM edge_versions) AS e`);
    await database.pool.query('ANALYZE');

    // 200 nodes that exist at both times: workloads, Secrets and pods.
    const mid = commits[Math.floor(days / 2)]!;
    const sample = base.nodes.filter((_, i) => i % Math.max(1, Math.floor(base.nodes.length / 400)) === 0).slice(0, 400);
    const ids: string[] = [];
    for (const n of sample) {
      if (ids.length >= 200) break;
      if ((await getNode(database, n.id)) && (await getNode(database, n.id, { asOf: mid }))) ids.push(n.id);
    }
    const time = async (asOf?: Date) => {
      const ms: number[] = [];
      for (const id of ids) {
        const t = performance.now();
        await Promise.all([getNode(database, id, { asOf }), getEdges(database, id, 'in', { asOf }), getEdges(database, id, 'out', { asOf })]);
        ms.push(performance.now() - t);
      }
      return ms;
    };
    await time(); // warm up
    const current = await time();
    const past = await time(mid);
    const report = {
      objects: summary.total,
      days,
      buildSeconds: +buildS.toFixed(1),
      nodeVersions: Number(versions.rows[0].n),
      edgeVersions: Number(versions.rows[0].e),
      queries: ids.length,
      currentP50ms: pct(current, 50),
      currentP95ms: pct(current, 95),
      asOfP50ms: pct(past, 50),
      asOfP95ms: pct(past, 95),
      ratioP95: +(pct(past, 95) / pct(current, 95)).toFixed(2),
    };
    console.table(report);
    await writeFile(path.join(outDir, 'asof.json'), JSON.stringify(report, null, 2));
  } finally {
    await bench.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
