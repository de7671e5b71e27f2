/**
 * `GET /auth/callback`: the OpenID Provider's redirect back (authorization code flow). Checks the transaction cookie
 * (state, nonce, PKCE verifier), exchanges the code, maps the verified email to a role (KEYGRAPH_ADMIN_EMAILS,
 * KEYGRAPH_ALLOWED_DOMAINS / KEYGRAPH_ALLOWED_EMAILS), records a session and sets the session cookie. Failures go
 * back to /login with a short reason code; details go to the log (never a code, token or cookie).
 */
import { NextResponse, type NextRequest } from 'next/server';
import { authRuntime } from '@/lib/auth/context';
import { completeSignIn, SignInError } from '@/lib/auth/oidc';
import { roleForEmail } from '@/lib/auth/roles';
import { cookieOptions, createSession, oidcCookieName, openOidcTransaction, sealSession, sessionCookieName } from '@/lib/auth/session';
import { safeReturnTo } from '@/lib/auth/return-to';
import { log } from '@/lib/log';

export const dynamic = 'force-dynamic';

export async function GET(request: NextRequest): Promise<Response> {
  const rt = authRuntime();
  const { auth } = rt.config;
  const origin = auth.publicOrigin ?? request.nextUrl.origin;
  const txCookie = oidcCookieName(auth.secureCookies);
  const fail = (code: SignInError['code']) => {
    const res = NextResponse.redirect(new URL(`/login?error=${code}`, origin), 303);
    res.cookies.set(txCookie, '', cookieOptions(auth.secureCookies, 0));
    res.headers.set('Cache-Control', 'no-store');
    return res;
  };
  if (!auth.enabled || !auth.oidc) return NextResponse.redirect(new URL('/', origin), 303);

  const tx = await openOidcTransaction(rt.sessionKey(), request.cookies.get(txCookie)?.value ?? '');
  if (!tx) {
    log.info('sign-in callback without a valid transaction cookie (expired, replayed or started elsewhere)');
    return fail('expired');
  }
  try {
    // The URL as the browser saw it: the public origin, whatever address this process listens on.
    const callbackUrl = new URL(`${request.nextUrl.pathname}${request.nextUrl.search}`, auth.publicOrigin);
    const { subject, email } = await completeSignIn(auth.oidc, callbackUrl, tx);
    const role = roleForEmail(email, auth);
    if (!role) {
      log.info({ domain: email.slice(email.lastIndexOf('@') + 1) }, 'sign-in refused: not in the allowed emails or domains');
      return fail('denied');
    }
    const claims = await createSession(rt.database(), { email, subject, ttlMs: auth.sessionTtlMs });
    log.info({ email, role }, 'signed in');
    // Checked again here (the transaction cookie is sealed, but this is where the browser is sent).
    const res = NextResponse.redirect(new URL(safeReturnTo(tx.returnTo), origin), 303);
    res.headers.set('Cache-Control', 'no-store');
    res.cookies.set(txCookie, '', cookieOptions(auth.secureCookies, 0));
    res.cookies.set(sessionCookieName(auth.secureCookies), await sealSession(rt.sessionKey(), claims), cookieOptions(auth.secureCookies, claims.exp - claims.iat));
    return res;
  } catch (e) {
    const err = e instanceof SignInError ? e : new SignInError('failed', (e as Error).message);
    log.warn({ code: err.code, err: err.message }, 'sign-in failed');
    return fail(err.code);
  }
}
