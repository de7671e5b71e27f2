/**
 * Findings and impact over the shipped demo (lib/demo/README.md): two days of cluster `demo`. Checks every story
 * the README promises that concerns analysis.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { collectFilesInto } from '../cli/collect';
import { k8sId } from '../graph/ids';
import { createFingerprinter } from '../secrets/fingerprint';
import { computeFindings, filterFindings, type Finding } from './findings';
import { impactOf } from './impact';
import { DEMO_COLLECT_OPTIONS } from '../demo/build';

const demo = path.resolve(import.meta.dirname, '../demo');
/** Every finding of day 2 (README's stories): the time bombs, the rename, an optional missing Secret, keys left unread,
 * pods holding old env values, the operator that reads every Secret. `severity rule primary-object`, sorted. */
const DAY2_FINDINGS = [
  'critical dangling-reference k8s:demo/monitoring/Secret/grafana-smtp',
  'critical dangling-reference k8s:demo/ota/Secret/targets-backup-key',
  'high renamed-secret k8s:demo/ota/Secret/targets-backup-key',
  // The external-secrets operator's ClusterRoleBinding lets its ServiceAccount read every Secret of the cluster (by
  // design: it writes them), and its Deployment runs as it.
  'high workload-reads-all-secrets k8s:demo/external-secrets/ServiceAccount/external-secrets',
  'low dangling-reference k8s:demo/payments/Secret/launchdarkly-sdk-key',
  'low unused-data-key k8s:demo/ota/Secret/targets-backup-key-2024-10-08',
  'low unused-data-key k8s:demo/payments/Secret/payments-stripe',
  // ota-db-password got version 4 in Secret Manager at 05:20 on day 2 and the operator synced it into
  // ota-db-credentials at 05:41: the ota-lite-api and ota-campaign-scheduler pods (envFrom / env) started before.
  'medium pod-env-stale k8s:demo/ota/Secret/ota-db-credentials',
  'medium pod-env-stale k8s:demo/ota/Secret/ota-db-credentials',
  'medium pod-env-stale k8s:demo/payments/Secret/payments-db',
  'medium pod-env-stale k8s:demo/payments/Secret/payments-db',
  'medium pod-env-stale k8s:demo/payments/Secret/payments-stripe',
];
const id = (ns: string, kind: string, name: string) => k8sId('demo', ns, kind, name);

