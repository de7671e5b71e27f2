import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EdgeRecord, NodeRecord, SkippedObject } from '../../lib/graph/records';
import { edgeKey } from '../../lib/graph/records';
import { parseId } from '../../lib/graph/ids';
import { EDGE_KINDS, NODE_KINDS, SECRET_VIAS, WORKLOAD_KIND_KEYS, nodeKindSpec } from '../../lib/graph/model';
import { EDGE_ENDPOINTS, leafKinds, relevantKinds } from '../../lib/analysis/dependents';
import { createFingerprinter } from '../../lib/secrets/fingerprint';
import { readDocuments, type InputError } from '../../lib/input/documents';
import { createKubernetesMapper, MENTION_SCAN_LIMITS, scanMentions, type KubernetesMapperOptions } from './mapper';
import { haveOpenssl } from '../../test/openssl';
import { REALDATA as REAL } from '../../test/realdata';

const here = path.dirname(fileURLToPath(import.meta.url));
const hasReal = existsSync(REAL);
const fingerprint = createFingerprinter(Buffer.alloc(32, 7));

interface Mapped {
  nodes: NodeRecord[];
  edges: EdgeRecord[];
  errors: InputError[];
  ids: Set<string>;
  node(id: string): NodeRecord;
  out(from: string, kind?: string): EdgeRecord[];
}

function wrap(r: { nodes: NodeRecord[]; edges: EdgeRecord[] }, errors: InputError[] = []): Mapped {
  const ids = new Set(r.nodes.map((n) => n.id));
  return {
    ...r,
    errors,
    ids,
    node(id) {
      const n = r.nodes.find((x) => x.id === id);
      if (!n) throw new Error(`no node ${id}; have ${[...ids].join(', ')}`);
      return n;
    },
    out: (from, kind) => r.edges.filter((e) => e.from === from && (!kind || e.kind === kind)),
  };
}

async function mapPaths(paths: string[], opts: Partial<KubernetesMapperOptions> = {}): Promise<Mapped> {
  const m = createKubernetesMapper({ cluster: 'c1', fingerprint, implicitDefaults: true, ...opts });
  const errors: InputError[] = [];
  for await (const d of readDocuments(paths)) {
    if (d.type === 'error') errors.push(d);
    else m.add(d.value);
  }
  return wrap(m.finish(), errors);
}

function mapObjects(objs: unknown[], opts: Partial<KubernetesMapperOptions> = {}): Mapped {
  const m = createKubernetesMapper({ cluster: 'c1', fingerprint, ...opts });
  for (const o of objs) m.add(o);
  return wrap(m.finish());
}

const real = (...p: string[]) => path.join(REAL, ...p);
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const sid = (ns: string, name: string) => `k8s:c1/${ns}/Secret/${name}`;

function deployment(name: string, podSpec: Record<string, unknown>, ns = 'default') {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
    spec: { replicas: 2, template: { metadata: { labels: { app: name } }, spec: podSpec } },
  };
}

describe('createKubernetesMapper: basics', () => {
  it('maps mapped kinds, ignores others and invalid objects', () => {
    const warnings: string[] = [];
    const m = createKubernetesMapper({ cluster: 'c1', fingerprint, onWarning: (w) => warnings.push(w) });
    // ConfigMaps are mapped since issue 12 (see 'ConfigMaps' below): a kind keygraph does not read gives false.
    expect(m.add({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'x' }, spec: { limits: [] } })).toBe(false);
    expect(m.add({ apiVersion: 'v1', kind: 'Secret', metadata: {} })).toBe(false);
    expect(m.add({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a/b' } })).toBe(false);
    expect(m.add('Secret')).toBe(false);
    expect(m.add(null)).toBe(false);
    expect(m.add([{ kind: 'Secret' }])).toBe(false);
    // Same kind name in an unrelated API group is not a Kubernetes Certificate/Secret.
    expect(m.add({ apiVersion: 'example.com/v1', kind: 'Certificate', metadata: { name: 'x' } })).toBe(false);
    expect(m.add({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } })).toBe(true);
    // Typed client list items carry no apiVersion: recognised by kind.
    expect(m.add({ kind: 'ServiceAccount', metadata: { name: 'sa', namespace: 'ns1' } })).toBe(true);
    expect(warnings).toEqual(['Secret without a usable metadata.name ignored', 'Secret without a usable metadata.name ignored']);
    const r = m.finish();
    expect(r.nodes.map((n) => n.id)).toEqual(['k8s:c1/default/Secret/s', 'k8s:c1/ns1/ServiceAccount/sa']);
    for (const n of r.nodes) expect(parseId(n.id)).toMatchObject({ provider: 'k8s', realm: 'c1', kind: n.kind, name: n.name });
  });

  it('uses defaultNamespace for objects without one, and expands List objects', () => {
    const r = mapObjects([{ apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 't', namespace: 'other' } },
    ] }], { defaultNamespace: 'team-a' });
    expect(r.nodes.map((n) => n.id)).toEqual([sid('team-a', 's'), sid('other', 't')]);
    expect(r.nodes[0]).toMatchObject({ provider: 'k8s', kind: 'Secret', realm: 'c1', namespace: 'team-a', name: 's' });
  });

  it('keeps small node properties and drops last-applied-configuration', () => {
    const r = mapObjects([{
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name: 'p', namespace: 'n', uid: 'u-1', creationTimestamp: new Date('2024-01-02T03:04:05Z'),
        labels: { app: 'p' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"k":"c2VjcmV0"}}', team: 'x' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs-1', controller: true, uid: 'u0' }],
      },
      spec: { nodeName: 'node-1', serviceAccountName: 'runner', containers: [{ name: 'main', image: 'img:1' }], initContainers: [{ name: 'init', image: 'busybox' }] },
      status: { phase: 'Running', startTime: '2024-01-02T03:05:00Z', containerStatuses: [{ name: 'main', ready: true, started: true, restartCount: 3, image: 'img:1' }] },
    }]);
    expect(r.node('k8s:c1/n/Pod/p').properties).toEqual({
      apiVersion: 'v1', uid: 'u-1', creationTimestamp: '2024-01-02T03:04:05.000Z', labels: { app: 'p' },
      annotations: { team: 'x' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'rs-1', controller: true }],
      containers: [{ name: 'main', image: 'img:1' }], initContainers: [{ name: 'init', image: 'busybox' }],
      serviceAccountName: 'runner', nodeName: 'node-1', phase: 'Running', startTime: '2024-01-02T03:05:00Z',
      containerStatuses: [{ name: 'main', ready: true, started: true, restartCount: 3 }],
    });
    expect(r.edges).toContainEqual({
      kind: 'OWNS', from: 'k8s:c1/n/ReplicaSet/rs-1', to: 'k8s:c1/n/Pod/p', originKind: 'k8s:Pod', properties: { controller: true },
    });
    expect(r.edges).toContainEqual({
      kind: 'RUNS_AS', from: 'k8s:c1/n/Pod/p', to: 'k8s:c1/n/ServiceAccount/runner', originKind: 'k8s:Pod', properties: {},
    });
  });
});

describe('Secrets', () => {
  it('fingerprints decoded data and stringData, lists keys, size and invalid base64', () => {
    const r = mapObjects([{
      apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 's', namespace: 'n' },
      data: { a: b64('alpha'), bad: 'not base64!', both: b64('from-data') },
      stringData: { z: 'zeta', both: 'from-stringData' },
    }]);
    const p = r.node(sid('n', 's')).properties;
    expect(p.type).toBe('Opaque');
    expect(p.dataKeys).toEqual(['a', 'bad', 'both', 'z']);
    expect(p.invalidBase64Keys).toEqual(['bad']);
    expect(p.fingerprints).toEqual({
      a: fingerprint(Buffer.from('alpha')),
      bad: fingerprint(Buffer.from('not base64!')),
      both: fingerprint(Buffer.from('from-stringData')),
      z: fingerprint(Buffer.from('zeta')),
    });
    expect(p.size).toBe(5 + 11 + 15 + 4);
  });

  it('marks metadata-only Secrets (PartialObjectMetadata)', () => {
    const m = createKubernetesMapper({ cluster: 'c1', fingerprint });
    expect(m.add({ apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: { name: 'p1', namespace: 'n' } })).toBe(false);
    expect(m.add({ apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: { name: 'p1', namespace: 'n' } }, 'Secret')).toBe(true);
    expect(m.add({ apiVersion: 'meta.k8s.io/v1', kind: 'Secret', metadata: { name: 'p2', namespace: 'n', labels: { a: 'b' } } })).toBe(true);
    const r = wrap(m.finish());
    for (const name of ['p1', 'p2']) {
      const p = r.node(sid('n', name)).properties;
      expect(p.metadataOnly).toBe(true);
      expect(p.dataKeys).toBeUndefined();
      expect(p.fingerprints).toBeUndefined();
    }
  });

  it('emits TOKEN_FOR for service-account-token Secrets', () => {
    const r = mapObjects([{
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token',
      metadata: { name: 'build-robot-token', namespace: 'ci', annotations: { 'kubernetes.io/service-account.name': 'build-robot', 'kubernetes.io/service-account.uid': 'uid-9' } },
      data: { token: b64('eyJhbGciOi.fake.token') },
    }]);
    expect(r.edges).toEqual([{
      kind: 'TOKEN_FOR', from: sid('ci', 'build-robot-token'), to: 'k8s:c1/ci/ServiceAccount/build-robot', originKind: 'k8s:Secret',
      properties: { serviceAccountUid: 'uid-9' },
    }]);
  });


  it.skipIf(!haveOpenssl)('reads the public certificate of kubernetes.io/tls Secrets, never the key, and leaks no value', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kg-tls-'));
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem'), '-days', '30',
        '-subj', '/CN=shop.example.com/O=Example', '-addext', 'subjectAltName=DNS:shop.example.com,DNS:www.shop.example.com',
      ], { stdio: 'ignore' });
      const crt = readFileSync(path.join(dir, 'c.pem'));
      const key = readFileSync(path.join(dir, 'k.pem'));
      const r = mapObjects([{
        apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'shop-tls', namespace: 'web' },
        data: { 'tls.crt': b64(Buffer.concat([crt, crt])), 'tls.key': b64(key) },
      }]);
      const cert = r.node(sid('web', 'shop-tls')).properties.certificate as Record<string, unknown>;
      expect(cert.subject).toBe('CN=shop.example.com\nO=Example');
      expect(cert.issuer).toBe('CN=shop.example.com\nO=Example');
      expect(cert.subjectAltName).toEqual(['DNS:shop.example.com', 'DNS:www.shop.example.com']);
      expect(cert.chainLength).toBe(2);
      const from = Date.parse(cert.validFrom as string);
      const to = Date.parse(cert.validTo as string);
      expect(Math.abs(from - Date.now())).toBeLessThan(86_400_000);
      expect(Math.round((to - from) / 86_400_000)).toBe(30);
      const json = JSON.stringify(r);
      const keyBody = key.toString().split('\n')[1]!;
      expect(json).not.toContain(keyBody);
      expect(json).not.toContain(b64(key).slice(0, 40));
      expect(json).not.toContain('PRIVATE KEY');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never puts a secret value, or its base64, into nodes or edges', () => {
    const values = {
      password: 'hunter2-Sup3r-S3cret!',
      apiKey: 'AIzaSyD-not-a-real-key-0123456789',
      multi: 'line one\nline two secret',
      json: JSON.stringify({ type: 'service_account', project_id: 'leak-proj', private_key_id: 'abcdef0123456789', private_key: '-----BEGIN PRIVATE KEY-----\nMIIEsecretmaterial\n-----END PRIVATE KEY-----\n', client_email: 'svc@leak-proj.iam.gserviceaccount.com', client_id: '99887766554433' }),
    };
    const objs = [
      {
        apiVersion: 'v1', kind: 'Secret', metadata: {
          name: 'db', namespace: 'prod',
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ data: { password: b64(values.password) }, stringData: values }) },
        },
        data: { password: b64(values.password), apiKey: b64(values.apiKey), json: b64(values.json) },
        stringData: { multi: values.multi },
      },
      {
        apiVersion: 'v1', kind: 'Secret', metadata: { name: 'broken', namespace: 'prod' },
        data: { notb64: values.password + '***' },
      },
      deployment('app', { containers: [{ name: 'c', image: 'i', env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }] }, 'prod'),
    ];
    const r = mapObjects(objs);
    // The key file was recognised (so its values were read) ...
    expect(r.edges.filter((e) => e.kind === 'HOLDS_KEY').map((e) => e.to)).toEqual(['gcp:leak-proj/ServiceAccountKey/abcdef0123456789']);
    const json = JSON.stringify(r);
    const needles = [
      ...Object.values(values), ...Object.values(values).map(b64),
      'MIIEsecretmaterial', '99887766554433', values.password + '***', 'c2VjcmV0',
    ];
    for (const n of needles) expect(json).not.toContain(n);
    // ... and the fingerprints are still the HMACs of the values.
    expect((r.node(sid('prod', 'db')).properties.fingerprints as Record<string, string>).password).toBe(fingerprint(Buffer.from(values.password)));
  });
});

