/**
 * Live collector against the fake API server (collectors/kubernetes/testing/fake-apiserver.ts), fed with real
 * kubectl dumps and manifests from `<repo>/../shared/realdata` plus generated objects for volume.
 *
 * The mapper is wrapped (vi.mock) to record which objects reach it, so pagination / restart / dedup assertions do
 * not depend on the mapper's output. Assertions on result nodes run only once the real mapper is in place
 * (`mapperReady`).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFingerprinter } from '../../lib/secrets/fingerprint';
import { collectKubernetesLive, LIVE_KINDS, METADATA_ONLY_ACCEPT, REFERENCE_LIVE_KINDS, type LiveCollectOptions } from './live';
import { createKubernetesMapper } from './mapper';
import { FakeApiServer, kubeconfigYaml, loadKubeObjects, type KubeObject } from './testing/fake-apiserver';
import { REALDATA } from '../../test/realdata';

const fed = vi.hoisted(() => ({ keys: [] as string[], withData: 0, secrets: [] as Array<Record<string, unknown>> }));

vi.mock('./mapper', async (importOriginal) => {
  const actual = await importOriginal<typeof import('./mapper')>();
  return {
    ...actual,
    createKubernetesMapper: (o: Parameters<typeof actual.createKubernetesMapper>[0]) => {
      const m = actual.createKubernetesMapper(o);
      return {
        add(obj: unknown, asKind?: string) {
          const x = obj as { kind?: string; metadata?: { namespace?: string; name?: string }; data?: unknown };
          const kind = asKind ?? x.kind;
          fed.keys.push(`${kind}:${x.metadata?.namespace}/${x.metadata?.name}`);
          if (kind === 'Secret') {
            if (x.data) fed.withData++;
            // shape only, no values
            fed.secrets.push({ keys: Object.keys(x as object), kind: x.kind });
          }
          return m.add(obj, asKind);
        },
        finish: () => m.finish(),
      };
    },
  };
});

const here = path.dirname(fileURLToPath(import.meta.url));
const haveRealdata = existsSync(REALDATA);
const REAL_DIRS = [
  'k9s',
  'kube-prometheus/manifests',
  'cert-manager/deploy/manifests',
  'sealed-secrets',
  'external-secrets/docs/snippets',
  'microservices-demo/release',
  'k8s-website/content/en/examples',
  'kube-thanos/examples/all/manifests',
  'ingress-nginx/docs/examples',
  'kubernetes-engine-samples',
].map((d) => path.join(REALDATA, d)).filter((d) => existsSync(d));

const TOKEN = 'test-token-abc';
const fingerprint = createFingerprinter(Buffer.alloc(32, 7));
const FAST = { retries: 5, baseDelayMs: 5, maxDelayMs: 20 };
const GENERATED = 1234;
const NAMESPACES = ['team-a', 'team-b', 'team-c', 'team-d'];
/** A value every generated Secret holds (plus a per-secret one): must never appear in a result. */
const KNOWN_VALUE = 'hunter2-SUPER-secret-value-9f3a';
const genValue = (i: number) => `generated-secret-value-${i}-q7Zx`;

function generatedSecrets(): KubeObject[] {
  const out: KubeObject[] = [];
  for (let i = 0; i < GENERATED; i++) {
    const ns = NAMESPACES[i % NAMESPACES.length]!;
    const name = `gen-${String(i).padStart(4, '0')}`;
    out.push({
      apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
      metadata: {
        name, namespace: ns,
        annotations: i % 100 === 0
          ? { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ apiVersion: 'v1', kind: 'Secret', stringData: { password: KNOWN_VALUE } }) }
          : { team: ns },
      },
      data: { password: b64(KNOWN_VALUE), token: b64(genValue(i)) },
    });
  }
  return out;
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}

function mapperIsReal(): boolean {
  const m = createKubernetesMapper({ cluster: 'probe', fingerprint });
  return m.add({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'p', namespace: 'p' }, data: {} });
}

let tmp: string;
let server: FakeApiServer;
let kubeconfig: string;
let realObjects: KubeObject[] = [];
const mapperReady = mapperIsReal();

function opts(extra: Partial<LiveCollectOptions> = {}): LiveCollectOptions {
  return { kubeconfig, context: 'alpha', fingerprint, pageSize: 100, retry: FAST, requestTimeoutMs: 2000, ...extra };
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'keygraph-live-'));
  server = await FakeApiServer.start({ token: TOKEN });
  if (haveRealdata) realObjects = loadKubeObjects(REAL_DIRS);
  server.addAll(realObjects);
  server.addAll(generatedSecrets());
  kubeconfig = path.join(tmp, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml([{ name: 'alpha', server: server.url, token: TOKEN }], 'alpha'));
});

