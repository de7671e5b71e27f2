/**
 * `GET /api/v1/graph/access?id=ID[&asOf=]`: the explorer's Access mode for a Kubernetes Secret, GCP service account
 * or Secret Manager secret / version: who can read it or act as it, as subjects and derived edges
 * (lib/analysis/access-overlay.ts AccessOverlay). 400 `{error}` for a malformed id or time; 404 when the node kind
 * has no access answer.
 */
import { accessOverlay } from '@/lib/analysis/access-overlay';
import { jsonError, nodeRoute, noStore } from '../_shared';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export function GET(request: Request): Promise<Response> {
  return nodeRoute(request, 'graph access', async (database, id, opts) => {
    const overlay = await accessOverlay(database, id, opts);
    if (!overlay) return jsonError(404, 'access is derived for Kubernetes Secrets, GCP service accounts and Secret Manager secrets only');
    return Response.json(overlay, { headers: noStore });
  });
}
