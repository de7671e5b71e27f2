/**
 * Per-test-file databases on the real PostgreSQL started by test/global-setup.ts.
 * `createTestDatabase()` creates a fresh, migrated database and returns its handles and URL; `drop()` removes it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, closeDatabase, type Database } from '../lib/db';
import { migrate } from '../lib/db/migrate';
// Registers every source (collectors/index.ts), as the CLI does at start, so runs committed by tests derive the
// registered cross-source links (lib/store/linkers.ts) exactly as in production.
import '../collectors';

export interface TestDatabase extends Database {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Creates an empty database (no migrations). */
export async function createEmptyDatabase(): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `kg_test_${randomBytes(5).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = inject('pgAdminUrl').replace(/\/[^/]*$/, `/${name}`);
  return { url, name, drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}) };
}

/** Creates a fresh database with all migrations applied. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const empty = await createEmptyDatabase();
  const database = openDatabase(empty.url);
  await migrate(database.pool);
  return {
    ...database,
    ...empty,
    drop: async () => {
      await closeDatabase(database);
      await empty.drop();
    },
  };
}
