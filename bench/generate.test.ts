/**
 * The benchmark generator: a small dump parses as a kubectl List, has the requested counts per kind, is
 * deterministic by seed, and its references point where the plan says (same namespace, existing Secret, except
 * the dangling ones the summary lists).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng, generateClusterDump, parseArgs, writeClusterDump, writeClusterDumpFiles, type ClusterDumpOptions, type DumpSummary } from './generate';

type Obj = {
  kind: string;
  metadata: { name: string; namespace?: string; uid: string; labels?: Record<string, string>; ownerReferences?: Array<{ kind: string; name: string; uid: string }>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  type?: string;
  secrets?: Array<{ name: string }>;
  imagePullSecrets?: Array<{ name: string }>;
};

const SMALL: ClusterDumpOptions = { secrets: 220, pods: 150, deployments: 45, serviceAccounts: 30, ingresses: 20, namespaces: 8, seed: 7 };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'keygraph-bench-gen-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** References of a pod spec: [secret name, data key or undefined]. */
function specRefs(spec: any): Array<{ name: string; key?: string }> {
  const out: Array<{ name: string; key?: string }> = [];
  for (const c of spec.containers) {
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) out.push({ name: e.valueFrom.secretKeyRef.name, key: e.valueFrom.secretKeyRef.key });
    for (const e of c.envFrom ?? []) if (e.secretRef) out.push({ name: e.secretRef.name });
  }
  for (const v of spec.volumes ?? []) {
    if (v.secret) {
      if (v.secret.items) for (const i of v.secret.items) out.push({ name: v.secret.secretName, key: i.key });
      else out.push({ name: v.secret.secretName });
    }
    for (const s of v.projected?.sources ?? []) if (s.secret) for (const i of s.secret.items) out.push({ name: s.secret.name, key: i.key });
  }
  for (const p of spec.imagePullSecrets ?? []) out.push({ name: p.name });
  return out;
}

async function generate(file: string, opts: ClusterDumpOptions): Promise<{ items: Obj[]; summary: DumpSummary; raw: string }> {
  const summary = await writeClusterDump(file, opts);
  const raw = readFileSync(file, 'utf8');
  const list = JSON.parse(raw) as { apiVersion: string; kind: string; items: Obj[] };
  expect(list.apiVersion).toBe('v1');
  expect(list.kind).toBe('List');
  return { items: list.items, summary, raw };
}

