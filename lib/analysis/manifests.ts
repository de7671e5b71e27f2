/**
 * Pre-deploy gate (`keygraph check --manifests DIR --cluster NAME`): checks the references in a folder of manifests
 * against the latest inventory of the cluster PLUS what the manifests themselves define, without writing anything
 * to the database, so a CI pipeline stops before a rollout that would fail with `CreateContainerConfigError`.
 *
 * Manifests are read with lib/input/documents.ts `readDocuments` and mapped with the Kubernetes mapper
 * (collectors/kubernetes/mapper.ts, with the implicit `default` ServiceAccount per namespace). Secret values in the
 * manifests are fingerprinted under a throwaway key and dropped: nothing leaves this function but ids and key names.
 *
 * Findings (same shape and rule ids as lib/analysis/findings.ts, `evidence.source = 'manifests'`):
 * - `dangling-reference`: a USES_SECRET / RUNS_AS reference to a Secret / ServiceAccount that neither the
 *   manifests define (or produce: Certificate, ExternalSecret, SealedSecret) nor the inventory has (an observed,
 *   current node, or one a producer in the inventory writes). high; low when optional.
 * - `missing-data-key`: the referenced Secret is known (manifest `data`/`stringData` keys or SealedSecret
 *   `encryptedData` keys override the inventory's `dataKeys`) and lacks a referenced key. high; low when optional.
 */
import { randomBytes } from 'node:crypto';
import { Prisma } from '../generated/prisma/client';
import type { Database } from '../db';
import { createKubernetesMapper } from '../../collectors/kubernetes/mapper';
import { readDocuments } from '../input/documents';
import { k8sId, parseId } from '../graph/ids';
import { createFingerprinter } from '../secrets/fingerprint';
import { live } from '../store/read';
import { findingId, type Finding } from './findings';
import type { Severity } from './severity';

export interface ManifestCheckOptions {
  cluster: string;
  /** Namespace for objects that carry none (default `default`). */
  namespace?: string;
  asOf?: Date;
}

export interface ManifestCheckResult {
  findings: Finding[];
  /** Documents read and objects mapped. */
  documents: number;
  objects: number;
  /** Files or documents that could not be read (`file:line: message`, never content). */
  errors: string[];
  /** Whether the cluster had any inventory to check against (false: manifests only). */
  inventory: boolean;
}

interface InvNode {
  node_id: string;
  missing: boolean;
  data_keys: string[] | null;
  produced: boolean;
}

/**
 * Runs the gate. Errors: database errors; unreadable paths are reported in `errors` (and as a finding-free result
 * when nothing could be read).
 */
