/**
 * API tokens (admin only; the proxy enforces it and so does this handler).
 * - `GET /api/v1/tokens`: every token (id, name, role, prefix, created, expiry, last use, status) — never the token.
 * - `POST /api/v1/tokens` `{name, role: viewer|admin, expires: "90d"|"never"}`: creates one; the response holds the
 *   token itself, once (201). From a browser session it needs the `X-CSRF-Token` header.
 */
import { db } from '@/lib/db';
import { parseDuration } from '@/lib/auth/duration';
import { isRole } from '@/lib/auth/roles';
import { principalWithRole } from '@/lib/auth/server';
import { createApiToken, listApiTokens } from '@/lib/auth/tokens';
import { log } from '@/lib/log';

export const dynamic = 'force-dynamic';
const headers = { 'Cache-Control': 'no-store' };
const bad = (error: string) => Response.json({ error }, { status: 400, headers });

export async function GET(request: Request): Promise<Response> {
  const principal = await principalWithRole(request, 'admin');
  if (principal instanceof Response) return principal;
  return Response.json({ tokens: await listApiTokens(db()) }, { headers });
}

export async function POST(request: Request): Promise<Response> {
  const principal = await principalWithRole(request, 'admin');
  if (principal instanceof Response) return principal;
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return bad('the body must be JSON: {"name": "…", "role": "viewer"|"admin", "expires": "90d"|"never"}');
  }
  const { name, role, expires } = (body ?? {}) as Record<string, unknown>;
  if (typeof name !== 'string') return bad('name is required');
  if (!isRole(role)) return bad('role must be viewer or admin');
  let expiresInMs: number | null;
  try {
    expiresInMs = expires === 'never' ? null : parseDuration(typeof expires === 'string' ? expires : '90d', 'expires');
  } catch (e) {
    return bad((e as Error).message);
  }
  try {
    const created = await createApiToken(db(), { name, role, expiresInMs, createdBy: principal.label });
    log.info({ tokenId: created.info.id, role, by: principal.label }, 'API token created');
    return Response.json(created, { status: 201, headers });
  } catch (e) {
    return bad((e as Error).message);
  }
}
