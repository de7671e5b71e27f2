/**
 * Next.js 16 Proxy (formerly middleware; Node.js runtime): every request passes lib/auth/gate.ts — authentication
 * and roles when sign-in is configured, CSRF and Origin checks, rate and body-size limits on /api and /auth, the
 * per-request CSP nonce and all security headers (the only place they are set).
 */
import type { NextRequest } from 'next/server';
import { authRuntime } from './lib/auth/context';
import { gate } from './lib/auth/gate';

export async function proxy(request: NextRequest) {
  return gate(request, authRuntime(), { dev: process.env.NODE_ENV === 'development' });
}

export const config = {
  // Everything: static assets are recognised inside the gate (they only get headers), so a new top-level path can
  // never slip past authentication by a matcher omission.
  matcher: '/:path*',
};
