import { describe, expect, it } from 'vitest';
import { checkOrigin, csrfTokenMatches, isUnsafeMethod } from './csrf';
import { RateLimiter } from './ratelimit';

const ORIGINS = ['https://keygraph.example.com'];

describe('Origin check', () => {
  it('accepts the own origin and non-browser requests', () => {
    expect(checkOrigin({ origin: 'https://keygraph.example.com', secFetchSite: 'same-origin' }, ORIGINS)).toBeNull();
    expect(checkOrigin({ origin: null, secFetchSite: null }, ORIGINS)).toBeNull(); // curl, scripts
    expect(checkOrigin({ origin: null, secFetchSite: 'same-origin' }, ORIGINS)).toBeNull();
    expect(checkOrigin({ origin: null, secFetchSite: 'none' }, ORIGINS)).toBeNull(); // typed into the address bar
  });

  it('refuses other origins, opaque origins, and cross-site fetch metadata', () => {
    expect(checkOrigin({ origin: 'https://evil.example', secFetchSite: 'cross-site' }, ORIGINS)).toMatch(/cross-origin/);
    expect(checkOrigin({ origin: 'http://keygraph.example.com', secFetchSite: null }, ORIGINS)).toMatch(/cross-origin/); // scheme differs
    expect(checkOrigin({ origin: 'https://keygraph.example.com:8443', secFetchSite: null }, ORIGINS)).toMatch(/cross-origin/); // port differs
    expect(checkOrigin({ origin: 'https://keygraph.example.com.evil.test', secFetchSite: null }, ORIGINS)).toMatch(/cross-origin/);
    expect(checkOrigin({ origin: 'null', secFetchSite: null }, ORIGINS)).toMatch(/opaque/);
    expect(checkOrigin({ origin: 'null', secFetchSite: 'cross-site' }, ORIGINS)).toMatch(/opaque/); // sandboxed frame elsewhere
    expect(checkOrigin({ origin: 'null', secFetchSite: 'same-origin' }, ORIGINS)).toBeNull(); // our form under no-referrer
    expect(checkOrigin({ origin: 'not a url', secFetchSite: null }, ORIGINS)).toMatch(/malformed/);
    expect(checkOrigin({ origin: null, secFetchSite: 'cross-site' }, ORIGINS)).toMatch(/cross-origin/);
    expect(checkOrigin({ origin: null, secFetchSite: 'same-site' }, ORIGINS)).toMatch(/cross-origin/); // another port/subdomain
  });

  it('applies to state-changing methods only', () => {
    expect(['POST', 'PUT', 'PATCH', 'DELETE', 'post'].every(isUnsafeMethod)).toBe(true);
    expect(['GET', 'HEAD', 'OPTIONS'].some(isUnsafeMethod)).toBe(false);
  });
});

describe('CSRF token', () => {
  it('matches exactly, in constant time', () => {
    expect(csrfTokenMatches('abc', 'abc')).toBe(true);
    expect(csrfTokenMatches('abc', 'abd')).toBe(false);
    expect(csrfTokenMatches('abc', 'abcd')).toBe(false);
    expect(csrfTokenMatches('abc', '')).toBe(false);
    expect(csrfTokenMatches('abc', null)).toBe(false);
    expect(csrfTokenMatches('', '')).toBe(false);
  });
});

describe('rate limiter', () => {
  it('allows a burst, then refills over time, per key', () => {
    const rl = new RateLimiter(3, 1);
    const t = 1_000_000;
    expect([1, 2, 3].map(() => rl.take('a', t).allowed)).toEqual([true, true, true]);
    const denied = rl.take('a', t);
    expect(denied).toMatchObject({ allowed: false, retryAfterSeconds: 1 });
    expect(rl.take('b', t).allowed).toBe(true); // another client is unaffected
    expect(rl.take('a', t + 999).allowed).toBe(false);
    expect(rl.take('a', t + 2000).allowed).toBe(true);
  });

  it('reports Retry-After for slow refill and bounds its memory', () => {
    const rl = new RateLimiter(1, 0.5, 100);
    rl.take('x', 0);
    expect(rl.take('x', 0).retryAfterSeconds).toBe(2);
    for (let i = 0; i < 1000; i++) rl.take(`k${i}`, 0);
    expect(rl.size).toBe(100);
  });
});
