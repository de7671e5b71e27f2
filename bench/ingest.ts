/**
 * `npm run bench:ingest`: the ingest benchmark (issue "Foundation", Measure).
 *
 * 1. Generates a kubectl `List` dump of ~100,000 objects (bench/generate.ts; `--scale X` to resize).
 * 2. Starts a fresh embedded PostgreSQL (or uses BENCH_DATABASE_URL), migrates.
 * 3. Ingests the dump end to end (read, parse, map, COPY, merge, commit) as `keygraph collect files` does.
 * 4. Ingests the unchanged dump again.
 * 4b. Adds GCP on top: 5,000 service accounts with 20,000 keys (gcloud JSON) and 2,000 Secrets holding their key
 *    files (bench/generate-gcp.ts); reports the added time and its ratio to a raw COPY of the rows it wrote.
 * 5. COPYs the same rows (the nodes and edges the ingest wrote) into tables of the same definition (columns,
 *    defaults, indexes, constraints: `LIKE … INCLUDING ALL`): the floor any ingest of these rows pays.
 * Reports objects/s, peak RSS, the ratio to raw COPY (target ≤ 3×), the second ingest vs the first (target ≤ 1.5×),
 * and writes bench/out/ingest.json.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { writeFile, mkdir } from 'node:fs/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { spawn, spawnSync } from 'node:child_process';
import { writeGcpDump, DEFAULT_GCP_DUMP } from './generate-gcp';
import { openBenchDatabase } from './db';
import { createFingerprinter } from '../lib/secrets/fingerprint';
import { collectFilesInto } from '../lib/cli/collect';

const { values } = parseArgs({ options: { scale: { type: 'string', default: '1.53' }, keep: { type: 'boolean', default: false } } });
const scale = Number(values.scale);
if (!(scale > 0)) throw new Error('--scale must be a positive number');

const mib = (kb: number) => Math.round(kb / 1024);
const peakRssMiB = () => mib(process.resourceUsage().maxRSS);

async function main() {
  const outDir = path.resolve('bench/out');
  await mkdir(outDir, { recursive: true });
  const dump = path.join(outDir, `cluster-x${scale}.json`);
  let t = performance.now();
  // Generated in a child process, so that the generator's memory does not count in this process's peak RSS.
  const gen = spawnSync(process.execPath, ['--import', 'tsx', path.resolve('bench/generate.ts'), dump, '--scale', String(scale)], { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`generating the dump failed: ${gen.stderr}`);
  const summary = { total: Number(/: (\d+) objects/.exec(gen.stdout)?.[1] ?? NaN) };
  const genMs = performance.now() - t;
  console.log(`generated ${summary.total} objects (${(statSync(dump).size / 2 ** 20).toFixed(0)} MiB) in ${(genMs / 1000).toFixed(1)} s`);

  const bench = await openBenchDatabase({ prefix: 'keygraph-bench-', keep: values.keep });
  const { database } = bench;
  try {
    const rt = { database, fingerprint: createFingerprinter(Buffer.alloc(32, 1)) };
    const rssBefore = peakRssMiB();

    t = performance.now();
    const [first] = await collectFilesInto(rt, [dump], { cluster: 'bench', namespace: 'default', quiet: true });
    const firstMs = performance.now() - t;
    
    t = performance.now();
    const [second] = await collectFilesInto(rt, [dump], { cluster: 'bench', namespace: 'default', quiet: true });
    const secondMs = performance.now() - t;

    const rssAfterIngests = peakRssMiB();
    // What a user runs: `keygraph collect files DUMP` in its own process (another scope), peak RSS from /proc.
    const cli = await cliPeakRss(bench.url, dump);

    // GCP on top of the cluster: 5,000 service accounts with 20,000 keys (gcloud JSON, one project) and 2,000
    // Secrets holding key files (their own cluster scope), each key file naming a listed key.
    const gcpDump = await writeGcpDump(path.join(outDir, 'gcp'), {
      ...DEFAULT_GCP_DUMP,
      serviceAccounts: Math.round(DEFAULT_GCP_DUMP.serviceAccounts * scale),
      keys: Math.round(DEFAULT_GCP_DUMP.keys * scale),
      holderSecrets: Math.round(DEFAULT_GCP_DUMP.holderSecrets * scale),
    });
    const gcpRowsBefore = await countRows(database);
    t = performance.now();
    const gcpRuns = await collectFilesInto(rt, gcpDump.gcpFiles, { cluster: 'bench-gcp-files', namespace: 'default', quiet: true });
    const holderRuns = await collectFilesInto(rt, [gcpDump.holdersFile], { cluster: 'bench-holders', namespace: 'default', quiet: true });
    const gcpMs = performance.now() - t;
    const gcpRows = (await countRows(database)) - gcpRowsBefore;
    const danglingKeyLinks = Number(
      (await database.pool.query(`SELECT count(*) AS n FROM edge_versions e WHERE e.kind = 'HOLDS_KEY' AND e.scope = 'bench-holders' AND e.valid_to IS NULL
        AND NOT EXISTS (SELECT 1 FROM node_versions v WHERE v.node_id = e.to_id AND v.valid_to IS NULL AND NOT v.missing)`)).rows[0].n,
    );

    // The floor: COPY the same rows (as stored) into tables of the same definition, in the same PostgreSQL.
    const client = await database.pool.connect();
    let copyMs = 0;
    let gcpCopyMs = 0;
    let rows = 0;
    try {
      await client.query(`DROP TABLE IF EXISTS bench_raw_nodes, bench_raw_edges; CREATE TABLE bench_raw_nodes (LIKE node_versions INCLUDING ALL); CREATE TABLE bench_raw_edges (LIKE edge_versions INCLUDING ALL)`);
      const nodesText = await exportTable(client, 'node_versions', `WHERE scope = 'bench'`);
      const edgesText = await exportTable(client, 'edge_versions', `WHERE scope = 'bench'`);
      rows = nodesText.rows + edgesText.rows;
      t = performance.now();
      await copyIn(client, 'bench_raw_nodes', nodesText.chunks);
      await copyIn(client, 'bench_raw_edges', edgesText.chunks);
      copyMs = performance.now() - t;
      // Rows of the GCP phase alone: the floor for the added time.
      await client.query('TRUNCATE bench_raw_nodes, bench_raw_edges');
      const gcpNodes = await exportTable(client, 'node_versions', `WHERE scope IN ('bench-project', 'bench-holders')`);
      const gcpEdges = await exportTable(client, 'edge_versions', `WHERE scope IN ('bench-project', 'bench-holders')`);
      t = performance.now();
      await copyIn(client, 'bench_raw_nodes', gcpNodes.chunks);
      await copyIn(client, 'bench_raw_edges', gcpEdges.chunks);
      gcpCopyMs = performance.now() - t;
      await client.query('DROP TABLE bench_raw_nodes, bench_raw_edges');
    } finally {
      client.release();
    }

    const report = {
      objects: summary.total,
      dumpMiB: Math.round(statSync(dump).size / 2 ** 20),
      rowsWritten: rows,
      firstIngestSeconds: +(firstMs / 1000).toFixed(2),
      objectsPerSecond: Math.round(summary.total / (firstMs / 1000)),
      rawCopySeconds: +(copyMs / 1000).toFixed(2),
      ratioToRawCopy: +(firstMs / copyMs).toFixed(2),
      secondIngestSeconds: +(secondMs / 1000).toFixed(2),
      secondToFirst: +(secondMs / firstMs).toFixed(2),
      peakRssMiB: cli.peakMiB,
      cliSeconds: +(cli.ms / 1000).toFixed(2),
      benchProcessPeakRssMiB: rssAfterIngests,
      rssBeforeIngestMiB: rssBefore,
      gcp: {
        serviceAccounts: Math.round(DEFAULT_GCP_DUMP.serviceAccounts * scale),
        keys: Math.round(DEFAULT_GCP_DUMP.keys * scale),
        holderSecrets: Math.round(DEFAULT_GCP_DUMP.holderSecrets * scale),
        addedSeconds: +(gcpMs / 1000).toFixed(2),
        rowsWritten: gcpRows,
        rawCopySeconds: +(gcpCopyMs / 1000).toFixed(2),
        ratioToRawCopy: +(gcpMs / gcpCopyMs).toFixed(2),
        holdsKeyEdgesToUnlistedKeys: danglingKeyLinks,
        runs: [...gcpRuns, ...holderRuns].map((r) => ({ scope: r.scope, status: r.summary.status, nodes: r.summary.nodes, edges: r.summary.edges })),
      },
      firstRun: first!.summary,
      secondRun: { nodes: second!.summary.nodes, edges: second!.summary.edges, status: second!.summary.status },
    };
    console.table({
      'objects': report.objects,
      'first ingest (s)': report.firstIngestSeconds,
      'objects/s': report.objectsPerSecond,
      'raw COPY of the same rows (s)': report.rawCopySeconds,
      'ratio to raw COPY (target ≤ 3)': report.ratioToRawCopy,
      'second, unchanged ingest (s)': report.secondIngestSeconds,
      'second / first (target ≤ 1.5)': report.secondToFirst,
      'peak RSS MiB, keygraph collect files (target < 1024)': report.peakRssMiB,
      'peak RSS MiB, this process (2 ingests)': report.benchProcessPeakRssMiB,
      'GCP + key holders added (s)': report.gcp.addedSeconds,
      'GCP ratio to raw COPY': report.gcp.ratioToRawCopy,
      'HOLDS_KEY to unlisted keys (expect 0)': report.gcp.holdsKeyEdgesToUnlistedKeys,
    });
    await writeFile(path.join(outDir, 'ingest.json'), JSON.stringify(report, null, 2));
  } finally {
    await bench.close();
  }
}

/** Runs `keygraph collect files DUMP --cluster bench-cli` against `url`; samples VmHWM (peak RSS) from /proc. */
async function cliPeakRss(url: string, dump: string): Promise<{ peakMiB: number; ms: number }> {
  const t = performance.now();
  const child = spawn(process.execPath, [path.resolve('bin/keygraph.mjs'), 'collect', 'files', dump, '--cluster', 'bench-cli'], {
    env: { ...process.env, DATABASE_URL: url, KEYGRAPH_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]));
    } catch {
      // the process has ended
    }
  }, 50);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  if (code !== 0) throw new Error(`keygraph collect files exited ${code}`);
  return { peakMiB: Math.round(peak / 1024), ms: performance.now() - t };
}

async function countRows(database: { pool: import('pg').Pool }): Promise<number> {
  const r = await database.pool.query(`SELECT (SELECT count(*) FROM node_versions) + (SELECT count(*) FROM edge_versions) AS n`);
  return Number(r.rows[0].n);
}

async function exportTable(client: import('pg').PoolClient, table: string, where: string): Promise<{ chunks: string[]; rows: number }> {
  const { to: copyTo } = await import('pg-copy-streams');
  const chunks: string[] = [];
  let rows = 0;
  const stream = client.query(copyTo(`COPY (SELECT * FROM ${table} ${where}) TO STDOUT`));
  for await (const c of stream) {
    const s = c.toString();
    rows += s.split('\n').length - 1;
    chunks.push(s);
  }
  return { chunks, rows };
}

async function copyIn(client: import('pg').PoolClient, table: string, chunks: string[]) {
  const stream = client.query(copyFrom(`COPY ${table} FROM STDIN`));
  await pipeline(
    (function* () {
      yield* chunks;
    })(),
    stream as unknown as Writable,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
