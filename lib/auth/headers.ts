/**
 * The one place keygraph's security response headers are defined (proxy.ts applies them to every response; there
 * are none in next.config.js any more).
 *
 * Content-Security-Policy for pages: no inline script without the per-request nonce (Next.js puts it on its own
 * scripts, read from the request's CSP header; the layout passes it to Mantine's ColorSchemeScript), and
 * `'strict-dynamic'` so scripts loaded by those trusted scripts run. `style-src` allows `'unsafe-inline'` because
 * Mantine injects `<style>` elements and components set `style` attributes (a nonce cannot cover attributes, and a
 * nonce in style-src would disable 'unsafe-inline'): styles cannot run script, the residual risk is CSS-based data
 * exfiltration from an injected stylesheet, limited by `default-src 'self'`/`img-src`/`connect-src`.
 */
import { randomBytes } from 'node:crypto';

/** Headers for every response (pages, API, static files). */
export function baseSecurityHeaders(opts: { https: boolean }): [string, string][] {
  const h: [string, string][] = [
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'no-referrer'],
    ['X-Frame-Options', 'DENY'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
    ['Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()'],
  ];
  if (opts.https) h.push(['Strict-Transport-Security', 'max-age=31536000']);
  return h;
}

/** A fresh CSP nonce (128 random bits, base64). */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * The page CSP. `dev` (next dev) adds what the development server needs: `'unsafe-eval'` (React's debugging) and
 * websocket connections (hot reload).
 */
export function pageContentSecurityPolicy(nonce: string, opts: { dev?: boolean } = {}): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${opts.dev ? ' ws: wss:' : ''}`,
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}

/** CSP for API and other non-HTML responses: nothing may load, nothing may frame. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
