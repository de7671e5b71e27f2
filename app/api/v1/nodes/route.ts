/** GET /api/v1/nodes?id=ID: a node, what it uses and what uses it (lib/api/handlers.ts). */
import { db } from '@/lib/db';
import { handleNode } from '@/lib/api/handlers';

export const dynamic = 'force-dynamic';

export function GET(req: Request): Promise<Response> {
  return handleNode(db(), new URL(req.url));
}
