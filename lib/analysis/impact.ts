/**
 * Impact of an action on a node (DESIGN.md "Impact and findings"): everything that reaches the node through
 * dependency edges, transitively (key ← holder Secrets ← workloads ← pods; GSA ← KSAs acting as it ← workloads
 * running as them), each with the path that explains why, whether pods run now, and whether the reference is
 * optional; and a verdict a script can act on.
 *
 * Traversal: one recursive CTE over the current (or as-of) `edge_versions` rows. From each reached node it follows
 * the edges whose *other* end depends on it (`EDGE_KINDS[k].dependent`): inbound `USES_SECRET`, `RUNS_AS`,
 * `ACTS_AS`, `HOLDS_KEY`, `TOKEN_FOR`; outbound `OWNS`, `PRODUCES`, `HAS_KEY` (deleting a Deployment takes its
 * ReplicaSets and pods; deleting a GCP service account takes its keys). Cycle protection by the path array, a depth
 * bound (`maxDepth`, default 12), leaf kinds (Pod, Ingress: nothing depends on them) not expanded, and a row bound (`maxRows`, default 20,000 path rows; `truncated` says when hit).
 *
 * Verdict:
 * - `unknown` when any relevant source/scope is partial for the relevant kinds or older than the freshness limit
 *   (lib/analysis/freshness.ts), or the walk was truncated with nothing non-optional found: never `safe` on
 *   incomplete data. The affected list is still returned.
 * - `breaks` when a non-optional dependant exists (for `rotate`: something must be updated or restarted);
 * - `safe` otherwise; optional-only dependants are reported in `notes`.
 * A missing target (referenced, not observed) is already broken: its dependants are listed and the verdict is
 * `breaks` (with `targetMissing: true`) unless the data is incomplete.
 */
import { Prisma } from '../generated/prisma/client';
import type { Database } from '../db';
import { loadConfig } from '../config';
import { parseId } from '../graph/ids';
import { EDGE_KINDS, type EdgeKind } from '../graph/model';
import { getNode, live, type NodeSummary } from '../store/read';
import { INBOUND_DEPENDENCY_KINDS, leafKinds, OUTBOUND_DEPENDENCY_KINDS, relevantKinds } from './dependents';
import { assessScopes, type SourceState } from './freshness';

/** What is about to happen to the node. `disable` applies to GCP keys and service accounts (as delete for others);
 * `rename` to Kubernetes objects (references by the old name break, as with delete); `rotate` to keys and Secrets. */
export const IMPACT_ACTIONS = ['delete', 'disable', 'rotate', 'rename'] as const;
export type ImpactAction = (typeof IMPACT_ACTIONS)[number];
export type Verdict = 'safe' | 'breaks' | 'unknown';

/** One hop of an explaining path, from the node nearer the target to the dependant. */
export interface PathStep {
  kind: EdgeKind;
  /** Edge endpoints as stored (`from` → `to`, DESIGN.md direction). */
  from: string;
  to: string;
  /** The dependant reached by this hop. */
  node: string;
  /** Distinct properties of the parallel edges of this hop (via, container, envVar, keys, optional…); no values. */
  references: Record<string, unknown>[];
  /** True when every parallel edge of this hop is optional. */
  optional: boolean;
}

/** One affected object. */
export interface AffectedNode {
  node: NodeSummary;
  /** Hops from the target (1 = directly). */
  depth: number;
  /** The shortest explaining path, target first. */
  path: PathStep[];
  /** True when every path to it goes through an optional reference (it still starts without the target). */
  optional: boolean;
  /** Pod phase (`Running`, `Pending`…) when the node is a Pod. */
  phase?: string;
  /** Running pods among this node and what it owns (OWNS, transitively) that are also affected. */
  runningPods: number;
  /**
   * What the action means for it: `breaks` (fails at its next start / loses access), `optional` (starts without
   * it), `update` (rotate: a Secret holding the key must get the new one), `restart` (rotate: reads the value at
   * start: env, envFrom, credentials file), `reload` (rotate: mounted files are refreshed by the kubelet; the
   * process must re-read them).
   */
  role: 'breaks' | 'optional' | 'update' | 'restart' | 'reload';
}