describe('pod spec references', () => {
  it('reads every reference path from containers, initContainers and ephemeralContainers', () => {
    const spec = {
      serviceAccount: 'legacy-sa',
      imagePullSecrets: [{ name: 'regcred' }, { name: '' }],
      containers: [{
        name: 'main', image: 'app:1',
        env: [
          { name: 'DB_PASS', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
          { name: 'OPT', valueFrom: { secretKeyRef: { name: 'maybe', key: 'k', optional: true } } },
          { name: 'CM', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } },
        ],
        envFrom: [{ secretRef: { name: 'all-env' } }, { configMapRef: { name: 'cfg' } }],
        volumeMounts: [{ name: 'certs', mountPath: '/certs' }, { name: 'proj', mountPath: '/proj' }, { name: 'csi-vol', mountPath: '/mnt/csi' }],
      }],
      initContainers: [{ name: 'init', image: 'b', envFrom: [{ secretRef: { name: 'init-env', optional: true } }], volumeMounts: [{ name: 'certs', mountPath: '/init-certs' }] }],
      ephemeralContainers: [{ name: 'debug', image: 'd', env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'dbg', key: 't' } } }] }],
      volumes: [
        { name: 'certs', secret: { secretName: 'tls', items: [{ key: 'tls.crt', path: 'cert.pem' }, { key: 'ca.crt', path: 'ca.pem' }] } },
        { name: 'proj', projected: { sources: [{ secret: { name: 'p1', items: [{ key: 'u', path: 'u' }] } }, { secret: { name: 'p1', items: [{ key: 'v', path: 'v' }] } }, { configMap: { name: 'x' } }, { serviceAccountToken: { path: 'token' } }] } },
        { name: 'csi-vol', csi: { driver: 'secrets-store.csi.k8s.io', nodePublishSecretRef: { name: 'csi-creds' } } },
        { name: 'ceph', cephfs: { monitors: ['m'], secretRef: { name: 'ceph-secret' } } },
        { name: 'az', azureFile: { secretName: 'azure-secret', shareName: 's' } },
        { name: 'flex', flexVolume: { driver: 'd', secretRef: { name: 'flex-secret' } } },
        { name: 'empty', emptyDir: {} },
      ],
    };
    const r = mapObjects([deployment('web', spec, 'shop')]);
    const from = 'k8s:c1/shop/Deployment/web';
    const uses = r.out(from, 'USES_SECRET').map((e) => ({ to: e.to, ...e.properties }));
    expect(uses).toEqual([
      { to: sid('shop', 'db'), via: 'env', container: 'main', envVar: 'DB_PASS', keys: ['password'], optional: false },
      { to: sid('shop', 'maybe'), via: 'env', container: 'main', envVar: 'OPT', keys: ['k'], optional: true },
      { to: sid('shop', 'all-env'), via: 'envFrom', container: 'main', optional: false },
      { to: sid('shop', 'init-env'), via: 'envFrom', container: 'init', optional: true },
      { to: sid('shop', 'dbg'), via: 'env', container: 'debug', envVar: 'T', keys: ['t'], optional: false },
      { to: sid('shop', 'tls'), via: 'volume', volume: 'certs', mountPaths: ['init:/init-certs', 'main:/certs'], keys: ['ca.crt', 'tls.crt'], optional: false },
      { to: sid('shop', 'p1'), via: 'projected', volume: 'proj', mountPaths: ['main:/proj'], keys: ['u', 'v'], optional: false },
      { to: sid('shop', 'csi-creds'), via: 'csi', volume: 'csi-vol', mountPaths: ['main:/mnt/csi'], driver: 'secrets-store.csi.k8s.io', optional: false },
      { to: sid('shop', 'ceph-secret'), via: 'inTreeVolume', volume: 'ceph', volumeType: 'cephfs', optional: false },
      { to: sid('shop', 'azure-secret'), via: 'inTreeVolume', volume: 'az', volumeType: 'azureFile', optional: false },
      { to: sid('shop', 'flex-secret'), via: 'inTreeVolume', volume: 'flex', volumeType: 'flexVolume', optional: false },
      { to: sid('shop', 'regcred'), via: 'imagePullSecret', optional: false },
    ]);
    for (const e of r.edges) if (e.kind === 'USES_SECRET') expect(SECRET_VIAS).toContain(e.properties.via);
    expect(r.out(from, 'RUNS_AS')).toEqual([{
      kind: 'RUNS_AS', from, to: 'k8s:c1/shop/ServiceAccount/legacy-sa', originKind: 'k8s:Deployment', properties: { deprecatedField: true },
    }]);
    expect(r.node(from).properties).toMatchObject({ replicas: 2, serviceAccountName: 'legacy-sa', containers: [{ name: 'main', image: 'app:1' }] });
  });

  it('reads CronJob job templates and defaults RUNS_AS to `default`', () => {
    const r = mapObjects([{
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly', namespace: 'batch' },
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'i', envFrom: [{ secretRef: { name: 'creds' } }] }] } } } } },
    }]);
    const from = 'k8s:c1/batch/CronJob/nightly';
    expect(r.out(from).map((e) => [e.kind, e.to, e.properties])).toEqual([
      ['USES_SECRET', sid('batch', 'creds'), { via: 'envFrom', container: 'c', optional: false }],
      ['RUNS_AS', 'k8s:c1/batch/ServiceAccount/default', { implicit: true }],
    ]);
    expect(r.node(from).properties).toMatchObject({ schedule: '0 3 * * *', serviceAccountName: 'default' });
  });

  it('GOOGLE_APPLICATION_CREDENTIALS into a secret volume links the key file (items and basename)', () => {
    const r = mapObjects([
      deployment('a', {
        volumes: [{ name: 'gcp', secret: { secretName: 'sa-key', items: [{ key: 'credentials.json', path: 'google/key.json' }] } }],
        containers: [{ name: 'app', image: 'i', volumeMounts: [{ name: 'gcp', mountPath: '/var/secrets/' }], env: [{ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/var/secrets/google/key.json' }] }],
      }),
      deployment('b', {
        volumes: [{ name: 'gcp', secret: { secretName: 'sa-key2', optional: true } }],
        containers: [{ name: 'app', image: 'i', volumeMounts: [{ name: 'gcp', mountPath: '/creds', readOnly: true }], env: [{ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/creds/key.json' }] }],
      }),
      deployment('c', {
        volumes: [{ name: 'gcp', secret: { secretName: 'unused' } }],
        containers: [{ name: 'app', image: 'i', volumeMounts: [{ name: 'gcp', mountPath: '/creds' }], env: [{ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/elsewhere/key.json' }] }],
      }),
    ]);
    const gac = r.edges.filter((e) => e.properties.via === 'googleApplicationCredentials').map((e) => [e.from, e.to, e.properties]);
    expect(gac).toEqual([
      ['k8s:c1/default/Deployment/a', sid('default', 'sa-key'), { via: 'googleApplicationCredentials', container: 'app', envVar: 'GOOGLE_APPLICATION_CREDENTIALS', volume: 'gcp', keys: ['credentials.json'], optional: false }],
      ['k8s:c1/default/Deployment/b', sid('default', 'sa-key2'), { via: 'googleApplicationCredentials', container: 'app', envVar: 'GOOGLE_APPLICATION_CREDENTIALS', volume: 'gcp', keys: ['key.json'], optional: true }],
    ]);
  });

  it('merges edges with the same edgeKey: keys union, whole Secret wins, optional only when both', () => {
    const r = mapObjects([deployment('m', {
      containers: [{
        name: 'c', image: 'i',
        env: [
          { name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'b', optional: true } } },
          { name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'a' } } },
        ],
        envFrom: [{ secretRef: { name: 'w', optional: true } }, { secretRef: { name: 'w', optional: true } }],
      }],
      volumes: [{ name: 'v', projected: { sources: [{ secret: { name: 'p', items: [{ key: 'x', path: 'x' }] } }, { secret: { name: 'p' } }] } }],
    })]);
    const by = Object.fromEntries(r.out('k8s:c1/default/Deployment/m', 'USES_SECRET').map((e) => [e.to, e.properties]));
    expect(by[sid('default', 's')]).toEqual({ via: 'env', container: 'c', envVar: 'A', keys: ['a', 'b'], optional: false });
    expect(by[sid('default', 'w')]).toEqual({ via: 'envFrom', container: 'c', optional: true });
    expect(by[sid('default', 'p')]).toEqual({ via: 'projected', volume: 'v', optional: false });
    const keys = r.edges.map(edgeKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('maps 100,000 objects, one node each and one edge per reference (timing lives in npm run bench)', () => {
    const m = createKubernetesMapper({ cluster: 'c1', fingerprint, implicitDefaults: true });
    for (let i = 0; i < 100_000; i++) {
      const ns = `ns${i % 100}`;
      if (i % 2) {
        m.add({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `s${i}`, namespace: ns }, data: { k: 'dmFsdWU=' } });
      } else {
        m.add(deployment(`d${i}`, { containers: [{ name: 'c', image: 'i', envFrom: [{ secretRef: { name: `s${i + 1}` } }] }], volumes: [{ name: 'v', secret: { secretName: 'shared' } }] }, ns));
      }
    }
    const r = m.finish();
    expect(r.nodes.length).toBe(100_000 + 100);
    expect(r.edges.length).toBe(50_000 * 3);
  });
});

describe('ServiceAccount, Ingress, producers', () => {
  it('ServiceAccount secrets and imagePullSecrets resolve in the SA namespace (popeye#49, clusterlint#108); Workload Identity', () => {
    const r = mapObjects([{
      apiVersion: 'v1', kind: 'ServiceAccount', automountServiceAccountToken: false,
      metadata: { name: 'external-dns', namespace: 'kube-system', annotations: { 'iam.gke.io/gcp-service-account': 'dns@my-proj.iam.gserviceaccount.com' } },
      secrets: [{ name: 'external-dns-token-tb78n' }, { name: 'other-ns-ignored', namespace: 'default' }],
      imagePullSecrets: [{ name: 'regcred' }],
    }]);
    const from = 'k8s:c1/kube-system/ServiceAccount/external-dns';
    expect(r.node(from).properties).toMatchObject({ automountServiceAccountToken: false, gcpServiceAccount: 'dns@my-proj.iam.gserviceaccount.com' });
    expect(r.out(from).map((e) => [e.kind, e.to, e.properties])).toEqual([
      ['ACTS_AS', 'gcp:my-proj/ServiceAccount/dns@my-proj.iam.gserviceaccount.com', { annotation: true }],
      ['USES_SECRET', sid('kube-system', 'external-dns-token-tb78n'), { via: 'serviceAccountSecret', automountServiceAccountToken: false }],
      ['USES_SECRET', sid('kube-system', 'other-ns-ignored'), { via: 'serviceAccountSecret', automountServiceAccountToken: false }],
      ['USES_SECRET', sid('kube-system', 'regcred'), { via: 'serviceAccountImagePullSecret' }],
    ]);
    expect(r.edges.every((e) => e.originKind === 'k8s:ServiceAccount')).toBe(true);
  });

  it('Ingress TLS: entries without secretName are not references (k8sgpt-operator#420)', () => {
    const r = mapObjects([{
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'ing', namespace: 'ai' },
      spec: { tls: [{ hosts: ['a.example.com'] }, { hosts: ['b.example.com'], secretName: '' }, { hosts: ['c.example.com'], secretName: 'c-tls' }, { hosts: ['d.example.com'], secretName: 'c-tls' }], rules: [{ host: 'c.example.com' }] },
    }]);
    expect(r.edges.map((e) => [e.kind, e.from, e.to, e.properties])).toEqual([
      ['USES_SECRET', 'k8s:c1/ai/Ingress/ing', sid('ai', 'c-tls'), { via: 'ingressTls', hosts: ['c.example.com', 'd.example.com'] }],
    ]);
  });

  it('PRODUCES from Certificate, ExternalSecret (target defaults to own name) and SealedSecret; OWNS from ownerReferences', () => {
    const r = mapObjects([
      { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web-cert', namespace: 'web' }, spec: { secretName: 'web-tls', dnsNames: ['a.example.com'], issuerRef: { kind: 'ClusterIssuer', name: 'le' } } },
      { apiVersion: 'external-secrets.io/v1beta1', kind: 'ExternalSecret', metadata: { name: 'db', namespace: 'web' }, spec: { secretStoreRef: { kind: 'SecretStore', name: 'gcp' }, target: { creationPolicy: 'Owner' } } },
      { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: 'sealed', namespace: 'web' }, spec: { encryptedData: { pw: 'AgBy...' }, template: { metadata: { name: 'unsealed' } } } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'web', ownerReferences: [{ apiVersion: 'external-secrets.io/v1beta1', kind: 'ExternalSecret', name: 'db', controller: true }, { kind: 'Unrelated', name: 'x' }] } },
    ]);
    expect(r.edges.map((e) => [e.kind, e.from, e.to, e.originKind])).toEqual([
      ['PRODUCES', 'k8s:c1/web/Certificate/web-cert', sid('web', 'web-tls'), 'k8s:Certificate'],
      ['PRODUCES', 'k8s:c1/web/ExternalSecret/db', sid('web', 'db'), 'k8s:ExternalSecret'],
      ['PRODUCES', 'k8s:c1/web/SealedSecret/sealed', sid('web', 'unsealed'), 'k8s:SealedSecret'],
      ['OWNS', 'k8s:c1/web/ExternalSecret/db', sid('web', 'db'), 'k8s:Secret'],
    ]);
    expect(r.node('k8s:c1/web/Certificate/web-cert').properties).toMatchObject({ secretName: 'web-tls', dnsNames: ['a.example.com'], issuerRef: { kind: 'ClusterIssuer', name: 'le' } });
    expect(JSON.stringify(r)).not.toContain('AgBy');
  });
});

describe('HOLDS_KEY from GCP key files', () => {
  const keyDir = real('google-auth-library-python/tests/data');
  const secretWith = (file: string, asStringData = false) => {
    const text = readFileSync(path.join(keyDir, file), 'utf8');
    return {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: file.replace(/[._]/g, '-'), namespace: 'keys' },
      ...(asStringData ? { stringData: { 'key.json': text } } : { data: { 'key.json': b64(text) } }),
    };
  };

  it.skipIf(!hasReal)('service_account.json and es256_service_account.json give HOLDS_KEY to the key id', () => {
    const r = mapObjects([secretWith('service_account.json'), secretWith('es256_service_account.json', true)]);
    const holds = r.edges.filter((e) => e.kind === 'HOLDS_KEY');
    expect(holds).toEqual([
      { kind: 'HOLDS_KEY', from: sid('keys', 'service-account-json'), to: 'gcp:example-project/ServiceAccountKey/1', originKind: 'k8s:Secret', properties: { dataKey: 'key.json', clientEmail: 'service-account@example.com', keys: ['key.json'] } },
      { kind: 'HOLDS_KEY', from: sid('keys', 'es256-service-account-json'), to: 'gcp:example-project/ServiceAccountKey/1', originKind: 'k8s:Secret', properties: { dataKey: 'key.json', clientEmail: 'service-account@example.com', keys: ['key.json'] } },
    ]);
    const pk = JSON.parse(readFileSync(path.join(keyDir, 'service_account.json'), 'utf8')).private_key as string;
    const json = JSON.stringify(r);
    expect(json).not.toContain(pk.split('\n')[1]!);
    expect(json).not.toContain('PRIVATE KEY');
  });

  it.skipIf(!hasReal)('GDCH and external-account files are not GCP IAM keys; impersonated files link their source key', () => {
    const r = mapObjects([
      secretWith('gdch_service_account.json'),
      secretWith('external_account_authorized_user.json'),
      secretWith('impersonated_service_account_service_account_source.json'),
    ]);
    expect(r.edges.map((e) => [e.kind, e.from, e.to, e.properties.nested])).toEqual([
      ['HOLDS_KEY', sid('keys', 'impersonated-service-account-service-account-source-json'), 'gcp:example-project/ServiceAccountKey/1', 'source_credentials'],
    ]);
    expect(r.nodes).toHaveLength(3);
  });

  it.skipIf(!hasReal)('project comes from client_email when project_id is absent; unknown project gives no edge', () => {
    const fake = JSON.parse(readFileSync(real('terraform-provider-google/google/test-fixtures/fake_account.json'), 'utf8'));
    const r = mapObjects([
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tf' }, data: { 'account.json': b64(JSON.stringify(fake)) } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'derived' }, stringData: { k: JSON.stringify({ ...fake, private_key_id: 'ABC123', client_email: 'deployer@proj-42.iam.gserviceaccount.com' }) } },
    ]);
    expect(r.edges.map((e) => [e.from, e.to, e.properties.clientEmail])).toEqual([
      [sid('default', 'derived'), 'gcp:proj-42/ServiceAccountKey/abc123', 'deployer@proj-42.iam.gserviceaccount.com'],
    ]);
  });

  it.skipIf(!hasReal)('external-secrets: key JSON in stringData with an empty private_key_id links nothing and leaks nothing', async () => {
    const r = await mapPaths([real('external-secrets/docs/snippets/gcpsm-sa-credentials-secret.yaml')]);
    const p = r.node(sid('demo', 'gcp-sa-secret')).properties;
    expect(p.dataKeys).toEqual(['secret-access-credentials']);
    expect(Object.keys(p.fingerprints as object)).toEqual(['secret-access-credentials']);
    expect(r.edges.filter((e) => e.kind === 'HOLDS_KEY')).toEqual([]);
    const json = JSON.stringify(r);
    expect(json).not.toContain('A key');
    expect(json).not.toContain('client ID');
    expect(json).not.toContain('external-secrets-operator.iam');
  });
});

describe.skipIf(!hasReal)('real data', () => {
  it('kube-prometheus: grafana Deployment uses grafana-config and grafana-datasources defined in other files', async () => {
    const r = await mapPaths([real('kube-prometheus/manifests')]);
    expect(r.errors).toEqual([]);
    const grafana = 'k8s:c1/monitoring/Deployment/grafana';
    for (const s of ['grafana-config', 'grafana-datasources']) expect(r.ids.has(sid('monitoring', s))).toBe(true);
    expect(r.node(sid('monitoring', 'grafana-config')).properties.dataKeys).toEqual(['grafana.ini']);
    const uses = r.out(grafana, 'USES_SECRET').map((e) => [e.to, e.properties]);
    expect(uses).toEqual(expect.arrayContaining([
      [sid('monitoring', 'grafana-datasources'), { via: 'volume', volume: 'grafana-datasources', mountPaths: ['grafana:/etc/grafana/provisioning/datasources'], optional: false }],
      [sid('monitoring', 'grafana-config'), { via: 'volume', volume: 'grafana-config', mountPaths: ['grafana:/etc/grafana'], optional: false }],
    ]));
    expect(r.out(grafana, 'RUNS_AS').map((e) => e.to)).toEqual(['k8s:c1/monitoring/ServiceAccount/grafana']);
    expect(r.ids.has('k8s:c1/monitoring/ServiceAccount/grafana')).toBe(true);
  });

  it('gatekeeper: no dangling reference', async () => {
    const r = await mapPaths([real('gatekeeper')]);
    expect(r.errors).toEqual([]);
    const refs = r.edges.filter((e) => e.kind === 'USES_SECRET' || e.kind === 'RUNS_AS' || e.kind === 'TOKEN_FOR');
    expect(refs.length).toBeGreaterThanOrEqual(4);
    expect(refs.filter((e) => !r.ids.has(e.to)).map((e) => `${e.from} -> ${e.to}`)).toEqual([]);
    expect(r.out('k8s:c1/gatekeeper-system/Deployment/gatekeeper-controller-manager', 'USES_SECRET').map((e) => [e.to, e.properties.via, e.properties.volume]))
      .toEqual([[sid('gatekeeper-system', 'gatekeeper-webhook-server-cert'), 'volume', 'cert']]);
  });

  it('microservices-demo: no secret edges', async () => {
    const r = await mapPaths([real('microservices-demo')]);
    expect(r.errors).toEqual([]);
    expect(r.nodes.filter((n) => n.kind === 'Deployment').length).toBeGreaterThanOrEqual(11);
    expect(r.edges.filter((e) => ['USES_SECRET', 'HOLDS_KEY', 'TOKEN_FOR', 'PRODUCES'].includes(e.kind))).toEqual([]);
    expect(r.nodes.filter((n) => n.kind === 'Secret')).toEqual([]);
  });

  it('k9s dumps: Pods, ReplicaSet, ServiceAccount and Secret', async () => {
    const r = await mapPaths([real('k9s')]);
    expect(r.errors).toEqual([]);
    expect(r.out('k8s:c1/default/Pod/nginx', 'USES_SECRET').map((e) => [e.to, e.properties.via, e.properties.mountPaths]))
      .toEqual([[sid('default', 'default-token-9ph8s'), 'volume', ['nginx:/var/run/secrets/kubernetes.io/serviceaccount']]]);
    expect(r.out('k8s:c1/default/ServiceAccount/zorg', 'USES_SECRET').map((e) => e.to)).toEqual([sid('default', 'zorg'), sid('default', 'zorg-token-rhhzn')]);
    expect(r.edges).toContainEqual(expect.objectContaining({ kind: 'OWNS', from: 'k8s:c1/default/Deployment/nginx-pv', to: 'k8s:c1/default/ReplicaSet/nginx-pv-6476d7d5c8' }));
    const secret = r.node(sid('kube-system', 'bootstrap-token-abcdef'));
    expect(secret.properties.type).toBe('bootstrap.kubernetes.io/token');
    expect((secret.properties.dataKeys as string[]).length).toBeGreaterThan(0);
    expect(r.node('k8s:c1/default/Pod/nginx').properties.annotations).toBeUndefined();
  });

  it('kube-linter env-var-value-from: secretKeyRef edges with container, env var and key', async () => {
    const r = await mapPaths([real('kube-linter/tests/checks/env-var-value-from.yml')]);
    const e = (dep: string) => r.out(`k8s:c1/default/Deployment/${dep}`, 'USES_SECRET').map((x) => [x.to, x.properties]);
    expect(e('should-fire-secret')).toEqual([[sid('default', 'secretsquirrels'), { via: 'env', container: 'app', envVar: 'BLAH', keys: ['chimpmunk'], optional: false }]]);
    // The key the Deployment reads is not among the Secret's keys (stringData only): the unknown-key finding.
    expect(r.node(sid('default', 'secretsquirrels')).properties.dataKeys).toEqual(['chimpmun']);
    expect(e('should-fire-missing-secret')).toEqual([[sid('default', 'missingsecret'), { via: 'env', container: 'app', envVar: 'MISSING_SECRET_VAR', keys: ['secretkey'], optional: false }]]);
    expect(r.ids.has(sid('default', 'missingsecret'))).toBe(false);
    expect(e('should-pass-secret')).toEqual([[sid('default', 'validsecret'), { via: 'env', container: 'app', envVar: 'BLAH', keys: ['validkey'], optional: false }]]);
    expect(r.node(sid('default', 'validsecret')).properties.dataKeys).toEqual(['validkey']);
  });

  it('kube-linter non-existent-service-account and read-secret-from-env-var', async () => {
    const r = await mapPaths([real('kube-linter/tests/checks/non-existent-service-account.yml')], { implicitDefaults: false });
    const runsAs = (d: string) => r.out(`k8s:c1/default/Deployment/${d}`, 'RUNS_AS').map((e) => [e.to, e.properties]);
    expect(runsAs('app')).toEqual([['k8s:c1/default/ServiceAccount/missing', { deprecatedField: true }]]);
    expect(r.ids.has('k8s:c1/default/ServiceAccount/missing')).toBe(false);
    expect(runsAs('dont-fire')).toEqual([['k8s:c1/default/ServiceAccount/dont-fire', { deprecatedField: true }]]);
    expect(r.ids.has('k8s:c1/default/ServiceAccount/dont-fire')).toBe(true);
    // The OpenShift DeploymentConfig `app` (apps.openshift.io/v1) is read like any workload.
    expect(r.out('k8s:c1/default/DeploymentConfig/app', 'RUNS_AS').map((e) => [e.to, e.properties])).toEqual([
      ['k8s:c1/default/ServiceAccount/missing', { deprecatedField: true }],
    ]);

    const r2 = await mapPaths([real('kube-linter/tests/checks/read-secret-from-env-var.yml')]);
    expect(r2.out('k8s:c1/default/Deployment/app1', 'USES_SECRET').map((e) => [e.to, e.properties]))
      .toEqual([[sid('default', 'my-secret'), { via: 'env', container: 'app', envVar: 'TOKEN', keys: ['token'], optional: false }]]);
  });

  const ks = (...p: string[]) => real('kubescape-regolibrary/rules', ...p);

  it('kubescape workload-mounted-secrets: a Secret without namespace is the same-namespace target, optional volume', async () => {
    const r = await mapPaths([ks('workload-mounted-secrets/test/failed/input')]);
    expect(r.out('k8s:c1/default/Pod/mypod', 'USES_SECRET').map((e) => [e.to, e.properties]))
      .toEqual([[sid('default', 'mysecret'), { via: 'volume', volume: 'foo', mountPaths: ['mypod:/etc/foo'], optional: true }]]);
    expect(r.ids.has(sid('default', 'mysecret'))).toBe(true);
    const ok = await mapPaths([ks('workload-mounted-secrets/test/success/input')]);
    expect(ok.errors).toEqual([]);
    expect(ok.edges.filter((e) => e.kind === 'USES_SECRET')).toEqual([]);
  });

  it('kubescape rule-secrets-in-env-var: every case except the configMap one has its env/envFrom edge', async () => {
    const expected: Record<string, [string, string, string, string, string[] | undefined]> = {
      // case: [from kind/name, secret, via, container, keys]
      'cronjob-envfrom-secretref': ['CronJob/envfrom-secret-cronjob', 'my-secret', 'envFrom', 'secret-container', undefined],
      'cronjob-initcontainer-envfrom-secretref': ['CronJob/initcontainer-secret-cronjob', 'my-secret', 'envFrom', 'init-secret', undefined],
      'cronjob-initcontainer-secretkeyref': ['CronJob/initcontainer-secretkeyref-cronjob', 'db-credentials', 'env', 'init-secret', ['password']],
      cronjob: ['CronJob/hello', 'mysecret', 'env', 'hello', ['username']],
      'pod-envfrom-secretref': ['Pod/envfrom-secret-pod', 'my-secret', 'envFrom', 'secret-container', undefined],
      'pod-initcontainer-envfrom-secretref': ['Pod/initcontainer-secret-pod', 'my-secret', 'envFrom', 'init-secret', undefined],
      'pod-initcontainer-secretkeyref': ['Pod/initcontainer-secretkeyref-pod', 'db-credentials', 'env', 'init-secret', ['password']],
      pod: ['Pod/audit-pod', 'mysecret', 'env', 'test-container2', ['password']],
      'workloads-envfrom-secretref': ['Deployment/envfrom-secret-deploy', 'db-credentials', 'envFrom', 'secret-container', undefined],
      'workloads-initcontainer-envfrom-secretref': ['Deployment/initcontainer-secret-deploy', 'db-credentials', 'envFrom', 'init-secret', undefined],
      'workloads-initcontainer-secretkeyref': ['Deployment/initcontainer-secretkeyref-deploy', 'db-credentials', 'env', 'init-secret', ['password']],
      workloads: ['Deployment/test2', 'mysecret', 'env', undefined as unknown as string, ['password']],
    };
    for (const [c, [obj, secret, via, container, keys]] of Object.entries(expected)) {
      const r = await mapPaths([ks('rule-secrets-in-env-var/test', c, 'input')]);
      expect(r.errors, c).toEqual([]);
      const uses = r.edges.filter((e) => e.kind === 'USES_SECRET');
      expect(uses.length, c).toBeGreaterThanOrEqual(1);
      const e = uses.find((x) => x.from.endsWith(`/${obj}`) && x.to.endsWith(`/Secret/${secret}`));
      expect(e, c).toBeDefined();
      expect(e!.properties.via, c).toBe(via);
      if (container) expect(e!.properties.container, c).toBe(container);
      expect(e!.properties.keys, c).toEqual(keys);
    }
    const cm = await mapPaths([ks('rule-secrets-in-env-var/test/pod-envfrom-configmapref/input')]);
    expect(cm.edges.filter((e) => e.kind === 'USES_SECRET')).toEqual([]);
  });

  it('kubescape non-existent-service-account: RUNS_AS matches by namespace; implicit default SAs', async () => {
    const t = (c: string) => ks('non-existent-service-account/test', c, 'input');
    const r = await mapPaths([t('failed_workload_missing_service_account')]);
    expect(r.out('k8s:c1/app/Deployment/missing-sa-deployment', 'RUNS_AS').map((e) => e.to)).toEqual(['k8s:c1/app/ServiceAccount/worker']);
    expect(r.ids.has('k8s:c1/app/ServiceAccount/worker')).toBe(false);
    expect(r.ids.has('k8s:c1/other/ServiceAccount/worker')).toBe(true);
    const cron = await mapPaths([t('failed_cronjob_missing_service_account')]);
    expect(cron.out('k8s:c1/batch/CronJob/missing-sa-cronjob', 'RUNS_AS').map((e) => e.to)).toEqual(['k8s:c1/batch/ServiceAccount/batch-runner']);
    expect(cron.ids.has('k8s:c1/batch/ServiceAccount/batch-runner')).toBe(false);
    for (const c of ['success_empty_service_account', 'success_explicit_default_service_account', 'success_implicit_default_service_account', 'success_explicit_service_account_exists']) {
      const ok = await mapPaths([t(c)]);
      const runsAs = ok.edges.filter((e) => e.kind === 'RUNS_AS');
      expect(runsAs.length, c).toBe(1);
      expect(ok.ids.has(runsAs[0]!.to), c).toBe(true);
    }
    const implicit = await mapPaths([t('success_implicit_default_service_account')]);
    const sa = implicit.nodes.find((n) => n.kind === 'ServiceAccount')!;
    expect(sa).toMatchObject({ name: 'default', properties: { implicit: true } });
  });

  it('in-tree cephfs/rbd, projected and csi volumes in real manifests', async () => {
    const r = await mapPaths([real('kubernetes-examples/_archived/volumes'), real('k8s-website/content/en/examples/pods/storage/projected-secret-downwardapi-configmap.yaml')]);
    expect(r.edges.filter((e) => e.kind === 'USES_SECRET').map((e) => [e.from, e.to, e.properties.via, e.properties.volumeType ?? e.properties.keys])).toEqual([
      ['k8s:c1/default/Pod/cephfs2', sid('default', 'ceph-secret'), 'inTreeVolume', 'cephfs'],
      ['k8s:c1/default/Pod/rbd2', sid('default', 'ceph-secret'), 'inTreeVolume', 'rbd'],
      ['k8s:c1/default/Pod/volume-test', sid('default', 'mysecret'), 'projected', ['username']],
    ]);
  });

  it('GKE sample: GOOGLE_APPLICATION_CREDENTIALS reaches key.json of the mounted Secret', async () => {
    const r = await mapPaths([real('kubernetes-engine-samples/databases/cloud-pubsub/deployment/pubsub-with-secret.yaml')]);
    expect(r.out('k8s:c1/default/Deployment/pubsub', 'USES_SECRET').map((e) => [e.to, e.properties.via, e.properties.keys])).toEqual([
      [sid('default', 'pubsub-key'), 'volume', undefined],
      [sid('default', 'pubsub-key'), 'googleApplicationCredentials', ['key.json']],
    ]);
  });

  it('sealed-secrets example: SealedSecret produces the Secret the Deployment mounts', async () => {
    const r = await mapPaths([real('sealed-secrets')]);
    expect(r.edges.filter((e) => e.kind !== 'RUNS_AS').map((e) => [e.kind, e.from, e.to])).toEqual([
      ['USES_SECRET', 'k8s:c1/default/Deployment/example', sid('default', 'example')],
      ['PRODUCES', 'k8s:c1/default/SealedSecret/example', sid('default', 'example')],
    ]);
  });

  it('whole realdata folder: ids parse, vias are known, no value leaks from any Secret', async () => {
    const r = await mapPaths([REAL]);
    expect(r.errors.map((e) => path.relative(REAL, e.file))).toEqual(['k8s-website/content/en/examples/pods/inject/pod-multiple-secret-env-variable.yaml']);
    for (const n of r.nodes) expect(parseId(n.id), n.id).not.toBeNull();
    for (const e of r.edges) {
      expect(parseId(e.from), e.from).not.toBeNull();
      expect(parseId(e.to), e.to).not.toBeNull();
      if (e.kind === 'USES_SECRET') expect(SECRET_VIAS).toContain(e.properties.via);
    }
    const json = JSON.stringify(r);
    // Every Secret value of the input (data base64 strings, their decoded text, stringData) is absent.
    const needles: string[] = [];
    for await (const d of readDocuments([REAL])) {
      if (d.type !== 'document') continue;
      const o = d.value as { kind?: string; data?: Record<string, unknown>; stringData?: Record<string, unknown> };
      if (o?.kind !== 'Secret') continue;
      for (const v of Object.values(o.data ?? {})) if (typeof v === 'string' && v.length >= 8) needles.push(v, Buffer.from(v, 'base64').toString('utf8'));
      for (const v of Object.values(o.stringData ?? {})) if (typeof v === 'string' && v.length >= 8) needles.push(v, b64(v));
    }
    expect(needles.length).toBeGreaterThan(10);
    // Placeholder values that coincide with public names (`password` as both key name and value, `postgres` as both a
    // label and the username) are not leaks: skip values equal to a node name, namespace, data key or label value.
    const publicWords = new Set<string>();
    for (const n of r.nodes) {
      publicWords.add(n.name).add(n.namespace ?? '');
      for (const k of (n.properties.dataKeys as string[] | undefined) ?? []) publicWords.add(k);
      for (const v of Object.values((n.properties.labels as Record<string, string> | undefined) ?? {})) publicWords.add(v);
    }
    let checked = 0;
    for (const n of needles) {
      if (n.trim().length < 8 || publicWords.has(n)) continue;
      checked++;
      expect(json.includes(n), `leaked value of length ${n.length}`).toBe(false);
    }
    expect(checked).toBeGreaterThan(10);
  });
});

describe('ISSUES.md scenarios', () => {
  it('popeye#161: volume items [file] and secretKeyRef text both count as used keys', () => {
    const r = mapObjects([
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'popeye' }, data: { file: b64('f'), text: b64('t') } },
      deployment('popeye', {
        containers: [{ name: 'p', image: 'i', volumeMounts: [{ name: 'cfg', mountPath: '/etc/popeye' }], env: [{ name: 'TEXT', valueFrom: { secretKeyRef: { name: 'popeye', key: 'text' } } }] }],
        volumes: [{ name: 'cfg', secret: { secretName: 'popeye', items: [{ key: 'file', path: 'file' }] } }],
      }),
    ]);
    const uses = r.out('k8s:c1/default/Deployment/popeye', 'USES_SECRET');
    expect(uses.map((e) => [e.properties.via, e.properties.keys])).toEqual([['env', ['text']], ['volume', ['file']]]);
    const used = new Set(uses.filter((e) => e.to === sid('default', 'popeye')).flatMap((e) => e.properties.keys ?? []));
    expect([...used].sort()).toEqual(r.node(sid('default', 'popeye')).properties.dataKeys);
  });

  it('popeye#32 / kubectl-reap#120 / k9s#2963: imagePullSecrets of pods and workloads are uses', () => {
    const r = mapObjects([
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'x' }, spec: { imagePullSecrets: [{ name: 'pull' }], containers: [{ name: 'c', image: 'private/img' }] } },
      deployment('d', { imagePullSecrets: [{ name: 'coding-devos-regcred' }], containers: [{ name: 'c', image: 'i' }] }),
    ]);
    expect(r.edges.filter((e) => e.kind === 'USES_SECRET').map((e) => [e.from, e.to, e.properties.via])).toEqual([
      ['k8s:c1/x/Pod/p', sid('x', 'pull'), 'imagePullSecret'],
      ['k8s:c1/default/Deployment/d', sid('default', 'coding-devos-regcred'), 'imagePullSecret'],
    ]);
  });

  it('popeye#166: automountServiceAccountToken on SA and pod spec are both kept', () => {
    const r = mapObjects([
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet' }, automountServiceAccountToken: false },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { serviceAccountName: 'quiet', containers: [{ name: 'c', image: 'i' }] } },
    ]);
    expect(r.node('k8s:c1/default/ServiceAccount/quiet').properties.automountServiceAccountToken).toBe(false);
    expect(r.node('k8s:c1/default/Pod/p').properties.automountServiceAccountToken).toBeUndefined();
  });

  it('implicitDefaults: one implicit default SA per namespace seen, unless the input defines it', () => {
    // A kind keygraph does not read (LimitRange) does not make its namespace "seen"; ConfigMaps are read since issue 12.
    const r = mapObjects([
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'a' } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'b', labels: { own: 'yes' } } },
      { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr', namespace: 'c' }, spec: { limits: [] } },
    ], { implicitDefaults: true });
    expect(r.nodes.filter((n) => n.kind === 'ServiceAccount').map((n) => [n.id, n.properties])).toEqual([
      ['k8s:c1/b/ServiceAccount/default', { apiVersion: 'v1', labels: { own: 'yes' } }],
      ['k8s:c1/a/ServiceAccount/default', { implicit: true }],
    ]);
  });

  it('implicitDefaults: the kube-root-ca.crt a pod token volume reads is implicit where the input does not hold it', () => {
    // kube-api-access-*: the projected volume every pod gets (token, kube-root-ca.crt, namespace), as the API shows it.
    const tokenVolume = {
      name: 'kube-api-access-x7k2p',
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
        ],
      },
    };
    const pod = (ns: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: ns }, spec: { containers: [{ name: 'c', image: 'i' }], volumes: [tokenVolume] } });
    const listed = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'b' }, data: { 'ca.crt': '-----BEGIN CERTIFICATE-----' } };
    const r = mapObjects([pod('a'), pod('b'), listed], { implicitDefaults: true });
    const cms = r.nodes.filter((n) => n.kind === 'ConfigMap');
    expect(cms.map((n) => [n.id, n.properties.implicit ?? false])).toEqual([
      ['k8s:c1/b/ConfigMap/kube-root-ca.crt', false],
      ['k8s:c1/a/ConfigMap/kube-root-ca.crt', true],
    ]);
    expect(r.edges.filter((e) => e.kind === 'USES_CONFIG_MAP').map((e) => e.to).sort()).toEqual(cms.map((n) => n.id).sort());
    // Without implicit defaults (the live collector lists ConfigMaps), nothing is assumed.
    expect(mapObjects([pod('a')], { implicitDefaults: false }).nodes.filter((n) => n.kind === 'ConfigMap')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Issue 11: evidence, not silence (RC / DeploymentConfig, RBAC, mentions, namespaces, skipped report, duplicates)

function mapWithSkips(objs: unknown[], opts: Partial<KubernetesMapperOptions> = {}) {
  const skips: SkippedObject[] = [];
  const m = createKubernetesMapper({ cluster: 'c1', fingerprint, onSkipped: (s) => skips.push(s), ...opts });
  for (const o of objs) m.add(o);
  const done = m.finish();
  return { ...wrap(done), skips, genericKinds: done.genericKinds };
}
const mentionsOf = (r: Mapped, from: string) => r.out(from, 'MENTIONS').map((e) => [e.to, e.properties]);

describe('ReplicationController and OpenShift DeploymentConfig pod templates', () => {
  const rc = {
    apiVersion: 'v1', kind: 'ReplicationController',
    metadata: { name: 'legacy-api-3', namespace: 'shop', uid: 'rc-uid', ownerReferences: [{ apiVersion: 'apps.openshift.io/v1', kind: 'DeploymentConfig', name: 'legacy-api', controller: true }] },
    spec: {
      replicas: 2, selector: { app: 'legacy-api' },
      template: {
        metadata: { labels: { app: 'legacy-api' } },
        spec: {
          serviceAccountName: 'legacy-api', automountServiceAccountToken: false,
          containers: [{
            name: 'api', image: 'registry.example.com/legacy-api:3.1',
            env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'legacy-db', key: 'password' } } }],
            volumeMounts: [{ name: 'tls', mountPath: '/etc/tls', readOnly: true }],
          }],
          volumes: [{ name: 'tls', secret: { secretName: 'legacy-tls' } }],
        },
      },
    },
    status: { replicas: 2, readyReplicas: 2 },
  };
  const dc = {
    apiVersion: 'apps.openshift.io/v1', kind: 'DeploymentConfig',
    metadata: { name: 'legacy-api', namespace: 'shop' },
    spec: {
      replicas: 2, selector: { app: 'legacy-api' }, strategy: { type: 'Rolling' },
      triggers: [{ type: 'ConfigChange' }, { type: 'ImageChange', imageChangeParams: { automatic: true, containerNames: ['api'], from: { kind: 'ImageStreamTag', name: 'legacy-api:latest' } } }],
      template: {
        metadata: { labels: { app: 'legacy-api' } },
        spec: {
          serviceAccountName: 'legacy-api',
          imagePullSecrets: [{ name: 'quay-pull' }],
          containers: [{ name: 'api', image: ' ', envFrom: [{ secretRef: { name: 'legacy-env' } }] }],
        },
      },
    },
  };
  const pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'legacy-api-3-x7k2p', namespace: 'shop', ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'legacy-api-3', controller: true }] },
    spec: { serviceAccountName: 'legacy-api', containers: [{ name: 'api', image: 'i' }] },
    status: { phase: 'Running' },
  };

  it('reads their templates like any workload: Secrets used, RUNS_AS, automount, OWNS DeploymentConfig → RC → Pod', () => {
    const r = mapObjects([dc, rc, pod]);
    const rcId = 'k8s:c1/shop/ReplicationController/legacy-api-3';
    const dcId = 'k8s:c1/shop/DeploymentConfig/legacy-api';
    expect(r.out(rcId, 'USES_SECRET').map((e) => [e.to, e.properties.via, e.properties.keys])).toEqual([
      [sid('shop', 'legacy-db'), 'env', ['password']],
      [sid('shop', 'legacy-tls'), 'volume', undefined],
    ]);
    expect(r.out(rcId, 'RUNS_AS').map((e) => e.to)).toEqual(['k8s:c1/shop/ServiceAccount/legacy-api']);
    expect(r.node(rcId).properties).toMatchObject({ replicas: 2, readyReplicas: 2, automountServiceAccountToken: false });
    expect(r.out(dcId, 'USES_SECRET').map((e) => [e.to, e.properties.via])).toEqual([
      [sid('shop', 'legacy-env'), 'envFrom'],
      [sid('shop', 'quay-pull'), 'imagePullSecret'],
    ]);
    expect(r.node(dcId).properties.apiVersion).toBe('apps.openshift.io/v1');
    expect(r.out(dcId, 'OWNS').map((e) => e.to)).toEqual([rcId]);
    expect(r.out(rcId, 'OWNS').map((e) => e.to)).toEqual(['k8s:c1/shop/Pod/legacy-api-3-x7k2p']);
    expect(r.edges.filter((e) => e.from === rcId && e.kind !== 'OWNS').every((e) => e.originKind === 'k8s:ReplicationController')).toBe(true);
  });

  it('legacy OpenShift 3 templates (`apiVersion: v1` DeploymentConfig) are read too', () => {
    const r = mapObjects([{ ...dc, apiVersion: 'v1' }]);
    expect(r.out('k8s:c1/shop/DeploymentConfig/legacy-api', 'USES_SECRET')).toHaveLength(2);
  });

  it('the model flags them as workloads: one list for mapper, impact and findings', () => {
    expect(WORKLOAD_KIND_KEYS).toEqual([
      'k8s:Deployment', 'k8s:StatefulSet', 'k8s:DaemonSet', 'k8s:ReplicaSet', 'k8s:Job', 'k8s:CronJob',
      'k8s:ReplicationController', 'k8s:DeploymentConfig',
    ]);
    // A Secret's dependants now include both, and the RBAC kinds that can mention it.
    const kinds = relevantKinds('k8s:Secret');
    for (const k of ['k8s:ReplicationController', 'k8s:DeploymentConfig', 'k8s:Role', 'k8s:ClusterRole']) expect(kinds.has(k)).toBe(true);
    // ConfigMaps too since issue 12: a cluster-scoped custom resource's ConfigMap ref without a namespace is a mention,
    // and a controller's configuration ConfigMap (Argo Workflows) mentions the Secrets its values name.
    expect(EDGE_ENDPOINTS.MENTIONS).toEqual({ from: ['k8s:Role', 'k8s:ClusterRole', 'k8s:ConfigMap'], to: ['k8s:Secret', 'k8s:ServiceAccount', 'k8s:ConfigMap'], fromAnyK8sKind: true });
    // Roles and ClusterRoles are depended on by their bindings (BINDS); the bindings are the leaves.
    expect(leafKinds()).toEqual(expect.arrayContaining(['ClusterRoleBinding', 'Ingress', 'Pod', 'RoleBinding']));
  });
});

