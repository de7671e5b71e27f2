/**
 * `keygraph impact ID [--action delete|disable|rotate|rename] [--as-of TIME] [--json]`: what breaks if the action is
 * taken (lib/analysis/impact.ts). Exit 0 safe, 2 breaks, 3 unknown (a relevant source is partial or stale, or no
 * data at the time: before the first collection), 1 error (malformed id, unknown node, bad option or time). `--json` prints the ImpactResult as JSON on stdout.
 */
import { describeEdge, displayText, qualifiedName } from '../graph/describe';
import type { EdgeProperties } from '../graph/records';
import { idForms } from '../graph/ids';
import { ROTATION_PLAN_LABELS } from '../analysis/rotation';
import { impactOf, IMPACT_ACTIONS, InvalidIdError, type ImpactAction, type ImpactResult } from '../analysis/impact';
import type { Database } from '../db';
import { openRuntime } from '../runtime';
import { noDataReport, resolveTime, type NoData } from '../store/history';
import { isNowSpec, parseTimeSpec, TimeSpecError } from '../time';
import { EXIT, noNodeMessage, UsageError } from './exit';
import { remoteJson, remoteServer } from './remote';

/** Exit code for a verdict (docs/ARCHITECTURE.md command-line contract). */
export function exitForVerdict(v: ImpactResult['verdict']): number {
  return v === 'safe' ? EXIT.ok : v === 'breaks' ? EXIT.breaks : EXIT.unknown;
}

/**
 * Checks the form of `--as-of` before anything is opened (lib/time.ts, strict: ISO 8601, `run:N`, `24h`, `7d`,
 * `yesterday`…); UsageError (exit 1) naming the accepted forms when malformed or out of range.
 */
export function checkAsOfOption(v: string | undefined): void {
  if (v === undefined) return;
  try {
    parseTimeSpec(v);
  } catch (e) {
    if (e instanceof TimeSpecError) throw new UsageError(`--as-of: ${e.message}`);
    throw e;
  }
}

/**
 * `--as-of` resolved by the one resolver (lib/store/history.ts resolveTime; undefined: now). UsageError (exit 1)
 * for a spec that does not resolve (malformed, unknown run, future); database errors propagate.
 */
export async function resolveAsOfOption(database: Database, v: string | undefined): Promise<Date | undefined> {
  if (v === undefined || isNowSpec(v)) return undefined;
  try {
    return await resolveTime(database, v);
  } catch (e) {
    if (e instanceof TimeSpecError) throw new UsageError(`--as-of: ${e.message}`);
    throw e;
  }
}

/**
 * When keygraph has no data at `at` (undefined: now; lib/store/history.ts dataBegins): prints why (stderr; with
 * `json`, also `{noData: true, asOf, dataBegins, message}` on stdout) and returns EXIT.unknown (3): no data is not
 * an all-clear. Null when there is data.
 */
export async function noDataExit(database: Database, at: Date | undefined, json?: boolean): Promise<number | null> {
  const none = await noDataReport(database, at);
  return none ? printNoData(none, json) : null;
}

/** Prints a {@link NoData} (stderr; with `json`, the object on stdout too) and returns EXIT.unknown (3). */
export function printNoData(n: NoData, json?: boolean): number {
  if (json) process.stdout.write(JSON.stringify({ noData: true, asOf: n.asOf, dataBegins: n.dataBegins, message: n.message }, null, 2) + '\n');
  process.stderr.write(`${n.message}\n`);
  return EXIT.unknown;
}

