/**
 * `GET /api/v1/graph/access?id=ID[&asOf=]`: the explorer's Access mode for a Kubernetes Secret, GCP service account
 * or Secret Manager secret / version: who can read it or act as it, as subjects and derived edges
 * (lib/analysis/access-overlay.ts AccessOverlay). 400 `{error}` for a malformed id or time; 404 when the node kind
 * has no access answer.
 */
import { db } from '@/lib/db';
import { log } from '@/lib/log';
import { parseId } from '@/lib/graph/ids';
import { accessOverlay } from '@/lib/analysis/access-overlay';
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
    const overlay = await accessOverlay(database, id, opts);
    if (!overlay) return jsonError(404, 'access is derived for Kubernetes Secrets, GCP service accounts and Secret Manager secrets only');
    return Response.json(overlay, { headers: noStore });
  } catch (e) {
    log.error({ err: (e as Error).message }, 'graph access request failed');
    return jsonError(500, 'the database did not answer; try again');
  }
}
