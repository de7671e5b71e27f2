/**
 * History in the browser: the inventory as of a past time (banner, links that keep the time, the header's time
 * picker, leaving it), a node's timeline, and the diff between the demo's two runs, which must call out the seed
 * incident (ota/targets-backup-key renamed on day 2 while ota-lite-api still references the old name).
 * The demo loads the cluster's day 1 as run 1 and day 2 as run 2, then the GCP project's two days as runs 3 and 4
 * (fresh data folder per e2e run; lib/demo/README.md).
 * Screenshots go to e2e/artifacts/ (gitignored) for a human look.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';

const ARTIFACTS = path.join(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

const SECRET_ID = 'k8s:demo/ota/Secret/targets-backup-key';
const RENAMED_ID = 'k8s:demo/ota/Secret/targets-backup-key-2024-10-08';
const DEPLOYMENT_ID = 'k8s:demo/ota/Deployment/ota-lite-api';
const node = (id: string, asOf?: string) =>
  `/node?id=${encodeURIComponent(id)}${asOf ? `&asOf=${encodeURIComponent(asOf)}` : ''}`;

async function shot(page: Page, name: string): Promise<void> {
  // Full-page captures draw the fixed header where the page is scrolled to: capture from the top.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * The `asOf` of every link in `scope` to a page that reads the graph (node pages and searches), leaving out the
 * history timeline (links to other times on purpose) and the banner's "Back to now".
 */
async function asOfOfLinks(scope: Locator): Promise<(string | null)[]> {
  const outside = ':not([data-testid="history"] a):not([data-testid="asof-banner"] a)';
  const hrefs = await scope
    .locator(`a[href^="/node?"]${outside}, a[href^="/search"]${outside}`)
    .evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  expect(hrefs.length).toBeGreaterThan(0);
  return hrefs.map((h) => new URL(h, 'http://x').searchParams.get('asOf'));
}

