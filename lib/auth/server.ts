/**
 * Authentication for server components, route handlers and Server Actions. The proxy has already refused what it
 * must; these re-derive the principal from the request's own credential (cookie or bearer token) so that a page
 * or handler never relies on a header something upstream set.
 *
 *   const p = await currentPrincipal();          // server component / Server Action (null: not signed in)
 *   await requireRole('admin');                  // throws AuthError (status 401/403)
 *   const p = await principalFromRequest(req);   // route handler
 *   const p = await principalWithRole(req, 'admin'); if (p instanceof Response) return p;  // route handler
 */
import { cache } from 'react';
import { cookies, headers } from 'next/headers';
import { authRuntime } from './context';
import { authenticate, sessionCookieFor, type Principal } from './principal';
import { roleAtLeast, type Role } from './roles';
import { NONCE_HEADER, SEARCH_HEADER } from './constants';

/** An authentication or authorisation failure with the HTTP status to answer. The message holds no credential. */
export class AuthError extends Error {
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

/** The principal of the request being rendered (memoised per request). */
export const currentPrincipal = cache(async (): Promise<Principal | null> => {
  const rt = authRuntime();
  const [h, c] = await Promise.all([headers(), cookies()]);
  const r = await authenticate(rt, { authorization: h.get('authorization'), sessionCookie: c.get(sessionCookieFor(rt.config))?.value });
  return r.principal;
});

/** The principal of a route handler's request. */
export async function principalFromRequest(request: Request): Promise<Principal | null> {
  const rt = authRuntime();
  const name = sessionCookieFor(rt.config);
  const cookie = (request.headers.get('cookie') ?? '')
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${name}=`))
    ?.slice(name.length + 1);
  const r = await authenticate(rt, { authorization: request.headers.get('authorization'), sessionCookie: cookie });
  return r.principal;
}

/** Checks a principal has a role; throws AuthError otherwise. */
function assertRole(p: Principal | null, role: Role): Principal {
  if (!p) throw new AuthError(401, 'sign-in required');
  if (!roleAtLeast(p.role, role)) throw new AuthError(403, `this needs the ${role} role`);
  return p;
}

/** For server components and Server Actions: the principal, if it has `role`; throws AuthError otherwise. */
export async function requireRole(role: Role): Promise<Principal> {
  return assertRole(await currentPrincipal(), role);
}

/** JSON response for an AuthError (route handlers). */
function authErrorResponse(e: AuthError): Response {
  return Response.json(
    { error: e.message },
    { status: e.status, headers: { 'Cache-Control': 'no-store', ...(e.status === 401 ? { 'WWW-Authenticate': 'Bearer realm="keygraph"' } : {}) } },
  );
}

/**
 * For route handlers: the request's principal when it has `role`, otherwise the 401/403 response to answer.
 *
 *   const p = await principalWithRole(request, 'admin');
 *   if (p instanceof Response) return p;
 */
export async function principalWithRole(request: Request, role: Role): Promise<Principal | Response> {
  try {
    return assertRole(await principalFromRequest(request), role);
  } catch (e) {
    if (e instanceof AuthError) return authErrorResponse(e);
    throw e;
  }
}

/** The query parameters of the request being rendered (forwarded by the proxy), for a not-found page. */
export async function requestSearchParams(): Promise<URLSearchParams> {
  return new URLSearchParams((await headers()).get(SEARCH_HEADER) ?? '');
}

/** The CSP nonce of the request being rendered (set by the proxy), for inline scripts such as ColorSchemeScript. */
export async function cspNonce(): Promise<string | undefined> {
  return (await headers()).get(NONCE_HEADER) ?? undefined;
}

/** Whether sign-in is configured (for UI that differs, e.g. the user menu). */
export function signInEnabled(): boolean {
  return authRuntime().config.auth.enabled;
}
