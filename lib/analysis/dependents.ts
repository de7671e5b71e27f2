/**
 * Which node kinds can depend on which, derived from the graph model (lib/graph/model.ts `EDGE_KINDS[k].dependent`)
 * plus the endpoint kinds each edge kind connects (what the collectors emit). Impact uses it to know which kinds'
 * listings must be complete before "nothing depends on X" can be believed.
 */
import { EDGE_KINDS, EDGE_KIND_KEYS, WORKLOAD_KIND_KEYS, type EdgeKind, type NodeKindKey } from '../graph/model';

const WORKLOADS: NodeKindKey[] = WORKLOAD_KIND_KEYS;

/**
 * Node kinds at each end of each edge kind, as the collectors emit them. `fromAnyK8sKind`: the edge kind is also
 * emitted from objects of Kubernetes kinds the model does not declare (the mapper's generic mention scan,
 * `k8s:SecretStore`, `k8s:Prometheus`…); those kinds are never listed by a collector, so they have no coverage and
 * are not named in `from` (which lists only the declared kinds that emit it). USES_SECRET, USES_CONFIG_MAP and
 * RUNS_AS are also emitted from custom resources by the reference table (collectors/kubernetes/references.ts):
 * those kinds are generic too (`fromAnyK8sKind`).
 */
export const EDGE_ENDPOINTS: Record<EdgeKind, { from: NodeKindKey[]; to: NodeKindKey[]; fromAnyK8sKind?: true }> = {
  USES_SECRET: { from: [...WORKLOADS, 'k8s:Pod', 'k8s:ServiceAccount', 'k8s:Ingress'], to: ['k8s:Secret'], fromAnyK8sKind: true },
  USES_CONFIG_MAP: { from: [...WORKLOADS, 'k8s:Pod'], to: ['k8s:ConfigMap'], fromAnyK8sKind: true },
  RUNS_AS: { from: [...WORKLOADS, 'k8s:Pod'], to: ['k8s:ServiceAccount'], fromAnyK8sKind: true },
  OWNS: { from: [...WORKLOADS, 'k8s:Certificate', 'k8s:ExternalSecret', 'k8s:SealedSecret'], to: [...WORKLOADS, 'k8s:Pod', 'k8s:Secret'] },
  PRODUCES: { from: ['k8s:Certificate', 'k8s:ExternalSecret', 'k8s:SealedSecret'], to: ['k8s:Secret'] },
  ACTS_AS: { from: ['k8s:ServiceAccount'], to: ['gcp:ServiceAccount'] },
  HAS_KEY: { from: ['gcp:ServiceAccount'], to: ['gcp:ServiceAccountKey'] },
  HOLDS_KEY: { from: ['k8s:Secret'], to: ['gcp:ServiceAccountKey'] },
  TOKEN_FOR: { from: ['k8s:Secret'], to: ['k8s:ServiceAccount'] },
  BINDS: { from: ['k8s:RoleBinding', 'k8s:ClusterRoleBinding'], to: ['k8s:Role', 'k8s:ClusterRole'] },
  BINDS_SUBJECT: { from: ['k8s:RoleBinding', 'k8s:ClusterRoleBinding'], to: ['k8s:ServiceAccount'] },
  MENTIONS: { from: ['k8s:Role', 'k8s:ClusterRole', 'k8s:ConfigMap'], to: ['k8s:Secret', 'k8s:ServiceAccount', 'k8s:ConfigMap'], fromAnyK8sKind: true },
  // Secret Manager (collectors/secret-manager/): SecretProviderClass is a generic kind (fromAnyK8sKind).
  HAS_VERSION: { from: ['gcp:Secret'], to: ['gcp:SecretVersion'] },
  FETCHES_SECRET: { from: ['k8s:ExternalSecret'], to: ['gcp:Secret', 'gcp:SecretVersion'], fromAnyK8sKind: true },
};

/** Edge kinds whose `from` end depends on the `to` end: impact walks them inbound (to → from). */
export const INBOUND_DEPENDENCY_KINDS: EdgeKind[] = EDGE_KIND_KEYS.filter((k) => EDGE_KINDS[k].dependent === 'from');
/** Edge kinds whose `to` end depends on the `from` end: impact walks them outbound (from → to). */
export const OUTBOUND_DEPENDENCY_KINDS: EdgeKind[] = EDGE_KIND_KEYS.filter((k) => EDGE_KINDS[k].dependent === 'to');

/**
 * Kinds nothing can depend on (never the depended-on end of any edge kind): Pod, Ingress, Role, ClusterRole. Impact does not expand
 * them (they are leaves), which keeps the walk cheap where thousands of pods are reached.
 */
export function leafKinds(): string[] {
  const dependedOn = new Set<string>();
  for (const k of EDGE_KIND_KEYS) {
    const ends = EDGE_ENDPOINTS[k];
    (EDGE_KINDS[k].dependent === 'from' ? ends.to : ends.from).forEach((x) => dependedOn.add(x));
  }
  const all = new Set<string>(EDGE_KIND_KEYS.flatMap((k) => [...EDGE_ENDPOINTS[k].from, ...EDGE_ENDPOINTS[k].to]));
  return [...all].filter((k) => !dependedOn.has(k)).map((k) => k.slice(k.indexOf(':') + 1)).sort();
}

/** Kinds of the nodes that directly depend on a node of kind `kind` (one hop). */
export function directDependentKinds(kind: string): Set<NodeKindKey> {
  const out = new Set<NodeKindKey>();
  for (const k of EDGE_KIND_KEYS) {
    const ends = EDGE_ENDPOINTS[k];
    if (EDGE_KINDS[k].dependent === 'from' && (ends.to as string[]).includes(kind)) ends.from.forEach((x) => out.add(x));
    if (EDGE_KINDS[k].dependent === 'to' && (ends.from as string[]).includes(kind)) ends.to.forEach((x) => out.add(x));
  }
  return out;
}

/**
 * Every kind that can depend on a node of kind `kind` (`PROVIDER:KIND`), transitively, plus the kinds whose
 * listings assert those dependency edges (an edge's origin kind is the kind of its dependent end for every edge kind
 * except OWNS, whose origin is the child, and ACTS_AS, which the GCP side also asserts from the GCP service account).
 * Includes `kind` itself (its listing says whether the target still exists).
 */
export function relevantKinds(kind: string): Set<string> {
  const seen = new Set<string>([kind]);
  const queue = [kind];
  while (queue.length) {
    const k = queue.shift()!;
    for (const d of directDependentKinds(k)) {
      if (!seen.has(d)) {
        seen.add(d);
        queue.push(d);
      }
    }
  }
  if (seen.has('k8s:ServiceAccount') && seen.has('gcp:ServiceAccount')) seen.add('gcp:ServiceAccount');
  return seen;
}
