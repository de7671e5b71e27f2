/**
 * Issue "Reliability and security" part 3: the Kubernetes collector's fault matrix, end to end THROUGH THE STORE.
 *
 * fake API server (collectors/kubernetes/testing/fake-apiserver.ts) → collectKubernetesLive → startRun().commit()
 * into a real PostgreSQL (test/db.ts), as `keygraph collect k8s` does.
 *
 * Every scenario uses its own cluster (= store scope):
 *   1. a clean collection of the base data                               → state S0
 *   2. the cluster changes (per resource: one object deleted, one added), the fault is armed, collect again → S1
 *   3. the fault is removed, collect again (recovery)                    → S2 (the truth of the changed cluster)
 * Checks, per kind (nodes by kind, edges by origin kind, as `node_id hash` / `edge_key hash`):
 *   - the faulted run is `succeeded` (every kind complete) or `partial` with exactly the expected kinds incomplete,
 *     and its errors name the API path;
 *   - a kind listed completely in the faulted run equals S2 (deleted objects closed, added ones present);
 *   - a kind NOT listed completely keeps its previous state: S0 ⊆ S1, and S1 ⊆ S0 ∪ S2 (nothing invented);
 *   - the recovery run succeeds.
 * The fault → outcome table is printed with console.table (paste into the closing note).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../db';
import { createFingerprinter } from '../../lib/secrets/fingerprint';
import { startRun, type RunSummary } from '../../lib/store/write';
import { collectKubernetesLive, LIVE_KINDS, REFERENCE_LIVE_KINDS, type LiveCollectOptions } from '../../collectors/kubernetes/live';
import { FakeApiServer, FAKE_RESOURCES, kubeconfigYaml, type FaultRule, type KubeObject } from '../../collectors/kubernetes/testing/fake-apiserver';
import { emitCluster, planCluster } from '../../bench/generate';
import { markdownTable, scopeState, setOf, sameSet, subset, type ScopeState } from './support';

const TOKEN = 'robustness-token';
const fingerprint = createFingerprinter(Buffer.alloc(32, 3));
const PAGE = 50;

/** Base cluster: generated workloads/secrets (several pages per kind) plus one or more of every other kind. */
function baseObjects(): KubeObject[] {
  const plan = planCluster({ secrets: 240, pods: 160, deployments: 40, serviceAccounts: 30, ingresses: 12, namespaces: 6, seed: 7 });
  const objs: KubeObject[] = [...emitCluster(plan)].filter((o) => o.kind !== 'Namespace') as KubeObject[];
  const secretNames = objs.filter((o) => o.kind === 'Secret').map((o) => o.metadata as { name: string; namespace: string });
  const s = (i: number) => secretNames[i % secretNames.length]!;
  const podSpec = (i: number) => ({
    containers: [{ name: 'c', image: 'img:1', envFrom: [{ secretRef: { name: s(i).name } }] }],
  });
  for (let i = 0; i < 3; i++) {
    const ns = s(i).namespace;
    objs.push(
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: `sts-${i}`, namespace: ns }, spec: { template: { spec: podSpec(i) } } },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: `ds-${i}`, namespace: ns }, spec: { template: { spec: podSpec(i + 1) } } },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `job-${i}`, namespace: ns }, spec: { template: { spec: podSpec(i + 2) } } },
      {
        apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: `cron-${i}`, namespace: ns },
        spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: podSpec(i + 3) } } } },
      },
      { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: `cert-${i}`, namespace: ns }, spec: { secretName: `tls-${i}`, dnsNames: [`a${i}.example.com`] } },
      {
        apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: `es-${i}`, namespace: ns },
        spec: { target: { name: `ext-${i}` }, secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' } },
      },
      { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: { name: `sealed-${i}`, namespace: ns }, spec: { encryptedData: { k: 'AgB…' } } },
    );
  }
  return objs;
}

/** The cluster after step 2: per resource, the first object (by key) deleted and one new object added. */
function changedObjects(base: KubeObject[]): KubeObject[] {
  const out = [...base];
  for (const r of FAKE_RESOURCES) {
    const ofKind = out.filter((o) => o.kind === r.kind).sort((a, b) => key(a).localeCompare(key(b)));
    if (ofKind.length < 2) continue;
    out.splice(out.indexOf(ofKind[0]!), 1);
    const copy = structuredClone(ofKind[1]!) as KubeObject;
    const meta = copy.metadata as Record<string, unknown>;
    meta.name = `${String(meta.name)}-added`;
    delete meta.uid;
    delete meta.resourceVersion;
    out.push(copy);
  }
  return out;
}
const key = (o: KubeObject) => `${String(o.metadata?.namespace)}/${String(o.metadata?.name)}`;

