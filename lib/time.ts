/**
 * The strict time-spec parser (pure: no database, no clock unless `now` is omitted). Every page, route handler, CLI
 * command and export reads a user's time through lib/store/history.ts `resolveTime`, which uses this; nothing parses
 * user input with `new Date(text)` (V8 reads `run:1` as 2001-01-01 and `Dec 1` as 2001-12-01).
 *
 * Accepted forms (surrounding spaces ignored, keywords and units case-insensitive):
 * - ISO 8601 date `2026-11-20` (00:00 UTC) or date-time `2026-11-20T10:00`, `2026-11-20T10:00:00Z`,
 *   `2026-11-20 10:00:00.123+01:00` (seconds and fraction optional; `Z`, `±HH:MM`, `±HHMM`, `±HH`; no zone = UTC);
 * - `run:N`: when run N's changes took effect (resolved against the database, not here);
 * - relative: `30m`, `24h`, `7d`, `2w`, `90s` (also `7 days`, `2 weeks ago`): that long before now;
 * - `now`, `today` (00:00 UTC today), `yesterday` (00:00 UTC the day before).
 * Times must fall in years 1970..9999.
 */

/** The accepted forms, for error messages and help texts. */
export const TIME_FORMS =
  'ISO 8601 (2026-11-20, 2026-11-20T10:00:00Z, 2026-11-20T10:00+01:00), run:N, a relative time (30m, 24h, 7d, 2w) or now, today, yesterday';

/** Earliest and latest instant a spec may name (years 1970..9999, UTC). */
export const MIN_TIME = Date.UTC(1970, 0, 1);
export const MAX_TIME = Date.UTC(10000, 0, 1) - 1;

/** A time spec that is malformed, out of range, or names an unknown run: a user's mistake, never a server error. */
export class TimeSpecError extends Error {
  override name = 'TimeSpecError';
}

/** A parsed spec: an instant, or a run whose commit time the database knows. */
export type TimeSpec =
  | { kind: 'time'; at: Date; form: 'iso' | 'relative' | 'now' }
  | { kind: 'run'; runId: number };

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;
const RUN = /^run:(\d{1,9})$/i;
const RELATIVE = /^(\d{1,7})\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)(?:\s+ago)?$/i;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DAY = 86_400_000;

const quote = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);

function inRange(ms: number, text: string): Date {
  if (!Number.isFinite(ms) || ms < MIN_TIME || ms > MAX_TIME) {
    throw new TimeSpecError(`${quote(text)} is out of range: times must fall in the years 1970 to 9999`);
  }
  return new Date(ms);
}

/** Strict ISO 8601: every field range-checked, and the calendar date must exist (no 2026-02-30). */
function parseIso(m: RegExpExecArray, text: string): Date {
  const [year, month, day, hour = 0, minute = 0, second = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) =>
    x === undefined ? undefined : Number(x),
  ) as number[];
  const frac = m[7] ? Number(`0.${m[7]}`) : 0;
  const bad = (what: string) => new TimeSpecError(`${quote(text)} is not a time: ${what}`);
  if (month! < 1 || month! > 12) throw bad(`month ${m[2]} does not exist`);
  if (hour > 23) throw bad(`hour ${m[4]} is out of range (00..23)`);
  if (minute > 59) throw bad(`minute ${m[5]} is out of range (00..59)`);
  if (second > 59) throw bad(`second ${m[6]} is out of range (00..59)`);
  let offsetMin = 0;
  if (m[9]) {
    const oh = Number(m[10]);
    const om = m[11] ? Number(m[11]) : 0;
    if (oh > 23 || om > 59) throw bad(`offset ${m[9]}${m[10]}${m[11] ? `:${m[11]}` : ''} is out of range`);
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  if (year! < 1970 || year! > 9999) throw new TimeSpecError(`${quote(text)} is out of range: times must fall in the years 1970 to 9999`);
  const base = Date.UTC(year!, month! - 1, day!, hour, minute, second);
  const check = new Date(base);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month! - 1 || check.getUTCDate() !== day) {
    throw bad(`${m[1]}-${m[2]} has no day ${m[3]}`);
  }
  return inRange(base + Math.floor(frac * 1000) - offsetMin * 60_000, text);
}

/**
 * Parses a time spec (forms in the module header). Relative forms and keywords are taken back from `now` (default:
 * the current time). Does not look at the future: {@link checkNotFuture} does, for as-of times.
 * Errors: {@link TimeSpecError} naming the accepted forms (empty, malformed, impossible date, out of range).
 */
export function parseTimeSpec(input: string, now: Date = new Date()): TimeSpec {
  const text = String(input ?? '').trim();
  if (!text) throw new TimeSpecError(`no time given: use ${TIME_FORMS}`);
  if (text.length > 64) throw new TimeSpecError(`not a time: ${quote(text)} is too long (use ${TIME_FORMS})`);
  const run = RUN.exec(text);
  if (run) {
    const id = Number(run[1]);
    if (id < 1) throw new TimeSpecError(`not a run: ${quote(text)} (run numbers start at 1)`);
    return { kind: 'run', runId: id };
  }
  const iso = ISO.exec(text);
  if (iso) return { kind: 'time', at: parseIso(iso, text), form: 'iso' };
  const word = text.toLowerCase();
  const today = Math.floor(now.getTime() / DAY) * DAY;
  if (word === 'now') return { kind: 'time', at: inRange(now.getTime(), text), form: 'now' };
  if (word === 'today') return { kind: 'time', at: inRange(today, text), form: 'relative' };
  if (word === 'yesterday') return { kind: 'time', at: inRange(today - DAY, text), form: 'relative' };
  const rel = RELATIVE.exec(text);
  if (rel) {
    const unit = rel[2]!.toLowerCase();
    const ms = Number(rel[1]) * UNIT_MS[unit[0]!]!;
    return { kind: 'time', at: inRange(now.getTime() - ms, text), form: 'relative' };
  }
  if (/^[+-]?\d{5,}-\d{2}-\d{2}/.test(text) || /^-\d{4}-/.test(text)) {
    throw new TimeSpecError(`${quote(text)} is out of range: times must fall in the years 1970 to 9999`);
  }
  throw new TimeSpecError(`not a time: ${quote(text)} (use ${TIME_FORMS})`);
}

/** True for the spec `now` (any case, spaces around): callers read the current state, not a past instant. */
export function isNowSpec(spec: string | undefined): boolean {
  return spec !== undefined && spec.trim().toLowerCase() === 'now';
}

/** Throws {@link TimeSpecError} when `at` is more than a minute after `now`: the inventory cannot be shown as of then. */
export function checkNotFuture(at: Date, spec: string, now: Date = new Date()): Date {
  if (at.getTime() > now.getTime() + 60_000) {
    throw new TimeSpecError(`${quote(spec.trim())} is in the future: leave the time out to see the inventory now`);
  }
  return at;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

/**
 * A `<input type="datetime-local">` value (`2026-11-21T10:15`, the browser's local time) as an instant; undefined
 * when it is not exactly that form, names no real local time, or falls outside the years 1970..9999.
 */
export function parseLocalDateTime(value: string): Date | undefined {
  const m = LOCAL.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s = 0, ms = 0] = m.slice(1).map((x) => (x === undefined ? undefined : Number(x))) as number[];
  const t = new Date(y!, mo! - 1, d!, h!, mi!, s, ms);
  const same = t.getFullYear() === y && t.getMonth() === mo! - 1 && t.getDate() === d && t.getHours() === h && t.getMinutes() === mi;
  return same && t.getTime() >= MIN_TIME && t.getTime() <= MAX_TIME ? t : undefined;
}
