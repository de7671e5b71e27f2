/**
 * Reading URL search parameters for the web UI's pages (pure, no React, no database: client components import it
 * too). Every data page reads its point in time with {@link parseAsOf} and builds its read options with
 * {@link readOptionsFrom}, so "as of a past time" is wired in one place; every internal link a page renders goes
 * through {@link withAsOf}, so browsing the past stays in the past until the user leaves it.
 */
import type { ReadOptions } from '../store/read';
import { isNowSpec, TimeSpecError } from '../time';

/** Next.js page `searchParams` (after awaiting). */
export type SearchParams = Record<string, string | string[] | undefined>;

/** The first value of a parameter, trimmed; undefined when absent or empty. */
export function param(sp: SearchParams, name: string): string | undefined {
  const v = sp[name];
  const s = Array.isArray(v) ? v[0] : v;
  const t = typeof s === 'string' ? s.trim() : '';
  return t ? t : undefined;
}

/** A 1-based page number (1 when absent or invalid; capped). */
export function pageParam(sp: SearchParams, name = 'page', max = 10_000): number {
  const n = Number(param(sp, name));
  return Number.isInteger(n) && n >= 1 ? Math.min(n, max) : 1;
}

/** True for `1`, `true`, `yes`, `on`. */
export function flagParam(sp: SearchParams, name: string): boolean {
  const v = param(sp, name)?.toLowerCase();
  return v === '1' || v === 'true' || v === 'yes' || v === 'on';
}

/** Name of the query parameter holding the point in time a page shows. */
export const AS_OF_PARAM = 'asOf';

/** Longest time spec read from a URL (longer values are cut, and then fail to parse with a clear message). */
const MAX_SPEC = 64;

/** The raw `?asOf=` time spec (ISO 8601, `run:N`, relative: lib/time.ts), trimmed; undefined when absent or empty (= now). */
export function asOfParam(sp: SearchParams): string | undefined {
  return param(sp, AS_OF_PARAM)?.slice(0, MAX_SPEC);
}

/**
 * `href` (an app path with an optional query and fragment) with `asOf` set, replacing any `asOf` it had; unchanged
 * when `asOf` is undefined (viewing now). Every internal link to a page that reads the graph goes through this,
 * so links keep the time being viewed.
 */
export function withAsOf(href: string, asOf: string | undefined): string {
  if (!asOf) return href;
  const hash = href.indexOf('#');
  const frag = hash >= 0 ? href.slice(hash) : '';
  const rest = hash >= 0 ? href.slice(0, hash) : href;
  const q = rest.indexOf('?');
  const path = q >= 0 ? rest.slice(0, q) : rest;
  const u = new URLSearchParams(q >= 0 ? rest.slice(q + 1) : '');
  u.set(AS_OF_PARAM, asOf);
  return `${path}?${u.toString()}${frag}`;
}

/** `href` without its `asOf` parameter: the same page, now ("back to now"). */
export function withoutAsOf(href: string): string {
  const hash = href.indexOf('#');
  const frag = hash >= 0 ? href.slice(hash) : '';
  const rest = hash >= 0 ? href.slice(0, hash) : href;
  const q = rest.indexOf('?');
  if (q < 0) return href;
  const u = new URLSearchParams(rest.slice(q + 1));
  u.delete(AS_OF_PARAM);
  const s = u.toString();
  return `${rest.slice(0, q)}${s ? `?${s}` : ''}${frag}`;
}

/**
 * The point in time a page shows:
 * - `now`: no `asOf` parameter (or `asOf=now`), the current state;
 * - `past`: the graph as it was at `at` (`spec` is kept as typed, for links);
 * - `nodata`: `at` is before the first committed run (`begins`; null when nothing was ever collected): keygraph
 *   knows nothing about that time. Pages show "no data at that time" instead of data — never an empty all-clear;
 * - `invalid`: an `asOf` that does not resolve (malformed, unknown run, future time): pages show `error` inline
 *   (app/_components/AsOfBanner.tsx) instead of data.
 */
