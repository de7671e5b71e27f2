/**
 * ConfigMaps and custom-resource references end to end, through the `keygraph` CLI on test/fixtures/crds (documented
 * manifest shapes, collected as a whole cluster): the reference rules cover ConfigMaps (one rule, more target kinds),
 * unused-config-map spares kube-root-ca.crt and owned ConfigMaps, Secrets named by custom resources or read by a
 * controller by label are never unused, and impact walks USES_CONFIG_MAP like USES_SECRET.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, useCliDatabase } from '../../test/cli';
import { NODE_KIND_KEYS } from '../graph/model';
import type { CollectionResult } from '../graph/records';
import { startRun } from '../store/write';
import type { Finding } from './findings';
import type { ImpactResult } from './impact';

const DIR = path.resolve(__dirname, '../../test/fixtures/crds');
const C = 'crds';
const cm = (ns: string, n: string) => `k8s:${C}/${ns}/ConfigMap/${n}`;
const secret = (ns: string, n: string) => `k8s:${C}/${ns}/Secret/${n}`;

async function impact(id: string, action = 'delete'): Promise<{ code: number; r: ImpactResult }> {
  const { code, out, err } = await runCli('impact', id, '--action', action, '--json');
  expect(out, err).not.toBe('');
  return { code, r: JSON.parse(out) as ImpactResult };
}

describe('ConfigMaps and custom-resource references (test/fixtures/crds, --complete)', () => {
  const env = useCliDatabase('kg-crds-');
  let findings: Finding[] = [];
  const of = (rule: string, target: string) => findings.filter((f) => f.rule === rule && f.objects[0] === target);

  it('collects and checks', async () => {
    const c = await runCli('collect', 'files', DIR, '--cluster', C, '--complete', '--json');
    expect(c.code, c.err).toBe(0);
    const k = await runCli('check', '--json');
    findings = (JSON.parse(k.out) as { findings: Finding[] }).findings;
    expect(findings.length).toBeGreaterThan(0);
  });

  it('dangling-reference: a ConfigMap that does not exist (high), optional (low); missing-data-key on a ConfigMap', () => {
    const renamed = of('dangling-reference', cm('shop', 'renamed-config'));
    expect(renamed.map((f) => [f.severity, f.objects[1]])).toEqual([['high', `k8s:${C}/shop/Deployment/configmap-demo`]]);
    expect(renamed[0]!.title).toContain("references missing ConfigMap shop/renamed-config");
    expect(renamed[0]!.fix).toContain('Create ConfigMap');
    expect(of('dangling-reference', cm('shop', 'feature-flags')).map((f) => f.severity)).toEqual(['low']);
    const key = of('missing-data-key', cm('shop', 'game-demo'));
    expect(key.map((f) => [f.severity, f.objects[1], f.evidence.missingKeys])).toEqual([['high', `k8s:${C}/shop/Deployment/stale-reader`, ['max_lives']]]);
    expect(key[0]!.title).toContain('that ConfigMap shop/game-demo does not have');
  });

  it('custom resources: their missing Secrets and ConfigMaps are dangling references of the resource (Traefik, BackendTLSPolicy)', () => {
    expect(of('dangling-reference', secret('apps', 'authsecret')).map((f) => f.objects[1])).toEqual([`k8s:${C}/apps/Middleware/test-auth`]);
    expect(of('dangling-reference', cm('default', 'auth-cert')).map((f) => f.objects[1])).toEqual([`k8s:${C}/default/BackendTLSPolicy/tls-upstream-auth`]);
    // The ACME account key cert-manager creates itself: optional, low.
    expect(of('dangling-reference', secret('cert-manager', 'letsencrypt-prod-account-key')).map((f) => f.severity)).toEqual(['low']);
  });

  it('unused-config-map: only the ConfigMap nothing reads; never kube-root-ca.crt, an owned one (operator-generated rule files), a used one, or one only a custom resource reads', () => {
    const unused = findings.filter((f) => f.rule === 'unused-config-map').map((f) => f.objects[0]);
    expect(unused).toEqual([cm('shop', 'leftover-config')]);
  });

  it('unused-secret never names a Secret a custom resource uses (Istio credential in istio-system) or Argo CD reads by label', () => {
    const unused = findings.filter((f) => f.rule === 'unused-secret').map((f) => f.objects[0]);
    expect(unused).not.toContain(secret('istio-system', 'httpbin-credential'));
    for (const n of ['private-repo', 'private-repo-creds', 'mycluster-secret']) expect(unused).not.toContain(secret('argocd', n));
    expect(unused).toEqual([]);
  });

  it('impact: deleting or renaming a used ConfigMap breaks its consumer; the unused one is safe; a Secret only an Istio Gateway uses breaks it', async () => {
    const del = await impact(cm('shop', 'game-demo'));
    expect(del.code).toBe(2);
    expect(del.r.verdict).toBe('breaks');
    expect(del.r.affected.map((a) => a.node.id)).toEqual(expect.arrayContaining([`k8s:${C}/shop/Deployment/configmap-demo`, `k8s:${C}/shop/Deployment/stale-reader`]));
    const ren = await impact(cm('shop', 'special-config'), 'rename');
    expect(ren.code).toBe(2);
    expect(ren.r.affected.map((a) => a.node.id)).toContain(`k8s:${C}/shop/Deployment/configmap-demo`);
    const safe = await impact(cm('shop', 'leftover-config'));
    expect([safe.code, safe.r.verdict]).toEqual([0, 'safe']);
    const mw = await impact(secret('istio-system', 'httpbin-credential'));
    expect(mw.code).toBe(2);
    expect(mw.r.affected.map((a) => a.node.id)).toContain(`k8s:${C}/httpbin/Gateway/mygateway`);
  });

  it('impact: a custom-resource kind the live collector could not list (403 on Middlewares) makes "nothing depends on it" unknown, not safe', async () => {
    const lonely = (cluster: string) => ({ id: `k8s:${cluster}/apps/Secret/lonely`, provider: 'k8s' as const, kind: 'Secret', realm: cluster, namespace: 'apps', name: 'lonely', properties: { type: 'Opaque', dataKeys: [] } });
    const coverage = (middlewares: { complete: boolean; count: number; error?: string }): CollectionResult['coverage'] => ({
      ...Object.fromEntries(NODE_KIND_KEYS.filter((k) => k.startsWith('k8s:')).map((k) => [k, { complete: true, count: 0 }])),
      'k8s:Middleware': middlewares, 'k8s:IngressRoute': { complete: true, count: 0 },
    });
    for (const [cluster, mw] of [['live-403', { complete: false, count: 0, error: 'forbidden: GET /apis/traefik.io/v1alpha1/middlewares: 403 Forbidden' }], ['live-ok', { complete: true, count: 0 }]] as const) {
      const run = await startRun(env.db, 'k8s', cluster);
      await run.commit({ nodes: [lonely(cluster)], edges: [], coverage: coverage(mw), errors: [] });
    }
    const partial = await impact('k8s:live-403/apps/Secret/lonely');
    expect([partial.code, partial.r.verdict]).toEqual([3, 'unknown']);
    expect(partial.r.reasons.join('\n')).toContain('k8s:Middleware');
    const ok = await impact('k8s:live-ok/apps/Secret/lonely');
    expect([ok.code, ok.r.verdict]).toEqual([0, 'safe']);
  });
});
