/**
 * `GET /api/v1/graph/node?id=ID[&asOf=]`: what the explorer's side panel shows for a node: its summary, key
 * properties (scalars and short lists; never a secret value, which the store does not hold) and how many sources
 * assert it. 404 `{error}` when no source knows the node.
 */
import { db } from '@/lib/db';
import { log } from '@/lib/log';
import { parseId } from '@/lib/graph/ids';
import { keyProperties } from '@/lib/store/neighbourhood';
import { getNode } from '@/lib/store/read';
import { jsonError, noStore, readOptionsFor } from '../_shared';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export async function GET(request: Request): Promise<Response> {
  const sp = new URL(request.url).searchParams;
  const id = sp.get('id') ?? '';
  if (!parseId(id)) return jsonError(400, 'id: a keygraph node id is required');
  const database = db();
  try {
    const opts = await readOptionsFor(database, sp.get('asOf') ?? undefined);
    if ('error' in opts) return jsonError(400, String(opts.error));
    const node = await getNode(database, id, opts);
    if (!node) return jsonError(404, 'no such node');
    const { properties, assertions, ...summary } = node;
    return Response.json(
      { node: summary, properties: keyProperties(properties), sources: [...new Set(assertions.map((a) => `${a.source}/${a.scope}`))] },
      { headers: noStore },
    );
  } catch (e) {
    log.error({ err: (e as Error).message }, 'graph node request failed');
    return jsonError(500, 'the database did not answer; try again');
  }
}
