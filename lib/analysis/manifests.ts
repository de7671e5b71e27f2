/**
 * Pre-deploy gate (`keygraph check --manifests DIR --cluster NAME`): checks the references in a folder of manifests
 * against the latest inventory of the cluster PLUS what the manifests themselves define, without writing anything
 * to the database, so a CI pipeline stops before a rollout that would fail with `CreateContainerConfigError`.
 *
 * Manifests are read with lib/input/documents.ts `readDocuments` and mapped with the Kubernetes mapper
 * (collectors/kubernetes/mapper.ts, with the implicit `default` ServiceAccount per namespace). Secret values in the
 * manifests are fingerprinted under a throwaway key and dropped: nothing leaves this function but ids and key names.
 *
 * The findings are those of the whole-graph rules (lib/analysis/findings.ts: `dangling-reference`,
 * `unverified-reference`, `missing-data-key`, `producer-failed`), computed over the stored graph with the manifests
 * laid over it (`overlay`: a manifest object replaces the stored one and its references), and kept when they involve
 * an object of the manifests (`evidence.source = 'manifests'`, `evidence.file`). The manifests vouch for a kind in a
 * namespace where they hold objects of it, as `keygraph collect files` does (with `complete`, everywhere); the
 * inventory's coverage counts too.
 */
import { randomBytes } from 'node:crypto';
import { Prisma } from '../generated/prisma/client';
import type { Database } from '../db';
import { createKubernetesMapper } from '../../collectors/kubernetes/mapper';
import { kubernetesFileCoverage } from '../../collectors/kubernetes/files';
import { readDocuments } from '../input/documents';
import { k8sId } from '../graph/ids';
import { createFingerprinter } from '../secrets/fingerprint';
import { computeFindings, type Finding, type RuleId } from './findings';
import type { CoverageRow } from './freshness';

/** The rules the gate runs: those about references (the history rules need stored versions). */
const GATE_RULES: RuleId[] = ['dangling-reference', 'unverified-reference', 'missing-data-key', 'producer-failed'];

export interface ManifestCheckOptions {
  cluster: string;
  /** Namespace for objects that carry none (default `default`). */
  namespace?: string;
  asOf?: Date;
  /**
   * The manifests (with the inventory) are the whole cluster (`check --manifests … --complete`): every kind counts as
   * listed in every namespace, so a reference to an object neither holds is dangling rather than unverified.
   */
  complete?: boolean;
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
  const runCount = await database.prisma.$queryRaw<{ n: bigint }[]>(Prisma.sql`
    SELECT count(*) AS n FROM runs WHERE scope = ${opts.cluster} AND source IN ('k8s', 'files') AND committed_at IS NOT NULL`);
  const inventory = Number(runCount[0]?.n ?? 0) > 0;

  const covered = kubernetesFileCoverage(nodes, opts.complete === true);
  const row = (key: string, namespace: string | null): CoverageRow => ({ provider: 'k8s', realm: opts.cluster, kind: key.slice('k8s:'.length), namespace });
  const coverage = [
    ...covered.coveredKinds.map((k) => row(k, null)),
    ...Object.entries(covered.coveredInNamespaces ?? {}).flatMap(([k, nss]) => nss.map((n) => row(k, n))),
  ];
  const ours = new Set(nodes.filter((n) => n.properties.implicit !== true).map((n) => n.id));
  const { findings } = await computeFindings(database, {
    asOf: opts.asOf, rules: GATE_RULES, overlay: { nodes, edges, coverage },
  });
  const mine: Finding[] = findings
    .filter((f) => f.objects.some((o) => ours.has(o)))
    .map((f) => {
      const file = f.objects.map((o) => where.get(o)).find(Boolean);
      return { ...f, evidence: { ...f.evidence, source: 'manifests', file, inventory } };
    });
  return { findings: mine, documents, objects: nodes.length, errors, inventory };
}
