/**
 * The `keygraph` CLI in tests (lib/cli/*.test.ts): {@link useCliDatabase} points the CLI's default database at a
 * fresh test database for the file, {@link runCli} runs the CLI entry in-process and captures what it writes.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, vi } from 'vitest';
import { main } from '../lib/cli/main';
import { createTestDatabase, type TestDatabase } from './db';

/** The test file's database and data folder, set once its `beforeAll` ran. */
export interface CliTestEnv {
  db: TestDatabase;
  /** `KEYGRAPH_DATA_DIR`, a fresh temporary folder (`prefix…`). */
  dir: string;
}

/**
 * Registers the file's `beforeAll` / `afterAll`: a fresh migrated database (then `load`, when given) that
 * `DATABASE_URL` names, and a fresh `KEYGRAPH_DATA_DIR`; afterwards the CLI's default database is closed and the
 * test database dropped. Returns the environment, filled in by `beforeAll`.
 */
export function useCliDatabase(prefix: string, load?: (db: TestDatabase) => Promise<unknown>): CliTestEnv {
  const env = {} as CliTestEnv;
  beforeAll(async () => {
    env.db = await createTestDatabase();
    if (load) await load(env.db);
    env.dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    process.env.DATABASE_URL = env.db.url;
    process.env.KEYGRAPH_DATA_DIR = env.dir;
  });
  afterAll(async () => {
    const { closeDefaultDatabase } = await import('../lib/db');
    await closeDefaultDatabase();
    await env.db?.drop();
  });
  return env;
}

/** Runs `keygraph ARGS…` in-process, capturing stdout (text or bytes; write callbacks are called) and stderr. */
export async function runCli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(((c: string | Uint8Array, ...rest: unknown[]) => {
    out += typeof c === 'string' ? c : Buffer.from(c).toString();
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stdout.write);
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(((c: string | Uint8Array) => {
    err += String(c);
    return true;
  }) as typeof process.stderr.write);
  try {
    const code = await main(['node', 'keygraph', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
