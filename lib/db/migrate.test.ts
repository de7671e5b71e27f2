import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, writeFileSync, appendFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Prisma } from '../generated/prisma/client';
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from '../../test/db';
import { openDatabase, closeDatabase } from './index';
import { migrate, migrationStatus, readMigrations } from './migrate';

describe('migrations', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it('creates every Prisma model and field in the database', async () => {
    const cols = await t.pool.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const have = new Set(cols.rows.map((r) => `${r.table_name}.${r.column_name}`));
    const models = parseSchemaModels(readFileSync(path.resolve('prisma/schema.prisma'), 'utf8'));
    expect(models.map((m) => m.name).sort()).toEqual(Object.values(Prisma.ModelName).sort());
    const missing: string[] = [];
    for (const m of models) {
      for (const f of m.fields) {
        if (!have.has(`${m.table}.${f.column}`)) missing.push(`${m.name}.${f.name} (${m.table}.${f.column})`);
      }
    }
    expect(missing).toEqual([]);
    // And the client can read every model through the adapter.
    for (const m of models) {
      const delegate = (t.prisma as unknown as Record<string, { findFirst: () => Promise<unknown> }>)[
        m.name.charAt(0).toLowerCase() + m.name.slice(1)
      ];
      await expect(delegate!.findFirst()).resolves.toBeNull();
    }
  });

  it('records migrations in _prisma_migrations and is idempotent', async () => {
    const rows = await t.pool.query(`SELECT migration_name, checksum, finished_at FROM "_prisma_migrations"`);
    expect(rows.rows.map((r) => r.migration_name)).toEqual(readMigrations().map((m) => m.name));
    expect(await migrate(t.pool)).toEqual([]);
    expect((await migrationStatus(t.pool)).pending).toEqual([]);
  });

  it('serialises two runners at once (each migration applied exactly once)', async () => {
    const empty = await createEmptyDatabase();
    const a = openDatabase(empty.url);
    const b = openDatabase(empty.url);
    try {
      const [ra, rb] = await Promise.all([migrate(a.pool), migrate(b.pool)]);
      expect([...ra, ...rb].sort()).toEqual(readMigrations().map((m) => m.name));
      const n = await a.pool.query(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
      expect(n.rows[0].n).toBe(readMigrations().length);
    } finally {
      await closeDatabase(a);
      await closeDatabase(b);
      await empty.drop();
    }
  });

  it('refuses with a clear error when an applied migration file was edited', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kg-mig-'));
    cpSync(path.resolve('prisma/migrations'), dir, { recursive: true });
    const first = readMigrations(dir)[0]!;
    appendFileSync(path.join(dir, first.name, 'migration.sql'), '\n-- edited\n');
    await expect(migrate(t.pool, dir)).rejects.toThrow(/was edited after it was applied/);
    await expect(migrationStatus(t.pool, dir)).rejects.toThrow(/was edited/);
  });

  it('rolls back a failing migration completely', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kg-mig-'));
    cpSync(path.resolve('prisma/migrations'), dir, { recursive: true });
    const bad = path.join(dir, '29991231000000_bad');
    cpSync(path.join(dir, readMigrations(dir)[0]!.name), bad, { recursive: true });
    writeFileSync(path.join(bad, 'migration.sql'), 'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n');
    await expect(migrate(t.pool, dir)).rejects.toThrow(/29991231000000_bad failed/);
    const half = await t.pool.query(`SELECT to_regclass('half_done') AS t`);
    expect(half.rows[0].t).toBeNull();
    expect((await migrationStatus(t.pool)).pending).toEqual([]);
  });
});

/** Models of schema.prisma with their table and scalar columns (@map / @@map honoured; relation fields skipped). */
function parseSchemaModels(schema: string) {
  const models: { name: string; table: string; fields: { name: string; column: string }[] }[] = [];
  for (const m of schema.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const body = m[2]!;
    const table = /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? m[1]!;
    const fields = body
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('//') && !l.startsWith('@@'))
      .map((l) => /^(\w+)\s+(\w+)(\[\])?\??(.*)$/.exec(l))
      .filter((x): x is RegExpExecArray => !!x && !x[4]!.includes('@relation'))
      .filter((x) => /^(String|Int|BigInt|Boolean|DateTime|Json|Float|Decimal|Bytes)$/.test(x[2]!))
      .map((x) => ({ name: x[1]!, column: /@map\("([^"]+)"\)/.exec(x[4]!)?.[1] ?? x[1]! }));
    models.push({ name: m[1]!, table, fields });
  }
  return models;
}
