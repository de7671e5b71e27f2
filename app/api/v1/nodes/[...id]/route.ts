/**
 * GET /api/v1/nodes/{id}: a node, what it uses and what uses it (lib/api/handlers.ts). The id should be URL-encoded
 * (`k8s%3Aprod%2Fpayments%2FSecret%2Fstripe-key`); an unencoded id with `/` also works (catch-all segment).
 */
import { db } from '@/lib/db';
import { handleNode } from '@/lib/api/handlers';

export const dynamic = 'force-dynamic';

export async function GET(req: Request, ctx: { params: Promise<{ id: string[] }> }): Promise<Response> {
  const { id } = await ctx.params;
  const joined = id.join('/');
  let decoded = joined;
  try {
    // Segments normally arrive decoded; an encoded `/` (%2F) may be left as is: decode once more, tolerantly.
    decoded = /%[0-9a-fA-F]{2}/.test(joined) ? decodeURIComponent(joined) : joined;
  } catch {
    decoded = joined;
  }
  return handleNode(db(), new URL(req.url), decoded);
}
