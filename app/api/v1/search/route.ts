/** GET /api/v1/search (lib/api/handlers.ts handleSearch; parameters in lib/api/schemas.ts and /api/v1/openapi.json). */
import { db } from '@/lib/db';
import { handleSearch } from '@/lib/api/handlers';

export const dynamic = 'force-dynamic';

export function GET(req: Request): Promise<Response> {
  return handleSearch(db(), new URL(req.url));
}
