import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { collectFilesInto } from '../cli/collect';
import { createFingerprinter } from '../secrets/fingerprint';
import { searchNodes, getEdges } from './read';
import { pruneHistory } from './retention';
import { getNodeHistory } from './history';

const DEMO = path.resolve(import.meta.dirname, '../demo');

describe('retention', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    const rt = { database: t, fingerprint: createFingerprinter(Buffer.alloc(32, 5)) };
    for (const day of ['day1', 'day2']) await collectFilesInto(rt, [path.join(DEMO, day)], { cluster: 'demo', namespace: 'default', quiet: true });
  });
  afterAll(async () => t?.drop());

  it('prunes ended history and leaves the current state exactly as it was', async () => {
    const before = await searchNodes(t, '', { limit: 500 });
    const edgesBefore = await getEdges(t, 'k8s:demo/ota/Deployment/ota-lite-api', 'out');
    expect((await getNodeHistory(t, 'k8s:demo/payments/Secret/payments-db'))!.events.length).toBe(2);
    const r = await pruneHistory(t, new Date(Date.now() + 1000));
    expect(r.nodeVersions).toBeGreaterThan(0);
    expect(r.edgeVersions).toBeGreaterThan(0);
    expect(await searchNodes(t, '', { limit: 500 })).toEqual(before);
    expect(await getEdges(t, 'k8s:demo/ota/Deployment/ota-lite-api', 'out')).toEqual(edgesBefore);
    // The older version of the rotated Secret is gone from its history; the current one remains.
    expect((await getNodeHistory(t, 'k8s:demo/payments/Secret/payments-db'))!.events.map((e) => e.type)).toEqual(['appeared']);
  });

  it('keeps everything when the cut-off is before any history', async () => {
    const r = await pruneHistory(t, new Date(0));
    expect(r).toMatchObject({ nodeVersions: 0, edgeVersions: 0 });
  });
});
