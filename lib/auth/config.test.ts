import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { loadConfig } from '../config';
import { roleAtLeast, roleForEmail } from './roles';
import { parseDuration } from './duration';

const OIDC = {
  KEYGRAPH_OIDC_ISSUER: 'https://accounts.google.com',
  KEYGRAPH_OIDC_CLIENT_ID: 'client-id',
  KEYGRAPH_OIDC_CLIENT_SECRET: 'very-secret-client-secret',
  KEYGRAPH_PUBLIC_URL: 'https://keygraph.example.com',
  KEYGRAPH_ALLOWED_DOMAINS: 'example.com',
};

describe('sign-in configuration', () => {
  it('is off by default (zero-config local use)', () => {
    const c = loadConfig({});
    expect(c.auth.enabled).toBe(false);
    expect(c.auth.sessionTtlMs).toBe(8 * 3600_000);
    expect(c.auth.secureCookies).toBe(false);
  });

  it('is on with OIDC configured, with the redirect URL derived from the public URL', () => {
    const c = loadConfig({ ...OIDC, KEYGRAPH_ADMIN_EMAILS: 'Root@Example.com, ops@example.com', KEYGRAPH_SESSION_TTL: '30m' });
    expect(c.auth.enabled).toBe(true);
    expect(c.auth.oidc).toMatchObject({ issuer: 'https://accounts.google.com', clientId: 'client-id', redirectUri: 'https://keygraph.example.com/auth/callback', providerName: 'Google' });
    expect(c.auth.adminEmails).toEqual(['root@example.com', 'ops@example.com']);
    expect(c.auth.secureCookies).toBe(true);
    expect(c.auth.sessionTtlMs).toBe(30 * 60_000);
    expect(c.auth.publicOrigin).toBe('https://keygraph.example.com');
  });

  it('never prints the client secret or session secret', () => {
    const c = loadConfig({ ...OIDC, KEYGRAPH_SESSION_SECRET: 's'.repeat(40) });
    for (const text of [JSON.stringify(c), inspect(c, { depth: 10 }), `${c.auth.oidc!.clientSecret}`]) {
      expect(text).not.toContain('very-secret-client-secret');
      expect(text).not.toContain('s'.repeat(40));
    }
    expect(c.auth.oidc!.clientSecret.reveal()).toBe('very-secret-client-secret');
  });

  it('refuses incomplete or unsafe configurations with a clear message', () => {
    const { KEYGRAPH_OIDC_CLIENT_SECRET: _, ...noSecret } = OIDC;
    expect(() => loadConfig(noSecret)).toThrow(/set all of KEYGRAPH_OIDC_ISSUER, KEYGRAPH_OIDC_CLIENT_ID and KEYGRAPH_OIDC_CLIENT_SECRET/);
    const { KEYGRAPH_PUBLIC_URL: __, ...noUrl } = OIDC;
    expect(() => loadConfig(noUrl)).toThrow(/KEYGRAPH_PUBLIC_URL is required/);
    const { KEYGRAPH_ALLOWED_DOMAINS: ___, ...nobody } = OIDC;
    expect(() => loadConfig(nobody)).toThrow(/say who may sign in/);
    expect(() => loadConfig({ ...OIDC, KEYGRAPH_PUBLIC_URL: 'http://keygraph.example.com' })).toThrow(/must use https/);
    expect(() => loadConfig({ ...OIDC, KEYGRAPH_OIDC_ISSUER: 'http://idp.example.com' })).toThrow(/must use https/);
    expect(() => loadConfig({ ...OIDC, KEYGRAPH_PUBLIC_URL: 'https://k.example.com/sub' })).toThrow(/must be an origin/);
    expect(() => loadConfig({ ...OIDC, KEYGRAPH_SESSION_SECRET: 'short' })).toThrow(/at least 32/);
    expect(() => loadConfig({ ...OIDC, KEYGRAPH_SESSION_TTL: 'forever' })).toThrow(/KEYGRAPH_SESSION_TTL must look like/);
    // The error never echoes the secret.
    try {
      loadConfig({ ...OIDC, KEYGRAPH_SESSION_SECRET: 'tooshort-secret' });
    } catch (e) {
      expect((e as Error).message).not.toContain('tooshort-secret');
    }
  });

  it('accepts http only on loopback (local testing), and treats empty variables as unset', () => {
    const c = loadConfig({ ...OIDC, KEYGRAPH_PUBLIC_URL: 'http://127.0.0.1:3211', KEYGRAPH_OIDC_ISSUER: 'http://127.0.0.1:4000' });
    expect(c.auth.secureCookies).toBe(false);
    expect(loadConfig({ KEYGRAPH_OIDC_ISSUER: '', KEYGRAPH_PUBLIC_URL: '' }).auth.enabled).toBe(false);
  });
});

describe('roles', () => {
  const cfg = { adminEmails: ['root@example.com'], allowedDomains: ['example.com'], allowedEmails: ['contractor@other.org'] };

  it('maps admins, allowed domains and emails; refuses everyone else', () => {
    expect(roleForEmail('Root@Example.com', cfg)).toBe('admin');
    expect(roleForEmail('alice@example.com', cfg)).toBe('viewer');
    expect(roleForEmail('contractor@other.org', cfg)).toBe('viewer');
    expect(roleForEmail('mallory@other.org', cfg)).toBeNull();
    expect(roleForEmail('mallory@evil-example.com', cfg)).toBeNull();
    expect(roleForEmail('mallory@sub.example.com', cfg)).toBeNull();
    expect(roleForEmail('mallory@example.com.evil.test', cfg)).toBeNull();
    expect(roleForEmail('example.com', cfg)).toBeNull();
    expect(roleForEmail('x@', cfg)).toBeNull();
    expect(roleForEmail('anyone@anywhere.test', { ...cfg, allowedDomains: ['*'] })).toBe('viewer');
    // An admin listed explicitly does not need an allowed domain.
    expect(roleForEmail('boss@elsewhere.test', { adminEmails: ['boss@elsewhere.test'], allowedDomains: [], allowedEmails: [] })).toBe('admin');
  });

  it('orders viewer below admin', () => {
    expect(roleAtLeast('admin', 'viewer')).toBe(true);
    expect(roleAtLeast('admin', 'admin')).toBe(true);
    expect(roleAtLeast('viewer', 'viewer')).toBe(true);
    expect(roleAtLeast('viewer', 'admin')).toBe(false);
  });
});

describe('durations', () => {
  it('parses the usual forms', () => {
    expect(parseDuration('90d')).toBe(90 * 86_400_000);
    expect(parseDuration('8h')).toBe(8 * 3600_000);
    expect(parseDuration('25s')).toBe(25_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration('30')).toBe(30_000);
    expect(() => parseDuration('0d')).toThrow(/positive/);
    expect(() => parseDuration('-1d')).toThrow();
    expect(() => parseDuration('soon')).toThrow();
  });
});
