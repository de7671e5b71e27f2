/**
 * Browsing the demo inventory from both ends of a link: the seed incident (a Secret renamed while a Deployment
 * still references the old name) must be visible from the Secret and from the Deployment.
 * Screenshots of every step go to e2e/artifacts/ (gitignored) for a human look.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';

const ARTIFACTS = path.join(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

const SECRET_ID = 'k8s:demo/ota/Secret/targets-backup-key';
const RENAMED_ID = 'k8s:demo/ota/Secret/targets-backup-key-2024-10-08';
const DEPLOYMENT_ID = 'k8s:demo/ota/Deployment/ota-lite-api';

async function shot(page: Page, name: string): Promise<void> {
  // Full-page captures draw the fixed header where the page is scrolled to: capture from the top.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

test('overview shows counts, the missing total and the latest runs', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  const missing = page.getByTestId('missing-card');
  await expect(missing).toBeVisible();
  await expect(missing).toContainText(/Missing object/);
  await expect(page.getByTestId('count-k8s-Secret')).toBeVisible();
  await expect(page.getByRole('link', { name: '#2' })).toBeVisible();
  await shot(page, '01-overview');

  await missing.click();
  await expect(page).toHaveURL(/\/search\?missing=1/);
  await expect(page.getByRole('heading', { name: 'Missing objects' })).toBeVisible();
  await expect(page.locator(`[data-node-id="${SECRET_ID}"]`)).toBeVisible();
  await shot(page, '02-missing');
});

test('the renamed Secret is visible from both ends', async ({ page }) => {
  await page.goto('/');

  // Global search from the header.
  const box = page.getByRole('search').first().getByRole('textbox');
  await box.fill('targets-backup-key');
  await box.press('Enter');
  await expect(page).toHaveURL(/\/search\?q=targets-backup-key/);
  const row = page.locator(`[data-node-id="${SECRET_ID}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId('missing-badge')).toBeVisible();
  await shot(page, '03-search');

  // The missing Secret: alert, and who still uses it.
  await row.getByRole('link', { name: 'targets-backup-key', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/node\\?id=${encodeURIComponent(SECRET_ID)}`.replace(/[.]/g, '\\.')));
  await expect(page.getByTestId('node-name')).toHaveText('targets-backup-key');
  await expect(page.getByTestId('node-id')).toHaveText(SECRET_ID);
  await expect(page.getByTestId('missing-alert')).toContainText('Referenced but not observed');
  const usedBy = page.getByTestId('used-by');
  await expect(usedBy.locator(`[data-other-id="${DEPLOYMENT_ID}"]`)).toBeVisible();
  const pods = usedBy.locator('[data-other-id^="k8s:demo/ota/Pod/ota-lite-api-"]');
  expect(await pods.count()).toBeGreaterThan(0);
  await expect(usedBy.locator('[data-via="env"]').first()).toBeVisible();
  await shot(page, '04-missing-secret');

  // Follow the link to the Deployment: its "Uses" lists its Secrets and how they are referenced.
  await usedBy.locator(`[data-other-id="${DEPLOYMENT_ID}"]`).getByRole('link', { name: 'ota-lite-api', exact: true }).click();
  await expect(page.getByTestId('node-name')).toHaveText('ota-lite-api');
  const uses = page.getByTestId('uses');
  const missingRow = uses.locator(`[data-other-id="${SECRET_ID}"]`);
  await expect(missingRow).toBeVisible();
  await expect(missingRow.getByTestId('missing-badge')).toBeVisible();
  await expect(missingRow.locator('[data-via="env"]')).toBeVisible();
  await expect(missingRow.locator('[data-via="volume"]')).toBeVisible();
  expect(await uses.locator('[data-other-id^="k8s:demo/ota/Secret/"]').count()).toBeGreaterThan(1);
  await shot(page, '05-deployment');

  // Back to the Secret.
  await page.goBack();
  await expect(page.getByTestId('node-name')).toHaveText('targets-backup-key');
});

test('an existing Secret shows key names, never values', async ({ page }) => {
  await page.goto(`/node?id=${encodeURIComponent(RENAMED_ID)}`);
  await expect(page.getByTestId('node-name')).toHaveText('targets-backup-key-2024-10-08');
  await expect(page.getByTestId('missing-alert')).toHaveCount(0);
  // Key names in the About card, above the fold; fingerprints and the raw properties in All properties: still no value.
  await expect(page.getByTestId('about')).toContainText('targets-backup.json');
  await page.getByTestId('all-properties').click();
  const keys = page.getByTestId('data-key');
  await expect(keys).toHaveText(['key-id', 'targets-backup.json']);
  await expect(page.getByText(/^fingerprint [0-9a-f]{8}…$/).first()).toBeVisible();
  const html = await page.content();
  expect(html).not.toContain('demo-targets-backup-7f3c2a91'); // the key-id value
  expect(html).not.toContain('ZGVtby10YXJnZXRz'); // its base64
  expect(html).not.toContain('demo-not-a-real');
  await shot(page, '06-existing-secret');
});

test('a ConfigMap: key names (never values), who mounts it and how; a Secret also read by a custom resource', async ({ page, request }) => {
  const cm = 'k8s:demo/monitoring/ConfigMap/grafana-ini';
  await page.goto(`/node?id=${encodeURIComponent(cm)}`);
  await expect(page.getByTestId('node-name')).toHaveText('grafana-ini');
  await expect(page.getByTestId('data-key')).toHaveText(['grafana.ini']);
  const usedBy = page.getByTestId('used-by');
  await expect(usedBy.locator('[data-other-id="k8s:demo/monitoring/Deployment/grafana"]')).toBeVisible();
  await expect(usedBy.locator('[data-via="volume"]').first()).toBeVisible();
  expect(await page.content()).not.toContain('root_url'); // a value of the ConfigMap: never stored
  await shot(page, '06b-configmap');

  // grafana-admin is read by the Deployment (env) and by a prometheus-operator ServiceMonitor (basicAuth).
  await page.goto(`/node?id=${encodeURIComponent('k8s:demo/monitoring/Secret/grafana-admin')}`);
  const users = page.getByTestId('used-by');
  const monitor = users.locator('[data-other-id="k8s:demo/monitoring/ServiceMonitor/grafana"]');
  await expect(monitor.first()).toBeVisible();
  await expect(monitor.locator('[data-via="monitoringCredential"]').first()).toBeVisible();
  await shot(page, '06c-secret-read-by-servicemonitor');

  // Exports carry ConfigMaps like any kind.
  const res = await request.get('/api/v1/export?what=nodes&format=ndjson&kind=ConfigMap');
  expect(res.status()).toBe(200);
  const ids = (await res.text()).trim().split('\n').map((l) => JSON.parse(l).id as string);
  expect(ids).toContain('k8s:demo/monitoring/ConfigMap/grafana-dashboards');
  expect(ids).toContain('k8s:demo/ota/ConfigMap/kube-root-ca.crt');
});

test('runs page lists the demo collections: two cluster days, two GCP IAM days, two Secret Manager days', async ({ page }) => {
  await page.goto('/runs');
  const rows = page.getByTestId('runs-table').locator('tbody tr');
  await expect(rows).toHaveCount(6);
  await shot(page, '07-runs');
  await rows.first().getByRole('link').first().click();
  await expect(page.getByRole('heading', { name: /^Run #\d+$/ })).toBeVisible();
  await expect(page.getByTestId('coverage')).toBeVisible();
  await expect(page.getByTestId('coverage')).toContainText('complete');
  await shot(page, '08-run');
});

test('unknown and malformed ids, health endpoints', async ({ page, request }) => {
  await page.goto(`/node?id=${encodeURIComponent('k8s:demo/ota/Secret/does-not-exist')}`);
  await expect(page.getByTestId('node-not-found')).toBeVisible();
  await expect(page.getByTestId('node-not-found')).toContainText('No such node');
  await expect(page.getByRole('link', { name: /Search/ }).first()).toBeVisible();
  expect((await page.goto('/node?id=not-an-id'))?.status()).toBe(404);
  await expect(page.getByTestId('node-not-found')).toBeVisible();
  await expect(page.getByTestId('node-not-found')).toContainText('not a keygraph node id');
  await shot(page, '09-malformed-id');

  const health = await request.get('/healthz');
  expect(health.status()).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok' });
  const ready = await request.get('/readyz');
  expect(ready.status()).toBe(200);
  expect(health.headers()['x-frame-options']).toBe('DENY');
  expect(health.headers()['x-powered-by']).toBeUndefined();
});
