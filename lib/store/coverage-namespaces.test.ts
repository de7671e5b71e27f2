/**
 * Completeness of file runs (issue 11 item 4) through `collectFilesInto`, as `keygraph collect files` runs it, on a
 * real PostgreSQL: a file run vouches for a kind in a namespace only where its input holds objects of that kind
 * there; `--complete` vouches for every kind everywhere; the store closes only what the run vouched for (nodes by
 * namespace, edges by their origin object's namespace, OWNS by the child's); an implicit default ServiceAccount
 * never replaces an observed one; skipped documents are stored with the run and do not make it partial.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { collectFilesInto } from '../cli/collect';
import { k8sId } from '../graph/ids';
import { createFingerprinter } from '../secrets/fingerprint';
import { assessScopes, coverageRows, latestRuns } from '../analysis/freshness';
import { getNode, getRun } from './read';

const C = 'prod';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (ns: string, name: string, value = 'demo-not-a-real-value') => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type: 'Opaque', data: { password: b64(value) },
});
const podSpec = (secretName: string, sa?: string) => ({
  ...(sa && { serviceAccountName: sa }),
  containers: [{ name: 'app', image: 'app:1', env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: secretName, key: 'password' } } }] }],
});
const deployment = (ns: string, name: string, secretName: string) => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
  spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec(secretName) } },
});
const replicaSet = (ns: string, name: string, owner: string, secretName: string) => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet',
  metadata: { name, namespace: ns, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: owner, controller: true }] },
  spec: { template: { spec: podSpec(secretName) } },
});
const pod = (ns: string, name: string, secretName: string, owner?: string) => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: ns, ...(owner && { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, controller: true }] }) },
  spec: podSpec(secretName), status: { phase: 'Running', startTime: '2026-12-01T00:00:00Z' },
});
const defaultSa = (ns: string) => ({
  apiVersion: 'v1', kind: 'ServiceAccount',
  metadata: { name: 'default', namespace: ns, annotations: { 'iam.gke.io/gcp-service-account': 'api@acme-prod.iam.gserviceaccount.com' } },
});
const list = (items: unknown[]) => ({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items });

describe('file runs vouch only for what they list', () => {
  let t: TestDatabase;
  let dir: string;
  const rt = () => ({ database: t, fingerprint: createFingerprinter(Buffer.alloc(32, 7)) });
  /** Writes `docs` as one multi-document YAML file (or a JSON List with `json`) in a fresh folder; returns it. */
  let n = 0;
  const input = (docs: unknown[], json = false) => {
    const d = path.join(dir, `in${++n}`);
    mkdirSync(d);
    const f = path.join(d, json ? 'dump.json' : 'manifests.yaml');
    writeFileSync(f, json ? JSON.stringify(list(docs)) : docs.map((x) => YAML.stringify(x)).join('---\n'));
    return d;
  };
  const collect = async (paths: string[], complete = false) => {
    const [r, ...rest] = await collectFilesInto(rt(), paths, { cluster: C, namespace: 'default', quiet: true, complete });
    expect(rest).toHaveLength(0);
    return r!.summary;
  };
  const current = async (id: string) => {
    const node = await getNode(t, id);
    return node ? !node.missing : false;
  };
  const openEdge = async (from: string, kind: string, to: string) =>
    Number((await t.pool.query(`SELECT count(*) AS n FROM edge_versions WHERE from_id = $1 AND kind = $2 AND to_id = $3 AND valid_to IS NULL`, [from, kind, to])).rows[0].n);

  beforeAll(async () => {
    t = await createTestDatabase();
    dir = mkdtempSync(path.join(os.tmpdir(), 'kg-cov-'));
  });
  afterAll(async () => {
    await t?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const payKey = k8sId(C, 'payments', 'Secret', 'stripe-key');
  const webKey = k8sId(C, 'web', 'Secret', 'session-key');
  const api = k8sId(C, 'payments', 'Deployment', 'api');
  const rs = k8sId(C, 'payments', 'ReplicaSet', 'api-5d9f');
  const pod1 = k8sId(C, 'payments', 'Pod', 'api-5d9f-abcde');
  const webPod = k8sId(C, 'web', 'Pod', 'web-0');
  const sa = k8sId(C, 'payments', 'ServiceAccount', 'default');

  it('a full first dump: every kind it holds is complete where it holds it', async () => {
    const s = await collect([
      input([
        secret('payments', 'stripe-key'), defaultSa('payments'), deployment('payments', 'api', 'stripe-key'),
        replicaSet('payments', 'api-5d9f', 'api', 'stripe-key'), pod('payments', 'api-5d9f-abcde', 'stripe-key', 'api-5d9f'),
        secret('web', 'session-key'), pod('web', 'web-0', 'session-key'),
      ]),
    ]);
    expect(s.status).toBe('succeeded');
    const run = (await getRun(t, s.runId))!;
    expect(run.coverage['k8s:Secret']).toEqual({ complete: true, count: 2, namespaces: ['payments', 'web'] });
    expect(run.coverage['k8s:Pod']).toEqual({ complete: true, count: 2, namespaces: ['payments', 'web'] });
    expect(run.coverage['k8s:Deployment']).toEqual({ complete: true, count: 1, namespaces: ['payments'] });
    // The implicit default ServiceAccount of `web` does not make ServiceAccounts listed there.
    expect(run.coverage['k8s:ServiceAccount']).toEqual({ complete: true, count: 1, namespaces: ['payments'] });
    expect(run.coverage['k8s:StatefulSet']).toBeUndefined();
    expect(await current(payKey)).toBe(true);
  });

  it('a kubectl List with one Pod and no Secrets: Secrets are not complete, stored Secrets stay current', async () => {
    const s = await collect([input([pod('payments', 'api-5d9f-fghij', 'stripe-key', 'api-5d9f')], true)]);
    expect(s.status).toBe('succeeded');
    expect(s.nodes.removed).toBe(1); // the replaced Pod, nothing else
    const run = (await getRun(t, s.runId))!;
    expect(run.coverage['k8s:Secret']).toBeUndefined();
    expect(run.coverage['k8s:Pod']).toEqual({ complete: true, count: 1, namespaces: ['payments'] });
    expect(await current(payKey)).toBe(true);
    expect(await current(webKey)).toBe(true);
    expect(await current(api)).toBe(true);
    // Pods of payments were listed: the old Pod and its edges (USES_SECRET from it; OWNS whose origin is the Pod) are gone.
    expect(await current(pod1)).toBe(false);
    expect(await openEdge(pod1, 'USES_SECRET', payKey)).toBe(0);
    expect(await openEdge(rs, 'OWNS', pod1)).toBe(0);
    expect(await openEdge(rs, 'OWNS', k8sId(C, 'payments', 'Pod', 'api-5d9f-fghij'))).toBe(1);
    // Pods of web were not: kept, with their edges. So are the Deployment's and ReplicaSet's edges.
    expect(await current(webPod)).toBe(true);
    expect(await openEdge(webPod, 'USES_SECRET', webKey)).toBe(1);
    expect(await openEdge(api, 'USES_SECRET', payKey)).toBe(1);
    expect(await openEdge(api, 'OWNS', rs)).toBe(1);
    // The observed default ServiceAccount (with its Workload Identity annotation) was not replaced by the implicit one.
    const saNode = (await getNode(t, sa))!;
    expect(saNode.properties.implicit).toBeUndefined();
    expect(saNode.properties.annotations).toMatchObject({ 'iam.gke.io/gcp-service-account': 'api@acme-prod.iam.gserviceaccount.com' });

    // Answers: a question about payments Secrets is not vouched for by this run, with a reason naming kind and namespace.
    const runs = await latestRuns(t);
    expect(coverageRows(runs).filter((r) => r.kind === 'Secret')).toEqual([]);
    const a = await assessScopes(t, { clusters: C, project: null, namespace: 'payments' }, ['k8s:Secret', 'k8s:Pod'], { freshnessHours: 24 });
    expect(a.complete).toBe(false);
    expect(a.reasons).toEqual([`files/${C} run ${s.runId}: not listed completely: k8s:Secret`]);
    const b = await assessScopes(t, { clusters: C, project: null, namespace: 'payments' }, ['k8s:Pod'], { freshnessHours: 24 });
    expect(b.complete).toBe(true);
    const w = await assessScopes(t, { clusters: C, project: null, namespace: 'web' }, ['k8s:Pod'], { freshnessHours: 24 });
    expect(w.reasons).toEqual([`files/${C} run ${s.runId}: Pods of namespace web not in the input`]);
    const all = await assessScopes(t, { clusters: '*', project: null }, ['k8s:Pod'], { freshnessHours: 24 });
    expect(all.complete).toBe(false);
    expect(all.reasons[0]).toMatch(/Pods listed only in namespace\(s\) payments/);
  });

  it("a folder with the namespace's Secrets where the referenced one is gone: Secrets complete there, the renamed one closed", async () => {
    // The post-mortem: stripe-key renamed to stripe-key-v2 (same value), the Deployment still references stripe-key.
    const s = await collect([input([secret('payments', 'stripe-key-v2'), deployment('payments', 'api', 'stripe-key')])]);
    expect(s.status).toBe('succeeded');
    const run = (await getRun(t, s.runId))!;
    expect(run.coverage['k8s:Secret']).toEqual({ complete: true, count: 1, namespaces: ['payments'] });
    expect(await current(payKey)).toBe(false);
    const node = await getNode(t, payKey);
    expect(node?.missing).toBe(true); // a dangling reference, visible from both ends
    expect(await openEdge(api, 'USES_SECRET', payKey)).toBe(1);
    expect(await current(webKey)).toBe(true); // web's Secrets were not in the input
    const rows = coverageRows(await latestRuns(t)).filter((r) => r.kind === 'Secret');
    expect(rows).toEqual([{ provider: 'k8s', realm: C, kind: 'Secret', namespace: 'payments' }]);
    const a = await assessScopes(t, { clusters: C, project: null, namespace: 'payments' }, ['k8s:Secret', 'k8s:Deployment'], { freshnessHours: 24 });
    expect(a).toMatchObject({ complete: true, reasons: [] });
  });

  it('--complete: the input is the whole cluster, every kind complete everywhere', async () => {
    const s = await collect([input([secret('payments', 'stripe-key-v2'), deployment('payments', 'api', 'stripe-key-v2')])], true);
    const run = (await getRun(t, s.runId))!;
    expect(run.coverage['k8s:Secret']).toEqual({ complete: true, count: 1 });
    expect(run.coverage['k8s:StatefulSet']).toEqual({ complete: true, count: 0 });
    expect(run.inputs).toMatchObject({ complete: true });
    expect(await current(webKey)).toBe(false);
    expect(await current(webPod)).toBe(false);
    expect(await openEdge(webPod, 'USES_SECRET', webKey)).toBe(0);
    expect(coverageRows(await latestRuns(t))).toContainEqual({ provider: 'k8s', realm: C, kind: 'Secret', namespace: null });
    const all = await assessScopes(t, { clusters: '*', project: null }, ['k8s:Secret', 'k8s:Pod'], { freshnessHours: 24 });
    expect(all.complete).toBe(true);
  });

  it('skipped documents are stored with the run and reported, and do not make it partial', async () => {
    const widget = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'payments' }, spec: { size: 3 } };
    const d = input([secret('payments', 'stripe-key-v2'), widget, deployment('payments', 'api', 'stripe-key-v2'), deployment('payments', 'api', 'stripe-key-v2')]);
    const s = await collect([d]);
    expect(s.status).toBe('succeeded');
    expect(s.errors).toEqual([]);
    const reasons = s.skipped.map((x) => x.reason).sort();
    expect(reasons).toEqual(['duplicate-id', 'kind-not-read']);
    const kindNotRead = s.skipped.find((x) => x.reason === 'kind-not-read')!;
    expect(kindNotRead).toMatchObject({ kind: 'Widget', name: 'w1', namespace: 'payments' });
    expect(kindNotRead.where).toMatch(/manifests\.yaml:\d+$/);
    const run = (await getRun(t, s.runId))!;
    expect(run.status).toBe('succeeded');
    expect(run.skipped).toEqual(s.skipped);
    expect(run.counts.skipped).toBe(2);
  });
});
