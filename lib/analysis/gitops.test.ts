/**
 * "Never confidently wrong" on a realistic GitOps folder (test/fixtures/gitops, written for this test): every object
 * the folder names is used by something, so nothing named may be reported unused or be `safe` to delete; Secrets a
 * producer creates are pending, not dangling; a missing pull secret of a public image is not critical; a token Secret
 * of a ServiceAccount that does not automount breaks no pod; a duplicate document and an invalid namespace are reported,
 * never merged or moved. Driven through the `keygraph` CLI as a user would (collect files, check, impact, show).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, useCliDatabase } from '../../test/cli';
import type { Finding } from './findings';
import type { ImpactResult } from './impact';

const DIR = path.resolve(__dirname, '../../test/fixtures/gitops');
const C = 'gitops';
const secret = (ns: string, n: string) => `k8s:${C}/${ns}/Secret/${n}`;

/** Every object the folder names somewhere (by a workload, a Role, a SecretStore, a prometheus-operator resource…). */
const NAMED = [
  secret('shop', 'cart-db'), secret('shop', 'billing-stripe'), secret('shop', 'reporting-export-key'),
  secret('shop', 'vault-token'), secret('shop', 'example'), secret('shop', 'checkout-env'), secret('shop', 'worker-env'), secret('shop', 'shop-tls'), secret('shop', 'legacy-token'),
  secret('monitoring', 'scrape-extra'), secret('monitoring', 'alertmanager-smtp'),
  `k8s:${C}/monitoring/ServiceAccount/prometheus-k8s`, `k8s:${C}/shop/ServiceAccount/frontend`,
  `k8s:${C}/shop/ServiceAccount/no-automount`,
];

async function impact(id: string): Promise<{ code: number; r: ImpactResult }> {
  const { code, out, err } = await runCli('impact', id, '--action', 'delete', '--json');
  expect(out, err).not.toBe('');
  return { code, r: JSON.parse(out) as ImpactResult };
}

