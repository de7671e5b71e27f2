/**
 * Issue 11 "evidence, not silence", end to end on a real PostgreSQL: a GitOps folder with a ReplicationController,
 * an OpenShift DeploymentConfig, a Role and a ClusterRole with resourceNames, an External Secrets SecretStore and a
 * prometheus-operator Prometheus, a duplicate document and a bad namespace, collected with `collectFilesInto` (as
 * `keygraph collect files` does). The mentioned Secrets and ServiceAccounts show who mentions them; unmodelled
 * objects that mention something are stored as generic nodes; every skipped document is in the run's report.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { collectFilesInto } from '../../lib/cli/collect';
import { k8sId } from '../../lib/graph/ids';
import { edgeKindSpec, nodeKindSpec } from '../../lib/graph/model';
import { createFingerprinter } from '../../lib/secrets/fingerprint';
import { getEdges, getNode, getRun } from '../../lib/store/read';
import { edgeDetails, edgeFlags, kindStyle } from '../../lib/ui/format';

const C = 'prod';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (ns: string, name: string, value: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type: 'Opaque', data: { token: b64(value) } });

const docs = [
  secret('payments', 'vault-token', 'vault-token-value'),
  secret('payments', 'stripe-key', 'stripe-value'),
  secret('default', 'victim', 'the-real-victim'),
  { ...secret('../kube-system', 'victim', 'attacker-value') },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'prometheus-k8s', namespace: 'monitoring' } },
  {
    apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: { name: 'vault-backend', namespace: 'payments' },
    spec: { provider: { vault: { server: 'https://vault.example.com', path: 'secret', auth: { tokenSecretRef: { name: 'vault-token', key: 'token' } } } } },
  },
  {
    apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'k8s', namespace: 'monitoring' },
    spec: { replicas: 2, serviceAccountName: 'prometheus-k8s' },
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'stripe-reader', namespace: 'payments' },
    rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['stripe-key'], verbs: ['get'] }],
  },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'vault-token-reader' },
    rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['vault-token'], verbs: ['get', 'watch'] }],
  },
  {
    apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'legacy', namespace: 'payments' },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'legacy:1', env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'stripe-key', key: 'token' } } }] }] } } },
  },
  {
    apiVersion: 'apps.openshift.io/v1', kind: 'DeploymentConfig', metadata: { name: 'web', namespace: 'payments' },
    spec: { template: { spec: { serviceAccountName: 'web', containers: [{ name: 'c', image: 'web:1' }] } } },
  },
  {
    apiVersion: 'apps.openshift.io/v1', kind: 'DeploymentConfig', metadata: { name: 'web', namespace: 'payments' },
    spec: { template: { spec: { serviceAccountName: 'web-v2', containers: [{ name: 'c', image: 'web:2' }] } } },
  },
  { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'payments', namespace: 'argocd' }, spec: { project: 'default' } },
];

describe('mentions, generic nodes and the skipped report, through the store', () => {
  let t: TestDatabase;
  let dir: string;
  let runId: number;

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = mkdtempSync(path.join(os.tmpdir(), 'kg-mentions-'));
    const f = path.join(dir, 'gitops.yaml');
    writeFileSync(f, docs.map((d) => YAML.stringify(d)).join('---\n'));
    const [r] = await collectFilesInto({ database: t, fingerprint: createFingerprinter(Buffer.alloc(32, 7)) }, [dir], { cluster: C, namespace: 'default', quiet: true });
    runId = r!.summary.runId;
  });
  afterAll(async () => {
    await t?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a Secret shows every object that mentions it, with the field path; the mentioning objects are stored', async () => {
    const vaultToken = k8sId(C, 'payments', 'Secret', 'vault-token');
    const inbound = await getEdges(t, vaultToken, 'in');
    expect(inbound.map((e) => [e.kind, e.from, e.properties.field, e.properties.required ?? false]).sort()).toEqual([
      ['MENTIONS', k8sId(C, null, 'ClusterRole', 'vault-token-reader'), 'rules[0].resourceNames[0]', false],
      // Since issue 12 a SecretStore's credentials are a row of the reference table: a precise USES_SECRET (required:
      // not optional), not a MENTIONS.
      ['USES_SECRET', k8sId(C, 'payments', 'SecretStore', 'vault-backend'), 'spec.provider.vault.auth.tokenSecretRef.name', false],
    ]);
    const store = (await getNode(t, k8sId(C, 'payments', 'SecretStore', 'vault-backend')))!;
    expect(store).toMatchObject({ kind: 'SecretStore', missing: false, properties: { generic: true, apiVersion: 'external-secrets.io/v1' } });
    // What the UI shows for them (total lookups, no crash on a kind the model does not declare).
    expect(kindStyle('k8s', 'SecretStore')).toMatchObject({ key: null, label: 'SecretStore' });
    expect(nodeKindSpec('k8s', 'SecretStore').category).toBe('other');
    const m = inbound.find((e) => e.from.includes('SecretStore'))!;
    expect(edgeKindSpec(m.kind).inHeading).toBe('Used by');
    expect(edgeFlags(m.kind, m.properties).map((f) => f.label)).toEqual([]);
    expect(edgeDetails(m.properties)).toEqual(expect.arrayContaining([{ label: 'keys', values: ['token'], mono: true }, { label: 'field', values: ['spec.provider.vault.auth.tokenSecretRef.name'], mono: true }]));

    const stripe = await getEdges(t, k8sId(C, 'payments', 'Secret', 'stripe-key'), 'in');
    expect(stripe.map((e) => [e.kind, e.from]).sort()).toEqual([
      ['MENTIONS', k8sId(C, 'payments', 'Role', 'stripe-reader')],
      ['USES_SECRET', k8sId(C, 'payments', 'ReplicationController', 'legacy')],
    ]);
    const promSa = await getEdges(t, k8sId(C, 'monitoring', 'ServiceAccount', 'prometheus-k8s'), 'in');
    // A Prometheus' pods run as its serviceAccountName: RUNS_AS since issue 12 (a reference-table row).
    expect(promSa.map((e) => [e.kind, e.from, e.properties.field])).toEqual([['RUNS_AS', k8sId(C, 'monitoring', 'Prometheus', 'k8s'), 'spec.serviceAccountName']]);
  });

  it('the duplicate DeploymentConfig: the last document wins; the bad namespace did not overwrite default/victim', async () => {
    const runsAs = await getEdges(t, k8sId(C, 'payments', 'DeploymentConfig', 'web'), 'out');
    expect(runsAs.filter((e) => e.kind === 'RUNS_AS').map((e) => e.to)).toEqual([k8sId(C, 'payments', 'ServiceAccount', 'web-v2')]);
    const victim = (await getNode(t, k8sId(C, 'default', 'Secret', 'victim')))!;
    expect(victim.properties.fingerprints).toEqual({ token: createFingerprinter(Buffer.alloc(32, 7))(Buffer.from('the-real-victim')) });
  });

  it('the run reports every skipped document with its reason and place', async () => {
    const run = (await getRun(t, runId))!;
    expect(run.status).toBe('succeeded');
    expect(run.skipped.map((s) => [s.reason, s.kind, s.name]).sort()).toEqual([
      ['duplicate-id', 'DeploymentConfig', 'web'],
      ['invalid-namespace', 'Secret', 'victim'],
      ['kind-not-read', 'Application', 'payments'],
    ]);
    expect(run.skipped.every((s) => s.where.includes('gitops.yaml'))).toBe(true);
    expect(JSON.stringify(run.skipped)).not.toContain('attacker-value');
  });
});
