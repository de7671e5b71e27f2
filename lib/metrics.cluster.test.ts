/**
 * /metrics with node:cluster workers (what `keygraph serve --workers N` makes, lib/cli/serve.ts): this test process is
 * the primary (lib/metrics.ts serveClusterMetrics) and two workers run the server's request listener
 * (test/metrics-worker.ts, a stand-in for Next.js). Whichever worker is asked, /metrics gives the request durations
 * of both summed and the inventory gauges read by the primary.
 */
import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../test/db';
import { loadDemo } from '../test/demo';
import { serveClusterMetrics } from './metrics';

/** GET on a fresh connection (so the primary spreads requests over the workers). */
function get(url: string): Promise<{ status: number; body: string; worker: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body, worker: String(res.headers['x-worker']) }));
      })
      .on('error', reject);
  });
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });

const sample = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l));

describe('/metrics with cluster workers', () => {
  let t: TestDatabase;
  let workers: Worker[] = [];
  let base: string;
  const saved = process.env.DATABASE_URL;

  beforeAll(async () => {
    t = await createTestDatabase();
    await loadDemo(t);
    process.env.DATABASE_URL = t.url; // the primary's process-wide database (lib/db.ts db())
    serveClusterMetrics();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    cluster.setupPrimary({ exec: path.resolve(import.meta.dirname, '../test/metrics-worker.ts'), execArgv: ['--import', 'tsx'], silent: true });
    const listening = new Promise<void>((resolve) => {
      let n = 0;
      cluster.on('listening', () => ++n === 2 && resolve());
    });
    workers = [cluster.fork({ PORT: String(port) }), cluster.fork({ PORT: String(port) })];
    await listening;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => new Promise<void>((r) => (w.isDead() ? r() : (w.once('exit', () => r()), w.kill())))));
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
    await t?.drop();
  });

  it('sums both workers\' request durations and gives the primary\'s inventory gauges, whichever worker answers', async () => {
    const answeredBy = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const r = await get(`${base}/runs/${i + 1}`);
      expect(r.status).toBe(200);
      answeredBy.add(r.worker);
    }
    expect(answeredBy.size).toBe(2);
    const scrapes = [];
    for (let i = 0; i < 4; i++) scrapes.push(await get(`${base}/metrics`));
    expect(new Set(scrapes.map((s) => s.worker)).size).toBe(2);
    for (const s of scrapes) {
      expect(s.status).toBe(200);
      expect(sample(s.body, /^keygraph_http_request_duration_seconds_count\{route="\/runs\/\[id\]",method="GET",status="200"\} 8$/)).toHaveLength(1);
      // Findings and run gauges come once, from the primary: the same lines from either worker.
      expect(sample(s.body, /^keygraph_findings\{/)).toEqual(sample(scrapes[0]!.body, /^keygraph_findings\{/));
      expect(sample(s.body, /^keygraph_findings\{/).length).toBeGreaterThan(3);
      expect(sample(s.body, /^keygraph_last_successful_run_timestamp_seconds\{source="files",scope="demo"\} /)).toHaveLength(1);
      expect(sample(s.body, /^process_resident_memory_bytes /)).toHaveLength(1);
    }
  });
});
