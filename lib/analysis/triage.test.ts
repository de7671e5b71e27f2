/**
 * The node page's triage header on the demo inventory (both cluster days and both GCP days, on a real PostgreSQL):
 * the answers a person reads first must match the incident the demo tells (lib/demo/README.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { loadDemo } from '../../test/demo';
import { DEMO_KEY_FILES } from '../demo/build';
import { gcpKeyId, k8sId } from '../graph/ids';
import { computeFindings, type Finding } from './findings';
import { impactOf, type ImpactAction } from './impact';
import { missingSummary, triage } from './triage';

let t: TestDatabase;
let findings: Finding[];

async function triageOf(id: string, action: ImpactAction = 'delete') {
  const impact = await impactOf(t, id, { action });
  return triage(impact!, findings.filter((f) => f.objects.includes(id)));
}

describe('triage header on the demo', () => {
  beforeAll(async () => {
    t = await createTestDatabase();
    await loadDemo(t, { gcp: true });
    findings = (await computeFindings(t)).findings;
  }, 120_000);
  afterAll(async () => t?.drop());

  it('the renamed Secret: missing, 3 running pods fail at the next restart, the new name as replacement', async () => {
    const r = await triageOf(k8sId('demo', 'ota', 'Secret', 'targets-backup-key'));
    expect(r.health).toBe('missing');
    expect(r.runningPodsAtRisk).toBe(3);
    expect(r.replacement?.id).toBe(k8sId('demo', 'ota', 'Secret', 'targets-backup-key-2024-10-08'));
    expect(r.findings.map((f) => f.rule)).toEqual(expect.arrayContaining(['dangling-reference', 'renamed-secret']));
  });

  it('the new name of the rename is not at risk itself: it says what still references the old name', async () => {
    const r = await triageOf(k8sId('demo', 'ota', 'Secret', 'targets-backup-key-2024-10-08'));
    expect(r.health).not.toBe('at-risk');
    expect(r.renamedFrom?.id).toBe(k8sId('demo', 'ota', 'Secret', 'targets-backup-key'));
    expect(r.renamedFrom?.references).toContain(k8sId('demo', 'ota', 'Deployment', 'ota-lite-api'));
    expect(r.verdict).toBe('breaks'); // ota-campaign-scheduler already uses the new name
  });

  it('the Deployment still pointing at the old name is at risk, worst finding first', async () => {
    const r = await triageOf(k8sId('demo', 'ota', 'Deployment', 'ota-lite-api'));
    expect(r.health).toBe('at-risk');
    expect(r.findings[0]!.rule).toBe('dangling-reference');
    expect(['critical', 'high']).toContain(r.worst);
  });

  it('an optional missing Secret is missing, but no running pod fails because of it', async () => {
    const r = await triageOf(k8sId('demo', 'payments', 'Secret', 'launchdarkly-sdk-key'));
    expect(r.health).toBe('missing');
    expect(r.runningPodsAtRisk).toBe(0);
    expect(r.breaking).toEqual([]);
  });

  it('a GCP key held by a mounted Secret: deleting it breaks its consumers', async () => {
    const id = gcpKeyId('keygraph-demo', DEMO_KEY_FILES.otaBackupUploader.privateKeyId);
    const r = await triageOf(id);
    expect(r.verdict).toBe('breaks');
    expect(r.breaking).toContain(k8sId('demo', 'ota', 'Secret', 'ota-backup-uploader-gcp-key'));
  });

  it('with data older than the freshness limit, an unremarkable object is "not sure", never OK', async () => {
    const id = k8sId('demo', 'monitoring', 'ConfigMap', 'grafana-ini');
    const impact = await impactOf(t, id, { action: 'delete', freshnessHours: 1e-6 }); // 3.6 ms: every run is older
    const r = triage(impact!, []);
    expect(impact!.reasons.length).toBeGreaterThan(0);
    expect(r.health).toBe('unknown');
  });
});

describe('Missing list rows on the demo', () => {
  let db: TestDatabase;
  let all: Finding[];
  beforeAll(async () => {
    db = await createTestDatabase();
    await loadDemo(db);
    all = (await computeFindings(db)).findings;
  }, 120_000);
  afterAll(async () => db?.drop());

  it('tells the time bomb from the harmless optional reference', () => {
    const bomb = missingSummary(k8sId('demo', 'ota', 'Secret', 'targets-backup-key'), all);
    expect(bomb).toMatchObject({ runningPods: 3, optional: false });
    expect(bomb.referencedBy).toContain(k8sId('demo', 'ota', 'Deployment', 'ota-lite-api'));
    expect(['critical', 'high']).toContain(bomb.severity);
    const optional = missingSummary(k8sId('demo', 'payments', 'Secret', 'launchdarkly-sdk-key'), all);
    expect(optional).toMatchObject({ runningPods: 0, optional: true, referencedBy: [k8sId('demo', 'payments', 'Deployment', 'payments-api')] });
    expect(['low', 'info']).toContain(optional.severity);
  });
});
