/**
 * Live GCP IAM collector against the fake IAM / Policy Analyzer server (testing/fake-iam.ts), fed with real public
 * IAM responses from `<repo>/../shared/realdata` (gcpdiag, cartography, forseti) plus generated accounts for
 * pagination. Authentication is an OAuth2Client holding a fixed access token: no ADC lookup, no network.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { auth as googleAuth } from '@googleapis/iam';
import { parseAllDocuments } from 'yaml';
import { parseId } from '../../lib/graph/ids';
import { collectGcpLive, type GcpLiveOptions, type GcpProjectCollection } from './live';
import { FakeIamServer, loadRealIamProjects, type FakeIamProject } from './testing/fake-iam';

const here = path.dirname(fileURLToPath(import.meta.url));
const REALDATA = path.resolve(here, '../../../shared/realdata');
const haveRealdata = existsSync(REALDATA);
const TOKEN = 'ya29.test-access-token-not-a-secret-0123456789';
const FAST = { retries: 3, baseDelayMs: 5, maxDelayMs: 20 };

function tokenAuth(token = TOKEN) {
  const c = new googleAuth.OAuth2();
  c.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
  return c;
}

/** `n` generated accounts of project `p`, each with one user-managed and one system-managed key. */
function generated(p: string, n: number): FakeIamProject {
  const serviceAccounts = [];
  const keys: Record<string, Array<Record<string, unknown>>> = {};
  for (let i = 0; i < n; i++) {
    const email = `gen-${String(i).padStart(4, '0')}@${p}.iam.gserviceaccount.com`;
    serviceAccounts.push({ name: `projects/${p}/serviceAccounts/${email}`, projectId: p, uniqueId: String(1e17 + i), email, displayName: `gen ${i}` });
    keys[email] = [
      { name: `projects/${p}/serviceAccounts/${email}/keys/u${i.toString(16).padStart(6, '0')}`, keyType: 'USER_MANAGED', keyOrigin: 'GOOGLE_PROVIDED', keyAlgorithm: 'KEY_ALG_RSA_2048', validAfterTime: '2024-01-01T00:00:00Z', validBeforeTime: '9999-12-31T23:59:59Z' },
      { name: `projects/${p}/serviceAccounts/${email}/keys/s${i.toString(16).padStart(6, '0')}`, keyType: 'SYSTEM_MANAGED', keyOrigin: 'GOOGLE_PROVIDED', keyAlgorithm: 'KEY_ALG_RSA_2048', validAfterTime: '2024-01-01T00:00:00Z', validBeforeTime: '2024-01-17T00:00:00Z' },
    ];
  }
  return { serviceAccounts, keys, policies: {} };
}

const byProject = (r: GcpProjectCollection[]) => new Map(r.map((c) => [c.project, c]));
const ids = (c: GcpProjectCollection, kind: string) => c.result.nodes.filter((n) => n.kind === kind).map((n) => n.id).sort();

