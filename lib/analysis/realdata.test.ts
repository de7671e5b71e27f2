/**
 * Peer expectations from /work/shared/realdata/…/EXPECTED.md, reproduced where they concern references (dangling
 * Secret / ServiceAccount references, missing data keys, unused Secrets). Skipped when the folder is absent.
 * Disagreements with the peer tools are explained next to each case.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { collectFilesInto } from '../cli/collect';
import { k8sId } from '../graph/ids';
import { createFingerprinter } from '../secrets/fingerprint';
import { computeFindings } from './findings';
import { checkManifests } from '../cli/manifests';
import { REALDATA } from '../../test/realdata';

const present = existsSync(REALDATA);

describe.skipIf(!present)('realdata peer expectations', () => {
  let t: TestDatabase;
  let tmp: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'kg-realdata-'));
  });
  afterAll(async () => {
    await t?.drop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });
  // Each fixture is checked on its own, against a cluster that was never collected: references resolve against the
  // fixture only, as kube-linter and kubescape resolve them. The peers treat a fixture as the whole cluster (the
  // gate's --complete); without it, a fixture vouches only for the kinds it holds in each namespace.
  const gate = (p: string, complete = true) => checkManifests(t, [p], { cluster: 'fixture', complete });
  const summary = (fs: { rule: string; objects: string[] }[]) => fs.map((f) => `${f.rule} ${f.objects[0]} <- ${f.objects[1]}`).sort();

  describe('kube-linter', () => {
    const dir = path.join(REALDATA, 'kube-linter/tests/checks');
    it('env-var-value-from.yml: unknown key "chimpmunk" in secretsquirrels, unknown secret "missingsecret"', async () => {
      const r = await gate(path.join(dir, 'env-var-value-from.yml'));
      // kube-linter reports 4, and so does keygraph since ConfigMaps are nodes (issue 12): the same reference rules
      // cover the missing ConfigMap and the ConfigMap key. The Secret in the file has stringData only: its keys still
      // count (stringData is merged into data).
      expect(summary(r.findings)).toEqual([
        `dangling-reference ${k8sId('fixture', 'default', 'ConfigMap', 'missingconfig')} <- ${k8sId('fixture', 'default', 'Deployment', 'should-fire-missing-configmap')}`,
        `dangling-reference ${k8sId('fixture', 'default', 'Secret', 'missingsecret')} <- ${k8sId('fixture', 'default', 'Deployment', 'should-fire-missing-secret')}`,
        `missing-data-key ${k8sId('fixture', 'default', 'ConfigMap', 'testconfig')} <- ${k8sId('fixture', 'default', 'Deployment', 'should-fire-configmap')}`,
        `missing-data-key ${k8sId('fixture', 'default', 'Secret', 'secretsquirrels')} <- ${k8sId('fixture', 'default', 'Deployment', 'should-fire-secret')}`,
      ]);
      expect(r.findings.find((f) => f.rule === 'missing-data-key' && f.objects[0]!.includes('/Secret/'))!.evidence).toMatchObject({ missingKeys: ['chimpmunk'], dataKeys: ['chimpmun'] });
      expect(r.findings.every((f) => f.severity === 'high')).toBe(true);
    });
    it('non-existent-service-account.yml: serviceAccount "missing" not found (the deprecated field counts)', async () => {
      // kube-linter reports 2, the second from an OpenShift DeploymentConfig: so does keygraph. The file lists
      // ServiceAccounts of `default`, so it vouches for them even without --complete.
      for (const complete of [true, false]) {
        const r = await gate(path.join(dir, 'non-existent-service-account.yml'), complete);
        expect(summary(r.findings)).toEqual([
          `dangling-reference ${k8sId('fixture', 'default', 'ServiceAccount', 'missing')} <- ${k8sId('fixture', 'default', 'Deployment', 'app')}`,
          `dangling-reference ${k8sId('fixture', 'default', 'ServiceAccount', 'missing')} <- ${k8sId('fixture', 'default', 'DeploymentConfig', 'app')}`,
        ]);
      }
    });
  });

  describe('kubescape non-existent-service-account', () => {
    const base = path.join(REALDATA, 'kubescape-regolibrary/rules/non-existent-service-account/test');
    const cases = existsSync(base) ? readdirSync(base).sort() : [];
    it.each(cases)('%s', async (c) => {
      const r = await gate(path.join(base, c, 'input'));
      const dangling = r.findings.filter((f) => f.rule === 'dangling-reference');
      // Without --complete no fixture lists the ServiceAccounts of the namespace it uses: not in the input (info).
      const partial = (await gate(path.join(base, c, 'input'), false)).findings;
      expect(partial.filter((f) => f.rule === 'dangling-reference')).toEqual([]);
      if (c.startsWith('failed_')) {
        expect(dangling).toHaveLength(1);
        expect(dangling[0]!.evidence.targetKind).toBe('ServiceAccount');
        expect(partial.map((f) => [f.rule, f.severity, f.objects[0]])).toEqual([['unverified-reference', 'info', dangling[0]!.objects[0]]]);
        if (c === 'failed_workload_missing_service_account') {
          // A ServiceAccount `worker` exists in namespace `other`: matching takes the namespace into account.
          expect(dangling[0]!.objects[0]).toBe(k8sId('fixture', 'app', 'ServiceAccount', 'worker'));
        }
      } else {
        expect(dangling).toEqual([]);
        expect(partial).toEqual([]);
      }
    });
  });

  it('kubescape workload-mounted-secrets/failed: a Secret with no namespace is in the same (default) namespace', async () => {
    const r = await gate(path.join(REALDATA, 'kubescape-regolibrary/rules/workload-mounted-secrets/test/failed/input'));
    // kubescape flags "has mounted secret" (a hygiene rule keygraph does not have); for references, no problem.
    expect(r.findings).toEqual([]);
  });

  // kor and clusterlint build their fixtures in Go; EXPECTED.md describes them, so they are written here as YAML and
  // collected into the inventory (unused-Secret is an inventory rule: it needs complete listings; the fixtures are whole
  // clusters, so they are collected with --complete).
  function writeYaml(name: string, docs: string[]): string {
    const d = path.join(tmp, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'all.yaml'), docs.join('\n---\n'));
    return d;
  }
  const secret = (name: string, labels?: Record<string, string>) =>
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n${labels ? `  labels:\n${Object.entries(labels).map(([k, v]) => `    ${k}: "${v}"`).join('\n')}\n` : ''}data:\n  k: dg==`;
  const pod = (name: string, spec: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

  it('kor createTestSecrets: test-secret3 is unused (kor also reports test-secret5 via its kor/used=false label)', async () => {
    const fp = createFingerprinter(Buffer.alloc(32, 9));
    const dir = writeYaml('kor', [
      secret('test-secret1'), secret('test-secret2'), secret('test-secret3'),
      secret('test-secret4', { 'kor/used': 'true' }), secret('test-secret5', { 'kor/used': 'false' }), secret('test-secret6'),
      pod('pod-1', '  containers: [{name: c, image: i}]\n  volumes: [{name: v, secret: {secretName: test-secret1}}]'),
      pod('pod-2', '  containers: [{name: c, image: i}]\n  volumes: [{name: v, secret: {secretName: test-secret2}}]'),
      pod('pod-3', '  containers: [{name: c, image: i, env: [{name: E, valueFrom: {secretKeyRef: {name: test-secret1, key: k}}}]}]'),
      pod('pod-4', '  containers: [{name: c, image: i, envFrom: [{secretRef: {name: test-secret1}}]}]'),
      pod('pod-5', '  containers: [{name: c, image: i}]\n  initContainers: [{name: i, image: i, env: [{name: E, valueFrom: {secretKeyRef: {name: test-secret1, key: k}}}]}]'),
      pod('pod-6', '  containers: [{name: c, image: i}]\n  imagePullSecrets: [{name: test-secret1}, {name: test-secret2}]'),
      pod('pod-7', '  containers: [{name: c, image: i}]\n  initContainers: [{name: i, image: i, envFrom: [{secretRef: {name: test-secret6}}]}]'),
    ]);
    await collectFilesInto({ database: t, fingerprint: fp }, [dir], { cluster: 'kor', namespace: 'kor-ns', quiet: true, complete: true });
    const { findings } = await computeFindings(t, { rules: ['unused-secret'] });
    const unused = findings.filter((f) => f.realm === 'kor').map((f) => f.objects[0]).sort();
    // Disagreement: kor's `kor/used` labels are kor's own exceptions. keygraph reports by references only, so
    // test-secret4 (kor/used=true) is reported too, and test-secret5 for the same reason kor reports it.
    expect(unused).toEqual(['test-secret3', 'test-secret4', 'test-secret5'].map((n) => k8sId('kor', 'kor-ns', 'Secret', n)));
  });

  it('clusterlint unused_secrets: ServiceAccount secrets / imagePullSecrets and projected volumes count as used', async () => {
    const fp = createFingerprinter(Buffer.alloc(32, 9));
    const dir = writeYaml('clusterlint', [
      secret('secret_foo'), secret('sa_secret'), secret('sa_pull'), secret('projected'), secret('vol'),
      `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\nsecrets: [{name: sa_secret}]\nimagePullSecrets: [{name: sa_pull}]`,
      pod('pod_foo', '  containers: [{name: c, image: i}]\n  volumes: [{name: p, projected: {sources: [{secret: {name: projected}}]}}, {name: v, secret: {secretName: vol}}]'),
    ]);
    await collectFilesInto({ database: t, fingerprint: fp }, [dir], { cluster: 'clusterlint', namespace: 'k8s', quiet: true, complete: true });
    const { findings } = await computeFindings(t, { rules: ['unused-secret'] });
    // Exactly one, as clusterlint: `Unused secret` on k8s/secret_foo (underscored names are accepted, not crashed on).
    expect(findings.filter((f) => f.realm === 'clusterlint').map((f) => f.objects[0])).toEqual([k8sId('clusterlint', 'k8s', 'Secret', 'secret_foo')]);
  });
});
