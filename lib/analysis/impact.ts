/**
 * Impact of an action on a node (docs/ARCHITECTURE.md "Impact and findings"): everything that reaches the node through
 * dependency edges, transitively (key ← holder Secrets ← workloads ← pods; GSA ← KSAs acting as it ← workloads
 * running as them), each with the path that explains why, whether pods run now, and whether the reference is
 * optional; and a verdict a script can act on.
 *
 * Traversal: a walk over the current or as-of `edge_versions` rows, computed level by level: one indexed query
 * per level for the hops out of the whole
 * frontier (each node's edges are read once, however many paths reach it), the paths enumerated in memory with the
 * same rules and bounds, and the reached nodes' versions read alongside. From each reached node it follows
 * the edges whose *other* end depends on it (`EDGE_KINDS[k].dependent`): inbound `USES_SECRET`, `RUNS_AS`,
 * `ACTS_AS`, `HOLDS_KEY`, `TOKEN_FOR`; outbound `OWNS`, `PRODUCES`, `HAS_KEY` (deleting a Deployment takes its
 * ReplicaSets and pods; deleting a GCP service account takes its keys). Cycle protection by the path array, a depth
 * bound (`maxDepth`, default 12), leaf kinds (Pod, Ingress: nothing depends on them) not expanded, and a row bound (`maxRows`, default 20,000 path rows; `truncated` says when hit).
 *
 * Verdict:
 * - `breaks` when a dependant breaks: not optional and not only mentioned (for `rotate`: something must be updated
 *   or restarted by hand: lib/analysis/rotation.ts plans `update` and `needs-restart`; dependants that restart
 *   automatically, pick the value up live or at their next run do not break). A definite break stays `breaks` on incomplete data; `reasons` then say why the list may be
 *   incomplete.
 * - `unknown` when nothing breaks but the data could hide something: a relevant source/scope is partial for the
 *   relevant kinds (in the target's namespace) or older than the freshness limit (lib/analysis/freshness.ts), the walk
 *   was truncated, or an object keygraph does not model mentions the target (MENTIONS, named in `reasons`). Never
 *   `safe` on incomplete data.
 * - `safe` otherwise; optional-only dependants are reported in `notes`.
 * A missing target (referenced, not observed) is already broken: its dependants are listed with `targetMissing:
 * true`; one an observed producer will create is `targetPending` (`producedBy` names the producers). A token Secret
 * listed in a ServiceAccount's `secrets` only affects the pods that automount the token (`automountServiceAccountToken`,
 * pod over ServiceAccount).
 */
import type { Database } from '../db';
import { loadConfig } from '../config';
import { parseId } from '../graph/ids';
import { EDGE_KINDS, nodeKindKey, type EdgeKind } from '../graph/model';
import { getNode, missingSummary, summary, type NodeSummary, type NodeSummaryRow } from '../store/read';
import { INBOUND_DEPENDENCY_KINDS, leafKinds, OUTBOUND_DEPENDENCY_KINDS, relevantKinds } from './dependents';
import { assessScopes, latestRuns, type SourceState } from './freshness';
import { livePg } from '../store/time-sql';
import type { ImpactActionName } from '../graph/model';
import { rotationStep, type RotatedObject, type RotationObject, type RotationStep } from './rotation';
import { actionPlan, type ActionPlan } from './plan';

/** What is about to happen to the node (declared in the model, with each kind's actions). `disable` applies to GCP
 * keys and service accounts (as delete for others); `rename` to Kubernetes objects (references by the old name break,
 * as with delete); `rotate` to keys and Secrets. */
export { IMPACT_ACTIONS } from '../graph/model';
export type ImpactAction = ImpactActionName;
export type Verdict = 'safe' | 'breaks' | 'unknown';

