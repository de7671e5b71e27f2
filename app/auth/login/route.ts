/**
 * `GET /auth/login?returnTo=/path`: starts OpenID Connect sign-in. Generates state, nonce and a PKCE verifier,
 * keeps them in a short-lived encrypted HttpOnly cookie, and redirects to the provider. Without sign-in configured,
 * goes home.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { authRuntime } from '@/lib/auth/context';
import { beginSignIn } from '@/lib/auth/oidc';
import { cookieOptions, oidcCookieName, OIDC_TRANSACTION_TTL_MS, sealOidcTransaction } from '@/lib/auth/session';
import { safeReturnTo } from '@/lib/auth/return-to';
import { log } from '@/lib/log';

export const dynamic = 'force-dynamic';

export async function GET(request: NextRequest): Promise<Response> {
  const rt = authRuntime();
  const { auth } = rt.config;
  const origin = auth.publicOrigin ?? request.nextUrl.origin;
  if (!auth.enabled || !auth.oidc) return NextResponse.redirect(new URL('/', origin), 303);
  const returnTo = safeReturnTo(request.nextUrl.searchParams.get('returnTo'));
  try {
    const { url, tx } = await beginSignIn(auth.oidc, returnTo);
    const res = NextResponse.redirect(url, 303);
    res.headers.set('Cache-Control', 'no-store');
    res.cookies.set(oidcCookieName(auth.secureCookies), await sealOidcTransaction(rt.sessionKey(), tx), cookieOptions(auth.secureCookies, OIDC_TRANSACTION_TTL_MS / 1000));
    return res;
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'sign-in could not start');
    return NextResponse.redirect(new URL('/login?error=provider', origin), 303);
  }
}