test('a renamed Secret as of run 1: it exists, the banner says when, links keep the time', async ({ page }) => {
  await page.goto(node(SECRET_ID, 'run:1'));
  await expect(page.getByTestId('node-name')).toHaveText('targets-backup-key');
  // On day 1 the Secret existed: no "missing" alert or badge.
  await expect(page.getByTestId('missing-alert')).toHaveCount(0);
  const banner = page.getByTestId('asof-banner');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('Viewing the inventory as of');
  await expect(banner).toContainText('run 1');
  await expect(page.getByTestId('asof-picker')).toHaveText(/As of run 1/);
  const usedBy = page.getByTestId('used-by');
  await expect(usedBy.locator(`[data-other-id="${DEPLOYMENT_ID}"]`)).toBeVisible();
  // Every node and search link on the page, and the header's nav, keep asOf=run:1.
  expect(new Set(await asOfOfLinks(page.locator('main')))).toEqual(new Set(['run:1']));
  for (const name of ['Overview', 'Search', 'Missing']) {
    const href = await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).getAttribute('href');
    expect(new URL(href!, 'http://x').searchParams.get('asOf'), name).toBe('run:1');
  }
  await shot(page, '10-asof-secret');

  // Follow "Used by" to the Deployment: still as of run 1, and there the Secret is not missing.
  await usedBy.locator(`[data-other-id="${DEPLOYMENT_ID}"]`).getByRole('link', { name: 'ota-lite-api', exact: true }).click();
  await expect(page).toHaveURL(/asOf=run%3A1/);
  await expect(page.getByTestId('node-name')).toHaveText('ota-lite-api');
  await expect(page.getByTestId('asof-banner')).toBeVisible();
  const secretRow = page.getByTestId('uses').locator(`[data-other-id="${SECRET_ID}"]`);
  await expect(secretRow).toBeVisible();
  await expect(secretRow.getByTestId('missing-badge')).toHaveCount(0);
  await expect(page.getByTestId('uses').locator(`[data-other-id="${RENAMED_ID}"]`)).toHaveCount(0);
  await shot(page, '11-asof-deployment');

  // The header search keeps the time: day 1 has the old Secret, not the renamed one.
  const box = page.getByRole('search').first().getByRole('textbox');
  await box.fill('targets-backup-key');
  await box.press('Enter');
  await expect(page).toHaveURL(/\/search\?.*asOf=run%3A1/);
  const row = page.locator(`[data-node-id="${SECRET_ID}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId('missing-badge')).toHaveCount(0);
  await expect(page.locator(`[data-node-id="${RENAMED_ID}"]`)).toHaveCount(0);
  await expect(page.getByTestId('asof-banner')).toBeVisible();
  expect(new Set(await asOfOfLinks(page.getByTestId('search-results')))).toEqual(new Set(['run:1']));
  await shot(page, '12-asof-search');
});

test('the Secret’s history: appeared on day 1, disappeared on day 2, each event viewable', async ({ page }) => {
  await page.goto(node(SECRET_ID));
  await expect(page.getByTestId('missing-alert')).toBeVisible();
  await expect(page.getByTestId('asof-banner')).toHaveCount(0);
  const history = page.getByTestId('history');
  const events = history.getByTestId('history-event');
  await expect(events).toHaveCount(2);
  await expect(events.nth(0)).toHaveAttribute('data-type', 'appeared');
  await expect(events.nth(0)).toHaveAttribute('data-run', '1');
  await expect(events.nth(1)).toHaveAttribute('data-type', 'disappeared');
  await expect(events.nth(1)).toHaveAttribute('data-run', '2');
  // A collection only tells between which two runs a change happened.
  await expect(events.nth(1).getByTestId('history-when')).toContainText(/between run #1 .* and run #2/);
  await expect(history.getByTestId('history-seen-by')).toContainText('#1');
  await expect(history.getByTestId('history-seen-by')).not.toContainText('#2');
  await history.scrollIntoViewIfNeeded();
  await shot(page, '13-history');

  // A Secret that changed shows which keys, never a value.
  await page.goto(node('k8s:demo/payments/Secret/payments-db'));
  const changed = page.getByTestId('history').locator('[data-type="changed"]');
  await expect(changed).toBeVisible();
  await expect(changed.locator('[data-change="value changed"]').first()).toContainText('value changed');
  await page.getByTestId('history').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(ARTIFACTS, '14-history-changed.png') });

  // "view as of this time" on the first event of the renamed Secret: run 1.
  await page.goto(node(SECRET_ID));
  await page.getByTestId('history-event').first().getByTestId('history-view-as-of').click();
  await expect(page).toHaveURL(/asOf=run%3A1/);
  await expect(page.getByTestId('asof-banner')).toBeVisible();
  await expect(page.getByTestId('missing-alert')).toHaveCount(0);
});

test('the diff from run 1 to run 2 calls out the rename and the references to the old name', async ({ page }) => {
  await page.goto('/diff?from=run:1&to=run:2&cluster=demo');
  await expect(page.getByRole('heading', { name: 'Changes', exact: true })).toBeVisible();
  const rename = page.getByTestId('renamed-secret');
  await expect(rename).toHaveCount(1);
  await expect(rename).toHaveAttribute('data-from', SECRET_ID);
  await expect(rename).toHaveAttribute('data-to', RENAMED_ID);
  await expect(rename).toContainText('targets-backup-key → targets-backup-key-2024-10-08');
  await expect(rename).toContainText('Same data');
  await expect(rename.getByTestId('rename-referrers')).toHaveText('5 objects still reference the old name');

  // Removed objects link as of "from" (when they existed), added ones as of "to".
  const objects = page.getByTestId('diff-objects');
  const removed = objects.locator(`tr[data-node-id="${SECRET_ID}"]`);
  await expect(removed).toHaveAttribute('data-change', 'removed');
  expect(await removed.getByRole('link').first().getAttribute('href')).toBe(node(SECRET_ID, 'run:1'));
  const added = objects.locator(`tr[data-node-id="${RENAMED_ID}"]`);
  await expect(added).toHaveAttribute('data-change', 'added');
  expect(await added.getByRole('link').first().getAttribute('href')).toBe(node(RENAMED_ID, 'run:2'));
  // A rotated Secret: "value changed", never a value.
  await expect(objects.locator('tr[data-node-id="k8s:demo/payments/Secret/payments-db"]')).toContainText('value changed');
  // Both ends say how long ago; both time fields offer the recent runs of the cluster as choices.
  await expect(page.getByTestId('diff-to-label')).toContainText(/ago|now/);
  const choices = await page.getByTestId('diff-runs').locator('option').evaluateAll((os) => os.map((o) => o.getAttribute('value')));
  expect(choices).toEqual(['run:2', 'run:1']);
  await expect(page.getByTestId('diff-from')).toHaveAttribute('list', 'diff-runs');
  await shot(page, '15-diff');

  // Filter: removed only.
  await page.getByTestId('filter-removed').click();
  await expect(page).toHaveURL(/change=removed/);
  const rows = page.getByTestId('diff-objects').locator('tbody tr');
  expect(await rows.count()).toBeGreaterThan(0);
  for (const c of await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-change')))) expect(c).toBe('removed');
  await expect(page.getByTestId('renamed-secret')).toBeVisible();

  // The old name as of "to": missing, still used by the Deployment.
  await page.getByTestId('rename-referrers').click();
  await expect(page).toHaveURL(/asOf=run%3A2/);
  await expect(page.getByTestId('missing-alert')).toBeVisible();
  await expect(page.getByTestId('used-by').locator(`[data-other-id="${DEPLOYMENT_ID}"]`)).toBeVisible();

  // Defaults (nav "Changes"): the latest run against the previous one of its source/scope. The latest run is the
  // Secret Manager day 2 (run 6): ota-db-password got version 4.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Changes', exact: true }).click();
  await expect(page).toHaveURL(/\/diff$/);
  await expect(page.getByTestId('diff-from')).toHaveValue('run:5');
  await expect(page.getByTestId('diff-to')).toHaveValue('run:6');
  await expect(page.getByTestId('diff-objects').locator('tr[data-node-id="gcp:482915630174/SecretVersion/ota-db-password@4"]')).toHaveAttribute('data-change', 'added');
  // The GCP IAM day 2 (run 3 → run 4): the key GCP stopped listing is removed.
  await page.goto('/diff?from=run:3&to=run:4');
  await expect(
    page.getByTestId('diff-objects').locator('tr[data-node-id="gcp:keygraph-demo/ServiceAccountKey/0077cc31976b0ecae27ea9064f55e28a31c36c28"]'),
  ).toHaveAttribute('data-change', 'removed');
  // For the cluster, the same defaults give the rename.
  await page.goto('/diff?cluster=demo');
  await expect(page.getByTestId('renamed-secret')).toBeVisible();
  await expect(page.getByTestId('diff-from')).toHaveValue('run:1');
  await expect(page.getByTestId('diff-to')).toHaveValue('run:2');

  // From a run page: "changes in this run".
  await page.goto('/runs/2');
  await page.getByTestId('run-changes').click();
  await expect(page).toHaveURL(/\/diff\?from=run%3A1&to=run%3A2&cluster=demo/);
  await expect(page.getByTestId('renamed-secret')).toBeVisible();
});

test('the time picker goes to a run, and back to now', async ({ page }) => {
  await page.goto(node(SECRET_ID));
  await expect(page.getByTestId('asof-picker')).toHaveText(/Now/);
  await page.getByTestId('asof-picker').click();
  const run1 = page.getByTestId('asof-run-1');
  await expect(run1).toBeVisible();
  await expect(run1).toContainText(/run 1 · files\/demo · \d{2} \w{3} \d{2}:\d{2}/);
  await expect(page.getByTestId('asof-run-2')).toBeVisible();
  await page.screenshot({ path: path.join(ARTIFACTS, '16-picker.png') });
  await run1.click();
  await expect(page).toHaveURL(/asOf=run%3A1/);
  await expect(page.getByTestId('asof-banner')).toBeVisible();
  await expect(page.getByTestId('missing-alert')).toHaveCount(0);

  // A typed ISO time: the banner shows it.
  const at = await page.getByTestId('asof-banner').getAttribute('data-asof');
  await page.getByTestId('asof-picker').click();
  await page.getByTestId('asof-input').fill(at!);
  await page.getByTestId('asof-input').press('Enter');
  await expect(page).toHaveURL(new RegExp(`asOf=${encodeURIComponent(at!).replace(/[.]/g, '\\.')}`));
  await expect(page.getByTestId('asof-banner')).toBeVisible();
  await expect(page.getByTestId('missing-alert')).toHaveCount(0);

  // Leaving: the banner's "Back to now" returns to the same page, now.
  await page.getByTestId('asof-back-to-now').click();
  await expect(page).toHaveURL(new RegExp(`/node\\?id=${encodeURIComponent(SECRET_ID).replace(/[.]/g, '\\.')}$`));
  await expect(page.getByTestId('asof-banner')).toHaveCount(0);
  await expect(page.getByTestId('missing-alert')).toBeVisible();
  await expect(page.getByTestId('asof-picker')).toHaveText(/Now/);
  await shot(page, '17-back-to-now');
});

test('an invalid asOf is an inline error, not a crash', async ({ page }) => {
  const res = await page.goto('/?asOf=Dec%201');
  expect(res?.status()).toBe(200);
  await expect(page.getByTestId('asof-error')).toContainText('not a time');
  await shot(page, '18-asof-invalid');
  await page.goto(node(SECRET_ID, 'run:999'));
  await expect(page.getByTestId('asof-error')).toContainText('no run 999');
  await page.getByTestId('asof-error').getByRole('link', { name: /now/ }).click();
  await expect(page.getByTestId('node-name')).toHaveText('targets-backup-key');
  await expect(page.getByTestId('asof-error')).toHaveCount(0);
});

test('a time before the first run is "no data at that time", never an all-clear', async ({ page }) => {
  for (const p of ['/?asOf=2001-01-01', '/findings?asOf=2001-01-01', `/findings?asOf=${encodeURIComponent('run:1x')}`]) {
    const res = await page.goto(p);
    expect(res?.status()).toBe(200);
    await expect(page.getByText('No findings')).toHaveCount(0);
    await expect(page.getByTestId('missing-card')).toHaveCount(0);
  }
  await page.goto('/findings?asOf=2001-01-01');
  await expect(page.getByTestId('asof-nodata')).toContainText('No data at that time');
  await page.goto(`/findings?asOf=${encodeURIComponent('run:1x')}`);
  await expect(page.getByTestId('asof-error')).toContainText('not a time');
});

test.describe('at phone width (390 px)', () => {
  test.use({ viewport: { width: 390, height: 844 } });
  test('the no-data state, an invalid time, a malformed id and a Secret page keep their answer readable; the menu opens', async ({ page }) => {
    await page.goto('/findings?asOf=2001-01-01');
    await expect(page.getByTestId('asof-nodata')).toBeVisible();
    await shot(page, 'phone-01-nodata');
    await page.goto(`/findings?asOf=${encodeURIComponent('run:1x')}`);
    await expect(page.getByTestId('asof-error')).toBeVisible();
    await shot(page, 'phone-02-asof-invalid');
    const res = await page.goto('/node?id=not-an-id');
    expect(res?.status()).toBe(404);
    await expect(page.getByTestId('node-not-found')).toContainText('not a keygraph node id');
    await shot(page, 'phone-03-malformed-id');
    await page.goto(node(SECRET_ID));
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    // The header fits: nothing overflows the viewport sideways, and the navigation is one tap away.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, 'phone-04-secret');
    await page.getByRole('button', { name: 'Open the menu' }).click();
    const drawer = page.getByRole('dialog');
    await expect(drawer.getByRole('link', { name: 'Findings' })).toBeVisible();
    await expect(drawer.getByRole('textbox', { name: 'Search the inventory' })).toBeVisible();
    await page.screenshot({ path: path.join(ARTIFACTS, 'phone-05-menu.png') });
    await drawer.getByRole('link', { name: 'Findings' }).click();
    await expect(page).toHaveURL(/\/findings/);
    await expect(page.getByRole('dialog')).toHaveCount(0);
  });
});