describe('RBAC Roles and ClusterRoles', () => {
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role',
    metadata: { name: 'payments-reader', namespace: 'payments' },
    rules: [
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['stripe-key', 'webhook-signing'], verbs: ['get', 'watch'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['payments-config'], verbs: ['get'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['list'] }, // no names: broad access, not a mention
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['payments-leader'], verbs: ['get', 'update'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['created-later'], verbs: ['create'] },
    ],
  };
  const clusterRole = {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole',
    metadata: { name: 'ci-deployer', labels: { 'rbac.example.com/aggregate-to-ci': 'true' } },
    rules: [
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['registry-creds'], verbs: ['get'] },
      { apiGroups: [''], resources: ['serviceaccounts'], resourceNames: ['deployer'], verbs: ['impersonate'] },
      { apiGroups: [''], resources: ['serviceaccounts/token'], resourceNames: ['builder'], verbs: ['create'] },
      { nonResourceURLs: ['/healthz'], verbs: ['get'] },
    ],
  };
  const secret = (ns: string, name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, data: {} });
  const sa = (ns: string, name: string) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } });

  it('a Role keeps its rules and mentions the Secrets its resourceNames grant read/write on, in its namespace', () => {
    const r = mapObjects([role]);
    const id = 'k8s:c1/payments/Role/payments-reader';
    expect(r.node(id)).toMatchObject({ kind: 'Role', namespace: 'payments' });
    expect(r.node(id).properties.rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['stripe-key', 'webhook-signing'], verbs: ['get', 'watch'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['payments-config'], verbs: ['get'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['list'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['payments-leader'], verbs: ['get', 'update'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['created-later'], verbs: ['create'] },
    ]);
    expect(mentionsOf(r, id)).toEqual([
      [sid('payments', 'stripe-key'), { field: 'rules[0].resourceNames[0]', verbs: ['get', 'watch'] }],
      [sid('payments', 'webhook-signing'), { field: 'rules[0].resourceNames[1]', verbs: ['get', 'watch'] }],
      // Since issue 12 ConfigMaps are nodes: a Role granting get on a named ConfigMap mentions it (read through the API).
      ['k8s:c1/payments/ConfigMap/payments-config', { field: 'rules[1].resourceNames[0]', verbs: ['get'] }],
    ]);
    expect(r.out(id, 'MENTIONS').every((e) => e.originKind === 'k8s:Role')).toBe(true);
  });

  it('a ClusterRole is cluster-scoped and mentions every Secret / ServiceAccount of the granted names seen', () => {
    const r = mapObjects([
      clusterRole, secret('team-a', 'registry-creds'), secret('team-b', 'registry-creds'), secret('team-b', 'other'),
      sa('ci', 'deployer'), sa('ci', 'builder'),
    ]);
    const id = 'k8s:c1/ClusterRole/ci-deployer';
    expect(parseId(id)).toMatchObject({ namespace: null, kind: 'ClusterRole', name: 'ci-deployer' });
    expect(r.node(id)).toMatchObject({ namespace: null, properties: { labels: { 'rbac.example.com/aggregate-to-ci': 'true' } } });
    expect(mentionsOf(r, id)).toEqual([
      [sid('team-a', 'registry-creds'), { field: 'rules[0].resourceNames[0]', verbs: ['get'] }],
      [sid('team-b', 'registry-creds'), { field: 'rules[0].resourceNames[0]', verbs: ['get'] }],
      ['k8s:c1/ci/ServiceAccount/deployer', { field: 'rules[1].resourceNames[0]', verbs: ['impersonate'] }],
      ['k8s:c1/ci/ServiceAccount/builder', { field: 'rules[2].resourceNames[0]', verbs: ['create'] }],
    ]);
  });

  it('a namespace on a ClusterRole is ignored (cluster-scoped objects have none)', () => {
    const r = mapObjects([{ ...clusterRole, metadata: { ...clusterRole.metadata, namespace: '../kube-system' } }]);
    expect(r.ids.has('k8s:c1/ClusterRole/ci-deployer')).toBe(true);
  });
});

