/**
 * `keygraph collect files` through the CLI entry against a real PostgreSQL: a kubectl List with one Pod and no
 * Secrets vouches for Pods of that namespace only (its Secret reference is "not in the input", info); `--complete`
 * (named in --help) vouches for every kind everywhere (the same reference is a critical dangling one);
 * documents the mapper skipped are printed grouped by reason (first 20 listed), are all in `--json`, are stored with
 * the run, and do not make the run partial (exit 0, not 4).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as cli, useCliDatabase } from '../../test/cli';

const env = useCliDatabase('keygraph-collect-files-cli-');
const dir = mkdtempSync(path.join(os.tmpdir(), 'kg-collect-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pod = {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api-0', namespace: 'payments' },
  spec: { containers: [{ name: 'app', image: 'app:1', env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'stripe-key', key: 'k' } } }] }] },
  status: { phase: 'Running' },
};
const widgets = Array.from({ length: 25 }, (_, i) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: `w${i}`, namespace: 'payments' }, spec: {} }));
const write = (name: string, items: unknown[]) => {
  const f = path.join(dir, name);
  writeFileSync(f, JSON.stringify({ apiVersion: 'v1', kind: 'List', metadata: {}, items }));
  return f;
};
const coverage = async (runId: number) => (await env.db.pool.query(`SELECT coverage, skipped, status FROM runs WHERE id = $1`, [runId])).rows[0];

describe('keygraph collect files', () => {
  it('names --complete in --help', async () => {
    const r = await cli('collect', 'files', '--help');
    expect(r.out + r.err).toMatch(/--complete\s+the input lists the whole cluster/);
  });

  it('a kubectl List with one Pod: Pods of payments complete, Secrets not listed', async () => {
    const r = await cli('collect', 'files', write('pod.json', [pod]), '--cluster', 'prod', '--json');
    expect(r.code).toBe(0);
    const [run] = JSON.parse(r.out);
    expect(run.status).toBe('succeeded');
    expect(run.skipped).toEqual([]);
    const row = await coverage(run.runId);
    expect(row.coverage['k8s:Pod']).toEqual({ complete: true, count: 1, namespaces: ['payments'] });
    expect(row.coverage['k8s:Secret']).toBeUndefined();
    expect(row.coverage['k8s:ServiceAccount']).toBeUndefined(); // only the implicit default one
    // What a user sees: the running pod's Secret is "not in the input" (info), never a critical dangling reference.
    const check = await cli('check', '--json', '--fail-on', 'low');
    expect(check.code, check.err).toBe(0);
    const findings = JSON.parse(check.out).findings as { rule: string; severity: string; objects: string[] }[];
    const stripe = findings.filter((f) => f.objects[0] === 'k8s:prod/payments/Secret/stripe-key');
    expect(stripe.map((f) => [f.rule, f.severity])).toEqual([['unverified-reference', 'info']]);
  });

  it('--complete: every kind complete in every namespace', async () => {
    const r = await cli('collect', 'files', write('pod2.json', [pod]), '--cluster', 'prod', '--complete', '--json');
    expect(r.code).toBe(0);
    const row = await coverage(JSON.parse(r.out)[0].runId);
    expect(row.coverage['k8s:Secret']).toEqual({ complete: true, count: 0 });
    expect(row.coverage['k8s:Pod']).toEqual({ complete: true, count: 1 });
    // Now the input vouches that payments has no Secret stripe-key: the running pod fails at its next restart.
    const check = await cli('check', '--json', '--rule', 'dangling-reference');
    expect(check.code).toBe(2);
    const [f] = JSON.parse(check.out).findings as { rule: string; severity: string; objects: string[] }[];
    expect([f!.objects[0], f!.severity]).toEqual(['k8s:prod/payments/Secret/stripe-key', 'critical']);
  });

  it('skipped documents: printed by reason (first 20), all in --json and in the run, and the run is not partial', async () => {
    const f = write('mixed.json', [pod, ...widgets, pod]);
    const text = await cli('collect', 'files', f, '--cluster', 'staging');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/run \d+ \(staging\) succeeded/);
    expect(text.out).toMatch(/skipped documents \(not mapped; the run is not partial because of them\): 26 \(kind-not-read 25, duplicate-id 1\)/);
    expect(text.out).toMatch(/duplicate-id: .*mixed\.json:1: Pod payments\/api-0: /);
    expect(text.out).toMatch(/kind-not-read: .*mixed\.json:1: Widget payments\/w0: /);
    expect(text.out.match(/^    (kind-not-read|duplicate-id): /gm)).toHaveLength(20);
    expect(text.out).toMatch(/… and 6 more \(see the run page or --json\)/);

    const json = await cli('collect', 'files', f, '--cluster', 'staging', '--json');
    expect(json.code).toBe(0);
    const [run] = JSON.parse(json.out);
    expect(run.status).toBe('succeeded');
    expect(run.skipped).toHaveLength(26);
    expect(run.skipped.filter((s: { reason: string }) => s.reason === 'kind-not-read').map((s: { name: string }) => s.name)).toEqual(widgets.map((w) => w.metadata.name));
    const row = await coverage(run.runId);
    expect(row.status).toBe('succeeded');
    expect(row.skipped).toEqual(run.skipped);
  });
});
