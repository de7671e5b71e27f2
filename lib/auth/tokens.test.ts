import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import {
  createApiToken,
  generateToken,
  hashToken,
  LAST_USED_RESOLUTION_MS,
  listApiTokens,
  looksLikeToken,
  revokeApiToken,
  verifyApiToken,
} from './tokens';

describe('API tokens', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it('are kg_ + 256 random bits and hash to sha256 hex', () => {
    const a = generateToken();
    const b = generateToken();
    expect(a).toMatch(/^kg_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(3), 'base64url')).toHaveLength(32);
    expect(a).not.toBe(b);
    expect(looksLikeToken(a)).toBe(true);
    expect(looksLikeToken('kg_short')).toBe(false);
    expect(looksLikeToken(a + 'x')).toBe(false);
    expect(hashToken(a)).toBe(createHash('sha256').update(a).digest('hex'));
  });

  it('stores only the hash, verifies, and records the last use (throttled)', async () => {
    const t0 = new Date('2030-01-01T00:00:00Z');
    const { token, info } = await createApiToken(t, { name: ' rotation-ci ', role: 'viewer', expiresInMs: 90 * 86_400_000, createdBy: 'cli', now: t0 });
    expect(info).toMatchObject({ name: 'rotation-ci', role: 'viewer', status: 'active', createdBy: 'cli', lastUsedAt: null });
    expect(info.prefix).toBe(token.slice(0, 7));
    expect(info.expiresAt!.toISOString()).toBe('2030-04-01T00:00:00.000Z');
    expect(JSON.stringify(info)).not.toContain(token.slice(7));

    // The database holds the hash and nothing from which the token can be used.
    const rows = await t.pool.query(`SELECT * FROM api_tokens WHERE id = $1`, [info.id]);
    const row = rows.rows[0];
    expect(row.token_hash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token.slice(7));

    const t1 = new Date(t0.getTime() + 1000);
    expect(await verifyApiToken(t, token, t1)).toEqual({ id: info.id, name: 'rotation-ci', role: 'viewer' });
    const used = async () => (await t.prisma.apiToken.findUniqueOrThrow({ where: { id: info.id } })).lastUsedAt?.toISOString();
    expect(await used()).toBe(t1.toISOString());
    // Within a minute: no write.
    await verifyApiToken(t, token, new Date(t1.getTime() + 10_000));
    expect(await used()).toBe(t1.toISOString());
    // After a minute: written again.
    const t2 = new Date(t1.getTime() + LAST_USED_RESOLUTION_MS);
    await verifyApiToken(t, token, t2);
    expect(await used()).toBe(t2.toISOString());
  });

  it('refuses unknown, malformed, expired and revoked tokens', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    expect(await verifyApiToken(t, generateToken(), now)).toBeNull();
    expect(await verifyApiToken(t, 'not-a-token', now)).toBeNull();
    expect(await verifyApiToken(t, '', now)).toBeNull();

    const short = await createApiToken(t, { name: 'short', role: 'admin', expiresInMs: 60_000, createdBy: 'a@example.com', now });
    expect(await verifyApiToken(t, short.token, new Date(now.getTime() + 59_999))).toMatchObject({ role: 'admin' });
    expect(await verifyApiToken(t, short.token, new Date(now.getTime() + 60_000))).toBeNull();

    const forever = await createApiToken(t, { name: 'forever', role: 'viewer', expiresInMs: null, createdBy: 'cli', now });
    expect(forever.info.expiresAt).toBeNull();
    expect(await verifyApiToken(t, forever.token, new Date('2099-01-01'))).not.toBeNull();
    const revoked = await revokeApiToken(t, forever.info.id, 'admin@example.com', new Date('2031-01-01'));
    expect(revoked).toMatchObject({ status: 'revoked', revokedBy: 'admin@example.com' });
    expect(await verifyApiToken(t, forever.token, new Date('2031-01-02'))).toBeNull();
    // Idempotent: the first revocation stays.
    expect((await revokeApiToken(t, forever.info.id, 'someone-else', new Date('2032-01-01')))!.revokedAt!.toISOString()).toBe('2031-01-01T00:00:00.000Z');
    expect(await revokeApiToken(t, 999_999, 'x')).toBeNull();
    expect(await revokeApiToken(t, -1, 'x')).toBeNull();

    const list = await listApiTokens(t, new Date('2031-06-01'));
    const byName = Object.fromEntries(list.map((x) => [x.name, x.status]));
    expect(byName).toMatchObject({ short: 'expired', forever: 'revoked' });
    expect(JSON.stringify(list)).not.toMatch(/token_?hash/i);
  });

  it('validates names and roles', async () => {
    await expect(createApiToken(t, { name: '  ', role: 'viewer', expiresInMs: null, createdBy: 'cli' })).rejects.toThrow(/needs a name/);
    await expect(createApiToken(t, { name: 'x'.repeat(101), role: 'viewer', expiresInMs: null, createdBy: 'cli' })).rejects.toThrow(/at most 100/);
    await expect(createApiToken(t, { name: 'a\nb', role: 'viewer', expiresInMs: null, createdBy: 'cli' })).rejects.toThrow(/control/);
    await expect(createApiToken(t, { name: 'x', role: 'root' as never, expiresInMs: null, createdBy: 'cli' })).rejects.toThrow(/viewer or admin/);
    // The database refuses a role outside the two, whatever the caller.
    await expect(
      t.pool.query(`INSERT INTO api_tokens (name, role, token_hash, prefix, created_by) VALUES ('x', 'root', $1, 'kg_x', 'x')`, ['a'.repeat(64)]),
    ).rejects.toThrow(/api_tokens_role_check/);
  });
});
