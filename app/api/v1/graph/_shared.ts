/**
 * Shared by the explorer's route handlers: JSON responses and the `asOf` time spec (ISO 8601 or `run:N`).
 */
import type { Database } from '@/lib/db';
import type { ReadOptions } from '@/lib/store/read';
import { resolveTime } from '@/lib/store/history';
import { parseAsOf } from '@/lib/ui/params';

export const noStore = { 'Cache-Control': 'no-store' };

export const jsonError = (status: number, error: string) => Response.json({ error }, { status, headers: noStore });

/** Read options for a time spec; `{error}` when it does not resolve. */
export async function readOptionsFor(database: Database, spec: string | undefined): Promise<ReadOptions | { error: string }> {
  if (!spec) return {};
  const a = await parseAsOf({ asOf: spec }, (s) => resolveTime(database, s));
  if (a.error) return { error: `asOf: ${a.error}` };
  return a.at ? { asOf: a.at } : {};
}
