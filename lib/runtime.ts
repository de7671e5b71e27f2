/**
 * Process runtime for the CLI: opens the database (the configured `DATABASE_URL`, else the embedded PostgreSQL in
 * `KEYGRAPH_DATA_DIR`, whose URL is then exported as `DATABASE_URL` so the web app in the same process uses it),
 * applies pending migrations, and provides the fingerprint key. `close()` stops what it started.
 */
import { loadConfig, type KeygraphConfig } from './config';
import { db, closeDefaultDatabase, type Database } from './db';
import { startEmbeddedDatabase } from './db/embedded';
import { migrate } from './db/migrate';
import { createFingerprinter, loadInstallationKey, type Fingerprinter } from './secrets/fingerprint';
import { log } from './log';

export interface Runtime {
  config: KeygraphConfig;
  database: Database;
  fingerprint: Fingerprinter;
  /** True when the embedded PostgreSQL is used. */
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * @param opts.migrate apply pending migrations (default true; `keygraph migrate` calls migrate itself).
 * Errors: invalid configuration, database unreachable, a failed or edited migration.
 */
export async function openRuntime(opts: { migrate?: boolean } = {}): Promise<Runtime> {
  const config = loadConfig();
  let stopEmbedded: (() => Promise<void>) | null = null;
  if (!config.databaseUrl) {
    const embedded = await startEmbeddedDatabase(config.dataDir);
    process.env.DATABASE_URL = embedded.url;
    stopEmbedded = embedded.stop;
  }
  const database = db();
  try {
    await database.pool.query('SELECT 1');
    if (opts.migrate !== false) {
      const applied = await migrate(database.pool);
      if (applied.length) log.info({ applied }, 'applied database migrations');
    }
  } catch (e) {
    await closeDefaultDatabase();
    await stopEmbedded?.();
    throw e;
  }
  let closed = false;
  return {
    config,
    database,
    fingerprint: createFingerprinter(loadInstallationKey(config.dataDir)),
    embedded: !!stopEmbedded,
    close: async () => {
      if (closed) return;
      closed = true;
      await closeDefaultDatabase();
      await stopEmbedded?.();
    },
  };
}
