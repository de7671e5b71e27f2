/**
 * The seed incident replayed end to end on a real PostgreSQL (docs/ARCHITECTURE.md "The problem, in one incident"): a Secret
 * renamed while the Deployment, its ReplicaSet and 3 running pods still reference the old name. keygraph must show
 * the rename and the time bomb, `check` must fail, impact must list who breaks, and the pre-deploy gate must stop
 * the rollout of the unchanged manifest.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { collectFilesInto } from '../cli/collect';
import { k8sId } from '../graph/ids';
import { createFingerprinter } from '../secrets/fingerprint';
import { computeFindings } from './findings';
import { impactOf } from './impact';
import { checkManifests } from '../cli/manifests';
import { GATE_BAD, GATE_FIXED, RUN1, RUN2 } from './testing/incident';
import { main } from '../cli/main';
import { vi } from 'vitest';

const C = 'demo-incident';
const id = (kind: string, name: string) => k8sId(C, 'ota', kind, name);
const OLD = id('Secret', 'targets-backup-key');
const NEW = id('Secret', 'targets-backup-key-2024-10-08');
const DEPLOY = id('Deployment', 'ota-lite-api');
const RS = id('ReplicaSet', 'ota-lite-api-7c9d8f6b54');
const PODS = ['x2kqp', 'm8hzt', 'r4wvn'].map((s) => id('Pod', `ota-lite-api-7c9d8f6b54-${s}`));

function writeDir(root: string, name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
  return dir;
}

describe('the incident, end to end', () => {
  let t: TestDatabase;
  let tmp: string;
  const fingerprint = createFingerprinter(Buffer.alloc(32, 7));
  let afterRun1: Date;

  beforeAll(async () => {
    t = await createTestDatabase();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'kg-incident-'));
    // Each run's folder is the whole cluster (`collect files --complete`): what it no longer holds is gone.
    const [r1] = await collectFilesInto({ database: t, fingerprint }, [writeDir(tmp, 'run1', RUN1)], { cluster: C, namespace: 'default', quiet: true, complete: true });
    expect(r1!.summary.status).toBe('succeeded');
    afterRun1 = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const [r2] = await collectFilesInto({ database: t, fingerprint }, [writeDir(tmp, 'run2', RUN2)], { cluster: C, namespace: 'default', quiet: true, complete: true });
    expect(r2!.summary.status).toBe('succeeded');
  });
  afterAll(async () => {
    await t?.drop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('run 1: deleting the Secret breaks the Deployment, its ReplicaSet and 3 running pods', async () => {
    const r = (await impactOf(t, OLD, { asOf: afterRun1, freshnessHours: 24 }))!;
    expect(r.targetMissing).toBe(false);
    expect(r.verdict).toBe('breaks');
    expect(r.affected.map((a) => a.node.id).sort()).toEqual([DEPLOY, RS, ...PODS].sort());
    const d = r.affected.find((a) => a.node.id === DEPLOY)!;
    expect(d.depth).toBe(1);
    expect(d.runningPods).toBe(3);
    expect(d.optional).toBe(false);
    // The path says why: env key-id and the volume item, both in one hop.
    expect(d.path).toHaveLength(1);
    expect(d.path[0]!.kind).toBe('USES_SECRET');
    expect(d.path[0]!.references.map((p) => p.via).sort()).toEqual(['env', 'volume']);
    const pod = r.affected.find((a) => a.node.id === PODS[0])!;
    expect(pod.phase).toBe('Running');
    expect(pod.depth).toBe(1); // pods reference the Secret directly in their spec
  });

  it('run 2: impact of deleting the old name lists the Deployment, ReplicaSet and 3 pods (already broken)', async () => {
    const r = (await impactOf(t, OLD))!;
    expect(r.targetMissing).toBe(true);
    expect(r.verdict).toBe('breaks');
    expect(r.breaking.sort()).toEqual([DEPLOY, RS, ...PODS].sort());
    expect(r.notes.join(' ')).toMatch(/already broken/);
    expect(r.affected.filter((a) => a.phase === 'Running')).toHaveLength(3);
  });

  it('run 2: deleting the new Secret is safe (nothing references it; data complete and fresh)', async () => {
    const r = (await impactOf(t, NEW))!;
    expect(r.affected).toEqual([]);
    expect(r.verdict).toBe('safe');
    expect(r.reasons).toEqual([]);
  });

  it('never says safe on stale data: the same question with a 1-second freshness limit later is unknown', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const r = (await impactOf(t, NEW, { freshnessHours: 1 / 3600 }))!;
    expect(r.verdict).toBe('unknown');
    expect(r.reasons.join(' ')).toMatch(/last collected/);
  });

  it('unknown node → null; malformed id → InvalidIdError', async () => {
    expect(await impactOf(t, id('Secret', 'never-heard-of'))).toBeNull();
    await expect(impactOf(t, 'k8s:nope')).rejects.toThrow(/not a keygraph id/);
  });

  it('findings: renamed secret and the time bomb (dangling reference with running pods, critical)', async () => {
    const { findings } = await computeFindings(t);
    const renamed = findings.filter((f) => f.rule === 'renamed-secret');
    expect(renamed).toHaveLength(1);
    expect(renamed[0]).toMatchObject({ severity: 'high', evidence: { oldSecret: OLD, newSecret: NEW, sameFingerprints: true } });
    expect((renamed[0]!.evidence.referencesToOldName as string[]).sort()).toEqual([DEPLOY, RS, ...PODS].sort());

    const dangling = findings.filter((f) => f.rule === 'dangling-reference');
    expect(dangling).toHaveLength(1); // grouped by the root controller: one Deployment, one finding
    expect(dangling[0]).toMatchObject({ severity: 'critical', objects: expect.arrayContaining([OLD, DEPLOY, RS, ...PODS]) });
    expect((dangling[0]!.evidence.runningPods as string[]).sort()).toEqual([...PODS].sort());
    expect(dangling[0]!.objects[0]).toBe(OLD);
    expect(dangling[0]!.objects[1]).toBe(DEPLOY);
    // Stable ids: the same problem gets the same id on the next computation.
    const again = await computeFindings(t);
    expect(again.findings.map((f) => f.id).sort()).toEqual(findings.map((f) => f.id).sort());
    // As of run 1, nothing was broken (the history is read as of that time).
    const before = await computeFindings(t, { asOf: afterRun1 });
    expect(before.findings.filter((f) => f.severity === 'critical' || f.rule === 'renamed-secret')).toEqual([]);
    // No value or base64 of one anywhere.
    const text = JSON.stringify(findings);
    expect(text).not.toContain('demo-not-a-real');
    expect(text).not.toContain(Buffer.from('demo-not-a-real-key-id').toString('base64'));
  });

  it('pre-deploy gate: the unchanged manifest is stopped, the fixed one passes', async () => {
    const bad = await checkManifests(t, [writeDir(tmp, 'gate-bad', GATE_BAD)], { cluster: C });
    expect(bad.inventory).toBe(true);
    expect(bad.findings.map((f) => [f.rule, f.severity, f.objects[0]])).toEqual([['dangling-reference', 'high', OLD]]);
    const fixed = await checkManifests(t, [writeDir(tmp, 'gate-fixed', GATE_FIXED)], { cluster: C });
    expect(fixed.findings).toEqual([]);
    // Checking wrote nothing.
    const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM runs`);
    expect(rows[0].n).toBe(2);
  });

  describe('command line (exit codes are the contract)', () => {
    const env = { ...process.env };
    beforeAll(() => {
      process.env.DATABASE_URL = t.url;
      process.env.KEYGRAPH_DATA_DIR = path.join(tmp, 'data');
      process.env.KEYGRAPH_LOG_LEVEL = 'silent';
    });
    afterAll(() => {
      process.env = env;
    });
    async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
      let out = '';
      let err = '';
      const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
      const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((err += String(c)), true));
      try {
        const code = await main(['node', 'keygraph', ...args]);
        return { code, out, err };
      } finally {
        o.mockRestore();
        e.mockRestore();
      }
    }

    it('check fails (2) on the time bomb, also with --fail-on critical; JSON is parseable', async () => {
      const r = await cli('check');
      expect(r.code).toBe(2);
      expect(r.out).toMatch(/\[CRITICAL\] dangling-reference/);
      expect(r.out).toMatch(/renamed-secret/);
      const j = await cli('check', '--fail-on', 'critical', '--json');
      expect(j.code).toBe(2);
      const body = JSON.parse(j.out);
      expect(body.failed).toBe(true);
      expect(body.counts.critical).toBe(1);
      expect((await cli('check', '--rule', 'tls-expiring')).code).toBe(0);
      expect((await cli('check', '--fail-on', 'urgent')).code).toBe(1);
    });

    it('impact: 2 for the old name, 0 for the new one, 1 for a malformed id', async () => {
      const old = await cli('impact', OLD);
      expect(old.code).toBe(2);
      expect(old.out).toMatch(/BREAKS/);
      expect(old.out).toContain(DEPLOY);
      const fresh = await cli('impact', NEW, '--json');
      expect(fresh.code).toBe(0);
      expect(JSON.parse(fresh.out).verdict).toBe('safe');
      const bad = await cli('impact', 'not-an-id');
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/not a keygraph id/);
      expect((await cli('impact', NEW, '--action', 'explode')).code).toBe(1);
    });

    it('impact: 3 when the data is older than KEYGRAPH_FRESHNESS_HOURS', async () => {
      process.env.KEYGRAPH_FRESHNESS_HOURS = '0.0001';
      try {
        await new Promise((r) => setTimeout(r, 500));
        const r = await cli('impact', NEW);
        expect(r.code).toBe(3);
        expect(r.out).toMatch(/UNKNOWN/);
      } finally {
        delete process.env.KEYGRAPH_FRESHNESS_HOURS;
      }
    });

    it('check --manifests: the gate exits 2 for the old manifest and 0 for the fixed one', async () => {
      const bad = await cli('check', '--manifests', writeDir(tmp, 'cli-bad', GATE_BAD), '--cluster', C);
      expect(bad.code).toBe(2);
      expect(bad.out).toContain(OLD);
      const ok = await cli('check', '--manifests', writeDir(tmp, 'cli-ok', GATE_FIXED), '--cluster', C, '--json');
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.out).findings).toEqual([]);
      expect((await cli('check', '--manifests', tmp)).code).toBe(1); // --cluster missing
    });
  });
});
