/**
 * Issue "Reliability and security" parts 4 and 6: clients that leave in the middle of a download.
 *
 * Found under bench:load: every export (lib/export) holds one pooled connection in a REPEATABLE READ transaction
 * while it streams; when the HTTP client disconnected mid-body, the connection stayed "idle in transaction" for good
 * (Next does not cancel a Response's stream on disconnect), so a dozen abandoned downloads emptied the pool (10) and
 * the whole app hung. Here, against the real app (`keygraph serve`): downloads of a 50,000-edge NDJSON export are
 * abandoned, some after their first bytes and some while the server is still preparing the answer (what a load
 * tool's clients do when its time is up); then no connection of the app's database is left in a transaction, and a
 * full export and /readyz still answer.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copySyntheticEdges } from '../../bench/export-data';
import { createTestDatabase, type TestDatabase } from '../db';
import { get, killChildren, NO_BUILD, startWebApp, webBuildReady, type WebApp } from './support';

const EDGES = 50_000;
const ABANDONED = 12;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GETs `url`, waits for the first body bytes, then destroys the socket (a browser tab closed mid-download). */
function abandonAfterFirstBytes(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve(res.statusCode ?? 0);
      });
      res.once('error', () => undefined);
    });
    req.once('error', (e) => (req.destroyed ? undefined : reject(e)));
    req.setTimeout(30_000, () => reject(new Error('no answer within 30 s')));
  });
}

/** GETs `url` and destroys the socket `afterMs` after the request was sent, answered or not. */
function abandonAfter(url: string, afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => res.resume());
    req.once('error', () => undefined);
    req.once('finish', () => setTimeout(() => (req.destroy(), resolve()), afterMs));
  });
}

describe('abandoned downloads', () => {
  let t: TestDatabase;
  let web: WebApp | null = null;

  beforeAll(async () => {
    t = await createTestDatabase();
    await copySyntheticEdges(t.pool, EDGES);
  }, 300_000);
  afterAll(async () => {
    await web?.stop();
    killChildren();
    await t?.drop();
  });

  const inTransaction = async () =>
    (await t.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`,
      [t.name],
    )).rows[0]!.n;

  it('frees the connection of every export whose client went away; the app keeps answering', async (ctx) => {
    if (!(await webBuildReady())) {
      console.warn(NO_BUILD);
      ctx.skip();
      return;
    }
    web = await startWebApp(t.url);
    const exportUrl = `${web.url}/api/v1/export?what=edges&format=ndjson`;
    for (let i = 0; i < ABANDONED; i++) expect(await abandonAfterFirstBytes(exportUrl)).toBe(200);
    // Left while the handler runs: 0–60 ms after sending, several at once.
    await Promise.all(Array.from({ length: ABANDONED }, (_, i) => abandonAfter(exportUrl, i * 5)));

    await sleep(2_000); // let the server get through the requests it was handling
    let left = await inTransaction();
    for (const deadline = Date.now() + 15_000; left > 0 && Date.now() < deadline; left = await inTransaction()) await sleep(250);
    expect(left).toBe(0);

    const full = await get(exportUrl, 120_000);
    expect(full.status).toBe(200);
    // The meta line, then one line per edge.
    expect(full.body.trimEnd().split('\n')).toHaveLength(EDGES + 1);
    const ready = await get(`${web.url}/readyz`);
    expect(ready.status, ready.body).toBe(200);
    expect(await inTransaction()).toBe(0);
  }, 300_000);
});
