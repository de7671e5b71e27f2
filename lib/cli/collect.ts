/**
 * `keygraph collect files|<source>`: collect, commit one run per cluster/project, print a summary. `collect files`
 * offers documents to every registered source's recognisers (collectors/files.ts); `collect <source>` runs that
 * Source's live collector (collectors/types.ts), one run per scope it plans.
 * Exit 0 when every run succeeded, 4 when any finished partially (kinds/files skipped are printed), 1 on error.
 * With `--allow-partial` (or `KEYGRAPH_ALLOW_PARTIAL=1`) a partial run exits 0 too: for schedulers (a Kubernetes
 * CronJob) where one forbidden kind should not mark every run failed; the run is still recorded as partial.
 * With alerts configured (KEYGRAPH_ALERT_WEBHOOK_URL, lib/alerts), each committed run's alert is sent before the
 * command ends; a failed alert is logged and does not change the exit code.
 */
import { collectFiles } from '../../collectors/files';
import { validateName, type Source } from '../../collectors/types';
import type { Provider } from '../graph/model';
import { openRuntime, type Runtime } from '../runtime';
import { startRun, type RunHandle, type RunSource, type RunSummary } from '../store/write';
import type { CollectionResult, CollectionSkip } from '../graph/records';
import { displayText } from '../graph/describe';
import { EXIT, UsageError } from './exit';
import { deliverRunAlerts } from '../alerts';
import { log } from '../log';

function progress(line: string) {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
  else process.stderr.write(line + '\n');
}
function endProgress() {
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
}

/** Human summary of one run (stdout) and its problems (stderr). */
export function printSummary(scope: string, s: RunSummary): void {
  const c = (x: RunSummary['nodes']) => `${x.added} added, ${x.changed} changed, ${x.removed} removed, ${x.unchanged} unchanged`;
  process.stdout.write(
    `run ${s.runId} (${scope}) ${s.status} in ${(s.durationMs / 1000).toFixed(1)} s\n` +
      `  nodes: ${c(s.nodes)}\n  edges: ${c(s.edges)}\n  missing (referenced, not observed): ${s.placeholders}\n`,
  );
  if (s.incompleteKinds.length && s.errors.length && s.nodes.removed === 0 && s.incompleteKinds.length > 5) {
    process.stderr.write(`  some input was skipped, so nothing was marked gone (previous state kept)\n`);
  } else if (s.incompleteKinds.length) {
    process.stderr.write(`  not listed completely (previous state kept): ${s.incompleteKinds.join(', ')}\n`);
  }
  for (const e of s.errors.slice(0, 50)) process.stderr.write(`  skipped ${e.where}: ${e.message}\n`);
  if (s.errors.length > 50) process.stderr.write(`  … and ${s.errors.length - 50} more (see the run page)\n`);
  if (s.skipped.length) process.stdout.write(formatSkipped(s.skipped));
}

/** Most skipped documents a human summary lists (the run page and `--json` have all). */
export const SKIPPED_LISTED = 20;

/**
 * The human report of skipped documents: counts per reason, then the first {@link SKIPPED_LISTED} documents
 * (`reason: where: Kind namespace/name: message`), hidden and bidi characters escaped (lib/graph/describe.ts displayText).
 */
export function formatSkipped(skipped: CollectionSkip[]): string {
  const byReason = new Map<string, number>();
  for (const s of skipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
  const reasons = [...byReason].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([r, n]) => `${r} ${n}`);
  const lines = [`  skipped documents (not mapped; the run is not partial because of them): ${skipped.length} (${reasons.join(', ')})`];
  const sorted = [...skipped].sort((a, b) => a.reason.localeCompare(b.reason));
  for (const s of sorted.slice(0, SKIPPED_LISTED)) {
    const obj = [s.kind, [s.namespace, s.name].filter((x) => x !== undefined).join('/')].filter(Boolean).join(' ');
    lines.push(`    ${s.reason}: ${displayText(s.where)}: ${displayText(obj)}: ${displayText(s.message)}`);
  }
  if (skipped.length > SKIPPED_LISTED) lines.push(`    … and ${skipped.length - SKIPPED_LISTED} more (see the run page or --json)`);
  return lines.join('\n') + '\n';
}


/**
 * Sends the alerts of the committed runs (lib/alerts deliverRunAlerts), one run after the other, when webhooks are
 * configured. Never throws: a failure is logged (a web process's sweep retries a delivery left unclaimed).
 */
async function sendAlerts(rt: Pick<Runtime, 'database' | 'config'>, summaries: RunSummary[]): Promise<void> {
  const { webhooks } = rt.config.alerts;
  if (!webhooks.length) return;
  for (const s of summaries) {
    try {
      await deliverRunAlerts(rt.database, s.runId, webhooks, { publicOrigin: rt.config.auth.publicOrigin });
    } catch (e) {
      log.error({ runId: s.runId, err: (e as Error).message }, 'alerts of the run not sent');
    }
  }
}

/** Options every `collect` command takes. */
export interface CollectExitOptions {
  json?: boolean;
  /** A partial run exits 0 instead of 4 (also `KEYGRAPH_ALLOW_PARTIAL=1`). */
  allowPartial?: boolean;
}

