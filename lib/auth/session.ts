/**
 * Browser sessions after OIDC sign-in.
 *
 * The cookie holds an encrypted JWT (jose `EncryptJWT`, `dir` + `A256GCM`): session id, OIDC subject, email, the
 * session's CSRF token, issue and absolute expiry times (default 8 h, `KEYGRAPH_SESSION_TTL`; never extended).
 * Encryption rather than signing keeps the email and CSRF token unreadable to anything that sees the cookie but not
 * the key. The key comes from `KEYGRAPH_SESSION_SECRET` (HKDF-SHA256) or from `<data dir>/session.key` (32 random
 * bytes, mode 0600, created on first use); it is never stored in the database.
 *
 * The `sessions` table keeps one row per session (keyed by the sha256 of the session id) so that sign-out, or an
 * operator, can revoke a session before it expires: a cookie is valid only while its row is neither revoked nor
 * expired. The role is not in the cookie: it is derived from the email and the environment on every request, so
 * removing someone from `KEYGRAPH_ADMIN_EMAILS` / the allow lists takes effect at the next restart.
 *
 * Cookies: HttpOnly, SameSite=Lax, Path=/, and Secure with the `__Host-` prefix when the public URL is https.
 */
import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EncryptJWT, jwtDecrypt } from 'jose';
import type { AuthConfig } from '../config';
import type { Database } from '../db';

const SESSION_AUDIENCE = 'keygraph:session';
const OIDC_AUDIENCE = 'keygraph:oidc';
/** How long a started sign-in (state, nonce, PKCE verifier) stays valid. */
export const OIDC_TRANSACTION_TTL_MS = 10 * 60_000;

/** The decrypted session cookie. */
export interface SessionClaims {
  /** Random session id (base64url, 32 bytes); the database stores its sha256. */
  sid: string;
  sub: string;
  email: string;
  /** Per-session CSRF token, required on state-changing requests made with this cookie. */
  csrf: string;
  /** Issue and expiry times, seconds since the epoch. */
  iat: number;
  exp: number;
}

/** The sign-in in progress, kept in a short-lived encrypted cookie between /auth/login and /auth/callback. */
export interface OidcTransaction {
  state: string;
  nonce: string;
  verifier: string;
  /** Where to go after sign-in: a same-origin path (validated by safeReturnTo). */
  returnTo: string;
}

export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-kg_session' : 'kg_session';
}
export function oidcCookieName(secure: boolean): string {
  return secure ? '__Host-kg_oidc' : 'kg_oidc';
}

/** Attributes for a cookie keygraph sets (`maxAgeSeconds` 0 deletes it). */
export function cookieOptions(secure: boolean, maxAgeSeconds: number) {
  return { httpOnly: true, secure, sameSite: 'lax' as const, path: '/', maxAge: maxAgeSeconds };
}

