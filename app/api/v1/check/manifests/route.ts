/** POST /api/v1/check/manifests: the pre-deploy gate for `keygraph check --manifests --server` (lib/api/handlers.ts handleManifestCheck). */
import { db } from '@/lib/db';
import { handleManifestCheck } from '@/lib/api/handlers';

export const dynamic = 'force-dynamic';

export function POST(req: Request): Promise<Response> {
  return handleManifestCheck(db(), req);
}
