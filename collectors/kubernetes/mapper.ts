/**
 * Maps Kubernetes API objects (as returned by the API or found in manifests / kubectl dumps) to graph records.
 * STUB: being implemented; signature is the contract.
 */
import type { CollectionResult, NodeRecord, EdgeRecord } from '../../lib/graph/records';
import type { Fingerprinter } from '../../lib/secrets/fingerprint';

export interface KubernetesMapperOptions {
  /** Cluster name used in every node id. */
  cluster: string;
  /** Namespace for namespaced objects that carry none (manifests); default `default`. */
  defaultNamespace?: string;
  fingerprint: Fingerprinter;
  /** Files mode: emit an implicit `default` ServiceAccount per namespace seen (Kubernetes creates it), with
   * `properties.implicit = true`, so that RUNS_AS default never looks dangling in a GitOps folder. */
  implicitDefaults?: boolean;
}

export interface KubernetesMapper {
  /** Adds one object. Secret values are read here (fingerprints, key files, certificates) and dropped at once.
   * Returns false when the object is not of a kind keygraph maps (it is ignored, not an error). */
  add(obj: unknown): boolean;
  /** Finishes: merged nodes and edges (edges with the same edgeKey merged). */
  finish(): Pick<CollectionResult, 'nodes' | 'edges'>;
}

export function createKubernetesMapper(_opts: KubernetesMapperOptions): KubernetesMapper {
  const nodes: NodeRecord[] = [];
  const edges: EdgeRecord[] = [];
  return { add: () => false, finish: () => ({ nodes, edges }) };
}
