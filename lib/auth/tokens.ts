/**
 * API tokens for the CLI, scripts and the JSON API: `Authorization: Bearer kg_…`.
 *
 * A token is `kg_` + 32 random bytes in base64url (256 bits). Only its sha256 is stored (`api_tokens.token_hash`):
 * a database dump does not yield usable tokens, and with 256 bits of entropy an unsalted fast hash is sufficient
 * (there is nothing to brute-force). The plaintext is returned once, by `createApiToken`, and never logged.
 * Tokens are revocable, may expire, and record when they were last used (at most one write per token a minute).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../db';
import { isRole, type Role } from './roles';

const TOKEN_PREFIX = 'kg_';
const TOKEN_RE = /^kg_[A-Za-z0-9_-]{43}$/;
/** How stale `last_used_at` may get before a use writes it again. */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** What lists and APIs show of a token: never the hash, never the token. */
export interface ApiTokenInfo {
  id: number;
  name: string;
  role: Role;
  /** `kg_` and the first 4 characters, to recognise a token. */
  prefix: string;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
  /** active | expired | revoked (as of the time asked). */
  status: 'active' | 'expired' | 'revoked';
}

/** The principal a verified token stands for. */
export interface TokenIdentity {
  id: number;
  name: string;
  role: Role;
}

/** A new random token string (`kg_…`, 46 characters). */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** True when `raw` has the shape of a keygraph token (cheap check before any database lookup). */
export function looksLikeToken(raw: string): boolean {
  return TOKEN_RE.test(raw);
}

/** sha256 hex of the token string: what is stored and looked up. */
export function hashToken(raw: string): string {
  return createHash('sha256').update(raw, 'utf8').digest('hex');
}

/** Checks a token name: 1–100 printable characters. Throws a readable error. */
export function validateTokenName(name: string): string {
  const n = name.trim();
  if (!n) throw new Error('a token needs a name (what uses it, e.g. "rotation-ci")');
  if (n.length > 100) throw new Error('token names are at most 100 characters');
  if (/[\u0000-\u001f\u007f]/.test(n)) throw new Error('token names cannot contain control characters');
  return n;
}

/** A stored token as selected ({@link SELECT}): the info without its derived status, the role unchecked. */
type Row = Omit<ApiTokenInfo, 'role' | 'status'> & { role: string };
const SELECT = {
  id: true, name: true, role: true, prefix: true, createdBy: true, createdAt: true, expiresAt: true, lastUsedAt: true, revokedAt: true, revokedBy: true,
} as const;

function info(r: Row, now: Date): ApiTokenInfo {
  const role = isRole(r.role) ? r.role : 'viewer';
  const status = r.revokedAt ? 'revoked' : r.expiresAt && r.expiresAt <= now ? 'expired' : 'active';
  return { ...r, role, status };
}

/**
 * Creates a token. Returns the plaintext (show it once; it cannot be recovered) and what is stored about it.
 * @param opts.expiresInMs lifetime from now, or null for a token that does not expire.
 */
export async function createApiToken(
  database: Database,
  opts: { name: string; role: Role; expiresInMs: number | null; createdBy: string; now?: Date },
): Promise<{ token: string; info: ApiTokenInfo }> {
  const name = validateTokenName(opts.name);
  if (!isRole(opts.role)) throw new Error('role must be viewer or admin');
  const now = opts.now ?? new Date();
  const token = generateToken();
  const row = await database.prisma.apiToken.create({
    data: {
      name,
      role: opts.role,
      tokenHash: hashToken(token),
      prefix: token.slice(0, TOKEN_PREFIX.length + 4),
      createdBy: opts.createdBy,
      createdAt: now,
      expiresAt: opts.expiresInMs === null ? null : new Date(now.getTime() + opts.expiresInMs),
    },
    select: SELECT,
  });
  return { token, info: info(row, now) };
}

/** Every token, newest first (revoked and expired ones included, marked by `status`). */
export async function listApiTokens(database: Database, now: Date = new Date()): Promise<ApiTokenInfo[]> {
  const rows = await database.prisma.apiToken.findMany({ select: SELECT, orderBy: { id: 'desc' } });
  return rows.map((r) => info(r, now));
}

/**
 * Revokes a token (idempotent: revoking a revoked token keeps the first revocation). Returns the token as it now
 * is, or null when there is no such id.
 */
export async function revokeApiToken(database: Database, id: number, revokedBy: string, now: Date = new Date()): Promise<ApiTokenInfo | null> {
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  await database.prisma.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now, revokedBy } });
  const row = await database.prisma.apiToken.findUnique({ where: { id }, select: SELECT });
  return row ? info(row, now) : null;
}

/**
 * Verifies a presented token: known, not revoked, not expired. Returns who it is, or null (the caller answers 401
 * without saying which check failed). Records the use in `last_used_at` when the stored time is older than a minute.
 */
export async function verifyApiToken(database: Database, raw: string, now: Date = new Date()): Promise<TokenIdentity | null> {
  if (!looksLikeToken(raw)) return null;
  const row = await database.prisma.apiToken.findUnique({
    where: { tokenHash: hashToken(raw) },
    select: { id: true, name: true, role: true, expiresAt: true, revokedAt: true, lastUsedAt: true },
  });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now) || !isRole(row.role)) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await database.prisma.apiToken.updateMany({ where: { id: row.id, revokedAt: null }, data: { lastUsedAt: now } });
  }
  return { id: row.id, name: row.name, role: row.role };
}
