/**
 * Rotation and the certificate / version findings on a realistic folder (test/fixtures/rotation, written for this
 * test, plus a kubernetes.io/tls Secret whose self-signed certificate is generated here), driven through the
 * `keygraph` CLI as a user would: collect files, `impact --action rotate --json` and text, `check --json`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, useCliDatabase } from '../../test/cli';
import type { Finding } from './findings';
import type { ImpactResult } from './impact';
import { ImpactResponse } from '../api/schemas';
import { haveOpenssl } from '../../test/openssl';
import { REALDATA as REAL } from '../../test/realdata';

const DIR = path.resolve(__dirname, '../../test/fixtures/rotation');
const C = 'rot';
const id = (ns: string, kind: string, n: string) => `k8s:${C}/${ns}/${kind}/${n}`;

if (!haveOpenssl) console.log('skipping the rotation CLI tests: openssl is not installed (the TLS Secret is generated with it)');

/** A kubernetes.io/tls Secret `shop/NAME` holding a real self-signed certificate for `dnsNames`, valid `days`. The
 * private key is generated, not stored: tls.key holds a placeholder (keygraph never reads it). */
function writeTlsSecret(dir: string, secretName: string, dnsNames: string[], days: number): string {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(dir, 'k.pem'),
    '-out', path.join(dir, 'c.pem'), '-days', String(days), '-subj', `/CN=${dnsNames[0]}`,
    '-addext', `subjectAltName=${dnsNames.map((d) => `DNS:${d}`).join(',')}`,
  ], { stdio: 'ignore' });
  rmSync(path.join(dir, 'k.pem'));
  const file = path.join(dir, `${secretName}.yaml`);
  writeFileSync(file, [
    'apiVersion: v1', 'kind: Secret', 'type: kubernetes.io/tls',
    `metadata: {name: ${secretName}, namespace: shop}`,
    'data:', `  tls.crt: ${readFileSync(path.join(dir, 'c.pem')).toString('base64')}`, `  tls.key: ${Buffer.from('not stored here').toString('base64')}`, '',
  ].join('\n'));
  return file;
}

async function rotate(target: string): Promise<{ code: number; r: ImpactResult; text: string }> {
  const j = await runCli('impact', target, '--action', 'rotate', '--json');
  expect(j.out, j.err).not.toBe('');
  const t = await runCli('impact', target, '--action', 'rotate');
  return { code: j.code, r: JSON.parse(j.out) as ImpactResult, text: t.out };
}
const plans = (r: ImpactResult) => Object.fromEntries(r.affected.filter((a) => !['ReplicaSet', 'Pod', 'Job'].includes(a.node.kind)).map((a) => [a.node.id, a.rotation?.plan]));

