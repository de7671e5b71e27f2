/**
 * `keygraph check [--fail-on SEVERITY] [--rule RULE…] [--as-of TIME] [--json]`: findings over the whole inventory
 * (lib/analysis/findings.ts). `keygraph check --manifests DIR --cluster NAME [--namespace NS] [--complete]`: the pre-deploy gate
 * (lib/analysis/manifests.ts), nothing is written to the database.
 *
 * Exit 0 when no finding reaches `--fail-on` (default `high`), 2 when any does, 3 when there is no data at the time
 * (before the first collection, or nothing collected: no all-clear), 1 on error (bad option or time, unreadable
 * manifests folder). `--as-of` takes any form of lib/time.ts (ISO 8601, `run:N`, `24h`, `yesterday`…). `--json` prints `{ asOf, threshold, failed, counts, findings }` (or, for the gate, also
 * `documents`, `objects`, `errors`, `inventory`).
 */
import { displayText } from '../graph/describe';
import { computeFindings, RULE_IDS, type Finding, type RuleId } from '../analysis/findings';
import { checkManifests, readManifests } from './manifests';
import { withoutValues, type ManifestCheckResult } from '../analysis/manifests';
import { atLeast, isSeverity, SEVERITIES, type Severity } from '../analysis/severity';
import { openRuntime } from '../runtime';
import { EXIT, UsageError } from './exit';
import { checkAsOfOption, noDataExit, printNoData, resolveAsOfOption } from './impact';
import { remoteJson, remotePostJson, remoteServer, type RemoteServer } from './remote';
import type { NoData } from '../store/history';

/** Options of `keygraph check` as commander parses them. */
export interface CheckOptions {
  failOn?: string;
  manifests?: string;
  complete?: boolean;
  cluster?: string;
  namespace?: string;
  rule?: string[];
  asOf?: string;
  json?: boolean;
  /** Ask this keygraph server (lib/cli/remote.ts) instead of the database. */
  server?: string;
}

/** Counts per severity, most urgent first. */
export function countBySeverity(list: Finding[]): Record<Severity, number> {
  const c = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of list) c[f.severity]++;
  return c;
}

/** Human rendering of findings (stdout text). */
export function formatFindings(list: Finding[], threshold: Severity): string {
  const out: string[] = [];
  const counts = countBySeverity(list);
  out.push(`${list.length} finding(s): ${[...SEVERITIES].reverse().map((s) => `${counts[s]} ${s}`).join(', ')} (fail on ${threshold} and above)`);
  for (const f of list) {
    // Titles, ids and fixes name objects: hidden and bidi characters shown escaped (lib/graph/describe.ts displayText).
    out.push('', `[${f.severity.toUpperCase()}] ${f.rule}: ${displayText(f.title)}`);
    for (const o of f.objects.slice(0, 12)) out.push(`    ${displayText(o)}`);
    if (f.objects.length > 12) out.push(`    … and ${f.objects.length - 12} more`);
    out.push(`  fix: ${displayText(f.fix)}`);
    out.push(`  id: ${f.id}`);
  }
  return out.join('\n') + '\n';
}

