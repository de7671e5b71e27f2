/**
 * Pre-deploy gate (`keygraph check --manifests DIR --cluster NAME`): checks the references in a folder of manifests
 * against the latest inventory of the cluster PLUS what the manifests themselves define, without writing anything
 * to the database, so a CI pipeline stops before a rollout that would fail with `CreateContainerConfigError`.
 *
 * Manifests are read and mapped by the source that reads them (collectors/types.ts Source.readManifests: the
 * Kubernetes source reads them with lib/input/documents.ts and its mapper, with the implicit `default` ServiceAccount
 * per namespace); the CLI wiring (lib/cli/manifests.ts) hands the result here. Secret values in the manifests are
 * fingerprinted under a throwaway key and dropped: nothing reaches this module but ids and key names.
 *
 * The findings are those of the whole-graph rules (lib/analysis/findings.ts: `dangling-reference`,
 * `unverified-reference`, `missing-data-key`, `producer-failed`), computed over the stored graph with the manifests
 * laid over it (`overlay`: a manifest object replaces the stored one and its references), and kept when they involve
 * an object of the manifests (`evidence.source = 'manifests'`, `evidence.file`). The manifests vouch for a kind in a
 * namespace where they hold objects of it, as `keygraph collect files` does (with `complete`, everywhere); the
 * inventory's coverage counts too.
 */
import { Prisma } from '../generated/prisma/client';
import type { Database } from '../db';
import { isProvider, type Provider } from '../graph/model';
import type { EdgeRecord, NodeRecord } from '../graph/records';
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

/** Manifests read and mapped by a source (collectors/types.ts Source.readManifests). */
export interface MappedManifests {
  /** Provider of the objects (the realm `cluster` is one of its realms). */
  provider: Provider;
  nodes: NodeRecord[];
  edges: EdgeRecord[];
  /** Node id → `file:line` of the document that defined it (the first one). */
  where: Map<string, string>;
  /** Documents read. */
  documents: number;
  /** Files or documents that could not be read (`file:line: message`, never content). */
  errors: string[];
  /** Kind keys the manifests list completely everywhere, and kind key → namespaces where only there (as a files run:
   * collectors/types.ts FileSinkOutput). */
  coveredKinds: string[];
  coveredInNamespaces?: Record<string, string[]>;
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
 * `mapped` with every `fingerprints` property dropped: what may leave the machine that read the manifests (the
 * remote gate needs references and key names, never a value or anything derived from one). Pure.
 */
export function withoutValues(mapped: MappedManifests): MappedManifests {
  return {
    ...mapped,
    nodes: mapped.nodes.map((n) => {
      if (!('fingerprints' in n.properties)) return n;
      const { fingerprints: _dropped, ...properties } = n.properties;
      return { ...n, properties };
    }),
  };
}

/**
 * Runs the gate over manifests a source read (`mapped`) for cluster `opts.cluster`. Errors: database errors.
 */
export async function checkMappedManifests(database: Database, mapped: MappedManifests, opts: Pick<ManifestCheckOptions, 'cluster' | 'asOf'>): Promise<ManifestCheckResult> {
  const { nodes, edges, where, documents, errors } = mapped;
  const runCount = await database.prisma.$queryRaw<{ n: bigint }[]>(Prisma.sql`
    SELECT count(*) AS n FROM runs WHERE scope = ${opts.cluster} AND committed_at IS NOT NULL
      AND (provider = ${mapped.provider} OR (provider IS NULL AND source IN (${mapped.provider}, 'files')))`);
  const inventory = Number(runCount[0]?.n ?? 0) > 0;

  const row = (key: string, namespace: string | null): CoverageRow[] => {
    const i = key.indexOf(':');
    const provider = key.slice(0, i);
    return isProvider(provider) ? [{ provider, realm: opts.cluster, kind: key.slice(i + 1), namespace }] : [];
  };
  const coverage = [
    ...mapped.coveredKinds.flatMap((k) => row(k, null)),
    ...Object.entries(mapped.coveredInNamespaces ?? {}).flatMap(([k, nss]) => nss.flatMap((n) => row(k, n))),
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
