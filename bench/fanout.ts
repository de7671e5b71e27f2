/**
 * The fan-out graph of the UI benchmarks (bench/ui.ts, bench/page.ts): Secret `fanout/shared-credentials` in cluster
 * `bench` used (env) by N consumers: 20% Deployments, 30% ReplicaSets (owned by the Deployments) and 50% Pods (owned
 * by the ReplicaSets, Running), plus a ServiceAccount per 50 Deployments. Records as a collector returns them.
 */
import type { EdgeRecord, NodeRecord } from '../lib/graph/records';

export const FANOUT_CLUSTER = 'bench';
const NS = 'fanout';
const id = (kind: string, name: string) => `k8s:${FANOUT_CLUSTER}/${NS}/${kind}/${name}`;
/** The Secret every consumer reads. */
export const FANOUT_SECRET = id('Secret', 'shared-credentials');

/** Nodes and edges of the fan-out graph with `consumers` consumers (at least 10). */
export function fanoutRecords(consumers: number): { nodes: NodeRecord[]; edges: EdgeRecord[] } {
  const SECRET = FANOUT_SECRET;
  const nDep = Math.round(consumers * 0.2);
  const nRs = Math.round(consumers * 0.3);
  const nPod = consumers - nDep - nRs;
  const nodes: NodeRecord[] = [];
  const edges: EdgeRecord[] = [];
  const node = (kind: string, name: string, properties: Record<string, unknown> = {}) =>
    nodes.push({ id: id(kind, name), provider: 'k8s', kind, realm: FANOUT_CLUSTER, namespace: NS, name, properties });
  node('Secret', 'shared-credentials', { type: 'Opaque', keys: ['password', 'username'] });
  const pad = (i: number) => String(i).padStart(4, '0');
  for (let i = 0; i < Math.ceil(nDep / 50); i++) node('ServiceAccount', `sa-${i}`);
  const uses = (from: string, container: string) =>
    edges.push({ kind: 'USES_SECRET', from, to: SECRET, properties: { via: 'env', container, envVar: 'DB_PASSWORD', keys: ['password'] } });
  for (let i = 0; i < nDep; i++) {
    const d = `api-${pad(i)}`;
    node('Deployment', d, { replicas: 2 });
    uses(id('Deployment', d), 'app');
    edges.push({ kind: 'RUNS_AS', from: id('Deployment', d), to: id('ServiceAccount', `sa-${Math.floor(i / 50)}`), properties: {} });
  }
  for (let i = 0; i < nRs; i++) {
    const owner = `api-${pad(i % nDep)}`;
    const rs = `${owner}-rs${pad(i)}`;
    node('ReplicaSet', rs);
    uses(id('ReplicaSet', rs), 'app');
    edges.push({ kind: 'OWNS', from: id('Deployment', owner), to: id('ReplicaSet', rs), properties: { controller: true } });
  }
  for (let i = 0; i < nPod; i++) {
    const rsIndex = i % nRs;
    const rs = `api-${pad(rsIndex % nDep)}-rs${pad(rsIndex)}`;
    const pod = `${rs}-p${pad(i)}`;
    node('Pod', pod, { phase: 'Running' });
    uses(id('Pod', pod), 'app');
    edges.push({ kind: 'OWNS', from: id('ReplicaSet', rs), to: id('Pod', pod), properties: { controller: true } });
  }
  return { nodes, edges };
}