describe('MENTIONS from kinds keygraph does not model', () => {
  const vaultStore = {
    apiVersion: 'external-secrets.io/v1', kind: 'SecretStore',
    metadata: { name: 'vault-backend', namespace: 'payments' },
    spec: {
      provider: {
        vault: {
          server: 'https://vault.example.com:8200', path: 'secret', version: 'v2',
          auth: { tokenSecretRef: { name: 'vault-token', key: 'token' } },
        },
      },
    },
  };
  const gcpClusterStore = {
    apiVersion: 'external-secrets.io/v1', kind: 'ClusterSecretStore',
    metadata: { name: 'gcp-store' },
    spec: {
      provider: {
        gcpsm: {
          projectID: 'acme-prod',
          auth: { secretRef: { secretAccessKeySecretRef: { name: 'gcpsm-secret', key: 'secret-access-credentials', namespace: 'external-secrets' } } },
        },
      },
    },
  };
  const prometheus = {
    apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus',
    metadata: { name: 'k8s', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } },
    spec: {
      replicas: 2, serviceAccountName: 'prometheus-k8s', serviceMonitorSelector: {},
      additionalScrapeConfigs: { name: 'additional-scrape-configs', key: 'prometheus-additional.yaml' },
      remoteWrite: [{ url: 'https://mimir.example.com/api/v1/push', basicAuth: { username: { name: 'mimir-auth', key: 'user' }, password: { name: 'mimir-auth', key: 'password' } } }],
    },
  };
  const alertmanager = {
    apiVersion: 'monitoring.coreos.com/v1', kind: 'Alertmanager',
    metadata: { name: 'main', namespace: 'monitoring' },
    spec: { replicas: 3, serviceAccountName: 'alertmanager-main', secrets: ['alertmanager-tls', 'pagerduty-key'], configMaps: ['templates'] },
  };
  const serviceMonitor = {
    apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor',
    metadata: { name: 'billing', namespace: 'monitoring' },
    spec: {
      selector: { matchLabels: { app: 'billing' } },
      endpoints: [
        { port: 'web', interval: '30s' },
        {
          port: 'metrics',
          basicAuth: { username: { name: 'billing-metrics', key: 'user' }, password: { name: 'billing-metrics', key: 'pass', optional: true } },
          tlsConfig: { ca: { configMap: { name: 'billing-ca', key: 'ca.crt' } }, keySecret: { name: 'billing-client-tls', key: 'tls.key' } },
        },
      ],
    },
  };
  const clusterIssuer = {
    apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer',
    metadata: { name: 'letsencrypt-prod' },
    spec: {
      acme: {
        server: 'https://acme-v02.api.letsencrypt.org/directory', email: 'ops@example.com',
        privateKeySecretRef: { name: 'letsencrypt-prod-account' },
        solvers: [{ dns01: { cloudflare: { apiTokenSecretRef: { name: 'cloudflare-api-token', key: 'api-token' } } } }],
      },
    },
  };
  const gateway = {
    apiVersion: 'networking.istio.io/v1beta1', kind: 'Gateway',
    metadata: { name: 'public', namespace: 'istio-system' },
    spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['shop.example.com'], tls: { mode: 'SIMPLE', credentialName: 'shop-tls' } }] },
  };
  const argoApp = {
    apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'guestbook', namespace: 'argocd' },
    spec: { project: 'default', source: { repoURL: 'https://github.com/argoproj/argocd-example-apps.git', path: 'guestbook', targetRevision: 'HEAD' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'guestbook' } },
  };
  const gitRepo = {
    apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'podinfo', namespace: 'flux-system' },
    spec: { interval: '5m', url: 'ssh://git@github.com/acme/podinfo', ref: { branch: 'main' }, secretRef: { name: 'podinfo-deploy-key' } },
  };

  // Since issue 12 the kinds below are rows of the reference table (references.ts): their references are precise
  // USES_SECRET / USES_CONFIG_MAP / RUNS_AS edges (with `via`, `field`, `optional`) instead of MENTIONS; the generic
  // scan still covers the fields the table has no row for (Prometheus remoteWrite basicAuth below).
  const REF_KINDS = ['USES_SECRET', 'USES_CONFIG_MAP', 'RUNS_AS', 'MENTIONS'] as const;
  const refsOf = (r: Mapped, from: string) => REF_KINDS.flatMap((k) => r.out(from, k).map((e) => [k, e.to, e.properties]));

  it('SecretStore: spec.provider.vault.auth.tokenSecretRef → USES_SECRET with key, required; a generic node of its own kind', () => {
    const r = mapObjects([vaultStore]);
    const id = 'k8s:c1/payments/SecretStore/vault-backend';
    expect(r.node(id)).toMatchObject({ provider: 'k8s', kind: 'SecretStore', namespace: 'payments', properties: { apiVersion: 'external-secrets.io/v1', generic: true } });
    const f = 'spec.provider.vault.auth.tokenSecretRef.name';
    expect(refsOf(r, id)).toEqual([
      ['USES_SECRET', sid('payments', 'vault-token'), { via: 'secretStoreAuth', field: f, fields: [f], keys: ['token'], optional: false }],
    ]);
    expect(r.out(id, 'USES_SECRET')[0]!.originKind).toBeUndefined(); // the store uses the node's own kind, k8s:SecretStore
  });

  it('ClusterSecretStore (cluster-scoped) with gcpsm secretRef.secretAccessKeySecretRef naming its namespace', () => {
    const r = mapObjects([gcpClusterStore]);
    const id = 'k8s:c1/ClusterSecretStore/gcp-store';
    expect(r.node(id).namespace).toBeNull();
    const f = 'spec.provider.gcpsm.auth.secretRef.secretAccessKeySecretRef.name';
    expect(refsOf(r, id)).toEqual([['USES_SECRET', sid('external-secrets', 'gcpsm-secret'), {
      via: 'secretStoreAuth', field: f, fields: [f], keys: ['secret-access-credentials'], optional: false, namespace: 'external-secrets',
    }]]);
  });

  it('Prometheus: serviceAccountName → RUNS_AS, additionalScrapeConfigs and remoteWrite basicAuth → USES_SECRET; a field without a row stays a mention', () => {
    const withExtra = { ...prometheus, spec: { ...prometheus.spec, thanos: { objectStorageConfig: { name: 'thanos-objstore', key: 'objstore.yml' } } } };
    const r = mapObjects([withExtra]);
    const id = 'k8s:c1/monitoring/Prometheus/k8s';
    const u = 'spec.remoteWrite[0].basicAuth.username.name';
    expect(refsOf(r, id)).toEqual([
      ['USES_SECRET', sid('monitoring', 'additional-scrape-configs'), { via: 'monitoringCredential', field: 'spec.additionalScrapeConfigs.name', fields: ['spec.additionalScrapeConfigs.name'], keys: ['prometheus-additional.yaml'], optional: false }],
      ['USES_SECRET', sid('monitoring', 'mimir-auth'), { via: 'monitoringCredential', field: u, fields: ['spec.remoteWrite[0].basicAuth.password.name', u], keys: ['password', 'user'], optional: false }],
      ['RUNS_AS', 'k8s:c1/monitoring/ServiceAccount/prometheus-k8s', { via: 'monitoringCredential', field: 'spec.serviceAccountName', fields: ['spec.serviceAccountName'], optional: false }],
      // the safety net: Thanos sidecar object storage has no row; the convention scan still finds it (required)
      ['MENTIONS', sid('monitoring', 'thanos-objstore'), { field: 'spec.thanos.objectStorageConfig.name', required: true, keys: ['objstore.yml'] }],
    ]);
    expect(r.node(id).properties.labels).toEqual({ 'app.kubernetes.io/name': 'prometheus' });
  });

  it('Alertmanager: spec.secrets and spec.configMaps are mounted into its pods; serviceAccountName is their identity', () => {
    const r = mapObjects([alertmanager]);
    const p = (field: string) => ({ via: 'monitoringCredential', field, fields: [field], optional: false });
    expect(refsOf(r, 'k8s:c1/monitoring/Alertmanager/main')).toEqual([
      ['USES_SECRET', sid('monitoring', 'alertmanager-tls'), p('spec.secrets[0]')],
      ['USES_SECRET', sid('monitoring', 'pagerduty-key'), p('spec.secrets[1]')],
      // no configSecret: the operator reads alertmanager-NAME, optional (it falls back to a minimal configuration)
      ['USES_SECRET', sid('monitoring', 'alertmanager-main'), { ...p('spec.configSecret'), optional: true, defaulted: true }],
      ['USES_CONFIG_MAP', 'k8s:c1/monitoring/ConfigMap/templates', p('spec.configMaps[0]')],
      ['RUNS_AS', 'k8s:c1/monitoring/ServiceAccount/alertmanager-main', p('spec.serviceAccountName')],
    ]);
  });

  it('ServiceMonitor: endpoints[].basicAuth (one edge, both keys; required since username is), tlsConfig.keySecret and the CA ConfigMap', () => {
    const r = mapObjects([serviceMonitor]);
    const u = 'spec.endpoints[1].basicAuth.username.name';
    expect(refsOf(r, 'k8s:c1/monitoring/ServiceMonitor/billing')).toEqual([
      ['USES_SECRET', sid('monitoring', 'billing-metrics'), {
        via: 'monitoringCredential', field: u, fields: ['spec.endpoints[1].basicAuth.password.name', u], keys: ['pass', 'user'], optional: false,
      }],
      ['USES_SECRET', sid('monitoring', 'billing-client-tls'), { via: 'monitoringCredential', field: 'spec.endpoints[1].tlsConfig.keySecret.name', fields: ['spec.endpoints[1].tlsConfig.keySecret.name'], keys: ['tls.key'], optional: false }],
      ['USES_CONFIG_MAP', 'k8s:c1/monitoring/ConfigMap/billing-ca', { via: 'monitoringCredential', field: 'spec.endpoints[1].tlsConfig.ca.configMap.name', fields: ['spec.endpoints[1].tlsConfig.ca.configMap.name'], keys: ['ca.crt'], optional: false }],
    ]);
  });

  it('ClusterIssuer refs live in the cluster resource namespace (cert-manager); Istio credentialName in the gateway workload namespace; Flux secretRef', () => {
    const ingressGateway = deployment('istio-ingressgateway', { containers: [{ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.22.0' }] }, 'istio-system');
    ingressGateway.spec.template.metadata.labels = { app: 'istio-ingressgateway', istio: 'ingressgateway' } as never;
    const shopGateway = { ...gateway, metadata: { name: 'public', namespace: 'shop' } };
    const r = mapObjects([clusterIssuer, shopGateway, ingressGateway, gitRepo]);
    const acme = 'spec.acme.privateKeySecretRef.name';
    const cf = 'spec.acme.solvers[0].dns01.cloudflare.apiTokenSecretRef.name';
    expect(refsOf(r, 'k8s:c1/ClusterIssuer/letsencrypt-prod')).toEqual([
      // the ACME account key is created by cert-manager itself: optional
      ['USES_SECRET', sid('cert-manager', 'letsencrypt-prod-account'), { via: 'issuerCredential', field: acme, fields: [acme], optional: true, namespace: 'cert-manager' }],
      ['USES_SECRET', sid('cert-manager', 'cloudflare-api-token'), { via: 'issuerCredential', field: cf, fields: [cf], keys: ['api-token'], optional: false, namespace: 'cert-manager' }],
    ]);
    const cn = 'spec.servers[0].tls.credentialName';
    expect(refsOf(r, 'k8s:c1/shop/Gateway/public')).toEqual([
      ['USES_SECRET', sid('istio-system', 'shop-tls'), { via: 'istioCredential', field: cn, fields: [cn], optional: false, namespace: 'istio-system' }],
    ]);
    expect(refsOf(r, 'k8s:c1/flux-system/GitRepository/podinfo')).toEqual([
      ['USES_SECRET', sid('flux-system', 'podinfo-deploy-key'), { via: 'fluxSource', field: 'spec.secretRef.name', fields: ['spec.secretRef.name'], optional: false }],
    ]);
    // No gateway workload in the input: the namespace is unknown, so a required mention of every Secret of that name.
    const alone = mapObjects([shopGateway, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shop-tls', namespace: 'ingress' }, type: 'kubernetes.io/tls', data: {} }]);
    expect(refsOf(alone, 'k8s:c1/shop/Gateway/public')).toEqual([['MENTIONS', sid('ingress', 'shop-tls'), { field: cn, via: 'istioCredential', required: true }]]);
  });

  it('objects that mention nothing are not nodes: reported kind-not-read; generic kinds read are listed', () => {
    // A ConfigMap is a node of its own since issue 12 (never scanned for mentions: its data are values).
    const r = mapWithSkips([argoApp, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'shop' }, data: { secretName: 'x' } }, vaultStore]);
    expect(r.nodes.map((n) => n.id)).toEqual(['k8s:c1/shop/ConfigMap/app-config', 'k8s:c1/payments/SecretStore/vault-backend']);
    expect(r.edges.filter((e) => e.from === 'k8s:c1/shop/ConfigMap/app-config')).toEqual([]);
    expect(r.skips.map((s) => [s.reason, s.kind, s.apiVersion, s.namespace, s.name])).toEqual([
      ['kind-not-read', 'Application', 'argoproj.io/v1alpha1', 'argocd', 'guestbook'],
    ]);
    expect(r.skips[0]!.message).toContain('not read');
    expect(r.genericKinds).toEqual(['k8s:Application', 'k8s:SecretStore']);
  });

  it('a kind the model declares, of another API group, is never taken for it (no generic `Certificate` node)', () => {
    const knativeCert = { apiVersion: 'networking.internal.knative.dev/v1alpha1', kind: 'Certificate', metadata: { name: 'route-x', namespace: 'default' }, spec: { secretName: 'route-x-tls', dnsNames: ['x.example.com'] } };
    const r = mapWithSkips([knativeCert]);
    expect(r.nodes).toEqual([]);
    expect(r.skips.map((s) => [s.reason, s.kind])).toEqual([['kind-not-read', 'Certificate']]);
  });

  it('secret values in look-alike fields are never taken as names; hostile depth and width are bounded', () => {
    const r = mapObjects([{
      apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' },
      spec: { clientSecret: 'Zx9$very-secret-VALUE', auth: { secretName: 'NOT A NAME!' }, password: 'hunter2', existingSecret: 'real-one' },
    }]);
    expect(mentionsOf(r, 'k8s:c1/default/Widget/w')).toEqual([[sid('default', 'real-one'), { field: 'spec.existingSecret' }]]);
    expect(JSON.stringify(r)).not.toContain('hunter2');
    expect(JSON.stringify(r)).not.toContain('very-secret');

    let deep: Record<string, unknown> = { secretName: 'too-deep' };
    for (let i = 0; i < 50_000; i++) deep = { a: deep };
    const wide = Array.from({ length: 100_000 }, (_, i) => ({ secretName: `s-${i}` }));
    const t0 = Date.now();
    const h = mapObjects([
      { apiVersion: 'example.com/v1', kind: 'Deep', metadata: { name: 'd' }, spec: deep },
      { apiVersion: 'example.com/v1', kind: 'Wide', metadata: { name: 'w' }, spec: { items: wide } },
    ]);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(h.ids.has('k8s:c1/default/Deep/d')).toBe(false);
    const wideMentions = h.out('k8s:c1/default/Wide/w', 'MENTIONS');
    expect(wideMentions.length).toBeGreaterThan(0);
    expect(wideMentions.length).toBeLessThanOrEqual(MENTION_SCAN_LIMITS.maxMentions);
  });

  it('scanMentions documents its rules on realistic fields (Flux valuesFrom kind: Secret, serviceAccountRef, imagePullSecrets)', () => {
    expect(scanMentions({
      spec: {
        valuesFrom: [{ kind: 'Secret', name: 'podinfo-values', valuesKey: 'values.yaml' }, { kind: 'ConfigMap', name: 'cm' }],
        provider: { gcpsm: { auth: { workloadIdentity: { serviceAccountRef: { name: 'demo-secrets-sa' } } } } },
        imagePullSecrets: [{ name: 'regcred' }],
        tls: { caSecretName: 'ca-bundle' },
      },
    })).toEqual([
      { target: 'Secret', name: 'podinfo-values', field: 'spec.valuesFrom[0].name' },
      { target: 'ServiceAccount', name: 'demo-secrets-sa', field: 'spec.provider.gcpsm.auth.workloadIdentity.serviceAccountRef.name' },
      { target: 'Secret', name: 'regcred', field: 'spec.imagePullSecrets[0].name' },
      { target: 'Secret', name: 'ca-bundle', field: 'spec.tls.caSecretName' },
    ]);
  });

  it('the model: MENTIONS edge kind and a total nodeKindSpec with a neutral fallback', () => {
    expect(EDGE_KINDS.MENTIONS).toMatchObject({ forward: 'mentions', inverse: 'is mentioned by', outHeading: 'Mentions', inHeading: 'Mentioned by', dependent: 'from', lineStyle: 'dashed' });
    expect(nodeKindSpec('k8s', 'SecretStore')).toMatchObject({ kind: 'SecretStore', label: 'SecretStore', category: 'other', generic: true });
    expect(nodeKindSpec('k8s', 'Secret')).toBe(NODE_KINDS['k8s:Secret']);
    expect(nodeKindSpec('k8s', 'constructor').category).toBe('other');
    expect(nodeKindSpec('k8s', 'ClusterRole').namespaced).toBe(false);
  });

  it.skipIf(!hasReal)('real data: kube-prometheus Prometheus/Alertmanager and External Secrets gcpsm stores reference what they name (precise edges since issue 12)', async () => {
    const r = await mapPaths([
      real('kube-prometheus/manifests/prometheus-prometheus.yaml'), real('kube-prometheus/manifests/alertmanager-alertmanager.yaml'),
      real('kube-prometheus/manifests/prometheus-serviceAccount.yaml'),
      real('external-secrets/docs/snippets/gcpsm-sa-secret-store.yaml'), real('external-secrets/docs/snippets/gcpsm-sa-credentials-secret.yaml'),
    ]);
    const runsAs = (f: string) => r.out(f, 'RUNS_AS').map((e) => [e.to, e.properties.via, e.properties.field]);
    expect(mentionsOf(r, 'k8s:c1/monitoring/Prometheus/k8s')).toEqual([]);
    expect(runsAs('k8s:c1/monitoring/Prometheus/k8s')).toEqual([['k8s:c1/monitoring/ServiceAccount/prometheus-k8s', 'monitoringCredential', 'spec.serviceAccountName']]);
    expect(r.ids.has('k8s:c1/monitoring/ServiceAccount/prometheus-k8s')).toBe(true);
    expect(runsAs('k8s:c1/monitoring/Alertmanager/main')).toEqual([['k8s:c1/monitoring/ServiceAccount/alertmanager-main', 'monitoringCredential', 'spec.serviceAccountName']]);
    const f = 'spec.provider.gcpsm.auth.secretRef.secretAccessKeySecretRef.name';
    expect(r.out('k8s:c1/demo/SecretStore/demo-store', 'USES_SECRET').map((e) => [e.to, e.properties])).toEqual([[sid('demo', 'gcp-sa-secret'), {
      via: 'secretStoreAuth', field: f, fields: [f], keys: ['secret-access-credentials'], optional: false,
    }]]);
    expect(r.ids.has(sid('demo', 'gcp-sa-secret'))).toBe(true);
  });
  if (!hasReal) console.log(`skipped real-data mention test: ${REAL} is absent`);
});

describe('namespaces, the skipped report and duplicate ids', () => {
  const victim = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'victim', namespace: 'default' }, stringData: { token: 'real' } };
  const bad = (namespace: unknown) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'victim', namespace }, stringData: { token: 'attacker' } });

  it('an invalid namespace is skipped (invalid-namespace), never moved to default where it would replace the real object', () => {
    const long = 'a'.repeat(64);
    const r = mapWithSkips([victim, bad('../kube-system'), bad('bad ns<x>'), bad('Payments'), bad(long), bad(7), bad('ok-\u202e')]);
    expect(r.nodes.map((n) => n.id)).toEqual([sid('default', 'victim')]);
    expect(r.node(sid('default', 'victim')).properties.fingerprints).toEqual({ token: fingerprint(Buffer.from('real')) });
    expect(r.skips.map((s) => [s.reason, s.kind, s.name, s.namespace])).toEqual([
      ['invalid-namespace', 'Secret', 'victim', '../kube-system'],
      ['invalid-namespace', 'Secret', 'victim', 'bad ns<x>'],
      ['invalid-namespace', 'Secret', 'victim', 'Payments'],
      ['invalid-namespace', 'Secret', 'victim', long.slice(0, 63) + '…'],
      ['invalid-namespace', 'Secret', 'victim', undefined],
      ['invalid-namespace', 'Secret', 'victim', 'ok-\u202e'],
    ]);
    expect(r.skips[0]!.message).toBe('Secret "victim" skipped: metadata.namespace "../kube-system" is not a valid namespace (a DNS-1123 label); it is not moved to "default"');
    expect(r.skips[5]!.message).toContain('\\u202e'); // shown escaped: no bidi spoofing in the report
    // 63 characters is still a valid label; an absent or empty namespace is the default one.
    const ok = mapWithSkips([{ ...bad('a'.repeat(63)) }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'e', namespace: '' } }]);
    expect(ok.ids).toEqual(new Set([sid('a'.repeat(63), 'victim'), sid('default', 'e')]));
  });

  it('without onSkipped, skips other than kind-not-read reach onWarning (never silent)', () => {
    const warnings: string[] = [];
    const m = createKubernetesMapper({ cluster: 'c1', fingerprint, onWarning: (w) => warnings.push(w) });
    m.add(bad('../kube-system'));
    m.add({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('not a valid namespace');
  });

  it('the default namespace given by the user is validated', () => {
    expect(() => createKubernetesMapper({ cluster: 'c1', fingerprint, defaultNamespace: '../kube-system' })).toThrow(
      'default namespace "../kube-system" is not a valid namespace (a DNS-1123 label: lowercase letters, digits and \'-\', at most 63 characters)',
    );
    expect(() => createKubernetesMapper({ cluster: 'c1', fingerprint, defaultNamespace: 'Prod' })).toThrow(/not a valid namespace/);
    expect(() => createKubernetesMapper({ cluster: 'c1', fingerprint, defaultNamespace: 'prod-eu' })).not.toThrow();
  });

  it('invalid names are reported as invalid-name', () => {
    const r = mapWithSkips([{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a/b' } }, { apiVersion: 'v1', kind: 'Secret', metadata: {} }]);
    expect(r.skips.map((s) => [s.reason, s.kind, s.name])).toEqual([['invalid-name', 'Deployment', 'a/b'], ['invalid-name', 'Secret', undefined]]);
  });

  it('same id twice: the last document wins, the edges of the earlier one are dropped, and the duplicate is reported', () => {
    const overlay = (sa: string, mountPath: string) => deployment('frontend', {
      serviceAccountName: sa,
      containers: [{ name: 'web', image: 'web:1', volumeMounts: [{ name: 'certs', mountPath }] }],
      volumes: [{ name: 'certs', secret: { secretName: 'frontend-tls' } }],
    }, 'shop');
    const base = overlay('frontend-staging', '/etc/staging-certs');
    const prod = overlay('frontend-prod', '/etc/certs');
    (base.spec.template.spec as Record<string, unknown>).imagePullSecrets = [{ name: 'staging-pull' }];
    const r = mapWithSkips([base, prod]);
    const id = 'k8s:c1/shop/Deployment/frontend';
    expect(r.out(id, 'RUNS_AS').map((e) => e.to)).toEqual(['k8s:c1/shop/ServiceAccount/frontend-prod']);
    expect(r.out(id, 'USES_SECRET').map((e) => [e.to, e.properties.mountPaths])).toEqual([[sid('shop', 'frontend-tls'), ['web:/etc/certs']]]);
    expect(r.skips).toEqual([{
      kind: 'Deployment', apiVersion: 'apps/v1', name: 'frontend', namespace: 'shop', reason: 'duplicate-id',
      message: `duplicate id ${id}: a later document replaces the earlier one (its references are dropped, not merged)`,
    }]);
    expect(r.nodes.filter((n) => n.id === id)).toHaveLength(1);
  });

  it('a duplicate ClusterRole replaces pending mentions too', () => {
    const cr = (name: string) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' }, rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: [name], verbs: ['get'] }] });
    const r = mapWithSkips([cr('old'), cr('new'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'old', namespace: 'a' } }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'new', namespace: 'a' } }]);
    expect(r.out('k8s:c1/ClusterRole/reader', 'MENTIONS').map((e) => e.to)).toEqual([sid('a', 'new')]);
    expect(r.skips.map((s) => s.reason)).toEqual(['duplicate-id']);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Issue 12: ConfigMaps as first-class nodes (test/fixtures/crds/configmaps.yaml: the shapes of the Kubernetes task
// "Configure a Pod to Use a ConfigMap").

describe('ConfigMaps', () => {
  const FIXTURE = path.resolve(here, '../../test/fixtures/crds/configmaps.yaml');
  const cm = (ns: string, n: string) => `k8s:c1/${ns}/ConfigMap/${n}`;

  it('every pod-spec path: env configMapKeyRef (key, optional), envFrom configMapRef, volume items, projected sources', async () => {
    const r = await mapPaths([FIXTURE]);
    const from = 'k8s:c1/shop/Deployment/configmap-demo';
    const got = r.out(from, 'USES_CONFIG_MAP').map((e) => [e.to, e.properties]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(got).toEqual([
      [cm('shop', 'feature-flags'), { via: 'env', container: 'demo', envVar: 'OPTIONAL_FLAG', keys: ['beta'], optional: true }],
      [cm('shop', 'game-demo'), { via: 'env', container: 'demo', envVar: 'PLAYER_INITIAL_LIVES', keys: ['player_initial_lives'], optional: false }],
      [cm('shop', 'game-demo'), { via: 'env', container: 'demo', envVar: 'UI_PROPERTIES_FILE_NAME', keys: ['ui_properties_file_name'], optional: false }],
      [cm('shop', 'game-demo'), { via: 'volume', volume: 'config', mountPaths: ['demo:/config'], keys: ['game.properties', 'user-interface.properties'], optional: false }],
      [cm('shop', 'renamed-config'), { via: 'projected', volume: 'all-in-one', mountPaths: ['demo:/projected'], optional: false }],
      [cm('shop', 'special-config'), { via: 'envFrom', container: 'demo', optional: false }],
      [cm('shop', 'special-config'), { via: 'projected', volume: 'all-in-one', mountPaths: ['demo:/projected'], keys: ['SPECIAL_LEVEL'], optional: false }],
    ]);
    // A ConfigMap reference is never taken for a Secret one.
    expect(r.out(from, 'USES_SECRET')).toEqual([]);
  });

  it('a ConfigMap node keeps key names of data and binaryData, sizes and HMAC fingerprints, never a value', async () => {
    const r = await mapPaths([FIXTURE]);
    const n = r.node(cm('shop', 'special-config'));
    expect(n.kind).toBe('ConfigMap');
    expect(n.properties).toMatchObject({
      dataKeys: ['SPECIAL_LEVEL', 'SPECIAL_TYPE', 'logo.png'], binaryKeys: ['logo.png'], size: 4 + 5 + 8,
      fingerprints: { SPECIAL_LEVEL: fingerprint(Buffer.from('very')), SPECIAL_TYPE: fingerprint(Buffer.from('charm')), 'logo.png': fingerprint(Buffer.from('iVBORw0KGgo=', 'base64')) },
    });
    const text = JSON.stringify(r);
    for (const v of ['enemy.types', 'color.good', 'charm', 'iVBORw0KGgo']) expect(text).not.toContain(v);
  });

  it('the model: k8s:ConfigMap with its API facts, USES_CONFIG_MAP depends from the consumer; the live collector lists it', () => {
    expect(NODE_KINDS['k8s:ConfigMap']).toMatchObject({ kind: 'ConfigMap', namespaced: true, api: { group: '', resource: 'configmaps', versions: ['v1'] } });
    expect(EDGE_KINDS.USES_CONFIG_MAP).toMatchObject({ forward: 'uses config map', inverse: 'is used by', dependent: 'from' });
    expect(relevantKinds('k8s:ConfigMap').has('k8s:Deployment')).toBe(true);
  });

  it.skipIf(!hasReal)('argo-workflows/manifests/quick-start-postgres.yaml: the controller ConfigMaps are used by Argo Workflows and mention the Secrets their values name', async () => {
    const r = await mapPaths([real('argo-workflows/manifests/quick-start-postgres.yaml')]);
    const ctl = r.node('k8s:c1/argo/ConfigMap/workflow-controller-configmap');
    expect(ctl.properties.usedBy).toEqual([{ controller: 'Argo Workflows', via: 'argoWorkflowsConfig', label: 'name workflow-controller-configmap' }]);
    const m = mentionsOf(r, 'k8s:c1/argo/ConfigMap/workflow-controller-configmap');
    expect(m.map(([to]) => to)).toContain('k8s:c1/argo/Secret/argo-postgres-config');
    expect(m.find(([to]) => to === 'k8s:c1/argo/Secret/argo-postgres-config')![1]).toMatchObject({ required: true, keys: ['password', 'username'] });
    const repo = mentionsOf(r, 'k8s:c1/default/ConfigMap/artifact-repositories');
    expect(repo.map(([to]) => to)).toContain('k8s:c1/default/Secret/my-minio-cred');
    expect(JSON.stringify(r)).not.toContain('archiveTTL');
  });
  if (!hasReal) console.log(`skipped the argo-workflows ConfigMap test: ${REAL} is absent`);
});

describe('RBAC RoleBindings and ClusterRoleBindings', () => {
  const rbac = 'rbac.authorization.k8s.io/v1';
  it('roleRef → BINDS (a Role of the binding\'s namespace, or a ClusterRole); ServiceAccount subjects → BINDS_SUBJECT; Users and Groups kept', () => {
    const r = mapObjects([
      {
        apiVersion: rbac, kind: 'RoleBinding', metadata: { name: 'leader-election', namespace: 'payments' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'leader-election' },
        subjects: [
          { kind: 'ServiceAccount', name: 'api' }, // namespace defaults to the binding's
          { kind: 'ServiceAccount', name: 'sync', namespace: 'platform' },
          { kind: 'Group', name: 'system:serviceaccounts:payments', apiGroup: 'rbac.authorization.k8s.io' },
          { kind: 'Robot', name: 'r2' }, // not a subject kind: dropped
        ],
      },
      {
        apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'system:controller:token-cleaner' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:controller:token-cleaner' },
        subjects: [{ kind: 'ServiceAccount', name: 'token-cleaner', namespace: 'kube-system' }, { kind: 'ServiceAccount', name: 'no-namespace' }],
      },
      // A ClusterRoleBinding cannot name a Role: no BINDS.
      { apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'bad' }, roleRef: { kind: 'Role', name: 'x' }, subjects: 'nope' },
    ]);
    const rb = 'k8s:c1/payments/RoleBinding/leader-election';
    expect(r.node(rb).properties).toMatchObject({
      roleRef: { kind: 'Role', name: 'leader-election' },
      subjects: [
        { kind: 'ServiceAccount', name: 'api', namespace: 'payments' }, { kind: 'ServiceAccount', name: 'sync', namespace: 'platform' },
        { kind: 'Group', name: 'system:serviceaccounts:payments' },
      ],
    });
    expect(r.out(rb).map((e) => `${e.kind} ${e.to}`).sort()).toEqual([
      'BINDS k8s:c1/payments/Role/leader-election', 'BINDS_SUBJECT k8s:c1/payments/ServiceAccount/api', 'BINDS_SUBJECT k8s:c1/platform/ServiceAccount/sync',
    ]);
    const crb = 'k8s:c1/ClusterRoleBinding/system:controller:token-cleaner';
    expect(r.node(crb)).toMatchObject({ kind: 'ClusterRoleBinding', namespace: null });
    expect(r.out(crb).map((e) => `${e.kind} ${e.to}`).sort()).toEqual([
      'BINDS k8s:c1/ClusterRole/system:controller:token-cleaner', 'BINDS_SUBJECT k8s:c1/kube-system/ServiceAccount/token-cleaner',
    ]);
    expect(r.out('k8s:c1/ClusterRoleBinding/bad')).toEqual([]);
    expect(r.node('k8s:c1/ClusterRoleBinding/bad').properties.subjects).toEqual([]);
  });
});