export type AsOf =
  | { state: 'now'; spec?: undefined; at?: undefined; error?: undefined }
  | { state: 'past'; spec: string; at: Date; error?: undefined }
  | { state: 'nodata'; spec: string; at: Date; begins: Date | null; error?: undefined }
  | { state: 'invalid'; spec: string; at?: undefined; error: string };

/** Resolves a time spec to a time (lib/store/history.ts `resolveTime` bound to a database); throws `TimeSpecError` on a bad spec. */
export type TimeResolver = (spec: string) => Promise<Date>;

/** Options of {@link parseAsOf}. */
export interface ParseAsOfOptions {
  /** The current time (tests). */
  now?: Date;
  /** When the data begins (lib/store/history.ts `dataBegins` bound to a database); without it, no `nodata` state. */
  dataBegins?: () => Promise<Date | null>;
}

/**
 * Reads `?asOf=` (the forms of lib/time.ts: ISO 8601, `run:N`, `24h`, `7d`, `yesterday`…) with `resolve` (the
 * store's `resolveTime`; injected so this module stays free of the database). A bad spec (the resolver throws
 * lib/time.ts `TimeSpecError`) comes back as `invalid`, a time before the data begins as `nodata`; any other error
 * (the database's) propagates, so a page shows its error page rather than blaming the user's time. A time in the future is an error (the inventory cannot
 * be shown as of then; leave the parameter out for now). A `Date` as third argument is `now` (tests).
 */
export async function parseAsOf(sp: SearchParams, resolve: TimeResolver, opts: ParseAsOfOptions | Date = {}): Promise<AsOf> {
  const { now = new Date(), dataBegins } = opts instanceof Date ? { now: opts } : opts;
  const spec = asOfParam(sp);
  if (!spec || isNowSpec(spec)) return { state: 'now' };
  try {
    const at = await resolve(spec);
    if (at.getTime() > now.getTime() + 60_000) {
      return { state: 'invalid', spec, error: `${spec} is in the future: leave the time out to see the inventory now` };
    }
    if (dataBegins) {
      const begins = await dataBegins();
      if (!begins || at.getTime() < begins.getTime()) return { state: 'nodata', spec, at, begins };
    }
    return { state: 'past', spec, at };
  } catch (e) {
    if (e instanceof TimeSpecError) return { state: 'invalid', spec, error: e.message };
    throw e; // the database's (down, timed out): an error page, not "not a time"
  }
}

/**
 * True when a page must show its banner instead of data: the time does not resolve (`invalid`) or keygraph has no
 * data at that time (`nodata`; an empty page would read as an all-clear).
 */
export function hidesData(asOf: AsOf): asOf is Extract<AsOf, { state: 'invalid' | 'nodata' }> {
  return asOf.state === 'invalid' || asOf.state === 'nodata';
}

/** Read options for lib/store/read.ts at a page's point in time (`{}`, the current state, unless `past`). */
export function readOptionsFrom(asOf: AsOf): ReadOptions {
  return asOf.at ? { asOf: asOf.at } : {};
}

/** URL of the diff page (app/diff) between two time specs, optionally for one cluster/project. */
export function diffHref(p: { from?: string; to?: string; cluster?: string }): string {
  const u = new URLSearchParams();
  if (p.from) u.set('from', p.from);
  if (p.to) u.set('to', p.to);
  if (p.cluster) u.set('cluster', p.cluster);
  const s = u.toString();
  return s ? `/diff?${s}` : '/diff';
}

/**
 * The time spec just before a run took effect (1 ms before its commit): the `from` of "changes in this run" when the
 * run is the first of its source/scope.
 */
export function beforeRunSpec(committedAt: Date): string {
  return new Date(committedAt.getTime() - 1).toISOString();
}

/**
 * "Changes in this run": the diff page from the previous run of the same source/scope (`previous`, from
 * lib/store/history.ts `previousRun`) to this run, for the run's scope. For the first run of a scope, from just
 * before it.
 */
export function runChangesHref(run: { id: number; scope: string; committedAt: Date }, previous: { id: number } | null): string {
  return diffHref({ from: previous ? `run:${previous.id}` : beforeRunSpec(run.committedAt), to: `run:${run.id}`, cluster: run.scope });
}
