/**
 * `POST /auth/logout` (a form with the session's CSRF token in the `csrf` field; the proxy has checked the Origin):
 * revokes the session row, deletes the cookie and goes to /login. Signs out of keygraph only, not of the provider.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { authRuntime } from '@/lib/auth/context';
import { CSRF_FIELD, CSRF_HEADER, csrfTokenMatches } from '@/lib/auth/csrf';
import { cookieOptions, openSession, revokeSession, sessionCookieName } from '@/lib/auth/session';

export const dynamic = 'force-dynamic';

export async function POST(request: NextRequest): Promise<Response> {
  const rt = authRuntime();
  const { auth } = rt.config;
  const origin = auth.publicOrigin ?? request.nextUrl.origin;
  const name = sessionCookieName(auth.secureCookies);
  const session = auth.enabled ? await openSession(rt.sessionKey(), request.cookies.get(name)?.value ?? '') : null;
  if (session) {
    let presented = request.headers.get(CSRF_HEADER);
    if (!presented) {
      const form = await request.formData().catch(() => null);
      const v = form?.get(CSRF_FIELD);
      presented = typeof v === 'string' ? v : null;
    }
    if (!csrfTokenMatches(session.csrf, presented)) {
      return Response.json({ error: 'missing or wrong CSRF token' }, { status: 403, headers: { 'Cache-Control': 'no-store' } });
    }
    await revokeSession(rt.database(), session.sid);
  }
  const res = NextResponse.redirect(new URL(auth.enabled ? '/login?signedOut=1' : '/', origin), 303);
  res.headers.set('Cache-Control', 'no-store');
  res.cookies.set(name, '', cookieOptions(auth.secureCookies, 0));
  return res;
}
