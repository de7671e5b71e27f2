/**
 * GCP IAM mapper on real public responses from `<repo>/../shared/realdata` (gcpdiag json-dumps, cartography and
 * forseti fixtures, secrets-store-csi-driver-provider-gcp Config Connector manifests), plus a few hand-written shapes
 * where no real sample exists (Policy Analyzer activities, hostile key material).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { parseId } from '../../lib/graph/ids';
import {
  createGcpIamMapper,
  isUserManagedServiceAccount,
  parseActivity,
  parseWorkloadIdentityMember,
  policyProperties,
  serviceAccountProject,
} from './mapper';

const here = path.dirname(fileURLToPath(import.meta.url));
const REALDATA = path.resolve(here, '../../../shared/realdata');
const haveRealdata = existsSync(REALDATA);
const json = (rel: string) => JSON.parse(readFileSync(path.join(REALDATA, rel), 'utf8')) as Record<string, any>;
const yamlDocs = (rel: string) =>
  parseAllDocuments(readFileSync(path.join(REALDATA, rel), 'utf8')).map((d) => d.toJS() as Record<string, any>);

describe('pure helpers', () => {
  it('parses GKE Workload Identity members, and nothing else', () => {
    expect(parseWorkloadIdentityMember('serviceAccount:my-proj.svc.id.goog[team-a/api]')).toEqual({
      pool: 'my-proj.svc.id.goog', project: 'my-proj', namespace: 'team-a', ksa: 'api',
    });
    expect(
      parseWorkloadIdentityMember(
        'principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/my-proj.svc.id.goog/subject/ns/team-a/sa/api',
      ),
    ).toEqual({ pool: 'my-proj.svc.id.goog', project: 'my-proj', namespace: 'team-a', ksa: 'api' });
    for (const bad of [
      'serviceAccount:sa@example.iam.gserviceaccount.com',
      'user:someone@example.com',
      'serviceAccount:my-proj.svc.id.goog[team-a]',
      'serviceAccount:my-proj.svc.id.goog[team-a/api/extra]',
      'serviceAccount:my-proj.svc.id.goog[Team_A/api]',
      'deleted:serviceAccount:my-proj.svc.id.goog[team-a/api]?uid=1',
      'serviceAccount:my-proj.svc.id.goog[team-a/api] ',
      '',
    ]) {
      expect(parseWorkloadIdentityMember(bad), bad).toBeNull();
    }
  });

  it('tells user-managed accounts from Google-managed service agents', () => {
    expect(isUserManagedServiceAccount('app@proj-1.iam.gserviceaccount.com', 'proj-1')).toBe(true);
    expect(isUserManagedServiceAccount('12340002-compute@developer.gserviceaccount.com', 'p')).toBe(true);
    expect(isUserManagedServiceAccount('proj-1@appspot.gserviceaccount.com', 'proj-1')).toBe(true);
    expect(isUserManagedServiceAccount('service-12345@gcp-sa-artifactregistry.iam.gserviceaccount.com', 'p')).toBe(false);
    expect(isUserManagedServiceAccount('service-12345@compute-system.iam.gserviceaccount.com', 'p')).toBe(false);
    expect(isUserManagedServiceAccount('12345@cloudservices.gserviceaccount.com', 'p')).toBe(false);
    expect(isUserManagedServiceAccount('12345@cloudbuild.gserviceaccount.com', 'p')).toBe(false);
  });

  it('finds the project from name, then projectId, then the email domain', () => {
    expect(serviceAccountProject({ name: 'projects/a/serviceAccounts/x@b.iam.gserviceaccount.com', projectId: 'c' })).toBe('a');
    expect(serviceAccountProject({ projectId: 'c', email: 'x@b.iam.gserviceaccount.com' })).toBe('c');
    expect(serviceAccountProject({ email: 'x@my-proj.iam.gserviceaccount.com' })).toBe('my-proj');
    expect(serviceAccountProject({ email: '1-compute@developer.gserviceaccount.com' })).toBeNull();
  });

  it('parses Policy Analyzer activities (documented response shape)', () => {
    expect(
      parseActivity({
        activity: {
          lastAuthenticatedTime: '2021-04-27T07:00:00Z',
          serviceAccount: {
            fullResourceName: '//iam.googleapis.com/projects/my-project/serviceAccounts/service-account-1@my-project.iam.gserviceaccount.com',
            projectNumber: '123456789012', serviceAccountId: '123456789012345678901',
          },
        },
        activityType: 'serviceAccountLastAuthentication',
        fullResourceName: '//iam.googleapis.com/projects/my-project/serviceAccounts/service-account-1@my-project.iam.gserviceaccount.com',
        observationPeriod: { startTime: '2021-01-01T07:00:00Z', endTime: '2021-04-28T07:00:00Z' },
      }),
    ).toEqual({
      type: 'serviceAccount', project: 'my-project', account: 'service-account-1@my-project.iam.gserviceaccount.com',
      lastAuthenticatedAt: '2021-04-27T07:00:00.000Z',
    });
    expect(
      parseActivity({
        activityType: 'serviceAccountKeyLastAuthentication',
        fullResourceName: '//iam.googleapis.com/projects/my-project/serviceAccounts/123456789012345678901/keys/1a2b3c4d',
        activity: { lastAuthenticatedTime: '2021-04-27T07:00:00Z' },
      }),
    ).toMatchObject({ type: 'key', project: 'my-project', account: '123456789012345678901', keyId: '1a2b3c4d' });
    expect(parseActivity({ activityType: 'serviceAccountKeyLastAuthentication', fullResourceName: 'x', activity: { lastAuthenticatedTime: 'x' } })).toBeNull();
  });
});

describe.skipIf(!haveRealdata)('real IAM responses', () => {
  it('cartography: service accounts and keys (ids, key types, disabled, validity, HAS_KEY)', () => {
    const m = createGcpIamMapper();
    for (const sa of json('cartography/json/gcp/iam.LIST_SERVICE_ACCOUNTS_RESPONSE.json').accounts) m.addServiceAccount(sa);
    for (const k of json('cartography/json/gcp/iam.LIST_SERVICE_ACCOUNT_KEYS_RESPONSE.json').keys) m.addKey(k);
    const { nodes, edges } = m.finish();
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const sa1 = byId.get('gcp:project-abc/ServiceAccount/service-account-1@project-abc.iam.gserviceaccount.com')!;
    const sa2 = byId.get('gcp:project-abc/ServiceAccount/service-account-2@project-abc.iam.gserviceaccount.com')!;
    expect(sa1).toMatchObject({ provider: 'gcp', kind: 'ServiceAccount', realm: 'project-abc', namespace: null, name: 'service-account-1@project-abc.iam.gserviceaccount.com' });
    expect(sa1.properties).toEqual({
      displayName: 'Service Account 1', description: 'Test service account 1', disabled: false, uniqueId: '112233445566778899',
      userManaged: true, lastUseCovered: false,
    });
    expect(sa2.properties.disabled).toBe(true);
    // No policy was read: bindings unknown (absent), not empty.
    expect(sa1.properties).not.toHaveProperty('iamBindings');

    const sys = byId.get('gcp:project-abc/ServiceAccountKey/1234567890')!;
    const user = byId.get('gcp:project-abc/ServiceAccountKey/0987654321')!;
    expect(sys.name).toBe('1234567890');
    expect(sys.properties).toEqual({
      serviceAccount: 'service-account-1@project-abc.iam.gserviceaccount.com', keyType: 'SYSTEM_MANAGED', keyOrigin: 'GOOGLE_PROVIDED',
      keyAlgorithm: 'KEY_ALG_RSA_2048', validAfterTime: '2023-01-01T00:00:00.000Z', validBeforeTime: '2024-01-01T00:00:00.000Z',
      disabled: false, lastUseCovered: false,
    });
    expect(user.properties).toMatchObject({ keyType: 'USER_MANAGED', keyOrigin: 'USER_PROVIDED', validBeforeTime: '2024-02-01T00:00:00.000Z' });
    expect(edges).toHaveLength(2);
    for (const e of edges) {
      expect(e).toMatchObject({ kind: 'HAS_KEY', from: sa1.id, originKind: 'gcp:ServiceAccountKey' });
    }
    for (const n of nodes) expect(parseId(n.id)).toMatchObject({ provider: 'gcp', realm: n.realm, kind: n.kind });
  });

  it('gcpdiag: project from name, name = email field, default compute account user-managed', () => {
    const m = createGcpIamMapper();
    for (const sa of json('gcpdiag/test-data/gke1/json-dumps/iam-service-accounts.json').accounts) m.addServiceAccount(sa);
    const { nodes } = m.finish();
    expect(nodes.map((n) => n.id).sort()).toEqual([
      'gcp:gcpdiag-gke1-aaaa/ServiceAccount/12340002-compute@developer.gserviceaccount.com',
      'gcp:gcpdiag-gke1-aaaa/ServiceAccount/gke1sa@gcpdiag-gke1-aaaa.iam.gserviceaccount.com',
      'gcp:gcpdiag-gke1-aaaa/ServiceAccount/gke2sa@gcpdiag-gke1-aaaa.iam.gserviceaccount.com',
      'gcp:gcpdiag-gke1-aaaa/ServiceAccount/gke3sa@gcpdiag-gke1-aaaa.iam.gserviceaccount.com',
    ]);
    expect(nodes.every((n) => n.properties.userManaged === true && n.properties.disabled === false)).toBe(true);
    // oauth2ClientId / etag are not kept.
    expect(JSON.stringify(nodes)).not.toContain('REDACTED');
  });

  it('forseti: duplicate key entries collapse to one node; missing keyType stays absent', () => {
    const m = createGcpIamMapper();
    for (const sa of json('forseti/json/fake_iam_responses.GET_PROJECTS_SERVICEACCOUNTS.json').accounts) m.addServiceAccount(sa);
    for (const k of json('forseti/json/fake_iam_responses.GET_PROJECTS_SERVICEACCOUNTS_KEYS.json').keys) m.addKey(k);
    m.setPolicy('forseti-system-test', '111111-compute@developer.gserviceaccount.com', json('forseti/json/fake_iam_responses.GET_PROJECT_SERVICEACCOUNT_IAM_POLICY.json'));
    const { nodes, edges } = m.finish();
    const keys = nodes.filter((n) => n.kind === 'ServiceAccountKey');
    expect(keys).toHaveLength(1);
    expect(keys[0]!.id).toBe('gcp:forseti-system-test/ServiceAccountKey/1234567890abcdef');
    expect(keys[0]!.properties).not.toHaveProperty('keyType');
    expect(edges).toHaveLength(1);
    const sa = nodes.find((n) => n.kind === 'ServiceAccount')!;
    expect(sa.properties.iamBindings).toEqual([{ role: 'roles/owner', members: ['user:testuser@foo.testing'] }]);
    expect(sa.properties.workloadIdentityMembers).toEqual([]);
  });

  it('gcpdiag / forseti policies: bindings kept, empty policy is [] (known empty)', () => {
    expect(policyProperties(json('gcpdiag/test-data/datafusion1/json-dumps/iam-service-account-policy.json'))).toEqual({
      iamBindings: [{ role: 'roles/iam.serviceAccountUser', members: ['serviceAccount:service-12340010@gcp-sa-datafusion.iam.gserviceaccount.com'] }],
      workloadIdentityMembers: [],
    });
    expect(policyProperties(json('gcpdiag/test-data/composer1/json-dumps/iam-service-account-policy.json'))).toEqual({ iamBindings: [], workloadIdentityMembers: [] });
  });

  it('secrets-store-csi-driver-provider-gcp: the Workload Identity triple (KSA annotation, GSA, workloadIdentityUser binding)', () => {
    const base = 'secrets-store-csi-driver-provider-gcp/test/infra/managed/namespaces';
    const ksa = yamlDocs(`${base}/e2e-test/e2e-test-sa.yaml`).find((d) => d.kind === 'ServiceAccount')!;
    const gsa = yamlDocs(`${base}/secretmanager-csi-build/e2e-test-sa.yaml`)[0]!;
    const policy = yamlDocs(`${base}/secretmanager-csi-build/e2e-test-sa-iam-policy.yaml`)[0]!;
    const project = yamlDocs(`${base}/secretmanager-csi-build/namespace.yaml`)[0]!.metadata.annotations['cnrm.cloud.google.com/project-id'];
    expect(policy.spec.resourceRef.name).toBe(gsa.metadata.name);
    const email = `${gsa.metadata.name}@${project}.iam.gserviceaccount.com`;

    const m = createGcpIamMapper();
    m.addServiceAccount({ name: `projects/${project}/serviceAccounts/${email}`, email, displayName: gsa.spec.displayName });
    m.setPolicy(project, email, { version: 1, etag: 'BwX', bindings: policy.spec.bindings });
    const [node] = m.finish().nodes;
    expect(node!.id).toBe('gcp:secretmanager-csi-build/ServiceAccount/e2e-test-sa@secretmanager-csi-build.iam.gserviceaccount.com');
    expect(node!.properties.displayName).toBe('E2E Tests Service Account');
    expect(node!.properties.iamBindings).toEqual([
      { role: 'roles/iam.workloadIdentityUser', members: ['serviceAccount:secretmanager-csi-build.svc.id.goog[e2e-test/e2e-test-sa]'] },
    ]);
    const wi = node!.properties.workloadIdentityMembers as Array<{ pool: string; namespace: string; ksa: string }>;
    expect(wi).toEqual([
      { pool: 'secretmanager-csi-build.svc.id.goog', namespace: 'e2e-test', ksa: 'e2e-test-sa', member: 'serviceAccount:secretmanager-csi-build.svc.id.goog[e2e-test/e2e-test-sa]' },
    ]);
    // Both halves agree: the KSA's annotation names this GSA, the binding names this KSA.
    expect(ksa.metadata.annotations['iam.gke.io/gcp-service-account']).toBe(node!.name);
    expect([wi[0]!.namespace, wi[0]!.ksa]).toEqual([ksa.metadata.namespace, ksa.metadata.name]);

    // The other real binding: a GSA of this project granted to a KSA of another project's pool (test-infra's Prow).
    const other = yamlDocs(`${base}/secretmanager-csi-build/integration-test-resources.yaml`).find((d) => d.kind === 'IAMPolicy' && d.spec.resourceRef.kind === 'IAMServiceAccount')!;
    const w2 = policyProperties({ bindings: other.spec.bindings }).workloadIdentityMembers;
    expect(w2).toEqual([
      { pool: 'k8s-prow-builds.svc.id.goog', namespace: 'test-pods', ksa: 'secrets-store-csi-driver-gcp', member: 'serviceAccount:k8s-prow-builds.svc.id.goog[test-pods/secrets-store-csi-driver-gcp]' },
    ]);
    expect(parseWorkloadIdentityMember(w2[0]!.member)!.project).toBe('k8s-prow-builds');
  });

  it('secrets-store-csi-driver-provider-gcp project policy: service agents are not user-managed; only roles/iam.workloadIdentityUser grants count', () => {
    const policy = yamlDocs('secrets-store-csi-driver-provider-gcp/test/infra/managed/namespaces/secretmanager-csi-build/iam-policy.yaml')[0]!;
    const members: string[] = policy.spec.bindings.flatMap((b: { members: string[] }) => b.members).filter((x: string) => x.startsWith('serviceAccount:') && !x.includes('.svc.id.goog'));
    const verdict = Object.fromEntries(members.map((x) => [x.slice('serviceAccount:'.length), isUserManagedServiceAccount(x.slice('serviceAccount:'.length), 'secretmanager-csi-build')]));
    expect(verdict).toMatchObject({
      'gh-e2e-runner@secretmanager-csi-build.iam.gserviceaccount.com': true,
      'cnrm-system@secretmanager-csi-build.iam.gserviceaccount.com': true,
      '735463103342-compute@developer.gserviceaccount.com': true,
      'service-735463103342@gcp-sa-artifactregistry.iam.gserviceaccount.com': false,
      'service-735463103342@compute-system.iam.gserviceaccount.com': false,
      'service-735463103342@container-engine-robot.iam.gserviceaccount.com': false,
      'service-735463103342@containerregistry.iam.gserviceaccount.com': false,
      '735463103342@cloudbuild.gserviceaccount.com': false,
      '735463103342@cloudservices.gserviceaccount.com': false,
    });
    // The project policy grants secretAccessor to a KSA member: that is not a workloadIdentityUser grant.
    expect(policyProperties({ bindings: policy.spec.bindings }).workloadIdentityMembers).toEqual([]);
  });

  it('cartography WIF pool members (GitHub) are not GKE Workload Identity', () => {
    for (const member of json('cartography/json/gcp/workload_identity.WIF_BINDING_MEMBERS.json') as unknown as string[]) {
      expect(parseWorkloadIdentityMember(member)).toBeNull();
    }
    const raw = json('cartography/json/gcp/test_workload_identity.test_transform_bindings_extracts_wif_pools.raw.json');
    expect(policyProperties(raw.policy_results[0].policies[0].policy).workloadIdentityMembers).toEqual([]);
  });
});

describe('activities and last use', () => {
  const sa = { name: 'projects/p1/serviceAccounts/app@p1.iam.gserviceaccount.com', email: 'app@p1.iam.gserviceaccount.com', uniqueId: '111' };
  const key = (id: string) => ({ name: `projects/p1/serviceAccounts/app@p1.iam.gserviceaccount.com/keys/${id}`, keyType: 'USER_MANAGED' });

  it('sets lastAuthenticatedAt by key id / account unique id; covered only when told', () => {
    const m = createGcpIamMapper();
    m.addServiceAccount(sa);
    m.addKey(key('aaa'));
    m.addKey(key('bbb'));
    m.addActivity({
      activityType: 'serviceAccountKeyLastAuthentication',
      fullResourceName: '//iam.googleapis.com/projects/p1/serviceAccounts/111/keys/aaa',
      activity: { lastAuthenticatedTime: '2024-05-01T07:00:00Z' },
    });
    m.addActivity({
      activityType: 'serviceAccountLastAuthentication',
      fullResourceName: '//iam.googleapis.com/projects/p1/serviceAccounts/111',
      activity: { lastAuthenticatedTime: '2024-05-02T07:00:00Z' },
    });
    m.setLastUseCovered('p1', 'key', true);
    const byName = new Map(m.finish().nodes.map((n) => [n.name, n.properties]));
    expect(byName.get('aaa')).toMatchObject({ lastAuthenticatedAt: '2024-05-01T07:00:00.000Z', lastUseCovered: true });
    expect(byName.get('bbb')).toMatchObject({ lastUseCovered: true });
    expect(byName.get('bbb')).not.toHaveProperty('lastAuthenticatedAt');
    expect(byName.get('app@p1.iam.gserviceaccount.com')).toMatchObject({ lastAuthenticatedAt: '2024-05-02T07:00:00.000Z', lastUseCovered: false });
  });

  it('never keeps key material (privateKeyData / publicKeyData of a keys.create response)', () => {
    const m = createGcpIamMapper();
    const PRIVATE = Buffer.from('{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\nMIIBOgIBAAJBAK\\n"}').toString('base64');
    const PUBLIC = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIC+zCCAeOgAwIBAgII\n').toString('base64');
    m.addKey({ ...key('ccc'), privateKeyType: 'TYPE_GOOGLE_CREDENTIALS_FILE', privateKeyData: PRIVATE, publicKeyData: PUBLIC });
    const out = JSON.stringify(m.finish());
    expect(out).toContain('ccc');
    expect(out).not.toContain(PRIVATE.slice(0, 24));
    expect(out).not.toContain(PUBLIC.slice(0, 24));
    expect(out).not.toMatch(/privateKey|publicKey/);
  });
});
