/**
 * The answer at the top of a node page: is this object healthy, who fails at the next restart, what replaces it,
 * and what the default action would do. Pure: built from the node's impact (lib/analysis/impact.ts) and the stored
 * findings that involve it (lib/analysis/cache.ts), so the header never disagrees with the sections below it.
 */
import type { Finding } from './findings';
import type { ImpactResult } from './impact';
import { severityRank, type Severity } from './severity';

/**
 * `missing`: referenced but not observed, and nothing will create it; `pending`: not observed yet, but an observed
 * producer (ExternalSecret, Certificate, SealedSecret) writes it; `at-risk`: a finding of high or critical severity
 * involves it; `unknown`: no such finding, but the data behind the answer is incomplete or stale, so the absence of
 * findings proves nothing (never an all-clear on such data); `ok`: none of these.
 */
export type Health = 'ok' | 'missing' | 'pending' | 'at-risk' | 'unknown';

export interface Triage {
  health: Health;
  /** The impact of the node's default action (the first the model lists for its kind). */
  action: ImpactResult['action'];
  verdict: ImpactResult['verdict'];
  /** Ids of the dependants that break under the default action (for a missing node: that fail at their next start). */
  breaking: string[];
  /** Running Pods among the dependants that break: they fail at their next restart. */
  runningPodsAtRisk: number;
  /** Objects that reference or depend on it directly (depth 1), optional ones included. */
  directDependants: number;
  /** The Secret a rename replaced this one with (the renamed-secret finding: same fingerprints), when there is one. */
  replacement: { id: string; since: string } | null;
  /** For the new name of a renamed Secret: the old name and the objects that still reference it. */
  renamedFrom: { id: string; references: string[] } | null;
  /** Producers that will write it (for `pending`). */
  producedBy: string[];
  /** Findings that put it at risk, worst first (all findings involving it but the rename it is the new name of). */
  findings: Finding[];
  /** The worst of those findings' severity, or null. */
  worst: Severity | null;
  /** Why the answer is not certain (impact's reasons: stale or partial sources, truncation). */
  reasons: string[];
}

/** Triage of a node from its impact under the default action and the findings involving it. */
export function triage(impact: ImpactResult, findings: readonly Finding[]): Triage {
  const sorted = [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  const id = impact.target.id;
  // The new name of a renamed Secret is part of the rename finding, but it is the healthy half: the finding puts
  // the old name's referrers at risk, not it.
  const fromRename = sorted.find((f) => f.rule === 'renamed-secret' && f.evidence.newSecret === id);
  const risky = sorted.filter((f) => f !== fromRename);
  const worst = risky[0]?.severity ?? null;
  const breaking = new Set(impact.breaking);
  const runningPodsAtRisk = impact.affected.filter((a) => a.node.kind === 'Pod' && a.phase === 'Running' && breaking.has(a.node.id)).length;
  const renamed = sorted.find((f) => f.rule === 'renamed-secret' && f.evidence.oldSecret === id);
  const replacement = renamed && typeof renamed.evidence.newSecret === 'string'
    ? { id: renamed.evidence.newSecret, since: String(renamed.evidence.newSince ?? '') }
    : null;
  const health: Health = impact.targetPending
    ? 'pending'
    : impact.targetMissing
      ? 'missing'
      : worst && severityRank(worst) >= severityRank('high')
        ? 'at-risk'
        : impact.reasons.length
          ? 'unknown'
          : 'ok';
  return {
    health,
    action: impact.action,
    verdict: impact.verdict,
    breaking: impact.breaking,
    runningPodsAtRisk,
    directDependants: impact.affected.filter((a) => a.depth === 1).length,
    replacement,
    renamedFrom: fromRename && typeof fromRename.evidence.oldSecret === 'string'
      ? { id: fromRename.evidence.oldSecret, references: Array.isArray(fromRename.evidence.referencesToOldName) ? fromRename.evidence.referencesToOldName.map(String) : [] }
      : null,
    producedBy: impact.producedBy,
    findings: risky,
    worst,
    reasons: impact.reasons,
  };
}

/** One row of the Missing list: how bad a missing node is, from the dangling-reference findings that target it. */
export interface MissingSummary {
  /** The worst severity among those findings, or null when none targets it (e.g. pending, or not in the input). */
  severity: Severity | null;
  /** The objects whose references point at it, by owner (the finding's `root`: a Deployment, not its Pods). */
  referencedBy: string[];
  /** Running Pods that reference it: they fail at their next restart. */
  runningPods: number;
  /** Every reference is `optional: true` (pods start without it). */
  optional: boolean;
}

/** {@link MissingSummary} of node `id` from the findings that involve it (any rule; only dangling references count). */
export function missingSummary(id: string, findings: readonly Finding[]): MissingSummary {
  const mine = findings.filter((f) => f.rule === 'dangling-reference' && f.evidence.target === id);
  const pods = new Set(mine.flatMap((f) => (Array.isArray(f.evidence.runningPods) ? f.evidence.runningPods.map(String) : [])));
  const sorted = [...mine].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  return {
    severity: sorted[0]?.severity ?? null,
    referencedBy: [...new Set(sorted.map((f) => String(f.evidence.root)))],
    runningPods: pods.size,
    optional: mine.length > 0 && mine.every((f) => f.evidence.optional === true),
  };
}
