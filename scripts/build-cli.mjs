#!/usr/bin/env node
// Compiles the command line (lib/cli/main.ts and what it imports) into dist/cli/ with esbuild: ESM for Node 20, one
// chunk per lazily loaded command (code splitting), packages from node_modules left external (required at run time,
// as the web app does). bin/keygraph.mjs runs dist/cli/main.js when it exists. Run by `npm run build` after
// `next build`; `node scripts/build-cli.mjs` alone rebuilds only the CLI.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'cli');
rmSync(outdir, { recursive: true, force: true });
const started = Date.now();
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'lib/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // `@/…` imports (tsconfig paths) resolve through tsconfig.json.
  tsconfig: 'tsconfig.json',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
process.stdout.write(`dist/cli: ${Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js')).length} files, ${(bytes / 1024).toFixed(0)} KiB in ${Date.now() - started} ms\n`);