/** Whether a partial collection exits 0: `--allow-partial`, or `KEYGRAPH_ALLOW_PARTIAL` set to 1 or true. */
export function partialAllowed(opts: CollectExitOptions): boolean {
  return opts.allowPartial === true || /^(1|true)$/i.test(process.env.KEYGRAPH_ALLOW_PARTIAL ?? '');
}

function exitFor(summaries: RunSummary[], allowPartial: boolean): number {
  return summaries.some((s) => s.status === 'partial') && !allowPartial ? EXIT.partial : EXIT.ok;
}

/** Prints the runs' summaries (JSON on stdout with `json`, else human) and returns the command's exit code. */
function reportRuns(runs: { scope: string; summary: RunSummary }[], opts: CollectExitOptions): number {
  if (opts.json) process.stdout.write(JSON.stringify(runs.map((r) => ({ scope: r.scope, ...r.summary })), null, 2) + '\n');
  else for (const r of runs) printSummary(r.scope, r.summary);
  const allow = partialAllowed(opts);
  if (allow && runs.some((r) => r.summary.status === 'partial')) {
    process.stderr.write('partial collection accepted (--allow-partial or KEYGRAPH_ALLOW_PARTIAL): exit 0\n');
  }
  return exitFor(runs.map((r) => r.summary), allow);
}

/** Starts a run of `source` over `scope`, saying on stderr when it waits for another collection of the same. */
function startCollection(rt: Pick<Runtime, 'database'>, source: RunSource, provider: Provider, scope: string, inputs: Record<string, unknown>): Promise<RunHandle> {
  return startRun(rt.database, source, scope, inputs, {
    provider,
    onWait: () => process.stderr.write(`waiting for another collection of ${source}/${scope} to finish…\n`),
  });
}

/** Collects (`collect` reports progress), then commits the result to `run`; on any error the run is marked failed. */
async function collectAndCommit(run: RunHandle, collect: () => Promise<CollectionResult>): Promise<RunSummary> {
  try {
    const result = await collect();
    endProgress();
    return await run.commit(result);
  } catch (e) {
    endProgress();
    await run.fail((e as Error).message);
    throw e;
  }
}

async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await openRuntime();
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

/** Collects files into runs of source `files`, one per scope; returns the run summaries. */
export async function collectFilesInto(
  rt: Pick<Runtime, 'database' | 'fingerprint'>,
  paths: string[],
  opts: { cluster: string; namespace: string; quiet?: boolean; complete?: boolean },
): Promise<{ scope: string; summary: RunSummary }[]> {
  const { collections, errors, documents } = await collectFiles(paths, {
    cluster: opts.cluster,
    namespace: opts.namespace,
    complete: opts.complete === true,
    fingerprint: rt.fingerprint,
    onProgress: opts.quiet ? undefined : (p) => progress(`read ${p.documents} documents (${p.file})`),
  });
  if (!opts.quiet) endProgress();
  if (!collections.length) {
    const why = errors.length ? `; ${errors.length} problem(s), first: ${errors[0]!.where}: ${errors[0]!.message}` : '';
    throw new UsageError(`nothing to collect in ${paths.join(', ')}: ${documents} document(s) read, none placed${why}`);
  }
  const out: { scope: string; summary: RunSummary }[] = [];
  for (const c of collections) {
    const run = await startCollection(rt, c.source, c.provider, c.scope, { paths, namespace: opts.namespace, ...(opts.complete && { complete: true }) });
    out.push({ scope: c.scope, summary: await run.commit(c.result) });
  }
  return out;
}

/**
 * `keygraph collect files PATH… --cluster NAME [--namespace NS] [--complete] [--json]`. Without `--complete` a
 * Kubernetes kind counts as listed only in the namespaces where the input holds objects of it; with it, the input is
 * the whole cluster (every mapped kind complete everywhere: what it does not hold is marked gone).
 */
export async function collectFilesCommand(paths: string[], opts: { cluster: string; namespace: string; complete?: boolean } & CollectExitOptions): Promise<number> {
  validateName(opts.cluster, '--cluster');
  validateName(opts.namespace, '--namespace');
  return withRuntime(async (rt) => {
    const runs = await collectFilesInto(rt, paths, opts);
    await sendAlerts(rt, runs.map((r) => r.summary));
    return reportRuns(runs, opts);
  });
}

/**
 * `keygraph collect <source.command> [options] [--json]`: plans the runs from the options (every scope resolved
 * before anything is collected), then collects and commits them one after the other.
 */
export async function collectLiveCommand(source: Source, opts: Record<string, unknown> & CollectExitOptions): Promise<number> {
  if (!source.live) throw new UsageError(`${source.command} has no live collector`);
  const runs = await source.live.plan(opts);
  return withRuntime(async (rt) => {
    const summaries: { scope: string; summary: RunSummary }[] = [];
    for (const r of runs) {
      const run = await startCollection(rt, source.command, source.provider, r.scope, r.inputs);
      const summary = await collectAndCommit(run, () =>
        r.collect({
          fingerprint: rt.fingerprint,
          progress,
          note: (line) => {
            endProgress();
            process.stderr.write(`  note: ${line}\n`);
          },
        }),
      );
      summaries.push({ scope: r.scope, summary });
      await sendAlerts(rt, [summary]);
    }
    return reportRuns(summaries, opts);
  });
}
