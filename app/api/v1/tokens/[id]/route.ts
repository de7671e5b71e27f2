/**
 * `DELETE /api/v1/tokens/:id`: revokes an API token (admin only; idempotent). 404 when there is no such token.
 * From a browser session it needs the `X-CSRF-Token` header.
 */
import { db } from '@/lib/db';
import { principalWithRole } from '@/lib/auth/server';
import { revokeApiToken } from '@/lib/auth/tokens';
import { log } from '@/lib/log';

export const dynamic = 'force-dynamic';
const headers = { 'Cache-Control': 'no-store' };

export async function DELETE(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const principal = await principalWithRole(request, 'admin');
  if (principal instanceof Response) return principal;
  const { id } = await ctx.params;
  const n = /^\d{1,9}$/.test(id) ? Number(id) : NaN;
  const revoked = Number.isSafeInteger(n) ? await revokeApiToken(db(), n, principal.label) : null;
  if (!revoked) return Response.json({ error: 'no such token' }, { status: 404, headers });
  log.info({ tokenId: revoked.id, by: principal.label }, 'API token revoked');
  return Response.json({ token: revoked }, { headers });
}
