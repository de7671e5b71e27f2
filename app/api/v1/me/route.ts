/**
 * `GET /api/v1/me`: who the request is authenticated as — `{kind: local|session|token, role, name, …}`. Useful to
 * check an API token (`curl -H "Authorization: Bearer kg_…" …/api/v1/me`). Never returns a credential.
 */
import { describePrincipal } from '@/lib/auth/principal';
import { assertRole, AuthError, authErrorResponse, principalFromRequest } from '@/lib/auth/server';

export const dynamic = 'force-dynamic';

export async function GET(request: Request): Promise<Response> {
  try {
    const p = assertRole(await principalFromRequest(request), 'viewer');
    return Response.json(describePrincipal(p), { headers: { 'Cache-Control': 'no-store' } });
  } catch (e) {
    if (e instanceof AuthError) return authErrorResponse(e);
    throw e;
  }
}
