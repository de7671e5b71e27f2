/**
 * Cross-source links the store derives, because no single collector sees both ends.
 *
 * Workload Identity (GKE): a GCP service account's IAM policy grants `roles/iam.workloadIdentityUser` to
 * `serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA]` (the GCP collector records these as the service account node's
 * `properties.workloadIdentityMembers: [{pool, namespace, ksa, member}]`). The pool names a project, not a cluster:
 * every cluster in that pool with that namespace/KSA gets the identity. So the binding half of ACTS_AS is derived
 * here, KSA → GSA, for every current Kubernetes ServiceAccount with that namespace and name, with properties
 * `{binding: true, pool, member}`. The annotation half (`iam.gke.io/gcp-service-account`) comes from the Kubernetes
 * mapper as the same edge with `{annotation: true}`; reads merge the two (lib/store/read.ts).
 *
 * Derived edges are owned by source `derived`, scope `workload-identity`, recomputed in the transaction of every
 * run's commit (serialised by an advisory lock), so they always match the committed state.
 */
import type pg from 'pg';
import { edgeKey } from '../graph/records';
import { canonicalJson, sha1 } from './canonical';

const SOURCE = 'derived';
const SCOPE = 'workload-identity';

interface Wanted {
  from_id: string;
  to_id: string;
  pool: string | null;
  member: string | null;
}

/** Recomputes derived Workload Identity edges inside the caller's transaction. Returns {added, removed}. */
export async function relinkWorkloadIdentity(client: pg.PoolClient, ts: Date, runId: number): Promise<{ added: number; removed: number }> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('keygraph:derived'))`);
  const wanted = await client.query<Wanted>(`
    WITH g AS (
      SELECT DISTINCT ON (node_id) node_id, properties FROM node_versions
      WHERE valid_to IS NULL AND NOT missing AND provider = 'gcp' AND kind = 'ServiceAccount'
        AND jsonb_typeof(properties->'workloadIdentityMembers') = 'array'
      ORDER BY node_id, valid_from DESC)
    SELECT DISTINCT k.node_id AS from_id, g.node_id AS to_id, m->>'pool' AS pool, m->>'member' AS member
    FROM g CROSS JOIN LATERAL jsonb_array_elements(g.properties->'workloadIdentityMembers') m
    JOIN node_versions k ON k.valid_to IS NULL AND NOT k.missing AND k.provider = 'k8s' AND k.kind = 'ServiceAccount'
      AND k.namespace = m->>'namespace' AND k.name = m->>'ksa'`);
  const rows = new Map<string, { from: string; to: string; props: string; hash: string }>();
  for (const w of wanted.rows) {
    const properties = { binding: true, pool: w.pool ?? undefined, member: w.member ?? undefined };
    const key = sha1(edgeKey({ from: w.from_id, kind: 'ACTS_AS', to: w.to_id, properties }));
    const props = canonicalJson(properties);
    rows.set(key, { from: w.from_id, to: w.to_id, props, hash: sha1('gcp:ServiceAccount' + props) });
  }
  const keys = [...rows.keys()];
  const removed = await client.query(
    `UPDATE edge_versions SET valid_to = $3, run_to = $4
     WHERE source = $1 AND scope = $2 AND valid_to IS NULL AND NOT (edge_key = ANY($5::text[]) AND hash = ANY($6::text[]))`,
    [SOURCE, SCOPE, ts, runId, keys, keys.map((k) => rows.get(k)!.hash)],
  );
  const added = await client.query(
    `INSERT INTO edge_versions (edge_key, source, scope, kind, from_id, to_id, origin_kind, properties, hash, valid_from, run_from)
     SELECT w.key, $1, $2, 'ACTS_AS', w.from_id, w.to_id, 'gcp:ServiceAccount', w.props::jsonb, w.hash, $3, $4
     FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS w(key, from_id, to_id, props, hash)
     WHERE NOT EXISTS (SELECT 1 FROM edge_versions v WHERE v.source = $1 AND v.scope = $2 AND v.edge_key = w.key AND v.valid_to IS NULL)`,
    [SOURCE, SCOPE, ts, runId, keys, keys.map((k) => rows.get(k)!.from), keys.map((k) => rows.get(k)!.to), keys.map((k) => rows.get(k)!.props), keys.map((k) => rows.get(k)!.hash)],
  );
  return { added: added.rowCount ?? 0, removed: removed.rowCount ?? 0 };
}
