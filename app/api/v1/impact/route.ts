/** GET /api/v1/impact (lib/api/handlers.ts handleImpact; parameters in lib/api/schemas.ts and /api/v1/openapi.json). */
import { db } from '@/lib/db';
import { handleImpact } from '@/lib/api/handlers';

export const dynamic = 'force-dynamic';

export function GET(req: Request): Promise<Response> {
  return handleImpact(db(), new URL(req.url));
}
