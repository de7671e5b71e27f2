/**
 * Finding severities, ordered from least to most urgent. `critical` is reserved for what fails at the next pod
 * start while pods run right now (the "time bomb"; docs/ARCHITECTURE.md "Impact and findings").
 */

/** Every severity, least urgent first. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Rank of a severity (info 0 … critical 4). */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** True when `s` is at least as urgent as `threshold`. */
export function atLeast(s: Severity, threshold: Severity): boolean {
  return severityRank(s) >= severityRank(threshold);
}

/** Type guard for user input (CLI `--fail-on`, API `severity=`). */
export function isSeverity(v: unknown): v is Severity {
  return typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v);
}
