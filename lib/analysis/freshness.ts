/**
 * Is the data behind an answer complete and fresh? (docs/ARCHITECTURE.md "Impact and findings": never say safe on incomplete
 * data.)
 *
 * For each relevant source/scope, the latest committed run (status `succeeded` or `partial`, `committed_at` at or
 * before `asOf`) is looked at: it must be no older than the freshness limit (`KEYGRAPH_FRESHNESS_HOURS`, default 24)
 * and must have listed every relevant kind completely (run `coverage[kind].complete`; a kind absent from coverage
 * was not listed and counts as incomplete). Failed runs changed nothing, so they are skipped: the state on record is
 * that of the latest committed run, and its age is what counts. A kind listed completely only in some namespaces
 * (`coverage[kind].namespaces`: a files run that held objects of it only there) counts for a question about one of
 * those namespaces, and not for a question about another namespace or the whole cluster.
 *
 * Relevant scopes: for a Kubernetes object, every `k8s`/`files` run scope named after its cluster (its realm); for
 * a GCP object, its project's `gcp` runs and every cluster's runs (any Secret anywhere may hold a key; any
 * Kubernetes ServiceAccount may act as a GCP service account).
 *
 * Source `files` serves every provider (`keygraph collect files` of manifests: scope = cluster; of gcloud JSON:
 * scope = project): each run records the provider of its scope (`runs.provider`, lib/store/write.ts), read by
 * {@link runProvider}.
 */
import { Prisma } from '../generated/prisma/client';
import type { Database } from '../db';
import { isProvider, nodeKindSpec, type Provider } from '../graph/model';

/** The state of one source/scope as far as an answer is concerned. */
export interface SourceState {
  source: string;
  scope: string;
  /** The latest committed run considered, or null when the scope was never collected. */
  runId: number | null;
  status: string | null;
  committedAt: Date | null;
  /** Hours between the run's commit and `asOf` (or now). */
  ageHours: number | null;
  /** Relevant kinds that run did not list completely. */
  incompleteKinds: string[];
  /** True when fresh and complete for the relevant kinds. */
  ok: boolean;
  /** Why not ok (human sentence), absent when ok. */
  reason?: string;
}

export interface Assessment {
  /** True when every relevant source/scope is fresh and complete (and at least one of each required group exists). */
  complete: boolean;
  /** Human reasons the data is incomplete (empty when complete). */
  reasons: string[];
  sources: SourceState[];
}

interface LatestRun {
  id: number;
  source: string;
  /** `runs.provider`; null for runs recorded before the column existed and not backfilled. */
  provider?: string | null;
  scope: string;
  status: string;
  committed_at: Date;
  coverage: Record<string, { complete?: boolean; namespaces?: string[] } | undefined>;
}

/** One kind listed completely in a realm: `namespace` null means in every namespace (see {@link coverageRows}). */
export interface CoverageRow {
  provider: Provider;
  /** Cluster name or GCP project id. */
  realm: string;
  /** API kind, without the provider prefix (`Secret`). */
  kind: string;
  namespace: string | null;
}

/**
 * The provider a run's scope belongs to: the run's recorded provider (`runs.provider`). For a run recorded without
 * one (NULL), the guess made before the column existed: `gcp` for source `gcp`, and for a `files` run whose coverage
 * names GCP kinds; `k8s` otherwise.
 */
export function runProvider(r: { source: string; provider?: string | null; coverage?: Record<string, unknown> | null }): Provider {
  if (isProvider(r.provider)) return r.provider;
  if (r.source === 'gcp') return 'gcp';
  if (r.source === 'files' && Object.keys(r.coverage ?? {}).some((k) => k.startsWith('gcp:'))) return 'gcp';
  return 'k8s';
}

/** Latest committed run per (source, scope) as of `asOf` (all scopes). Small table: one row per scope. */
export async function latestRuns(database: Database, asOf?: Date): Promise<LatestRun[]> {
  const at = asOf ?? null;
  return database.prisma.$queryRaw<LatestRun[]>(Prisma.sql`
    SELECT DISTINCT ON (source, scope) id, source, provider, scope, status, committed_at, coverage
    FROM runs
    WHERE committed_at IS NOT NULL AND status IN ('succeeded', 'partial')
      AND (${at}::timestamptz IS NULL OR committed_at <= ${at}::timestamptz)
    ORDER BY source, scope, committed_at DESC, id DESC`);
}

