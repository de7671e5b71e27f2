/**
 * GCP IAM file collector through `collectFiles` (collectors/files.ts), on real gcloud/REST/fixture files from
 * `<repo>/../shared/realdata` (read in place, never copied into the repo) and small hand-written files in a temp
 * folder for shapes no real sample has (paginated page, activities, wrapped policy).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectFiles, type FileCollection } from '../files';
import { createFingerprinter } from '../../lib/secrets/fingerprint';
import { FILE_COLLECTORS } from '../index';
import { gcpIamFiles } from './files';

const here = path.dirname(fileURLToPath(import.meta.url));
const REALDATA = path.resolve(here, '../../../shared/realdata');
const haveRealdata = existsSync(REALDATA);
const R = (rel: string) => path.join(REALDATA, rel);
const ctx = { cluster: 'c1', namespace: 'default', fingerprint: createFingerprinter(Buffer.alloc(32, 7)) };

const collect = (paths: string[]) => collectFiles(paths, ctx);
const gcp = (cs: FileCollection[]) => new Map(cs.filter((c) => c.result.nodes.some((n) => n.provider === 'gcp') || Object.keys(c.result.coverage).some((k) => k.startsWith('gcp:'))).map((c) => [c.scope, c]));
const covered = (c: FileCollection | undefined) => Object.keys(c?.result.coverage ?? {}).sort();

let tmp: string;
const file = (name: string, value: unknown) => {
  const f = path.join(tmp, name);
  writeFileSync(f, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return f;
};
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'kg-gcp-files-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('is registered after the Kubernetes sink and refuses Kubernetes objects', () => {
  expect(FILE_COLLECTORS.map((c) => c.name)).toEqual(['kubernetes', 'gcp-iam', 'secret-manager']);
  const sink = gcpIamFiles.createSink(ctx);
  expect(sink.accept({ apiVersion: 'iam.cnrm.cloud.google.com/v1beta1', kind: 'IAMServiceAccount', metadata: { name: 'x' } }, 'f:1')).toBe(false);
  expect(sink.accept({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'x' } }, 'f:1')).toBe(false);
});

describe.skipIf(!haveRealdata)('real gcloud / REST / fixture files', () => {
  it('REST list responses (gcpdiag) and a gcloud array (forseti): one run per project, service accounts covered', async () => {
    const { collections, errors } = await collect([
      R('gcpdiag/test-data/gke1/json-dumps/iam-service-accounts.json'),
      R('gcpdiag/test-data/iam1/json-dumps/iam-service-accounts.json'),
      R('forseti/json/fake_iam_responses.EXPECTED_SERVICE_ACCOUNTS.json'),
    ]);
    expect(errors).toEqual([]);
    const runs = gcp(collections);
    expect([...runs.keys()].sort()).toEqual(['forseti-system-test', 'gcpdiag-gke1-aaaa', 'gcpdiag-iam1-aaaa']);
    const gke1 = runs.get('gcpdiag-gke1-aaaa')!;
    expect(gke1.source).toBe('files');
    expect(gke1.result.nodes).toHaveLength(4);
    // No keys in the input: only service accounts are covered (keys are not marked gone).
    expect(gke1.result.coverage).toEqual({ 'gcp:ServiceAccount': { complete: true, count: 4 } });
  });

  it('accounts + the keys of every account (cartography-style REST, forseti gcloud arrays): both kinds covered', async () => {
    const { collections, errors } = await collect([
      R('forseti/json/fake_iam_responses.GET_PROJECTS_SERVICEACCOUNTS.json'),
      R('forseti/json/fake_iam_responses.EXPECTED_SERVICE_ACCOUNT_KEYS.json'),
    ]);
    expect(errors).toEqual([]);
    const run = gcp(collections).get('forseti-system-test')!;
    expect(run.result.coverage).toEqual({
      'gcp:ServiceAccount': { complete: true, count: 1 },
      'gcp:ServiceAccountKey': { complete: true, count: 1 },
    });
    expect(run.result.edges.map((e) => e.kind)).toEqual(['HAS_KEY']);
  });

  it('keys of one account out of two: keys are not covered (the other account may have keys)', async () => {
    const { collections, errors } = await collect([
      R('cartography/json/gcp/iam.LIST_SERVICE_ACCOUNTS_RESPONSE.json'),
      R('cartography/json/gcp/iam.LIST_SERVICE_ACCOUNT_KEYS_RESPONSE.json'),
    ]);
    expect(errors).toEqual([]);
    const run = gcp(collections).get('project-abc')!;
    expect(covered(run)).toEqual(['gcp:ServiceAccount']);
    const keys = run.result.nodes.filter((n) => n.kind === 'ServiceAccountKey');
    expect(keys.map((k) => k.properties.keyType).sort()).toEqual(['SYSTEM_MANAGED', 'USER_MANAGED']);
  });

  it('a keys-only file marks nothing gone (no service account, no key coverage)', async () => {
    const { collections, errors } = await collect([R('cartography/json/gcp/iam.LIST_SERVICE_ACCOUNT_KEYS_RESPONSE.json')]);
    expect(errors).toEqual([]);
    const run = gcp(collections).get('project-abc')!;
    expect(run.result.coverage).toEqual({});
    expect(run.result.nodes.map((n) => n.kind)).toEqual(['ServiceAccountKey', 'ServiceAccountKey']);
    expect(run.result.edges).toHaveLength(2); // HAS_KEY to the (unobserved here) account: a placeholder for the store
  });

  it('Cloud Asset Inventory export (cartography): service accounts from resource.data', async () => {
    const { collections, errors } = await collect([R('cartography/json/gcp/iam.CAI_SERVICE_ACCOUNTS_RESPONSE.json')]);
    expect(errors).toEqual([]);
    const run = gcp(collections).get('project-abc')!;
    expect(run.result.nodes.map((n) => [n.name, n.properties.disabled])).toEqual([
      ['service-account-1@project-abc.iam.gserviceaccount.com', false],
      ['service-account-2@project-abc.iam.gserviceaccount.com', true],
    ]);
  });

  it('forseti maps: {PROJECT: [accounts]}, {SA_NAME: [keys]}, {SA_NAME: policy} are placed by their names', async () => {
    const { collections, errors } = await collect([
      R('forseti/json/mock_gcp_results.IAM_GET_SERVICEACCOUNTS.json'),
      R('forseti/json/mock_gcp_results.IAM_GET_SERVICEACCOUNT_KEYS.json'),
      R('forseti/json/mock_gcp_results.IAM_GET_SERVICEACCOUNT_IAM_POLICY.json'),
    ]);
    expect(errors).toEqual([]);
    const runs = gcp(collections);
    const p1 = runs.get('project1')!;
    const sa1 = p1.result.nodes.find((n) => n.kind === 'ServiceAccount')!;
    expect(sa1.properties.iamBindings).toEqual([{ role: 'roles/iam.serviceAccountKeyAdmin', members: ['user:c_user@forseti.test'] }]);
    expect(covered(p1)).toEqual(['gcp:ServiceAccount', 'gcp:ServiceAccountKey']);
    const p2 = runs.get('project2')!;
    expect(p2.result.nodes.find((n) => n.kind === 'ServiceAccount')!.properties.iamBindings).toEqual([]);
    expect(covered(p2)).toEqual(['gcp:ServiceAccount']); // no key listing for project2's account
  });

  it('a bare policy cannot be placed: reported, not guessed', async () => {
    const files = [
      R('gcpdiag/test-data/gke1/json-dumps/iam-service-account-policy.json'),
      R('forseti/json/fake_iam_responses.GET_PROJECT_SERVICEACCOUNT_IAM_POLICY.json'),
      R('gcpdiag/test-data/composer1/json-dumps/iam-service-account-policy.json'),
    ];
    const { collections, errors } = await collect(files);
    expect(collections).toEqual([]);
    expect(errors.map((e) => e.where)).toEqual(files.map((f) => `${f}:1`));
    for (const e of errors) expect(e.message).toMatch(/^not a document keygraph can place/);
  });

  it('service-account key files are refused, and the error quotes nothing of them', async () => {
    const dir = R('google-auth-library-python/tests/data');
    const files = ['service_account.json', 'es256_service_account.json', 'gdch_service_account.json', 'impersonated_service_account_service_account_source.json', 'external_account_authorized_user.json']
      .map((f) => path.join(dir, f))
      .filter(existsSync);
    expect(files.length).toBeGreaterThanOrEqual(3);
    const { collections, errors } = await collect(files);
    expect(collections).toEqual([]);
    expect(errors).toHaveLength(files.length);
    const out = JSON.stringify(errors);
    for (const f of files) {
      const k = JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>;
      for (const field of ['private_key', 'private_key_id', 'client_email', 'client_id', 'refresh_token', 'client_secret', 'token_uri']) {
        const v = k[field];
        if (typeof v === 'string' && v.length > 3) expect(out, `${path.basename(f)} ${field}`).not.toContain(v.length > 40 ? v.slice(0, 40) : v);
      }
    }
    expect(out).not.toContain('BEGIN');
  });
});

describe('hand-written shapes', () => {
  const P = 'files-proj';
  const sa = (n: number) => ({ name: `projects/${P}/serviceAccounts/sa${n}@${P}.iam.gserviceaccount.com`, projectId: P, uniqueId: `90${n}`, email: `sa${n}@${P}.iam.gserviceaccount.com` });
  const key = (n: number, id: string, extra: Record<string, unknown> = {}) => ({ name: `projects/${P}/serviceAccounts/sa${n}@${P}.iam.gserviceaccount.com/keys/${id}`, keyType: 'USER_MANAGED', validAfterTime: '2024-01-01T00:00:00Z', validBeforeTime: '9999-12-31T23:59:59Z', ...extra });

  it('a REST page with nextPageToken: warned (run partial), accounts not covered', async () => {
    const { collections, errors } = await collect([file('page1.json', { accounts: [sa(1)], nextPageToken: 'abc' })]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/nextPageToken/);
    const run = gcp(collections).get(P)!;
    expect(run.result.nodes).toHaveLength(1);
    expect(covered(run)).toEqual([]);
  });

  it('empty lists cannot be placed', async () => {
    const { collections, errors } = await collect([file('empty-keys.json', { keys: [] }), file('empty.json', {}), file('empty-act.json', { activities: [] })]);
    expect(collections).toEqual([]);
    expect(errors).toHaveLength(3);
  });

  it('accounts + every account keys + policy wrapped with its resource + activities: all placed; lastUseCovered from activities', async () => {
    const { collections, errors } = await collect([
      file('sas.json', [sa(1), sa(2)]),
      file('keys1.json', [key(1, 'k1a'), key(1, 'k1b')]),
      file('keys2.json', { keys: [key(2, 'k2a')] }),
      file('policy.json', {
        resource: `projects/${P}/serviceAccounts/sa1@${P}.iam.gserviceaccount.com`,
        policy: { version: 1, etag: 'BwX', bindings: [{ role: 'roles/iam.workloadIdentityUser', members: [`serviceAccount:${P}.svc.id.goog[ns1/api]`] }] },
      }),
      file('activities.json', [
        { activityType: 'serviceAccountKeyLastAuthentication', fullResourceName: `//iam.googleapis.com/projects/${P}/serviceAccounts/901/keys/k1a`, activity: { lastAuthenticatedTime: '2024-06-01T00:00:00Z' } },
      ]),
    ]);
    expect(errors).toEqual([]);
    const run = gcp(collections).get(P)!;
    expect(covered(run)).toEqual(['gcp:ServiceAccount', 'gcp:ServiceAccountKey']);
    const props = new Map(run.result.nodes.map((n) => [n.name, n.properties]));
    expect(props.get('k1a')).toMatchObject({ lastAuthenticatedAt: '2024-06-01T00:00:00.000Z', lastUseCovered: true, validBeforeTime: '9999-12-31T23:59:59.000Z' });
    expect(props.get('k2a')).toMatchObject({ lastUseCovered: true });
    expect(props.get(`sa1@${P}.iam.gserviceaccount.com`)).toMatchObject({
      workloadIdentityMembers: [{ pool: `${P}.svc.id.goog`, namespace: 'ns1', ksa: 'api', member: `serviceAccount:${P}.svc.id.goog[ns1/api]` }],
      lastUseCovered: false, // no serviceAccountLastAuthentication result in the input
    });
    expect(props.get(`sa2@${P}.iam.gserviceaccount.com`)).not.toHaveProperty('iamBindings');
  });

  it('a policy for an account not in the input is reported, not applied', async () => {
    const { errors } = await collect([
      file('one-sa.json', [sa(1)]),
      file('orphan-policy.json', { resource: `projects/${P}/serviceAccounts/sa9@${P}.iam.gserviceaccount.com`, policy: { bindings: [] } }),
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/sa9@.*not in the input/);
  });

  it('a keys.create response with privateKeyData leaks nothing through collect files', async () => {
    const PRIVATE = Buffer.from('{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n"}').toString('base64');
    const res = await collect([file('created.json', key(1, 'k9', { privateKeyType: 'TYPE_GOOGLE_CREDENTIALS_FILE', privateKeyData: PRIVATE, keyOrigin: 'GOOGLE_PROVIDED' })), file('listed.json', { keys: [key(1, 'k8', { privateKeyData: PRIVATE, publicKeyData: PRIVATE })] })]);
    expect(res.errors).toEqual([]);
    expect(gcp(res.collections).get(P)!.result.nodes.map((n) => n.name).sort()).toEqual(['k8', 'k9']);
    const all = JSON.stringify(res);
    expect(all).not.toContain(PRIVATE.slice(0, 40));
    expect(all).not.toContain('privateKeyData');
    expect(all).not.toContain('BEGIN PRIVATE KEY');
  });
});

describe('project IAM policies and custom roles', () => {
  it('`gcloud projects get-iam-policy` wrapped with its resource: the project node, gcp:Project covered', async () => {
    const f = file('project-policy.json', {
      resource: 'projects/acme-prod',
      policy: {
        version: 3, etag: 'BwYl7Yw1cQo=',
        bindings: [
          { role: 'roles/secretmanager.secretAccessor', members: ['principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-prod.svc.id.goog/subject/ns/payments/sa/api'] },
          { role: 'roles/iam.serviceAccountUser', members: ['group:deployers@acme.example'], condition: { title: 'until 2027', expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' } },
        ],
      },
    });
    const { collections, errors } = await collect([f]);
    expect(errors).toEqual([]);
    const run = gcp(collections).get('acme-prod')!;
    expect(run.result.coverage).toEqual({ 'gcp:Project': { complete: true, count: 1 } });
    expect(run.result.nodes).toEqual([expect.objectContaining({
      id: 'gcp:acme-prod/Project/acme-prod', kind: 'Project', realm: 'acme-prod', name: 'acme-prod',
      properties: {
        iamBindings: [
          { role: 'roles/secretmanager.secretAccessor', members: ['principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/acme-prod.svc.id.goog/subject/ns/payments/sa/api'] },
          { role: 'roles/iam.serviceAccountUser', members: ['group:deployers@acme.example'], condition: { title: 'until 2027', expression: 'request.time < timestamp("2027-01-01T00:00:00Z")' } },
        ],
      },
    })]);
  });

  it('a Cloud Asset Inventory Project asset with iamPolicy: placed by resource.data.projectId', async () => {
    const f = file('assets-project.json', [{
      name: '//cloudresourcemanager.googleapis.com/projects/123456789012',
      assetType: 'cloudresourcemanager.googleapis.com/Project',
      resource: { data: { projectId: 'acme-assets', projectNumber: '123456789012', lifecycleState: 'ACTIVE' } },
      iamPolicy: { bindings: [{ role: 'roles/owner', members: ['user:root@acme.example'] }], etag: 'BwX=' },
    }]);
    const { collections, errors } = await collect([f]);
    expect(errors).toEqual([]);
    const node = gcp(collections).get('acme-assets')!.result.nodes[0]!;
    expect(node.id).toBe('gcp:acme-assets/Project/acme-assets');
    expect(node.properties.iamBindings).toEqual([{ role: 'roles/owner', members: ['user:root@acme.example'] }]);
  });

  it.skipIf(!haveRealdata)('gcpdiag: the bare project iam-policy.json is refused (whose?), the same policy wrapped with its project is placed; custom roles are read', async () => {
    const bare = R('gcpdiag/test-data/gke1/json-dumps/iam-policy.json');
    const refused = await collect([bare]);
    expect(refused.collections).toEqual([]);
    expect(refused.errors.map((e) => e.where)).toEqual([`${bare}:1`]);
    const wrapped = file('gke1-project-policy.json', { resource: 'projects/gcpdiag-gke1-aaaa', policy: JSON.parse(readFileSync(bare, 'utf8')) });
    const { collections, errors } = await collect([wrapped, R('gcpdiag/test-data/gke1/json-dumps/iam-roles-custom.json')]);
    expect(errors).toEqual([]);
    const run = gcp(collections).get('gcpdiag-gke1-aaaa')!;
    const node = run.result.nodes.find((n) => n.kind === 'Project')!;
    expect((node.properties.iamBindings as unknown[]).length).toBe(8);
    expect(node.properties.customRoles).toEqual([
      { name: 'projects/gcpdiag-gke1-aaaa/roles/gke2_custom_role', title: 'GKE Custom Role', permissions: [] },
      expect.objectContaining({ name: 'projects/gcpdiag-gke1-aaaa/roles/gke3_custom_role', permissions: [] }),
    ]);
  });

  it.skipIf(!haveRealdata)('custom roles without the project policy in the same input: reported, no project node (it would replace the stored policy)', async () => {
    const roles = R('gcpdiag/test-data/gke1/json-dumps/iam-roles-custom.json');
    const { collections, errors } = await collect([roles]);
    expect(gcp(collections).get('gcpdiag-gke1-aaaa')).toBeUndefined();
    expect(errors).toEqual([expect.objectContaining({ where: 'projects/gcpdiag-gke1-aaaa', message: expect.stringMatching(/without its project IAM policy in the same input: not applied/) })]);
  });

  it('a custom role without includedPermissions (plain `gcloud iam roles list`) is reported, not taken as "grants nothing"', async () => {
    const f = file('roles-list.json', { roles: [{ name: 'projects/acme-roles/roles/deployer', title: 'Deployer', etag: 'BwX=' }] });
    const { collections, errors } = await collect([f]);
    expect(gcp(collections).get('acme-roles')).toBeUndefined();
    expect(errors).toEqual([expect.objectContaining({ where: `${f}:1`, message: expect.stringMatching(/without includedPermissions.*unknown role/) })]);
  });
});