export interface ImpactResult {
  target: NodeSummary;
  /** True when only placeholders assert the target: it is referenced but does not exist (already broken). */
  targetMissing: boolean;
  action: ImpactAction;
  verdict: Verdict;
  /** Why the verdict is `unknown` (stale or partial sources, truncation). */
  reasons: string[];
  /** Additional remarks (optional dependants, missing target…). */
  notes: string[];
  affected: AffectedNode[];
  /** Non-optional dependants (the `breaks` list): ids. */
  breaking: string[];
  /** The walk hit `maxDepth` or `maxRows`. */
  truncated: boolean;
  /** Relevant sources and their freshness/coverage. */
  sources: SourceState[];
  /** ISO time of the answer (`asOf`, or now). */
  asOf: string;
  freshnessHours: number;
}

export interface ImpactOptions {
  action?: ImpactAction;
  asOf?: Date;
  /** Hours; default KEYGRAPH_FRESHNESS_HOURS (24). */
  freshnessHours?: number;
  maxDepth?: number;
  maxRows?: number;
}

/** Thrown for an id that is not well-formed (callers map it to exit 1 / HTTP 400). */
export class InvalidIdError extends Error {}

interface AggRow {
  node_id: string | null;
  depth: number;
  optional: boolean;
  owners: string[] | null;
  parent_id: string | null;
  kind: string | null;
  props: Record<string, unknown>[] | null;
  hop_optional: boolean | null;
  provider: string | null;
  node_kind: string | null;
  realm: string | null;
  namespace: string | null;
  name: string | null;
  missing: boolean;
  phase: string | null;
  total_rows: number;
  max_depth: number | null;
}

interface NodeRow {
  node_id: string;
  provider: string;
  kind: string;
  realm: string;
  namespace: string | null;
  name: string;
  missing: boolean;
  phase: string | null;
}

/** API kinds that are never expanded (nothing depends on them): read off the id's KIND segment. */
const LEAVES = leafKinds();
const sqlList = (xs: string[]) => Prisma.join(xs.map((x) => Prisma.sql`${x}`));

/**
 * The recursive walk: one row per (path to a node), with the hop that reached it. Exposed for the benchmark.
 * Parallel edges between the same two nodes (env + volume of one Secret) are folded into one hop.
 */
export function walkSql(id: string, opts: { asOf?: Date; maxDepth: number; maxRows: number }, select?: Prisma.Sql): Prisma.Sql {
  const inbound = sqlList(INBOUND_DEPENDENCY_KINDS);
  const outbound = sqlList(OUTBOUND_DEPENDENCY_KINDS);
  return Prisma.sql`
    WITH RECURSIVE walk(node_id, parent_id, kind, props, hop_optional, depth, path, path_optional) AS (
      SELECT ${id}::text, NULL::text, NULL::text, NULL::jsonb[], NULL::boolean, 0, ARRAY[${id}::text], false
      UNION ALL
      SELECT nxt.node_id, w.node_id, nxt.kind, nxt.props, nxt.optional, w.depth + 1, w.path || nxt.node_id,
             w.path_optional OR nxt.optional
      FROM walk w
      CROSS JOIN LATERAL (
        SELECT x.node_id, min(x.kind) AS kind, array_agg(DISTINCT x.properties) AS props,
               bool_and(coalesce(x.properties->>'optional', 'false') = 'true') AS optional
        FROM (
          SELECT e.from_id AS node_id, e.kind, e.properties FROM edge_versions e
          WHERE e.to_id = w.node_id AND e.kind IN (${inbound}) AND ${live('e', opts.asOf)}
          UNION ALL
          SELECT e.to_id, e.kind, e.properties FROM edge_versions e
          WHERE e.from_id = w.node_id AND e.kind IN (${outbound}) AND ${live('e', opts.asOf)}
        ) x
        GROUP BY x.node_id
      ) nxt
      WHERE w.depth < ${opts.maxDepth} AND NOT (nxt.node_id = ANY(w.path)) AND split_part(w.node_id, '/', -2) <> ALL(${LEAVES}::text[])
    )
    ${select ?? Prisma.sql`SELECT node_id, parent_id, kind, props, hop_optional, depth, path_optional FROM walk LIMIT ${opts.maxRows + 1}`}`;
}

/**
 * The walk aggregated per reached node (what impactOf reads): shortest depth, the hop of one shortest path (parent,
 * edge kind, parallel edge properties), whether every path is optional, OWNS parents (for running pods), and the
 * node's best current/as-of version. `total_rows` / `max_depth` tell whether the bounds were hit.
 */
