/**
 * `GET /api/v1/graph/node?id=ID[&asOf=]`: what the explorer's side panel shows for a node: its summary, key
 * properties (scalars and short lists; never a secret value, which the store does not hold) and how many sources
 * assert it. 404 `{error}` when no source knows the node.
 */
import { keyProperties } from '@/lib/store/neighbourhood';
import { getNode } from '@/lib/store/read';
import { jsonError, nodeRoute, noStore } from '../_shared';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export function GET(request: Request): Promise<Response> {
  return nodeRoute(request, 'graph node', async (database, id, opts) => {
    const node = await getNode(database, id, opts);
    if (!node) return jsonError(404, 'no such node');
    const { properties, assertions, ...summary } = node;
    return Response.json(
      { node: summary, properties: keyProperties(properties), sources: [...new Set(assertions.map((a) => `${a.source}/${a.scope}`))] },
      { headers: noStore },
    );
  });
}
