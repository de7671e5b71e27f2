import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, statSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { Redacted } from './redacted';
import {
  createSession,
  isSessionActive,
  loadSessionKey,
  openOidcTransaction,
  openSession,
  revokeSession,
  revokeSessionsOf,
  safeReturnTo,
  sealOidcTransaction,
  sealSession,
  type SessionClaims,
} from './session';

const key = loadSessionKey({ sessionSecret: new Redacted('x'.repeat(40)) }, '/nonexistent');
const claims = (over: Partial<SessionClaims> = {}): SessionClaims => ({
  sid: 'sid-1', sub: 'sub-1', email: 'a@example.com', csrf: 'csrf-1', iat: 1_900_000_000, exp: 1_900_000_000 + 8 * 3600, ...over,
});

describe('session cookie encryption', () => {
  it('round-trips and is opaque', async () => {
    const jwe = await sealSession(key, claims());
    expect(jwe.split('.')).toHaveLength(5); // compact JWE
    expect(jwe).not.toContain('example.com');
    expect(Buffer.from(jwe.split('.')[3]!, 'base64url').toString('latin1')).not.toContain('a@example.com');
    expect(await openSession(key, jwe, new Date(1_900_000_100_000))).toEqual(claims());
  });

  it('expires absolutely at exp, not before', async () => {
    const jwe = await sealSession(key, claims());
    expect(await openSession(key, jwe, new Date((1_900_000_000 + 8 * 3600 - 1) * 1000))).not.toBeNull();
    expect(await openSession(key, jwe, new Date((1_900_000_000 + 8 * 3600) * 1000))).toBeNull();
  });

  it('refuses tampering, another key, garbage and an OIDC transaction cookie', async () => {
    const jwe = await sealSession(key, claims());
    const now = new Date(1_900_000_100_000);
    const parts = jwe.split('.');
    const flipped = Buffer.from(parts[3]!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    parts[3] = flipped.toString('base64url');
    expect(await openSession(key, parts.join('.'), now)).toBeNull();
    const other = loadSessionKey({ sessionSecret: new Redacted('y'.repeat(40)) }, '/nonexistent');
    expect(await openSession(other, jwe, now)).toBeNull();
    expect(await openSession(key, 'garbage', now)).toBeNull();
    expect(await openSession(key, '', now)).toBeNull();
    const tx = await sealOidcTransaction(key, { state: 's', nonce: 'n', verifier: 'v', returnTo: '/' }, now);
    expect(await openSession(key, tx, now)).toBeNull();
    expect(await openOidcTransaction(key, jwe, now)).toBeNull();
    expect(await openOidcTransaction(key, tx, now)).toEqual({ state: 's', nonce: 'n', verifier: 'v', returnTo: '/' });
    expect(await openOidcTransaction(key, tx, new Date(now.getTime() + 11 * 60_000))).toBeNull();
  });

  it('derives the key from KEYGRAPH_SESSION_SECRET, or creates a private key file in the data folder', () => {
    expect(Buffer.from(key)).toEqual(Buffer.from(loadSessionKey({ sessionSecret: new Redacted('x'.repeat(40)) }, '/x')));
    expect(key).toHaveLength(32);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kg-key-'));
    const k1 = loadSessionKey({ sessionSecret: undefined }, dir);
    const k2 = loadSessionKey({ sessionSecret: undefined }, dir);
    expect(Buffer.from(k1)).toEqual(Buffer.from(k2));
    const file = path.join(dir, 'session.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('sessions table', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it('creates, checks, expires and revokes sessions; stores only a hash of the session id', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const s = await createSession(t, { email: 'a@example.com', subject: 'sub', ttlMs: 3600_000, now });
    expect(s.exp - s.iat).toBe(3600);
    expect(s.sid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await t.pool.query(`SELECT id FROM sessions`);
    expect(rows.rows[0].id).toMatch(/^[0-9a-f]{64}$/);
    expect(rows.rows[0].id).not.toContain(s.sid);
    expect(await isSessionActive(t, s.sid, new Date(now.getTime() + 1000))).toBe(true);
    expect(await isSessionActive(t, s.sid, new Date(now.getTime() + 3600_000))).toBe(false);
    expect(await isSessionActive(t, 'unknown', now)).toBe(false);
    await revokeSession(t, s.sid, now);
    expect(await isSessionActive(t, s.sid, new Date(now.getTime() + 1000))).toBe(false);

    const a = await createSession(t, { email: 'b@example.com', subject: 'b', ttlMs: 3600_000, now });
    const b = await createSession(t, { email: 'b@example.com', subject: 'b', ttlMs: 3600_000, now });
    expect(await revokeSessionsOf(t, 'B@example.com', now)).toBe(2);
    expect(await isSessionActive(t, a.sid, now)).toBe(false);
    expect(await isSessionActive(t, b.sid, now)).toBe(false);
  });
});

describe('safeReturnTo', () => {
  it('keeps same-origin paths and refuses open redirects', () => {
    expect(safeReturnTo('/node?id=k8s:demo/ota/Secret/x')).toBe('/node?id=k8s:demo/ota/Secret/x');
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'javascript:alert(1)', '/\t/evil', '', null, '/auth/callback', '/login']) {
      expect(safeReturnTo(bad)).toBe('/');
    }
  });
});
