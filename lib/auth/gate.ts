/**
 * The gate in front of every request (called by proxy.ts; unit-tested directly with NextRequest objects):
 *
 * 1. Normalises the path; static assets get the base security headers and nothing else.
 * 2. Sign-in off: only a loopback `Host` is served (DNS-rebinding defence: another site's name resolving to
 *    127.0.0.1 gets nothing), everyone is the local admin.
 * 3. Rate limits /api/**, /metrics and /auth/** per client address, then per token/session (429 + Retry-After), and refuses
 *    request bodies over the limit there (413).
 * 4. State-changing requests: Origin check (lib/auth/csrf.ts), then authentication, role, and the session's CSRF
 *    token for cookie-authenticated ones.
 * 5. Unauthenticated: 401 JSON for /api/** and /metrics (and Server Actions), a redirect to /login for pages. Lacking the role:
 *    403 JSON, or the 403 page.
 * 6. Every page gets a fresh CSP nonce: the `Content-Security-Policy` response header, and the same CSP plus
 *    `x-nonce` on the request so Next.js (and the root layout) put the nonce on their scripts.
 *
 * Error messages never contain a token, cookie or credential; nothing here logs request headers or query strings.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { log } from '../log';
import type { AuthRuntime } from './context';
import { checkOrigin, CSRF_FIELD, CSRF_HEADER, csrfTokenMatches, isUnsafeMethod } from './csrf';
import { API_CONTENT_SECURITY_POLICY, baseSecurityHeaders, newNonce, pageContentSecurityPolicy } from './headers';
import { hostnameOf, isLoopbackHost } from './loopback';
import { isMachinePath, isPublicPath, isStaticPath, normalizePath, requiredRole } from './policy';
import { authenticate, sessionCookieFor, type Principal } from './principal';
import { cookieOptions } from './session';
import { roleAtLeast } from './roles';
import { createHash } from 'node:crypto';
import { CLIENT_IP_HEADER, NONCE_HEADER, SEARCH_HEADER } from './constants';

export { CLIENT_IP_HEADER, NONCE_HEADER };

export interface GateOptions {
  /** Next.js development server (CSP allows eval and websockets). */
  dev?: boolean;
}

type Headerish = [string, string][];

function apply(res: NextResponse, headers: Headerish): NextResponse {
  for (const [k, v] of headers) res.headers.set(k, v);
  return res;
}

function jsonError(status: number, error: string, headers: Headerish, extra: Record<string, string> = {}): NextResponse {
  const res = NextResponse.json({ error }, { status, headers: { 'Cache-Control': 'no-store', ...extra } });
  return apply(res, headers);
}

/** The gate. Returns the response to send (a refusal) or a pass-through with security headers. */
export async function gate(req: NextRequest, rt: AuthRuntime, opts: GateOptions = {}): Promise<NextResponse> {
  const auth = rt.config.auth;
  const base = baseSecurityHeaders({ https: auth.secureCookies });
  const apiHeaders: Headerish = [...base, ['Content-Security-Policy', API_CONTENT_SECURITY_POLICY]];
  const path = normalizePath(req.nextUrl.pathname);
  if (path === null) return jsonError(400, 'malformed path', apiHeaders);
  if (isStaticPath(path)) return apply(NextResponse.next(), apiHeaders);

  const method = req.method.toUpperCase();
  const unsafe = isUnsafeMethod(method);
  // The API and /metrics (policy.ts isMachinePath).
  const api = isMachinePath(path);
  const authPath = path.startsWith('/auth/');
  const serverAction = req.headers.has('next-action');
  const host = req.headers.get('host') ?? '';
  const ip = req.headers.get(CLIENT_IP_HEADER) ?? 'unknown';
  const refuse = (status: number, error: string, extra: Record<string, string> = {}) => {
    if (status !== 401) log.info({ status, method, path, reason: error }, 'request refused');
    return jsonError(status, error, apiHeaders, extra);
  };

  // 2. Sign-in off: loopback only, by Host too.
  if (!auth.enabled && !isLoopbackHost(hostnameOf(host))) {
    return refuse(403, 'keygraph without sign-in answers only to loopback host names (127.0.0.1, localhost, ::1)');
  }

  // 3. Rate and size limits.
  if (api || authPath) {
    const limiter = authPath ? rt.authLimiter : rt.apiLimiter;
    const r = limiter.take(`ip:${ip}`);
    if (!r.allowed) return refuse(429, 'too many requests; slow down', { 'Retry-After': String(r.retryAfterSeconds) });
    if (unsafe) {
      const tooBig = await bodyTooLarge(req, auth.maxBodyBytes);
      if (tooBig) return refuse(413, `request body larger than ${auth.maxBodyBytes} bytes`);
    }
  }

  // 4a. Origin check on every state-changing browser request (Bearer requests are not sent by browsers on their own).
  const bearer = req.headers.has('authorization');
  const allowedOrigins = auth.enabled ? [auth.publicOrigin!] : [`http://${host}`];
  if (unsafe && !bearer) {
    const why = checkOrigin({ origin: req.headers.get('origin'), secFetchSite: req.headers.get('sec-fetch-site') }, allowedOrigins);
    if (why) return refuse(403, why);
  }

  // 6. Nonce and CSP (computed now so that every pass-through below carries them).
  const nonce = newNonce();
  const csp = api ? API_CONTENT_SECURITY_POLICY : pageContentSecurityPolicy(nonce, { dev: opts.dev });
  const requestHeaders = new Headers(req.headers);
  requestHeaders.set(NONCE_HEADER, nonce);
  requestHeaders.set(SEARCH_HEADER, req.nextUrl.search);
  requestHeaders.set('content-security-policy', csp);
  const pageHeaders: Headerish = [...base, ['Content-Security-Policy', csp]];
  const pass = () => apply(NextResponse.next({ request: { headers: requestHeaders } }), pageHeaders);

  // Public paths (GET-style; Server Actions are never public, whatever page they are posted to).
  if (isPublicPath(path) && !serverAction) return pass();

  // 4b. Authentication.
  let result;
  try {
    result = await authenticate(rt, { authorization: req.headers.get('authorization'), sessionCookie: req.cookies.get(sessionCookieFor(rt.config))?.value });
  } catch (e) {
    log.error({ err: (e as Error).message, path }, 'authentication failed');
    return refuse(503, 'authentication is unavailable (database); try again');
  }
  if (!result.principal) {
    const clear = result.via === 'cookie';
    if (api || serverAction || unsafe) {
      const res = refuse(401, result.via === 'bearer' ? 'invalid, expired or revoked token' : 'sign-in required', {
        'WWW-Authenticate': 'Bearer realm="keygraph"',
      });
      if (clear) clearSessionCookie(res, rt);
      return res;
    }
    const login = new URL('/login', auth.publicOrigin ?? req.nextUrl.origin);
    login.searchParams.set('returnTo', `${path}${req.nextUrl.search}`);
    if (clear) login.searchParams.set('reason', 'expired');
    const res = apply(NextResponse.redirect(login, 303), pageHeaders);
    if (clear) clearSessionCookie(res, rt);
    return res;
  }
  const principal = result.principal;

  const pkey = principalKey(principal);
  if (api && pkey) {
    const r = rt.apiLimiter.take(pkey);
    if (!r.allowed) return refuse(429, 'too many requests; slow down', { 'Retry-After': String(r.retryAfterSeconds) });
  }

  // 4c. Role.
  const need = requiredRole(path, method, unsafe);
  if (!roleAtLeast(principal.role, need)) {
    if (api || serverAction || unsafe) return refuse(403, `this needs the ${need} role`);
    log.info({ status: 403, method, path, reason: `needs ${need}` }, 'request refused');
    // A small page of its own: a rewrite to an app page cannot carry the 403 status.
    return apply(
      new NextResponse(forbiddenHtml(principal.label, principal.role, need), {
        status: 403,
        headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' },
      }),
      pageHeaders,
    );
  }

  // 4d. The session's CSRF token on cookie-authenticated state changes.
  if (unsafe && result.via === 'cookie' && principal.kind === 'session' && !serverAction) {
    const presented = req.headers.get(CSRF_HEADER) ?? (await formField(req, CSRF_FIELD));
    if (!csrfTokenMatches(principal.csrf, presented)) return refuse(403, 'missing or wrong CSRF token');
  }
  return pass();
}

