/**
 * The `keygraph` command line (docs/ARCHITECTURE.md "Identifiers and the command-line contract"). Commands:
 * `collect files`, `collect <source>` for every registered source (collectors/index.ts SOURCES: `k8s`, `gcp`), `show`, `impact`, `check`, `export`, `serve`, `demo`, `migrate`, `token create|list|revoke`. Exit codes: 0 success; 1 error (message
 * on stderr, no stack trace unless --debug); 2 `impact` breaks / `check` found something at or above --fail-on;
 * 3 `impact` unknown (a relevant source is partial or stale); 4 a collection finished partially.
 */
import { Command, CommanderError, Option } from 'commander';
import { EXIT, UsageError } from './exit';
import { SOURCES } from '../../collectors';
import { version } from './version';

// Each command's module loads only when the command runs (dynamic import in its action), so `--help`, `--version`
// and a mistyped command do not load the database, the web server or the API clients.
const collectFilesCommand = lazy(() => import('./collect'), 'collectFilesCommand');
const collectLiveCommand = lazy(() => import('./collect'), 'collectLiveCommand');
const showCommand = lazy(() => import('./show'), 'showCommand');
const exportCommand = lazy(() => import('./export'), 'exportCommand');
const historyCommand = lazy(() => import('./history'), 'historyCommand');
const diffCommand = lazy(() => import('./history'), 'diffCommand');
const pruneCommand = lazy(() => import('./history'), 'pruneCommand');
const impactCommand = lazy(() => import('./impact'), 'impactCommand');
const checkCommand = lazy(() => import('./check'), 'checkCommand');
const serveCommand = lazy(() => import('./serve'), 'serveCommand');
const demoCommand = lazy(() => import('./serve'), 'demoCommand');
const migrateCommand = lazy(() => import('./serve'), 'migrateCommand');
const tokenCreateCommand = lazy(() => import('./token'), 'tokenCreateCommand');
const tokenListCommand = lazy(() => import('./token'), 'tokenListCommand');
const tokenRevokeCommand = lazy(() => import('./token'), 'tokenRevokeCommand');

/** A command function that imports its module on first call. */
function lazy<M extends Record<K, (...a: any[]) => Promise<number>>, K extends keyof M & string>(load: () => Promise<M>, name: K) {
  return async (...a: Parameters<M[K]>): Promise<number> => (await load())[name](...a);
}

const ALLOW_PARTIAL_FLAG = '--allow-partial';
const ALLOW_PARTIAL_HELP = 'exit 0 when a run finished partially, instead of 4 (the run is still recorded partial); also KEYGRAPH_ALLOW_PARTIAL=1';

/** Commander parser for a repeatable option. */
const repeatable = (value: string, previous: string[] = []) => [...previous, value];

