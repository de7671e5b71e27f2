/**
 * The proxy's gate against a real database: authentication, roles, CSRF, limits, headers. Requests are built as
 * NextRequest objects; "passed" means Next.js would continue to the route (`x-middleware-next`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NextRequest } from 'next/server';
import { createTestDatabase, type TestDatabase } from '../../test/db';
import { loadConfig } from '../config';
import { createAuthRuntime, type AuthRuntime } from './context';
import { gate } from './gate';
import { createSession, revokeSession, sealSession, sessionCookieName } from './session';
import { createApiToken, revokeApiToken } from './tokens';

const ORIGIN = 'http://127.0.0.1:3211';
const AUTH_ENV = {
  KEYGRAPH_OIDC_ISSUER: 'http://127.0.0.1:4999',
  KEYGRAPH_OIDC_CLIENT_ID: 'kg',
  KEYGRAPH_OIDC_CLIENT_SECRET: 'secret-secret',
  KEYGRAPH_PUBLIC_URL: ORIGIN,
  KEYGRAPH_ADMIN_EMAILS: 'admin@example.com',
  KEYGRAPH_ALLOWED_DOMAINS: 'example.com',
  KEYGRAPH_SESSION_SECRET: 'k'.repeat(48),
};

const passed = (r: Response) => r.headers.get('x-middleware-next') === '1';

function req(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const u = new URL(url, ORIGIN);
  return new NextRequest(u, { method: init.method ?? 'GET', headers: { host: u.host, ...init.headers }, body: init.body });
}

describe('gate with sign-in on', () => {
  let t: TestDatabase;
  let rt: AuthRuntime;
  let adminCookie: string;
  let adminCsrf: string;
  let viewerCookie: string;
  let viewerCsrf: string;
  const cookieName = sessionCookieName(false);

  beforeAll(async () => {
    t = await createTestDatabase();
    rt = createAuthRuntime(loadConfig({ ...AUTH_ENV, KEYGRAPH_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'kg-gate-')) }), () => t);
    const a = await createSession(t, { email: 'admin@example.com', subject: 'a', ttlMs: 3600_000 });
    adminCookie = `${cookieName}=${await sealSession(rt.sessionKey(), a)}`;
    adminCsrf = a.csrf;
    const v = await createSession(t, { email: 'viewer@example.com', subject: 'v', ttlMs: 3600_000 });
    viewerCookie = `${cookieName}=${await sealSession(rt.sessionKey(), v)}`;
    viewerCsrf = v.csrf;
  });
  afterAll(async () => t?.drop());

  it('redirects pages to /login and answers 401 to the API without credentials', async () => {
    const page = await gate(req('/node?id=x'), rt);
    expect(page.status).toBe(303);
    const loc = new URL(page.headers.get('location')!);
    expect(loc.origin + loc.pathname).toBe(`${ORIGIN}/login`);
    expect(loc.searchParams.get('returnTo')).toBe('/node?id=x');
    const api = await gate(req('/api/v1/export?what=nodes'), rt);
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect(await api.json()).toEqual({ error: 'sign-in required' });
  });

  it('lets probes, the login page, the OIDC endpoints and static files through unauthenticated', async () => {
    for (const p of ['/healthz', '/readyz', '/login', '/auth/login', '/auth/callback?code=x&state=y', '/_next/static/chunks/a.js', '/icon.svg']) {
      expect(passed(await gate(req(p), rt)), p).toBe(true);
    }
  });

  it('never treats a Server Action as public, whatever page it is posted to', async () => {
    const r = await gate(req('/login', { method: 'POST', headers: { 'next-action': 'abc', origin: ORIGIN } }), rt);
    expect(r.status).toBe(401);
  });

  it('authenticates Bearer tokens; revoked and unknown ones get 401 (no fallback to the cookie)', async () => {
    const { token, info } = await createApiToken(t, { name: 'ci', role: 'viewer', expiresInMs: 3600_000, createdBy: 'test' });
    expect(passed(await gate(req('/api/v1/me', { headers: { authorization: `Bearer ${token}` } }), rt))).toBe(true);
    await revokeApiToken(t, info.id, 'test');
    const r = await gate(req('/api/v1/me', { headers: { authorization: `Bearer ${token}`, cookie: adminCookie } }), rt);
    expect(r.status).toBe(401);
    const body = JSON.stringify(await r.json());
    expect(body).toContain('invalid, expired or revoked token');
    expect(body).not.toContain(token.slice(3));
    expect((await gate(req('/api/v1/me', { headers: { authorization: 'Basic YTpi' } }), rt)).status).toBe(401);
  });

  it('enforces roles: viewers get 403 on admin pages and APIs', async () => {
    const page = await gate(req('/settings/tokens', { headers: { cookie: viewerCookie } }), rt);
    expect(page.status).toBe(403);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('needs the <strong>admin</strong> role');
    // Encoded or doubled slashes do not dodge the rule.
    expect((await gate(req('/settings/%74okens', { headers: { cookie: viewerCookie } }), rt)).status).toBe(403);
    const api = await gate(req('/api/v1/tokens', { headers: { cookie: viewerCookie } }), rt);
    expect(api.status).toBe(403);
    // Any state-changing API call outside the viewer allow list needs admin (e.g. triggering a collection).
    const post = await gate(req('/api/v1/collect', { method: 'POST', headers: { cookie: viewerCookie, origin: ORIGIN, 'x-csrf-token': viewerCsrf } }), rt);
    expect(post.status).toBe(403);
    expect(passed(await gate(req('/settings/tokens', { headers: { cookie: adminCookie } }), rt))).toBe(true);
  });

  it('requires Origin and the CSRF token on cookie-authenticated state changes', async () => {
    const body = JSON.stringify({ name: 'x', role: 'viewer' });
    const post = (headers: Record<string, string>) =>
      gate(req('/api/v1/tokens', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }), rt);
    expect(passed(await post({ cookie: adminCookie, origin: ORIGIN, 'x-csrf-token': adminCsrf }))).toBe(true);
    const noToken = await post({ cookie: adminCookie, origin: ORIGIN });
    expect(noToken.status).toBe(403);
    expect(await noToken.json()).toEqual({ error: 'missing or wrong CSRF token' });
    expect((await post({ cookie: adminCookie, origin: ORIGIN, 'x-csrf-token': viewerCsrf })).status).toBe(403);
    const cross = await post({ cookie: adminCookie, origin: 'http://127.0.0.1:4999', 'x-csrf-token': adminCsrf });
    expect(cross.status).toBe(403);
    expect(await cross.json()).toEqual({ error: 'cross-origin request refused' });
    expect((await post({ cookie: adminCookie, 'sec-fetch-site': 'same-site', 'x-csrf-token': adminCsrf })).status).toBe(403);
    // A form post carries the token as a field.
    const form = await gate(
      req('/api/v1/tokens', { method: 'POST', headers: { cookie: adminCookie, origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${encodeURIComponent(adminCsrf)}` }),
      rt,
    );
    expect(passed(form)).toBe(true);
  });

  it('exempts Bearer requests from CSRF (browsers never attach them)', async () => {
    const { token } = await createApiToken(t, { name: 'admin-ci', role: 'admin', expiresInMs: null, createdBy: 'test' });
    const r = await gate(req('/api/v1/tokens', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' }), rt);
    expect(passed(r)).toBe(true);
  });

  it('ends revoked sessions and sessions of people no longer allowed', async () => {
    const s = await createSession(t, { email: 'leaver@example.com', subject: 'l', ttlMs: 3600_000 });
    const cookie = `${cookieName}=${await sealSession(rt.sessionKey(), s)}`;
    expect(passed(await gate(req('/', { headers: { cookie } }), rt))).toBe(true);
    await revokeSession(t, s.sid);
    const r = await gate(req('/', { headers: { cookie } }), rt);
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toContain('reason=expired');
    expect(r.headers.get('set-cookie')).toMatch(new RegExp(`${cookieName}=;`));
    const outsider = await createSession(t, { email: 'x@other.org', subject: 'x', ttlMs: 3600_000 });
    expect((await gate(req('/api/v1/me', { headers: { cookie: `${cookieName}=${await sealSession(rt.sessionKey(), outsider)}` } }), rt)).status).toBe(401);
  });

  it('sets a fresh nonce CSP on pages and hands the nonce to Next.js', async () => {
    const a = await gate(req('/', { headers: { cookie: adminCookie } }), rt);
    const b = await gate(req('/', { headers: { cookie: adminCookie } }), rt);
    const csp = a.headers.get('content-security-policy')!;
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    expect(csp).toContain(`script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`);
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(b.headers.get('content-security-policy')).not.toContain(nonce);
    expect(a.headers.get('x-middleware-request-x-nonce')).toBe(nonce);
    expect(a.headers.get('x-middleware-request-content-security-policy')).toBe(csp);
    expect(a.headers.get('x-content-type-options')).toBe('nosniff');
    expect(a.headers.get('referrer-policy')).toBe('no-referrer');
    expect(a.headers.get('x-frame-options')).toBe('DENY');
    // A client-sent x-nonce is replaced.
    const c = await gate(req('/', { headers: { cookie: adminCookie, 'x-nonce': 'attacker' } }), rt);
    expect(c.headers.get('x-middleware-request-x-nonce')).not.toBe('attacker');
  });
});

describe('gate limits', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it('answers 429 with Retry-After past the per-client rate', async () => {
    const rt = createAuthRuntime(loadConfig({ KEYGRAPH_RATE_LIMIT: '5', KEYGRAPH_DATA_DIR: os.tmpdir() }), () => t);
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await gate(req('/api/v1/me', { headers: { host: '127.0.0.1:3000', 'x-keygraph-client-ip': '10.0.0.1' } }), rt);
      codes.push(r.status);
      if (r.status === 429) expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(2);
    // Another client is unaffected.
    const other = await gate(req('/api/v1/me', { headers: { host: '127.0.0.1:3000', 'x-keygraph-client-ip': '10.0.0.2' } }), rt);
    expect(other.status).not.toBe(429);
  });

  it('answers 413 to API bodies over the limit (declared or streamed)', async () => {
    const rt = createAuthRuntime(loadConfig({ KEYGRAPH_MAX_BODY: '100', KEYGRAPH_DATA_DIR: os.tmpdir() }), () => t);
    const big = 'x'.repeat(101);
    const declared = await gate(req('/api/v1/export', { method: 'POST', headers: { host: '127.0.0.1:3000', 'content-length': '101' }, body: big }), rt);
    expect(declared.status).toBe(413);
    const ok = await gate(req('/api/v1/export', { method: 'POST', headers: { host: '127.0.0.1:3000' }, body: 'x'.repeat(100) }), rt);
    expect(ok.status).not.toBe(413);
  });
});

describe('gate with sign-in off (local mode)', () => {
  let rt: AuthRuntime;
  beforeAll(() => {
    rt = createAuthRuntime(loadConfig({ KEYGRAPH_DATA_DIR: os.tmpdir() }), () => {
      throw new Error('local mode must not need the database');
    });
  });

  it('serves loopback host names without sign-in', async () => {
    for (const host of ['127.0.0.1:3000', 'localhost:3000', '[::1]:3000']) {
      const r = await gate(new NextRequest(`http://${host}/`, { headers: { host } }), rt);
      expect(passed(r), host).toBe(true);
    }
  });

  it('refuses other Host names (DNS rebinding) and cross-origin posts', async () => {
    const rebound = await gate(new NextRequest('http://127.0.0.1:3000/', { headers: { host: 'attacker.example:3000' } }), rt);
    expect(rebound.status).toBe(403);
    const cross = await gate(
      new NextRequest('http://127.0.0.1:3000/api/v1/tokens', { method: 'POST', headers: { host: '127.0.0.1:3000', origin: 'http://evil.example' }, body: '{}' }),
      rt,
    );
    expect(cross.status).toBe(403);
    const same = await gate(
      new NextRequest('http://127.0.0.1:3000/api/v1/tokens', { method: 'POST', headers: { host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3000' }, body: '{}' }),
      rt,
    );
    expect(passed(same)).toBe(true);
  });
});
