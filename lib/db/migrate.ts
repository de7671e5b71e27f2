/**
 * Applies the SQL migrations in prisma/migrations (Prisma's folder format: `<timestamp>_<name>/migration.sql`) and
 * records them in Prisma's `_prisma_migrations` table, so the Prisma toolchain sees the same history.
 *
 * - Each migration runs in its own transaction with its bookkeeping row: it is applied completely or not at all.
 * - Two runners at once are serialised by the same advisory lock Prisma Migrate uses (72707369).
 * - An applied migration whose file changed since (sha256 checksum differs) stops everything with a clear error;
 *   so does a migration recorded as failed.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';

const ADVISORY_LOCK = 72707369;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

/**
 * The migrations folder shipped with keygraph: under `KEYGRAPH_ROOT` (set by the CLI to the installation folder,
 * so the web app finds it whatever its working directory and bundling), else next to this module, else the
 * working directory.
 */
export function defaultMigrationsDir(): string {
  const candidates = [
    process.env.KEYGRAPH_ROOT ? path.join(process.env.KEYGRAPH_ROOT, 'prisma', 'migrations') : null,
    import.meta.dirname ? path.resolve(import.meta.dirname, '../../prisma/migrations') : null,
    path.resolve('prisma/migrations'),
  ].filter((c): c is string => !!c);
  return candidates.find((c) => existsSync(c)) ?? candidates[candidates.length - 1]!;
}

/** Reads migration folders in name (timestamp) order. */
export function readMigrations(dir: string = defaultMigrationsDir()): MigrationFile[] {
  return readdirSync(/* turbopackIgnore: true */ dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(/* turbopackIgnore: true */ path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

async function appliedRows(client: pg.ClientBase): Promise<AppliedRow[]> {
  const exists = await client.query(`SELECT to_regclass('"_prisma_migrations"') AS t`);
  if (!exists.rows[0]?.t) return [];
  const r = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
  );
  return r.rows;
}

function verify(files: MigrationFile[], rows: AppliedRow[]): void {
  const byName = new Map(files.map((f) => [f.name, f]));
  for (const row of rows) {
    if (!row.finished_at) {
      throw new Error(
        `migration ${row.migration_name} is recorded as started but not finished (a failed migration); ` +
          'fix the database by hand, then mark it rolled back in _prisma_migrations',
      );
    }
    const file = byName.get(row.migration_name);
    if (file && file.checksum !== row.checksum) {
      throw new Error(
        `migration ${row.migration_name} was edited after it was applied (checksum ${row.checksum.slice(0, 12)}… ` +
          `in the database, ${file.checksum.slice(0, 12)}… on disk): restore the file and add a new migration instead`,
      );
    }
  }
}

/** Which migrations are applied and which are pending. Also verifies checksums (throws like `migrate`). */
export async function migrationStatus(pool: pg.Pool, dir?: string): Promise<MigrationStatus> {
  const files = readMigrations(dir);
  const client = await pool.connect();
  try {
    const rows = await appliedRows(client);
    verify(files, rows);
    const applied = new Set(rows.map((r) => r.migration_name));
    return { applied: [...applied], pending: files.filter((f) => !applied.has(f.name)).map((f) => f.name) };
  } finally {
    client.release();
  }
}

/**
 * Applies pending migrations. Returns the names applied (empty when up to date).
 * Errors: an edited or failed migration (nothing is applied), or the SQL error of the migration that failed
 * (that migration is rolled back; earlier ones stay applied).
 */
export async function migrate(pool: pg.Pool, dir?: string): Promise<string[]> {
  const files = readMigrations(dir);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK]);
    try {
      await client.query(CREATE_TABLE);
      const rows = await appliedRows(client);
      verify(files, rows);
      const applied = new Set(rows.map((r) => r.migration_name));
      const done: string[] = [];
      for (const f of files) {
        if (applied.has(f.name)) continue;
        await client.query('BEGIN');
        try {
          await client.query(f.sql);
          await client.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count, started_at)
             VALUES ($1, $2, now(), $3, 1, now())`,
            [randomUUID(), f.checksum, f.name],
          );
          await client.query('COMMIT');
          done.push(f.name);
        } catch (e) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${f.name} failed: ${(e as Error).message}`);
        }
      }
      return done;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK]);
    }
  } finally {
    client.release();
  }
}