afterAll(async () => {
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

beforeEach(() => {
  server.reset();
  fed.keys.length = 0;
  fed.withData = 0;
  fed.secrets.length = 0;
});

const secretsPath = '/api/v1/secrets';
const fedSecrets = () => fed.keys.filter((k) => k.startsWith('Secret:'));
const serverSecretKeys = () => server.objects('secrets').map((o) => `Secret:${o.metadata?.namespace}/${o.metadata?.name}`);

describe('collectKubernetesLive against the fake API server', () => {
  it('lists every kind completely through pagination (1,234+ Secrets at pageSize 100)', async () => {
    const progress: Array<{ kind: string; listed: number }> = [];
    const r = await collectKubernetesLive(opts({ onProgress: (e) => progress.push(e) }));
    expect(r.cluster).toBe('alpha');
    expect(r.errors).toEqual([]);
    const total = server.count('secrets');
    expect(total).toBeGreaterThanOrEqual(GENERATED);
    expect(r.coverage['k8s:Secret']).toEqual({ complete: true, count: total });
    for (const k of LIVE_KINDS) {
      const resource = k.resource;
      expect(r.coverage[k.kindKey], k.kind).toEqual({ complete: true, count: server.count(resource) });
    }
    // every secret fed exactly once, none lost
    expect(fedSecrets().length).toBe(total);
    expect(new Set(fedSecrets())).toEqual(new Set(serverSecretKeys()));
    // pages: ceil(total/100) requests, each with limit=100, all but the first with continue
    const reqs = server.requestsTo(secretsPath);
    expect(reqs.length).toBe(Math.ceil(total / 100));
    expect(reqs.every((q) => q.query.limit === '100')).toBe(true);
    expect(reqs.slice(1).every((q) => typeof q.query.continue === 'string')).toBe(true);
    expect(reqs.every((q) => q.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(progress.filter((p) => p.kind === 'Secret').at(-1)).toEqual({ kind: 'Secret', listed: total });
  });

  it.skipIf(!haveRealdata)('maps real objects (kube-prometheus, k9s dumps, cert-manager…) into nodes by id', async () => {
    // realdata sanity, independent of the mapper: these objects are served and fed
    expect(server.count('deployments')).toBeGreaterThan(5);
    expect(server.count('serviceaccounts')).toBeGreaterThan(5);
    await collectKubernetesLive(opts());
    expect(fed.keys).toContain('Secret:monitoring/alertmanager-main');
    expect(fed.keys).toContain('Secret:kube-system/bootstrap-token-abcdef');
    expect(fed.keys).toContain('Deployment:monitoring/grafana');
    expect(fed.keys).toContain('SealedSecret:default/example');
  });

  it.skipIf(!mapperReady)('[mapper] emits a Secret node per served Secret, ids k8s:CLUSTER/NS/Secret/NAME', async () => {
    const r = await collectKubernetesLive(opts());
    const ids = new Set(r.nodes.map((n) => n.id));
    for (const o of server.objects('secrets')) {
      expect(ids.has(`k8s:alpha/${o.metadata?.namespace}/Secret/${o.metadata?.name}`)).toBe(true);
    }
    if (haveRealdata) expect(ids.has('k8s:alpha/monitoring/Deployment/grafana')).toBe(true);
    // values were read (fingerprinted) by the mapper, and only fingerprints came out
    const gen = r.nodes.find((n) => n.id === 'k8s:alpha/team-b/Secret/gen-0001')!;
    expect(gen.properties.fingerprints).toEqual({
      password: fingerprint(Buffer.from(KNOWN_VALUE)),
      token: fingerprint(Buffer.from(genValue(1))),
    });
  });

  it('restarts a list after 410 Gone on page 2: no duplicates, no loss', async () => {
    server.fault({ path: secretsPath, page: 2, times: 1, fault: { type: 'status', code: 410, reason: 'Expired' } });
    const r = await collectKubernetesLive(opts());
    const total = server.count('secrets');
    expect(r.coverage['k8s:Secret']).toEqual({ complete: true, count: total });
    expect(fedSecrets().length).toBe(total);
    expect(new Set(fedSecrets())).toEqual(new Set(serverSecretKeys()));
    const reqs = server.requestsTo(secretsPath);
    expect(reqs[1]).toMatchObject({ page: 2, outcome: 410 });
    expect(reqs[2]).toMatchObject({ page: 1, outcome: 200 });
    expect(reqs[2]!.query.continue).toBeUndefined();
    expect(reqs.length).toBe(Math.ceil(total / 100) + 2);
  });

  it('gives up after bounded 410 restarts: kind incomplete with error', async () => {
    server.fault({ path: secretsPath, page: 2, fault: { type: 'status', code: 410, reason: 'Expired' } });
    const r = await collectKubernetesLive(opts());
    expect(r.coverage['k8s:Secret']?.complete).toBe(false);
    expect(r.coverage['k8s:Secret']?.error).toMatch(/expired: GET \/api\/v1\/secrets \(page 2\): 410 Expired/);
    expect(server.requestsTo(secretsPath).filter((q) => q.outcome === 410).length).toBe(4); // first pass + 3 restarts
    expect(r.coverage['k8s:Pod']?.complete).toBe(true);
  });

  it('403 on secrets: Secret coverage incomplete (count 0, forbidden), other kinds complete', async () => {
    server.fault({ path: secretsPath, fault: { type: 'status', code: 403 } });
    const r = await collectKubernetesLive(opts());
    const cov = r.coverage['k8s:Secret']!;
    expect(cov.complete).toBe(false);
    expect(cov.count).toBe(0);
    expect(cov.error).toMatch(/^forbidden: GET \/api\/v1\/secrets: 403 Forbidden: secrets is forbidden/);
    expect(r.errors).toEqual([{ where: secretsPath, message: cov.error }]);
    for (const k of LIVE_KINDS.filter((k) => k.kind !== 'Secret')) expect(r.coverage[k.kindKey]?.complete, k.kind).toBe(true);
    expect(server.requestsTo(secretsPath).length).toBe(1); // not retried
    expect(fedSecrets().length).toBe(0);
  });

  it('429 with Retry-After: waits the advertised seconds, then succeeds', async () => {
    server.fault({ path: '/api/v1/pods', times: 1, fault: { type: 'status', code: 429, retryAfterSeconds: 1 } });
    const t0 = Date.now();
    const r = await collectKubernetesLive(opts({ retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 2 } }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(r.coverage['k8s:Pod']).toEqual({ complete: true, count: server.count('pods') });
    expect(server.requestsTo('/api/v1/pods').map((q) => q.outcome)).toEqual([429, 200]);
    expect(r.errors).toEqual([]);
  });

  it('500 twice then success', async () => {
    server.fault({ path: '/apis/apps/v1/deployments', times: 2, fault: { type: 'status', code: 500 } });
    const r = await collectKubernetesLive(opts());
    expect(r.coverage['k8s:Deployment']).toEqual({ complete: true, count: server.count('deployments') });
    expect(server.requestsTo('/apis/apps/v1/deployments').map((q) => q.outcome)).toEqual([500, 500, 200]);
  });

  it('connection reset and a request that never answers are retried (timeout), then succeed', async () => {
    server.fault({ path: secretsPath, page: 3, times: 1, fault: { type: 'reset' } });
    server.fault({ path: secretsPath, page: 3, times: 1, fault: { type: 'hang' } });
    const r = await collectKubernetesLive(opts({ requestTimeoutMs: 300 }));
    const total = server.count('secrets');
    expect(r.coverage['k8s:Secret']).toEqual({ complete: true, count: total });
    expect(new Set(fedSecrets()).size).toBe(total);
    expect(server.requestsTo(secretsPath).filter((q) => q.page === 3).map((q) => q.outcome)).toEqual(['reset', 'hang', 200]);
  });

  it('retries exhausted: kind incomplete with an error naming path and status, others complete', async () => {
    server.fault({ path: '/apis/apps/v1/deployments', fault: { type: 'status', code: 503, message: 'etcd leader changed' } });
    const r = await collectKubernetesLive(opts({ retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 } }));
    const cov = r.coverage['k8s:Deployment']!;
    expect(cov.complete).toBe(false);
    expect(cov.error).toBe(
      'gave up after 3 attempts: GET /apis/apps/v1/deployments: 503 ServiceUnavailable: etcd leader changed',
    );
    expect(server.requestsTo('/apis/apps/v1/deployments').length).toBe(3);
    expect(r.errors.map((e) => e.where)).toEqual(['/apis/apps/v1/deployments']);
    expect(r.coverage['k8s:StatefulSet']?.complete).toBe(true);
  });

  it('exhausted retries mid-list keep the count listed so far', async () => {
    server.fault({ path: secretsPath, page: 4, fault: { type: 'status', code: 500 } });
    const r = await collectKubernetesLive(opts({ retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 2 } }));
    expect(r.coverage['k8s:Secret']).toMatchObject({ complete: false, count: 300 });
  });

  it('truncated JSON is retried; always truncated → incomplete, and the error carries no body', async () => {
    server.fault({ path: secretsPath, page: 2, times: 1, fault: { type: 'truncate' } });
    const ok = await collectKubernetesLive(opts());
    expect(ok.coverage['k8s:Secret']).toEqual({ complete: true, count: server.count('secrets') });
    expect(server.requestsTo(secretsPath).filter((q) => q.page === 2).length).toBe(2);

    server.reset();
    server.fault({ path: secretsPath, fault: { type: 'truncate' } });
    server.fault({ path: '/api/v1/pods', fault: { type: 'garbage' } });
    const bad = await collectKubernetesLive(opts({ retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 2 } }));
    expect(bad.coverage['k8s:Secret']?.complete).toBe(false);
    expect(bad.coverage['k8s:Secret']?.error).toMatch(/^gave up after 3 attempts: GET \/api\/v1\/secrets: malformed JSON response \(\d+ bytes\)$/);
    expect(bad.coverage['k8s:Pod']?.error).toMatch(/malformed JSON/);
    const text = JSON.stringify(bad);
    expect(text).not.toContain(b64(KNOWN_VALUE));
    expect(text).not.toContain('gen-0000');
    expect(text).not.toContain('502 Bad Gateway');
  });

  it('CRD not installed (404) → complete with 0; external-secrets falls back from v1 to v1beta1', async () => {
    const s = await FakeApiServer.start({ token: TOKEN, crds: ['cert-manager.io/v1', 'external-secrets.io/v1beta1'] });
    try {
      s.addAll(realObjects);
      s.add({ apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'es1', namespace: 'x' }, spec: {} });
      s.add({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'ss1', namespace: 'x' }, spec: {} });
      const kc = path.join(tmp, 'kc-crd');
      writeFileSync(kc, kubeconfigYaml([{ name: 'crd', server: s.url, token: TOKEN }], 'crd'));
      const r = await collectKubernetesLive({ ...opts(), kubeconfig: kc, context: undefined });
      expect(r.cluster).toBe('crd');
      expect(r.coverage['k8s:SealedSecret']).toEqual({ complete: true, count: 0 });
      expect(r.coverage['k8s:ExternalSecret']).toEqual({ complete: true, count: s.count('externalsecrets') });
      expect(r.coverage['k8s:Certificate']?.complete).toBe(true);
      expect(r.errors).toEqual([]);
      expect(s.requestsTo('/apis/external-secrets.io/v1/externalsecrets')[0]?.outcome).toBe(404);
      expect(s.requestsTo('/apis/external-secrets.io/v1beta1/externalsecrets')[0]?.outcome).toBe(200);
      expect(fed.keys).toContain('ExternalSecret:x/es1');
      expect(fed.keys).not.toContain('SealedSecret:x/ss1');

      // per namespace: the version resolved on the first namespace is reused for the next ones
      s.reset();
      const rn = await collectKubernetesLive({ ...opts(), kubeconfig: kc, context: undefined, namespaces: ['x', 'y'] });
      expect(rn.coverage['k8s:ExternalSecret']).toEqual({ complete: true, count: 1 });
      expect(rn.coverage['k8s:SealedSecret']).toEqual({ complete: true, count: 0 });
      expect(s.requests.filter((q) => q.path.includes('externalsecrets')).map((q) => `${q.path} ${q.outcome}`)).toEqual([
        '/apis/external-secrets.io/v1/namespaces/x/externalsecrets 404',
        '/apis/external-secrets.io/v1beta1/namespaces/x/externalsecrets 200',
        '/apis/external-secrets.io/v1beta1/namespaces/y/externalsecrets 200',
      ]);
    } finally {
      await s.close();
    }
  });

  it('ReplicationControllers, Roles, ClusterRoles (cluster-wide, also with `namespaces`) and OpenShift DeploymentConfigs', async () => {
    const s = await FakeApiServer.start({ token: TOKEN, crds: [] });
    const s2 = await FakeApiServer.start({ token: TOKEN, crds: ['apps.openshift.io/v1'] });
    try {
      const objects: KubeObject[] = [
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry-creds', namespace: 'team-a' }, data: {} },
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry-creds', namespace: 'team-b' }, data: {} },
        {
          apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'legacy', namespace: 'team-a' },
          spec: { replicas: 1, template: { spec: { serviceAccountName: 'legacy', automountServiceAccountToken: false, containers: [{ name: 'c', image: 'i', envFrom: [{ secretRef: { name: 'legacy-env' } }] }] } } },
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: 'team-a' },
          rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['registry-creds'], verbs: ['get'] }],
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'ci' },
          rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['registry-creds'], verbs: ['get', 'list'] }],
        },
        {
          apiVersion: 'apps.openshift.io/v1', kind: 'DeploymentConfig', metadata: { name: 'web', namespace: 'team-a' },
          spec: { template: { spec: { containers: [{ name: 'c', image: 'i', env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'web-key', key: 'k' } } }] }] } } },
        },
      ];
      s.addAll(objects);
      s2.addAll(objects);
      const kc = path.join(tmp, 'kc-rbac');
      writeFileSync(kc, kubeconfigYaml([{ name: 'plain', server: s.url, token: TOKEN }, { name: 'openshift', server: s2.url, token: TOKEN }], 'plain'));

      // Not OpenShift: deploymentconfigs answer 404, which is "not installed" (complete, 0), never an error.
      const r = await collectKubernetesLive({ ...opts(), kubeconfig: kc, context: 'plain' });
      expect(r.errors).toEqual([]);
      expect(r.coverage['k8s:DeploymentConfig']).toEqual({ complete: true, count: 0 });
      expect(r.coverage['k8s:ReplicationController']).toEqual({ complete: true, count: 1 });
      expect(r.coverage['k8s:Role']).toEqual({ complete: true, count: 1 });
      expect(r.coverage['k8s:ClusterRole']).toEqual({ complete: true, count: 1 });
      expect(s.requestsTo('/apis/apps.openshift.io/v1/deploymentconfigs')[0]?.outcome).toBe(404);
      const edge = (from: string, kind: string) => r.edges.filter((e) => e.from === from && e.kind === kind).map((e) => e.to).sort();
      expect(edge('k8s:plain/team-a/ReplicationController/legacy', 'USES_SECRET')).toEqual(['k8s:plain/team-a/Secret/legacy-env']);
      expect(r.nodes.find((n) => n.id === 'k8s:plain/team-a/ReplicationController/legacy')?.properties.automountServiceAccountToken).toBe(false);
      expect(edge('k8s:plain/team-a/Role/reader', 'MENTIONS')).toEqual(['k8s:plain/team-a/Secret/registry-creds']);
      expect(edge('k8s:plain/ClusterRole/ci', 'MENTIONS')).toEqual(['k8s:plain/team-a/Secret/registry-creds', 'k8s:plain/team-b/Secret/registry-creds']);

      // With `namespaces`, ClusterRoles are still listed once, cluster-wide (no /namespaces/NS/clusterroles path exists).
      s.reset();
      const rn = await collectKubernetesLive({ ...opts(), kubeconfig: kc, context: 'plain', namespaces: ['team-a'] });
      expect(s.requests.filter((q) => q.path.includes('clusterroles')).map((q) => `${q.path} ${q.outcome}`)).toEqual([
        '/apis/rbac.authorization.k8s.io/v1/clusterroles 200',
      ]);
      expect(rn.coverage['k8s:ClusterRole']).toEqual({ complete: true, count: 1 });
      expect(s.requestsTo('/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/roles')[0]?.outcome).toBe(200);

      // OpenShift: the DeploymentConfig's template is read like any workload.
      const ro = await collectKubernetesLive({ ...opts(), kubeconfig: kc, context: 'openshift' });
      expect(ro.coverage['k8s:DeploymentConfig']).toEqual({ complete: true, count: 1 });
      expect(ro.edges.filter((e) => e.from === 'k8s:openshift/team-a/DeploymentConfig/web' && e.kind === 'USES_SECRET').map((e) => [e.to, e.properties.keys])).toEqual([
        ['k8s:openshift/team-a/Secret/web-key', ['k']],
      ]);
    } finally {
      await s.close();
      await s2.close();
    }
  });

  it('403 on roles and clusterroles (an older rbac.yaml): those kinds incomplete with forbidden, the rest complete', async () => {
    server.fault({ path: '/apis/rbac.authorization.k8s.io/v1/roles', fault: { type: 'status', code: 403 } });
    server.fault({ path: '/apis/rbac.authorization.k8s.io/v1/clusterroles', fault: { type: 'status', code: 403 } });
    const r = await collectKubernetesLive(opts());
    expect(r.coverage['k8s:Role']).toMatchObject({ complete: false, count: 0 });
    expect(r.coverage['k8s:ClusterRole']?.error).toMatch(/^forbidden: GET \/apis\/rbac.authorization.k8s.io\/v1\/clusterroles: 403/);
    expect(r.coverage['k8s:Secret']?.complete).toBe(true);
  });

  it('metadata-only Secrets: sends the PartialObjectMetadataList Accept header and feeds no data', async () => {
    const r = await collectKubernetesLive(opts({ metadataOnlySecrets: true }));
    const total = server.count('secrets');
    expect(r.coverage['k8s:Secret']).toEqual({ complete: true, count: total });
    const reqs = server.requestsTo(secretsPath);
    expect(reqs.length).toBe(Math.ceil(total / 100));
    expect(reqs.every((q) => q.accept === METADATA_ONLY_ACCEPT)).toBe(true);
    expect(server.requestsTo('/api/v1/pods').every((q) => q.accept === 'application/json')).toBe(true);
    expect(fedSecrets().length).toBe(total);
    expect(fed.withData).toBe(0);
    expect(fed.secrets.every((s) => JSON.stringify(s.keys) === JSON.stringify(['apiVersion', 'kind', 'metadata']))).toBe(true);
    expect(fed.secrets.every((s) => s.kind === 'PartialObjectMetadata')).toBe(true);
    if (mapperReady) {
      const byId = new Map(r.nodes.map((n) => [n.id, n]));
      const secretNodes = r.nodes.filter((n) => n.kind === 'Secret');
      for (const o of server.objects('secrets')) {
        const node = byId.get(`k8s:alpha/${o.metadata?.namespace}/Secret/${o.metadata?.name}`);
        expect(node, String(o.metadata?.name)).toBeDefined();
        expect(node!.properties.metadataOnly).toBe(true);
        expect(node!.properties.fingerprints).toBeUndefined();
        expect(node!.properties.dataKeys).toBeUndefined();
      }
      const text = JSON.stringify(secretNodes);
      expect(text).not.toContain(fingerprint(Buffer.from(KNOWN_VALUE)));
      expect(text).not.toContain(fingerprint(Buffer.from(genValue(1))));
    }
    // metadata carries kubectl's last-applied-configuration (with the value) on some Secrets: it must not survive
    expect(JSON.stringify(r)).not.toContain(KNOWN_VALUE);
  });

  it('per-namespace listing with `namespaces`', async () => {
    const r = await collectKubernetesLive(opts({ namespaces: ['team-a', 'monitoring'] }));
    const expected = server.count('secrets', 'team-a') + server.count('secrets', 'monitoring');
    expect(r.coverage['k8s:Secret']).toEqual({ complete: true, count: expected });
    expect(server.requestsTo(secretsPath).length).toBe(0);
    expect(server.requestsTo('/api/v1/namespaces/team-a/secrets').length).toBe(Math.ceil(server.count('secrets', 'team-a') / 100));
    expect(server.requestsTo('/apis/apps/v1/namespaces/monitoring/deployments').length).toBe(1);
    expect(fedSecrets().every((k) => k.startsWith('Secret:team-a/') || k.startsWith('Secret:monitoring/'))).toBe(true);
  });

  it('selects the context from a kubeconfig with two contexts', async () => {
    const other = await FakeApiServer.start({ token: 'other-token' });
    try {
      other.add({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'only-in-beta', namespace: 'b' }, data: { k: b64('v') } });
      const kc = path.join(tmp, 'kc-two');
      writeFileSync(kc, kubeconfigYaml([
        { name: 'alpha', server: server.url, token: TOKEN },
        { name: 'beta', server: other.url, token: 'other-token' },
      ], 'alpha'));
      const r = await collectKubernetesLive({ ...opts(), kubeconfig: kc, context: 'beta' });
      expect(r.cluster).toBe('beta');
      expect(r.coverage['k8s:Secret']).toEqual({ complete: true, count: 1 });
      expect(server.requests.length).toBe(0);
      expect(other.requests.every((q) => q.authorization === 'Bearer other-token')).toBe(true);
      expect(fedSecrets()).toEqual(['Secret:b/only-in-beta']);
      if (mapperReady) expect(r.nodes.map((n) => n.id)).toContain('k8s:beta/b/Secret/only-in-beta');

      const named = await collectKubernetesLive({ ...opts(), kubeconfig: kc, context: 'beta', cluster: 'prod-eu' });
      expect(named.cluster).toBe('prod-eu');
      if (mapperReady) expect(named.nodes.map((n) => n.id)).toContain('k8s:prod-eu/b/Secret/only-in-beta');

      const current = await collectKubernetesLive({ ...opts(), kubeconfig: kc, context: undefined, namespaces: ['none'] });
      expect(current.cluster).toBe('alpha');

      await expect(collectKubernetesLive({ ...opts(), kubeconfig: kc, context: 'gamma' })).rejects.toThrow(
        /context "gamma" not found \(known: alpha, beta\)/,
      );
    } finally {
      await other.close();
    }
  });

  it('wrong credentials → every kind incomplete with unauthorized', async () => {
    const kc = path.join(tmp, 'kc-bad');
    writeFileSync(kc, kubeconfigYaml([{ name: 'bad', server: server.url, token: 'wrong' }], 'bad'));
    const r = await collectKubernetesLive({ ...opts(), kubeconfig: kc, context: 'bad' });
    for (const k of LIVE_KINDS) {
      expect(r.coverage[k.kindKey]?.complete).toBe(false);
      expect(r.coverage[k.kindKey]?.error).toMatch(/^unauthorized: GET .*: 401 Unauthorized/);
    }
  });

  it('known secret values never appear in the result', async () => {
    const r = await collectKubernetesLive(opts());
    const text = JSON.stringify(r);
    const values: string[] = [KNOWN_VALUE, genValue(0), genValue(1233)];
    for (const o of server.objects('secrets')) {
      for (const v of Object.values((o.data as Record<string, string> | undefined) ?? {})) {
        const plain = Buffer.from(v, 'base64').toString('utf8');
        if (plain.length >= 8) values.push(plain);
        if (v.length >= 12) values.push(v);
      }
    }
    for (const v of values) expect(text.includes(v), `value leaked (${v.length} chars)`).toBe(false);
    expect(fed.withData).toBeGreaterThan(0); // values were served and read
  });
});

