/**
 * `npm run bench:export` (node --import tsx bench/export.ts [--edges N] [--keep]): the export benchmark (issue
 * "History, diffs and audit exports").
 *
 * 1. Starts a fresh embedded PostgreSQL in a temporary folder (or uses BENCH_DATABASE_URL), migrates.
 * 2. COPYs N synthetic USES_SECRET edges (default 3,000,000) straight into edge_versions (bench/export-data.ts).
 * 3. Exports all edges as CSV, then as NDJSON, to /dev/null through the same code path as `keygraph export
 *    --output` (writeExport on a file stream), sampling the RSS every 50 ms.
 * Reports rows/s and the peak RSS during each export (target: flat under 300 MiB whatever N), and writes
 * bench/out/export.json.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { parseExportRequest, writeExport, type ExportFormat } from '../lib/export';
import { openBenchDatabase } from './db';
import { copySyntheticEdges } from './export-data';

const { values } = parseArgs({
  options: { edges: { type: 'string', default: '3000000' }, keep: { type: 'boolean', default: false }, formats: { type: 'string', default: 'csv,ndjson' } },
});
const N = Number(values.edges);
if (!Number.isInteger(N) || N <= 0) throw new Error('--edges must be a positive whole number');
const MiB = 2 ** 20;

async function main() {
  const bench = await openBenchDatabase({ prefix: 'keygraph-bench-export-', keep: values.keep });
  const { database } = bench;
  try {
    let t = performance.now();
    await copySyntheticEdges(database.pool, N);
    const loadSecs = (performance.now() - t) / 1000;
    console.log(`COPYed ${N} edges in ${loadSecs.toFixed(1)} s; RSS now ${Math.round(process.memoryUsage().rss / MiB)} MiB`);

    const results: Record<string, unknown>[] = [];
    for (const format of values.formats.split(',') as ExportFormat[]) {
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      const out = createWriteStream('/dev/null');
      t = performance.now();
      const req = await parseExportRequest(database, { what: 'edges', format });
      const { rows } = await writeExport(database, req, out);
      out.end();
      await finished(out);
      const secs = (performance.now() - t) / 1000;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      const r = {
        format, rows, seconds: +secs.toFixed(1), rowsPerSecond: Math.round(rows / secs),
        rssBeforeMiB: Math.round(rssBefore / MiB), peakRssMiB: Math.round(peak / MiB),
      };
      console.log(r);
      results.push(r);
    }
    console.table(results);
    const report = { edges: N, loadSeconds: +loadSecs.toFixed(1), processMaxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), results };
    await mkdir('bench/out', { recursive: true });
    await writeFile(path.join('bench/out', 'export.json'), JSON.stringify(report, null, 2));
    console.log(`process peak RSS (load included): ${report.processMaxRssMiB} MiB (target for exports: < 300 MiB)`);
  } finally {
    await bench.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
