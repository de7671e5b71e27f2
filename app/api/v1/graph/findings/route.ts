/**
 * `GET /api/v1/graph/findings?ids=ID&ids=ID…[&asOf=]` (at most 200 ids): findings per node id among `ids`
 * (lib/analysis/findings.ts through the explorer's hook, lib/store/neighbourhood.ts `findingsForNodes`). The
 * explorer asks after it has drawn the graph, so a slow findings pass never delays the first render. 400 `{error}` when
 * an id is not a keygraph node id (parseId: no control characters, at most 1,024 characters).
 */
import { db } from '@/lib/db';
import { log } from '@/lib/log';
import { parseId } from '@/lib/graph/ids';
import { findingsForNodes } from '@/lib/store/neighbourhood';
import { jsonError, noStore, readOptionsFor } from '../_shared';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export async function GET(request: Request): Promise<Response> {
  const sp = new URL(request.url).searchParams;
  const ids = sp.getAll('ids').slice(0, 200);
  const bad = ids.find((x) => !parseId(x));
  if (bad !== undefined) return jsonError(400, 'ids: not a keygraph node id');
  const database = db();
  try {
    const opts = await readOptionsFor(database, sp.get('asOf')?.slice(0, 64) || undefined);
    if ('error' in opts) return jsonError(400, String(opts.error));
    return Response.json({ findings: await findingsForNodes(database, ids, opts) }, { headers: noStore });
  } catch (e) {
    log.error({ err: (e as Error).message }, 'graph findings request failed');
    return jsonError(500, 'findings are not available right now');
  }
}