export async function checkManifests(database: Database, paths: string[], opts: ManifestCheckOptions): Promise<ManifestCheckResult> {
  const ns = opts.namespace || 'default';
  const mapper = createKubernetesMapper({
    cluster: opts.cluster,
    defaultNamespace: ns,
    fingerprint: createFingerprinter(randomBytes(32)),
    implicitDefaults: true,
  });
  const where = new Map<string, string>();
  const errors: string[] = [];
  let documents = 0;
  for await (const item of readDocuments(paths)) {
    if (item.type === 'error') {
      errors.push(`${item.file}${item.line ? `:${item.line}` : ''}: ${item.message}`);
      continue;
    }
    documents++;
    const v = item.value as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
    if (mapper.add(item.value) && v && typeof v.kind === 'string' && typeof v.metadata?.name === 'string') {
      const id = k8sId(opts.cluster, typeof v.metadata.namespace === 'string' && v.metadata.namespace ? v.metadata.namespace : ns, v.kind, v.metadata.name);
      if (!where.has(id)) where.set(id, `${item.file}:${item.line}`);
    }
  }
  const { nodes, edges } = mapper.finish();
  const defined = new Map(nodes.map((n) => [n.id, n]));
  const producedHere = new Map<string, string[] | undefined>();
  for (const e of edges) {
    if (e.kind !== 'PRODUCES') continue;
    const producer = defined.get(e.from);
    const keys = producer?.kind === 'SealedSecret' && Array.isArray(producer.properties.encryptedKeys)
      ? (producer.properties.encryptedKeys as string[])
      : producer?.kind === 'Certificate' ? ['tls.crt', 'tls.key', 'ca.crt'] : undefined;
    producedHere.set(e.to, keys && producer?.kind !== 'Certificate' ? keys : undefined);
  }

  const refs = edges.filter((e) => e.kind === 'USES_SECRET' || e.kind === 'RUNS_AS');
  const targets = [...new Set(refs.map((e) => e.to))];
  const runCount = await database.prisma.$queryRaw<{ n: bigint }[]>(Prisma.sql`
    SELECT count(*) AS n FROM runs WHERE scope = ${opts.cluster} AND source IN ('k8s', 'files') AND committed_at IS NOT NULL`);
  const inventory = Number(runCount[0]?.n ?? 0) > 0;
  const inv = new Map<string, InvNode>();
  if (targets.length && inventory) {
    const rows = await database.prisma.$queryRaw<InvNode[]>(Prisma.sql`
      SELECT DISTINCT ON (v.node_id) v.node_id, v.missing,
             CASE WHEN jsonb_typeof(v.properties->'dataKeys') = 'array'
                  THEN ARRAY(SELECT jsonb_array_elements_text(v.properties->'dataKeys')) END AS data_keys,
             EXISTS (SELECT 1 FROM edge_versions e WHERE e.to_id = v.node_id AND e.kind = 'PRODUCES' AND ${live('e', opts.asOf)}) AS produced
      FROM node_versions v WHERE v.node_id = ANY(${targets}::text[]) AND ${live('v', opts.asOf)}
      ORDER BY v.node_id, v.missing ASC, v.valid_from DESC`);
    for (const r of rows) inv.set(r.node_id, r);
  }

  const groups = new Map<string, { problem: 'dangling' | 'missing-key'; from: string; to: string; refs: typeof refs; missingKeys: Set<string>; dataKeys?: string[] }>();
  for (const e of refs) {
    const local = defined.get(e.to);
    const remote = inv.get(e.to);
    const existsInInventory = !!remote && (!remote.missing || remote.produced);
    const exists = !!local || producedHere.has(e.to) || existsInInventory;
    let problem: 'dangling' | 'missing-key' | null = null;
    let dataKeys: string[] | undefined;
    const missingKeys: string[] = [];
    if (!exists) problem = 'dangling';
    else if (e.kind === 'USES_SECRET' && Array.isArray(e.properties.keys)) {
      dataKeys = local
        ? (Array.isArray(local.properties.dataKeys) ? (local.properties.dataKeys as string[]) : undefined)
        : producedHere.has(e.to) ? producedHere.get(e.to) : remote && !remote.missing ? remote.data_keys ?? undefined : undefined;
      if (dataKeys) for (const k of e.properties.keys) if (!dataKeys.includes(k)) missingKeys.push(k);
      if (missingKeys.length) problem = 'missing-key';
    }
    if (!problem) continue;
    const key = `${problem}|${e.from}|${e.to}`;
    const g = groups.get(key) ?? { problem, from: e.from, to: e.to, refs: [], missingKeys: new Set<string>(), dataKeys };
    g.refs.push(e);
    missingKeys.forEach((k) => g.missingKeys.add(k));
    groups.set(key, g);
  }

  const label = (id: string) => {
    const p = parseId(id);
    return p ? `${p.kind} ${p.namespace ? `${p.namespace}/` : ''}${p.name}` : id;
  };
  const findings: Finding[] = [];
  for (const g of groups.values()) {
    const optional = g.refs.every((r) => r.properties.optional === true);
    const severity: Severity = optional ? 'low' : 'high';
    const p = parseId(g.from)!;
    const references = g.refs.map((r) => ({ from: r.from, ...Object.fromEntries(Object.entries(r.properties).filter(([k]) => ['via', 'container', 'envVar', 'volume', 'keys', 'optional'].includes(k))) }));
    const evidence = { source: 'manifests', file: where.get(g.from), target: g.to, optional, references, inventory };
    const targetKind = parseId(g.to)?.kind ?? 'Secret';
    if (g.problem === 'dangling') {
      findings.push({
        id: findingId('dangling-reference', ['manifests', g.to, g.from]), rule: 'dangling-reference', severity,
        title: `${label(g.from)} references ${label(g.to)}, which neither the manifests nor cluster ${opts.cluster} has${optional ? ' (optional)' : ''}`,
        objects: [g.to, g.from], provider: 'k8s', realm: p.realm, namespace: p.namespace, evidence: { ...evidence, targetKind },
        fix: `Add the ${targetKind} to the manifests (or create it in the cluster first), or fix the name in ${label(g.from)}.`,
      });
    } else {
      const mk = [...g.missingKeys].sort();
      findings.push({
        id: findingId('missing-data-key', ['manifests', g.to, g.from, mk.join(',')]), rule: 'missing-data-key', severity,
        title: `${label(g.from)} reads key${mk.length > 1 ? 's' : ''} ${mk.join(', ')} that ${label(g.to)} does not have`,
        objects: [g.to, g.from], provider: 'k8s', realm: p.realm, namespace: p.namespace,
        evidence: { ...evidence, missingKeys: mk, dataKeys: g.dataKeys ?? [] },
        fix: `Add key ${mk.join(', ')} to ${label(g.to)} or change the key the reference names.`,
      });
    }
  }
  findings.sort((a, b) => (a.severity === b.severity ? a.title.localeCompare(b.title) : a.severity === 'high' ? -1 : 1));
  return { findings, documents, objects: nodes.length, errors, inventory };
}
