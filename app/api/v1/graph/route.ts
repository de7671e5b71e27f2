/**
 * `GET /api/v1/graph?id=ROOT[&depth=1..3][&in=ID…][&out=ID…][&g=PAGE~GROUP_KEY…][&group=N][&ps=N][&asOf=][&root=0]`:
 * the graph explorer's data (lib/store/neighbourhood.ts) for the same query string as the explorer page
 * (lib/ui/neighbourhood-view.ts), as one GraphResponse. `root=0` leaves the root's fragment out: what the
 * explorer asks when one node is expanded or one group paged. Read-only, GET only (no CSRF token needed).
 *
 * Errors: 400 `{error}` for a malformed id or time; 500 `{error}` when the database fails.
 */
import { db } from '@/lib/db';
import { log } from '@/lib/log';
import { parseId } from '@/lib/graph/ids';
import { neighbourhood } from '@/lib/store/neighbourhood';
import { parseExplorerState } from '@/lib/ui/neighbourhood-view';
import { jsonError, noStore, readOptionsFor } from './_shared';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export async function GET(request: Request): Promise<Response> {
  const sp = new URL(request.url).searchParams;
  const s = parseExplorerState(sp);
  if (!s.id || !parseId(s.id)) return jsonError(400, 'id: a keygraph node id is required');
  const bad = s.expanded.find((e) => !parseId(e.id));
  if (bad) return jsonError(400, `${bad.dir}: not a keygraph node id`);
  const database = db();
  try {
    const opts = await readOptionsFor(database, s.asOf);
    if ('error' in opts) return jsonError(400, String(opts.error));
    const body = await neighbourhood(database, {
      ...opts,
      ...(sp.get('root') === '0' ? {} : { root: { id: s.id, depth: s.depth } }),
      expand: s.expanded,
      groups: s.groups,
      threshold: s.threshold,
      pageSize: s.pageSize,
    });
    return Response.json(body, { headers: noStore });
  } catch (e) {
    log.error({ err: (e as Error).message }, 'graph request failed');
    return jsonError(500, 'the database did not answer; try again');
  }
}
