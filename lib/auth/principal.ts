/**
 * Who is making a request. One function, `authenticate`, used by the proxy (the gate in front of every request)
 * and again by server components and route handlers (lib/auth/server.ts), which re-derive the principal from the
 * credential itself rather than trusting anything the proxy passed along.
 *
 * - Sign-in off (loopback only): everyone is the `local` principal with the admin role.
 * - `Authorization: Bearer kg_…`: an API token (lib/auth/tokens.ts). A bad token is a failure, never a fallback to
 *   the cookie.
 * - Otherwise the session cookie (lib/auth/session.ts): decrypts, is within its absolute expiry, its row is not
 *   revoked, and the email is still admitted by the environment (role derived now).
 */
import type { KeygraphConfig } from '../config';
import type { Database } from '../db';
import { roleForEmail, type Role } from './roles';
import { isSessionActive, openSession, sessionCookieName } from './session';
import { verifyApiToken } from './tokens';

export type Principal =
  | { kind: 'local'; role: 'admin'; label: string }
  | { kind: 'session'; role: Role; label: string; email: string; sid: string; csrf: string; expiresAt: Date }
  | { kind: 'token'; role: Role; label: string; tokenId: number };

/** What authentication needs from the process: configuration, the database, the cookie key. */
export interface AuthContext {
  config: KeygraphConfig;
  database(): Database;
  sessionKey(): Uint8Array;
}

export interface Credentials {
  authorization: string | null;
  /** Value of the session cookie, if any. */
  sessionCookie: string | null | undefined;
}

export type AuthResult =
  | { principal: Principal; via: 'none' | 'bearer' | 'cookie' }
  | { principal: null; via: 'bearer' | 'cookie' | 'none'; reason: string };

/** The session cookie's name under this configuration. */
export function sessionCookieFor(config: KeygraphConfig): string {
  return sessionCookieName(config.auth.secureCookies);
}

/** Authenticates a request's credentials. Never throws for bad credentials (only for a database failure). */
export async function authenticate(ctx: AuthContext, creds: Credentials, now: Date = new Date()): Promise<AuthResult> {
  if (!ctx.config.auth.enabled) return { principal: { kind: 'local', role: 'admin', label: 'local' }, via: 'none' };
  if (creds.authorization !== null) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(creds.authorization);
    if (!m) return { principal: null, via: 'bearer', reason: 'unsupported Authorization scheme (use Bearer kg_…)' };
    const id = await verifyApiToken(ctx.database(), m[1]!, now);
    if (!id) return { principal: null, via: 'bearer', reason: 'invalid, expired or revoked token' };
    return { principal: { kind: 'token', role: id.role, label: id.name, tokenId: id.id }, via: 'bearer' };
  }
  if (creds.sessionCookie) {
    const s = await openSession(ctx.sessionKey(), creds.sessionCookie, now);
    if (!s) return { principal: null, via: 'cookie', reason: 'session expired or invalid' };
    const role = roleForEmail(s.email, ctx.config.auth);
    if (!role) return { principal: null, via: 'cookie', reason: 'no longer allowed to sign in' };
    if (!(await isSessionActive(ctx.database(), s.sid, now))) return { principal: null, via: 'cookie', reason: 'session ended' };
    return {
      principal: { kind: 'session', role, label: s.email, email: s.email, sid: s.sid, csrf: s.csrf, expiresAt: new Date(s.exp * 1000) },
      via: 'cookie',
    };
  }
  return { principal: null, via: 'none', reason: 'sign-in required' };
}

/** The public view of a principal (what `/api/v1/me` returns): no session id, no CSRF token. */
export function describePrincipal(p: Principal) {
  switch (p.kind) {
    case 'local':
      return { kind: p.kind, role: p.role, name: p.label };
    case 'session':
      return { kind: p.kind, role: p.role, name: p.label, email: p.email, expiresAt: p.expiresAt.toISOString() };
    case 'token':
      return { kind: p.kind, role: p.role, name: p.label, tokenId: p.tokenId };
  }
}