/** Which runs an answer about a node in `provider`/`realm` depends on. */
export interface RelevantScopes {
  /** Realm (cluster) whose `k8s`/`files` runs are relevant; `'*'` for every cluster. */
  clusters: string | '*' | null;
  /** GCP project whose `gcp` runs are relevant. */
  project: string | null;
  /** Namespace of a Kubernetes target: a k8s run's kind listed completely only in some namespaces counts when they
   * include this one. Absent (cluster-wide questions, GCP targets): only kinds listed completely everywhere count. */
  namespace?: string | null;
}

/** Kind keys of `provider` that `coverage` lists completely, each with its namespaces (null = everywhere). */
function completeKinds(coverage: LatestRun['coverage'] | null | undefined, provider: Provider): Map<string, string[] | null> {
  const out = new Map<string, string[] | null>();
  for (const [k, c] of Object.entries(coverage ?? {})) {
    if (!k.startsWith(provider + ':') || !c?.complete) continue;
    out.set(k, Array.isArray(c.namespaces) ? c.namespaces.filter((n) => typeof n === 'string') : null);
  }
  return out;
}

/**
 * Assesses the runs of the relevant scopes for the given node kinds (`PROVIDER:KIND` keys; a k8s/files run is
 * checked for the `k8s:` kinds only, a gcp run for the `gcp:` kinds only).
 * @param opts.freshnessHours maximum age of a run (hours); `asOf` the time of the answer (default now).
 */
export async function assessScopes(
  database: Database,
  scopes: RelevantScopes,
  kinds: Iterable<string>,
  opts: { asOf?: Date; freshnessHours: number },
  runs?: LatestRun[],
): Promise<Assessment> {
  const all = runs ?? (await latestRuns(database, opts.asOf));
  const now = (opts.asOf ?? new Date()).getTime();
  const kindList = [...kinds];
  const states: SourceState[] = [];
  const reasons: string[] = [];
  const namespace = scopes.namespace ?? null;
  const judge = (r: LatestRun, provider: Provider): SourceState => {
    const ageHours = (now - new Date(r.committed_at).getTime()) / 3_600_000;
    const complete = completeKinds(r.coverage, provider);
    const incompleteKinds: string[] = [];
    const notInInput: string[] = [];
    for (const k of kindList) {
      if (!k.startsWith(provider + ':')) continue;
      if (!complete.has(k)) incompleteKinds.push(k);
      else {
        const only = complete.get(k);
        if (only && !(provider === 'k8s' && namespace !== null && only.includes(namespace))) {
          incompleteKinds.push(k);
          notInInput.push(k);
        }
      }
    }
    const stale = ageHours > opts.freshnessHours;
    const why: string[] = [];
    if (stale) why.push(`last collected ${ageHours.toFixed(1)} h ago (limit ${opts.freshnessHours} h)`);
    const notListed = incompleteKinds.filter((k) => !notInInput.includes(k));
    if (notListed.length) why.push(`not listed completely: ${notListed.join(', ')}`);
    if (notInInput.length) {
      const plural = (k: string) => nodeKindSpec(provider, k.slice(provider.length + 1)).plural;
      why.push(
        namespace !== null && provider === 'k8s'
          ? `${notInInput.map(plural).join(', ')} of namespace ${namespace} not in the input`
          : `${notInInput.map(plural).join(', ')} listed only in namespace(s) ${[...new Set(notInInput.flatMap((k) => complete.get(k) ?? []))].sort().join(', ')}`,
      );
    }
    return {
      source: r.source, scope: r.scope, runId: r.id, status: r.status, committedAt: r.committed_at,
      ageHours: Math.round(ageHours * 10) / 10, incompleteKinds, ok: why.length === 0,
      reason: why.length ? `${r.source}/${r.scope} run ${r.id}: ${why.join('; ')}` : undefined,
    };
  };
  if (scopes.clusters !== null) {
    const mine = all.filter((r) => runProvider(r) === 'k8s' && (scopes.clusters === '*' || r.scope === scopes.clusters));
    if (!mine.length) {
      reasons.push(scopes.clusters === '*' ? 'no Kubernetes cluster has been collected' : `cluster ${scopes.clusters} has never been collected`);
      states.push({ source: 'k8s', scope: scopes.clusters, runId: null, status: null, committedAt: null, ageHours: null, incompleteKinds: [], ok: false, reason: 'never collected' });
    }
    for (const r of mine) states.push(judge(r, 'k8s'));
  }
  if (scopes.project !== null) {
    const mine = all.filter((r) => runProvider(r) === 'gcp' && r.scope === scopes.project);
    if (!mine.length) {
      reasons.push(`GCP project ${scopes.project} has never been collected`);
      states.push({ source: 'gcp', scope: scopes.project, runId: null, status: null, committedAt: null, ageHours: null, incompleteKinds: [], ok: false, reason: 'never collected' });
    }
    for (const r of mine) states.push(judge(r, 'gcp'));
  }
  for (const s of states) if (!s.ok && s.runId !== null && s.reason) reasons.push(s.reason);
  return { complete: reasons.length === 0, reasons, sources: states };
}

