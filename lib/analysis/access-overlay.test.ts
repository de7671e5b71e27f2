/**
 * The explorer's Access mode on the demo inventory (real PostgreSQL): who can read a Secret (RBAC) or a Secret
 * Manager secret (IAM, Workload Identity granted directly), as subjects and derived edges that impact never walks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { loadDemo } from '../../test/demo';
import { k8sId } from '../graph/ids';
import { impactOf } from './impact';
import { accessOverlay, overlayOf } from './access-overlay';
import type { SecretAccess } from './access';

const DB_CREDENTIALS = k8sId('demo', 'ota', 'Secret', 'ota-db-credentials');
const GRAFANA = k8sId('demo', 'monitoring', 'Secret', 'grafana-admin');
const SM_SECRET = 'gcp:482915630174/Secret/ota-db-password';
let t: TestDatabase;

const brief = (o: NonNullable<Awaited<ReturnType<typeof accessOverlay>>>) =>
  o.subjects.map((s) => `${s.type} ${s.name}${s.node ? ' (node)' : ''}`);

describe('access overlay on the demo', () => {
  beforeAll(async () => {
    t = await createTestDatabase();
    await loadDemo(t, { secretManager: true });
  }, 120_000);
  afterAll(async () => t?.drop());

  it('a Secret: the cluster-wide controller and the ServiceAccount granted it by name, as graph nodes with CAN_READ edges', async () => {
    const o = (await accessOverlay(t, DB_CREDENTIALS))!;
    expect(o).toMatchObject({ target: DB_CREDENTIALS, about: 'read', complete: true, more: 0 });
    expect(brief(o)).toEqual(expect.arrayContaining(['ServiceAccount external-secrets/external-secrets (node)', 'ServiceAccount ota/ota-lite-api (node)']));
    const lite = o.edges.find((e) => e.from === k8sId('demo', 'ota', 'ServiceAccount', 'ota-lite-api'))!;
    expect(lite).toMatchObject({ kind: 'CAN_READ', to: DB_CREDENTIALS, uncertain: false });
    expect(lite.access).toContain('get');
    expect(lite.grants.join('\n')).toMatch(/only ota-db-credentials/);
    const eso = o.edges.find((e) => e.from === k8sId('demo', 'external-secrets', 'ServiceAccount', 'external-secrets'))!;
    expect(eso.grants.join('\n')).toMatch(/every Secret in the cluster/);
    // Every edge ends at the target, every subject has one edge.
    expect(o.edges.every((e) => e.to === DB_CREDENTIALS)).toBe(true);
    expect(new Set(o.edges.map((e) => e.from))).toEqual(new Set(o.subjects.map((s) => s.id)));
  });

  it('a Group subject is a pseudo-node, not a graph node', async () => {
    const o = (await accessOverlay(t, GRAFANA))!;
    const group = o.subjects.find((s) => s.name === 'oncall@demo.example.com')!;
    expect(group).toMatchObject({ id: 'subject:Group:oncall@demo.example.com', type: 'Group' });
    expect(group.node).toBeUndefined();
  });

  it('a Secret Manager secret: the Kubernetes ServiceAccount granted directly through Workload Identity', async () => {
    const o = (await accessOverlay(t, SM_SECRET))!;
    expect(o.about).toBe('read');
    const direct = o.edges.filter((e) => e.grants.some((g) => g.includes('granted directly to the Kubernetes ServiceAccount')));
    expect(direct.length).toBeGreaterThan(0);
    for (const e of direct) expect(o.subjects.find((s) => s.id === e.from)?.node?.kind).toBe('ServiceAccount');
    expect(direct.every((e) => e.access.includes('secretmanager.versions.access'))).toBe(true);
  });

  it('access edges are not dependencies: the impact of deleting the Secret names none of the readers', async () => {
    const o = (await accessOverlay(t, DB_CREDENTIALS))!;
    const r = (await impactOf(t, DB_CREDENTIALS, { action: 'delete' }))!;
    const affected = new Set(r.affected.map((a) => a.node.id));
    for (const s of o.subjects) if (s.type === 'ServiceAccount') expect(affected.has(s.id), s.id).toBe(false);
  });

  it('other kinds have no access answer', async () => {
    expect(await accessOverlay(t, k8sId('demo', 'ota', 'Deployment', 'ota-lite-api'))).toBeNull();
  });
});

describe('overlayOf (pure)', () => {
  const grant = (i: number) => ({
    subject: { kind: 'User' as const, name: `user-${String(i).padStart(3, '0')}@example.com` },
    verbs: ['get'], scope: 'namespace' as const, namespace: 'ota', binding: k8sId('c', 'ota', 'RoleBinding', `b${i}`), role: k8sId('c', 'ota', 'Role', 'r'),
  });
  const target = k8sId('c', 'ota', 'Secret', 's');

  it('caps at 50 subjects and counts the rest', () => {
    const access: SecretAccess = { secret: target, rbacObjects: 200, readers: Array.from({ length: 120 }, (_, i) => grant(i)) };
    const o = overlayOf(access, target, new Map());
    expect(o.subjects).toHaveLength(50);
    expect(o.edges).toHaveLength(50);
    expect(o.more).toBe(70);
    expect(o.subjects[0]!.name).toBe('user-000@example.com');
  });

  it('one edge per subject, whatever number of bindings grant it', () => {
    const g = grant(1);
    const access: SecretAccess = { secret: target, rbacObjects: 3, readers: [g, { ...g, verbs: ['list', 'watch'], binding: k8sId('c', 'ota', 'RoleBinding', 'other') }] };
    const o = overlayOf(access, target, new Map());
    expect(o.edges).toHaveLength(1);
    expect(o.edges[0]!.access).toEqual(['get', 'list', 'watch']);
    expect(o.edges[0]!.grants).toHaveLength(2);
  });

  it('no RBAC collected: not complete, says why, draws nothing as if nobody could read it', () => {
    const o = overlayOf({ secret: target, rbacObjects: 0, readers: [] }, target, new Map());
    expect(o.complete).toBe(false);
    expect(o.unknown[0]).toMatch(/RBAC .* was not collected/);
  });

  it('a ServiceAccount subject that was not collected is drawn as missing', () => {
    const sa = k8sId('c', 'ota', 'ServiceAccount', 'gone');
    const access: SecretAccess = { secret: target, rbacObjects: 2, readers: [{ ...grant(1), subject: { kind: 'ServiceAccount', namespace: 'ota', name: 'gone', id: sa } }] };
    const o = overlayOf(access, target, new Map());
    expect(o.subjects[0]!.node).toMatchObject({ id: sa, missing: true });
  });
});
