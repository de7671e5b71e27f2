/**
 * Shared by the explorer's route handlers: JSON responses and the `asOf` time spec (ISO 8601 or `run:N`).
 */
import { db, type Database } from '@/lib/db';
import { log } from '@/lib/log';
import { parseId } from '@/lib/graph/ids';
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

/**
 * A `GET ?id=ID[&asOf=]` route of the explorer: 400 for a malformed id or time, 500 `{error}` (logged as `what`) when
 * the database fails; `answer` gives the response for the node id and read options.
 */
export async function nodeRoute(request: Request, what: string, answer: (database: Database, id: string, opts: ReadOptions) => Promise<Response>): Promise<Response> {
  const sp = new URL(request.url).searchParams;
  const id = sp.get('id') ?? '';
  if (!parseId(id)) return jsonError(400, 'id: a keygraph node id is required');
  const database = db();
  try {
    const opts = await readOptionsFor(database, sp.get('asOf') ?? undefined);
    if ('error' in opts) return jsonError(400, String(opts.error));
    return await answer(database, id, opts);
  } catch (e) {
    log.error({ err: (e as Error).message }, `${what} request failed`);
    return jsonError(500, 'the database did not answer; try again');
  }
}