interface Scenario {
  name: string;
  /** Where (for the table). */
  target: string;
  rules: FaultRule[];
  /** Kind keys expected incomplete in the faulted run (empty: the fault is survived by retries). */
  incomplete: string[] | 'all';
  /** Client overrides (retry policy, timeout). */
  client?: Partial<LiveCollectOptions>;
  /** Use a kubeconfig with a wrong token / an address nobody listens on. */
  connection?: 'wrongToken' | 'refused';
  /** Extra check on the faulted run (e.g. elapsed time for Retry-After). */
  check?: (r: { summary: RunSummary; ms: number; server: FakeApiServer }) => void;
}

const S = '/api/v1/secrets';
const RETRY = { retries: 3, baseDelayMs: 5, maxDelayMs: 20 };

const SCENARIOS: Scenario[] = [
  { name: '500 twice, then OK', target: 'deployments', rules: [{ path: '/apis/apps/v1/deployments', times: 2, fault: { type: 'status', code: 500 } }], incomplete: [] },
  { name: '500 on every retry (page 3)', target: 'secrets page 3', rules: [{ path: S, page: 3, fault: { type: 'status', code: 500 } }], incomplete: ['k8s:Secret'] },
  { name: '503 etcd leader changed, retries exhausted', target: 'replicasets', rules: [{ path: '/apis/apps/v1/replicasets', fault: { type: 'status', code: 503, message: 'etcd leader changed' } }], incomplete: ['k8s:ReplicaSet'] },
  {
    name: '429 Retry-After: 1, then OK', target: 'pods', incomplete: [],
    rules: [{ path: '/api/v1/pods', times: 1, fault: { type: 'status', code: 429, retryAfterSeconds: 1 } }],
    check: ({ ms, server }) => {
      expect(ms).toBeGreaterThanOrEqual(950);
      expect(server.requestsTo('/api/v1/pods').map((q) => q.outcome).slice(0, 2)).toEqual([429, 200]);
    },
  },
  {
    name: '429 Retry-After: 1 on every attempt', target: 'ingresses', incomplete: ['k8s:Ingress'],
    client: { retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 2 } },
    rules: [{ path: '/apis/networking.k8s.io/v1/ingresses', fault: { type: 'status', code: 429, retryAfterSeconds: 1 } }],
    check: ({ ms }) => expect(ms).toBeGreaterThanOrEqual(1900),
  },
  { name: '410 Gone once (page 2): list restarted', target: 'secrets page 2', rules: [{ path: S, page: 2, times: 1, fault: { type: 'status', code: 410, reason: 'Expired' } }], incomplete: [] },
  { name: '410 Gone on every pass (page 2)', target: 'secrets page 2', rules: [{ path: S, page: 2, fault: { type: 'status', code: 410, reason: 'Expired' } }], incomplete: ['k8s:Secret'] },
  { name: 'timeout once (no answer)', target: 'secrets page 2', rules: [{ path: S, page: 2, times: 1, fault: { type: 'hang' } }], incomplete: [] },
  { name: 'timeout on every attempt', target: 'serviceaccounts', rules: [{ path: '/api/v1/serviceaccounts', fault: { type: 'hang' } }], incomplete: ['k8s:ServiceAccount'] },
  { name: 'connection reset once', target: 'pods page 2', rules: [{ path: '/api/v1/pods', page: 2, times: 1, fault: { type: 'reset' } }], incomplete: [] },
  { name: 'connection reset on every attempt', target: 'pods page 2', rules: [{ path: '/api/v1/pods', page: 2, fault: { type: 'reset' } }], incomplete: ['k8s:Pod'] },
  { name: '403 Forbidden on one kind', target: 'secrets', rules: [{ path: S, fault: { type: 'status', code: 403 } }], incomplete: ['k8s:Secret'] },
  { name: '403 Forbidden on a CRD', target: 'certificates', rules: [{ path: '/apis/cert-manager.io/v1/certificates', fault: { type: 'status', code: 403 } }], incomplete: ['k8s:Certificate'] },
  { name: 'truncated JSON once', target: 'secrets page 4', rules: [{ path: S, page: 4, times: 1, fault: { type: 'truncate' } }], incomplete: [] },
  { name: 'truncated JSON on every attempt', target: 'deployments', rules: [{ path: '/apis/apps/v1/deployments', fault: { type: 'truncate' } }], incomplete: ['k8s:Deployment'] },
  { name: 'malformed body (HTML from a proxy)', target: 'cronjobs', rules: [{ path: '/apis/batch/v1/cronjobs', fault: { type: 'garbage' } }], incomplete: ['k8s:CronJob'] },
  {
    name: 'several faults at once', target: 'secrets p2 410 + pods 403 + jobs 500×2', incomplete: ['k8s:Pod'],
    rules: [
      { path: S, page: 2, times: 1, fault: { type: 'status', code: 410, reason: 'Expired' } },
      { path: '/api/v1/pods', fault: { type: 'status', code: 403 } },
      { path: '/apis/batch/v1/jobs', times: 2, fault: { type: 'status', code: 500 } },
    ],
  },
  { name: '401 wrong credentials', target: 'every kind', rules: [], incomplete: 'all', connection: 'wrongToken' },
  { name: 'API server unreachable (refused)', target: 'every kind', rules: [], incomplete: 'all', connection: 'refused', client: { retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 2 } } },
];