/** One hop of an explaining path, from the node nearer the target to the dependant. */
export interface PathStep {
  kind: EdgeKind;
  /** Edge endpoints as stored (`from` → `to`, docs/ARCHITECTURE.md direction). */
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
  /** True when every path to it ends in a MENTIONS edge (an object keygraph does not model names the target in a
   * field such as `secretRef.name`): it may need the target, keygraph cannot tell. Not in `breaking`; the verdict is
   * at best `unknown`. */
  mentioned: boolean;
  /** Pod phase (`Running`, `Pending`…) when the node is a Pod. */
  phase?: string;
  /** Running pods among this node and what it owns (OWNS, transitively) that are also affected. */
  runningPods: number;
  /** The top of its owners (`metadata.ownerReferences`, OWNS) among the affected: the Deployment of a Pod's
   * ReplicaSet, the CronJob of a Job's Pod. Undefined when nothing affected owns it. What a person acts on. */
  controller?: string;
  /**
   * What the action means for it: `breaks` (fails at its next start / loses access), `optional` (starts without
   * it), `update` (rotate: a Secret holding the key must get the new one), `restart` (rotate: reads the value at
   * start: env, envFrom, credentials file), `reload` (rotate: mounted files are refreshed by the kubelet; the
   * process must re-read them), `mentioned` (named in a field keygraph does not model: may need it).
   */
  role: 'breaks' | 'optional' | 'mentioned' | 'update' | 'restart' | 'reload';
  /** `rotate` only, for dependants that need the value (not optional, not only mentioned): what it must do to see the
   * new value (lib/analysis/rotation.ts): `update`, `restarts-automatically` (Reloader, Vault Secrets Operator
   * `rolloutRestartTargets`), `needs-restart` (env, envFrom, subPath mounts), `next-run` (CronJobs, with the
   * schedule), `picks-up-live` (plain volume mounts: the kubelet refreshes them within about a minute). */
  rotation?: RotationStep;
}

