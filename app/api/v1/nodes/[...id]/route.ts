/**
 * GET /api/v1/nodes/{id}: a node, what it uses and what uses it (lib/api/handlers.ts). The id is URL-encoded once
 * (`k8s%3Aprod%2Fpayments%2FSecret%2Fstripe-key`); an unencoded id with `/` also works (catch-all segment). The id
 * is read from the request's raw path and decoded exactly once by handleNode, so `/nodes/{id}` and `/nodes?id=`
 * always name the same node (Next.js's own segment decoding is not used: it leaves `%2F` and decodes the rest).
 */
import { db } from '@/lib/db';
import { handleNode } from '@/lib/api/handlers';

export const dynamic = 'force-dynamic';

export async function GET(req: Request): Promise<Response> {
  return handleNode(db(), new URL(req.url), { fromPath: true });
}
