/**
 * The `keygraph` command line (DESIGN.md "Identifiers and the command-line contract"). Commands:
 * `collect files|k8s`, `show`, `serve`, `demo`, `migrate`. Exit codes: 0 success; 1 error (message on stderr, no
 * stack trace unless --debug); 4 a collection finished partially (what was skipped is printed).
 */
import { Command, CommanderError, Option } from 'commander';
import path from 'node:path';
import { EXIT, UsageError } from './exit';
import { collectFilesCommand, collectK8sCommand } from './collect';
import { showCommand } from './show';
import { demoCommand, migrateCommand, serveCommand } from './serve';

/** Commander parser for a repeatable option. */
const repeatable = (value: string, previous: string[] = []) => [...previous, value];

/** Builds the program; actions return an exit code. */
export function buildProgram(setCode: (code: number) => void): Command {
  const program = new Command('keygraph')
    .description('Dependency-graph inventory of Kubernetes Secrets, ServiceAccounts, workloads and GCP service accounts and keys')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError()
    .exitOverride();
  const run = (fn: (...a: any[]) => Promise<number>) => async (...a: any[]) => setCode(await fn(...a));

  const collectCmd = program.command('collect').description('collect a source into the inventory (one run per cluster/project)');
  collectCmd
    .command('files')
    .description('collect manifests, kubectl -o json|yaml dumps (files or folders, recursively)')
    .argument('<paths...>', 'files or folders')
    .requiredOption('--cluster <name>', 'cluster name used in node ids (k8s:CLUSTER/…)')
    .option('--namespace <ns>', 'namespace for objects that carry none', 'default')
    .option('--json', 'print the run summary as JSON')
    .action(run(collectFilesCommand));
  collectCmd
    .command('k8s')
    .description('collect from a live cluster through kubeconfig (KUBECONFIG, --context) or in-cluster config')
    .option('--context <ctx>', 'kubeconfig context (repeat for several clusters)', repeatable, [])
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--cluster <name>', 'cluster name for node ids (default: the context name)')
    .option('--namespace <ns>', 'only these namespaces (repeat); default all', repeatable, [])
    .option('--metadata-only', 'list Secrets as metadata only (no data read; no fingerprints or key links)')
    .addOption(new Option('--page-size <n>', 'list page size').default(500).argParser((v) => parsePositive(v, '--page-size')))
    .option('--json', 'print the run summaries as JSON')
    .action(run(collectK8sCommand));

  program
    .command('show')
    .description('a node, what it uses and what uses it')
    .argument('<id>', 'node id, e.g. k8s:prod/payments/Secret/stripe-key')
    .option('--json', 'print JSON')
    .action(run(showCommand));

  program
    .command('serve')
    .description('serve the web UI (http://127.0.0.1:3000 by default)')
    .option('--host <host>', 'address to bind (loopback only until sign-in is configured)', '127.0.0.1')
    .addOption(new Option('--port <n>', 'port').default(3000).argParser((v) => parsePositive(v, '--port')))
    .option('--dev', 'Next.js development server (for working on the UI)')
    .action(run(serveCommand));

  program
    .command('demo')
    .description('load the sample data keygraph ships (two days of a demo cluster, cluster "demo") and serve the UI')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .addOption(new Option('--port <n>', 'port').default(3000).argParser((v) => parsePositive(v, '--port')))
    .option('--no-serve', 'only load the data')
    .action(run(demoCommand));

  program
    .command('migrate')
    .description('apply pending database migrations (also done at every start)')
    .option('--status', 'only list applied and pending migrations')
    .action(run(migrateCommand));
  return program;
}

function parsePositive(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535 * 1000) throw new UsageError(`${name} must be a whole number`);
  return n;
}

/** Runs the CLI and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => (code = c));
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? EXIT.ok : EXIT.error;
    }
    const err = e as Error;
    process.stderr.write(`keygraph: ${err.message}\n`);
    if (debug && err.stack) process.stderr.write(err.stack + '\n');
    return EXIT.error;
  }
}

export const cliRoot = path.resolve(import.meta.dirname, '../..');
