/**
 * Test fixture for exports: a small inventory written through lib/store/write.ts (two Kubernetes runs of cluster
 * `prod`, one GCP run of project `proj`), with hostile names for CSV formula injection and a key audit's worth of
 * keys, holders, consumers and pods. Returns the commit time of the first Kubernetes run (for as-of checks).
 */
import { gcpKeyId, gcpServiceAccountId, k8sId } from '../lib/graph/ids';
import type { CollectionResult, EdgeRecord, NodeRecord } from '../lib/graph/records';
import type { Database } from '../lib/db';
import { startRun } from '../lib/store/write';

export const C = 'prod';
export const P = 'proj';
const full = { complete: true, count: 0 };

export const k8s = (kind: string, name: string, properties: Record<string, unknown> = {}, ns = 'app', idName = name): NodeRecord => ({
  id: k8sId(C, ns, kind, idName), provider: 'k8s', kind, realm: C, namespace: ns, name, properties,
});
export const uses = (from: NodeRecord, to: string, properties: EdgeRecord['properties']): EdgeRecord => ({ kind: 'USES_SECRET', from: from.id, to, properties });

export const SA_EMAIL = `app@${P}.iam.gserviceaccount.com`;
export const SA = gcpServiceAccountId(P, SA_EMAIL);
export const KEY = (id: string) => gcpKeyId(P, id);

/** Names a spreadsheet would execute, each as a Secret (id segment plain, name hostile). */
export const HOSTILE = ['=1+2', '+SUM(A1)', '-2+3', '@cmd', '\tTAB', '\rCR', 'a#b, "quoted"\nline'];

const coverage = (...kinds: string[]): CollectionResult['coverage'] => Object.fromEntries(kinds.map((k) => [k, full]));

export async function loadFixture(database: Database): Promise<{ t1: Date }> {
  const commit = async (source: 'k8s' | 'gcp', scope: string, r: CollectionResult) => (await startRun(database, source, scope)).commit(r);

  const db = k8s('Secret', 'db', { type: 'Opaque', annotations: { note: '=HYPERLINK("http://evil.example")' } });
  const gsaKey = k8s('Secret', 'gsa-key', { type: 'Opaque', dataKeys: ['key.json'] });
  const staleKey = k8s('Secret', 'stale-key', { type: 'Opaque' });
  const hostile = HOSTILE.map((n, i) => k8s('Secret', n, { type: 'Opaque' }, 'app', `hostile-${i}`));
  const api = k8s('Deployment', 'api', { replicas: 2 });
  const worker = k8s('Deployment', 'worker', {});
  const podRunning = k8s('Pod', 'api-123', { phase: 'Running' });
  const podDone = k8s('Pod', 'job-1', { phase: 'Succeeded' });
  const other = k8s('Secret', 'other-ns', { type: 'Opaque' }, 'kube-system');
  const k8sCoverage = coverage('k8s:Secret', 'k8s:Deployment', 'k8s:Pod');
  const edges1: EdgeRecord[] = [
    uses(api, db.id, { via: 'env', container: '@evil', envVar: '-X', keys: ['password'] }),
    uses(api, gsaKey.id, { via: 'volume', container: 'app', volume: '+vol', keys: ['key.json'], mountPaths: ['/var/key'] }),
    uses(podRunning, gsaKey.id, { via: 'volume', container: 'app', volume: 'key' }),
    uses(podDone, gsaKey.id, { via: 'volume', container: 'app', volume: 'key', optional: true }),
    uses(worker, k8sId(C, 'app', 'Secret', 'gone'), { via: 'envFrom', container: 'w' }),
    { kind: 'HOLDS_KEY', from: gsaKey.id, to: KEY('k1'), originKind: 'k8s:Secret', properties: {} },
    { kind: 'HOLDS_KEY', from: staleKey.id, to: KEY('k9'), originKind: 'k8s:Secret', properties: {} },
  ];
  const nodes1 = [db, gsaKey, staleKey, ...hostile, api, worker, podRunning, podDone, other];
  await commit('k8s', C, { nodes: nodes1, edges: edges1, coverage: k8sCoverage, errors: [] });
  const t1 = (await database.pool.query<{ t: Date }>(`SELECT max(committed_at) AS t FROM runs`)).rows[0]!.t;
  await new Promise((r) => setTimeout(r, 20));

  const gcpNode = (kind: string, name: string, properties: Record<string, unknown>): NodeRecord => ({
    id: kind === 'ServiceAccount' ? gcpServiceAccountId(P, name) : gcpKeyId(P, name), provider: 'gcp', kind, realm: P, namespace: null, name, properties,
  });
  const keyProps = (extra: Record<string, unknown>) => ({ serviceAccount: SA_EMAIL, keyType: 'USER_MANAGED', disabled: false, lastUseCovered: true, ...extra });
  await commit('gcp', P, {
    nodes: [
      gcpNode('ServiceAccount', SA_EMAIL, { disabled: false }),
      gcpNode('ServiceAccountKey', 'k1', keyProps({ validAfterTime: '2026-01-01T00:00:00Z', validBeforeTime: '9999-12-31T23:59:59Z', lastAuthenticatedAt: '2026-11-01T00:00:00Z' })),
      gcpNode('ServiceAccountKey', 'k2', keyProps({ validAfterTime: '2025-01-01T00:00:00Z', validBeforeTime: '2025-06-01T00:00:00Z', disabled: true })),
      gcpNode('ServiceAccountKey', 'k3', keyProps({ keyType: 'SYSTEM_MANAGED', validAfterTime: '2026-11-01T00:00:00Z' })),
    ],
    edges: ['k1', 'k2', 'k3'].map((k) => ({ kind: 'HAS_KEY' as const, from: SA, to: KEY(k), properties: {} })),
    coverage: coverage('gcp:ServiceAccount', 'gcp:ServiceAccountKey'),
    errors: [],
  });

  // Second Kubernetes run: `db` is gone (api now uses db2), everything else unchanged.
  const db2 = k8s('Secret', 'db2', { type: 'Opaque' });
  const edges2 = [uses(api, db2.id, { via: 'env', container: '@evil', envVar: '-X', keys: ['password'] }), ...edges1.slice(1)];
  await commit('k8s', C, { nodes: [db2, ...nodes1.slice(1)], edges: edges2, coverage: k8sCoverage, errors: [] });
  return { t1 };
}