/** Serialises a cookie for a `Set-Cookie` header (for responses built without Next's cookie helpers). */
export function serializeCookie(name: string, value: string, secure: boolean, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/**
 * The 32-byte cookie key. Errors: an unreadable or malformed key file.
 * @param dataDir the keygraph data folder (where `session.key` is created when no secret is configured).
 */
export function loadSessionKey(auth: Pick<AuthConfig, 'sessionSecret'>, dataDir: string): Uint8Array {
  if (auth.sessionSecret) {
    return new Uint8Array(hkdfSync('sha256', auth.sessionSecret.reveal(), 'keygraph', 'session-cookie-v1', 32));
  }
  const file = path.join(dataDir, 'session.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const hex = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`${file} is not a session key (64 hex characters)`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

async function seal(key: Uint8Array, audience: string, claims: Record<string, unknown>, iat: number, exp: number): Promise<string> {
  return new EncryptJWT(claims)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .encrypt(key);
}

async function open(key: Uint8Array, audience: string, jwe: string, now: Date): Promise<Record<string, unknown> | null> {
  if (!jwe || jwe.length > 4096) return null;
  try {
    const { payload } = await jwtDecrypt(jwe, key, {
      audience,
      currentDate: now,
      clockTolerance: 0,
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
      requiredClaims: ['exp', 'iat'],
    });
    return payload as Record<string, unknown>;
  } catch {
    return null; // tampered, wrong key, expired, wrong audience: all the same to the caller
  }
}

/** Encrypts session claims into a cookie value. */
export async function sealSession(key: Uint8Array, claims: SessionClaims): Promise<string> {
  const { iat, exp, ...rest } = claims;
  return seal(key, SESSION_AUDIENCE, rest, iat, exp);
}

/** Decrypts and checks a session cookie (integrity, audience, absolute expiry). Null when it does not hold. */
export async function openSession(key: Uint8Array, jwe: string, now: Date = new Date()): Promise<SessionClaims | null> {
  const p = await open(key, SESSION_AUDIENCE, jwe, now);
  if (!p) return null;
  const { sid, sub, email, csrf, iat, exp } = p;
  if (typeof sid !== 'string' || typeof sub !== 'string' || typeof email !== 'string' || typeof csrf !== 'string') return null;
  if (typeof iat !== 'number' || typeof exp !== 'number') return null;
  return { sid, sub, email, csrf, iat, exp };
}

export async function sealOidcTransaction(key: Uint8Array, tx: OidcTransaction, now: Date = new Date()): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return seal(key, OIDC_AUDIENCE, { ...tx }, iat, iat + OIDC_TRANSACTION_TTL_MS / 1000);
}

export async function openOidcTransaction(key: Uint8Array, jwe: string, now: Date = new Date()): Promise<OidcTransaction | null> {
  const p = await open(key, OIDC_AUDIENCE, jwe, now);
  if (!p) return null;
  const { state, nonce, verifier, returnTo } = p;
  if (typeof state !== 'string' || typeof nonce !== 'string' || typeof verifier !== 'string' || typeof returnTo !== 'string') return null;
  return { state, nonce, verifier, returnTo };
}

/**
 * Starts a session for a signed-in user: records it and returns the claims to seal into the cookie.
 * Also deletes sessions that ended more than a day ago (housekeeping).
 */
export async function createSession(
  database: Database,
  opts: { email: string; subject: string; ttlMs: number; now?: Date },
): Promise<SessionClaims> {
  const now = opts.now ?? new Date();
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + Math.max(1, Math.floor(opts.ttlMs / 1000));
  const sid = randomBytes(32).toString('base64url');
  await database.prisma.session.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - 86_400_000) } } });
  await database.prisma.session.create({
    data: { id: sha256(sid), email: opts.email, subject: opts.subject, createdAt: now, expiresAt: new Date(exp * 1000) },
  });
  return { sid, sub: opts.subject, email: opts.email, csrf: randomBytes(32).toString('base64url'), iat, exp };
}

/** True while the session's row exists, is not revoked and has not expired. */
export async function isSessionActive(database: Database, sid: string, now: Date = new Date()): Promise<boolean> {
  const row = await database.prisma.session.findUnique({ where: { id: sha256(sid) }, select: { expiresAt: true, revokedAt: true } });
  return !!row && !row.revokedAt && row.expiresAt > now;
}

/** Revokes one session (sign-out). Idempotent. */
export async function revokeSession(database: Database, sid: string, now: Date = new Date()): Promise<void> {
  await database.prisma.session.updateMany({ where: { id: sha256(sid), revokedAt: null }, data: { revokedAt: now } });
}

/** Revokes every session of a user (e.g. after removing them from the allow list). Returns how many. */
export async function revokeSessionsOf(database: Database, email: string, now: Date = new Date()): Promise<number> {
  const r = await database.prisma.session.updateMany({ where: { email: email.toLowerCase(), revokedAt: null }, data: { revokedAt: now } });
  return r.count;
}

/** A safe post-sign-in destination (lib/auth/return-to.ts, the one check; re-exported for existing callers). */
export { safeReturnTo } from './return-to';
