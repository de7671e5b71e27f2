/**
 * `GET /api/v1/me`: who the request is authenticated as — `{kind: local|session|token, role, name, …}`. Useful to
 * check an API token (`curl -H "Authorization: Bearer kg_…" …/api/v1/me`). Never returns a credential.
 */
import { describePrincipal } from '@/lib/auth/principal';
import { principalWithRole } from '@/lib/auth/server';

export const dynamic = 'force-dynamic';

export async function GET(request: Request): Promise<Response> {
  const p = await principalWithRole(request, 'viewer');
  if (p instanceof Response) return p;
  return Response.json(describePrincipal(p), { headers: { 'Cache-Control': 'no-store' } });
}
