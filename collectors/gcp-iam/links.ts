/**
 * GKE Workload Identity, the binding half (a cross-source link: lib/store/linkers.ts). A GCP service account's IAM
 * policy grants `roles/iam.workloadIdentityUser` to `serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA]` (recorded by
 * the mapper as the node's `properties.workloadIdentityMembers: [{pool, namespace, ksa, member}]`). The pool names a
 * project, not a cluster: every cluster in that pool with that namespace/KSA gets the identity. So ACTS_AS KSA → GSA
 * is derived for every current Kubernetes ServiceAccount with that namespace and name, with properties
 * `{binding: true, pool, member}`. The annotation half (`iam.gke.io/gcp-service-account`) comes from the Kubernetes
 * mapper as the same edge with `{annotation: true}`; reads merge the two (lib/store/read.ts).
 */
import type { Linker } from '../../lib/store/linkers';

export const workloadIdentityLinker: Linker = {
  name: 'workload-identity',
  kind: 'ACTS_AS',
  originKind: 'gcp:ServiceAccount',
  async wanted(client) {
    const r = await client.query<{ from_id: string; to_id: string; pool: string | null; member: string | null }>(`
      WITH g AS (
        SELECT DISTINCT ON (node_id) node_id, properties FROM node_versions
        WHERE valid_to IS NULL AND NOT missing AND provider = 'gcp' AND kind = 'ServiceAccount'
          AND jsonb_typeof(properties->'workloadIdentityMembers') = 'array'
        ORDER BY node_id, valid_from DESC)
      SELECT DISTINCT k.node_id AS from_id, g.node_id AS to_id, m->>'pool' AS pool, m->>'member' AS member
      FROM g CROSS JOIN LATERAL jsonb_array_elements(g.properties->'workloadIdentityMembers') m
      JOIN node_versions k ON k.valid_to IS NULL AND NOT k.missing AND k.provider = 'k8s' AND k.kind = 'ServiceAccount'
        AND k.namespace = m->>'namespace' AND k.name = m->>'ksa'`);
    return r.rows.map((w) => ({
      from: w.from_id, to: w.to_id, properties: { binding: true, pool: w.pool ?? undefined, member: w.member ?? undefined },
    }));
  },
};
