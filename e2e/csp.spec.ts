/**
 * The Content-Security-Policy on the demo server (no sign-in, loopback): every existing page renders and hydrates
 * with the nonce-based CSP, and the browser reports no violation. (The same checks with sign-in are in
 * e2e/auth.spec.ts.)
 */
import { expect, test } from '@playwright/test';
import { cspViolations, watchCsp } from './csp-watch';

const PAGES = [
  '/',
  '/search?q=targets-backup-key',
  '/search?missing=1',
  `/node?id=${encodeURIComponent('k8s:demo/ota/Secret/targets-backup-key')}`,
  `/node?id=${encodeURIComponent('k8s:demo/ota/Deployment/ota-lite-api')}`,
  '/runs',
  '/runs/1',
  '/login',
  '/no-such-page',
];

test('pages carry a nonce CSP, hydrate, and cause no CSP violation', async ({ page }) => {
  const problems = await watchCsp(page);
  for (const p of PAGES) {
    const res = await page.goto(p);
    const csp = res!.headers()['content-security-policy'] ?? '';
    expect(csp, p).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(csp, p).not.toContain("'unsafe-inline' 'strict-dynamic'");
    expect(csp, p).toContain("frame-ancestors 'none'");
    expect(res!.headers()['x-content-type-options'], p).toBe('nosniff');
    expect(res!.headers()['referrer-policy'], p).toBe('no-referrer');
    // Every script the server rendered (inline or not) carries this response's nonce. Scripts the loaded runtime
    // inserts later (chunks) carry none and need none: 'strict-dynamic' trusts what a nonced script loads, and a
    // violation would show below.
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    const tags = (await res!.text()).match(/<script\b[^>]*>/g) ?? [];
    expect(tags.length, p).toBeGreaterThan(0);
    for (const tag of tags) expect(tag, p).toContain(`nonce="${nonce}"`);
    await page.waitForLoadState('networkidle');
    expect(await cspViolations(page), p).toEqual([]);
  }
  expect(problems).toEqual([]);

  // Hydrated: client-side navigation keeps the page's JavaScript state (no full reload), the local-mode badge shows.
  await page.goto('/');
  await expect(page.getByTestId('local-mode')).toBeVisible();
  await page.evaluate(() => ((window as unknown as { __kgMarker?: number }).__kgMarker = 1));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs' }).click();
  await expect(page).toHaveURL(/\/runs$/);
  expect(await page.evaluate(() => (window as unknown as { __kgMarker?: number }).__kgMarker)).toBe(1);
});

test('API and static responses carry the strict headers; a foreign Host is refused', async ({ request, baseURL }) => {
  const api = await request.get('/api/v1/export?what=nodes&format=json');
  expect(api.headers()['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  expect(api.headers()['x-frame-options']).toBe('DENY');
  const icon = await request.get('/icon.svg');
  expect(icon.headers()['x-content-type-options']).toBe('nosniff');
  // DNS rebinding: another name resolving to 127.0.0.1 gets nothing without sign-in.
  const rebound = await request.get(`${baseURL}/`, { headers: { Host: 'attacker.example' } });
  expect(rebound.status()).toBe(403);
});
