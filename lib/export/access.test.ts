/**
 * `--what access` on the RBAC fixture (test/fixtures/rbac, cluster `rbac`) and the GCP access fixture
 * (test/fixtures/gcp-access, cluster `prod` and project `acme-prod`) collected through the CLI into a real
 * PostgreSQL: one row per grant, Kubernetes and GCP, as JSON and CSV, the realm and namespace filters, and the CLI
 * `keygraph export --what access`.
 */
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, useCliDatabase } from '../../test/cli';
import type { AccessItem } from './sources/access';

const FIX = path.resolve(import.meta.dirname, '../../test/fixtures');

describe('access export', () => {
  useCliDatabase('kg-access-export-');
  beforeAll(async () => {
    for (const [dir, cluster] of [['rbac', 'rbac'], ['gcp-access', 'prod']] as const) {
      const { code, err } = await runCli('collect', 'files', path.join(FIX, dir), '--cluster', cluster, '--complete', '--json');
      expect(code, err).toBe(0);
    }
  });
  const exported = async (...args: string[]) => {
    const r = await runCli('export', '--what', 'access', ...args);
    expect(r.code, r.err).toBe(0);
    return r.out;
  };

  it('JSON: Kubernetes Secret readers and GCP grants, one item per grant', async () => {
    const doc = JSON.parse(await exported('--format', 'json')) as { meta: { what: string }; items: AccessItem[] };
    expect(doc.meta.what).toBe('access');
    const k8s = doc.items.filter((i) => i.provider === 'k8s');
    expect(k8s.find((i) => i.principal === 'payments/api')).toMatchObject({
      realm: 'rbac', principalType: 'ServiceAccount', principalId: 'k8s:rbac/payments/ServiceAccount/api', scope: 'namespace', namespace: 'payments',
      targets: ['k8s:rbac/payments/Secret/db-credentials'], permissions: ['get'], roleKnown: true,
    });
    expect(k8s.find((i) => i.principal === 'platform/sync-controller')).toMatchObject({ scope: 'cluster', targets: [], permissions: ['get', 'list', 'watch'] });
    const gcp = doc.items.filter((i) => i.provider === 'gcp');
    expect(gcp.every((i) => i.realm === 'acme-prod')).toBe(true);
    // A project grant is one row on the project (it reaches every service account and secret of it).
    const owner = gcp.filter((i) => i.principal === 'root@acme.example');
    expect(owner).toHaveLength(1);
    expect(owner[0]).toMatchObject({ scope: 'project', targets: ['gcp:acme-prod/Project/acme-prod'], role: 'roles/owner', via: 'projects/acme-prod' });
    expect(gcp.find((i) => i.principal === 'payments/ledger-reader')).toMatchObject({
      principalType: 'kubernetesServiceAccount', direct: true, permissions: ['secretmanager.versions.access'],
      kubernetesServiceAccounts: ['k8s:prod/payments/ServiceAccount/ledger-reader'], principalId: 'k8s:prod/payments/ServiceAccount/ledger-reader',
    });
    expect(gcp.find((i) => i.role === 'roles/iam.serviceAccountUser')).toMatchObject({
      principal: 'deployers@acme.example', scope: 'resource', condition: { title: 'until 2027' },
      via: 'projects/acme-prod/serviceAccounts/payments-api@acme-prod.iam.gserviceaccount.com',
    });
    expect(gcp.find((i) => i.role === 'organizations/123456789012/roles/breakGlass')).toMatchObject({ roleKnown: false, permissions: [] });
    expect(gcp.find((i) => i.via === 'projects/acme-prod/secrets/stripe-key' && i.principalType === 'serviceAccount')).toMatchObject({
      principalId: 'gcp:acme-prod/ServiceAccount/payments-api@acme-prod.iam.gserviceaccount.com', targets: ['gcp:acme-prod/Secret/stripe-key'],
    });
  });

  it('CSV: the same rows with flat cells', async () => {
    const json = (JSON.parse(await exported('--format', 'json')) as { items: AccessItem[] }).items;
    const rows = parseCsv(await exported('--format', 'csv'), { columns: true, comment: '#' }) as Record<string, string>[];
    expect(rows).toHaveLength(json.length);
    expect(Object.keys(rows[0]!)).toEqual(['provider', 'realm', 'principal_type', 'principal', 'principal_id', 'scope', 'namespace', 'targets', 'permissions', 'role', 'role_known', 'via', 'condition', 'direct', 'kubernetes_service_accounts']);
    const token = rows.find((r) => r.role === 'roles/iam.serviceAccountTokenCreator')!;
    expect(token.permissions!.split(' ')).toEqual(['iam.serviceAccounts.getAccessToken', 'iam.serviceAccounts.getOpenIdToken', 'iam.serviceAccounts.implicitDelegation', 'iam.serviceAccounts.signBlob', 'iam.serviceAccounts.signJwt']);
    const cond = rows.find((r) => r.role === 'roles/iam.serviceAccountUser')!;
    expect(JSON.parse(cond.condition!)).toEqual({ title: 'until 2027', expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' });
    expect(rows.find((r) => r.role === 'organizations/123456789012/roles/breakGlass')!.role_known).toBe('false');
  });

  it('filters: --project keeps GCP grants of the project, --namespace keeps grants reaching that namespace', async () => {
    const gcp = (JSON.parse(await exported('--format', 'json', '--project', 'acme-prod')) as { items: AccessItem[] }).items;
    expect(gcp.length).toBeGreaterThan(5);
    expect(gcp.every((i) => i.provider === 'gcp')).toBe(true);
    const k8s = (JSON.parse(await exported('--format', 'json', '--cluster', 'rbac', '--namespace', 'payments')) as { items: AccessItem[] }).items;
    expect(k8s.length).toBeGreaterThan(0);
    expect(k8s.every((i) => i.provider === 'k8s' && (i.scope === 'cluster' || i.namespace === 'payments'))).toBe(true);
    const wi = (JSON.parse(await exported('--format', 'json', '--project', 'acme-prod', '--namespace', 'payments')) as { items: AccessItem[] }).items;
    expect(wi.map((i) => i.principal).sort()).toEqual(['payments', 'payments/api', 'payments/ledger-reader']);
    const r = await runCli('export', '--what', 'access', '--kind', 'Secret');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/kind/);
  });
});
