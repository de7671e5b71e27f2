/**
 * History and diffs over a sequence of file collections (the shipped demo's two days, then a third and fourth run):
 * appear, change, rename, disappear, reappear; as-of reads at run boundaries.
 */
import { mkdtempSync, writeFileSync, cpSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { collectFilesInto } from '../cli/collect';
import { createFingerprinter } from '../secrets/fingerprint';
import { getNode, getEdges } from './read';
import { diffGraph, getNodeHistory, resolveTime } from './history';

const DEMO = path.resolve(import.meta.dirname, '../demo');
const OLD = 'k8s:demo/ota/Secret/targets-backup-key';
const NEW = 'k8s:demo/ota/Secret/targets-backup-key-2024-10-08';

describe('history and diff', () => {
  let t: TestDatabase;
  const runs: number[] = [];
  const rt = () => ({ database: t, fingerprint: createFingerprinter(Buffer.alloc(32, 3)) });
  const collect = async (dir: string) => {
    const [r] = await collectFilesInto(rt(), [dir], { cluster: 'demo', namespace: 'default', quiet: true });
    runs.push(r!.summary.runId);
    return r!.summary;
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    await collect(path.join(DEMO, 'day1'));
    await collect(path.join(DEMO, 'day2'));
    // Day 3: the old Secret comes back (someone restores it) and payments-stripe loses a key.
    const day3 = mkdtempSync(path.join(os.tmpdir(), 'kg-day3-'));
    cpSync(path.join(DEMO, 'day2'), day3, { recursive: true });
    writeFileSync(path.join(day3, 'zz-restored.yaml'), [
      'apiVersion: v1', 'kind: Secret', 'metadata:', '  name: targets-backup-key', '  namespace: ota', 'type: Opaque',
      'data:', '  key-id: cmVzdG9yZWQ=', '',
    ].join('\n'));
    await collect(day3);
    rmSync(day3, { recursive: true, force: true });
  });
  afterAll(async () => t?.drop());

  it('tells a Secret’s story: appeared, disappeared (still referenced), reappeared', async () => {
    const h = await getNodeHistory(t, OLD);
    expect(h!.events.map((e) => e.type)).toEqual(['appeared', 'disappeared', 'observed']);
    expect(h!.events.map((e) => e.runId)).toEqual(runs);
    expect(h!.seenBy.map((r) => r.runId).sort()).toEqual([runs[0], runs[2]]);
  });

  it('reports changed fields with data keys and "value changed", never values', async () => {
    const h = await getNodeHistory(t, 'k8s:demo/payments/Secret/payments-stripe');
    const changed = h!.events.find((e) => e.type === 'changed');
    expect(changed?.changes).toContainEqual({ field: 'data.webhook-secret', change: 'added' });
    const db = await getNodeHistory(t, 'k8s:demo/payments/Secret/payments-db');
    const rotated = db!.events.find((e) => e.type === 'changed');
    expect(rotated?.changes.some((c) => c.change === 'value changed' && c.field.startsWith('data.'))).toBe(true);
    expect(JSON.stringify(db)).not.toMatch(/fingerprint/i);
  });

  it('reads the graph as of run boundaries', async () => {
    const t1 = await resolveTime(t, `run:${runs[0]}`);
    const t2 = await resolveTime(t, `run:${runs[1]}`);
    expect((await getNode(t, OLD, { asOf: t1 }))?.missing).toBe(false);
    expect((await getNode(t, OLD, { asOf: new Date(t2.getTime() - 1) }))?.missing).toBe(false);
    expect((await getNode(t, OLD, { asOf: t2 }))?.missing).toBe(true);
    expect(await getNode(t, NEW, { asOf: t1 })).toBeNull();
    expect((await getNode(t, NEW, { asOf: t2 }))?.missing).toBe(false);
    // The Deployment still uses the old name on day 2.
    const uses = await getEdges(t, 'k8s:demo/ota/Deployment/ota-lite-api', 'out', { asOf: t2 });
    expect(uses.filter((e) => e.kind === 'USES_SECRET').map((e) => e.other.id)).toContain(OLD);
  });

  it('diffs two times and calls out the renamed Secret', async () => {
    const d = await diffGraph(t, { from: await resolveTime(t, `run:${runs[0]}`), to: await resolveTime(t, `run:${runs[1]}`), realm: 'demo' });
    expect(d.renamedSecrets).toEqual([{ from: OLD, to: NEW, namespace: 'ota', realm: 'demo' }]);
    const byId = new Map(d.nodes.map((n) => [n.id, n]));
    expect(byId.get(OLD)?.change).toBe('removed');
    expect(byId.get(NEW)?.change).toBe('added');
    expect(byId.get('k8s:demo/payments/Deployment/refund-worker')?.change).toBe('removed');
    expect(byId.get('k8s:demo/ota/Deployment/ota-campaign-scheduler')?.change).toBe('added');
    expect(d.edges.some((e) => e.change === 'added' && e.to === NEW)).toBe(true);
    // Nothing changed between a time and itself.
    const same = await diffGraph(t, { from: await resolveTime(t, `run:${runs[1]}`), to: await resolveTime(t, `run:${runs[1]}`) });
    expect(same.nodes).toEqual([]);
    expect(same.edges).toEqual([]);
  });

  it('rejects malformed times and unknown runs clearly', async () => {
    await expect(resolveTime(t, 'Dec 1')).rejects.toThrow(/not a time/);
    await expect(resolveTime(t, 'run:99999')).rejects.toThrow(/no run 99999/);
  });
});
