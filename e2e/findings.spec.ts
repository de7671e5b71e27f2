/**
 * The findings page as a table on the demo (issue journey): "is anything pointing at a Secret that no longer exists,
 * and which pods fail at the next restart?" answered by the first row: the rename and the dangling reference it
 * caused as one critical incident, the Deployment to fix and its 3 pods. Severity chips, sorting, owner and
 * "new since run N" filters, at desktop and phone width. Screenshots: e2e/artifacts/findings-*.png.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';

const ARTIFACTS = path.join(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const LITE_API = 'k8s:demo/ota/Deployment/ota-lite-api';

async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(ARTIFACTS, `findings-${name}.png`) });
}

for (const width of [1440, 390]) {
  test.describe(`at ${width} px`, () => {
    test.use({ viewport: { width, height: 900 } });

    test('the renamed Secret is one critical incident with its owner and pods at risk, in the first screen', async ({ page }) => {
      await page.goto('/findings');
      const table = page.getByTestId('findings-table');
      const incident = table.locator('tr[data-rule="renamed-secret"]');
      await expect(incident).toHaveAttribute('data-severity', 'critical');
      await expect(incident).toContainText('targets-backup-key was renamed to targets-backup-key-2024-10-08');
      await expect(incident.getByTestId('incident-related')).toContainText('references missing Secret ota/targets-backup-key');
      await expect(incident.getByTestId('finding-owner')).toContainText('ota/ota-lite-api');
      await expect(incident.getByTestId('finding-pods')).toHaveText('3');
      // The dangling reference it caused has no row of its own.
      await expect(table.locator('tr[data-rule="dangling-reference"]', { hasText: 'ota/targets-backup-key' })).toHaveCount(0);
      // The incident is the first row (critical, most pods at risk); the page does not overflow sideways (the table
      // scrolls inside its box).
      await expect(table.locator('tbody > tr').first()).toHaveAttribute('data-rule', 'renamed-secret');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      // The chips and the incident row are in the first screen (on a phone the filter form goes after the table).
      for (const el of [page.getByTestId('severity-chips'), incident]) expect((await el.boundingBox())!.y).toBeLessThan(900);
      await shot(page, `table-${width}`);
    });
  });
}

test('severity chips filter to exactly that severity; sorting by pods and by owner; the owner filter', async ({ page }) => {
  await page.goto('/findings');
  const chip = page.getByTestId('severity-chips').locator('a[data-severity="medium"]');
  const count = Number(await chip.locator('[data-count]').getAttribute('data-count'));
  expect(count).toBeGreaterThan(0);
  await chip.click();
  await expect(page).toHaveURL(/severity=medium&exact=1/);
  const rows = page.getByTestId('findings-table').locator('tbody > tr');
  await expect(rows).toHaveCount(count);
  for (const s of await rows.evaluateAll((trs) => trs.map((t) => t.getAttribute('data-severity')))) expect(s).toBe('medium');
  // Chosen again: the filter goes.
  await page.getByTestId('severity-chips').locator('a[data-severity="medium"]').click();
  await expect(page).not.toHaveURL(/exact=1/);

  await page.getByTestId('sort-pods').click();
  await expect(page).toHaveURL(/sort=pods&dir=desc/);
  await expect(page.getByTestId('sort-pods').locator('xpath=..')).toHaveAttribute('aria-sort', 'descending');
  const pods = await page.getByTestId('finding-pods').allInnerTexts();
  const n = pods.map((p) => (p === '—' ? 0 : Number(p)));
  expect(n).toEqual([...n].sort((a, b) => b - a));

  await page.goto(`/findings?owner=${encodeURIComponent(LITE_API)}`);
  const owners = await page.getByTestId('finding-owner').allInnerTexts();
  expect(owners.length).toBeGreaterThan(1);
  for (const o of owners) expect(o).toContain('ota/ota-lite-api');
});

test('new since run 2: the GCP findings are new, the cluster’s are not; an unknown run is said, not hidden', async ({ page }) => {
  await page.goto('/findings?new=2');
  const table = page.getByTestId('findings-table');
  await expect(table.locator('tr[data-rule="key-too-old"]').first().getByTestId('finding-new')).toBeVisible();
  await expect(table.locator('tr[data-rule="renamed-secret"]').getByTestId('finding-new')).toHaveCount(0);
  await page.goto('/findings?new=2&onlyNew=1');
  await expect(table.locator('tr[data-rule="renamed-secret"]')).toHaveCount(0);
  await expect(table.locator('tr[data-rule="key-too-old"]').first()).toBeVisible();
  await shot(page, 'new-since-run-2');
  await page.goto('/findings?new=999');
  await expect(page.getByTestId('baseline-error')).toContainText('no run 999');
  await expect(table.locator('tr[data-rule="renamed-secret"]')).toHaveCount(1);
});
