/**
 * `keygraph serve --workers N` (lib/cli/serve.ts): N web server processes share one port; a worker that dies is
 * replaced while the others keep answering; SIGTERM stops them all and exits 0. Against the real CLI and a real
 * PostgreSQL; needs the production build (skipped with a note without one).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childPids as childrenOf } from '../../bench/proc';
import { createTestDatabase, type TestDatabase } from '../db';
import { freePort, get, killChildren, NO_BUILD, startCli, webBuildReady } from './support';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | null> | T | null, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

describe('keygraph serve --workers', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  }, 60_000);
  afterAll(async () => {
    killChildren();
    await t?.drop();
  });

  it('serves from 2 workers, replaces one that dies, and stops them all on SIGTERM', async (ctx) => {
    if (!(await webBuildReady()) || !existsSync('/proc/self/stat')) {
      console.warn(NO_BUILD);
      ctx.skip();
      return;
    }
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const p = startCli(['serve', '--port', String(port), '--workers', '2'], { DATABASE_URL: t.url });
    await until('the serving line', () => (/keygraph is serving http:\/\/127\.0\.0\.1:\d+ with 2 workers/.test(p.stdout()) ? true : null));
    const primary = p.child.pid!;
    const workers = childrenOf(primary);
    expect(workers).toHaveLength(2);

    // Both workers answer: a fresh connection per request is spread over them round-robin.
    for (let i = 0; i < 6; i++) expect((await get(`${base}/readyz`)).status).toBe(200);

    process.kill(workers[0]!, 'SIGKILL');
    const replaced = await until('a replacement worker', () => {
      const now = childrenOf(primary);
      return now.length === 2 && !now.includes(workers[0]!) ? now : null;
    });
    expect(replaced).toContain(workers[1]);
    await until('the replacement to listen', async () => {
      const rs = await Promise.all(Array.from({ length: 4 }, () => get(`${base}/readyz`)));
      return rs.every((r) => r.status === 200) ? true : null;
    });
    expect(p.stderr()).toMatch(/web worker exited; starting another/);

    p.child.kill('SIGTERM');
    const { code } = await p.done;
    expect(code).toBe(0);
    expect(childrenOf(primary)).toEqual([]);
    for (const w of replaced) expect(() => process.kill(w, 0)).toThrow();
  }, 300_000);
});