describe('collectGcpLive', () => {
  let srv: FakeIamServer;
  let real: Record<string, FakeIamProject> = {};
  const run = (o: Partial<GcpLiveOptions> & { projects: string[] }) =>
    collectGcpLive({ auth: tokenAuth(), rootUrl: `${srv.url}/`, retry: FAST, requestTimeoutMs: 2000, ...o });

  beforeAll(async () => {
    real = haveRealdata ? loadRealIamProjects(REALDATA) : {};
    srv = await FakeIamServer.start({ projects: { ...real, 'gen-proj': generated('gen-proj', 250) }, token: TOKEN });
  });
  afterAll(async () => {
    await srv?.close();
  });
  beforeEach(() => srv.reset());

  it.skipIf(!haveRealdata)('maps every real project completely: ids, key types, policies; every request authenticated', async () => {
    const projects = Object.keys(real).sort();
    expect(projects).toEqual(expect.arrayContaining(['gcpdiag-gke1-aaaa', 'gcpdiag-iam1-aaaa', 'project-abc', 'forseti-system-test']));
    const res = byProject(await run({ projects }));
    for (const p of projects) {
      const c = res.get(p)!;
      expect(c.result.errors, p).toEqual([]);
      expect(c.result.coverage['gcp:ServiceAccount'], p).toEqual({ complete: true, count: real[p]!.serviceAccounts.length });
      expect(c.result.coverage['gcp:ServiceAccountKey']?.complete, p).toBe(true);
      for (const n of c.result.nodes) {
        expect(parseId(n.id), n.id).toMatchObject({ provider: 'gcp', realm: p });
        expect(n.realm).toBe(p);
      }
    }
    const abc = res.get('project-abc')!;
    expect(ids(abc, 'ServiceAccountKey')).toEqual(['gcp:project-abc/ServiceAccountKey/0987654321', 'gcp:project-abc/ServiceAccountKey/1234567890']);
    expect(abc.result.nodes.find((n) => n.name === '1234567890')!.properties.keyType).toBe('SYSTEM_MANAGED');
    expect(abc.result.nodes.find((n) => n.name === '0987654321')!.properties.keyType).toBe('USER_MANAGED');
    expect(abc.result.nodes.find((n) => n.name === 'service-account-2@project-abc.iam.gserviceaccount.com')!.properties.disabled).toBe(true);
    expect(abc.result.edges.map((e) => `${e.from} ${e.kind} ${e.to}`).sort()).toEqual([
      'gcp:project-abc/ServiceAccount/service-account-1@project-abc.iam.gserviceaccount.com HAS_KEY gcp:project-abc/ServiceAccountKey/0987654321',
      'gcp:project-abc/ServiceAccount/service-account-1@project-abc.iam.gserviceaccount.com HAS_KEY gcp:project-abc/ServiceAccountKey/1234567890',
    ]);
    // gcpdiag: every account carries the project's real policy dump.
    const gke1 = res.get('gcpdiag-gke1-aaaa')!;
    for (const n of gke1.result.nodes.filter((x) => x.kind === 'ServiceAccount')) {
      expect(n.properties.iamBindings).toEqual([{ role: 'roles/iam.serviceAccountUser', members: ['serviceAccount:gke2sa@gcpdiag-gke1-aaaa.iam.gserviceaccount.com'] }]);
    }
    // forseti: the duplicated key collapses.
    expect(ids(res.get('forseti-system-test')!, 'ServiceAccountKey')).toEqual(['gcp:forseti-system-test/ServiceAccountKey/1234567890abcdef']);
    // Requests: REST paths as documented, bearer token on every one, both key types (no keyTypes filter), policy v3.
    expect(srv.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    const keyReqs = srv.requests.filter((r) => r.path.endsWith('/keys'));
    expect(keyReqs.length).toBeGreaterThan(0);
    expect(keyReqs.every((r) => r.method === 'GET' && r.query.keyTypes === undefined)).toBe(true);
    const pol = srv.requests.filter((r) => r.path.includes('/serviceAccounts/') && r.path.endsWith(':getIamPolicy'));
    expect(pol.every((r) => r.method === 'POST' && r.query['options.requestedPolicyVersion'] === '3')).toBe(true);
  });

  it('follows nextPageToken until the last page (250 accounts, pageSize 100)', async () => {
    const [c] = await run({ projects: ['gen-proj'], activities: false });
    const lists = srv.requests.filter((r) => r.path === '/v1/projects/gen-proj/serviceAccounts');
    expect(lists.map((r) => [r.query.pageSize, r.page])).toEqual([['100', 1], ['100', 2], ['100', 3]]);
    expect(c!.result.coverage).toEqual({
      'gcp:ServiceAccount': { complete: true, count: 250 },
      'gcp:ServiceAccountKey': { complete: true, count: 500 },
      'gcp:Project': { complete: true, count: 1 },
    });
    expect(new Set(c!.result.nodes.map((n) => n.id)).size).toBe(751);
    expect(c!.result.edges.filter((e) => e.kind === 'HAS_KEY')).toHaveLength(500);
  });

  describe('project IAM policy and custom roles', () => {
    it.skipIf(!haveRealdata)('reads the project policy (cloudresourcemanager v1) and custom roles (view FULL) into the project node', async () => {
      const [c] = await run({ projects: ['gcpdiag-gke1-aaaa'], activities: false });
      expect(c!.result.coverage['gcp:Project']).toEqual({ complete: true, count: 1 });
      const project = c!.result.nodes.find((n) => n.kind === 'Project')!;
      expect(project.id).toBe('gcp:gcpdiag-gke1-aaaa/Project/gcpdiag-gke1-aaaa');
      expect(project.properties.projectNumber).toBe('1234'); // projects.get
      const bindings = project.properties.iamBindings as Array<{ role: string; members: string[] }>;
      expect(bindings.find((b) => b.role === 'roles/owner')!.members).toEqual(['user:testuser@example.com']);
      expect(bindings.find((b) => b.role === 'roles/editor')!.members).toContain('serviceAccount:12340002-compute@developer.gserviceaccount.com');
      // gcpdiag's custom roles grant none of the access permissions: known, and empty.
      const roles = project.properties.customRoles as Array<{ name: string; permissions: string[] }>;
      expect(roles.map((r) => r.name)).toContain('projects/gcpdiag-gke1-aaaa/roles/gke2_custom_role');
      expect(roles.every((r) => r.permissions.length === 0)).toBe(true);
      const rolesReq = srv.requests.find((r) => r.path === '/v1/projects/gcpdiag-gke1-aaaa/roles')!;
      expect(rolesReq.query.view).toBe('FULL');
      expect(srv.requests.find((r) => r.path === '/v1/projects/gcpdiag-gke1-aaaa:getIamPolicy')!.method).toBe('POST');
    });

    it('403 on the project getIamPolicy: gcp:Project not listed (error, partial run), service accounts and keys still complete', async () => {
      srv.fault({ path: '/v1/projects/gen-proj:getIamPolicy', fault: { type: 'status', code: 403, message: "Permission 'resourcemanager.projects.getIamPolicy' denied on resource (or it may not exist)." } });
      const [c] = await run({ projects: ['gen-proj'], activities: false });
      const error = "POST projects/gen-proj:getIamPolicy: forbidden: 403 PERMISSION_DENIED: Permission 'resourcemanager.projects.getIamPolicy' denied on resource (or it may not exist).";
      expect(c!.result.coverage['gcp:Project']).toEqual({ complete: false, count: 0, error });
      expect(c!.result.errors).toEqual([{ where: 'projects/gen-proj:getIamPolicy', message: error }]);
      expect(c!.result.coverage['gcp:ServiceAccount']).toEqual({ complete: true, count: 250 });
      expect(c!.result.coverage['gcp:ServiceAccountKey']).toEqual({ complete: true, count: 500 });
      const project = c!.result.nodes.find((n) => n.kind === 'Project')!;
      expect(project.properties).not.toHaveProperty('iamBindings'); // unknown, not empty
      expect(project.properties.iamPolicyError).toBe(error);
    });

    it('403 on custom roles is a note, not an error; a conditional project binding keeps its condition', async () => {
      srv.projects['cond-proj'] = {
        ...generated('cond-proj', 1),
        projectPolicy: {
          version: 3, etag: 'BwX1',
          bindings: [{
            role: 'roles/iam.serviceAccountTokenCreator', members: ['group:oncall@example.com'],
            condition: { title: 'office hours', expression: 'request.time.getHours("Europe/Berlin") < 18' },
          }],
        },
      };
      srv.fault({ path: '/v1/projects/cond-proj/roles', fault: { type: 'status', code: 403 } });
      const [c] = await run({ projects: ['cond-proj'], activities: false });
      expect(c!.result.errors).toEqual([]);
      expect(c!.notes.join('\n')).toMatch(/custom roles of cond-proj not listed .*403.*unknown roles/);
      const project = c!.result.nodes.find((n) => n.kind === 'Project')!;
      expect(project.properties.iamBindings).toEqual([{
        role: 'roles/iam.serviceAccountTokenCreator', members: ['group:oncall@example.com'],
        condition: { title: 'office hours', expression: 'request.time.getHours("Europe/Berlin") < 18' },
      }]);
      delete srv.projects['cond-proj'];
    });
  });

  describe('faults', () => {
    it('403 on the account list: accounts and keys incomplete, no key or policy of an account requested', async () => {
      srv.fault({ path: '/v1/projects/gen-proj/serviceAccounts', fault: { type: 'status', code: 403, message: "Permission 'iam.serviceAccounts.list' denied on resource (or it may not exist)." } });
      const [c] = await run({ projects: ['gen-proj'], activities: false });
      expect(c!.result.coverage['gcp:ServiceAccount']).toEqual({
        complete: false, count: 0,
        error: "GET projects/gen-proj/serviceAccounts: forbidden: 403 PERMISSION_DENIED: Permission 'iam.serviceAccounts.list' denied on resource (or it may not exist).",
      });
      expect(c!.result.coverage['gcp:ServiceAccountKey']).toMatchObject({ complete: false, count: 0 });
      expect(c!.result.nodes.map((n) => n.id)).toEqual(['gcp:gen-proj/Project/gen-proj']); // its policy is another permission
      expect(c!.result.errors).toHaveLength(1);
      expect(srv.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'GET /v1/projects/gen-proj/serviceAccounts', 'POST /v1/projects/gen-proj:getIamPolicy', 'GET /v1/projects/gen-proj', 'GET /v1/projects/gen-proj/roles',
      ]);
    });

    it('an unknown project is a 403 (as IAM answers) and does not stop the next project', async () => {
      const res = byProject(await run({ projects: ['no-such-project', 'gen-proj'], activities: false }));
      expect(res.get('no-such-project')!.result.coverage['gcp:ServiceAccount']?.complete).toBe(false);
      expect(res.get('gen-proj')!.result.coverage['gcp:ServiceAccount']).toEqual({ complete: true, count: 250 });
    });

    it("403 on one account's keys: keys incomplete naming that account; its policy and every other account's keys still read", async () => {
      const victim = 'gen-0007@gen-proj.iam.gserviceaccount.com';
      srv.fault({ path: `/v1/projects/gen-proj/serviceAccounts/${victim}/keys`, fault: { type: 'status', code: 403 } });
      const [c] = await run({ projects: ['gen-proj'], activities: false });
      const cov = c!.result.coverage;
      expect(cov['gcp:ServiceAccount']).toEqual({ complete: true, count: 250 });
      expect(cov['gcp:ServiceAccountKey']).toMatchObject({ complete: false, count: 498 });
      expect(cov['gcp:ServiceAccountKey']!.error).toContain(victim);
      expect(cov['gcp:ServiceAccountKey']!.error).toContain('403 PERMISSION_DENIED: The caller does not have permission');
      expect(c!.result.errors).toEqual([
        { where: `projects/gen-proj/serviceAccounts/${victim}/keys`, message: `GET projects/gen-proj/serviceAccounts/${victim}/keys: forbidden: 403 PERMISSION_DENIED: The caller does not have permission` },
      ]);
      expect(c!.result.nodes.find((n) => n.name === victim)!.properties.iamBindings).toEqual([]);
    });

    it("404 on one account's policy: bindings unknown (absent) with iamPolicyError, reported, coverage unchanged", async () => {
      const victim = 'gen-0003@gen-proj.iam.gserviceaccount.com';
      srv.fault({ method: 'POST', path: `/v1/projects/gen-proj/serviceAccounts/${victim}:getIamPolicy`, fault: { type: 'status', code: 404, message: `Service account projects/gen-proj/serviceAccounts/${victim} does not exist.` } });
      const [c] = await run({ projects: ['gen-proj'], activities: false });
      const node = c!.result.nodes.find((n) => n.name === victim)!;
      expect(node.properties).not.toHaveProperty('iamBindings');
      expect(node.properties).not.toHaveProperty('workloadIdentityMembers');
      expect(node.properties.iamPolicyError).toMatch(/not found: 404 NOT_FOUND: Service account .* does not exist\./);
      expect(c!.result.errors.map((e) => e.where)).toEqual([`projects/gen-proj/serviceAccounts/${victim}:getIamPolicy`]);
      expect(c!.result.coverage['gcp:ServiceAccount']?.complete).toBe(true);
      expect(c!.result.coverage['gcp:ServiceAccountKey']?.complete).toBe(true);
    });

    it('429 with Retry-After is honoured, then the list completes', async () => {
      srv.fault({ path: '/v1/projects/gen-proj/serviceAccounts', page: 2, times: 1, fault: { type: 'status', code: 429, retryAfterSeconds: 1 } });
      const t0 = Date.now();
      const [c] = await run({ projects: ['gen-proj'], activities: false });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
      expect(c!.result.coverage['gcp:ServiceAccount']).toEqual({ complete: true, count: 250 });
      expect(c!.result.errors).toEqual([]);
      expect(srv.requests.filter((r) => r.page === 2 && r.path.endsWith('/serviceAccounts')).map((r) => r.outcome)).toEqual([429, 200]);
    });

    it.each([
      ['500s', { type: 'status', code: 500 } as const],
      ['503 UNAVAILABLE', { type: 'status', code: 503, status: 'UNAVAILABLE', message: 'The service is currently unavailable.' } as const],
      ['connection reset', { type: 'reset' } as const],
      ['a request that never answers (timeout)', { type: 'hang' } as const],
      ['truncated JSON', { type: 'truncate' } as const],
      ['an HTML proxy page', { type: 'garbage' } as const],
    ])('%s are retried, then the collection is complete', async (_, fault) => {
      srv.fault({ path: '/v1/projects/gen-proj/serviceAccounts', page: 2, times: 2, fault });
      srv.fault({ path: /\/keys$/, times: 2, fault });
      srv.fault({ path: /:getIamPolicy$/, times: 1, fault });
      const [c] = await run({ projects: ['gen-proj'], activities: false, requestTimeoutMs: 300 });
      // The faults did fire: page 2 was asked three times (two faulty answers, then the real one).
      expect(srv.requests.filter((r) => r.page === 2 && r.path.endsWith('/serviceAccounts'))).toHaveLength(3);
      expect(srv.requests.filter((r) => r.path.endsWith('/keys'))).toHaveLength(252);
      expect(c!.result.errors).toEqual([]);
      expect(c!.result.coverage).toEqual({
        'gcp:ServiceAccount': { complete: true, count: 250 },
        'gcp:ServiceAccountKey': { complete: true, count: 500 },
        'gcp:Project': { complete: true, count: 1 },
      });
    });

    it('persistent 500 on page 2: accounts incomplete with what page 1 listed; keys incomplete; clear error', async () => {
      srv.fault({ path: '/v1/projects/gen-proj/serviceAccounts', page: 2, fault: { type: 'status', code: 500 } });
      const [c] = await run({ projects: ['gen-proj'], activities: false });
      expect(c!.result.coverage['gcp:ServiceAccount']).toEqual({
        complete: false, count: 100,
        error: 'gave up after 4 attempts: GET projects/gen-proj/serviceAccounts (page 2): 500 INTERNAL: Internal error encountered.',
      });
      expect(c!.result.coverage['gcp:ServiceAccountKey']).toMatchObject({ complete: false, count: 200 });
      expect(srv.requests.filter((r) => r.page === 2)).toHaveLength(4);
    });

    it('a wrong token is 401 → unauthorized, incomplete; messages never carry the token or a body', async () => {
      const res = await collectGcpLive({ projects: ['gen-proj'], auth: tokenAuth('ya29.wrong-token-0000'), rootUrl: `${srv.url}/`, retry: FAST, activities: false });
      const c = res[0]!;
      expect(c.result.coverage['gcp:ServiceAccount']?.error).toMatch(/^GET projects\/gen-proj\/serviceAccounts: unauthorized: 401 UNAUTHENTICATED: Request had invalid/);
      const all = JSON.stringify(res);
      expect(all).not.toContain('ya29.');
      expect(all).not.toContain('{"error"');
      expect(all).not.toContain(srv.url);
    });
  });

  describe('Policy Analyzer', () => {
    const P = 'pa-proj';
    const base = generated(P, 3);
    const email = (i: number) => `gen-000${i}@${P}.iam.gserviceaccount.com`;
    const project: FakeIamProject = {
      ...base,
      activities: {
        serviceAccountKeyLastAuthentication: [
          {
            activityType: 'serviceAccountKeyLastAuthentication',
            fullResourceName: `//iam.googleapis.com/projects/${P}/serviceAccounts/${String(1e17)}/keys/u000000`,
            activity: {
              lastAuthenticatedTime: '2024-06-01T07:00:00Z',
              serviceAccountKey: { fullResourceName: `//iam.googleapis.com/projects/${P}/serviceAccounts/${String(1e17)}/keys/u000000`, projectNumber: '1234', serviceAccountId: String(1e17) },
            },
            observationPeriod: { startTime: '2024-03-01T07:00:00Z', endTime: '2024-06-02T07:00:00Z' },
          },
          // Padding on a second page (pageSize 1000): keys of other projects' style are ignored when unknown.
          ...Array.from({ length: 1000 }, (_, i) => ({
            activityType: 'serviceAccountKeyLastAuthentication',
            fullResourceName: `//iam.googleapis.com/projects/${P}/serviceAccounts/${email(1)}/keys/gone${i}`,
            activity: { lastAuthenticatedTime: '2024-01-01T00:00:00Z' },
          })),
          {
            activityType: 'serviceAccountKeyLastAuthentication',
            fullResourceName: `//iam.googleapis.com/projects/${P}/serviceAccounts/${email(2)}/keys/s000002`,
            activity: { lastAuthenticatedTime: '2024-06-03T07:00:00Z' },
          },
        ],
        serviceAccountLastAuthentication: [
          {
            activityType: 'serviceAccountLastAuthentication',
            fullResourceName: `//iam.googleapis.com/projects/${P}/serviceAccounts/${email(0)}`,
            activity: { lastAuthenticatedTime: '2024-06-01T07:00:00Z' },
          },
        ],
      },
    };
    beforeAll(() => {
      srv.projects[P] = project;
    });

    it('permitted: lastAuthenticatedAt where seen (all pages), lastUseCovered true everywhere', async () => {
      const [c] = await run({ projects: [P] });
      expect(c!.notes).toEqual([]);
      expect(c!.result.errors).toEqual([]);
      const props = new Map(c!.result.nodes.map((n) => [n.name, n.properties]));
      expect(props.get('u000000')).toMatchObject({ lastAuthenticatedAt: '2024-06-01T07:00:00.000Z', lastUseCovered: true });
      expect(props.get('s000002')).toMatchObject({ lastAuthenticatedAt: '2024-06-03T07:00:00.000Z', lastUseCovered: true });
      expect(props.get('u000001')).toMatchObject({ lastUseCovered: true }); // no authentication in the window
      expect(props.get('u000001')).not.toHaveProperty('lastAuthenticatedAt');
      expect(props.get(email(0))).toMatchObject({ lastAuthenticatedAt: '2024-06-01T07:00:00.000Z', lastUseCovered: true });
      expect(props.get(email(1))).toMatchObject({ lastUseCovered: true });
      expect(props.get('gone0')).toBeUndefined(); // activity of a key that no longer exists: no node invented
      const pa = srv.requests.filter((r) => r.path.includes('/activityTypes/'));
      expect(pa.map((r) => `${r.path.split('/')[7]} ${r.page} ${r.query.pageSize}`)).toEqual([
        'serviceAccountKeyLastAuthentication 1 1000',
        'serviceAccountKeyLastAuthentication 2 1000',
        'serviceAccountLastAuthentication 1 1000',
      ]);
    });

    it('403 (not permitted / API disabled): not an error, lastUseCovered false, a note says last use is unknown', async () => {
      srv.fault({ path: /\/activityTypes\//, fault: { type: 'status', code: 403, message: 'Policy Analyzer API has not been used in project 1234 before or it is disabled.' } });
      const notes: string[] = [];
      const [c] = await run({ projects: [P], onProgress: (p) => p.step === 'note' && notes.push(p.message) });
      expect(c!.result.errors).toEqual([]);
      expect(c!.result.coverage['gcp:ServiceAccount']?.complete).toBe(true);
      expect(c!.result.coverage['gcp:ServiceAccountKey']?.complete).toBe(true);
      expect(c!.notes).toHaveLength(2);
      expect(notes).toEqual(c!.notes);
      expect(c!.notes[0]).toMatch(/serviceAccountKeyLastAuthentication not available .*403 PERMISSION_DENIED.*last use of keys is unknown/);
      for (const n of c!.result.nodes.filter((x) => x.kind !== 'Project')) {
        expect(n.properties.lastUseCovered).toBe(false);
        expect(n.properties).not.toHaveProperty('lastAuthenticatedAt');
      }
    });

    it('failure on page 2 of the key activities: keys not covered (partial results are not "complete")', async () => {
      srv.fault({ path: /serviceAccountKeyLastAuthentication/, page: 2, fault: { type: 'status', code: 500 } });
      const [c] = await run({ projects: [P] });
      const props = new Map(c!.result.nodes.map((n) => [n.name, n.properties]));
      expect(props.get('u000001')!.lastUseCovered).toBe(false);
      expect(props.get(email(0))!.lastUseCovered).toBe(true);
      expect(c!.notes).toHaveLength(1);
      expect(c!.result.errors).toEqual([]);
    });
  });

  it.skipIf(!haveRealdata)('secrets-store-csi-driver-provider-gcp Workload Identity triple, served live', async () => {
    const base = path.join(REALDATA, 'secrets-store-csi-driver-provider-gcp/test/infra/managed/namespaces');
    const docs = (f: string) => parseAllDocuments(readFileSync(path.join(base, f), 'utf8')).map((d) => d.toJS() as Record<string, any>);
    const project = docs('secretmanager-csi-build/namespace.yaml')[0]!.metadata.annotations['cnrm.cloud.google.com/project-id'] as string;
    // Config Connector IAMServiceAccount / IAMPolicy → the REST shapes IAM would answer for them.
    const kcc = [...docs('secretmanager-csi-build/e2e-test-sa.yaml'), ...docs('secretmanager-csi-build/e2e-test-sa-iam-policy.yaml'), ...docs('secretmanager-csi-build/integration-test-resources.yaml')];
    const p: FakeIamProject = { serviceAccounts: [], keys: {}, policies: {} };
    for (const d of kcc.filter((x) => x.kind === 'IAMServiceAccount')) {
      const email = `${d.metadata.name}@${project}.iam.gserviceaccount.com`;
      p.serviceAccounts.push({ name: `projects/${project}/serviceAccounts/${email}`, projectId: project, email, displayName: d.spec.displayName, description: d.spec.description });
    }
    for (const d of kcc.filter((x) => x.kind === 'IAMPolicy' && x.spec.resourceRef.kind === 'IAMServiceAccount')) {
      p.policies![`${d.spec.resourceRef.name}@${project}.iam.gserviceaccount.com`] = { version: 1, etag: 'BwX', bindings: d.spec.bindings };
    }
    srv.projects[project] = p;
    const [c] = await run({ projects: [project], activities: false });
    const ksa = docs('e2e-test/e2e-test-sa.yaml').find((d) => d.kind === 'ServiceAccount')!;
    const gsaEmail = ksa.metadata.annotations['iam.gke.io/gcp-service-account'];
    const gsa = c!.result.nodes.find((n) => n.name === gsaEmail)!;
    expect(gsa.id).toBe(`gcp:${project}/ServiceAccount/${gsaEmail}`);
    expect(gsa.properties.workloadIdentityMembers).toEqual([
      { pool: `${project}.svc.id.goog`, namespace: ksa.metadata.namespace, ksa: ksa.metadata.name, member: `serviceAccount:${project}.svc.id.goog[e2e-test/e2e-test-sa]` },
    ]);
    const prow = c!.result.nodes.find((n) => n.name === `k8s-csi-test@${project}.iam.gserviceaccount.com`)!;
    expect(prow.properties.workloadIdentityMembers).toEqual([
      { pool: 'k8s-prow-builds.svc.id.goog', namespace: 'test-pods', ksa: 'secrets-store-csi-driver-gcp', member: 'serviceAccount:k8s-prow-builds.svc.id.goog[test-pods/secrets-store-csi-driver-gcp]' },
    ]);
    expect(c!.result.edges.filter((e) => e.kind === 'ACTS_AS')).toEqual([]); // the linker's job
  });

  it('without usable Application Default Credentials it throws before any request', async () => {
    const saved = process.env.GOOGLE_APPLICATION_CREDENTIALS;
    process.env.GOOGLE_APPLICATION_CREDENTIALS = path.join(here, 'no-such-credentials.json');
    try {
      await expect(collectGcpLive({ projects: ['gen-proj'], rootUrl: `${srv.url}/`, retry: FAST })).rejects.toThrow(/^GCP credentials unavailable: /);
      expect(srv.requests).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      else process.env.GOOGLE_APPLICATION_CREDENTIALS = saved;
    }
  });

  it('a hostile keys response carrying privateKeyData / publicKeyData leaks nothing', async () => {
    const P = 'leak-proj';
    const g = generated(P, 2);
    const PRIVATE = Buffer.from(
      JSON.stringify({ type: 'service_account', project_id: P, private_key_id: 'u000000', private_key: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n', client_email: `gen-0000@${P}.iam.gserviceaccount.com` }),
    ).toString('base64');
    const PUBLIC = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIC+zCCAeOgAwIBAgIIHostileCert\n-----END CERTIFICATE-----\n').toString('base64');
    for (const list of Object.values(g.keys!)) for (const k of list) Object.assign(k, { privateKeyType: 'TYPE_GOOGLE_CREDENTIALS_FILE', privateKeyData: PRIVATE, publicKeyData: PUBLIC });
    srv.projects[P] = g;
    const res = await run({ projects: [P], activities: false });
    const all = JSON.stringify(res);
    expect(res[0]!.result.nodes.filter((n) => n.kind === 'ServiceAccountKey')).toHaveLength(4);
    for (const needle of [PRIVATE.slice(0, 40), PRIVATE.slice(-40), PUBLIC.slice(0, 40), 'BEGIN PRIVATE KEY', 'MIIEvQIBADANBgkqhkiG9w0', 'privateKeyData', 'publicKeyData', 'TYPE_GOOGLE_CREDENTIALS_FILE']) {
      expect(all).not.toContain(needle);
    }
  });
});