describe('bench/generate', () => {
  it('writes the requested counts per kind', async () => {
    const { items, summary, raw } = await generate(path.join(tmp, 'a.json'), SMALL);
    const counts: Record<string, number> = {};
    for (const o of items) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
    expect(counts).toEqual(summary.counts);
    expect(counts).toMatchObject({ Secret: 220, Pod: 150, Deployment: 45, ServiceAccount: 30, Ingress: 20, Namespace: 8 });
    expect(counts.ReplicaSet).toBeGreaterThanOrEqual(45);
    expect(counts.ReplicaSet).toBeLessThanOrEqual(90);
    expect(summary.total).toBe(items.length);
    expect(summary.bytes).toBe(Buffer.byteLength(raw));
    const types = new Set(items.filter((o) => o.kind === 'Secret').map((o) => o.type));
    expect([...types].sort()).toEqual(['Opaque', 'kubernetes.io/dockerconfigjson', 'kubernetes.io/service-account-token', 'kubernetes.io/tls']);
    for (const s of items.filter((o) => o.kind === 'Secret' && o.type === 'Opaque' && !o.data!['key.json'])) {
      expect(Object.keys(s.data!).length).toBeGreaterThanOrEqual(2);
      expect(Object.keys(s.data!).length).toBeLessThanOrEqual(4);
    }
  });

  it('points every reference at the intended namespace and name', async () => {
    const { items, summary } = await generate(path.join(tmp, 'b.json'), { ...SMALL, danglingRate: 0.05, missingKeyRate: 0.05 });
    const key = (ns: string | undefined, kind: string, name: string): string => `${ns}/${kind}/${name}`;
    const byId = new Map(items.map((o) => [key(o.metadata.namespace, o.kind, o.metadata.name), o]));
    const danglingSet = new Set(summary.dangling.map((d) => `${d.namespace}/${d.secret}`));
    expect(summary.dangling.length).toBeGreaterThan(0);
    expect(summary.missingKeys.length).toBeGreaterThan(0);

    const seenDangling = new Set<string>();
    const seenMissing = new Set<string>();
    const check = (o: Obj, name: string, dataKey?: string): void => {
      const ns = o.metadata.namespace!;
      const secret = byId.get(key(ns, 'Secret', name));
      if (!secret) {
        expect(danglingSet.has(`${ns}/${name}`), `${o.kind} ${ns}/${o.metadata.name} -> ${name}`).toBe(true);
        seenDangling.add(`${ns}/${name}`);
      } else if (dataKey && !(dataKey in secret.data!)) {
        expect(summary.missingKeys.some((m) => m.namespace === ns && m.secret === name && m.key === dataKey)).toBe(true);
        seenMissing.add(`${ns}/${name}`);
      }
    };
    for (const o of items) {
      if (o.kind === 'Deployment' || o.kind === 'ReplicaSet') for (const r of specRefs(o.spec.template.spec)) check(o, r.name, r.key);
      if (o.kind === 'Pod') for (const r of specRefs(o.spec)) check(o, r.name, r.key);
      if (o.kind === 'Ingress') for (const t of o.spec.tls) if (t.secretName) check(o, t.secretName);
      if (o.kind === 'ServiceAccount') for (const s of [...(o.secrets ?? []), ...(o.imagePullSecrets ?? [])]) check(o, s.name);
      if (o.kind === 'Secret' && o.type === 'kubernetes.io/service-account-token') {
        expect(byId.has(key(o.metadata.namespace, 'ServiceAccount', o.metadata.annotations!['kubernetes.io/service-account.name']!))).toBe(true);
      }
    }
    // Every intended defect is really in the dump.
    expect(seenDangling).toEqual(danglingSet);
    expect(seenMissing).toEqual(new Set(summary.missingKeys.map((m) => `${m.namespace}/${m.secret}`)));
    // Fan-out: 2-6 template references per Deployment, on average well above one.
    const deployments = items.filter((o) => o.kind === 'Deployment');
    const perDeployment = deployments.map((d) => new Set(specRefs(d.spec.template.spec).map((r) => r.name)).size);
    expect(Math.max(...perDeployment)).toBeLessThanOrEqual(6);
    expect(perDeployment.reduce((s, n) => s + n, 0) / perDeployment.length).toBeGreaterThan(2);
  });

  it('owns pods by ReplicaSets and ReplicaSets by Deployments, with the template references', async () => {
    const { items } = await generate(path.join(tmp, 'c.json'), SMALL);
    const byUid = new Map(items.map((o) => [o.metadata.uid, o]));
    for (const o of items.filter((x) => x.kind === 'Pod' || x.kind === 'ReplicaSet')) {
      const ref = o.metadata.ownerReferences![0]!;
      const owner = byUid.get(ref.uid)!;
      expect(owner.kind).toBe(o.kind === 'Pod' ? 'ReplicaSet' : 'Deployment');
      expect(owner.metadata.name).toBe(ref.name);
      expect(owner.metadata.namespace).toBe(o.metadata.namespace);
      if (o.kind === 'Pod') {
        const hash = owner.metadata.labels!['pod-template-hash']!;
        expect(o.metadata.labels!['pod-template-hash']).toBe(hash);
        expect(o.metadata.name.startsWith(`${owner.metadata.name}-`)).toBe(true);
        const templateRefs = specRefs(owner.spec.template.spec).map((r) => `${r.name}:${r.key ?? ''}`);
        const podRefs = specRefs(o.spec).map((r) => `${r.name}:${r.key ?? ''}`);
        // Pods carry the template's references (plus a pull secret admission may copy from the ServiceAccount).
        for (const r of templateRefs) expect(podRefs).toContain(r);
        expect(owner.spec.replicas).toBeGreaterThan(0);
      }
    }
  });

  it('is deterministic by seed and streams the same objects it writes', async () => {
    const hash = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex');
    await writeClusterDump(path.join(tmp, 'd1.json'), SMALL);
    await writeClusterDump(path.join(tmp, 'd2.json'), SMALL);
    await writeClusterDump(path.join(tmp, 'd3.json'), { ...SMALL, seed: 8 });
    expect(hash(path.join(tmp, 'd1.json'))).toBe(hash(path.join(tmp, 'd2.json')));
    expect(hash(path.join(tmp, 'd1.json'))).not.toBe(hash(path.join(tmp, 'd3.json')));
    const streamed: unknown[] = [];
    for await (const o of generateClusterDump(SMALL)) streamed.push(o);
    expect(streamed).toEqual((JSON.parse(readFileSync(path.join(tmp, 'd1.json'), 'utf8')) as { items: unknown[] }).items);
  });

  it('has a PRNG that is seeded and uniform enough', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.02);
  });

  it('parses the CLI', () => {
    expect(parseArgs(['out.json']).options).toMatchObject({ secrets: 30_000, pods: 20_000, deployments: 5_000, serviceAccounts: 2_000, ingresses: 1_000, seed: 1 });
    expect(parseArgs(['out.json', '--scale', '0.01', '--seed=3']).options).toMatchObject({ secrets: 300, pods: 200, deployments: 50, seed: 3 });
    expect(() => parseArgs([])).toThrow(/usage/);
    expect(() => parseArgs(['x.json', '--bogus', '1'])).toThrow(/unknown option/);
  });
});

describe('bench/generate split output', () => {
  it('splits into complete Lists under the size limit, with the same objects in order', async () => {
    const dir = path.join(tmp, 'split');
    const single = path.join(tmp, 'single.json');
    await writeClusterDump(single, SMALL);
    const summary = await writeClusterDumpFiles(dir, SMALL, 100_000);
    expect(summary.files.length).toBeGreaterThan(2);
    const items: unknown[] = [];
    let bytes = 0;
    for (const f of summary.files) {
      const raw = readFileSync(f, 'utf8');
      bytes += Buffer.byteLength(raw);
      expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(100_000);
      const list = JSON.parse(raw) as { kind: string; items: unknown[] };
      expect(list.kind).toBe('List');
      items.push(...list.items);
    }
    expect(summary.bytes).toBe(bytes);
    expect(items).toEqual((JSON.parse(readFileSync(single, 'utf8')) as { items: unknown[] }).items);
  });
});