describe.skipIf(!haveOpenssl)('rotation and certificate findings through the CLI', () => {
  useCliDatabase('kg-rotation-');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kg-rot-tls-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  let findings: Finding[] = [];

  it('collects the folder and the generated TLS Secret', async () => {
    const shop = writeTlsSecret(tmp, 'shop-tls', ['shop.example.com', 'www.shop.example.com'], 10);
    const docs = writeTlsSecret(tmp, 'docs-tls', ['docs.shop.example.com'], 60);
    const { code, err } = await runCli('collect', 'files', DIR, shop, docs, '--cluster', C, '--complete', '--json');
    expect(code, err).toBe(0);
  });

  it('rotate: each consumer gets its plan, in JSON and in the text output', async () => {
    const { code, r, text } = await rotate(id('payments', 'Secret', 'api-credentials'));
    expect(code).toBe(2);
    // Only what needs a hand breaks (and the pods / ReplicaSets of those, if collected).
    expect(r.breaking.sort()).toEqual([id('payments', 'Deployment', 'api'), id('payments', 'Deployment', 'mailer'), id('payments', 'Deployment', 'proxy')]);
    expect(text).toMatch(/verdict: BREAKS \(3 dependant\(s\) must be updated or restarted\)/);
    expect(text).toMatch(/subPath at nginx:\/etc\/proxy\/config\.json \(never refreshed\)/);
    expect(plans(r)).toEqual({
      [id('payments', 'Deployment', 'api')]: 'needs-restart',
      [id('payments', 'Deployment', 'mailer')]: 'needs-restart', // search, but api-credentials is not annotated match
      [id('payments', 'Deployment', 'proxy')]: 'needs-restart', // subPath
      [id('payments', 'Deployment', 'worker')]: 'restarts-automatically',
      [id('payments', 'StatefulSet', 'ledger')]: 'picks-up-live',
      [id('payments', 'CronJob', 'nightly-report')]: 'next-run',
    });
    expect(ImpactResponse.safeParse(r).success).toBe(true); // the API schema declares the rotation field
    // Pods and ReplicaSets follow their controller: Reloader restarts the worker's; the CronJob's Job and pod are
    // picked up at the next run (the running one keeps the old value).
    const planOf = (n: string) => r.affected.find((x) => x.node.id === n)?.rotation?.plan;
    expect(planOf(id('payments', 'ReplicaSet', 'worker-7d9f8c6b5'))).toBe('restarts-automatically');
    expect(planOf(id('payments', 'Pod', 'worker-7d9f8c6b5-x2k9p'))).toBe('restarts-automatically');
    expect(planOf(id('payments', 'Job', 'nightly-report-29413800'))).toBe('next-run');
    expect(planOf(id('payments', 'Pod', 'nightly-report-29413800-q7h2m'))).toBe('next-run');
    const by = (n: string) => r.affected.find((a) => a.node.id === n)!;
    expect(by(id('payments', 'Deployment', 'proxy')).rotation!.reason).toMatch(/subPath mount \(nginx:\/etc\/proxy\/config\.json\)/);
    expect(by(id('payments', 'Deployment', 'proxy')).role).toBe('restart');
    expect(by(id('payments', 'StatefulSet', 'ledger')).role).toBe('reload');
    expect(by(id('payments', 'Deployment', 'worker')).rotation).toMatchObject({ by: id('payments', 'Deployment', 'worker') });
    expect(by(id('payments', 'CronJob', 'nightly-report')).rotation).toMatchObject({ schedule: '0 2 * * *' });
    expect(r.notes.join('\n')).toMatch(/3 dependant\(s\) need a restart.*3 restart automatically.*3 pick it up at their next run.*1 pick it up live/);
    expect(text).toMatch(/Deployment payments\/proxy {2}\[needs a restart\]/);
    expect(text).toMatch(/rotate: restarts automatically: Reloader restarts Deployment worker \(reloader\.stakater\.com\/auto\)/);
    expect(text).toMatch(/CronJob payments\/nightly-report {2}\[next run picks it up, 1 running pod\(s\)\]/);
    expect(text).toMatch(/StatefulSet payments\/ledger {2}\[picks it up live\]/);
  });

  it('rotate: Reloader by name and by search/match; Vault Secrets Operator restart targets', async () => {
    const smtp = await rotate(id('payments', 'Secret', 'smtp-credentials'));
    expect(plans(smtp.r)).toEqual({
      [id('payments', 'Deployment', 'notifier')]: 'restarts-automatically',
      [id('payments', 'Deployment', 'mailer')]: 'restarts-automatically',
    });
    // Every consumer restarts by itself, and the data is complete and fresh: rotating is safe (exit 0).
    expect(smtp.r.verdict).toBe('safe');
    expect(smtp.code).toBe(0);
        const db = await rotate(id('payments', 'Secret', 'db-credentials'));
    expect(db.r.verdict).toBe('breaks');
    expect(db.r.breaking).toEqual([id('payments', 'Deployment', 'billing')]);
    expect(db.r.producedBy).toEqual([id('payments', 'VaultStaticSecret', 'db-credentials')]);
    expect(plans(db.r)).toEqual({
      [id('payments', 'Deployment', 'orders')]: 'restarts-automatically',
      [id('payments', 'Deployment', 'billing')]: 'needs-restart',
    });
    expect(db.r.affected.find((a) => a.node.name === 'orders')!.rotation!.by).toBe(id('payments', 'VaultStaticSecret', 'db-credentials'));
    expect(db.text).toMatch(/VaultStaticSecret db-credentials restarts Deployment orders/);
  });

  it('check: a host outside the certificate SANs, a failing renewal, a version label out of step with its image', async () => {
    const { out, err } = await runCli('check', '--json', '--fail-on', 'critical');
    expect(out, err).not.toBe('');
    findings = (JSON.parse(out) as { findings: Finding[] }).findings;

    const hosts = findings.filter((f) => f.rule === 'tls-host-mismatch');
    expect(hosts.map((f) => [f.objects[0], f.severity, f.evidence.uncoveredHosts]).sort()).toEqual([
      [id('shop', 'Gateway', 'shop-gateway'), 'high', ['admin.shop.example.com']],
      [id('shop', 'Ingress', 'shop'), 'high', ['api.shop.example.com']],
    ]);
    const ing = hosts.find((f) => f.objects[0] === id('shop', 'Ingress', 'shop'))!;
    expect(ing.evidence.certificateNames).toEqual(['shop.example.com', 'www.shop.example.com']);
    expect(ing.fix).toMatch(/Certificate shop\/shop-cert already asks for api\.shop\.example\.com/);
    const gw = hosts.find((f) => f.objects[0] === id('shop', 'Gateway', 'shop-gateway'))!;
    expect(gw.fix).toMatch(/Add admin\.shop\.example\.com to Certificate shop\/shop-cert's dnsNames/);

    // One rule family: the Certificate whose Secret exists is certificate-not-ready; the one whose Secret was never
    // created stays producer-failed; neither is reported twice.
    const notReady = findings.filter((f) => f.rule === 'certificate-not-ready').sort((a, b) => a.objects[0]!.localeCompare(b.objects[0]!));
    expect(notReady).toHaveLength(2);
    // Ready still True, last renewal failed, 60 days left: medium.
    expect(notReady.shift()).toMatchObject({ severity: 'medium', title: expect.stringMatching(/^Certificate shop\/docs-cert failed to renew: .*expiring in 59 day/), objects: [id('shop', 'Certificate', 'docs-cert'), id('shop', 'Secret', 'docs-tls'), id('shop', 'Ingress', 'docs')], evidence: { ready: true, failedIssuanceAttempts: 1, daysLeft: 59 } });
    expect(notReady[0]!.objects.slice(0, 2)).toEqual([id('shop', 'Certificate', 'shop-cert'), id('shop', 'Secret', 'shop-tls')]);
    expect(notReady[0]!.severity).toBe('high'); // the current certificate expires in 10 days
    expect(notReady[0]!.evidence).toMatchObject({ readyReason: 'DoesNotMatch', failedIssuanceAttempts: 3, daysLeft: 9 });
    expect(String(notReady[0]!.evidence.readyMessage)).toMatch(/does not match the Certificate spec/);
    const failed = findings.filter((f) => f.rule === 'producer-failed');
    expect(failed.map((f) => [f.objects[0], f.severity, f.evidence.secretExists])).toEqual([[id('shop', 'Certificate', 'status-cert'), 'high', false]]);

    const versions = findings.filter((f) => f.rule === 'chart-image-mismatch');
    expect(versions.map((f) => [f.objects[0], f.severity])).toEqual([[id('shop', 'Deployment', 'catalog'), 'low']]);
    expect(versions[0]!.evidence).toMatchObject({ versionLabel: '1.2.0', helmChart: 'catalog-0.4.1' });
    // Compared: the application's container (named like app.kubernetes.io/name), not the Envoy sidecar.
    expect(versions[0]!.evidence.images).toEqual([{ container: 'catalog', image: 'registry.example.com/shop/catalog:1.3.0', tag: '1.3.0' }]);
    // Nothing reveals the certificate's key material or a Secret value.
    expect(out).not.toContain('PRIVATE KEY');
    expect(out).not.toContain(Buffer.from('not stored here').toString('base64'));
  });
});

describe.skipIf(!existsSync(path.join(REAL, 'kube-prometheus/manifests')))('realdata (kube-prometheus, ingress-nginx): version labels agree with the images', () => {
  useCliDatabase('kg-rotation-real-');
  it('reports no chart-image-mismatch: sidecars (kube-rbac-proxy, configmap-reload) and helper Jobs (admission certgen) carry their own versions', async () => {
    const { code, err } = await runCli('collect', 'files', path.join(REAL, 'kube-prometheus/manifests'), '--cluster', 'kp', '--json');
    expect([0, 4], err).toContain(code);
    const nginx = await runCli('collect', 'files', path.join(REAL, 'ingress-nginx'), '--cluster', 'nginx', '--json');
    expect([0, 4], nginx.err).toContain(nginx.code);
    const { out } = await runCli('check', '--json', '--fail-on', 'critical');
    const f = (JSON.parse(out) as { findings: Finding[] }).findings;
    expect(f.filter((x) => x.rule === 'chart-image-mismatch')).toEqual([]);
    expect(f.filter((x) => x.rule === 'tls-host-mismatch')).toEqual([]);
  });
});
if (!existsSync(path.join(REAL, 'kube-prometheus/manifests'))) console.log(`skipping the kube-prometheus version case: ${REAL} is absent`);
