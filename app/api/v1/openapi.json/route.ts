/** GET /api/v1/openapi.json: the OpenAPI 3.1 document of the JSON API (lib/api/openapi.ts). */
import { handleOpenApi } from '@/lib/api/handlers';

export const dynamic = 'force-dynamic';

export function GET(): Response {
  return handleOpenApi();
}