/** Deletes the session cookie with the attributes it was set with (a `__Host-` cookie must be cleared as Secure). */
function clearSessionCookie(res: NextResponse, rt: AuthRuntime): void {
  res.cookies.set(sessionCookieFor(rt.config), '', cookieOptions(rt.config.auth.secureCookies, 0));
}

/** The per-principal rate-limit bucket (local mode has only the per-address one). */
function principalKey(p: Principal): string | null {
  if (p.kind === 'token') return `token:${p.tokenId}`;
  if (p.kind === 'session') return `session:${createHash('sha256').update(p.sid).digest('hex').slice(0, 32)}`;
  return null;
}

/** How long the gate waits for a body it has to read (a chunked body's size, a form's CSRF field). */
const BODY_READ_TIMEOUT_MS = 10_000;

/** Resolves to `fallback` if `p` has not settled in time (a client that stops sending must not hold the gate). */
function within<T>(p: Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), BODY_READ_TIMEOUT_MS)));
  return Promise.race([p.catch(() => fallback), timeout]).finally(() => clearTimeout(timer));
}

/**
 * True when the body is over `max` bytes (by Content-Length, or by reading a chunked body); a body that cannot be
 * read in time counts as too large.
 */
async function bodyTooLarge(req: NextRequest, max: number): Promise<boolean> {
  const len = req.headers.get('content-length');
  if (len !== null) return !/^\d+$/.test(len) || Number(len) > max;
  if (!req.body) return false;
  return within(
    req
      .clone()
      .arrayBuffer()
      .then((b) => b.byteLength > max),
    true,
  );
}

/** A field of a urlencoded or multipart form body (without consuming the body for the route). */
async function formField(req: NextRequest, name: string): Promise<string | null> {
  const type = req.headers.get('content-type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return null;
  const v = await within(
    req
      .clone()
      .formData()
      .then((f) => f.get(name)),
    null,
  );
  return typeof v === 'string' ? v : null;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The 403 page for a signed-in user lacking the role (no script; styles are inline, which the CSP allows). */
function forbiddenHtml(who: string, role: string, need: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Not allowed · keygraph</title>
<style>body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f8f9fa;color:#212529;margin:0}
main{max-width:560px;margin:12vh auto;padding:32px;background:#fff;border:1px solid #dee2e6;border-radius:8px}
h1{font-size:24px;margin:0 0 12px}p{line-height:1.5;color:#495057}a{color:#4c6ef5;font-weight:600}</style></head>
<body><main data-testid="forbidden"><h1>Not allowed</h1>
<p>This page needs the <strong>${escapeHtml(need)}</strong> role. You are signed in as <strong>${escapeHtml(who)}</strong> (${escapeHtml(role)}):
you can browse the inventory, check impact and export, but not manage API tokens or trigger collections.</p>
<p><a href="/">Go to the overview</a></p></main></body></html>`;
}
