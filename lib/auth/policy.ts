/**
 * Which paths need what. Deny by default: everything not listed as static or public needs a signed-in principal
 * (when sign-in is on), and every state-changing API request needs `admin` unless it is on the viewer allow list.
 *
 * For others adding routes:
 * - read-only pages and `GET /api/v1/**`: viewer (nothing to do);
 * - a `POST` under /api/v1 that only reads (a query with a body, e.g. impact or export): add it to
 *   VIEWER_WRITE_ALLOW below; anything that changes state (trigger a collection, tokens) stays admin;
 * - a Server Action that changes state must also call `requireRole('admin')` from lib/auth/server.ts itself:
 *   Server Actions are POSTs to page paths, which the proxy cannot tell apart.
 */
import type { Role } from './roles';

/** Files served as is: no authentication (they hold no inventory data), base security headers only. */
export function isStaticPath(pathname: string): boolean {
  return (
    pathname.startsWith('/_next/static/') ||
    pathname.startsWith('/_next/image') ||
    pathname === '/_next/webpack-hmr' ||
    pathname === '/favicon.ico' ||
    pathname === '/robots.txt' ||
    /^\/icon(\.[a-z0-9]+)?(\.svg|\.png|\.ico)$/.test(pathname) ||
    pathname === '/icon.svg'
  );
}

/** Reachable without signing in: probes, the sign-in page, the OIDC endpoints. */
export function isPublicPath(pathname: string): boolean {
  return pathname === '/healthz' || pathname === '/readyz' || pathname === '/login' || pathname.startsWith('/auth/');
}

export function isApiPath(pathname: string): boolean {
  return pathname === '/api' || pathname.startsWith('/api/');
}

/**
 * Paths read by programs rather than browsers: the API and `/metrics` (Prometheus). Without credentials they answer
 * 401 (never a redirect to sign-in), refusals are JSON, and the API's rate limits and CSP apply. `/metrics` needs a
 * signed-in principal like every page when sign-in is on (an API token of any role, for a scraper).
 */
export function isMachinePath(pathname: string): boolean {
  return isApiPath(pathname) || pathname === '/metrics';
}

/** Pages and API routes reserved for admins, whatever the method. */
const ADMIN_PREFIXES = ['/settings/tokens', '/api/v1/tokens'];

/** State-changing methods a viewer may use anyway: API endpoints that take a query in a body but change nothing. */
const VIEWER_WRITE_ALLOW: RegExp[] = [/^\/api\/v1\/(impact|export|check|findings|search|diff)(\/|$)/];

/** The least role a request needs. */
export function requiredRole(pathname: string, method: string, unsafe: boolean): Role {
  if (ADMIN_PREFIXES.some((p) => pathname.startsWith(p))) return 'admin';
  if (unsafe && isApiPath(pathname) && !VIEWER_WRITE_ALLOW.some((r) => r.test(pathname))) return 'admin';
  void method;
  return 'viewer';
}

/**
 * The path as routing will see it: percent-decoded (so `/settings/%74okens` cannot dodge a prefix rule) and with
 * repeated slashes collapsed. Null for a path that does not decode (refused).
 */
export function normalizePath(pathname: string): string | null {
  let p: string;
  try {
    p = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (p.includes('\u0000')) return null;
  p = p.replace(/\/{2,}/g, '/');
  return p;
}
