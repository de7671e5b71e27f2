/**
 * What the mapper records for rotation and TLS checks (subPath mounts, Reloader annotations, Vault Secrets Operator
 * restart targets, Gateway listeners, certificate SANs), and the pure rules that read it (lib/analysis/rotation.ts,
 * certificates.ts, versions.ts). Manifests: test/fixtures/rotation (shapes from the Kubernetes, Reloader, VSO and
 * Gateway API documentation) and, where it has the shape, ../shared/realdata.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EdgeRecord, NodeRecord } from '../../lib/graph/records';
import { createFingerprinter } from '../../lib/secrets/fingerprint';
import { readDocuments } from '../../lib/input/documents';
import { certificateNames, hostCovered } from '../../lib/analysis/certificates';
import { imageName, imageTag, versionedContainers, versionsAgree } from '../../lib/analysis/versions';
import { rotationStep, type RotatedObject, type RotationObject } from '../../lib/analysis/rotation';
import { createKubernetesMapper } from './mapper';
import { reloaderWorkload, vaultSecretFacts } from './rotation';
import { haveOpenssl } from '../../test/openssl';
import { REALDATA as REAL } from '../../test/realdata';

const FIX = path.resolve(__dirname, '../../test/fixtures/rotation');
const fingerprint = createFingerprinter(Buffer.alloc(32, 7));

async function mapFiles(files: string[]): Promise<{ nodes: NodeRecord[]; edges: EdgeRecord[] }> {
  const m = createKubernetesMapper({ cluster: 'c1', fingerprint, implicitDefaults: true });
  for await (const d of readDocuments(files)) if (d.type !== 'error') m.add(d.value);
  return m.finish();
}
const uses = (r: { edges: EdgeRecord[] }, from: string, to: string) =>
  r.edges.filter((e) => e.kind === 'USES_SECRET' && e.from === from && e.to === to);
const P = (kind: string, name: string) => `k8s:c1/payments/${kind}/${name}`;

describe('mapper: rotation facts', () => {
  it('marks Secret and projected volume references mounted with subPath, and only those', async () => {
    const r = await mapFiles([path.join(FIX, 'workloads.yaml')]);
    const [proxy] = uses(r, P('Deployment', 'proxy'), P('Secret', 'api-credentials'));
    expect(proxy!.properties).toMatchObject({ via: 'volume', volume: 'credentials', subPath: true, subPathMounts: ['nginx:/etc/proxy/config.json'], mountPaths: ['nginx:/etc/proxy/config.json'], keys: ['config.json'] });
    const [ledger] = uses(r, P('StatefulSet', 'ledger'), P('Secret', 'api-credentials'));
    expect(ledger!.properties.via).toBe('projected');
    expect(ledger!.properties.subPath).toBeUndefined();
    // subPathExpr counts too; a second plain mount of the same volume is listed in mountPaths only.
    const m = createKubernetesMapper({ cluster: 'c1', fingerprint });
    m.add({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'payments' },
      spec: {
        containers: [
          { name: 'a', image: 'x:1', volumeMounts: [{ name: 'v', mountPath: '/a', subPathExpr: '$(POD_NAME)' }] },
          { name: 'b', image: 'x:1', volumeMounts: [{ name: 'v', mountPath: '/b' }] },
        ],
        volumes: [{ name: 'v', projected: { sources: [{ secret: { name: 's' } }] } }],
      },
    });
    const e = m.finish().edges.find((x) => x.kind === 'USES_SECRET')!;
    expect(e.properties).toMatchObject({ via: 'projected', subPath: true, subPathMounts: ['a:/a'], mountPaths: ['a:/a', 'b:/b'] });
  });

  it('normalises Reloader annotations on workloads and Secrets', async () => {
    const r = await mapFiles([path.join(FIX, 'workloads.yaml')]);
    const node = (id: string) => r.nodes.find((n) => n.id === id)!;
    expect(node(P('Deployment', 'worker')).properties.reloader).toEqual({ auto: true });
    expect(node(P('Deployment', 'notifier')).properties.reloader).toEqual({ secrets: ['api-credentials', 'smtp-credentials'] });
    expect(node(P('Deployment', 'mailer')).properties.reloader).toEqual({ search: true });
    expect(node(P('Deployment', 'api')).properties.reloader).toBeUndefined();
    expect(node(P('Secret', 'smtp-credentials')).properties.reloader).toEqual({ match: true });
    expect(reloaderWorkload({ 'reloader.stakater.com/auto': 'false', 'secret.reloader.stakater.com/reload': ' a , Bad Name ,b' })).toEqual({ disabled: true, secrets: ['a', 'b'] });
  });

  it('maps a VaultStaticSecret: PRODUCES its destination Secret, keeps rolloutRestartTargets', async () => {
    const r = await mapFiles([path.join(FIX, 'vault.yaml')]);
    const vss = r.nodes.find((n) => n.id === P('VaultStaticSecret', 'db-credentials'))!;
    expect(vss.properties).toMatchObject({ generic: true, destination: 'db-credentials', destinationCreate: true, rolloutRestartTargets: [{ kind: 'Deployment', name: 'orders' }] });
    expect(r.edges.filter((e) => e.kind === 'PRODUCES').map((e) => [e.from, e.to])).toEqual([[vss.id, P('Secret', 'db-credentials')]]);
    expect(vaultSecretFacts('secrets.hashicorp.com', 'VaultAuth', { spec: { destination: { name: 'x' } } })).toBeNull();
    expect(vaultSecretFacts('secrets.hashicorp.com', 'VaultDynamicSecret', { spec: { destination: { name: 'x' }, rolloutRestartTargets: [{ kind: 'argo.Rollout', name: 'r' }, { kind: 'Pod', name: 'p' }] } }))
      .toEqual({ destination: 'x', create: undefined, rolloutRestartTargets: [{ kind: 'Rollout', name: 'r' }] });
  });

  it('keeps Gateway API TLS listeners (hostname, certificateRefs) on the Gateway node', async () => {
    const r = await mapFiles([path.join(FIX, 'tls.yaml')]);
    const gw = r.nodes.find((n) => n.id === 'k8s:c1/shop/Gateway/shop-gateway')!;
    expect(gw.properties.listeners).toEqual([
      { name: 'www', hostname: 'www.shop.example.com', certificateRefs: [{ name: 'shop-tls' }] },
      { name: 'admin', hostname: 'admin.shop.example.com', certificateRefs: [{ name: 'shop-tls' }] },
    ]);
    const cert = r.nodes.find((n) => n.id === 'k8s:c1/shop/Certificate/shop-cert')!;
    expect(cert.properties).toMatchObject({ ready: false, readyReason: 'DoesNotMatch', issuingFailed: true, failedIssuanceAttempts: 3, lastFailureTime: '2026-12-01T09:15:00Z' });
    expect(String(cert.properties.readyMessage)).toMatch(/does not match the Certificate spec/);
  });


  it.skipIf(!haveOpenssl)('reads the SANs of a real certificate (names only) and matches hosts against them, wildcards one label deep', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kg-san-'));
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(dir, 'k.pem'),
        '-out', path.join(dir, 'c.pem'), '-days', '10', '-subj', '/CN=example.org',
        '-addext', 'subjectAltName=DNS:example.org,DNS:*.example.org,IP:10.0.0.1',
      ], { stdio: 'ignore' });
      const m = createKubernetesMapper({ cluster: 'c1', fingerprint });
      m.add({
        apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'wild', namespace: 'web' },
        data: { 'tls.crt': readFileSync(path.join(dir, 'c.pem')).toString('base64'), 'tls.key': readFileSync(path.join(dir, 'k.pem')).toString('base64') },
      });
      const cert = m.finish().nodes[0]!.properties.certificate as Record<string, unknown>;
      expect(cert.subjectAltName).toEqual(['DNS:example.org', 'DNS:*.example.org', 'IP Address:10.0.0.1']);
      const names = certificateNames(cert);
      expect(names).toEqual(['example.org', '*.example.org', '10.0.0.1']);
      expect(hostCovered('blog.example.org', names)).toBe(true);
      expect(hostCovered('Blog.Example.org.', names)).toBe(true);
      expect(hostCovered('example.org', names)).toBe(true);
      expect(hostCovered('a.b.example.org', names)).toBe(false);
      expect(hostCovered('example.com', names)).toBe(false);
      expect(hostCovered('*.example.org', names)).toBe(true);
      expect(hostCovered('*.example.org', ['a.example.org'])).toBe(false);
      expect(certificateNames({ subject: 'O=Example\nCN=legacy.example.com' })).toEqual(['legacy.example.com']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!existsSync(REAL))('realdata (gke-stateful-mysql): a subPath mount of a PersistentVolumeClaim is not a Secret reference; its env Secret needs a restart', async () => {
    const r = await mapFiles([path.join(REAL, 'kubernetes-engine-samples/databases/gke-stateful-mysql/kubernetes/c1-mysql.yaml')]);
    const secretUses = r.edges.filter((e) => e.kind === 'USES_SECRET' && e.to.endsWith('/Secret/mysql-secret'));
    expect(secretUses.length).toBeGreaterThan(0);
    for (const e of secretUses) {
      expect(e.properties.via).toBe('env');
      expect(e.properties.subPath).toBeUndefined();
    }
    expect(r.edges.some((e) => e.properties.subPath === true)).toBe(false);
  });
  if (!existsSync(REAL)) console.log(`skipping the realdata subPath case: ${REAL} is absent`);
});

describe('rotationStep', () => {
  const secret: RotatedObject = { id: P('Secret', 's'), kind: 'Secret', name: 's', restartTargets: [] };
  const obj = (kind: string, name: string, extra: Partial<RotationObject> = {}): RotationObject => ({ id: P(kind, name), kind, name, ...extra });
  const step = (o: RotationObject, refs: Record<string, unknown>[], more: { controller?: RotationObject; hop?: string; target?: RotatedObject } = {}) =>
    rotationStep({ object: o, hop: more.hop ?? 'USES_SECRET', references: refs, controller: more.controller }, more.target ?? secret);

  it('classifies by how the value is read', () => {
    expect(step(obj('Deployment', 'a'), [{ via: 'env' }]).plan).toBe('needs-restart');
    expect(step(obj('Deployment', 'a'), [{ via: 'envFrom' }]).plan).toBe('needs-restart');
    expect(step(obj('Deployment', 'a'), [{ via: 'volume' }]).plan).toBe('picks-up-live');
    expect(step(obj('Deployment', 'a'), [{ via: 'volume', subPath: true, subPathMounts: ['c:/x'] }]).reason).toMatch(/subPath mount \(c:\/x\)/);
    expect(step(obj('Deployment', 'a'), [{ via: 'volume' }, { via: 'env' }]).plan).toBe('needs-restart');
    expect(step(obj('Ingress', 'i'), [{ via: 'ingressTls' }]).plan).toBe('picks-up-live');
    expect(step(obj('CronJob', 'c', { schedule: '0 2 * * *' }), [{ via: 'env' }])).toMatchObject({ plan: 'next-run', schedule: '0 2 * * *' });
    expect(step(obj('Pod', 'c-1-x'), [{ via: 'env' }], { controller: obj('CronJob', 'c', { schedule: '@hourly' }) })).toMatchObject({ plan: 'next-run', schedule: '@hourly' });
    expect(step(obj('Secret', 'holder'), [], { hop: 'HOLDS_KEY' }).plan).toBe('update');
  });

  it('honours Reloader and rolloutRestartTargets, also for the pods of the controller', () => {
    const auto = obj('Deployment', 'w', { reloader: { auto: true } });
    expect(step(auto, [{ via: 'env' }])).toMatchObject({ plan: 'restarts-automatically', by: auto.id });
    expect(step(obj('Pod', 'w-1'), [{ via: 'env' }], { controller: auto }).plan).toBe('restarts-automatically');
    expect(step(auto, [{ via: 'env' }], { target: { ...secret, reloader: { ignore: true } } }).plan).toBe('needs-restart');
    const search = obj('Deployment', 's', { reloader: { search: true } });
    expect(step(search, [{ via: 'env' }]).plan).toBe('needs-restart');
    expect(step(search, [{ via: 'env' }], { target: { ...secret, reloader: { match: true } } }).plan).toBe('restarts-automatically');
    expect(step(obj('Deployment', 'n', { reloader: { secrets: ['s'] } }), [{ via: 'env' }]).plan).toBe('restarts-automatically');
    expect(step(obj('Deployment', 'n', { reloader: { configMaps: ['s'] } }), [{ via: 'env' }]).plan).toBe('needs-restart');
    const vso = { ...secret, restartTargets: [{ producer: P('VaultStaticSecret', 's'), kind: 'Deployment', name: 'orders' }] };
    expect(step(obj('Deployment', 'orders'), [{ via: 'env' }], { target: vso })).toMatchObject({ plan: 'restarts-automatically', by: P('VaultStaticSecret', 's') });
    expect(step(obj('Deployment', 'billing'), [{ via: 'env' }], { target: vso }).plan).toBe('needs-restart');
  });
});

describe('version labels against image tags', () => {
  it('reads tags and compares them as versions', () => {
    expect(imageTag('registry.example.com:5000/shop/cart:v2.4.1')).toBe('v2.4.1');
    expect(imageTag('registry.example.com:5000/shop/cart')).toBeUndefined();
    expect(imageTag('nginx:1.27@sha256:abc')).toBe('1.27');
    expect(imageTag('nginx@sha256:abc')).toBeUndefined();
    expect(versionsAgree('1.2.0', 'v1.2.0')).toBe(true);
    expect(versionsAgree('v2.19.1', '2.19.1-debian-12-r3')).toBe(true);
    expect(versionsAgree('1.2', '1.2.7')).toBe(true);
    expect(versionsAgree('1.2.0', '1.3.0')).toBe(false);
    expect(versionsAgree('1', '10.0')).toBe(false);
  });

  it('compares the application\'s containers only (ingress-nginx shapes: controller vs admission certgen)', () => {
    const labels = { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' };
    const controller = { name: 'controller', image: 'registry.k8s.io/ingress-nginx/controller:v1.15.1@sha256:0123' };
    expect(imageName(controller.image)).toBe('controller');
    expect(versionedContainers('Deployment', labels, [controller])).toEqual([controller]);
    const certgen = { name: 'create', image: 'registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.6.9' };
    expect(versionedContainers('Job', { ...labels, 'app.kubernetes.io/component': 'admission-webhook' }, [certgen])).toEqual([]);
    expect(versionedContainers('Deployment', { 'app.kubernetes.io/name': 'shop-api' }, [{ name: 'app', image: 'r/api:1' }])).toHaveLength(1);
    expect(versionedContainers('Deployment', { 'app.kubernetes.io/name': 'shop-api' }, [{ name: 'app', image: 'r/api:1' }, { name: 'envoy', image: 'envoy:1' }])).toEqual([]);
  });
});
