/**
 * The findings page as a table (lib/analysis/findings.ts findings, as computed): one row per finding or incident, with
 * the owner a person acts on, the running pods at risk, whether it is new since a baseline run, and sorting.
 *
 * An incident folds the `dangling-reference` and `missing-data-key` findings whose missing target is a renamed
 * Secret's old name (`renamed-secret` evidence `oldSecret`) into that rename's row: one cause, one row, at the
 * severity of the worst finding in it.
 */
import type { Database } from '../db';
import { parseId } from '../graph/ids';
import { RUNNER_KIND_KEYS } from '../graph/model';
import { resolveTime } from '../store/history';
import { topOwners, type ReadOptions } from '../store/read';
import { cachedFindings } from './cache';
import { filterFindings, RULES, type Finding, type FindingFilter, type RuleId } from './findings';
import { SEVERITIES, severityRank, type Severity } from './severity';

/** One row of the table. */
export interface FindingRow {
  /** The finding the row is about (for an incident: the rename). */
  finding: Finding;
  /** The worst severity of the row's findings. */
  severity: Severity;
  /** Findings folded into this row (an incident's dangling references), most severe first. */
  related: Finding[];
  /** The top controller (Deployment, StatefulSet, CronJob…) of the first workload or pod the finding names: who to
   * act on. Absent when the finding names none. */
  owner?: string;
  /** Running pods at risk (evidence `runningPods` / `pods`), over the row's findings, distinct. */
  podsAtRisk: number;
  /** True when no finding of the row existed at the baseline (`new since run N`); absent without a baseline. */
  isNew?: boolean;
}

/** Sort keys of the table. */
export const FINDING_SORTS = ['severity', 'rule', 'object', 'owner', 'namespace', 'realm', 'pods'] as const;
export type FindingSort = (typeof FINDING_SORTS)[number];

/** Rules whose finding names a missing target (evidence `target`) that a rename can have caused. */
const CAUSED_BY_RENAME: readonly RuleId[] = ['dangling-reference', 'missing-data-key'];

/** Kinds a finding's owner is looked up from: workloads and their Pods. */
const WORKLOAD_KINDS = new Set<string>(RUNNER_KIND_KEYS);
const kindKey = (id: string) => {
  const p = parseId(id);
  return p ? `${p.provider}:${p.kind}` : '';
};