/** Builds the program; actions return an exit code. */
export function buildProgram(setCode: (code: number) => void): Command {
  const program = new Command('keygraph')
    .description('Dependency-graph inventory of Kubernetes Secrets, ServiceAccounts, workloads and GCP service accounts and keys')
    .option('--debug', 'print stack traces on errors')
    .version(version(), '-V, --version', 'print the version')
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
    .option(
      '--complete',
      'the input lists the whole cluster: every kind is complete in every namespace, and what it does not hold is marked gone ' +
        '(default: a kind counts as listed only in the namespaces where the input holds objects of it)',
    )
    .option('--json', 'print the run summary as JSON')
    .option(ALLOW_PARTIAL_FLAG, ALLOW_PARTIAL_HELP)
    .action(run(collectFilesCommand));
  // One command per registered source with a live collector, from its declared options (collectors/types.ts).
  for (const source of SOURCES) {
    if (!source.live) continue;
    const cmd = collectCmd.command(source.command).description(source.live.description);
    for (const o of source.live.options) {
      const opt = new Option(o.flags, o.description);
      if (o.repeatable) opt.default([]).argParser(repeatable);
      else if (o.parse) opt.argParser(o.parse);
      if (o.default !== undefined) opt.default(o.default);
      cmd.addOption(opt);
    }
    cmd.option('--json', 'print the run summaries as JSON').option(ALLOW_PARTIAL_FLAG, ALLOW_PARTIAL_HELP).action(run((opts: Record<string, unknown>) => collectLiveCommand(source, opts)));
  }

  program
    .command('show')
    .description('a node, what it uses and what uses it')
    .argument('<id>', 'node id, e.g. k8s:prod/payments/Secret/stripe-key')
    .option('--json', 'print JSON')
    .option('--server <url>', 'ask this keygraph server (its JSON API; token in KEYGRAPH_TOKEN) instead of the database; default KEYGRAPH_SERVER')
    .action(run(showCommand));

  program
    .command('impact')
    .description('what breaks if ID is deleted, disabled, rotated or renamed (exit 0 safe, 2 breaks, 3 unknown)')
    .argument('<id>', 'node id, e.g. gcp:my-project/ServiceAccountKey/0123abcd')
    .option('--action <action>', 'delete | disable | rotate | rename', 'delete')
    .option('--as-of <time>', 'answer as of a past time: ISO 8601, run:N, 24h, 7d, yesterday… (exit 3 before the first collection)')
    .option('--json', 'print JSON')
    .option('--server <url>', 'ask this keygraph server (its JSON API; token in KEYGRAPH_TOKEN) instead of the database; default KEYGRAPH_SERVER')
    .action(run(impactCommand));

  program
    .command('check')
    .description('findings: dangling references, missing keys, stale keys, renames… (exit 2 when any reaches --fail-on)')
    .option('--fail-on <severity>', 'info | low | medium | high | critical', 'high')
    .option('--manifests <dir>', 'pre-deploy gate: check the references of these manifests against the inventory of --cluster')
    .option('--cluster <name>', 'cluster the manifests are deployed to (with --manifests)')
    .option('--namespace <ns>', 'namespace for manifest objects that carry none (with --manifests)', 'default')
    .option('--complete', 'with --manifests: the manifests and the inventory hold every object of the cluster, so a reference to neither is dangling (not unverified)')
    .option('--rule <rule>', 'only this rule (repeat)', repeatable, [])
    .option('--as-of <time>', 'findings as of a past time: ISO 8601, run:N, 24h, 7d, yesterday… (exit 3 before the first collection)')
    .option('--json', 'print JSON')
    .option('--server <url>', 'ask this keygraph server (its JSON API; token in KEYGRAPH_TOKEN) instead of the database; default KEYGRAPH_SERVER')
    .action(run(checkCommand));

  program
    .command('export')
    .description('stream an export: nodes, edges, findings, the key audit or access grants, as CSV, JSON, NDJSON or GraphML (stdout or --output)')
    .requiredOption('--what <what>', 'nodes | edges | findings | keys | access')
    .option('--format <format>', 'csv | excel | json | ndjson | graphml (CSV starts with # comment lines: read with comment "#"; excel: for spreadsheets, the meta in row 1)', 'csv')
    .option('--as-of <time>', 'the graph as of a past time: ISO 8601, run:N, 24h, 7d, yesterday…')
    .option('--cluster <name>', 'only this cluster (realm)')
    .option('--project <id>', 'only this GCP project (realm)')
    .option('--namespace <ns>', 'only this namespace')
    .option('--kind <kind>', 'nodes: Secret, Deployment, k8s:ServiceAccount…; edges: USES_SECRET, HOLDS_KEY…')
    .option('--output <file>', 'write to this file (created once complete) instead of stdout')
    .option('--server <url>', 'ask this keygraph server (its JSON API; token in KEYGRAPH_TOKEN) instead of the database; default KEYGRAPH_SERVER')
    .action(run(exportCommand));

  program
    .command('serve')
    .description('serve the web UI (http://127.0.0.1:3000 by default)')
    .option('--host <host>', 'address to bind (loopback only until sign-in is configured)', '127.0.0.1')
    .addOption(new Option('--port <n>', 'port').default(3000).argParser((v) => parsePositive(v, '--port')))
    .option('--dev', 'Next.js development server (for working on the UI)')
    .addOption(
      new Option('--workers <n>', 'web server processes sharing the port, to use more CPU cores for rendering pages')
        .default(1)
        .argParser((v) => {
          const n = parsePositive(v, '--workers');
          if (n < 1 || n > 64) throw new UsageError('--workers must be between 1 and 64');
          return n;
        }),
    )
    .addOption(
      new Option('--metrics-port <n>', 'also serve GET /metrics (Prometheus) without authentication on 127.0.0.1:<n> only').argParser((v) => {
        const n = parsePositive(v, '--metrics-port');
        if (n < 1 || n > 65535) throw new UsageError('--metrics-port must be between 1 and 65535');
        return n;
      }),
    )
    .option('--schedule <file>', 'run the scheduled collections of this YAML file (see "Scheduled collections" below)')
    .option('--collect <args>', 'run keygraph collect with these arguments on a schedule, e.g. "k8s --context prod" (repeat; with --every)', repeatable)
    .option('--every <duration>', 'interval of the --collect before it (one per --collect, or one for all): 15m, 1h, 1h30m; at least 1m', repeatable)
    .addHelpText(
      'after',
      `
Scheduled collections (only for a single machine: in Kubernetes, use the CronJobs of deploy/):
  keygraph serve --collect "k8s --context prod" --every 15m --collect "gcp --project acme" --every 1h
  keygraph serve --schedule schedule.yaml

  schedule.yaml:
    collections:
      - name: prod                      # letters, digits, . _ -
        collect: k8s --context prod     # the arguments of keygraph collect
        every: 15m                      # at least 1m, at most 7d
        jitter: 1m                      # optional; default 10% of every, at most 5m
        timeout: 30m                    # optional; default every (at least 10m, at most 6h)

  Each run is a child process (keygraph collect …) whose output goes to the server log. A run still going when the
  next is due makes that one skipped. Several keygraph serve on one database run each due run once. Status and the
  next run are on the Runs page. A bad schedule stops keygraph serve at start (exit 1).`,
    )
    .action(run(serveCommand));

  program
    .command('demo')
    .description('load the sample data keygraph ships (two days of a demo cluster, cluster "demo") and serve the UI')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .addOption(new Option('--port <n>', 'port').default(3000).argParser((v) => parsePositive(v, '--port')))
    .option('--no-serve', 'only load the data')
    .action(run(demoCommand));

  program
    .command('history')
    .description('when a node appeared, each change (never a value), when it disappeared, and the runs that saw it')
    .argument('<id>', 'node id')
    .option('--json', 'print JSON')
    .action(run(historyCommand));
  program
    .command('diff')
    .description('what changed between two times or runs: nodes and edges added, removed, changed; renamed Secrets')
    .requiredOption('--from <time>', 'ISO 8601 time, run:N, or a time ago (24h, 7d, yesterday…)')
    .option('--to <time>', 'ISO 8601 time, run:N, or a time ago (default: now)')
    .option('--cluster <name>', 'only this cluster or project')
    .option('--json', 'print JSON')
    .action(run(diffCommand));
  program
    .command('prune')
    .description('delete history that ended longer ago than an age; the current state is never touched')
    .requiredOption('--older-than <age>', 'e.g. 90d, 12h, 8w')
    .option('--json', 'print JSON')
    .action(run(pruneCommand));

  const tokenCmd = program.command('token').description('API tokens for scripts and the JSON API (Authorization: Bearer kg_…)');
  tokenCmd
    .command('create')
    .description('create a token and print it once (stdout); keygraph keeps only its hash')
    .requiredOption('--name <name>', 'what will use it, e.g. rotation-ci')
    .requiredOption('--role <role>', 'viewer (browse, impact, export) | admin (also collections and tokens)')
    .option('--expires <age>', 'lifetime, e.g. 90d, 12h, 8w, or never', '90d')
    .option('--json', 'print the token and its record as JSON')
    .action(run(tokenCreateCommand));
  tokenCmd.command('list').description('list tokens (never the tokens themselves)').option('--json', 'print JSON').action(run(tokenListCommand));
  tokenCmd.command('revoke').description('revoke a token at once').argument('<id>', 'token id (see token list)').action(run(tokenRevokeCommand));

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