export function impactSql(id: string, opts: { asOf?: Date; maxDepth: number; maxRows: number }): Prisma.Sql {
  return walkSql(id, opts, Prisma.sql`,
    lim AS (SELECT * FROM walk LIMIT ${opts.maxRows + 1}),
    agg AS (
      SELECT node_id, min(depth) AS depth, bool_and(path_optional) AS optional,
             array_agg(DISTINCT parent_id) FILTER (WHERE kind = 'OWNS') AS owners
      FROM lim WHERE depth > 0 GROUP BY node_id),
    best AS (
      SELECT DISTINCT ON (node_id) node_id, parent_id, kind, props, hop_optional
      FROM lim WHERE depth > 0 ORDER BY node_id, depth, parent_id)
    SELECT a.node_id, a.depth, a.optional, a.owners, b.parent_id, b.kind, b.props, b.hop_optional,
           n.provider, n.kind AS node_kind, n.realm, n.namespace, n.name, coalesce(n.missing, true) AS missing, n.phase,
           (SELECT count(*) FROM lim)::int AS total_rows, (SELECT max(depth) FROM lim) AS max_depth
    FROM agg a JOIN best b ON b.node_id = a.node_id
    LEFT JOIN LATERAL (
      SELECT v.provider, v.kind, v.realm, v.namespace, v.name, v.missing, v.properties->>'phase' AS phase
      FROM node_versions v WHERE v.node_id = a.node_id AND ${live('v', opts.asOf)}
      ORDER BY v.missing ASC, v.valid_from DESC LIMIT 1) n ON true
    UNION ALL
    SELECT NULL, 0, false, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL,
           (SELECT count(*) FROM lim)::int, (SELECT max(depth) FROM lim)
    WHERE NOT EXISTS (SELECT 1 FROM lim WHERE depth > 0)`);
}

function summaryOf(id: string, r: NodeRow | undefined): NodeSummary {
  if (r && r.provider) return { id: r.node_id, provider: r.provider, kind: r.kind, realm: r.realm, namespace: r.namespace, name: r.name, missing: r.missing };
  const p = parseId(id);
  return { id, provider: p?.provider ?? 'k8s', kind: p?.kind ?? '?', realm: p?.realm ?? '?', namespace: p?.namespace ?? null, name: p?.name ?? id, missing: true };
}

const READS_AT_START = new Set(['env', 'envFrom', 'googleApplicationCredentials']);

/**
 * Computes the impact of `action` on node `id`. Returns null when no source knows the node (then or now).
 * Errors: InvalidIdError for a malformed id; database errors propagate.
 */
