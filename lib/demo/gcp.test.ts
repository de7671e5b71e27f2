/**
 * Checks the shipped GCP demo snapshots (lib/demo/gcp/day1, day2; project keygraph-demo): they are what build.ts
 * renders, `collect files` accepts every document with full coverage and no warning, they tell the story
 * lib/demo/README.md tells ("GCP IAM"), and loaded the way `keygraph demo` loads them (cluster days as runs 1 and 2,
 * GCP IAM days as runs 3 and 4, Secret Manager days as runs 5 and 6) they produce the findings and impact verdicts
 * the README promises ("Secret Manager" included).
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { collectFiles } from '../../collectors/files';
import { collectFilesInto } from '../cli/collect';
import { computeFindings, type Finding } from '../analysis/findings';
import { impactOf } from '../analysis/impact';
import { gcpKeyId, gcpServiceAccountId, k8sId } from '../graph/ids';
import { createFingerprinter } from '../secrets/fingerprint';
import { getEdges, getNode } from '../store/read';
import { DEMO_COLLECT_OPTIONS, DEMO_KEY_FILES, DEMO_PROJECT_NUMBER, buildGcpDay, renderGcpFile, type Day } from './build';

const dir = path.dirname(new URL(import.meta.url).pathname);
const gcpDir = (day: Day) => path.join(dir, 'gcp', `day${day}`);
const smDir = (day: Day) => path.join(dir, 'secretmanager', `day${day}`);
const N = DEMO_PROJECT_NUMBER;
const smSecret = (s: string) => `gcp:${N}/Secret/${s}`;
const smVersion = (s: string, v: number) => `gcp:${N}/SecretVersion/${s}@${v}`;
const P = 'keygraph-demo';
const UPLOADER_KEY = DEMO_KEY_FILES.otaBackupUploader.privateKeyId;
const SHIPPER_KEY = DEMO_KEY_FILES.logShipper.privateKeyId;
const email = (a: string) => `${a}@${P}.iam.gserviceaccount.com`;
const fingerprint = createFingerprinter(Buffer.alloc(32, 7));

describe.each([1, 2] as const)('GCP demo day %i', (day) => {
  it('is exactly what build.ts renders', () => {
    const built = buildGcpDay(day);
    expect(readdirSync(gcpDir(day)).sort()).toEqual(built.map((f) => f.file).sort());
    for (const f of built) {
      expect(readFileSync(path.join(gcpDir(day), f.file), 'utf8'), `${f.file}: run node --import tsx lib/demo/build.ts`).toBe(renderGcpFile(f));
    }
  });

  it('is accepted whole by collect files: one run for the project, every kind covered, no warning', async () => {
    const { collections, errors } = await collectFiles([gcpDir(day)], { cluster: 'demo', namespace: 'default', fingerprint });
    expect(errors).toEqual([]);
    expect(collections).toHaveLength(1);
    const c = collections[0]!;
    expect([c.source, c.scope]).toEqual(['files', P]);
    expect(c.result.coverage).toMatchObject({ 'gcp:ServiceAccount': { complete: true }, 'gcp:ServiceAccountKey': { complete: true } });
    const ids = c.result.nodes.map((n) => n.id);
    expect(ids).toContain(gcpKeyId(P, UPLOADER_KEY));
    expect(ids.includes(gcpKeyId(P, SHIPPER_KEY))).toBe(day === 1);
    const sa = (a: string) => c.result.nodes.find((n) => n.id === gcpServiceAccountId(P, email(a)))!;
    expect(sa('ota-lite-api').properties.workloadIdentityMembers).toEqual([
      expect.objectContaining({ namespace: 'ota', ksa: 'ota-lite-api', member: `serviceAccount:${P}.svc.id.goog[ota/ota-lite-api]` }),
    ]);
    expect(sa('payments-api').properties.workloadIdentityMembers).toEqual([expect.objectContaining({ namespace: 'payments', ksa: 'payments-api' })]);
    expect(sa('legacy-ci-deployer').properties.disabled).toBe(true);
    expect(sa('log-shipper').properties.workloadIdentityMembers).toEqual([]);
    const key = c.result.nodes.find((n) => n.id === gcpKeyId(P, UPLOADER_KEY))!;
    expect(key.properties).toMatchObject({ keyType: 'USER_MANAGED', disabled: false, lastUseCovered: true, validAfterTime: '2024-05-14T16:18:41.000Z' });
    // Only Policy Analyzer key activity was queried: service-account last use stays unknown.
    expect(sa('ota-backup-uploader').properties.lastUseCovered).toBe(false);
  });

  it('Secret Manager: collect files makes one run for the project number, secrets and versions covered, no warning', async () => {
    const { collections, errors } = await collectFiles([smDir(day)], { cluster: 'demo', namespace: 'default', fingerprint });
    expect(errors).toEqual([]);
    expect(collections.map((c) => [c.source, c.scope, c.provider])).toEqual([['files', N, 'gcp']]);
    const c = collections[0]!;
    expect(c.result.coverage).toMatchObject({ 'gcp:Secret': { complete: true, count: 4 }, 'gcp:SecretVersion': { complete: true, count: day === 1 ? 9 : 10 } });
    const node = (id: string) => c.result.nodes.find((n) => n.id === id)!;
    expect(node(smSecret('ota-db-config')).properties.replication).toEqual({ mode: 'userManaged', locations: ['europe-west1', 'europe-west4'] });
    expect(node(smSecret('ota-db-password')).properties.replication).toEqual({ mode: 'automatic' });
    expect(node(smVersion('ota-db-password', 1)).properties).toMatchObject({ state: 'DESTROYED', destroyTime: '2024-06-12T09:30:02.118Z' });
    expect(node(smVersion('ota-db-password', 3)).properties.state).toBe(day === 1 ? 'ENABLED' : 'DISABLED');
    expect(node(smSecret('ota-targets-signing-key')).properties.iamBindings).toEqual(expect.arrayContaining([
      { role: 'roles/secretmanager.secretAccessor', members: [`serviceAccount:${email('ota-backup-uploader')}`, `serviceAccount:${email('ota-lite-api')}`] },
    ]));
  });

  it('holds no key material', () => {
    for (const f of readdirSync(gcpDir(day))) {
      const text = readFileSync(path.join(gcpDir(day), f), 'utf8');
      expect(text, f).not.toMatch(/privateKeyData|private_key|PRIVATE KEY/);
    }
  });
});

describe('the full demo (cluster days, then GCP days)', () => {
  let t: TestDatabase;
  let findings: Finding[];
  beforeAll(async () => {
    t = await createTestDatabase();
    const rt = { database: t, fingerprint };
    // As `keygraph demo` loads them: each cluster day is a whole-cluster dump (--complete).
    for (const d of ['day1', 'day2']) await collectFilesInto(rt, [path.join(dir, d)], { ...DEMO_COLLECT_OPTIONS, quiet: true });
    for (const d of [1, 2] as const) await collectFilesInto(rt, [gcpDir(d)], { cluster: 'demo', namespace: 'default', quiet: true });
    for (const d of [1, 2] as const) await collectFilesInto(rt, [smDir(d)], { cluster: 'demo', namespace: 'default', quiet: true });
    findings = (await computeFindings(t)).findings;
  });
  afterAll(async () => t?.drop());

  it('loads as runs 1..6: cluster demo twice, project keygraph-demo twice, its Secret Manager (by number) twice', async () => {
    const runs = await t.prisma.run.findMany({ orderBy: { id: 'asc' } });
    expect(runs.map((r) => `${r.id} ${r.scope} ${r.status}`)).toEqual(['1 demo succeeded', '2 demo succeeded', `3 ${P} succeeded`, `4 ${P} succeeded`, `5 ${N} succeeded`, `6 ${N} succeeded`]);
  });

  it('every finding of the full demo, each for a reason README.md tells', () => {
    expect(findings.map((f) => `${f.severity} ${f.rule} ${f.objects[0]}`).sort()).toEqual([
      // The cluster's stories (lib/analysis/demo.test.ts explains each).
      'critical dangling-reference k8s:demo/monitoring/Secret/grafana-smtp',
      'critical dangling-reference k8s:demo/ota/Secret/targets-backup-key',
      // GCP stopped listing the key monitoring/secrets-store-creds holds, and the log-shipper pods run.
      `critical secret-holds-dead-key k8s:demo/monitoring/Secret/secrets-store-creds`,
      'high renamed-secret k8s:demo/ota/Secret/targets-backup-key',
      // The external-secrets operator reads every Secret of the cluster (ClusterRoleBinding), on purpose.
      'high workload-reads-all-secrets k8s:demo/external-secrets/ServiceAccount/external-secrets',
      'low dangling-reference k8s:demo/payments/Secret/launchdarkly-sdk-key',
      // Seen from today, both user-managed keys of ota-backup-uploader@ are past 90 days (see the README).
      `low key-unused ${gcpKeyId(P, '17134a057f76bc8ad12e48ec3bed0149baaf6db5')}`,
      `low key-unused ${gcpKeyId(P, '68633b20c24c71a786c260a2807e6f236631c2b2')}`,
      'low unused-data-key k8s:demo/ota/Secret/targets-backup-key-2024-10-08',
      'low unused-data-key k8s:demo/payments/Secret/payments-stripe',
      `medium key-too-old ${gcpKeyId(P, '17134a057f76bc8ad12e48ec3bed0149baaf6db5')}`,
      `medium key-too-old ${gcpKeyId(P, '68633b20c24c71a786c260a2807e6f236631c2b2')}`,
      // Secret Manager's ota-db-password rotation (version 4), synced into ota-db-credentials after the pods started.
      'medium pod-env-stale k8s:demo/ota/Secret/ota-db-credentials',
      'medium pod-env-stale k8s:demo/ota/Secret/ota-db-credentials',
      'medium pod-env-stale k8s:demo/payments/Secret/payments-db',
      'medium pod-env-stale k8s:demo/payments/Secret/payments-db',
      'medium pod-env-stale k8s:demo/payments/Secret/payments-stripe',
      `medium workload-identity-half-configured ${k8sId('demo', 'payments', 'ServiceAccount', 'payments-api')}`,
    ]);
  });

  it('Secret Manager: `latest` follows the newest enabled version, day 2 moved it from version 3 to 4', async () => {
    const fetches = async (asOf?: Date) => (await t.pool.query(
      `SELECT DISTINCT ON (edge_key) from_id, to_id, properties FROM edge_versions
       WHERE kind = 'FETCHES_SECRET' AND valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1) ORDER BY edge_key, valid_from DESC`,
      [asOf ?? new Date()])).rows.map((r) => `${r.from_id} → ${r.to_id}${r.properties.alias ? ' (latest)' : ''}`).sort();
    const es = k8sId('demo', 'ota', 'ExternalSecret', 'ota-db-credentials');
    const now = await fetches();
    expect(now).toEqual([
      `${k8sId('demo', 'monitoring', 'SecretProviderClass', 'log-shipper-sink')} → ${smVersion('log-sink-token', 2)}`,
      `${es} → ${smVersion('ota-db-config', 1)}`,
      `${es} → ${smVersion('ota-db-password', 4)} (latest)`,
      `${k8sId('demo', 'ota', 'SecretProviderClass', 'ota-lite-api-signing')} → ${smVersion('ota-targets-signing-key', 3)} (latest)`,
      `${k8sId('demo', 'ota', 'SecretProviderClass', 'ota-metadata-backup-verify')} → ${smVersion('ota-targets-signing-key', 2)}`,
    ]);
    const run5 = (await t.prisma.run.findUnique({ where: { id: 5 } }))!.committedAt!;
    expect(await fetches(run5)).toContain(`${es} → ${smVersion('ota-db-password', 3)} (latest)`);
    const v3 = (await getNode(t, smVersion('ota-db-password', 3)))!;
    expect(v3.properties.state).toBe('DISABLED');
  });

  it('Secret Manager impact: disabling the newest enabled signing key breaks the `latest` pods, not the pinned backup', async () => {
    const opts = { action: 'disable' as const, freshnessHours: 24 * 365 * 100 };
    const latest = (await impactOf(t, smVersion('ota-targets-signing-key', 3), opts))!;
    expect(latest.verdict).toBe('breaks');
    const running = latest.affected.filter((a) => a.node.kind === 'Pod' && a.phase === 'Running').map((a) => a.node.name).sort();
    expect(running).toEqual(['ota-lite-api-7c9d8f6b54-m8hzt', 'ota-lite-api-7c9d8f6b54-r4wvn', 'ota-lite-api-7c9d8f6b54-x2kqp']);
    expect(latest.affected.map((a) => a.node.id)).not.toContain(k8sId('demo', 'ota', 'CronJob', 'ota-metadata-backup'));
    const pinned = (await impactOf(t, smVersion('ota-targets-signing-key', 2), opts))!;
    expect(pinned.affected.map((a) => a.node.id)).toEqual(expect.arrayContaining([
      k8sId('demo', 'ota', 'SecretProviderClass', 'ota-metadata-backup-verify'), k8sId('demo', 'ota', 'CronJob', 'ota-metadata-backup'),
    ]));
    expect(pinned.affected.map((a) => a.node.id)).not.toContain(k8sId('demo', 'ota', 'Deployment', 'ota-lite-api'));
    // A disabled version nobody reads: nothing depends on it.
    const old = (await impactOf(t, smVersion('ota-db-password', 3), opts))!;
    expect(old.affected).toEqual([]);
  });

  it('Secret Manager: what uses ota-db-password walks ExternalSecret → Secret → the ota pods', async () => {
    const r = (await impactOf(t, smSecret('ota-db-password'), { freshnessHours: 24 * 365 * 100 }))!;
    expect(r.verdict).toBe('breaks');
    const ids = r.affected.map((a) => a.node.id);
    expect(ids).toEqual(expect.arrayContaining([
      k8sId('demo', 'ota', 'ExternalSecret', 'ota-db-credentials'), k8sId('demo', 'ota', 'Secret', 'ota-db-credentials'),
      k8sId('demo', 'ota', 'Deployment', 'ota-lite-api'), k8sId('demo', 'ota', 'Deployment', 'ota-campaign-scheduler'),
    ]));
    expect(r.affected.filter((a) => a.node.kind === 'Pod' && a.phase === 'Running')).toHaveLength(4);
  });

  it('finds the Secret holding a key GCP no longer lists', () => {
    const f = findings.filter((x) => x.rule === 'secret-holds-dead-key');
    expect(f.map((x) => x.objects.slice(0, 2))).toEqual([[k8sId('demo', 'monitoring', 'Secret', 'secrets-store-creds'), gcpKeyId(P, SHIPPER_KEY)]]);
    expect(f[0]!.evidence).toMatchObject({ state: 'deleted', clientEmail: email('log-shipper') });
    // The running pods that read the Secret follow the two primary objects, and make it critical.
    const running = f[0]!.evidence.runningPods as string[];
    expect(f[0]!.objects.slice(2)).toEqual(running);
    expect(f[0]!.severity).toBe(running.length ? 'critical' : 'high');
    expect(running.every((id) => id.startsWith(k8sId('demo', 'monitoring', 'Pod', '')))).toBe(true);
  });

  it('finds the half-configured Workload Identity of payments/payments-api, and not of ota/ota-lite-api', () => {
    const wi = findings.filter((x) => x.rule === 'workload-identity-half-configured');
    expect(wi.map((x) => x.objects)).toEqual([[k8sId('demo', 'payments', 'ServiceAccount', 'payments-api'), gcpServiceAccountId(P, email('payments-api'))]]);
    expect(wi[0]!.evidence).toMatchObject({ half: 'binding-only', annotation: false, binding: true });
  });

  it('finds the old, unused predecessor key of ota-backup-uploader (and no finding for disabled or Google-managed keys)', () => {
    const keyRules = findings.filter((x) => x.rule === 'key-too-old' || x.rule === 'key-unused');
    const old = keyRules.filter((x) => x.objects[0] !== gcpKeyId(P, UPLOADER_KEY)).map((x) => `${x.rule} ${x.objects[0]}`).sort();
    // Seen from today every user-managed key of this 2024 snapshot is past the limits; the predecessor was already on
    // the snapshot days (created 2023-11-02, last used 2024-05-14).
    expect(old).toEqual([`key-too-old ${gcpKeyId(P, '68633b20c24c71a786c260a2807e6f236631c2b2')}`, `key-unused ${gcpKeyId(P, '68633b20c24c71a786c260a2807e6f236631c2b2')}`]);
  });

  it('links both Workload Identity halves for ota/ota-lite-api', async () => {
    const gsa = gcpServiceAccountId(P, email('ota-lite-api'));
    const acts = (await getEdges(t, gsa, 'in')).filter((e) => e.kind === 'ACTS_AS');
    expect(acts.map((e) => [e.other.id, e.properties.annotation, e.properties.binding])).toEqual([[k8sId('demo', 'ota', 'ServiceAccount', 'ota-lite-api'), true, true]]);
  });

  it('keeps what GCP last said about the deleted key, and the key is a missing node now', async () => {
    const key = (await getNode(t, gcpKeyId(P, SHIPPER_KEY)))!;
    expect(key.missing).toBe(true);
    const was = (await getNode(t, gcpKeyId(P, SHIPPER_KEY), { asOf: (await t.prisma.run.findUnique({ where: { id: 3 } }))!.committedAt! }))!;
    expect(was.missing).toBe(false);
    expect(was.properties).toMatchObject({ keyType: 'USER_MANAGED', lastAuthenticatedAt: '2024-10-07T03:58:27.000Z' });
  });

  it('impact: deleting the uploader key breaks its holder Secret and the CronJob; the GSA reaches the ota-lite-api pods', async () => {
    const key = (await impactOf(t, gcpKeyId(P, UPLOADER_KEY), { freshnessHours: 24 * 365 * 100 }))!;
    expect(key.verdict).toBe('breaks');
    expect(key.reasons).toEqual([]);
    const ids = key.affected.map((a) => a.node.id);
    expect(ids).toEqual(expect.arrayContaining([k8sId('demo', 'ota', 'Secret', 'ota-backup-uploader-gcp-key'), k8sId('demo', 'ota', 'CronJob', 'ota-metadata-backup')]));
    const gsa = (await impactOf(t, gcpServiceAccountId(P, email('ota-lite-api')), { freshnessHours: 24 * 365 * 100 }))!;
    expect(gsa.verdict).toBe('breaks');
    expect(gsa.affected.filter((a) => a.node.kind === 'Pod' && a.phase === 'Running').map((a) => a.node.name)).toHaveLength(4);
  });
});
