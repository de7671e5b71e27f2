/**
 * The process-wide findings cache (lib/analysis/cache.ts) on a real database: results follow committed runs for
 * callers that need them current; stale-tolerant callers (node pages, the explorer) keep the previous result while
 * collections commit in quick succession, instead of recomputing the whole graph for each; the per-node index.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { k8sId } from '../graph/ids';
import { NODE_KIND_KEYS } from '../graph/model';
import type { CollectionResult, EdgeRecord, NodeRecord } from '../graph/records';
import { startRun } from '../store/write';
import { cachedFindings, cachedFindingsByNode, staleRefreshDelayMs } from './cache';

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
  const danglingTargets = (findings: { rule: string; objects: string[] }[]) =>
    findings.filter((f) => f.rule === 'dangling-reference').flatMap((f) => f.objects).filter((o) => o.includes('/Secret/')).sort();

  beforeAll(async () => {
    t = await createTestDatabase();
    await commit(['db'], 'db');
  }, 60_000);
  afterAll(async () => t?.drop());

  it('serves the previous result to stale-tolerant callers between quick commits; current callers see every commit', async () => {
    const first = await cachedFindings(t);
    expect(danglingTargets(first.findings)).toEqual([]);

    // A rename: the Deployment now names a Secret that does not exist.
    await commit(['db'], 'db-renamed');
    const stale = await cachedFindings(t, { allowStale: true });
    expect(stale).toBe(first); // the same result object: nothing was recomputed for this caller
    const current = await cachedFindings(t);
    expect(danglingTargets(current.findings)).toEqual([k8sId(C, 'app', 'Secret', 'db-renamed')]);
    // Once a current result exists, stale-tolerant callers get it too.
    expect(await cachedFindings(t, { allowStale: true })).toBe(current);

    // Another commit right away: within the refresh delay, stale-tolerant callers keep `current`.
    await commit(['db', 'db-renamed'], 'db-renamed');
    expect(await cachedFindings(t, { allowStale: true })).toBe(current);
    expect(danglingTargets((await cachedFindings(t)).findings)).toEqual([]);
  }, 60_000);

  it('indexes findings by node id', async () => {
    await commit(['db'], 'gone');
    const byNode = await cachedFindingsByNode(t);
    const mine = byNode.get(deployment.id) ?? [];
    expect(mine.map((f) => f.rule)).toContain('dangling-reference');
    expect(byNode.get(k8sId(C, 'app', 'Secret', 'gone'))?.map((f) => f.rule)).toContain('dangling-reference');
    // Built once per result.
    expect(await cachedFindingsByNode(t)).toBe(byNode);
  }, 60_000);

  it('waits at least 15 s, and 9× the last computation, between stale refreshes', () => {
    expect(staleRefreshDelayMs(undefined)).toBe(15_000);
    expect(staleRefreshDelayMs(200)).toBe(15_000);
    expect(staleRefreshDelayMs(14_600)).toBe(131_400);
  });
});
