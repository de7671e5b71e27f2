#!/usr/bin/env node
// `npm run build` unless the last build (web app and compiled CLI) was made from exactly these inputs: a SHA-256 over
// the path and contents of every build input (app/, lib/, collectors/, prisma/schema.prisma, the root config files,
// scripts/build-cli.mjs; tests and lib/generated excluded), stored in .next/keygraph-inputs.sha256 after a successful
// build. Used by `npm test` and `npm run test:e2e`, so re-running the tests does not rebuild an up-to-date build.
// Contents, not modification times: a fresh clone, a checkout or a touched file decide nothing by themselves.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = path.join(root, '.next', 'keygraph-inputs.sha256');
const DIRS = ['app', 'lib', 'collectors'];
const FILES = ['package.json', 'package-lock.json', 'next.config.js', 'proxy.ts', 'tsconfig.json', 'prisma/schema.prisma', 'scripts/build-cli.mjs'];
const SKIP_DIRS = new Set(['generated', 'node_modules']);
const isTest = (name) => /\.test\.tsx?$/.test(name);

function walk(dir, out) {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) walk(p, out);
    } else if (!isTest(e.name)) out.push(p);
  }
  return out;
}

const inputs = [...DIRS.flatMap((d) => walk(path.join(root, d), [])), ...FILES.map((f) => path.join(root, f)).filter((f) => existsSync(f))];
const hash = createHash('sha256');
for (const f of inputs) hash.update(path.relative(root, f)).update('\0').update(readFileSync(f)).update('\0');
const digest = hash.digest('hex');

const built = existsSync(path.join(root, '.next', 'BUILD_ID')) && existsSync(path.join(root, 'dist', 'cli', 'main.js'));
if (built && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === digest) {
  process.stdout.write(`build is up to date (${inputs.length} inputs unchanged): not rebuilding\n`);
} else {
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  writeFileSync(STAMP, `${digest}\n`);
}
