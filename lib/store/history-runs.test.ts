/** Run navigation for history: the previous run of a source/scope, the latest run, the picker's list, scopes. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { collectFilesInto } from '../cli/collect';
import { createFingerprinter } from '../secrets/fingerprint';
import { latestRun, previousRun, recentRuns, runScopes } from './history';

const DEMO = path.resolve(import.meta.dirname, '../demo');

describe('run navigation', () => {
  let t: TestDatabase;
  const runs: number[] = [];
  const collect = async (dir: string, cluster: string) => {
    const rt = { database: t, fingerprint: createFingerprinter(Buffer.alloc(32, 3)) };
    const [r] = await collectFilesInto(rt, [dir], { cluster, namespace: 'default', quiet: true });
    runs.push(r!.summary.runId);
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    await collect(path.join(DEMO, 'day1'), 'demo');
    await collect(path.join(DEMO, 'day1'), 'other');
    await collect(path.join(DEMO, 'day2'), 'demo');
  });
  afterAll(async () => t?.drop());

  it('finds the previous run of the same source and scope', async () => {
    const [d1, o1, d2] = runs as [number, number, number];
    expect((await previousRun(t, d2))?.id).toBe(d1);
    expect(await previousRun(t, d1)).toBeNull();
    expect(await previousRun(t, o1)).toBeNull();
    expect(await previousRun(t, 999_999)).toBeNull();
  });

  it('finds the latest run, per scope, and lists recent runs and scopes', async () => {
    const [d1, o1, d2] = runs as [number, number, number];
    expect((await latestRun(t))?.id).toBe(d2);
    expect((await latestRun(t, 'other'))?.id).toBe(o1);
    expect(await latestRun(t, 'nope')).toBeNull();
    expect((await recentRuns(t, 2)).map((r) => r.id)).toEqual([d2, o1]);
    expect((await recentRuns(t)).map((r) => r.id)).toEqual([d2, o1, d1]);
    expect(await runScopes(t)).toEqual([{ scope: 'demo', sources: ['files'] }, { scope: 'other', sources: ['files'] }]);
  });
});
