/**
 * The SQL id functions (migration 20261203180000_id_functions: kg_id_parts, kg_id_provider/realm/namespace/kind/name)
 * parse exactly as lib/graph/ids.ts parseId does, on a real PostgreSQL: well-formed namespaced, cluster-scoped and
 * GCP ids, and every malformed shape parseId rejects (they are NULL in SQL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { gcpKeyId, gcpServiceAccountId, k8sId, parseId } from './ids';

const long = (n: number, c = 'a') => c.repeat(n);

const IDS: string[] = [
  k8sId('prod', 'payments', 'Secret', 'stripe-key'),
  k8sId('prod', null, 'ClusterRole', 'system:aggregate-to-view'),
  k8sId('demo', 'ota', 'Deployment', 'ota-server'),
  k8sId('prod-eu.example.com', 'kube-system', 'ServiceAccount', 'default'),
  k8sId('c', 'ns', 'SecretStore', 'vault-backend'),
  k8sId('c', null, 'Namespace', 'payments'),
  gcpServiceAccountId('acme-prod', 'Deployer@acme-prod.iam.gserviceaccount.com'),
  gcpKeyId('acme-prod', '0123ABCDef4567890123abcdef4567890123abcd'),
  'gcp:acme-prod/ServiceAccount/x@acme-prod.iam.gserviceaccount.com',
  // unusual but valid segments
  'k8s:c/ns/Secret/a.b', 'k8s:c/ns/Secret/...', 'k8s:c/ns/Secret/%2e%2e', 'k8s:c/ns/Secret/évian', 'k8s:c/ns/Secret/日本',
  'k8s:c/ns/Secret/emoji😀', 'k8s:c/ns/Secret/evil\u202egnp.exe', 'k8s:c/ns/Secret/a\u007fb', 'k8s:c/ns/Secret/a\u0085b',
  `k8s:c/ns/Secret/${long(320)}`, `k8s:c/ns/Secret/${long(160, '😀')}`, `k8s:c/ns/Secret/${long(321)}`,
  `k8s:c/ns/Secret/${long(161, '😀')}`, `k8s:${long(300)}/${long(300)}/${long(300)}/${long(119)}`,
  `k8s:${long(300)}/${long(300)}/${long(300)}/${long(120)}`, `k8s:${long(300)}/${long(300)}/${long(300)}/${long(118)}😀`,
  // malformed
  '', 'k8s:', 'k8s:c', 'k8s:c/Secret', 'k8s:c/ns/Secret/x/y', 'gcp:p/ServiceAccount', 'gcp:p/ns/ServiceAccount/x',
  'aws:acct/User/bob', 'K8S:c/ns/Secret/x', ' k8s:c/ns/Secret/x', 'k8s:c/ns/Secret/x ', 'k8s:c//Secret/x',
  'k8s:c/ns/Secret/', 'k8s:/ns/Secret/x', 'k8s:c/./Secret/x', 'k8s:c/../Secret/x', 'k8s:c/ns/Secret/..',
  'k8s:c/ns/Secret/.', 'k8s:c/ns/Secret/a b', 'k8s:c/ns/Secret/a\tb', 'k8s:c/ns/Secret/a\nb', 'k8s:c/ns/Secret/a\u0001b',
  'k8s:c/ns/Secret/a\u00a0b', 'k8s:c/ns/Secret/a\u2028b', 'k8s:c/ns/Secret/a\u3000b', 'k8s:c/ns/Secret/a\ufeffb',
  'k8s:c/ns/Secret/a\u200ab', 'k8s:c/ns/Secret/a\u1680b', 'k8s:c/ns/Secret/a\u205fb', 'k8s:c/ns/Secret/a\u202fb',
  'k8s:c/ns/Secret/a\u001fb', 'gcp:p/ServiceAccountKey/', 'k8s:c/ns/Secret/x/', '/k8s:c/ns/Secret/x', 'k8s::c/ns/Secret/x',
  'gcp:p//x',
];

describe('SQL id functions agree with parseId', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it('on namespaced, cluster-scoped, GCP and malformed ids', async () => {
    const rows = await t.pool.query<{ id: string; parts: (string | null)[] | null; provider: string | null; realm: string | null; namespace: string | null; kind: string | null; name: string | null; key: string | null }>(
      `SELECT id, kg_id_parts(id) AS parts, kg_id_provider(id) AS provider, kg_id_realm(id) AS realm,
              kg_id_namespace(id) AS namespace, kg_id_kind(id) AS kind, kg_id_name(id) AS name, kg_id_kind_key(id) AS key
       FROM unnest($1::text[]) WITH ORDINALITY AS u(id, i) ORDER BY i`,
      [IDS],
    );
    expect(rows.rows).toHaveLength(IDS.length);
    let valid = 0;
    for (const r of rows.rows) {
      const p = parseId(r.id);
      if (p) valid++;
      expect({ id: r.id, parts: r.parts }).toEqual({ id: r.id, parts: p ? [p.provider, p.realm, p.namespace, p.kind, p.name] : null });
      expect([r.provider, r.realm, r.namespace, r.kind, r.name], r.id).toEqual(p ? [p.provider, p.realm, p.namespace, p.kind, p.name] : [null, null, null, null, null]);
      expect(r.key, r.id).toBe(p ? `${p.provider}:${p.kind}` : null);
    }
    // Both kinds of case are exercised.
    expect(valid).toBeGreaterThan(15);
    expect(IDS.length - valid).toBeGreaterThan(30);
  });

  it('NULL in, NULL out (STRICT)', async () => {
    const r = await t.pool.query(`SELECT kg_id_parts(NULL) AS p, kg_id_namespace(NULL) AS n`);
    expect(r.rows[0]).toEqual({ p: null, n: null });
  });
});
