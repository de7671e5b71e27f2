/**
 * Who can act as a GCP service account / read a Secret Manager secret, on a hand-written inventory
 * (test/fixtures/gcp-access: a cluster `prod` and its project `acme-prod`) collected through the CLI into a real
 * PostgreSQL: service account policy, project policy, predefined and custom role expansion, unknown roles,
 * conditional bindings, direct Workload Identity principals, a secret's own policy; and on real public policies
 * from `<repo>/../shared/realdata` (gcpdiag, Config Connector / Secrets Store CSI provider samples).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli, useCliDatabase } from '../../test/cli';
import { describeGcpGrant, gcpAccess, parseMember, type GcpAccess, type GcpGrant } from './gcp-access';
import { expandRole, PREDEFINED_ROLES } from './gcp-roles';
import { handleNode } from '../api/handlers';
import * as S from '../api/schemas';

const DIR = path.resolve(import.meta.dirname, '../../test/fixtures/gcp-access');
const REALDATA = path.resolve(import.meta.dirname, '../../../shared/realdata');
const haveRealdata = existsSync(REALDATA);
if (!haveRealdata) console.warn(`gcp-access: ${REALDATA} is absent; the real-policy tests are skipped`);
const P = 'acme-prod';
const SA = (email: string) => `gcp:${P}/ServiceAccount/${email}@${P}.iam.gserviceaccount.com`;

/** `TYPE NAME: PERMS via ROLE @LEVEL [conditional] [direct]` per grant. */
const lines = (a: GcpAccess | null) =>
  (a?.grants ?? []).map((g: GcpGrant) =>
    `${g.principal.type} ${g.principal.name}: ${g.roleKnown ? g.permissions.join(',') : 'UNKNOWN'} via ${g.role} @${g.policy}${g.condition ? ' conditional' : ''}${g.direct ? ' direct' : ''}`,
  );

describe('roles as data', () => {
  it('expands predefined roles; editor acts as and creates keys but mints no tokens; unknown roles are not guessed', () => {
    expect(expandRole('roles/editor')).toEqual({ known: true, permissions: ['iam.serviceAccounts.actAs', 'iam.serviceAccountKeys.create', 'secretmanager.versions.access'] });
    expect(expandRole('roles/iam.serviceAccountTokenCreator').known && (expandRole('roles/iam.serviceAccountTokenCreator') as { permissions: string[] }).permissions).toEqual([
      'iam.serviceAccounts.getAccessToken', 'iam.serviceAccounts.getOpenIdToken', 'iam.serviceAccounts.implicitDelegation',
      'iam.serviceAccounts.signBlob', 'iam.serviceAccounts.signJwt',
    ]);
    expect(PREDEFINED_ROLES['roles/iam.workloadIdentityUser']).toEqual(['iam.serviceAccounts.getAccessToken', 'iam.serviceAccounts.getOpenIdToken']);
    expect(expandRole('roles/cloudbuild.builds.builder')).toEqual({ known: false });
    expect(expandRole('projects/p/roles/x', [{ name: 'projects/p/roles/x', permissions: ['iam.serviceAccountKeys.create'] }])).toEqual({ known: true, permissions: ['iam.serviceAccountKeys.create'], custom: true });
  });

  it('parses every member form', () => {
    expect(parseMember('serviceAccount:acme-prod.svc.id.goog[payments/api]')).toMatchObject({ type: 'kubernetesServiceAccount', name: 'payments/api', kubernetes: { pool: 'acme-prod.svc.id.goog', namespace: 'payments', name: 'api' } });
    expect(parseMember('principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/acme-prod.svc.id.goog/subject/ns/a/sa/b')).toMatchObject({ type: 'kubernetesServiceAccount', name: 'a/b' });
    expect(parseMember('principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/acme-prod.svc.id.goog/namespace/a')).toMatchObject({ type: 'kubernetesNamespace', name: 'a' });
    expect(parseMember('principalSet://iam.googleapis.com/locations/global/workforcePools/staff/group/admins').type).toBe('principalSet');
    expect(parseMember('principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/github/subject/repo:acme/app:ref:refs/heads/main').type).toBe('principal');
    expect(['user:a@x.example', 'group:g@x.example', 'domain:x.example', 'allUsers', 'allAuthenticatedUsers', 'deleted:user:a@x.example?uid=1', 'projectOwner:acme-prod', 'weird'].map((m) => parseMember(m).type))
      .toEqual(['user', 'group', 'domain', 'allUsers', 'allAuthenticatedUsers', 'deleted', 'projectRole', 'unknown']);
  });
});