describe('a GitOps folder with consumers keygraph does not model in detail', () => {
  const env = useCliDatabase('kg-gitops-');
  let findings: Finding[] = [];
  let collected: Record<string, unknown>[] = [];

  it('collects the folder: complete, with every skipped document reported and nothing merged or moved', async () => {
    const { code, out, err } = await runCli('collect', 'files', DIR, '--cluster', C, '--complete', '--json');
    expect(code, err).toBe(0);
    collected = JSON.parse(out) as Record<string, unknown>[];
    expect(collected).toHaveLength(1);
    const skipped = (collected[0]!.skipped ?? []) as { reason: string; kind: string; name?: string; where: string }[];
    const reasons = skipped.map((s) => `${s.reason}:${s.kind}/${s.name ?? ''}`);
    expect(reasons).toContain('duplicate-id:Deployment/frontend');
    expect(reasons).toContain('invalid-namespace:Secret/victim');
    // RoleBindings are read (roleRef, subjects): no longer a skipped kind.
    expect(reasons).not.toContain('kind-not-read:RoleBinding/read-export-key');
    for (const s of skipped) expect(s.where).toMatch(/\.yaml:\d+$/);

    // The invalid namespace was not moved to `default`.
    const victim = await runCli('show', secret('default', 'victim'), '--json');
    expect(victim.code).toBe(1);
    // The last `Deployment frontend` wins: one ServiceAccount, one set of references.
    const shown = await runCli('show', `k8s:${C}/shop/Deployment/frontend`, '--json');
    expect(shown.code, shown.err).toBe(0);
    const uses = (JSON.parse(shown.out) as { uses: { kind: string; to: string }[] }).uses;
    expect(uses.filter((e) => e.kind === 'RUNS_AS').map((e) => e.to)).toEqual([`k8s:${C}/shop/ServiceAccount/frontend`]);
    expect(uses.filter((e) => e.kind === 'USES_SECRET').map((e) => e.to)).toEqual([secret('shop', 'example')]);
  });

  it('reports nothing named as unused, and still reports the Secret nothing uses', async () => {
    const { code, out, err } = await runCli('check', '--json', '--fail-on', 'critical');
    expect(code, err).toBe(0);
    findings = (JSON.parse(out) as { findings: Finding[] }).findings;
    const unused = findings.filter((f) => f.rule === 'unused-secret' || f.rule === 'unused-service-account').map((f) => f.objects[0]);
    for (const id of NAMED) expect(unused, id).not.toContain(id);
    expect(unused).toContain(secret('shop', 'old-unused'));
  });

  it('reports a data key no consumer reads when every consumer reads by key, and none where one takes the whole Secret', () => {
    const keys = findings.filter((f) => f.rule === 'unused-data-key');
    expect(keys.map((f) => [f.objects[0], f.severity, f.evidence.unusedKeys, f.evidence.usedKeys])).toEqual([
      [secret('shop', 'checkout-env'), 'low', ['OLD_API_TOKEN'], ['DB_PASSWORD', 'DB_USER']],
    ]);
    expect(keys[0]!.objects).toContain(`k8s:${C}/shop/Deployment/checkout`);
  });

  it('does not call Secrets that a SealedSecret or a Certificate creates dangling', () => {
    const dangling = findings.filter((f) => f.rule === 'dangling-reference').map((f) => f.objects[0]);
    expect(dangling).not.toContain(secret('shop', 'example'));
    expect(dangling).not.toContain(secret('shop', 'shop-tls'));
  });

  it('rates a missing pull secret of a pod at most medium, saying why', () => {
    const pull = findings.find((f) => f.rule === 'dangling-reference' && f.objects[0] === secret('shop', 'regcred-missing'));
    expect(pull).toBeDefined();
    expect(['low', 'medium']).toContain(pull!.severity);
    expect(String(pull!.evidence.severityReason)).toMatch(/public/);
  });

  it('never answers safe for a named object: consumers break, required mentions break, other mentions make it unknown, each named', async () => {
    for (const [id, by] of [[secret('shop', 'cart-db'), 'ReplicationController'], [secret('shop', 'billing-stripe'), 'DeploymentConfig']] as const) {
      const { code, r } = await impact(id);
      expect(r.verdict, id).toBe('breaks');
      expect(code).toBe(2);
      expect(r.affected.map((a) => a.node.kind)).toContain(by);
    }
    // Fields known to be required (a SecretStore's credentials, prometheus-operator's Secrets and ServiceAccount):
    // since issue 12 rows of the reference table, so the last hop is the precise edge (USES_SECRET / RUNS_AS) with
    // the field path, no longer a MENTIONS.
    for (const [id, by] of [
      [secret('shop', 'vault-token'), 'SecretStore'],
      [secret('monitoring', 'scrape-extra'), 'Prometheus'],
      [secret('monitoring', 'alertmanager-smtp'), 'Alertmanager'],
      [`k8s:${C}/monitoring/ServiceAccount/prometheus-k8s`, 'Prometheus'],
    ] as const) {
      const { code, r } = await impact(id);
      expect(r.verdict, id).toBe('breaks');
      expect(code).toBe(2);
      const a = r.affected.find((x) => x.node.kind === by);
      expect(a?.role, id).toBe('breaks');
      expect(a?.path.at(-1)?.kind).toBe(id.includes('/ServiceAccount/') ? 'RUNS_AS' : 'USES_SECRET');
      expect(String(a?.path.at(-1)?.references[0]?.field)).toMatch(/^spec\./);
    }
    // A Role granting get on it by name: someone reads it through the API; keygraph cannot tell who needs it.
    const role = await impact(secret('shop', 'reporting-export-key'));
    expect(role.r.verdict).toBe('unknown');
    expect(role.code).toBe(3);
    expect(role.r.affected.find((a) => a.node.kind === 'Role')?.role).toBe('mentioned');
    expect(role.r.reasons.join('\n')).toMatch(/Role shop\/read-export-key mentions it \(rules\[0\]/);
    const produced = await impact(secret('shop', 'example'));
    expect(produced.r.verdict).toBe('breaks');
    expect(produced.r.targetPending).toBe(true);
    expect(produced.r.producedBy).toEqual([`k8s:${C}/shop/SealedSecret/example`]);
    const free = await impact(secret('shop', 'old-unused'));
    expect(free.r.verdict).toBe('safe');
    expect(free.code).toBe(0);
  });

  it('does not break pods that do not automount the token of a legacy token Secret', async () => {
    const { r } = await impact(secret('shop', 'legacy-token'));
    expect(r.breaking).not.toContain(`k8s:${C}/shop/Deployment/token-reader`);
    expect(r.affected.map((a) => a.node.id)).not.toContain(`k8s:${C}/shop/Deployment/token-reader`);
  });
});