/** Pod ids at risk in a finding's evidence (`runningPods` or `pods`: id lists). */
function podsOf(f: Finding): string[] {
  const v = f.evidence.runningPods ?? f.evidence.pods;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Groups findings into rows (pure): each `renamed-secret` finding takes the dangling references to its old name.
 * Rows keep the input order of their lead finding.
 */
export function groupIncidents(findings: readonly Finding[]): { finding: Finding; related: Finding[] }[] {
  type Group = { finding: Finding; related: Finding[] };
  const byOld = new Map<string, Group>();
  const incidentOf = new Map<Finding, Group>();
  for (const f of findings) {
    if (f.rule !== 'renamed-secret' || typeof f.evidence.oldSecret !== 'string' || byOld.has(f.evidence.oldSecret)) continue;
    const g = { finding: f, related: [] };
    byOld.set(f.evidence.oldSecret, g);
    incidentOf.set(f, g);
  }
  const folded = new Set<Finding>();
  for (const f of findings) {
    const target = f.evidence.target;
    const incident = CAUSED_BY_RENAME.includes(f.rule) && typeof target === 'string' ? byOld.get(target) : undefined;
    if (incident) {
      incident.related.push(f);
      folded.add(f);
    }
  }
  return findings.filter((f) => !folded.has(f)).map((f) => incidentOf.get(f) ?? { finding: f, related: [] });
}

/**
 * The table's rows for `findings` (as listed: most severe first), as of `opts.asOf`: incidents grouped, owners read
 * from the stored `OWNS` edges (lib/store/read.ts topOwners), pods at risk counted, and `isNew` set when `baseline`
 * (the finding ids at the baseline run) is given. Errors: database errors propagate.
 */
export async function findingRows(
  database: Database,
  findings: readonly Finding[],
  opts: ReadOptions & { baseline?: ReadonlySet<string> } = {},
): Promise<FindingRow[]> {
  const groups = groupIncidents(findings);
  const firstWorkload = (f: Finding) => f.objects.find((o) => WORKLOAD_KINDS.has(kindKey(o)));
  const all = groups.flatMap((g) => [g.finding, ...g.related]);
  const candidates = all.map(firstWorkload).filter((x): x is string => !!x);
  const tops = await topOwners(database, candidates, opts);
  return groups.map(({ finding, related }) => {
    const members = [finding, ...related];
    const workload = members.map(firstWorkload).find(Boolean);
    const severity = members.map((m) => m.severity).reduce((a, b) => (severityRank(b) > severityRank(a) ? b : a));
    return {
      finding,
      severity,
      related: [...related].sort((a, b) => severityRank(b.severity) - severityRank(a.severity)),
      ...(workload && { owner: tops.get(workload) ?? workload }),
      podsAtRisk: new Set(members.flatMap(podsOf)).size,
      ...(opts.baseline && { isNew: members.every((m) => !opts.baseline!.has(m.id)) }),
    };
  });
}

const primaryName = (r: FindingRow) => {
  const p = parseId(r.finding.objects[0] ?? '');
  return p ? `${p.namespace ?? ''}/${p.name}` : (r.finding.objects[0] ?? '');
};
const ownerName = (r: FindingRow) => {
  const p = r.owner ? parseId(r.owner) : null;
  return p ? `${p.namespace ?? ''}/${p.name}` : '';
};

/**
 * Rows sorted by `sort` (`dir` `desc`: most severe, most pods, Z first), ties by severity, then most pods at risk,
 * then the finding's title. Empty owners and namespaces sort last whatever the direction. Pure; returns a new array.
 */
export function sortRows(rows: readonly FindingRow[], sort: FindingSort, dir: 'asc' | 'desc'): FindingRow[] {
  const compare = new Intl.Collator('en').compare;
  const sign = dir === 'asc' ? 1 : -1;
  const text = (a: string, b: string) => (!a && b ? 1 : a && !b ? -1 : sign * compare(a, b));
  const by: Record<FindingSort, (a: FindingRow, b: FindingRow) => number> = {
    severity: (a, b) => sign * (severityRank(a.severity) - severityRank(b.severity)),
    pods: (a, b) => sign * (a.podsAtRisk - b.podsAtRisk),
    rule: (a, b) => text(RULES[a.finding.rule]?.title ?? a.finding.rule, RULES[b.finding.rule]?.title ?? b.finding.rule),
    object: (a, b) => text(primaryName(a), primaryName(b)),
    owner: (a, b) => text(ownerName(a), ownerName(b)),
    namespace: (a, b) => text(a.finding.namespace ?? '', b.finding.namespace ?? ''),
    realm: (a, b) => text(a.finding.realm, b.finding.realm),
  };
  return [...rows].sort(
    (a, b) => by[sort](a, b) || severityRank(b.severity) - severityRank(a.severity) || b.podsAtRisk - a.podsAtRisk || compare(a.finding.title, b.finding.title),
  );
}

/** What the findings page asks for: the filters of {@link filterFindings} plus owner, baseline run and order. */
export interface FindingTableQuery extends Pick<FindingFilter, 'severity' | 'rule' | 'realm' | 'namespace'> {
  /** `severity` is the row's exact severity (a severity chip), not a minimum. */
  exactSeverity?: boolean;
  /** Only rows whose owner is this node id. */
  owner?: string;
  /** Baseline run number: rows are marked new when none of their findings existed when run N committed;
   * with `onlyNew`, only those are listed. */
  newSince?: number;
  onlyNew?: boolean;
  sort?: FindingSort;
  dir?: 'asc' | 'desc';
}

/** The findings page's data. */
export interface FindingTable {
  /** When the findings were computed for (ISO 8601). */
  asOf: string;
  /** Rows matching the query, sorted. */
  rows: FindingRow[];
  /** Rows per severity (exactly) under every filter except severity. */
  counts: Record<Severity, number>;
  /** Every finding before filtering (0: nothing found at all). */
  total: number;
  /** Filter choices over all rows: clusters/projects, namespaces (of `realm` when given), owners (ids). */
  realms: string[];
  namespaces: string[];
  owners: string[];
}

/**
 * The findings table as of `opts.asOf` (lib/analysis/cache.ts cachedFindings, stored result for now): rows grouped,
 * filtered (a row matches when any of its findings does), sorted (default: most severe first). Errors: a
 * {@link TimeSpecError} for a baseline run that does not exist or never committed; database errors propagate.
 */
export async function findingTable(database: Database, q: FindingTableQuery, opts: ReadOptions = {}): Promise<FindingTable> {
  const result = await cachedFindings(database, opts);
  let baseline: Set<string> | undefined;
  if (q.newSince !== undefined) {
    const at = await resolveTime(database, `run:${q.newSince}`);
    baseline = new Set((await cachedFindings(database, { asOf: at })).findings.map((f) => f.id));
  }
  const rows = await findingRows(database, result.findings, { ...opts, baseline });
  const matches = (r: FindingRow, f: FindingTableQuery) =>
    filterFindings([r.finding, ...r.related], f).length > 0 && (!f.owner || r.owner === f.owner) && (!f.onlyNew || r.isNew === true) &&
    (!f.exactSeverity || !f.severity || r.severity === f.severity);
  // Counted under every filter but severity, so each severity chip says what choosing it would show.
  const unfiltered = rows.filter((r) => matches(r, { ...q, severity: undefined }));
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, unfiltered.filter((r) => r.severity === s).length])) as Record<Severity, number>;
  const shown = sortRows(unfiltered.filter((r) => matches(r, q)), q.sort ?? 'severity', q.dir ?? (q.sort && q.sort !== 'severity' && q.sort !== 'pods' ? 'asc' : 'desc'));
  const uniq = (xs: (string | null | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))].sort();
  return {
    asOf: result.asOf,
    rows: shown,
    counts,
    total: result.findings.length,
    realms: uniq(rows.map((r) => r.finding.realm)),
    namespaces: uniq(rows.filter((r) => !q.realm || r.finding.realm === q.realm).map((r) => r.finding.namespace)),
    owners: uniq(rows.map((r) => r.owner)),
  };
}
