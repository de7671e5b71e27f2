/**
 * The database a benchmark runs against: `BENCH_DATABASE_URL` when set, otherwise a fresh embedded PostgreSQL in a
 * temporary folder (or in a kept folder the benchmark reuses); migrated before it is handed over.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closeDatabase, openDatabase, type Database } from '../lib/db';
import { startEmbeddedDatabase } from '../lib/db/embedded';
import { migrate } from '../lib/db/migrate';

/** An open, migrated benchmark database. */
export interface BenchDatabase {
  database: Database;
  /** postgres:// URL (for a server the benchmark starts in this process). */
  url: string;
  /** The embedded server's data folder; null when `BENCH_DATABASE_URL` is used. */
  dir: string | null;
  /** Closes the pool, stops the embedded server and removes its folder unless it is kept or reused. */
  close(): Promise<void>;
}

/** Options of {@link openBenchDatabase}. */
export interface BenchDatabaseOptions {
  /** Prefix of the temporary folder's name (`keygraph-bench-query-`). */
  prefix: string;
  /** Keep the temporary folder after `close()` (`--keep`). */
  keep?: boolean;
  /** An existing data folder to start the embedded server in instead of a temporary one; never removed. */
  reuseDir?: string | null;
  /** Whether `BENCH_DATABASE_URL` is honoured (default true); false always starts a fresh embedded server. */
  external?: boolean;
}

/**
 * Opens the benchmark database and applies the migrations. On a failed migration everything is closed (and the
 * temporary folder removed) before the error is rethrown.
 */
export async function openBenchDatabase(opts: BenchDatabaseOptions): Promise<BenchDatabase> {
  let dir: string | null = null;
  let stop = async () => {};
  let url = opts.external === false ? undefined : process.env.BENCH_DATABASE_URL;
  if (!url) {
    dir = opts.reuseDir ?? mkdtempSync(path.join(os.tmpdir(), opts.prefix));
    const server = await startEmbeddedDatabase(dir);
    url = server.url;
    stop = server.stop;
  }
  const database = openDatabase(url);
  const close = async () => {
    await closeDatabase(database);
    await stop();
    if (dir && !opts.keep && !opts.reuseDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await migrate(database.pool);
  } catch (e) {
    await close();
    throw e;
  }
  return { database, url, dir, close };
}