export interface ImpactResult {
  target: NodeSummary;
  /** True when only placeholders assert the target: it is referenced but does not exist (already broken). */
  targetMissing: boolean;
  /** Observed producers (Certificate, ExternalSecret, SealedSecret) that write the target (PRODUCES edges). */
  producedBy: string[];
  /** True when the target does not exist yet but an observed producer will create it (`producedBy` non-empty). */
  targetPending: boolean;
  action: ImpactAction;
  verdict: Verdict;
  /** Why the verdict is `unknown` (stale or partial sources, truncation). */
  reasons: string[];
  /** Additional remarks (optional dependants, missing target…). */
  notes: string[];
  /** What to do, in order, to take the action without an outage (lib/analysis/plan.ts). */
  plan: ActionPlan;
  affected: AffectedNode[];
  /** Dependants that break (not optional, not only mentioned): ids. */
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
  mention: boolean;
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

interface NodeRow extends NodeSummaryRow {
  phase: string | null;
}

/** API kinds that are never expanded (nothing depends on them): read off the id's KIND segment. */
const LEAVES = leafKinds();

function summaryOf(id: string, r: NodeRow | undefined): NodeSummary {
  return r && r.provider ? summary(r) : missingSummary(id);
}

/** The as-of condition on alias `a` (lib/store/time-sql.ts, the one definition); `$n` is the asOf parameter. */
const liveParam = (a: string, n: number, asOf?: Date): string => livePg(a, asOf ? n : undefined);

/**
 * One dependency hop out of an expanded node: the dependant reached, with its parallel edges (env + volume of one Secret) folded into one hop
 * them (min(kind), every edge optional). `texts` are the distinct jsonb texts of the edges' properties; the
 * `references` list (DISTINCT properties in jsonb order) is built only for the hops that explain a path.
 */
interface Hop {
  node: string;
  kind: string;
  texts: string[];
  optional: boolean;
  /** Every parallel edge of the hop is a MENTIONS edge without `required: true`. */
  mention: boolean;
}

/** One row of the walk (one path to a node); the path is the parent chain. */
interface WalkRow {
  node: string;
  parent: WalkRow | null;
  hop: Hop | null;
  depth: number;
  pathOptional: boolean;
  pathMention: boolean;
}

const leafOf = (id: string) => {
  const parts = id.split('/');
  return parts.length >= 2 ? parts[parts.length - 2]! : '';
};
const LEAF_SET = new Set(LEAVES);

/** Parsed edge properties by jsonb text, `optional` true only when the property is `true`. */
type PropsCache = Map<string, { props: Record<string, unknown>; optional: boolean }>;

/** Edge kinds ordered for folding parallel edges into one hop: a modelled reference explains a hop better than a mention. */
const foldRank = (kind: string) => (kind === 'MENTIONS' ? 1 : 0);
const better = (a: string, b: string) => foldRank(a) < foldRank(b) || (foldRank(a) === foldRank(b) && a < b);
const isMention = (kind: string, props: Record<string, unknown>) => kind === 'MENTIONS' && props.required !== true;
function propsOf(cache: PropsCache, text: string) {
  let p = cache.get(text);
  if (!p) {
    const props = JSON.parse(text) as Record<string, unknown>;
    const o = props !== null && typeof props === 'object' && !Array.isArray(props) ? props.optional : undefined;
    cache.set(text, (p = { props, optional: o === true || o === 'true' }));
  }
  return p;
}

/**
 * The hops out of each of `ids`: one query for the whole frontier (index scans on to_id / from_id with `= ANY`),
 * returning the edge rows as they are (narrow, no server-side aggregation); they are folded per (expanded node,
 * dependant) here. Edge kinds are compared with `<` for min(kind): the dependency kinds are upper-case ASCII names
 * that order the same under every collation.
 */
async function expand(database: Database, ids: string[], asOf: Date | undefined, into: Map<string, Hop[]>, cache: PropsCache): Promise<void> {
  if (!ids.length) return;
  const params: unknown[] = [ids, INBOUND_DEPENDENCY_KINDS, OUTBOUND_DEPENDENCY_KINDS];
  if (asOf) params.push(asOf);
  const { rows } = await database.pool.query<[string, string, string, string]>({
    text: `SELECT e.to_id, e.from_id, e.kind, e.properties::text FROM edge_versions e
           WHERE e.to_id = ANY($1::text[]) AND e.kind = ANY($2::text[]) AND ${liveParam('e', 4, asOf)}
           UNION ALL
           SELECT e.from_id, e.to_id, e.kind, e.properties::text FROM edge_versions e
           WHERE e.from_id = ANY($1::text[]) AND e.kind = ANY($3::text[]) AND ${liveParam('e', 4, asOf)}`,
    values: params,
    rowMode: 'array',
  });
  const bySrc = new Map<string, Map<string, Hop>>();
  for (const n of ids) bySrc.set(n, new Map());
  for (const [src, node, kind, text] of rows) {
    const hops = bySrc.get(src)!;
    const { optional, props } = propsOf(cache, text);
    const mention = isMention(kind, props);
    const hop = hops.get(node);
    if (!hop) hops.set(node, { node, kind, texts: [text], optional, mention });
    else {
      if (better(kind, hop.kind)) hop.kind = kind;
      if (!hop.texts.includes(text)) hop.texts.push(text);
      hop.optional &&= optional;
      hop.mention &&= mention;
    }
  }
  for (const [src, hops] of bySrc) into.set(src, [...hops.values()]);
}

/**
 * `array_agg(DISTINCT properties)` of each hop (jsonb equality, ascending jsonb order): a hop with one distinct text
 * is that object; for the others the database ranks the texts (one query for all of them).
 */
async function referencesOf(database: Database, hops: Hop[], cache: PropsCache): Promise<Map<Hop, Record<string, unknown>[]>> {
  const out = new Map<Hop, Record<string, unknown>[]>();
  const multi = new Set<string>();
  for (const h of hops) {
    if (out.has(h)) continue;
    if (h.texts.length === 1) out.set(h, [propsOf(cache, h.texts[0]!).props]);
    else h.texts.forEach((t) => multi.add(t));
  }
  if (multi.size) {
    const { rows } = await database.pool.query<[string, string]>({
      text: `SELECT t, dense_rank() OVER (ORDER BY t::jsonb)::text FROM unnest($1::text[]) AS u(t)`,
      values: [[...multi]],
      rowMode: 'array',
    });
    const rank = new Map(rows.map(([t, r]) => [t, Number(r)]));
    for (const h of hops) {
      if (out.has(h)) continue;
      const seen = new Set<number>();
      const sorted = [...h.texts].sort((a, b) => rank.get(a)! - rank.get(b)!);
      out.set(h, sorted.filter((t) => !seen.has(rank.get(t)!) && !!seen.add(rank.get(t)!)).map((t) => propsOf(cache, t).props));
    }
  }
  return out;
}

/** Best current/as-of version of each node (observed beats placeholder, then most recent), as reads elsewhere choose it (lib/store/read.ts). */
async function nodeRows(database: Database, ids: string[], asOf: Date | undefined): Promise<NodeRow[]> {
  if (!ids.length) return [];
  const params: unknown[] = [ids];
  if (asOf) params.push(asOf);
  const { rows } = await database.pool.query<[string, string, string, string, string | null, string, boolean, string | null]>({
    text: `SELECT i.id, n.* FROM unnest($1::text[]) AS i(id) CROSS JOIN LATERAL (
             SELECT v.provider, v.kind, v.realm, v.namespace, v.name, v.missing, v.properties->>'phase'
             FROM node_versions v WHERE v.node_id = i.id AND ${liveParam('v', 2, asOf)}
             ORDER BY v.missing ASC, v.valid_from DESC LIMIT 1) n`,
    values: params,
    rowMode: 'array',
  });
  return rows.map(([node_id, provider, kind, realm, namespace, name, missing, phase]) => ({ node_id, provider, kind, realm, namespace, name, missing, phase }));
}

/**
 * `automountServiceAccountToken`: a token Secret listed in a ServiceAccount's `secrets` (hop `into`, USES_SECRET via
 * `serviceAccountSecret`) is only mounted into the pods running as it (hop `out`, RUNS_AS) when automounting is on:
 * the pod spec's `automountServiceAccountToken` (RUNS_AS edge property) overrides the ServiceAccount's (property of
 * its `serviceAccountSecret` edge); both absent means on. False when the hop `out` does not depend on the token.
 */
function mountsTokenSecret(into: Hop | null, out: Hop, cache: PropsCache): boolean {
  if (!into || out.kind !== 'RUNS_AS' || into.kind !== 'USES_SECRET') return true;
  const intoProps = into.texts.map((t) => propsOf(cache, t).props);
  if (!intoProps.every((p) => p.via === 'serviceAccountSecret')) return true; // also an image pull secret: needed regardless
  const saSetting = intoProps.map((p) => p.automountServiceAccountToken).find((v) => typeof v === 'boolean');
  return out.texts.some((t) => {
    const podSetting = propsOf(cache, t).props.automountServiceAccountToken;
    return (typeof podSetting === 'boolean' ? podSetting : saSetting ?? true) === true;
  });
}

/**
 * The walk, level by level: each level's frontier is expanded with one query (each node's hops are fetched once,
 * however many paths reach it), and the paths (walk rows) are enumerated in memory: no node twice on a path, depth
 * bound, leaf kinds not expanded, and the first `maxRows + 1` rows in breadth-first order kept. Node versions of
 * each level are read while the next level is expanded. Returns one aggregate per reached node (shortest depth,
 * one shortest hop, all-paths-optional, OWNS parents) and whether the bounds were hit.
 */
async function walk(database: Database, id: string, opts: { asOf?: Date; maxDepth: number; maxRows: number }): Promise<{ rows: AggRow[]; totalRows: number; maxDepth: number }> {
  const limit = opts.maxRows + 1;
  const adjacency = new Map<string, Hop[]>();
  const cache: PropsCache = new Map();
  const agg = new Map<string, { depth: number; optional: boolean; mention: boolean; owners: Set<string>; best: WalkRow }>();
  const nodeBatches: Promise<NodeRow[]>[] = [];
  let level: WalkRow[] = [{ node: id, parent: null, hop: null, depth: 0, pathOptional: false, pathMention: false }];
  let total = 1;
  let maxDepth = 0;
  const onPath = (r: WalkRow, n: string) => {
    for (let x: WalkRow | null = r; x; x = x.parent) if (x.node === n) return true;
    return false;
  };
  while (level.length && total < limit) {
    // A node reached only through a mention (an object that names the target but is not known to need it) is a leaf
    // of the answer: what depends on the mentioning object (a Role's RoleBindings) does not depend on the target.
    const expandable = level.filter((r) => r.depth < opts.maxDepth && !r.pathMention && !LEAF_SET.has(leafOf(r.node)));
    const todo = [...new Set(expandable.map((r) => r.node))].filter((n) => !adjacency.has(n));
    await expand(database, todo, opts.asOf, adjacency, cache);
    const next: WalkRow[] = [];
    const fresh: string[] = [];
    outer: for (const r of expandable) {
      for (const hop of adjacency.get(r.node)!) {
        if (onPath(r, hop.node)) continue;
        if (!mountsTokenSecret(r.hop, hop, cache)) continue;
        const row: WalkRow = {
          node: hop.node, parent: r, hop, depth: r.depth + 1,
          pathOptional: r.pathOptional || hop.optional, pathMention: r.pathMention || hop.mention,
        };
        next.push(row);
        total++;
        if (row.depth > maxDepth) maxDepth = row.depth;
        const a = agg.get(row.node);
        if (!a) {
          agg.set(row.node, { depth: row.depth, optional: row.pathOptional, mention: row.pathMention, owners: new Set(hop.kind === 'OWNS' ? [r.node] : []), best: row });
          fresh.push(row.node);
        } else {
          a.optional &&= row.pathOptional;
          a.mention &&= row.pathMention;
          if (hop.kind === 'OWNS') a.owners.add(r.node);
          // DISTINCT ON (node_id) … ORDER BY node_id, depth, parent_id
          if (row.depth < a.best.depth || (row.depth === a.best.depth && r.node < a.best.parent!.node)) a.best = row;
          if (row.depth < a.depth) a.depth = row.depth;
        }
        if (total >= limit) break outer;
      }
    }
    if (fresh.length) {
      const batch = nodeRows(database, fresh, opts.asOf);
      batch.catch(() => {}); // awaited below; a walk error must not leave it unhandled
      nodeBatches.push(batch);
    }
    level = next;
  }
  const references = await referencesOf(database, [...agg.values()].map((a) => a.best.hop!), cache);
  const nodes = new Map<string, NodeRow>();
  for (const batch of await Promise.all(nodeBatches)) for (const n of batch) nodes.set(n.node_id, n);
  const rows: AggRow[] = [];
  for (const [nodeId, a] of agg) {
    const n = nodes.get(nodeId);
    const hop = a.best.hop!;
    rows.push({
      node_id: nodeId, depth: a.depth, optional: a.optional, mention: a.mention, owners: a.owners.size ? [...a.owners] : null,
      parent_id: a.best.parent!.node, kind: hop.kind, props: references.get(hop)!, hop_optional: hop.optional,
      provider: n?.provider ?? null, node_kind: n?.kind ?? null, realm: n?.realm ?? null, namespace: n?.namespace ?? null,
      name: n?.name ?? null, missing: n ? n.missing : true, phase: n?.phase ?? null, total_rows: total, max_depth: maxDepth,
    });
  }
  return { rows, totalRows: total, maxDepth };
}

/** Node properties the rotate plan reads (lib/analysis/rotation.ts), by id; null properties for missing ids. */
async function rotationProps(database: Database, ids: string[], asOf: Date | undefined): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  if (!ids.length) return out;
  const params: unknown[] = [ids];
  if (asOf) params.push(asOf);
  const { rows } = await database.pool.query<{ node_id: string; kind: string; name: string; p: Record<string, unknown> }>(
    `SELECT DISTINCT ON (v.node_id) v.node_id, v.kind, v.name,
            jsonb_build_object('reloader', v.properties->'reloader', 'schedule', v.properties->'schedule',
                               'timeZone', v.properties->'timeZone', 'suspend', v.properties->'suspend', 'rolloutRestartTargets', v.properties->'rolloutRestartTargets') AS p
     FROM node_versions v WHERE v.node_id = ANY($1::text[]) AND ${liveParam('v', 2, asOf)}
     ORDER BY v.node_id, v.missing ASC, v.valid_from DESC`,
    params,
  );
  for (const r of rows) out.set(r.node_id, { ...r.p, kind: r.kind, name: r.name });
  return out;
}

