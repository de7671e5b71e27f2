/**
 * Reading URL search parameters for the web UI's pages (pure, no React). Every data page builds its read options
 * with {@link readOptionsFrom}, so "as of a past time" is wired in one place.
 */
import type { ReadOptions } from '../store/read';

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

/**
 * The point in time a page reads the graph at, from `?asOf=`. Not wired yet: always undefined (the current
 * state). When history browsing lands, parse the parameter here and every page follows.
 */
export function parseAsOf(_sp: SearchParams): Date | undefined {
  return undefined;
}

/** Read options for lib/store/read.ts from a page's search parameters. */
export function readOptionsFrom(sp: SearchParams): ReadOptions {
  const asOf = parseAsOf(sp);
  return asOf ? { asOf } : {};
}
