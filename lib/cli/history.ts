/**
 * `keygraph history ID`, `keygraph diff --from T --to T`, `keygraph prune --older-than AGE`.
 * Times are any form of lib/time.ts (ISO 8601, `run:N`, `24h`, `yesterday`…), resolved by lib/store/history.ts
 * resolveTime. History events say between which two runs a change happened: keygraph knows no finer time.
 */
import { parseId } from '../graph/ids';
import type { FieldChange } from '../graph/changes';
import { openRuntime } from '../runtime';
import { diffGraph, getNodeHistory, resolveTime, TimeSpecError, type HistoryEvent } from '../store/history';
import { pruneHistory } from '../store/retention';
import { EXIT, UsageError } from './exit';

function changeText(c: FieldChange): string {
  const v = (x: unknown) => (typeof x === 'string' ? x : JSON.stringify(x));
  if (c.change === 'changed') return `${c.field}: ${v(c.before)} → ${v(c.after)}`;
  if (c.change === 'value changed') return `${c.field}: value changed`;
  return `${c.field} ${c.change}${c.after !== undefined ? `: ${v(c.after)}` : ''}`;
}

/** `between run 3 (2026-11-20T10:00:00.000Z) and run 5 (…) of files/prod`, or `by run 3 (…), the first run of files/prod`. */
export function whenText(e: HistoryEvent): string {
  const seen = `run ${e.runId} (${e.at.toISOString()})`;
  return e.after
    ? `between run ${e.after.runId} (${e.after.committedAt.toISOString()}) and ${seen} of ${e.source}/${e.scope}`
    : `by ${seen}, the first run of ${e.source}/${e.scope}`;
}

export async function historyCommand(id: string, opts: { json?: boolean }): Promise<number> {
  if (!parseId(id)) throw new UsageError(`not a keygraph id: ${JSON.stringify(id.slice(0, 200))}`);
  const rt = await openRuntime();
  try {
    const h = await getNodeHistory(rt.database, id);
    if (!h) throw new UsageError(`no history for ${id}: never collected`);
    if (opts.json) {
      process.stdout.write(JSON.stringify(h, null, 2) + '\n');
      return EXIT.ok;
    }
    const out = [`history of ${id}`];
    for (const e of h.events) {
      out.push(`  ${e.type.padEnd(20)} ${whenText(e)}`);
      for (const c of e.changes) out.push(`      ${changeText(c)}`);
    }
    out.push(`  seen by ${h.seenBy.length} run(s)${h.seenBy.length ? `: ${h.seenBy.slice(0, 20).map((r) => r.runId).join(', ')}` : ''}`);
    process.stdout.write(out.join('\n') + '\n');
    return EXIT.ok;
  } finally {
    await rt.close();
  }
}

export async function diffCommand(opts: { from: string; to?: string; cluster?: string; json?: boolean }): Promise<number> {
  const rt = await openRuntime();
  try {
    const time = (flag: string, spec: string) =>
      resolveTime(rt.database, spec).catch((e: Error) => Promise.reject(e instanceof TimeSpecError ? new UsageError(`${flag}: ${e.message}`) : e));
    const from = await time('--from', opts.from);
    const to = opts.to ? await time('--to', opts.to) : new Date();
    const d = await diffGraph(rt.database, { from, to, realm: opts.cluster });
    if (opts.json) {
      process.stdout.write(JSON.stringify(d, null, 2) + '\n');
      return EXIT.ok;
    }
    const out = [`diff ${from.toISOString()} → ${to.toISOString()}${opts.cluster ? ` (${opts.cluster})` : ''}`];
    for (const r of d.renamedSecrets) out.push(`  RENAMED  ${r.from} → ${r.to}`);
    const sign = { added: '+', removed: '-', changed: '~' } as const;
    for (const n of d.nodes) {
      out.push(`  ${sign[n.change]} ${n.kind.padEnd(16)} ${n.id}`);
      for (const c of n.changes) out.push(`      ${changeText(c)}`);
    }
    for (const e of d.edges) out.push(`  ${sign[e.change]} ${e.kind.padEnd(16)} ${e.from} → ${e.to}`);
    if (!d.nodes.length && !d.edges.length) out.push('  no changes');
    if (d.truncated) out.push('  … (cut; use --json or a narrower --cluster)');
    process.stdout.write(out.join('\n') + '\n');
    return EXIT.ok;
  } finally {
    await rt.close();
  }
}

/** `90d`, `12h`, `2w` → milliseconds. */
export function parseAge(s: string): number {
  const m = /^(\d{1,6})([hdw])$/.exec(s.trim());
  if (!m) throw new UsageError(`--older-than takes an age like 90d, 12h or 8w (got ${JSON.stringify(s.slice(0, 30))})`);
  return Number(m[1]) * { h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'h' | 'd' | 'w'];
}

export async function pruneCommand(opts: { olderThan: string; json?: boolean }): Promise<number> {
  const ageMs = parseAge(opts.olderThan);
  const rt = await openRuntime();
  try {
    const r = await pruneHistory(rt.database, new Date(Date.now() - ageMs));
    process.stdout.write(opts.json ? JSON.stringify(r) + '\n' : `pruned ${r.nodeVersions} node and ${r.edgeVersions} edge versions that ended before ${r.before.toISOString()}; current state untouched\n`);
    return EXIT.ok;
  } finally {
    await rt.close();
  }
}