export async function impactOf(database: Database, id: string, opts: ImpactOptions = {}): Promise<ImpactResult | null> {
  const parsed = parseId(id);
  if (!parsed) throw new InvalidIdError(`not a keygraph id: ${JSON.stringify(id.slice(0, 200))}`);
  const action = opts.action ?? 'delete';
  const freshnessHours = opts.freshnessHours ?? loadConfig().freshnessHours;
  const maxDepth = Math.max(1, Math.min(opts.maxDepth ?? 12, 50));
  const maxRows = Math.max(10, Math.min(opts.maxRows ?? 20_000, 200_000));
  const target = await getNode(database, id, { asOf: opts.asOf });
  if (!target) return null;

  const rows = await database.prisma.$queryRaw<AggRow[]>(impactSql(id, { asOf: opts.asOf, maxDepth, maxRows }));
  const totalRows = rows[0]?.total_rows ?? 0;
  const truncated = totalRows > maxRows || (rows[0]?.max_depth ?? 0) >= maxDepth;
  const reached = rows.filter((r) => r.node_id !== null) as (AggRow & { node_id: string })[];

  const best = new Map(reached.map((r) => [r.node_id, r]));
  const ownsChildren = new Map<string, Set<string>>();
  for (const r of reached) {
    for (const parent of r.owners ?? []) {
      let set = ownsChildren.get(parent);
      if (!set) ownsChildren.set(parent, (set = new Set()));
      set.add(r.node_id);
    }
  }
  const ids = reached.map((r) => r.node_id);
  const nodes = new Map(
    reached.map((r) => [r.node_id, { node_id: r.node_id, provider: r.provider, kind: r.node_kind, realm: r.realm, namespace: r.namespace, name: r.name, missing: r.missing, phase: r.phase } as NodeRow]),
  );
  const isRunningPod = (n: string) => nodes.get(n)?.kind === 'Pod' && nodes.get(n)?.phase === 'Running' && !nodes.get(n)?.missing;
  const runningMemo = new Map<string, Set<string>>();
  const runningUnder = (n: string, seen = new Set<string>()): Set<string> => {
    const memo = runningMemo.get(n);
    if (memo) return memo;
    const out = new Set<string>();
    if (isRunningPod(n)) out.add(n);
    seen.add(n);
    for (const c of ownsChildren.get(n) ?? []) if (!seen.has(c)) for (const p of runningUnder(c, seen)) out.add(p);
    runningMemo.set(n, out);
    return out;
  };

  const pathTo = (n: string): PathStep[] => {
    const steps: PathStep[] = [];
    let cur = best.get(n);
    const guard = new Set<string>();
    while (cur && cur.parent_id && !guard.has(cur.node_id)) {
      guard.add(cur.node_id);
      const kind = cur.kind as EdgeKind;
      const dependentIsFrom = EDGE_KINDS[kind]?.dependent === 'from';
      steps.unshift({
        kind,
        from: dependentIsFrom ? cur.node_id : cur.parent_id,
        to: dependentIsFrom ? cur.parent_id : cur.node_id,
        node: cur.node_id,
        references: cur.props ?? [],
        optional: !!cur.hop_optional,
      });
      cur = cur.parent_id === id ? undefined : best.get(cur.parent_id);
    }
    return steps;
  };

  const affected: AffectedNode[] = ids.map((n) => {
    const b = best.get(n)!;
    const summary = summaryOf(n, nodes.get(n));
    const optional = b.optional;
    const path = pathTo(n);
    let role: AffectedNode['role'] = optional ? 'optional' : 'breaks';
    if (action === 'rotate' && !optional) {
      const lastHop = path[path.length - 1];
      const vias = (lastHop?.references ?? []).map((p) => String(p.via ?? ''));
      if (b.kind === 'HOLDS_KEY' || summary.kind === 'Secret') role = 'update';
      else if (b.kind === 'OWNS') role = 'restart';
      else role = vias.some((v) => READS_AT_START.has(v)) || b.kind !== 'USES_SECRET' ? 'restart' : 'reload';
    }
    const row = nodes.get(n);
    return {
      node: summary, depth: b.depth, path, optional,
      phase: row?.kind === 'Pod' ? row.phase ?? undefined : undefined,
      runningPods: runningUnder(n).size,
      role,
    };
  });
  affected.sort((a, b) => a.depth - b.depth || a.node.kind.localeCompare(b.node.kind) || a.node.id.localeCompare(b.node.id));

  // Freshness / coverage of every source that could hold a dependant.
  const kinds = relevantKinds(`${parsed.provider}:${parsed.kind}`);
  const assessment = await assessScopes(
    database,
    parsed.provider === 'k8s' ? { clusters: parsed.realm, project: null } : { clusters: '*', project: parsed.realm },
    kinds,
    { asOf: opts.asOf, freshnessHours },
  );

  const breaking = affected.filter((a) => !a.optional).map((a) => a.node.id);
  const reasons = [...assessment.reasons];
  const notes: string[] = [];
  if (truncated) reasons.push(`the dependency walk was cut at ${maxDepth} hops / ${maxRows} paths; more dependants may exist`);
  if (target.missing) notes.push(`${id} does not exist (referenced but not observed): everything listed is already broken and fails at its next start`);
  const optionalOnly = affected.filter((a) => a.optional);
  if (optionalOnly.length) notes.push(`${optionalOnly.length} dependant(s) reference it optionally and start without it`);
  if (action === 'disable' && parsed.provider === 'k8s') notes.push('Kubernetes objects cannot be disabled: treated as delete');
  if (action === 'rotate') notes.push('rotate: Secrets holding it must be updated; workloads reading it through env, envFrom or a credentials file must restart');

  let verdict: Verdict;
  if (reasons.length) verdict = 'unknown';
  else if (breaking.length) verdict = 'breaks';
  else verdict = 'safe';
  if (verdict === 'unknown' && truncated && breaking.length && assessment.complete) verdict = 'breaks';

  return {
    target: { id: target.id, provider: target.provider, kind: target.kind, realm: target.realm, namespace: target.namespace, name: target.name, missing: target.missing },
    targetMissing: target.missing,
    action,
    verdict,
    reasons,
    notes,
    affected,
    breaking,
    truncated,
    sources: assessment.sources,
    asOf: (opts.asOf ?? new Date()).toISOString(),
    freshnessHours,
  };
}
