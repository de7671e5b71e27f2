/**
 * The plain records every collector produces and the store consumes. A collector never touches the database: it
 * turns a source into `{nodes, edges}` plus coverage (which kinds it listed completely) and errors.
 */
import type { EdgeKind, NodeKindKey, Provider } from './model';

/** One observed object. `properties` never holds a secret value (see docs/ARCHITECTURE.md "Secret values never leave the collector"). */
export interface NodeRecord {
  /** Node id (lib/graph/ids.ts). */
  id: string;
  provider: Provider;
  /** API kind (`Secret`, `Deployment`, `ServiceAccountKey`…). */
  kind: string;
  /** Cluster name or GCP project id. */
  realm: string;
  namespace: string | null;
  name: string;
  properties: Record<string, unknown>;
}

/** Properties that tell one edge from another of the same kind between the same two nodes. */
export interface EdgeProperties {
  /** USES_SECRET: how the reference is made (model.SECRET_VIAS). */
  via?: string;
  /** Container name for env/envFrom/volumeMount references. */
  container?: string;
  /** Env var name (env, googleApplicationCredentials). */
  envVar?: string;
  /** Volume name for volume/projected/csi references. */
  volume?: string;
  /** Mount paths of that volume in the container(s). */
  mountPaths?: string[];
  /** Data keys used; absent means the whole Secret. */
  keys?: string[];
  /** True when the reference is `optional: true` (pod starts without it). */
  optional?: boolean;
  [k: string]: unknown;
}

/** One observed relation, `from` → `to`, in the direction docs/ARCHITECTURE.md gives. */
export interface EdgeRecord {
  kind: EdgeKind;
  from: string;
  to: string;
  /** Kind key of the object whose listing produced this edge (defaults to the `from` node's kind). Used for
   * staleness: an edge is only replaced when this kind was listed completely. */
  originKind?: NodeKindKey;
  properties: EdgeProperties;
}

/**
 * Per-kind result of a listing. `complete` false means the kind's previous state must be kept. With `namespaces`,
 * the kind was listed completely ONLY in those namespaces (a files run that held objects of the kind there): the
 * store replaces that kind's state in those namespaces only, and an answer about another namespace treats the kind
 * as not listed. Absent `namespaces`: listed completely everywhere (live collection, `collect files --complete`).
 * `count` is the number of objects of the kind listed (in those namespaces).
 */
export interface KindCoverage {
  complete: boolean;
  count: number;
  error?: string;
  /** Sorted, non-empty when present. */
  namespaces?: string[];
}

export interface CollectionError {
  /** File (with line) or API resource the error concerns. */
  where: string;
  message: string;
}

/**
 * An input object a collector did not map, and why (the run report lists them; never silent). Reasons:
 * `kind-not-read` (a kind keygraph does not model, and nothing in it mentions a Secret or ServiceAccount),
 * `invalid-namespace` (`metadata.namespace` present but not a DNS-1123 label: never moved to the default namespace),
 * `invalid-name` (no `metadata.name` usable in an id), `duplicate-id` (an earlier document with the same id was
 * replaced by a later one: `message` names the id). `message` never holds object content beyond kind, namespace, name.
 */
export interface SkippedObject {
  kind: string;
  apiVersion?: string;
  name?: string;
  namespace?: string;
  reason: 'kind-not-read' | 'invalid-namespace' | 'invalid-name' | 'duplicate-id';
  message: string;
}

/**
 * An input object a collection did not map, as stored with the run (`runs.skipped`) and reported by `keygraph
 * collect`: {@link SkippedObject} plus where it was (`file:line` for files, the API resource for live collection).
 * Skipped objects do not make a run partial.
 */
export interface CollectionSkip {
  where: string;
  kind: string;
  name?: string;
  namespace?: string;
  reason: string;
  message: string;
}

/** What one collection produced. */
export interface CollectionResult {
  nodes: NodeRecord[];
  edges: EdgeRecord[];
  /** Keyed by kind key (`PROVIDER:KIND`: a NodeKindKey, or the key of a generic kind of unmodelled objects). Kinds
   * not present were not listed at all (their state is kept). */
  coverage: Partial<Record<NodeKindKey | (string & {}), KindCoverage>>;
  errors: CollectionError[];
  /** Input objects not mapped, and why (absent: none, or the collector does not report them). */
  skipped?: CollectionSkip[];
}

/**
 * Stable identity of an edge: two records with the same key are the same edge (their properties are merged by the
 * collector, e.g. data keys from a volume `items` list and an env `secretKeyRef`). Format:
 * `FROM|KIND|TO|via|container|envVar|volume` (empty strings for absent parts).
 */
export function edgeKey(e: Pick<EdgeRecord, 'from' | 'kind' | 'to' | 'properties'>): string {
  const p = e.properties;
  return [e.from, e.kind, e.to, p.via ?? '', p.container ?? '', p.envVar ?? '', p.volume ?? ''].join('|');
}
