/**
 * Findings rules on records inserted directly through the store writer (no collector): the GCP-side rules
 * (Workload Identity halves, dead / old / unused keys; the GCP collector is built concurrently, so the rules are
 * written against its documented property names: `workloadIdentityMembers`, `keyType`, `validAfterTime`,
 * `disabled`, `lastAuthenticatedAt`, `lastUseCovered`), unused objects, TLS expiry and the re-issue rate, and
 * impact across Kubernetes and GCP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { gcpKeyId, gcpServiceAccountId, k8sId } from '../graph/ids';
import { NODE_KIND_KEYS } from '../graph/model';
import type { CollectionResult, EdgeRecord, NodeRecord } from '../graph/records';
import { startRun } from '../store/write';
import { computeFindings, type Finding } from './findings';
import { impactOf } from './impact';

const P = 'proj';
const C = 'c1';
const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const email = (n: string) => `${n}@${P}.iam.gserviceaccount.com`;
const gsa = (n: string, props: Record<string, unknown>): NodeRecord => ({
  id: gcpServiceAccountId(P, email(n)), provider: 'gcp', kind: 'ServiceAccount', realm: P, namespace: null, name: email(n), properties: props,
});
const key = (k: string, props: Record<string, unknown>): NodeRecord => ({
  id: gcpKeyId(P, k), provider: 'gcp', kind: 'ServiceAccountKey', realm: P, namespace: null, name: k, properties: props,
});
const k8s = (kind: string, name: string, props: Record<string, unknown> = {}, cluster = C, ns = 'app'): NodeRecord => ({
  id: k8sId(cluster, ns, kind, name), provider: 'k8s', kind, realm: cluster, namespace: ns, name, properties: props,
});
const edge = (kind: EdgeRecord['kind'], from: string, to: string, properties: EdgeRecord['properties'] = {}): EdgeRecord => ({ kind, from, to, properties });
const coverage = (provider: 'k8s' | 'gcp'): CollectionResult['coverage'] =>
  Object.fromEntries(NODE_KIND_KEYS.filter((k) => k.startsWith(provider + ':')).map((k) => [k, { complete: true, count: 0 }]));

describe('findings rules and cross-source impact', () => {
  let t: TestDatabase;
  let findings: Finding[];
  const byRule = (rule: string) => findings.filter((f) => f.rule === rule);

  async function commit(source: 'k8s' | 'gcp' | 'files', scope: string, nodes: NodeRecord[], edges: EdgeRecord[]) {
    const run = await startRun(t, source, scope);
    return run.commit({ nodes, edges, coverage: coverage(source === 'gcp' ? 'gcp' : 'k8s'), errors: [] });
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    const wi = (ns: string, ksa: string) => ({ pool: `${P}.svc.id.goog`, namespace: ns, ksa, member: `serviceAccount:${P}.svc.id.goog[${ns}/${ksa}]` });
    await commit('gcp', P, [
      gsa('annotated-only', { workloadIdentityMembers: [] }),
      gsa('bound-only', { workloadIdentityMembers: [wi('app', 'worker')] }),
      gsa('complete', { workloadIdentityMembers: [`serviceAccount:${P}.svc.id.goog[app/ok]`] }),
      gsa('unknown-policy', {}),
      key('k-old', { keyType: 'USER_MANAGED', validAfterTime: ago(200), disabled: false, lastUseCovered: false }),
      key('k-unused', { keyType: 'USER_MANAGED', validAfterTime: ago(200), disabled: false, lastUseCovered: true, lastAuthenticatedAt: ago(120) }),
      key('k-used', { keyType: 'USER_MANAGED', validAfterTime: ago(10), disabled: false, lastUseCovered: true, lastAuthenticatedAt: ago(1) }),
      key('k-disabled', { keyType: 'USER_MANAGED', validAfterTime: ago(5), disabled: true }),
      key('k-system', { keyType: 'SYSTEM_MANAGED', validAfterTime: ago(400), disabled: false }),
    ], [
      edge('HAS_KEY', gcpServiceAccountId(P, email('annotated-only')), gcpKeyId(P, 'k-old')),
      edge('HAS_KEY', gcpServiceAccountId(P, email('annotated-only')), gcpKeyId(P, 'k-disabled')),
    ]);

    const api = k8s('ServiceAccount', 'api', { gcpServiceAccount: email('annotated-only') });
    const worker = k8s('ServiceAccount', 'worker');
    const ok = k8s('ServiceAccount', 'ok', { gcpServiceAccount: email('complete') });
    const lonely = k8s('ServiceAccount', 'lonely');
    const dflt = k8s('ServiceAccount', 'default');
    const unknownPolicy = k8s('ServiceAccount', 'unknown-policy', { gcpServiceAccount: email('unknown-policy') });
    const deploy = k8s('Deployment', 'web', { replicas: 1 });
    const pod = k8s('Pod', 'web-1', { phase: 'Running', startTime: ago(1) });
    const holdsGone = k8s('Secret', 'gcp-key-gone', { type: 'Opaque', dataKeys: ['key.json'], fingerprints: { 'key.json': 'a'.repeat(32) } });
    const holdsDisabled = k8s('Secret', 'gcp-key-disabled', { type: 'Opaque', dataKeys: ['key.json'], fingerprints: { 'key.json': 'b'.repeat(32) } });
    const holdsOld = k8s('Secret', 'gcp-key-old', { type: 'Opaque', dataKeys: ['key.json'], fingerprints: { 'key.json': 'c'.repeat(32) } });
    const orphan = k8s('Secret', 'orphan', { type: 'Opaque', dataKeys: ['x'], fingerprints: { x: 'd'.repeat(32) } });
    const token = k8s('Secret', 'api-token', { type: 'kubernetes.io/service-account-token', dataKeys: ['token'] });
    const helm = k8s('Secret', 'sh.helm.release.v1.web.v1', { type: 'helm.sh/release.v1', dataKeys: ['release'] });
    const tlsSoon = k8s('Secret', 'tls-soon', {
      type: 'kubernetes.io/tls', dataKeys: ['tls.crt', 'tls.key'],
      certificate: { subjectAltName: ['DNS:soon.example.com'], validFrom: ago(80), validTo: new Date(Date.now() + 10 * DAY).toISOString(), serialNumber: '01' },
    });
    const tlsFar = k8s('Secret', 'tls-far', {
      type: 'kubernetes.io/tls', dataKeys: ['tls.crt', 'tls.key'],
      certificate: { subjectAltName: ['DNS:far.example.com'], validFrom: ago(1), validTo: new Date(Date.now() + 300 * DAY).toISOString(), serialNumber: '02' },
    });
    const ingress = k8s('Ingress', 'web');
    await commit('k8s', C, [api, worker, ok, lonely, dflt, unknownPolicy, deploy, pod, holdsGone, holdsDisabled, holdsOld, orphan, token, helm, tlsSoon, tlsFar, ingress], [
      edge('ACTS_AS', api.id, gcpServiceAccountId(P, email('annotated-only')), { annotation: true }),
      edge('ACTS_AS', ok.id, gcpServiceAccountId(P, email('complete')), { annotation: true }),
      edge('ACTS_AS', unknownPolicy.id, gcpServiceAccountId(P, email('unknown-policy')), { annotation: true }),
      edge('RUNS_AS', deploy.id, api.id),
      edge('RUNS_AS', pod.id, api.id),
      edge('OWNS', deploy.id, pod.id),
      edge('RUNS_AS', k8s('Deployment', 'other').id, worker.id),
      edge('RUNS_AS', k8s('Deployment', 'other2').id, ok.id),
      edge('RUNS_AS', k8s('Deployment', 'other3').id, unknownPolicy.id),
      edge('TOKEN_FOR', token.id, api.id),
      edge('USES_SECRET', deploy.id, holdsGone.id, { via: 'volume', volume: 'k1' }),
      edge('USES_SECRET', deploy.id, holdsDisabled.id, { via: 'volume', volume: 'k2' }),
      edge('USES_SECRET', pod.id, holdsOld.id, { via: 'env', container: 'web', envVar: 'KEY', keys: ['key.json'] }),
      edge('USES_SECRET', deploy.id, holdsOld.id, { via: 'env', container: 'web', envVar: 'KEY', keys: ['key.json'] }),
      edge('USES_SECRET', ingress.id, tlsSoon.id, { via: 'ingressTls' }),
      edge('USES_SECRET', ingress.id, tlsFar.id, { via: 'ingressTls', hosts: ['far'] }),
      edge('HOLDS_KEY', holdsGone.id, gcpKeyId(P, 'gone'), { dataKey: 'key.json', clientEmail: email('annotated-only') }),
      edge('HOLDS_KEY', holdsDisabled.id, gcpKeyId(P, 'k-disabled'), { dataKey: 'key.json', clientEmail: email('annotated-only') }),
      edge('HOLDS_KEY', holdsOld.id, gcpKeyId(P, 'k-old'), { dataKey: 'key.json', clientEmail: email('annotated-only') }),
    ]);

    // A certificate store that is not persisted: every restart issues a new certificate for the same names.
    for (let i = 0; i < 5; i++) {
      const acme = k8s('Secret', 'acme', {
        type: 'kubernetes.io/tls', dataKeys: ['tls.crt', 'tls.key'],
        certificate: { subjectAltName: ['DNS:www.shop.example', 'DNS:shop.example'], validFrom: ago(5 - i), validTo: new Date(Date.now() + 85 * DAY).toISOString(), serialNumber: `0${i}ab` },
      }, 'c2', 'edge');
      const user = k8s('Deployment', 'traefik', {}, 'c2', 'edge');
      await commit('k8s', 'c2', [acme, user], [edge('USES_SECRET', user.id, acme.id, { via: 'volume', volume: 'acme' })]);
    }
    findings = (await computeFindings(t)).findings;
  });
  afterAll(async () => t?.drop());

  it('Workload Identity: annotation without binding, binding without annotation; complete and unknown policies are quiet', () => {
    const wi = byRule('workload-identity-half-configured');
    const halves = wi.map((f) => [f.objects[0], f.evidence.half]).sort();
    expect(halves).toEqual([
      [k8sId(C, 'app', 'ServiceAccount', 'api'), 'annotation-only'],
      [k8sId(C, 'app', 'ServiceAccount', 'worker'), 'binding-only'],
    ]);
    expect(wi.every((f) => f.severity === 'medium')).toBe(true);
  });

  it('Secret holding a key GCP no longer lists, or a disabled one', () => {
    const dead = byRule('secret-holds-dead-key').map((f) => [f.objects[0], f.evidence.state]).sort();
    expect(dead).toEqual([
      [k8sId(C, 'app', 'Secret', 'gcp-key-disabled'), 'disabled'],
      [k8sId(C, 'app', 'Secret', 'gcp-key-gone'), 'deleted'],
    ]);
  });

  it('old and unused user-managed keys (system-managed ignored; unused only when last use was covered)', () => {
    expect(byRule('key-too-old').map((f) => f.objects[0]).sort()).toEqual([gcpKeyId(P, 'k-old'), gcpKeyId(P, 'k-unused')]);
    expect(byRule('key-too-old').find((f) => f.objects[0] === gcpKeyId(P, 'k-old'))!.objects).toContain(k8sId(C, 'app', 'Secret', 'gcp-key-old'));
    expect(byRule('key-unused').map((f) => f.objects[0])).toEqual([gcpKeyId(P, 'k-unused')]);
  });

  it('unused Secret / ServiceAccount only with evidence, with the documented exclusions', () => {
    expect(byRule('unused-secret').map((f) => f.objects[0])).toEqual([k8sId(C, 'app', 'Secret', 'orphan')]);
    expect(byRule('unused-service-account').map((f) => f.objects[0])).toEqual([k8sId(C, 'app', 'ServiceAccount', 'lonely')]);
  });

  it('TLS near expiry and the re-issue rate', () => {
    expect(byRule('tls-expiring').map((f) => [f.objects[0], f.severity])).toEqual([[k8sId(C, 'app', 'Secret', 'tls-soon'), 'medium']]);
    const re = byRule('tls-reissue-rate');
    expect(re).toHaveLength(1);
    expect(re[0]!.evidence).toMatchObject({ issued: 5, names: ['DNS:shop.example', 'DNS:www.shop.example'] });
  });

  it('impact of deleting a GCP service account: its keys, the Secrets holding them, KSAs acting as it, workloads', async () => {
    const r = (await impactOf(t, gcpServiceAccountId(P, email('annotated-only'))))!;
    const ids = r.affected.map((a) => a.node.id);
    expect(ids).toEqual(expect.arrayContaining([
      gcpKeyId(P, 'k-old'), k8sId(C, 'app', 'Secret', 'gcp-key-old'), k8sId(C, 'app', 'ServiceAccount', 'api'),
      k8sId(C, 'app', 'Deployment', 'web'), k8sId(C, 'app', 'Pod', 'web-1'), k8sId(C, 'app', 'Secret', 'api-token'),
    ]));
    expect(r.verdict).toBe('breaks');
    const web = r.affected.find((a) => a.node.id === k8sId(C, 'app', 'Deployment', 'web'))!;
    expect(web.runningPods).toBe(1);
    expect(web.path.map((s) => s.kind)).toEqual(['ACTS_AS', 'RUNS_AS']);
  });

  it('impact of a key nobody holds is safe when the project and every cluster are fresh and complete', async () => {
    const r = (await impactOf(t, gcpKeyId(P, 'k-used')))!;
    expect(r.verdict).toBe('safe');
    // …and unknown when one cluster's latest run is partial for a kind that could hold it.
    const run = await startRun(t, 'k8s', 'c3');
    await run.commit({ nodes: [], edges: [], coverage: { 'k8s:Secret': { complete: false, count: 0, error: '403' } }, errors: [] });
    const r2 = (await impactOf(t, gcpKeyId(P, 'k-used')))!;
    expect(r2.verdict).toBe('unknown');
    expect(r2.reasons.join(' ')).toMatch(/k8s\/c3.*k8s:Secret/);
  });

  it('optional-only dependants: safe with a note', async () => {
    const s = k8s('Secret', 'flags', { dataKeys: ['k'] }, 'c4');
    const d = k8s('Deployment', 'app', {}, 'c4');
    await commit('k8s', 'c4', [s, d], [edge('USES_SECRET', d.id, s.id, { via: 'env', container: 'a', envVar: 'K', keys: ['k'], optional: true })]);
    const r = (await impactOf(t, s.id))!;
    expect(r.verdict).toBe('safe');
    expect(r.affected.map((a) => [a.node.id, a.optional, a.role])).toEqual([[d.id, true, 'optional']]);
    expect(r.notes.join(' ')).toMatch(/optional/);
  });
});