/** Human rendering of an impact result (stdout text). */
export function formatImpact(r: ImpactResult): string {
  const out: string[] = [];
  const verdictText = { safe: 'SAFE', breaks: 'BREAKS', unknown: 'UNKNOWN' }[r.verdict];
  out.push(`${r.action} ${r.target.kind} ${qualifiedName(r.target)}${r.targetPending ? '  [PENDING: a producer will create it]' : r.targetMissing ? '  [MISSING: referenced but not observed]' : ''}`);
  out.push(`  id: ${r.target.id}`);
  out.push(`verdict: ${verdictText}${r.verdict === 'breaks' ? ` (${r.breaking.length} dependant(s) ${r.action === 'rotate' ? 'must be updated or restarted' : 'break'})` : ''}`);
  for (const why of r.reasons) out.push(`  ${r.verdict === 'unknown' ? 'unknown because' : 'the list may be incomplete'}: ${why}`);
  if (r.producedBy.length) out.push(`  created by: ${r.producedBy.join(', ')}${r.targetPending ? ' (pending: not created yet)' : ''}`);
  for (const n of r.notes) out.push(`  note: ${n}`);
  if (r.plan.steps.length > 1 || r.affected.length) {
    out.push('', `Plan (${r.action})`);
    r.plan.steps.forEach((s, i) => {
      out.push(`  ${i + 1}. ${s.by === 'automatic' ? '[automatic] ' : ''}${displayText(s.text)}${s.runningPods ? ` [${s.runningPods} running pod(s)]` : ''}`);
      if (s.command) out.push(`     $ ${displayText(s.command)}`);
    });
    if (r.plan.finishedPods) out.push(`  (${r.plan.finishedPods} finished pod(s): nothing to restart)`);
  }
  out.push('', `Affected (${r.affected.length})${r.truncated ? ' [truncated]' : ''}`);
  if (!r.affected.length) out.push('  (nothing depends on it)');
  for (const a of r.affected) {
    const flags = [
      a.rotation ? ROTATION_PLAN_LABELS[a.rotation.plan] : a.role !== 'breaks' ? a.role : '',
      a.node.missing ? (r.targetPending && a.node.id === r.target.id ? 'PENDING' : 'MISSING') : '',
      a.phase ? a.phase : '',
      a.runningPods && a.node.kind !== 'Pod' ? `${a.runningPods} running pod(s)` : '',
    ].filter(Boolean);
    out.push(`  ${a.node.kind} ${qualifiedName(a.node)}${flags.length ? `  [${flags.join(', ')}]` : ''}`);
    out.push(`    ${a.node.id}`);
    const why = a.path
      .map((s) => {
        const detail = s.references.map((p) => describeEdge(p as EdgeProperties)).filter(Boolean).join('; ');
        return `${s.kind}${detail ? ` (${detail})` : ''}`;
      })
      .join(' → ');
    if (why) out.push(`    why: ${why}`);
    if (a.rotation) out.push(`    rotate: ${ROTATION_PLAN_LABELS[a.rotation.plan]}: ${displayText(a.rotation.reason)}`);
  }
  return out.join('\n') + '\n';
}

/** `keygraph impact ID`: prints the impact (text or `--json`) and returns the verdict's exit code (0/2/3); UsageError → 1. */
export async function impactCommand(id: string, opts: { action?: string; json?: boolean; asOf?: string; server?: string }): Promise<number> {
  const action = (opts.action ?? 'delete') as ImpactAction;
  if (!IMPACT_ACTIONS.includes(action)) throw new UsageError(`--action must be one of ${IMPACT_ACTIONS.join(', ')}`);
  checkAsOfOption(opts.asOf);
  const server = remoteServer(opts.server);
  if (server) {
    const r = await remoteJson<ImpactResult | NoData>(server, 'api/v1/impact', { id, action, asOf: opts.asOf }, noNodeMessage(id));
    if ('noData' in r) return printNoData(r, opts.json);
    process.stdout.write(opts.json ? JSON.stringify(r, null, 2) + '\n' : formatImpact(r));
    return exitForVerdict(r.verdict);
  }
  const rt = await openRuntime();
  try {
    const asOf = await resolveAsOfOption(rt.database, opts.asOf);
    const none = await noDataExit(rt.database, asOf, opts.json);
    if (none !== null) return none;
    let r: ImpactResult | null;
    try {
      r = await impactOf(rt.database, id, { action, asOf, freshnessHours: rt.config.freshnessHours });
    } catch (e) {
      if (e instanceof InvalidIdError) {
        throw new UsageError(`${e.message} (expected one of ${idForms().join(', ')})`);
      }
      throw e;
    }
    if (!r) throw new UsageError(noNodeMessage(id));
    process.stdout.write(opts.json ? JSON.stringify(r, null, 2) + '\n' : formatImpact(r));
    return exitForVerdict(r.verdict);
  } finally {
    await rt.close();
  }
}
