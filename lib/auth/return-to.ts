/**
 * Where to send the browser after sign-in (`returnTo`): the one check every reader of it goes through
 * (app/login/page.tsx, app/auth/login/route.ts when it starts sign-in, app/auth/callback/route.ts when it ends).
 */

/** A placeholder origin for resolving: only "same origin or not" matters, never which host this is. */
const BASE = 'http://keygraph.invalid';

/**
 * A safe post-sign-in destination, else `/`. `v` is resolved the way a browser resolves a `Location` header
 * (WHATWG URL: `\` read as `/`, tabs and newlines dropped, `.`/`..`/`%2e%2e` segments applied), and kept only when
 * the RESOLVED URL has this site's origin and a path that is not protocol-relative (`//host`). The answer is the
 * resolved `pathname + search + hash`, so what is checked is what the browser gets: `/..//evil.example`,
 * `/.//evil.example`, `/x/..//evil.example`, `/%2e%2e//evil.example`, `/\evil.example`, `/\t/evil.example`,
 * `https://evil.example` and `javascript:…` all give `/`. Sign-in's own pages (`/auth/…`, `/login`) give `/` too
 * (no loop). Input longer than 2,000 characters or with control characters gives `/`.
 */
export function safeReturnTo(v: string | null | undefined): string {
  if (!v || v.length > 2000 || /[\u0000-\u001f\u007f]/.test(v)) return '/';
  if (!v.startsWith('/')) return '/'; // a path on this site, never a scheme or a host
  let u: URL;
  try {
    u = new URL(v, BASE);
  } catch {
    return '/';
  }
  if (u.origin !== BASE) return '/';
  const path = u.pathname;
  // A path that begins with two slashes (or a slash and a backslash, or an encoded one) would be read as a host.
  if (!path.startsWith('/') || /^\/[/\\]|^\/%(2f|5c)/i.test(path)) return '/';
  if (path.startsWith('/auth/') || path === '/login' || path.startsWith('/login/')) return '/';
  return `${path}${u.search}${u.hash}`;
}