/** `keygraph check`: prints findings (text or `--json`); returns 2 when any reaches `--fail-on`, else 0; UsageError → 1. */
export async function checkCommand(opts: CheckOptions): Promise<number> {
  const threshold = (opts.failOn ?? 'high').toLowerCase();
  if (!isSeverity(threshold)) throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}`);
  const rules = opts.rule ?? [];
  for (const r of rules) if (!(RULE_IDS as string[]).includes(r)) throw new UsageError(`--rule: unknown rule ${JSON.stringify(r)} (rules: ${RULE_IDS.join(', ')})`);
  if (opts.manifests && !opts.cluster) throw new UsageError('--manifests needs --cluster NAME (the cluster the manifests are deployed to)');
  if (opts.cluster && !opts.manifests) throw new UsageError('--cluster is only used with --manifests');
  if (opts.complete && !opts.manifests) throw new UsageError('--complete is only used with --manifests');
  checkAsOfOption(opts.asOf);
  const server = remoteServer(opts.server);
  if (server) {
    if (opts.manifests) {
      // Read and mapped here; only references and key names go to the server (never a value, no fingerprint).
      const mapped = withoutValues(await readManifests([opts.manifests], { cluster: opts.cluster!, namespace: opts.namespace, complete: opts.complete === true }));
      if (!mapped.documents && mapped.errors.length) throw new UsageError(`cannot read ${opts.manifests}: ${mapped.errors[0]}`);
      const { where, ...rest } = mapped;
      const r = await remotePostJson<ManifestCheckResult | NoData>(server, 'api/v1/check/manifests', { ...rest, where: Object.fromEntries(where), cluster: opts.cluster, asOf: opts.asOf });
      if ('noData' in r) return printNoData(r, opts.json);
      return gateReport(r, opts, new Date().toISOString(), threshold, rules);
    }
    const r = await remoteFindings(server, opts.asOf);
    if ('noData' in r) return printNoData(r, opts.json);
    return report(r.findings, r.asOf, threshold, rules, {}, opts.json);
  }
  const rt = await openRuntime();
  try {
    const asOf = await resolveAsOfOption(rt.database, opts.asOf);
    // The inventory has no data then (or at all): exit 3, never "0 finding(s)". The manifest gate still runs now
    // against manifests alone on a never-collected cluster (it says so), but not against a time before the data.
    if (!opts.manifests || asOf) {
      const none = await noDataExit(rt.database, asOf, opts.json);
      if (none !== null) return none;
    }
    if (opts.manifests) {
      const r = await checkManifests(rt.database, [opts.manifests], { cluster: opts.cluster!, namespace: opts.namespace, asOf, complete: opts.complete === true });
      if (!r.documents && r.errors.length) throw new UsageError(`cannot read ${opts.manifests}: ${r.errors[0]}`);
      return gateReport(r, opts, (asOf ?? new Date()).toISOString(), threshold, rules);
    }
    const r = await computeFindings(rt.database, { asOf, rules: rules as RuleId[] });
    return report(r.findings, r.asOf, threshold, rules, {}, opts.json);
  } finally {
    await rt.close();
  }
}

/** The pre-deploy gate's report, local or from a server: skipped documents and the no-inventory note on stderr. */
function gateReport(r: ManifestCheckResult, opts: CheckOptions, asOf: string, threshold: Severity, rules: string[]): number {
  if (!opts.json) {
    for (const e of r.errors.slice(0, 50)) process.stderr.write(`  skipped ${e}\n`);
    if (!r.inventory) process.stderr.write(`note: cluster ${opts.cluster} has never been collected; references were checked against the manifests only\n`);
  }
  return report(r.findings, asOf, threshold, rules, { documents: r.documents, objects: r.objects, errors: r.errors, inventory: r.inventory }, opts.json);
}

/** Prints the findings of `rules` (all when empty), text or JSON; EXIT.breaks when one reaches `threshold`. */
function report(all: Finding[], asOf: string, threshold: Severity, rules: string[], extra: Record<string, unknown>, json?: boolean): number {
  const findings = rules.length ? all.filter((f) => rules.includes(f.rule)) : all;
  const failed = findings.some((f) => atLeast(f.severity, threshold));
  if (json) {
    process.stdout.write(JSON.stringify({ asOf, threshold, failed, counts: countBySeverity(findings), ...extra, findings }, null, 2) + '\n');
  } else {
    process.stdout.write(formatFindings(findings, threshold));
  }
  return failed ? EXIT.breaks : EXIT.ok;
}

/** Every finding from a server (`GET /api/v1/findings`, 5,000 a page), or its NoData answer. */
async function remoteFindings(server: RemoteServer, asOf: string | undefined): Promise<{ asOf: string; findings: Finding[] } | NoData> {
  const findings: Finding[] = [];
  for (let offset = 0; ; ) {
    const page = await remoteJson<{ asOf: string; total: number; findings: Finding[] } | NoData>(server, 'api/v1/findings', { asOf, limit: '5000', offset: String(offset) });
    if ('noData' in page) return page;
    findings.push(...page.findings);
    offset += page.findings.length;
    if (!page.findings.length || offset >= page.total) return { asOf: page.asOf, findings };
  }
}
