/**
 * `keygraph collect files|k8s`: collect, commit one run per cluster/project, print a summary.
 * Exit 0 when every run succeeded, 4 when any finished partially (kinds/files skipped are printed), 1 on error.
 */
import { collectFiles } from '../collect/files';
import { collectKubernetesLive, loadKubeConfig } from '../../collectors/kubernetes/live';
import { collectGcpLive } from '../../collectors/gcp-iam/live';
import { openRuntime, type Runtime } from '../runtime';
import { startRun, type RunHandle, type RunSource, type RunSummary } from '../store/write';
import type { CollectionResult, CollectionSkip } from '../graph/records';
import { displayText } from '../graph/describe';
import { EXIT, UsageError } from './exit';

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


function exitFor(summaries: RunSummary[]): number {
  return summaries.some((s) => s.status === 'partial') ? EXIT.partial : EXIT.ok;
}

/** Prints the runs' summaries (JSON on stdout with `json`, else human) and returns the command's exit code. */
function reportRuns(runs: { scope: string; summary: RunSummary }[], json: boolean | undefined): number {
  if (json) process.stdout.write(JSON.stringify(runs.map((r) => ({ scope: r.scope, ...r.summary })), null, 2) + '\n');
  else for (const r of runs) printSummary(r.scope, r.summary);
  return exitFor(runs.map((r) => r.summary));
}

/** Starts a run of `source` over `scope`, saying on stderr when it waits for another collection of the same. */
function startCollection(rt: Pick<Runtime, 'database'>, source: RunSource, scope: string, inputs: Record<string, unknown>): Promise<RunHandle> {
  return startRun(rt.database, source, scope, inputs, {
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
    const run = await startCollection(rt, c.source, c.scope, { paths, namespace: opts.namespace, ...(opts.complete && { complete: true }) });
    out.push({ scope: c.scope, summary: await run.commit(c.result) });
  }
  return out;
}

/**
 * `keygraph collect files PATH… --cluster NAME [--namespace NS] [--complete] [--json]`. Without `--complete` a
 * Kubernetes kind counts as listed only in the namespaces where the input holds objects of it; with it, the input is
 * the whole cluster (every mapped kind complete everywhere: what it does not hold is marked gone).
 */
export async function collectFilesCommand(paths: string[], opts: { cluster: string; namespace: string; json?: boolean; complete?: boolean }): Promise<number> {
  validateName(opts.cluster, '--cluster');
  validateName(opts.namespace, '--namespace');
  return withRuntime(async (rt) => {
    return reportRuns(await collectFilesInto(rt, paths, opts), opts.json);
  });
}

export async function collectK8sCommand(opts: {
  context: string[];
  kubeconfig?: string;
  cluster?: string;
  namespace: string[];
  metadataOnly?: boolean;
  pageSize: number;
  json?: boolean;
}): Promise<number> {
  const contexts = opts.context.length ? opts.context : [undefined];
  if (opts.cluster && contexts.length > 1) throw new UsageError('--cluster names one cluster; with several --context, each context name is used');
  if (opts.cluster) validateName(opts.cluster, '--cluster');
  opts.namespace.forEach((n) => validateName(n, '--namespace'));
  // Resolve every context first: a typo fails before anything is collected.
  const targets = contexts.map((context) => ({ context, cluster: loadKubeConfig({ kubeconfig: opts.kubeconfig, context, cluster: opts.cluster }).cluster }));
  return withRuntime(async (rt) => {
    const summaries: { scope: string; summary: RunSummary }[] = [];
    for (const t of targets) {
      const run = await startCollection(rt, 'k8s', t.cluster, { context: t.context ?? null, namespaces: opts.namespace, metadataOnly: !!opts.metadataOnly });
      const summary = await collectAndCommit(run, () =>
        collectKubernetesLive({
          kubeconfig: opts.kubeconfig,
          context: t.context,
          cluster: t.cluster,
          namespaces: opts.namespace.length ? opts.namespace : undefined,
          metadataOnlySecrets: opts.metadataOnly,
          pageSize: opts.pageSize,
          fingerprint: rt.fingerprint,
          onProgress: (p) => progress(`${t.cluster}: listed ${p.listed} ${p.kind}`),
        }),
      );
      summaries.push({ scope: t.cluster, summary });
    }
    return reportRuns(summaries, opts.json);
  });
}

/**
 * `keygraph collect gcp --project P …`: service accounts, keys, IAM policies and (when permitted) key last use,
 * through Application Default Credentials; one run per project (scope = project id).
 */
export async function collectGcpCommand(opts: { project: string[]; json?: boolean }): Promise<number> {
  if (!opts.project.length) throw new UsageError('name at least one --project (a project id, not a number)');
  for (const p of opts.project) {
    if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(p) && !/^[a-z0-9.-]+:[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(p)) {
      throw new UsageError(`--project takes a GCP project id such as my-project-123 (got ${JSON.stringify(p.slice(0, 60))})`);
    }
  }
  return withRuntime(async (rt) => {
    const summaries: { scope: string; summary: RunSummary }[] = [];
    for (const project of opts.project) {
      const run = await startCollection(rt, 'gcp', project, { project });
      const summary = await collectAndCommit(run, async () => {
        const [c] = await collectGcpLive({
          projects: [project],
          onProgress: (p) => {
            if (p.step === 'serviceAccounts') progress(`${project}: listed ${p.listed} service accounts`);
            else if (p.step === 'keysAndPolicies') progress(`${project}: keys and policies ${p.done}/${p.total}`);
            else if (p.step === 'activities') progress(`${project}: ${p.activityType} ${p.listed}`);
          },
        });
        endProgress(); // before the notes
        for (const n of c!.notes) process.stderr.write(`  note: ${n}\n`);
        return c!.result;
      });
      summaries.push({ scope: project, summary });
    }
    return reportRuns(summaries, opts.json);
  });
}

/** Cluster and namespace names become id segments: no `/`, no control characters, bounded length. */
function validateName(v: string, flag: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,252}$/.test(v)) {
    throw new UsageError(`${flag} must be a name of letters, digits, '.', '_', ':', '@' or '-' (got ${JSON.stringify(v.slice(0, 60))})`);
  }
}