/**
 * Sets `rotation` (and the matching `role`: update, reload for `picks-up-live`, restart otherwise) on every
 * affected node that needs the value: the Secret it reads is the target, or the holder Secret on its path (a rotated
 * GCP key); its controller is the top of its OWNS parents among the affected; Reloader settings, CronJob schedules and
 * the `rolloutRestartTargets` of the Secrets' producers come from node properties (three indexed queries).
 */
async function planRotation(database: Database, id: string, affected: AffectedNode[], asOf: Date | undefined): Promise<void> {
  const todo = affected.filter((a) => !a.optional && !a.mentioned);
  if (!todo.length) return;
  const secretOf = (a: AffectedNode): string => {
    for (let i = a.path.length - 1; i >= 0; i--) if (a.path[i]!.kind === 'USES_SECRET') return a.path[i]!.to;
    return id;
  };
  const secrets = [...new Set([id, ...todo.map(secretOf)])];
  const params: unknown[] = [secrets];
  if (asOf) params.push(asOf);
  const { rows: produced } = await database.pool.query<{ from_id: string; to_id: string }>(
    `SELECT DISTINCT e.from_id, e.to_id FROM edge_versions e WHERE e.to_id = ANY($1::text[]) AND e.kind = 'PRODUCES' AND ${liveParam('e', 2, asOf)}`,
    params,
  );
  const props = await rotationProps(database, [...new Set([...secrets, ...todo.map((a) => a.node.id), ...produced.map((r) => r.from_id)])], asOf);
  const object = (n: string): RotationObject => {
    const p = props.get(n) ?? {};
    const parsed = parseId(n);
    return {
      id: n, kind: String(p.kind ?? parsed?.kind ?? ''), name: String(p.name ?? parsed?.name ?? n),
      reloader: p.reloader && typeof p.reloader === 'object' ? (p.reloader as RotationObject['reloader']) : undefined,
      schedule: typeof p.schedule === 'string' ? p.schedule : undefined,
      timeZone: typeof p.timeZone === 'string' ? p.timeZone : undefined,
      suspend: p.suspend === true ? true : undefined,
    };
  };
  const rotated = new Map<string, RotatedObject>();
  const rotatedOf = (s: string): RotatedObject => {
    let r = rotated.get(s);
    if (r) return r;
    const o = object(s);
    const restartTargets = produced.filter((e) => e.to_id === s).flatMap((e) => {
      const t = props.get(e.from_id)?.rolloutRestartTargets;
      return Array.isArray(t) ? t.filter((x): x is { kind: string; name: string } => !!x && typeof x.kind === 'string' && typeof x.name === 'string').map((x) => ({ producer: e.from_id, kind: x.kind, name: x.name })) : [];
    });
    const reloader = props.get(s)?.reloader;
    rotated.set(s, (r = { id: s, kind: o.kind, name: o.name, reloader: reloader && typeof reloader === 'object' ? reloader : undefined, restartTargets }));
    return r;
  };
  for (const a of todo) {
    const last = a.path[a.path.length - 1];
    const secret = secretOf(a);
    const direct = last && last.kind === 'USES_SECRET' && last.to === secret ? last.references : [];
    const owner = a.controller;
    const step = rotationStep(
      { object: object(a.node.id), hop: last?.kind ?? '', references: direct, controller: owner ? object(owner) : undefined },
      rotatedOf(secret),
    );
    a.rotation = step;
    a.role = step.plan === 'update' ? 'update' : step.plan === 'picks-up-live' ? 'reload' : 'restart';
  }
}