describe('custom resources of the reference table: discovery, pagination, 403 / 404 per kind', () => {
  const crds = ['cert-manager.io/v1', 'external-secrets.io/v1', 'monitoring.coreos.com/v1', 'monitoring.coreos.com/v1alpha1', 'gateway.networking.k8s.io/v1', 'traefik.io/v1alpha1'];
  const serviceMonitors = Array.from({ length: 250 }, (_, i): KubeObject => ({
    apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: `app-${String(i).padStart(3, '0')}`, namespace: 'monitoring' },
    spec: { selector: { matchLabels: { app: `app-${i}` } }, endpoints: [{ port: 'metrics', bearerTokenSecret: { name: 'scrape-token', key: 'token' } }] },
  }));
  const objects: KubeObject[] = [
    { apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'k8s', namespace: 'monitoring' }, spec: { serviceAccountName: 'prometheus-k8s', secrets: ['etcd-certs'] } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'web', namespace: 'infra' }, spec: { gatewayClassName: 'gke-l7-global-external-managed', listeners: [{ name: 'https', protocol: 'HTTPS', port: 443, tls: { certificateRefs: [{ kind: 'Secret', name: 'web-cert' }] } }] } },
    { apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'auth', namespace: 'apps' }, spec: { basicAuth: { secret: 'authsecret' } } },
    { apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'whoami', namespace: 'apps' }, spec: { routes: [], tls: { secretName: 'whoami-tls' } } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'apps' }, data: { 'config.yaml': 'mode: prod' } },
    ...serviceMonitors,
  ];
  let s: FakeApiServer;
  let kc: string;
  beforeAll(async () => {
    s = await FakeApiServer.start({ token: TOKEN, crds });
    s.addAll(objects);
    kc = path.join(tmp, 'kc-refs');
    writeFileSync(kc, kubeconfigYaml([{ name: 'refs', server: s.url, token: TOKEN }], 'refs'));
  });
  afterAll(async () => {
    await s?.close();
  });
  beforeEach(() => s.reset());

  it('lists only the kinds discovery says are served; 250 ServiceMonitors over 3 pages; precise edges; 403 on one kind is partial, 404 on a served group is not installed', async () => {
    s.fault({ path: '/apis/traefik.io/v1alpha1/middlewares', fault: { type: 'status', code: 403 } });
    s.fault({ path: '/apis/monitoring.coreos.com/v1/podmonitors', fault: { type: 'status', code: 404 } });
    const r = await collectKubernetesLive({ ...opts(), kubeconfig: kc, context: undefined });
    expect(s.requestsTo('/apis')[0]?.outcome).toBe(200);
    // Istio and Flux are not served: never requested, complete with 0 objects (nothing of them can exist).
    expect(s.requests.filter((q) => /networking\.istio\.io|fluxcd\.io/.test(q.path))).toEqual([]);
    expect(r.coverage['k8s:GitRepository']).toEqual({ complete: true, count: 0 });
    // Gateway from Gateway API (served, 1) and Istio (not served): one kind key, complete.
    expect(r.coverage['k8s:Gateway']).toEqual({ complete: true, count: 1 });
    expect(r.coverage['k8s:ServiceMonitor']).toEqual({ complete: true, count: 250 });
    expect(s.requestsTo('/apis/monitoring.coreos.com/v1/servicemonitors').map((q) => q.page)).toEqual([1, 2, 3]);
    expect(r.coverage['k8s:Middleware']).toMatchObject({ complete: false, count: 0, error: expect.stringMatching(/^forbidden: GET \/apis\/traefik.io\/v1alpha1\/middlewares: 403/) });
    expect(r.coverage['k8s:PodMonitor']).toEqual({ complete: true, count: 0 });
    expect(r.coverage['k8s:IngressRoute']).toEqual({ complete: true, count: 1 });
    expect(r.coverage['k8s:ConfigMap']).toEqual({ complete: true, count: 1 });
    expect(r.errors.map((e) => e.where)).toEqual(['/apis/traefik.io/v1alpha1/middlewares']);
    const edge = (from: string) => r.edges.filter((e) => e.from === from).map((e) => [e.kind, e.to, e.properties.via]).sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    expect(edge('k8s:refs/monitoring/Prometheus/k8s')).toEqual([
      ['USES_SECRET', 'k8s:refs/monitoring/Secret/etcd-certs', 'monitoringCredential'],
      ['RUNS_AS', 'k8s:refs/monitoring/ServiceAccount/prometheus-k8s', 'monitoringCredential'],
    ]);
    expect(edge('k8s:refs/infra/Gateway/web')).toEqual([['USES_SECRET', 'k8s:refs/infra/Secret/web-cert', 'gatewayTls']]);
    expect(edge('k8s:refs/monitoring/ServiceMonitor/app-249')).toEqual([['USES_SECRET', 'k8s:refs/monitoring/Secret/scrape-token', 'monitoringCredential']]);
    expect(r.nodes.find((n) => n.id === 'k8s:refs/apps/ConfigMap/app-config')?.properties.dataKeys).toEqual(['config.yaml']);
    expect(JSON.stringify(r)).not.toContain('mode: prod');
  });

  it('discovery forbidden: each kind is tried version by version, a 404 on every version is "not installed"', async () => {
    s.fault({ path: '/apis', fault: { type: 'status', code: 403 } });
    const r = await collectKubernetesLive({ ...opts(), kubeconfig: kc, context: undefined });
    expect(s.requestsTo('/apis/networking.istio.io/v1/gateways')[0]?.outcome).toBe(404);
    expect(r.coverage['k8s:Gateway']).toEqual({ complete: true, count: 1 });
    expect(r.coverage['k8s:ServiceMonitor']).toEqual({ complete: true, count: 250 });
    expect(r.errors).toEqual([]);
  });

  it('a group served only in versions keygraph does not read (Flux 0.x source v1beta1): those kinds are partial, naming both; a newer served version is picked', async () => {
    const old = await FakeApiServer.start({ token: TOKEN, crds: [...crds, 'source.toolkit.fluxcd.io/v1beta1', 'helm.toolkit.fluxcd.io/v2beta2'] });
    try {
      expect(REFERENCE_LIVE_KINDS.find((x) => x.kind === 'HelmRelease')!.versions).toEqual(['v2', 'v2beta2']);
      const kco = path.join(tmp, 'kc-old');
      writeFileSync(kco, kubeconfigYaml([{ name: 'old', server: old.url, token: TOKEN }], 'old'));
      const r = await collectKubernetesLive({ ...opts(), kubeconfig: kco, context: undefined });
      expect(r.coverage['k8s:GitRepository']).toEqual({
        complete: false, count: 0, error: 'not listed: source.toolkit.fluxcd.io serves v1beta1, keygraph reads GitRepository in v1, v1beta2',
      });
      expect(old.requests.filter((q) => q.path.includes('source.toolkit.fluxcd.io'))).toEqual([]);
      expect(r.coverage['k8s:HelmRelease']).toEqual({ complete: true, count: 0 });
      expect(old.requestsTo('/apis/helm.toolkit.fluxcd.io/v2/helmreleases')).toEqual([]); // v2 not served: not tried
      expect(old.requestsTo('/apis/helm.toolkit.fluxcd.io/v2beta2/helmreleases')[0]?.outcome).toBe(200);
    } finally {
      await old.close();
    }
  });
});

describe('rbac.yaml', () => {
  it('both ClusterRoles grant list on every kind the live collector lists (cluster-scoped ones and the reference table\'s kinds included)', async () => {
    const { parseAllDocuments } = await import('yaml');
    const { readFileSync } = await import('node:fs');
    const docs = parseAllDocuments(readFileSync(path.join(here, 'rbac.yaml'), 'utf8')).map((d) => d.toJS() as {
      kind?: string; metadata?: { name?: string }; rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
    });
    const roles = docs.filter((d) => d.kind === 'ClusterRole');
    expect(roles.map((r) => r.metadata?.name)).toEqual(['keygraph-reader', 'keygraph-reader-metadata-only']);
    for (const role of roles) {
      for (const k of [...LIVE_KINDS, ...REFERENCE_LIVE_KINDS]) {
        const ok = role.rules!.some((r) => r.apiGroups.includes(k.group) && r.resources.includes(k.resource) && r.verbs.includes('list'));
        expect(ok, `${role.metadata?.name}: list ${k.group || 'core'}/${k.resource}`).toBe(true);
      }
      // read-only: no rule grants a write verb
      expect(role.rules!.flatMap((r) => r.verbs).every((v) => v === 'get' || v === 'list')).toBe(true);
    }
  });
});