/**
 * What the latest committed run of EVERY source/scope of each realm (cluster or project) listed completely: one row
 * per (provider, realm, kind, namespace), `namespace` null meaning every namespace. Scopes of a realm are
 * intersected: a kind counts only when every scope listed it completely, and namespace sets intersect (every
 * namespace ∩ S = S; a kind whose sets do not meet has no row). Used by findings that need evidence of absence
 * (dangling references, unused objects, keys GCP no longer lists); `runs` from {@link latestRuns}.
 */
export function coverageRows(runs: LatestRun[]): CoverageRow[] {
  const byRealm = new Map<string, { provider: Provider; realm: string; kinds: Map<string, Set<string> | null> }>();
  for (const r of runs) {
    const provider = runProvider(r);
    const key = `${provider}:${r.scope}`;
    const mine = new Map([...completeKinds(r.coverage, provider)].map(([k, ns]) => [k, ns ? new Set(ns) : null]));
    const prev = byRealm.get(key);
    if (!prev) {
      byRealm.set(key, { provider, realm: r.scope, kinds: mine });
      continue;
    }
    for (const [k, ns] of [...prev.kinds]) {
      if (!mine.has(k)) {
        prev.kinds.delete(k);
        continue;
      }
      const other = mine.get(k) ?? null;
      prev.kinds.set(k, ns === null ? other : other === null ? ns : new Set([...ns].filter((n) => other.has(n))));
    }
  }
  const rows: CoverageRow[] = [];
  for (const { provider, realm, kinds } of byRealm.values()) {
    for (const [k, ns] of kinds) {
      const kind = k.slice(provider.length + 1);
      if (ns === null) rows.push({ provider, realm, kind, namespace: null });
      else for (const n of [...ns].sort()) rows.push({ provider, realm, kind, namespace: n });
    }
  }
  return rows;
}

/**
 * Kinds listed completely EVERYWHERE by the latest committed run of every source/scope of each realm:
 * `PROVIDER:REALM → Set<PROVIDER:KIND>` ({@link coverageRows} rows with namespace null). A kind listed completely
 * only in some namespaces is not included: use coverageRows for per-namespace evidence.
 */
export function completeKindsByRealm(runs: LatestRun[]): Map<string, Set<string>> {
  const byRealm = new Map<string, Set<string>>();
  for (const r of runs) {
    const realm = `${runProvider(r)}:${r.scope}`;
    if (!byRealm.has(realm)) byRealm.set(realm, new Set());
  }
  for (const row of coverageRows(runs)) {
    if (row.namespace === null) byRealm.get(`${row.provider}:${row.realm}`)!.add(`${row.provider}:${row.kind}`);
  }
  return byRealm;
}