/** Observed producers writing `id` (PRODUCES edges into it whose producer is observed), sorted. */
async function producersOf(database: Database, id: string, asOf: Date | undefined): Promise<string[]> {
  const params: unknown[] = [id];
  if (asOf) params.push(asOf);
  const { rows } = await database.pool.query<{ from_id: string }>(
    `SELECT DISTINCT e.from_id FROM edge_versions e
     WHERE e.to_id = $1 AND e.kind = 'PRODUCES' AND ${liveParam('e', 2, asOf)}
       AND EXISTS (SELECT 1 FROM node_versions v WHERE v.node_id = e.from_id AND NOT v.missing AND ${liveParam('v', 2, asOf)})
     ORDER BY 1`,
    params,
  );
  return rows.map((r) => r.from_id);
}

/** RBAC kinds whose `resourceNames` mention Secrets: a mention is an access grant, not an unmodelled reference. */
export const RBAC_ROLE_KINDS = new Set(['Role', 'ClusterRole']);

/** Kinds custom resources refer to (collectors/kubernetes/references.ts targets). */
const CUSTOM_RESOURCE_TARGETS = new Set(['Secret', 'ConfigMap', 'ServiceAccount']);

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

  // Freshness / coverage of every source that could hold a dependant (independent of the walk: read alongside).
  const kinds = relevantKinds(`${parsed.provider}:${parsed.kind}`);
  const assessing = latestRuns(database, opts.asOf).then((runs) => {
    // Custom resources of kinds the model does not declare (the reference table's Gateway, Middleware, Issuer…)
    // depend on Secrets, ConfigMaps and ServiceAccounts too: where this cluster's latest run listed one incompletely
    // (a 403), a dependant may hide there.
    if (parsed.provider === 'k8s' && CUSTOM_RESOURCE_TARGETS.has(parsed.kind)) {
      for (const r of runs) {
        if (r.scope !== parsed.realm) continue;
        for (const [k, c] of Object.entries(r.coverage ?? {})) {
          if (k.startsWith('k8s:') && !nodeKindKey('k8s', k.slice(4)) && c?.complete === false) kinds.add(k);
        }
      }
    }
    return assessScopes(
      database,
      parsed.provider === 'k8s' ? { clusters: parsed.realm, project: null, namespace: parsed.namespace } : { clusters: '*', project: parsed.realm },
      kinds,
      { asOf: opts.asOf, freshnessHours },
      runs,
    );
  });
  assessing.catch(() => {});
  const walked = await walk(database, id, { asOf: opts.asOf, maxDepth, maxRows });
  const truncated = walked.totalRows > maxRows || walked.maxDepth >= maxDepth;
  const reached = walked.rows as (AggRow & { node_id: string })[];

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

  // The explaining path of a node is its parent's path plus its best hop (memoised: paths share their prefixes, and
  // a parent's shortest depth is always below its child's, so the chain ends at the target).
  const pathMemo = new Map<string, PathStep[]>();
  const pathTo = (n: string, guard = new Set<string>()): PathStep[] => {
    const memo = pathMemo.get(n);
    if (memo) return memo;
    const cur = best.get(n);
    if (!cur || !cur.parent_id || guard.has(n)) return [];
    guard.add(n);
    const kind = cur.kind as EdgeKind;
    const dependentIsFrom = EDGE_KINDS[kind]?.dependent === 'from';
    const step: PathStep = {
      kind,
      from: dependentIsFrom ? cur.node_id : cur.parent_id,
      to: dependentIsFrom ? cur.parent_id : cur.node_id,
      node: cur.node_id,
      references: cur.props ?? [],
      optional: !!cur.hop_optional,
    };
    const steps = cur.parent_id === id ? [step] : [...pathTo(cur.parent_id, guard), step];
    pathMemo.set(n, steps);
    return steps;
  };

  // The top of a node's OWNS parents among the reached (a Pod → its ReplicaSet → its Deployment), at most 4 levels.
  const topOwner = (n: string): string | undefined => {
    let cur = n;
    for (let i = 0; i < 4; i++) {
      const parent = best.get(cur)?.owners?.slice().sort()[0];
      if (!parent || parent === n) break;
      cur = parent;
    }
    return cur === n ? undefined : cur;
  };

  const affected: AffectedNode[] = ids.map((n) => {
    const b = best.get(n)!;
    const summary = summaryOf(n, nodes.get(n));
    const path = pathTo(n);
    // A ServiceAccount only listing the target in its `secrets` (a legacy token reference) keeps working without it;
    // the pods running as it are judged on their own (automountServiceAccountToken).
    const lastRefs = b.depth === 1 ? path[0]?.references ?? [] : [];
    const listsToken = nodes.get(n)?.kind === 'ServiceAccount' && lastRefs.length > 0 && lastRefs.every((p) => p.via === 'serviceAccountSecret');
    const optional = b.optional || listsToken;
    const mentioned = b.mention && !optional;
    // rotate: planRotation (below) replaces `breaks` by update / restart / reload and sets `rotation`.
    const role: AffectedNode['role'] = optional ? 'optional' : mentioned ? 'mentioned' : 'breaks';
    const row = nodes.get(n);
    return {
      node: summary, depth: b.depth, path, optional, mentioned,
      phase: row?.kind === 'Pod' ? row.phase ?? undefined : undefined,
      runningPods: runningUnder(n).size,
      controller: topOwner(n),
      role,
    } as AffectedNode;
  });
  if (action === 'rotate') await planRotation(database, id, affected, opts.asOf);
  // Intl.Collator().compare is String.prototype.localeCompare (same default locale and options), without its per-call set-up.
  const compare = new Intl.Collator().compare;
  affected.sort((a, b) => a.depth - b.depth || compare(a.node.kind, b.node.kind) || compare(a.node.id, b.node.id));

  const assessment = await assessing;

  const producedBy = await producersOf(database, id, opts.asOf);
  const targetPending = target.missing && producedBy.length > 0;
  // rotate: only what someone must act on (update a holder Secret, restart a consumer) breaks; dependants that restart
  // automatically, pick the value up live or at their next run are listed with their plan but do not break.
  const breaking = affected
    .filter((a) => !a.optional && !a.mentioned && (action !== 'rotate' || !a.rotation || a.rotation.plan === 'update' || a.rotation.plan === 'needs-restart'))
    .map((a) => a.node.id);
  const mentions = affected.filter((a) => a.mentioned);
  const reasons = [...assessment.reasons];
  const notes: string[] = [];
  if (truncated) reasons.push(`the dependency walk was cut at ${maxDepth} hops / ${maxRows} paths; more dependants may exist`);
  for (const m of mentions.slice(0, 20)) {
    const fields = [...new Set(m.path[m.path.length - 1]?.references.map((r) => String(r.field ?? '?')) ?? [])].join(', ');
    const grant = RBAC_ROLE_KINDS.has(m.node.kind)
      ? 'it grants access to it by name, so a subject bound to it may read it through the API; keygraph cannot tell whether one needs it'
      : 'keygraph does not model that kind and cannot tell whether it needs it';
    reasons.push(`${m.node.kind} ${m.node.namespace ? `${m.node.namespace}/` : ''}${m.node.name} mentions it (${fields}); ${grant}`);
  }
  if (mentions.length > 20) reasons.push(`… and ${mentions.length - 20} more objects mention it`);
  if (targetPending) notes.push(`${id} does not exist yet: ${producedBy.join(', ')} will create it (pending)`);
  else if (target.missing) notes.push(`${id} does not exist (referenced but not observed): everything listed is already broken and fails at its next start`);
  if (producedBy.length && !target.missing && action !== 'rotate') notes.push(`created by ${producedBy.join(', ')}: it re-creates the object after a delete, but consumers that start in between fail`);
  const optionalOnly = affected.filter((a) => a.optional);
  if (optionalOnly.length) notes.push(`${optionalOnly.length} dependant(s) reference it optionally and start without it`);
  if (action === 'disable' && parsed.provider === 'k8s') notes.push('Kubernetes objects cannot be disabled: treated as delete');
  if (action === 'rotate') {
    const count = (plan: RotationStep['plan']) => affected.filter((a) => a.rotation?.plan === plan).length;
    notes.push(`rotate: ${count('update')} Secret(s) to update, ${count('needs-restart')} dependant(s) need a restart (env, envFrom, credentials files, subPath mounts), ${count('restarts-automatically')} restart automatically (Reloader, rolloutRestartTargets), ${count('next-run')} pick it up at their next run (CronJobs), ${count('picks-up-live')} pick it up live (mounted files, refreshed by the kubelet within about a minute)`);
  }

  // A definite non-optional dependant is a definite break, however incomplete the rest of the data is (the reasons
  // then say why the list may be incomplete); `unknown` is for "nothing found, and the data could hide something".
  const verdict: Verdict = breaking.length ? 'breaks' : reasons.length ? 'unknown' : 'safe';

  const asOf = opts.asOf ?? new Date();
  const result: Omit<ImpactResult, 'plan'> = {
    target: { id: target.id, provider: target.provider, kind: target.kind, realm: target.realm, namespace: target.namespace, name: target.name, missing: target.missing },
    targetMissing: target.missing,
    producedBy,
    targetPending,
    action,
    verdict,
    reasons,
    notes,
    affected,
    breaking,
    truncated,
    sources: assessment.sources,
    asOf: asOf.toISOString(),
    freshnessHours,
  };
  return { ...result, plan: actionPlan(result, asOf) };
}
