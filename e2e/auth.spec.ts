/**
 * Sign-in end to end, in a real browser, against a real OpenID Provider (oidc-provider, started with keygraph by
 * e2e/auth-stack.ts on a random port) and keygraph with sign-in configured on 127.0.0.1:KEYGRAPH_E2E_AUTH_PORT (playwright.config.ts, e2e/ports.ts):
 * redirect to sign-in, the authorization code flow with PKCE through the provider's login form, roles, API tokens
 * created in the UI and used with `Authorization: Bearer`, revocation, CSRF refusals, session expiry, and the CSP
 * (no violations, the app hydrates). Screenshots go to e2e/artifacts/auth-*.png.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, request as playwrightRequest, test, type Page } from '@playwright/test';
import { ADMIN_EMAIL, AUTH_URL, ISSUER_FILE, OUTSIDER_EMAIL, SESSION_TTL_SECONDS, VIEWER_EMAIL } from './auth-env';
import { E2E_PORT } from './ports';
import { cspViolations, watchCsp } from './csp-watch';

const ARTIFACTS = path.join(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const issuer = () => readFileSync(ISSUER_FILE, 'utf8').trim();

/** Runs the keygraph CLI as a separate process with only KEYGRAPH_TOKEN (no database settings); its exit code and output. */
function keygraph(args: string[], token?: string): Promise<{ code: number; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = { NODE_ENV: 'production', PATH: process.env.PATH, HOME: process.env.HOME, NEXT_TELEMETRY_DISABLED: '1', ...(token && { KEYGRAPH_TOKEN: token }) };
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(import.meta.dirname, '..', 'bin', 'keygraph.mjs'), ...args], { env, timeout: 60_000 }, (e, out, err) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err });
    });
  });
}
const SECRET_ID = 'k8s:demo/ota/Secret/targets-backup-key';

test.use({ baseURL: AUTH_URL });

async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(ARTIFACTS, `auth-${name}.png`), fullPage: true });
}