describe('demo cluster', () => {
  let t: TestDatabase;
  let day1: Finding[];
  let day2: Finding[];
  beforeAll(async () => {
    t = await createTestDatabase();
    const rt = { database: t, fingerprint: createFingerprinter(Buffer.alloc(32, 3)) };
    // As `keygraph demo` collects them: whole-cluster dumps (complete).
    await collectFilesInto(rt, [path.join(demo, 'day1')], { ...DEMO_COLLECT_OPTIONS, quiet: true });
    day1 = (await computeFindings(t)).findings;
    await new Promise((r) => setTimeout(r, 20));
    await collectFilesInto(rt, [path.join(demo, 'day2')], { ...DEMO_COLLECT_OPTIONS, quiet: true });
    day2 = (await computeFindings(t)).findings;
  });
  afterAll(async () => t?.drop());

  const summary = (fs: Finding[]) => fs.map((f) => `${f.severity} ${f.rule} ${f.objects[0]}`).sort();

  it('day 1: grafana-smtp time bomb, optional launchdarkly, missing webhook-secret key', () => {
    expect(summary(day1)).toEqual(expect.arrayContaining([
      `critical dangling-reference ${id('monitoring', 'Secret', 'grafana-smtp')}`,
      `low dangling-reference ${id('payments', 'Secret', 'launchdarkly-sdk-key')}`,
    ]));
    const mk = day1.filter((f) => f.rule === 'missing-data-key');
    expect(mk.map((f) => f.objects[0])).toContain(id('payments', 'Secret', 'payments-stripe'));
    expect(mk.find((f) => f.objects[0] === id('payments', 'Secret', 'payments-stripe'))!.evidence.missingKeys).toEqual(['webhook-secret']);
    expect(day1.filter((f) => f.rule === 'renamed-secret')).toEqual([]);
  });

  it('day 2: rename + time bomb for targets-backup-key; missing key fixed; pods started before payments-db changed', () => {
    const old = id('ota', 'Secret', 'targets-backup-key');
    const renamed = day2.find((f) => f.rule === 'renamed-secret')!;
    expect(renamed.objects.slice(0, 2)).toEqual([old, id('ota', 'Secret', 'targets-backup-key-2024-10-08')]);
    const bomb = day2.find((f) => f.rule === 'dangling-reference' && f.objects[0] === old)!;
    expect(bomb.severity).toBe('critical');
    expect(bomb.objects[1]).toBe(id('ota', 'Deployment', 'ota-lite-api'));
    expect(bomb.evidence.runningPods).toHaveLength(3);
    expect(day2.filter((f) => f.rule === 'missing-data-key' && f.objects[0] === id('payments', 'Secret', 'payments-stripe'))).toEqual([]);
    const stale = day2.filter((f) => f.rule === 'pod-env-stale');
    expect(stale.map((f) => f.objects[0])).toContain(id('payments', 'Secret', 'payments-db'));
    const roots = stale.map((f) => f.objects[1]);
    expect(roots).toContain(id('payments', 'StatefulSet', 'ledger-db'));
    // payments-stripe gained webhook-secret after payments-api started: also stale (the env var is unset in them).
    expect(stale.map((f) => f.objects[0])).toContain(id('payments', 'Secret', 'payments-stripe'));
    // Only keys the pods read count: ledger-db reads DB_PASSWORD, payments-api's init container DATABASE_URL.
    for (const f of stale.filter((x) => x.objects[0] === id('payments', 'Secret', 'payments-db'))) {
      expect((f.evidence.changedKeys as string[]).length).toBeGreaterThan(0);
      for (const k of f.evidence.changedKeys as string[]) expect(['DB_PASSWORD', 'DATABASE_URL']).toContain(k);
    }
  });

  it('no GCP data collected: no Workload Identity or key findings are guessed', () => {
    expect(day2.filter((f) => f.rule.startsWith('workload-identity') || f.rule.startsWith('key-') || f.rule === 'secret-holds-dead-key')).toEqual([]);
  });

  it('filters', () => {
    expect(filterFindings(day2, { severity: 'critical' }).every((f) => f.severity === 'critical')).toBe(true);
    expect(filterFindings(day2, { namespace: 'payments' }).every((f) => f.namespace === 'payments')).toBe(true);
    expect(filterFindings(day2, { realm: 'elsewhere' })).toEqual([]);
  });

  it('impact on the new Secret lists ota-campaign-scheduler', async () => {
    const r = (await impactOf(t, id('ota', 'Secret', 'targets-backup-key-2024-10-08')))!;
    expect(r.verdict).toBe('breaks');
    expect(r.affected.map((a) => a.node.id)).toContain(id('ota', 'Deployment', 'ota-campaign-scheduler'));
  });

  it('impact on a GCP key held in a Secret that workloads use breaks, even while the project was never collected (the reasons say the list may be incomplete)', async () => {
    const holds = await t.pool.query(`SELECT to_id FROM edge_versions WHERE kind = 'HOLDS_KEY' AND valid_to IS NULL LIMIT 1`);
    const key = holds.rows[0].to_id as string;
    const r = (await impactOf(t, key))!;
    expect(r.verdict).toBe('breaks');
    expect(r.breaking.length).toBeGreaterThan(0);
    expect(r.reasons.join(' ')).toMatch(/never been collected/);
    expect(r.affected.some((a) => a.node.kind === 'Secret')).toBe(true);
    const rotate = (await impactOf(t, key, { action: 'rotate' }))!;
    expect(rotate.affected.find((a) => a.node.kind === 'Secret')!.role).toBe('update');
    expect(rotate.affected.filter((a) => a.node.kind !== 'Secret').every((a) => a.role === 'restart' || a.role === 'reload' || a.role === 'optional')).toBe(true);
  });

  it('day 2 findings, in full: the stories and nothing else (no kube-root-ca.crt a pod token volume reads is missing)', () => {
    expect(summary(day2)).toEqual(DAY2_FINDINGS);
  });
});
