/**
 * THE SQL time condition: which rows of a versioned table (`node_versions`, `edge_versions`, valid over
 * `[valid_from, valid_to)`) make up the graph at a time. Every query that reads the graph (reads, neighbourhoods,
 * findings, impact, exports, diffs) uses this one definition, in the rendering its driver needs:
 * - {@link live}: a `Prisma.Sql` fragment (the time is a bound parameter);
 * - {@link livePg}: text for a plain pg query, the time being the query's `$n` parameter.
 * Without a time: the open rows (`valid_to IS NULL`), the current state.
 */
import { Prisma } from '../generated/prisma/client';

const ALIAS = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function checked(alias: string): string {
  if (!ALIAS.test(alias)) throw new Error(`not a table alias: ${JSON.stringify(alias)}`);
  return alias;
}

/** The condition around the time, as the text pieces before, between and after its two occurrences. */
const atPieces = (a: string): [string, string, string] => [`${a}.valid_from <= `, ` AND (${a}.valid_to IS NULL OR ${a}.valid_to > `, ')'];
const current = (a: string) => `${a}.valid_to IS NULL`;

/**
 * Rows of table alias `alias` valid at `asOf` (`valid_from <= asOf < valid_to`, `valid_to` NULL meaning still
 * valid), or the open rows when `asOf` is omitted. `alias` is an SQL identifier (checked; throws otherwise).
 */
export function live(alias: string, asOf?: Date): Prisma.Sql {
  const a = checked(alias);
  return asOf ? new Prisma.Sql(atPieces(a), [asOf, asOf]) : Prisma.raw(current(a));
}

/**
 * {@link live} as text for a plain pg query: the time is parameter `$param` (a `Date` in the query's values), or,
 * with `param` undefined, the current state (no parameter used).
 */
export function livePg(alias: string, param?: number): string {
  const a = checked(alias);
  if (param === undefined) return current(a);
  if (!Number.isInteger(param) || param < 1) throw new Error(`not a parameter number: ${param}`);
  const [x, y, z] = atPieces(a);
  const p = `$${param}::timestamptz`;
  return `${x}${p}${y}${p}${z}`;
}

/** The as-of instant as SQL text for a plain pg query: parameter `$param`, or `now()` when `param` is undefined. */
export function asOfPg(param?: number): string {
  if (param === undefined) return 'now()';
  if (!Number.isInteger(param) || param < 1) throw new Error(`not a parameter number: ${param}`);
  return `$${param}::timestamptz`;
}
