/**
 * The findings cache (lib/analysis/cache.ts) on a real database: current findings are stored as a snapshot shared by
 * every process; results follow committed runs for callers that need them current; stale-tolerant callers (node
 * pages, the explorer) keep the stored snapshot while collections commit in quick succession instead of recomputing
 * the whole graph for each; a node's findings are read through the index; concurrent refreshes compute once; past
 * times are computed on demand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { openDatabase, closeDatabase } from '../db';
import { k8sId } from '../graph/ids';
import { NODE_KIND_KEYS } from '../graph/model';
import type { CollectionResult, EdgeRecord, NodeRecord } from '../graph/records';
import { startRun } from '../store/write';
import { cachedFindings, findingsByNode, staleRefreshDelayMs } from './cache';

const C = 'cache-test';
const secret = (name: string): NodeRecord => ({
  id: k8sId(C, 'app', 'Secret', name), provider: 'k8s', kind: 'Secret', realm: C, namespace: 'app', name, properties: { type: 'Opaque', dataKeys: ['password'] },
});
const deployment: NodeRecord = {
  id: k8sId(C, 'app', 'Deployment', 'api'), provider: 'k8s', kind: 'Deployment', realm: C, namespace: 'app', name: 'api', properties: { replicas: 1 },
};
const coverage: CollectionResult['coverage'] = Object.fromEntries(NODE_KIND_KEYS.filter((k) => k.startsWith('k8s:')).map((k) => [k, { complete: true, count: 0 }]));

describe('findings cache', () => {
  let t: TestDatabase;
  const commit = async (secrets: string[], uses: string) => {
    const run = await startRun(t, 'k8s', C);
    const edges: EdgeRecord[] = [{ kind: 'USES_SECRET', from: deployment.id, to: k8sId(C, 'app', 'Secret', uses), properties: { via: 'env', keys: ['password'] } }];
    await run.commit({ nodes: [deployment, ...secrets.map(secret)], edges, coverage, errors: [] });
  };
  const dangling = (findings: { rule: string; objects: string[] }[]) =>
    findings.filter((f) => f.rule === 'dangling-reference').flatMap((f) => f.objects).filter((o) => o.includes('/Secret/')).sort();
  const snapshots = async () => (await t.pool.query<{ id: number; count: number }>('SELECT id, count FROM findings_snapshots ORDER BY id')).rows;

  beforeAll(async () => {
    t = await createTestDatabase();
    await commit(['db'], 'db');
  }, 60_000);
  afterAll(async () => t?.drop());

  it('stores the current findings once for every caller, and keeps only the latest snapshot', async () => {
    // Two "processes" (separate pools) asking at once: one computation, one snapshot.
    const other = openDatabase(t.url);
    try {
      const [a, b] = await Promise.all([cachedFindings(t), cachedFindings(other)]);
      expect(dangling(a.findings)).toEqual([]);
      expect(b.findings.map((f) => f.id)).toEqual(a.findings.map((f) => f.id));
    } finally {
      await closeDatabase(other);
    }
    const snaps = await snapshots();
    expect(snaps).toHaveLength(1);
    // Computed and stored once: the first id the sequence ever gave (older snapshots are deleted, so the row count
    // alone would not show a second computation).
    expect((await t.pool.query<{ last_value: string }>('SELECT last_value FROM findings_snapshots_id_seq')).rows[0]!.last_value).toBe('1');
    const { rows } = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM findings WHERE snapshot_id = $1', [snaps[0]!.id]);
    expect(rows[0]!.n).toBe(snaps[0]!.count);
  }, 60_000);

  it('serves the stored snapshot to stale-tolerant callers between quick commits; current callers see every commit', async () => {
    const before = await snapshots();
    // A rename: the Deployment now names a Secret that does not exist.
    await commit(['db'], 'db-renamed');
    const gone = k8sId(C, 'app', 'Secret', 'db-renamed');
    // Node pages: the snapshot from before the commit, and no recomputation within the refresh delay.
    expect((await findingsByNode(t, [gone])).get(gone)).toBeUndefined();
    expect(await snapshots()).toEqual(before);

    const current = await cachedFindings(t);
    expect(dangling(current.findings)).toEqual([gone]);
    const after = await snapshots();
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBeGreaterThan(before[0]!.id);
    // Now stored, node pages see it: under both objects, through the index.
    const byNode = await findingsByNode(t, [gone, deployment.id, k8sId(C, 'app', 'Secret', 'db')]);
    expect(byNode.get(gone)?.map((f) => f.rule)).toContain('dangling-reference');
    expect(byNode.get(deployment.id)?.map((f) => f.rule)).toContain('dangling-reference');
    expect(byNode.get(k8sId(C, 'app', 'Secret', 'db'))?.some((f) => f.rule === 'dangling-reference')).toBeFalsy();
  }, 60_000);

  it('answers past times from a computation of that time', async () => {
    const { rows } = await t.pool.query<{ committed_at: Date }>(`SELECT committed_at FROM runs ORDER BY id LIMIT 1`);
    const firstRun = new Date(rows[0]!.committed_at.getTime() + 1);
    const gone = k8sId(C, 'app', 'Secret', 'db-renamed');
    expect(dangling((await cachedFindings(t, { asOf: firstRun })).findings)).toEqual([]);
    expect((await findingsByNode(t, [gone], { asOf: firstRun })).get(gone)).toBeUndefined();
    expect((await findingsByNode(t, [gone])).get(gone)).toBeDefined();
  }, 60_000);

  it('waits at least 15 s, and 9× the last computation, between background refreshes', () => {
    expect(staleRefreshDelayMs(undefined)).toBe(15_000);
    expect(staleRefreshDelayMs(200)).toBe(15_000);
    expect(staleRefreshDelayMs(14_600)).toBe(131_400);
  });
});