describe('GCP access from stored policies', () => {
  const env = useCliDatabase('kg-gcp-access-');

  beforeAll(async () => {
    const { code, err } = await runCli('collect', 'files', DIR, '--cluster', 'prod', '--json');
    expect(code, err).toBe(0);
  });

  it('a service account: its own policy and the project policy, roles expanded, custom and unknown roles, a condition', async () => {
    const a = await gcpAccess(env.db, SA('payments-api'));
    expect(a?.policies).toEqual([
      { policy: 'resource', resource: `projects/${P}/serviceAccounts/payments-api@${P}.iam.gserviceaccount.com`, node: SA('payments-api'), known: true },
      { policy: 'project', resource: `projects/${P}`, node: `gcp:${P}/Project/${P}`, known: true },
    ]);
    expect(lines(a)).toEqual([
      'group break-glass@acme.example: UNKNOWN via organizations/123456789012/roles/breakGlass @resource',
      'group deployers@acme.example: iam.serviceAccounts.actAs via roles/iam.serviceAccountUser @resource conditional',
      `kubernetesServiceAccount payments/api: iam.serviceAccounts.getAccessToken,iam.serviceAccounts.getOpenIdToken via roles/iam.workloadIdentityUser @resource`,
      `serviceAccount ci-deployer@${P}.iam.gserviceaccount.com: iam.serviceAccounts.getAccessToken,iam.serviceAccounts.getOpenIdToken,iam.serviceAccounts.implicitDelegation,iam.serviceAccounts.signBlob,iam.serviceAccounts.signJwt via roles/iam.serviceAccountTokenCreator @resource`,
      'user ops@acme.example: iam.serviceAccountKeys.create via projects/acme-prod/roles/keyMinter @resource',
      'deleted user:former@acme.example?uid=123456789012345678901: iam.serviceAccountKeys.create via roles/iam.serviceAccountKeyAdmin @project',
      'domain acme.example: UNKNOWN via roles/container.developer @project',
      'group secops@acme.example: iam.serviceAccountKeys.create via roles/iam.serviceAccountKeyAdmin @project',
      `serviceAccount 210987654321-compute@developer.gserviceaccount.com: iam.serviceAccounts.actAs,iam.serviceAccountKeys.create via roles/editor @project`,
      `user root@acme.example: ${['iam.serviceAccounts.actAs', 'iam.serviceAccounts.getAccessToken', 'iam.serviceAccounts.getOpenIdToken', 'iam.serviceAccounts.implicitDelegation', 'iam.serviceAccounts.signBlob', 'iam.serviceAccounts.signJwt', 'iam.serviceAccountKeys.create', 'iam.serviceAccounts.setIamPolicy'].join(',')} via roles/owner @project`,
    ]);
    // Known roles granting none of these (serviceAccountViewer, logWriter, secretAccessor on the project) are not listed.
    const ci = a!.grants.find((g) => g.member.startsWith('serviceAccount:ci-deployer'))!;
    expect(ci.principal.id).toBe(SA('ci-deployer'));
    const wi = a!.grants.find((g) => g.principal.type === 'kubernetesServiceAccount')!;
    expect(wi.principal.kubernetes).toMatchObject({ serviceAccounts: ['k8s:prod/payments/ServiceAccount/api'], workloads: ['k8s:prod/payments/Deployment/api'] });
    expect(wi.direct).toBeUndefined(); // it acts as the GCP service account
    expect(a!.grants.find((g) => g.role === 'roles/iam.serviceAccountUser')!.condition).toEqual({ title: 'until 2027', expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' });
    expect(describeGcpGrant(a!.grants.find((g) => g.role.startsWith('organizations/'))!)).toBe(
      'group break-glass@acme.example: unknown role (permissions not known) via organizations/123456789012/roles/breakGlass on resource policy projects/acme-prod/serviceAccounts/payments-api@acme-prod.iam.gserviceaccount.com',
    );
  });

  it('a secret without its own policy: the project policy, with the direct Workload Identity principal resolved to the Kubernetes ServiceAccount and its workload', async () => {
    const a = await gcpAccess(env.db, `gcp:${P}/Secret/ledger-db`);
    expect(a?.about).toBe('secret');
    expect(a?.policies.map((p) => [p.policy, p.known])).toEqual([['resource', false], ['project', true]]);
    expect(lines(a)).toEqual([
      'domain acme.example: UNKNOWN via roles/container.developer @project',
      'kubernetesServiceAccount payments/ledger-reader: secretmanager.versions.access via roles/secretmanager.secretAccessor @project direct',
      'serviceAccount 210987654321-compute@developer.gserviceaccount.com: secretmanager.versions.access via roles/editor @project',
      'user root@acme.example: secretmanager.versions.access,secretmanager.secrets.setIamPolicy via roles/owner @project',
    ]);
    const direct = a!.grants.find((g) => g.direct)!;
    expect(direct.principal.kubernetes).toEqual({
      pool: 'acme-prod.svc.id.goog', namespace: 'payments', name: 'ledger-reader',
      serviceAccounts: ['k8s:prod/payments/ServiceAccount/ledger-reader'], workloads: ['k8s:prod/payments/Deployment/ledger'],
    });
    expect(describeGcpGrant(direct)).toMatch(/granted directly to the Kubernetes ServiceAccount \(no GCP service account\)/);
  });

  it("a secret's own policy: a GCP service account and a whole namespace (principalSet); a version answers with its secret's policies", async () => {
    const a = await gcpAccess(env.db, `gcp:${P}/Secret/stripe-key`);
    expect(lines(a).filter((l) => l.endsWith('@resource') || l.endsWith('@resource direct'))).toEqual([
      'kubernetesNamespace payments: secretmanager.versions.access via roles/secretmanager.secretAccessor @resource direct',
      `serviceAccount payments-api@${P}.iam.gserviceaccount.com: secretmanager.versions.access via roles/secretmanager.secretAccessor @resource`,
    ]);
    const ns = a!.grants.find((g) => g.principal.type === 'kubernetesNamespace')!;
    // Every ServiceAccount of the namespace, the implicit `default` one included.
    expect(ns.principal.kubernetes!.serviceAccounts).toEqual(['k8s:prod/payments/ServiceAccount/api', 'k8s:prod/payments/ServiceAccount/default', 'k8s:prod/payments/ServiceAccount/ledger-reader']);
    const v = await gcpAccess(env.db, `gcp:${P}/SecretVersion/stripe-key@3`);
    expect(v?.target).toBe(`gcp:${P}/SecretVersion/stripe-key@3`);
    expect(lines(v)).toEqual(lines(a));
  });

  it('a secret that gcloud named by project number meets the project policy through `gcloud projects describe`', async () => {
    const a = await gcpAccess(env.db, 'gcp:210987654321/Secret/billing-token');
    expect(a?.policies[1]).toEqual({ policy: 'project', resource: `projects/${P}`, node: `gcp:${P}/Project/${P}`, known: true });
    expect(lines(a)).toContain('kubernetesServiceAccount payments/ledger-reader: secretmanager.versions.access via roles/secretmanager.secretAccessor @project direct');
  });

  it('the node API answers `access` in the documented shape; `keygraph show` prints the grants', async () => {
    const r = await handleNode(env.db, new URL(`http://x/api/v1/nodes?id=${encodeURIComponent(`gcp:${P}/Secret/ledger-db`)}`));
    expect(r.status).toBe(200);
    const body = S.NodeResponse.parse(await r.json());
    expect(body.access).toMatchObject({ provider: 'gcp', about: 'secret' });
    const k8s = S.NodeResponse.parse(await (await handleNode(env.db, new URL(`http://x/api/v1/nodes?id=${encodeURIComponent(SA('payments-api'))}`))).json());
    expect((k8s.access as { grants: unknown[] }).grants).toHaveLength(10);
    const shown = await runCli('show', SA('payments-api'));
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain('Access: who can act as it, mint its tokens or create its keys (10)');
    expect(shown.out).toContain('group deployers@acme.example: iam.serviceAccounts.actAs via roles/iam.serviceAccountUser on resource policy projects/acme-prod/serviceAccounts/payments-api@acme-prod.iam.gserviceaccount.com (conditional)');
    const secret = await runCli('show', `gcp:${P}/Secret/ledger-db`);
    expect(secret.out).toContain('(resource policy projects/acme-prod/secrets/ledger-db not collected: its grants are unknown)');
    expect(secret.out).toMatch(/Kubernetes ServiceAccount \(Workload Identity\) payments\/ledger-reader: secretmanager\.versions\.access via roles\/secretmanager\.secretAccessor on project policy projects\/acme-prod \(granted directly to the Kubernetes ServiceAccount \(no GCP service account\)\)/);
  });

  it('ids of other kinds have no GCP access answer; a service account whose policies were not collected says so', async () => {
    expect(await gcpAccess(env.db, `gcp:${P}/ServiceAccountKey/abc`)).toBeNull();
    expect(await gcpAccess(env.db, 'k8s:prod/payments/Secret/x')).toBeNull();
    const a = await gcpAccess(env.db, 'gcp:other-proj/ServiceAccount/x@other-proj.iam.gserviceaccount.com');
    expect(a).toMatchObject({ grants: [], policies: [{ known: false }, { known: false }] });
  });
});

describe.skipIf(!haveRealdata)('real public policies', () => {
  const env = useCliDatabase('kg-gcp-access-real-');
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'kg-gcp-access-real-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const R = (rel: string) => path.join(REALDATA, rel);
  const write = (name: string, v: unknown) => {
    const f = path.join(tmp, name);
    writeFileSync(f, JSON.stringify(v));
    return f;
  };

  it('gcpdiag gke1: the SA policy (serviceAccountUser) and the project policy (owner, editor), custom roles known to grant none of these', async () => {
    const gke1 = 'gcpdiag/test-data/gke1/json-dumps';
    const policy = JSON.parse(readFileSync(R(`${gke1}/iam-policy.json`), 'utf8'));
    const { code, err } = await runCli('collect', 'files', R(`${gke1}/iam-service-accounts.json`), R(`${gke1}/iam-roles-custom.json`),
      write('gke1-project.json', { resource: 'projects/gcpdiag-gke1-aaaa', policy }),
      write('gke1-sa.json', { resource: 'projects/gcpdiag-gke1-aaaa/serviceAccounts/gke2sa@gcpdiag-gke1-aaaa.iam.gserviceaccount.com', policy: JSON.parse(readFileSync(R(`${gke1}/iam-service-account-policy.json`), 'utf8')) }),
      '--cluster', 'gke1');
    expect(code, err).toBe(0);
    const a = await gcpAccess(env.db, 'gcp:gcpdiag-gke1-aaaa/ServiceAccount/gke2sa@gcpdiag-gke1-aaaa.iam.gserviceaccount.com');
    const l = lines(a);
    expect(l).toContain('serviceAccount gke2sa@gcpdiag-gke1-aaaa.iam.gserviceaccount.com: iam.serviceAccounts.actAs via roles/iam.serviceAccountUser @resource');
    expect(l).toContain('serviceAccount 12340002-compute@developer.gserviceaccount.com: iam.serviceAccounts.actAs,iam.serviceAccountKeys.create via roles/editor @project');
    expect(l).toContain('serviceAccount 12340002@cloudservices.gserviceaccount.com: iam.serviceAccounts.actAs,iam.serviceAccountKeys.create via roles/editor @project');
    expect(l.some((x) => x.startsWith('user testuser@example.com:') && x.endsWith('via roles/owner @project'))).toBe(true);
    // The collected custom roles grant none of these permissions: not listed. Service agent roles are unknown: listed.
    expect(l.some((x) => x.includes('gke2_custom_role'))).toBe(false);
    expect(l).toContain('serviceAccount service-12340002@container-engine-robot.iam.gserviceaccount.com: UNKNOWN via roles/container.serviceAgent @project');
  });

  it('Secrets Store CSI provider project IAMPolicy: the test cluster KSA reads secrets directly; admins through secretmanager.admin', async () => {
    const krm = parse(readFileSync(R('secrets-store-csi-driver-provider-gcp/test/infra/managed/namespaces/secretmanager-csi-build/iam-policy.yaml'), 'utf8')) as { spec: { resourceRef: { external: string }; bindings: unknown[] } };
    expect(krm.spec.resourceRef.external).toBe('projects/secretmanager-csi-build');
    const { code, err } = await runCli('collect', 'files',
      write('csi-project.json', { resource: krm.spec.resourceRef.external, policy: { bindings: krm.spec.bindings } }),
      write('csi-secrets.json', [{ name: 'projects/secretmanager-csi-build/secrets/test-secret-a', createTime: '2025-01-01T00:00:00Z', replication: { automatic: {} } }]),
      '--cluster', 'csi');
    expect(code, err).toBe(0);
    const l = lines(await gcpAccess(env.db, 'gcp:secretmanager-csi-build/Secret/test-secret-a'));
    expect(l).toContain('kubernetesServiceAccount default/test-cluster-sa: secretmanager.versions.access via roles/secretmanager.secretAccessor @project direct');
    expect(l).toContain('serviceAccount e2e-test-sa@secretmanager-csi-build.iam.gserviceaccount.com: secretmanager.versions.access,secretmanager.secrets.setIamPolicy via roles/secretmanager.admin @project');
    expect(l).toContain('serviceAccount cnrm-system@secretmanager-csi-build.iam.gserviceaccount.com: secretmanager.secrets.setIamPolicy via roles/iam.securityAdmin @project');
    expect(l.filter((x) => x.endsWith('via roles/owner @project'))).toHaveLength(6);
    expect(l).toContain('kubernetesServiceAccount default/test-cluster-sa: UNKNOWN via roles/parametermanager.parameterAccessor @project direct');
  });

  it('Config Connector workload-identity IAMPolicy sample on a service account: the KSA acts as it', async () => {
    const krm = parse(readFileSync(R('k8s-config-connector/config/samples/resources/iampolicy/workload-identity-policy/iam_v1beta1_iampolicy.yaml'), 'utf8')) as { spec: { bindings: { role: string; members: string[] }[] } };
    const bindings = krm.spec.bindings.map((b) => ({ ...b, members: b.members.map((m) => m.replace('${PROJECT_ID?}', 'kcc-sample')) }));
    const email = 'iampolicy-dep-workloadidentity@kcc-sample.iam.gserviceaccount.com';
    const { code, err } = await runCli('collect', 'files',
      write('kcc-sa.json', [{ name: `projects/kcc-sample/serviceAccounts/${email}`, email, projectId: 'kcc-sample', uniqueId: '1' }]),
      write('kcc-policy.json', { resource: `projects/kcc-sample/serviceAccounts/${email}`, policy: { bindings } }),
      '--cluster', 'kcc');
    expect(code, err).toBe(0);
    expect(lines(await gcpAccess(env.db, `gcp:kcc-sample/ServiceAccount/${email}`))).toEqual([
      'kubernetesServiceAccount default/iampolicy-dep-workloadidentity: iam.serviceAccounts.getAccessToken,iam.serviceAccounts.getOpenIdToken via roles/iam.workloadIdentityUser @resource',
    ]);
  });
});
