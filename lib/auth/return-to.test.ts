/**
 * lib/auth/return-to.ts safeReturnTo: the post-sign-in destination every reader of `returnTo` uses (login page,
 * /auth/login, /auth/callback). Each bad input is checked the way a browser follows the answer: resolved against the
 * site's URL, it must stay on the site and must not be a protocol-relative `//host` path.
 */
import { describe, expect, it } from 'vitest';
import { safeReturnTo } from './return-to';
import { safeReturnTo as fromSession } from './session';

const SITE = 'https://keygraph.example.org';
/** Where a browser ends up after `Location: answer` from a page on SITE, and after a second hop a server could make. */
const landsOn = (answer: string) => new URL(answer, `${SITE}/login`);

describe('safeReturnTo', () => {
  it('keeps ordinary destinations, query and fragment included', () => {
    for (const ok of ['/', '/node?id=k8s:demo/ota/Secret/x', '/search?q=a%2Fb#results', '/findings?asOf=run:3']) {
      expect(safeReturnTo(ok)).toBe(ok);
    }
    // Normalised to what the browser would request, still on the site.
    expect(safeReturnTo('/x/../search?q=1')).toBe('/search?q=1');
  });

  it('refuses every open-redirect form, by where the browser would land', () => {
    const attacks = [
      '/..//evil.example', // /login?returnTo=%2F..%2F%2Fevil.example
      '/.//evil.example',
      '/x/..//evil.example',
      '/%2e%2e//evil.example',
      '/%2E%2E//evil.example',
      '/./%2e/..//evil.example',
      '//evil.example',
      '///evil.example',
      '/\\evil.example',
      '/\\/evil.example',
      '/..\\/evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '/\r\n/evil.example',
      '/%09/evil.example',
      '/%2f/evil.example',
      '/%5cevil.example',
      'https://evil.example',
      'https:evil.example',
      'javascript:alert(1)',
      ' //evil.example',
      '',
      null,
      undefined,
      '/' + 'a'.repeat(2100),
    ];
    for (const bad of attacks) {
      const answer = safeReturnTo(bad);
      const u = landsOn(answer);
      expect(u.origin, JSON.stringify(bad)).toBe(SITE);
      // The answer itself is never protocol-relative (a second server-side hop could make it a host).
      expect(answer, JSON.stringify(bad)).not.toMatch(/^\/[/\\]|^\/%(2f|5c)/i);
      expect(new URL(u.pathname, SITE).origin, JSON.stringify(bad)).toBe(SITE);
    }
    // The documented attack from the issue ends on the overview.
    expect(safeReturnTo('/..//evil.example')).toBe('/');
    expect(safeReturnTo('/%2e%2e//evil.example')).toBe('/');
  });

  it('never returns to the sign-in pages (no loop)', () => {
    for (const loop of ['/auth/callback?code=x', '/login', '/login?returnTo=/x', '/x/../auth/login', '/%61uth/login']) {
      const a = safeReturnTo(loop);
      expect(a === '/' || !/^\/(auth\/|login)/.test(new URL(a, SITE).pathname), loop).toBe(true);
    }
  });

  it('is the same function the session module exports (one check)', () => {
    expect(fromSession).toBe(safeReturnTo);
  });
});
