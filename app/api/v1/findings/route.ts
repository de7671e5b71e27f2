/** GET /api/v1/findings (lib/api/handlers.ts handleFindings; parameters in lib/api/schemas.ts and /api/v1/openapi.json). */
import { db } from '@/lib/db';
import { handleFindings } from '@/lib/api/handlers';

export const dynamic = 'force-dynamic';

export function GET(req: Request): Promise<Response> {
  return handleFindings(db(), new URL(req.url));
}