/** Signs in through the OpenID Provider's login (and consent) form, starting from `from`. */
async function signIn(page: Page, email: string, from = '/'): Promise<void> {
  await page.route(/fonts\.googleapis\.com/, (r) => r.abort()); // the provider's dev page imports a web font
  await page.goto(from);
  await expect(page).toHaveURL(/\/login\?returnTo=/);
  await page.getByTestId('sign-in').click();
  await expect(page).toHaveURL(new RegExp(`^${issuer()}/interaction/`));
  await page.locator('input[name="login"]').fill(email);
  await page.locator('input[name="password"]').fill('any password');
  await page.locator('button[type="submit"]').click();
  // First sign-in of this browser: the provider asks for consent.
  await page.waitForURL((u) => u.origin === AUTH_URL || /\/interaction\//.test(u.pathname));
  if (page.url().startsWith(issuer())) await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((u) => u.origin === AUTH_URL);
}

test('unauthenticated: pages redirect to sign-in, the API answers 401', async ({ page, request }) => {
  const problems = await watchCsp(page);
  await page.goto(`/node?id=${encodeURIComponent(SECRET_ID)}`);
  await expect(page).toHaveURL(/\/login\?returnTo=%2Fnode%3Fid%3D/);
  await expect(page.getByRole('heading', { name: 'Sign in to keygraph' })).toBeVisible();
  await expect(page.getByTestId('sign-in')).toHaveText('Sign in with Test IdP');
  await expect(page.getByRole('search')).toHaveCount(0); // no search or navigation before sign-in
  await shot(page, '01-login');
  expect(await cspViolations(page)).toEqual([]);
  expect(problems).toEqual([]);

  const me = await request.get('/api/v1/me');
  expect(me.status()).toBe(401);
  expect(await me.json()).toEqual({ error: 'sign-in required' });
  expect((await request.get('/api/v1/export?what=nodes&format=json')).status()).toBe(401);
  // Probes stay open.
  expect((await request.get('/healthz')).status()).toBe(200);
});

test('a viewer signs in through the provider, sees their email, cannot open the tokens page, signs out', async ({ page }) => {
  const problems = await watchCsp(page);
  await signIn(page, VIEWER_EMAIL, `/node?id=${encodeURIComponent(SECRET_ID)}`);
  // Back where they started, signed in.
  await expect(page).toHaveURL(new RegExp(`/node\\?id=`));
  await expect(page.getByTestId('node-name')).toHaveText('targets-backup-key');
  await expect(page.getByTestId('user-email')).toHaveText(VIEWER_EMAIL);
  await expect(page.getByTestId('user-role')).toHaveText('viewer');
  await expect(page.getByTestId('sign-out')).toBeVisible();
  await expect(page.getByTestId('tokens-link')).toHaveCount(0);
  await shot(page, '02-viewer-signed-in');

  // The app hydrated: client-side navigation keeps the page's JavaScript state (no full reload).
  await page.evaluate(() => ((window as unknown as { __kgMarker?: number }).__kgMarker = 1));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs' }).click();
  await expect(page).toHaveURL(/\/runs$/);
  expect(await page.evaluate(() => (window as unknown as { __kgMarker?: number }).__kgMarker)).toBe(1);

  // The API with the session cookie.
  const me = await page.request.get('/api/v1/me');
  expect(await me.json()).toMatchObject({ kind: 'session', role: 'viewer', email: VIEWER_EMAIL });

  // Admin only: 403 for the page and the API.
  const res = await page.goto('/settings/tokens');
  expect(res!.status()).toBe(403);
  await expect(page.getByTestId('forbidden')).toBeVisible();
  await shot(page, '03-viewer-forbidden');
  expect((await page.request.get('/api/v1/tokens')).status()).toBe(403);
  expect(await cspViolations(page)).toEqual([]);
  expect(problems).toEqual([]);

  // Sign out: back to the login page; the old cookie no longer works.
  const cookie = (await page.context().cookies()).find((c) => c.name === 'kg_session');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
  await page.goto('/');
  await page.getByTestId('sign-out').click();
  await expect(page).toHaveURL(/\/login\?signedOut=1/);
  await expect(page.getByTestId('login-signed-out')).toBeVisible();
  const replay = await playwrightRequest.newContext({ baseURL: AUTH_URL, extraHTTPHeaders: { cookie: `kg_session=${cookie!.value}` } });
  expect((await replay.get('/api/v1/me')).status()).toBe(401);
  await replay.dispose();
});

test('someone outside the allowed domains is refused', async ({ page }) => {
  await page.route(/fonts\.googleapis\.com/, (r) => r.abort());
  await page.goto('/login');
  await page.getByTestId('sign-in').click();
  await page.locator('input[name="login"]').fill(OUTSIDER_EMAIL);
  await page.locator('input[name="password"]').fill('x');
  await page.locator('button[type="submit"]').click();
  await page.waitForURL((u) => u.origin === AUTH_URL || /\/interaction\//.test(u.pathname));
  if (page.url().startsWith(issuer())) await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/login\?error=denied/);
  await expect(page.getByTestId('login-error')).toContainText('Access denied');
  expect((await page.context().cookies()).find((c) => c.name === 'kg_session')).toBeUndefined();
  await shot(page, '04-denied');
});

test('an admin creates an API token (shown once), uses it with Bearer, and revokes it', async ({ page }) => {
  const problems = await watchCsp(page);
  await signIn(page, ADMIN_EMAIL);
  await expect(page.getByTestId('user-role')).toHaveText('admin');
  await page.getByTestId('tokens-link').click();
  await expect(page.getByRole('heading', { name: 'API tokens' })).toBeVisible();

  await expect(page.getByTestId('create-token-form')).toHaveAttribute('data-ready', 'true'); // hydrated
  await page.getByLabel('Name').fill('e2e-rotation-ci');
  await page.getByLabel('Role').selectOption('viewer');
  await page.getByLabel('Expires after').selectOption('30d');
  await page.getByTestId('create-token').click();
  const value = page.getByTestId('new-token-value');
  await expect(value).toHaveText(/^kg_[A-Za-z0-9_-]{43}$/);
  const token = (await value.textContent())!;
  const row = page.locator('[data-token-name="e2e-rotation-ci"]');
  await expect(row.getByTestId('token-status')).toHaveText('active');
  await shot(page, '05-token-created');

  // Shown once: after a reload, the page holds only the prefix.
  await page.reload();
  await expect(row).toBeVisible();
  expect(await page.content()).not.toContain(token);
  await expect(row).toContainText(token.slice(0, 7));

  // A script with the token: no cookies, only the Authorization header.
  const api = await playwrightRequest.newContext({ baseURL: AUTH_URL, extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
  const me = await api.get('/api/v1/me');
  expect(me.status()).toBe(200);
  expect(await me.json()).toMatchObject({ kind: 'token', role: 'viewer', name: 'e2e-rotation-ci' });
  const exp = await api.get('/api/v1/export?what=nodes&format=json');
  expect(exp.status()).toBe(200);
  expect((await exp.body()).length).toBeGreaterThan(0);
  // A viewer token cannot manage tokens.
  expect((await api.get('/api/v1/tokens')).status()).toBe(403);
  expect((await api.post('/api/v1/tokens', { data: { name: 'escalate', role: 'admin' } })).status()).toBe(403);

  // A pipeline step: `keygraph impact --server` with the viewer token answers as the CLI does against the database
  // (the same text as the demo server without sign-in, exit 2: it breaks); without the token it is refused (exit 1).
  const viaToken = await keygraph(['impact', 'k8s:demo/ota/Secret/ota-db-credentials', '--server', AUTH_URL], token);
  expect(viaToken.code, viaToken.err).toBe(2);
  expect(viaToken.out).toContain('verdict: BREAKS');
  expect(viaToken.out).toContain('Plan (delete)');
  const open = await keygraph(['impact', 'k8s:demo/ota/Secret/ota-db-credentials', '--server', `http://127.0.0.1:${E2E_PORT}`]);
  expect(viaToken.out).toBe(open.out);
  const refused = await keygraph(['impact', 'k8s:demo/ota/Secret/ota-db-credentials', '--server', AUTH_URL]);
  expect(refused.code).toBe(1);
  expect(refused.err).toContain('needs sign-in: set KEYGRAPH_TOKEN');
  expect(viaToken.out + viaToken.err + refused.err).not.toContain(token.slice(3));
  // And a wrong token is refused.
  const wrong = await playwrightRequest.newContext({ baseURL: AUTH_URL, extraHTTPHeaders: { Authorization: `Bearer kg_${'A'.repeat(43)}` } });
  expect((await wrong.get('/api/v1/me')).status()).toBe(401);
  await wrong.dispose();

  // Last use shows up; then revoke in the UI.
  await page.reload();
  await expect(row.getByTestId('last-used')).not.toHaveText('—');
  page.once('dialog', (d) => d.accept());
  await row.getByTestId('revoke-token').click();
  await expect(row.getByTestId('token-status')).toHaveText('revoked');
  await shot(page, '06-token-revoked');

  const after = await api.get('/api/v1/me');
  expect(after.status()).toBe(401);
  expect(JSON.stringify(await after.json())).not.toContain(token.slice(3));
  await api.dispose();
  expect(await cspViolations(page)).toEqual([]);
  expect(problems).toEqual([]);
});

test('cross-origin and token-less state changes are refused', async ({ page }) => {
  await signIn(page, ADMIN_EMAIL);
  const count = async () => ((await (await page.request.get('/api/v1/tokens')).json()) as { tokens: unknown[] }).tokens.length;
  const before = await count();

  // From another origin in the same browser (the provider's page: same site, other port, so the SameSite=Lax
  // cookie IS sent): a simple cross-origin POST that needs no preflight, and a form posting sign-out.
  await page.goto(`${issuer()}/.well-known/openid-configuration`);
  const [attempt] = await Promise.all([
    page.waitForRequest(`${AUTH_URL}/api/v1/tokens`),
    page.evaluate(async (url) => {
      // The response is unreadable here either way (no CORS; Cross-Origin-Resource-Policy makes fetch reject).
      await fetch(`${url}/api/v1/tokens`, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body: '{"name":"csrf","role":"admin"}' }).catch(() => {});
    }, AUTH_URL),
  ]);
  expect((await attempt.allHeaders())['cookie']).toContain('kg_session='); // the cookie was sent: same site
  expect((await attempt.allHeaders())['origin']).toBe(issuer());
  expect(await count()).toBe(before);
  const [logout] = await Promise.all([
    page.waitForResponse(`${AUTH_URL}/auth/logout`),
    page.evaluate((url) => {
      const f = document.createElement('form');
      f.method = 'POST';
      f.action = `${url}/auth/logout`;
      document.body.append(f);
      f.submit();
    }, AUTH_URL),
  ]);
  expect(logout.status()).toBe(403);
  // Still signed in.
  expect((await page.request.get('/api/v1/me')).status()).toBe(200);

  // Direct requests with the session cookie: a foreign Origin, or no CSRF token, are refused.
  const foreign = await page.request.post('/api/v1/tokens', { headers: { Origin: 'http://evil.example' }, data: { name: 'x', role: 'admin' } });
  expect(foreign.status()).toBe(403);
  expect(await foreign.json()).toEqual({ error: 'cross-origin request refused' });
  const noToken = await page.request.post('/api/v1/tokens', { headers: { Origin: AUTH_URL }, data: { name: 'x', role: 'admin' } });
  expect(noToken.status()).toBe(403);
  expect(await noToken.json()).toEqual({ error: 'missing or wrong CSRF token' });
  expect(await count()).toBe(before);
});

test('the session expires (absolute lifetime)', async ({ page }) => {
  test.setTimeout(SESSION_TTL_SECONDS * 1000 + 60_000);
  await signIn(page, VIEWER_EMAIL);
  const signedInAt = Date.now();
  await expect(page.getByTestId('user-email')).toHaveText(VIEWER_EMAIL);
  expect((await page.request.get('/api/v1/me')).status()).toBe(200);
  const cookie = (await page.context().cookies()).find((c) => c.name === 'kg_session')!;
  expect(cookie.expires * 1000).toBeLessThanOrEqual(signedInAt + SESSION_TTL_SECONDS * 1000 + 2000);
  await page.waitForTimeout(Math.max(0, signedInAt + SESSION_TTL_SECONDS * 1000 + 1500 - Date.now()));
  // The browser dropped the cookie (Max-Age), and the server refuses it anyway when replayed (the expiry inside
  // the encrypted cookie, and the sessions row): a page goes to sign-in, the API says 401.
  expect((await page.request.get('/api/v1/me')).status()).toBe(401);
  const replay = await playwrightRequest.newContext({ baseURL: AUTH_URL, extraHTTPHeaders: { cookie: `kg_session=${cookie.value}` } });
  const replayed = await replay.get('/api/v1/me');
  expect(replayed.status()).toBe(401);
  const page2 = await replay.get('/runs', { maxRedirects: 0 });
  expect(page2.status()).toBe(303);
  expect(page2.headers()['location']).toContain('reason=expired');
  await replay.dispose();
  await page.goto('/runs');
  await expect(page).toHaveURL(/\/login\?returnTo=%2Fruns/);
  await shot(page, '07-expired');
});