interface Row {
  fault: string;
  target: string;
  run: string;
  incomplete: string;
  'nodes +/~/-': string;
  'edges +/~/-': string;
  'complete kinds = server': string;
  'incomplete kinds kept': string;
  recovery: string;
}

describe('Kubernetes collector fault matrix through the store', () => {
  let t: TestDatabase;
  let tmp: string;
  const base = baseObjects();
  const changed = changedObjects(base);
  const table: Row[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    tmp = mkdtempSync(path.join(tmpdir(), 'keygraph-faults-'));
  });
  afterAll(async () => {
    if (table.length) {
      console.log('\nKubernetes collector: fault → outcome (through the store)');
      console.table(table);
      console.log(markdownTable(table as unknown as Record<string, unknown>[]));
    }
    await t?.drop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  async function collectInto(cluster: string, kubeconfig: string, client: Partial<LiveCollectOptions> = {}) {
    const run = await startRun(t, 'k8s', cluster, { context: cluster });
    try {
      const result = await collectKubernetesLive({
        kubeconfig, context: 'ctx', cluster, fingerprint, pageSize: PAGE, retry: RETRY, requestTimeoutMs: 300, ...client,
      });
      return await run.commit(result);
    } catch (e) {
      await run.fail((e as Error).message);
      throw e;
    }
  }

  for (const [i, sc] of SCENARIOS.entries()) {
    it(`${sc.name} (${sc.target})`, async () => {
      const cluster = `fault-${String(i).padStart(2, '0')}`;
      const server = await FakeApiServer.start({ token: TOKEN });
      try {
        server.addAll(base);
        const kc = path.join(tmp, `${cluster}.kubeconfig`);
        writeFileSync(kc, kubeconfigYaml([{ name: 'ctx', server: server.url, token: TOKEN }], 'ctx'));

        const clean = await collectInto(cluster, kc);
        expect(clean.status, 'clean run').toBe('succeeded');
        const s0 = await scopeState(t.pool, 'k8s', cluster);
        expect(s0.nodes.get('k8s:Secret')?.size).toBeGreaterThan(PAGE * 3);

        // The cluster changes, then the faulted collection.
        for (const o of base) server.remove(resourceOf(o), String(o.metadata?.namespace), String(o.metadata?.name));
        server.addAll(changed);
        server.reset(); // forget the clean run's requests
        for (const r of sc.rules) server.fault(r);
        let faultKc = kc;
        if (sc.connection === 'wrongToken') {
          faultKc = path.join(tmp, `${cluster}-bad.kubeconfig`);
          writeFileSync(faultKc, kubeconfigYaml([{ name: 'ctx', server: server.url, token: 'wrong' }], 'ctx'));
        } else if (sc.connection === 'refused') {
          const dead = await FakeApiServer.start();
          const deadUrl = dead.url;
          await dead.close();
          faultKc = path.join(tmp, `${cluster}-dead.kubeconfig`);
          writeFileSync(faultKc, kubeconfigYaml([{ name: 'ctx', server: deadUrl, token: TOKEN }], 'ctx'));
        }
        const t0 = Date.now();
        const faulted = await collectInto(cluster, faultKc, sc.client);
        const ms = Date.now() - t0;
        const s1 = await scopeState(t.pool, 'k8s', cluster);
        const faultedRun = (await t.pool.query('SELECT status, errors, coverage FROM runs WHERE id = $1', [faulted.runId])).rows[0];

        sc.check?.({ summary: faulted, ms, server });

        // Recovery: no fault, the truth of the changed cluster.
        server.reset();
        const recovery = await collectInto(cluster, kc);
        const s2 = await scopeState(t.pool, 'k8s', cluster);

        // 'all': every kind the collector lists, the custom-resource kinds of the reference table included (discovery
        // fails the same way, so none of them is known to be absent).
        const expectedIncomplete = sc.incomplete === 'all' ? [...new Set([...LIVE_KINDS, ...REFERENCE_LIVE_KINDS].map((k) => k.kindKey as string))] : sc.incomplete;
        // 1. complete or clearly partial
        expect(faultedRun.status).toBe(expectedIncomplete.length ? 'partial' : 'succeeded');
        expect([...faulted.incompleteKinds].sort()).toEqual([...expectedIncomplete].sort());
        if (expectedIncomplete.length) {
          expect(faulted.errors.length).toBeGreaterThan(0);
          for (const e of faulted.errors) expect(e.where).toMatch(/^\/apis?\//);
        } else {
          expect(faulted.errors).toEqual([]);
        }
        expect(recovery.status, 'recovery run').toBe('succeeded');

        // 2. per kind: complete kinds match the server; incomplete kinds keep their previous state
        const kinds = LIVE_KINDS.map((k) => k.kindKey as string);
        const bad = checkKinds(kinds, expectedIncomplete, s0, s1, s2);
        expect(bad).toEqual([]);
        // the change happened for every complete kind (an object deleted and one added)
        const changedKinds = kinds.filter((k) => !sameSet(setOf(s0.nodes, k), setOf(s2.nodes, k)));
        expect(changedKinds.length).toBeGreaterThanOrEqual(10);
        if (expectedIncomplete.length && sc.incomplete !== 'all') expect(faulted.nodes.removed + faulted.edges.removed).toBeGreaterThan(0);
        if (sc.incomplete === 'all') expect(faulted.nodes.removed + faulted.edges.removed).toBe(0);

        // no response body in any error
        const errText = JSON.stringify(faultedRun.errors) + JSON.stringify(faultedRun.coverage);
        expect(errText).not.toMatch(/<html|"items"|"data"/);

        const c = (x: RunSummary['nodes']) => `${x.added}/${x.changed}/${x.removed}`;
        table.push({
          fault: sc.name,
          target: sc.target,
          run: `${faultedRun.status}${ms > 900 ? ` (${(ms / 1000).toFixed(1)} s)` : ''}`,
          incomplete: sc.incomplete === 'all' ? `all ${expectedIncomplete.length} kinds` : expectedIncomplete.map((k) => k.replace('k8s:', '')).join(', ') || '—',
          'nodes +/~/-': c(faulted.nodes),
          'edges +/~/-': c(faulted.edges),
          'complete kinds = server': sc.incomplete === 'all' ? 'n/a' : 'yes',
          'incomplete kinds kept': expectedIncomplete.length ? 'intact' : 'n/a',
          recovery: recovery.status,
        });
      } finally {
        await server.close();
      }
    });
  }
});

const idOf = (entry: string) => entry.slice(0, entry.lastIndexOf(' '));

function resourceOf(o: KubeObject): string {
  const r = FAKE_RESOURCES.find((x) => x.kind === o.kind);
  return r?.resource ?? '';
}

/** Returns a description of every kind that breaks the staleness rule (empty = all good). */
function checkKinds(kinds: string[], incomplete: string[], s0: ScopeState, s1: ScopeState, s2: ScopeState): string[] {
  const bad: string[] = [];
  for (const k of kinds) {
    for (const [what, m0, m1, m2] of [['nodes', s0.nodes, s1.nodes, s2.nodes], ['edges', s0.edges, s1.edges, s2.edges]] as const) {
      const a0 = setOf(m0, k);
      const a1 = setOf(m1, k);
      const a2 = setOf(m2, k);
      if (incomplete.includes(k)) {
        // Every row known before is still current (by id: an object re-listed before the failure may carry a newer
        // version), and nothing appears that was neither known before nor on the server.
        const ids1 = new Set([...a1].map(idOf));
        const lost = [...a0].map(idOf).filter((x) => !ids1.has(x));
        if (lost.length) bad.push(`${k} ${what}: previous state not intact (${lost.length} lost)`);
        const union = new Set([...a0, ...a2]);
        if (!subset(a1, union)) bad.push(`${k} ${what}: ${[...a1].filter((x) => !union.has(x)).length} rows neither known before nor on the server`);
      } else if (!sameSet(a1, a2)) {
        bad.push(`${k} ${what}: complete listing differs from the server (${a1.size} vs ${a2.size})`);
      }
    }
  }
  return bad;
}
