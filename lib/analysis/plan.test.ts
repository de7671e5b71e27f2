/**
 * Impact plans on the demo inventory (both cluster days and both GCP days, on a real PostgreSQL): the steps a person
 * takes, aimed at the objects they act on (lib/analysis/plan.ts), and CronJob next runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { loadDemo } from '../../test/demo';
import { gcpKeyId, k8sId } from '../graph/ids';
import { impactOf, type ImpactAction } from './impact';
import { nextCronRun, type PlanStep } from './plan';

const KEY = gcpKeyId('keygraph-demo', '17134a057f76bc8ad12e48ec3bed0149baaf6db5');
const DB_CREDENTIALS = k8sId('demo', 'ota', 'Secret', 'ota-db-credentials');
const BACKUP = k8sId('demo', 'ota', 'CronJob', 'ota-metadata-backup');
const LITE_API = k8sId('demo', 'ota', 'Deployment', 'ota-lite-api');
let t: TestDatabase;

/** The plan of `action` on `id`, computed as of `asOf` (so CronJob next runs are fixed). */
async function planOf(id: string, action: ImpactAction, asOf = new Date()) {
  const r = await impactOf(t, id, { action, asOf });
  expect(r, id).not.toBeNull();
  return r!.plan;
}
const brief = (s: PlanStep) => `${s.kind} ${s.node ?? ''}`;

describe('impact plans on the demo', () => {
  beforeAll(async () => {
    t = await createTestDatabase();
    await loadDemo(t, { gcp: true });
  }, 120_000);
  afterAll(async () => t?.drop());

  it('rotate a Secret: restart the Deployments (not their Pods), the CronJob waits for its next run, finished Pods need nothing', async () => {
    const plan = await planOf(DB_CREDENTIALS, 'rotate');
    expect(plan.steps[0]).toMatchObject({ kind: 'prepare', node: DB_CREDENTIALS });
    expect(plan.steps.at(-1)).toMatchObject({ kind: 'retire' });
    const restarts = plan.steps.filter((s) => s.kind === 'restart');
    expect(restarts.map((s) => s.node).sort()).toEqual([k8sId('demo', 'ota', 'Deployment', 'ota-campaign-scheduler'), LITE_API]);
    const lite = restarts.find((s) => s.node === LITE_API)!;
    expect(lite.command).toBe('kubectl rollout restart deployment/ota-lite-api -n ota');
    expect(lite.text).toBe('Restart Deployment ota/ota-lite-api: it reads the value at start (it loads every key as env vars)');
    // The owner's step covers its ReplicaSet and its three running Pods: no step names a Pod.
    expect(lite.runningPods).toBe(3);
    expect(lite.covers.filter((c) => c.includes('/Pod/'))).toHaveLength(3);
    expect(plan.steps.some((s) => s.node?.includes('/Pod/') || s.node?.includes('/ReplicaSet/'))).toBe(false);
    // The CronJob: its next run, from spec.schedule "30 2 * * *" (UTC), after the impact's time; its Succeeded Pod is not restarted.
    const cron = plan.steps.find((s) => s.node === BACKUP)!;
    expect(cron).toMatchObject({ kind: 'next-run', by: 'automatic' });
    expect(cron.at).toBe(nextCronRun('30 2 * * *', new Date(), 'UTC'));
    expect(cron.text).toMatch(/^CronJob ota\/ota-metadata-backup picks it up at its next run, \d{4}-\d\d-\d\d 02:30 UTC \(schedule 30 2 \* \* \*\)/);
    expect(cron.covers.some((c) => c.includes('/Pod/'))).toBe(false);
    expect(plan.finishedPods).toBe(1);
    // Order: what needs a hand (restart) before what happens by itself (next run).
    expect(plan.steps.findIndex((s) => s.kind === 'restart')).toBeLessThan(plan.steps.findIndex((s) => s.kind === 'next-run'));
    // A Role naming it in resourceNames: someone may read it through the API; a person checks its bindings.
    expect(plan.steps.find((s) => s.kind === 'check')?.text).toBe('Check who Role ota/ota-lite-api is bound to: it grants access to it by name, so they may read it through the API');
  });

  it('rotate a GCP key: new key, update the Secret holding it, the CronJob picks it up, then disable the old key', async () => {
    const asOf = new Date();
    const plan = await planOf(KEY, 'rotate', asOf);
    expect(plan.steps.map(brief)).toEqual([
      `prepare ${KEY}`,
      `update ${k8sId('demo', 'ota', 'Secret', 'ota-backup-uploader-gcp-key')}`,
      `next-run ${BACKUP}`,
      `retire ${KEY}`,
    ]);
    expect(plan.steps[3]!.text).toMatch(/^Then disable the old key 17134a05/);
  });

  it('delete: re-point each owner (how it uses it), then delete with the command', async () => {
    const plan = await planOf(DB_CREDENTIALS, 'delete');
    const repoint = plan.steps.filter((s) => s.kind === 'repoint');
    expect(repoint.map((s) => s.node).sort()).toEqual([BACKUP, k8sId('demo', 'ota', 'Deployment', 'ota-campaign-scheduler'), LITE_API]);
    expect(repoint.find((s) => s.node === LITE_API)!.text).toBe('Re-point Deployment ota/ota-lite-api away from it, or remove the reference (it loads every key as env vars)');
    expect(plan.steps.at(-1)).toMatchObject({ kind: 'act', command: 'kubectl delete secret ota-db-credentials -n ota' });
  });

  it('delete a GCP key: the Secret holding it gets a new key first; what uses that Secret is covered by that step', async () => {
    const plan = await planOf(KEY, 'delete');
    expect(plan.steps.map(brief)).toEqual([`update ${k8sId('demo', 'ota', 'Secret', 'ota-backup-uploader-gcp-key')}`, `act ${KEY}`]);
    expect(plan.steps[0]!.covers).toContain(BACKUP);
  });

  it('rename: point each consumer at the new name', async () => {
    const plan = await planOf(k8sId('demo', 'ota', 'Secret', 'targets-backup-key-2024-10-08'), 'rename');
    expect(plan.steps.map((s) => s.text)).toEqual([
      'Point Deployment ota/ota-campaign-scheduler at the new name (it reads key key-id as env OTA_TARGETS_BACKUP_KEY_ID)',
      'Then rename Secret ota/targets-backup-key-2024-10-08',
    ]);
  });
});

describe('nextCronRun: a CronJob schedule in its time zone', () => {
  const after = new Date('2026-12-04T17:00:00Z');
  it('UTC by default, spec.timeZone when set', () => {
    expect(nextCronRun('30 2 * * *', after)).toBe('2026-12-05T02:30:00.000Z');
    expect(nextCronRun('30 2 * * *', after, 'Europe/Berlin')).toBe('2026-12-05T01:30:00.000Z');
    expect(nextCronRun('@hourly', after)).toBe('2026-12-04T18:00:00.000Z');
  });
  it('undefined for a schedule or zone that does not parse', () => {
    expect(nextCronRun('run:1', after)).toBeUndefined();
    expect(nextCronRun('30 2 * * *', after, 'Mars/Olympus')).toBeUndefined();
  });
});
