/**
 * Cross-site request forgery defences for state-changing requests (anything but GET, HEAD, OPTIONS):
 *
 * 1. Origin: a browser request must come from keygraph's own origin (`KEYGRAPH_PUBLIC_URL`, or the loopback origin
 *    when sign-in is off). `Origin` is checked when present (`null`, which browsers send for our own forms under
 *    `Referrer-Policy: no-referrer`, only with `Sec-Fetch-Site: same-origin`); otherwise `Sec-Fetch-Site` must not
 *    say the request came from another site. A request with neither header is not from a browser (curl, scripts) and passes this
 *    check; cookie-authenticated requests then still need the token (2).
 * 2. Token: a request authenticated by the session cookie must carry the session's CSRF token, in the
 *    `X-CSRF-Token` header (fetch) or a `csrf` form field (HTML forms). Server Actions (`Next-Action` header)
 *    cannot carry it and rely on (1), which is what Next.js itself checks for them.
 * 3. SameSite=Lax on the session cookie keeps it off cross-site subrequests in the first place.
 *
 * Bearer-token requests are exempt from (1) and (2): a browser never attaches an `Authorization` header by itself.
 */
import { timingSafeEqual } from 'node:crypto';

export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = 'csrf';

export function isUnsafeMethod(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

export interface OriginCheckInput {
  origin: string | null;
  secFetchSite: string | null;
}

/** Null when the request may proceed; otherwise the reason it is refused (safe to show: no credentials in it). */
export function checkOrigin(req: OriginCheckInput, allowedOrigins: readonly string[]): string | null {
  if (req.origin !== null) {
    // Browsers send `Origin: null` for a form posted from our own page under `Referrer-Policy: no-referrer`;
    // Sec-Fetch-Site (set by the browser, not by page script) tells that case from a sandboxed or foreign document.
    if (req.origin === 'null') return req.secFetchSite?.toLowerCase() === 'same-origin' ? null : 'cross-origin request refused (opaque origin)';
    let origin: string;
    try {
      origin = new URL(req.origin).origin;
    } catch {
      return 'cross-origin request refused (malformed Origin)';
    }
    return allowedOrigins.includes(origin) ? null : 'cross-origin request refused';
  }
  const site = req.secFetchSite?.toLowerCase();
  if (site && site !== 'same-origin' && site !== 'none') return 'cross-origin request refused';
  return null;
}

/** Constant-time comparison of the session's CSRF token with the presented one. */
export function csrfTokenMatches(expected: string, presented: string | null | undefined): boolean {
  if (!presented || !expected) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(presented, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
