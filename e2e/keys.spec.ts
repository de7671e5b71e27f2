/**
 * The Keys page on the demo (issue journey "which keys are old, unused or still in use, across projects?"): every
 * user-managed key with status, age, last use, the Secrets holding it and the running pods reading them; sortable;
 * the CSV for Excel download. Screenshots: e2e/artifacts/keys-*.png at desktop and phone width.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';

const ARTIFACTS = path.join(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const UPLOADER_KEY = 'gcp:keygraph-demo/ServiceAccountKey/17134a057f76bc8ad12e48ec3bed0149baaf6db5';
const DEAD_KEY = 'gcp:keygraph-demo/ServiceAccountKey/0077cc31976b0ecae27ea9064f55e28a31c36c28';

for (const width of [1440, 390]) {
  test(`keys at ${width} px: oldest first, the key GCP no longer lists with the pods still reading it`, async ({ page }) => {
    await page.setViewportSize({ width, height: 900 });
    await page.goto('/keys');
    const table = page.getByTestId('keys-table');
    const rows = table.locator('tbody > tr');
    expect(await rows.count()).toBeGreaterThanOrEqual(2);
    // Oldest first by default.
    const ages = (await table.locator('tbody > tr td:nth-child(4) p:first-child').allInnerTexts()).map((t) => Number.parseInt(t, 10)).filter(Number.isFinite);
    expect(ages).toEqual([...ages].sort((a, b) => b - a));
    const dead = table.locator(`tr[data-key-id="${DEAD_KEY}"]`);
    await expect(dead.getByTestId('key-status')).toHaveText('gone from GCP');
    await expect(dead.getByTestId('key-pods')).toHaveText('2');
    await expect(dead).toContainText('monitoring/secrets-store-creds');
    const uploader = table.locator(`tr[data-key-id="${UPLOADER_KEY}"]`);
    await expect(uploader).toContainText('ota/ota-backup-uploader-gcp-key');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    await page.screenshot({ path: path.join(ARTIFACTS, `keys-${width}.png`) });
  });
}

test('sorting by running pods, and the CSV for Excel download', async ({ page, request }) => {
  await page.goto('/keys');
  await page.getByTestId('keys-sort-pods').click();
  await expect(page).toHaveURL(/sort=pods&dir=desc/);
  await expect(page.getByTestId('keys-table').locator('tbody > tr').first()).toHaveAttribute('data-key-id', DEAD_KEY);
  const href = await page.getByTestId('keys-download-excel').getAttribute('href');
  const r = await request.get(href!);
  expect(r.status()).toBe(200);
  const text = await r.text();
  expect(text.charCodeAt(0)).toBe(0xfeff);
  expect(text).toContain('keygraph export of keys');
  expect(text).toContain(DEAD_KEY);
});
