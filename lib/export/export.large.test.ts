/**
 * A streamed export of a large graph runs in constant memory: 300,000 edges COPYed into edge_versions, exported as
 * CSV and NDJSON into a sink that discards, with the heap sampled at every chunk.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { copySyntheticEdges } from '../../bench/export-data';
import { parseExportRequest, writeExport } from './index';

const N = 300_000;
const MiB = 2 ** 20;

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await copySyntheticEdges(t.pool, N);
}, 300_000);
afterAll(async () => t?.drop());

/** A sink that discards what it is given, asynchronously (so backpressure is real), sampling the heap. */
function nullSink() {
  const s = { bytes: 0, peakHeap: 0 };
  const sink = new Writable({
    highWaterMark: 256 * 1024,
    write(chunk: Buffer, _enc, cb) {
      s.bytes += chunk.length;
      s.peakHeap = Math.max(s.peakHeap, process.memoryUsage().heapUsed);
      setImmediate(cb);
    },
  });
  return { sink, s };
}

describe('large export', () => {
  for (const format of ['csv', 'ndjson'] as const) {
    it(`streams ${N} edges as ${format} with bounded heap growth`, async () => {
      (globalThis as { gc?: () => void }).gc?.();
      const base = process.memoryUsage().heapUsed;
      const { sink, s } = nullSink();
      const req = await parseExportRequest(t, { what: 'edges', format });
      const t0 = performance.now();
      const { rows } = await writeExport(t, req, sink);
      const secs = (performance.now() - t0) / 1000;
      expect(rows).toBe(N);
      expect(s.bytes).toBeGreaterThan(N * 100);
      const growth = (s.peakHeap - base) / MiB;
      console.log(`${format}: ${N} edges, ${(s.bytes / MiB).toFixed(0)} MiB in ${secs.toFixed(1)} s (${Math.round(N / secs)} rows/s); heap growth peak ${growth.toFixed(1)} MiB`);
      expect(growth).toBeLessThan(100);
    }, 300_000);
  }
});
