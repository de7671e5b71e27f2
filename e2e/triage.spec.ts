/**
 * The answer above the fold of a node page (issue journeys): "is anything pointing at a Secret that no longer exists,
 * and which pods fail at the next restart?", "delete this GCP key: what breaks?", "is this Secret healthy, what is
 * it?". Each answer is read in the first screen, at desktop and phone width. Screenshots: e2e/artifacts/triage-*.png.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';

const ARTIFACTS = path.join(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const node = (id: string) => `/node?id=${encodeURIComponent(id)}`;
/** ota-backup-uploader's key, held by Secret ota/ota-backup-uploader-gcp-key (a CronJob mounts it). */
const KEY_ID = 'gcp:keygraph-demo/ServiceAccountKey/17134a057f76bc8ad12e48ec3bed0149baaf6db5';
/** log-shipper's key that GCP no longer lists, still held by a Secret that a DaemonSet's 2 running pods use. */
const DEAD_KEY_ID = 'gcp:keygraph-demo/ServiceAccountKey/0077cc31976b0ecae27ea9064f55e28a31c36c28';

/** The element's top edge lies within the first screen (the viewport's height from the top of the page). */
async function aboveTheFold(page: Page, el: Locator): Promise<void> {
  await el.scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollTo(0, 0));
  const box = await el.boundingBox();
  expect(box, 'element is rendered').not.toBeNull();
  expect(box!.y).toBeLessThan(page.viewportSize()!.height);
}

async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(ARTIFACTS, `triage-${name}.png`) });
}

for (const width of [1440, 390]) {
  test.describe(`at ${width} px`, () => {
    test.use({ viewport: { width, height: 900 } });

    test('a renamed Secret: missing, the pods that fail at the next restart and the replacement, at first sight', async ({ page }) => {
      await page.goto(node('k8s:demo/ota/Secret/targets-backup-key'));
      const triage = page.getByTestId('triage');
      await expect(triage).toHaveAttribute('data-health', 'missing');
      await expect(page.getByTestId('triage-health')).toHaveText('Missing');
      await expect(page.getByTestId('missing-alert')).toContainText('3 running pods fail at the next restart');
      await expect(page.getByTestId('missing-alert')).toContainText('key-id');
      const replacement = page.getByTestId('triage-replacement');
      await aboveTheFold(page, replacement);
      await shot(page, `missing-${width}`);
      await replacement.getByRole('link', { name: 'targets-backup-key-2024-10-08' }).click();
      await expect(page.getByTestId('node-name')).toHaveText('targets-backup-key-2024-10-08');
      await expect(page.getByTestId('triage-renamed-from')).toContainText('still reference the old name');
      await expect(page.getByTestId('triage')).not.toHaveAttribute('data-health', 'at-risk');
    });

    test('delete a GCP key: the verdict and the pods it takes down, above the fold', async ({ page }) => {
      await page.goto(node(KEY_ID));
      const verdict = page.getByTestId('triage-verdict');
      await expect(verdict).toHaveAttribute('data-verdict', 'breaks');
      await expect(verdict).toContainText('If you delete it:');
      await aboveTheFold(page, verdict);
      await shot(page, `key-${width}`);
      await verdict.getByRole('link', { name: 'Impact' }).click();
      await expect(page.getByTestId('impact-verdict')).toHaveText('Breaks');
      // Each path reads as linked breadcrumbs in plain words, not a dump of edge kinds.
      const cronJob = page.locator('[data-testid="impact-affected"] tr[data-node-id="k8s:demo/ota/CronJob/ota-metadata-backup"]');
      await expect(cronJob.getByTestId('impact-path')).toContainText('ota-backup-uploader-gcp-key holds this key file in its data › this CronJob mounts it as a volume at /var/secrets/google (container backup)');
      await expect(cronJob.getByRole('link', { name: 'ota-backup-uploader-gcp-key' })).toBeVisible();
      // The plan: a new key in the Secret holding it first, then the delete.
      await expect(page.getByTestId('plan-step').first()).toContainText('Put a new key in Secret ota/ota-backup-uploader-gcp-key first');
      await page.getByTestId('impact-panel').screenshot({ path: path.join(ARTIFACTS, `triage-impact-paths-${width}.png`) });

      // A key GCP no longer has, still in a Secret that running pods mount: already broken, and it says how badly.
      await page.goto(node(DEAD_KEY_ID));
      await expect(page.getByTestId('triage-health')).toHaveText('Missing');
      await expect(page.getByTestId('missing-alert')).toContainText('2 running pods fail at the next restart');
      await expect(page.getByTestId('triage')).toContainText('critical');
      await shot(page, `dead-key-${width}`);
    });

    test('rotate a Secret: a plan in order, aimed at the owners, with the CronJob\'s next run', async ({ page }) => {
      await page.goto(`${node('k8s:demo/ota/Secret/ota-db-credentials')}&action=rotate#impact`);
      const plan = page.getByTestId('impact-plan');
      await expect(plan).toBeVisible();
      const steps = plan.getByTestId('plan-step');
      await expect(steps.first()).toHaveAttribute('data-kind', 'prepare');
      await expect(steps.last()).toHaveAttribute('data-kind', 'retire');
      const restart = steps.filter({ hasText: 'Restart Deployment ota/ota-lite-api' });
      await expect(restart).toContainText('3 running pods');
      await expect(restart.getByTestId('plan-command')).toHaveText('kubectl rollout restart deployment/ota-lite-api -n ota');
      await expect(restart.getByRole('link', { name: 'ota/ota-lite-api' })).toBeVisible();
      await expect(steps.filter({ hasText: 'CronJob ota/ota-metadata-backup picks it up at its next run' })).toContainText(/02:30 UTC/);
      // Pods are covered by their Deployment's step, never restarted one by one; the finished Pod needs nothing.
      await expect(steps.filter({ hasText: /Restart Pod/ })).toHaveCount(0);
      await expect(plan).toContainText('1 finished Pod (Succeeded or Failed): nothing to restart.');
      await plan.scrollIntoViewIfNeeded();
      await plan.screenshot({ path: path.join(ARTIFACTS, `triage-rotate-plan-${width}.png`) });
    });

    test('a healthy Secret says so, with its type and keys in the About card', async ({ page }) => {
      await page.goto(node('k8s:demo/payments/Secret/payments-api-token'));
      await expect(page.getByTestId('triage-health')).toHaveText('OK');
      const about = page.getByTestId('about');
      await expect(about).toContainText('kubernetes.io/service-account-token');
      await aboveTheFold(page, about);
      await shot(page, `healthy-${width}`);
      // Every property stays one click away.
      await page.getByTestId('all-properties').click();
      await expect(page.getByTestId('properties')).toBeVisible();
    });
  });
}

test('keyboard: a skip link first, "/" focuses search, a pasted id opens its page', async ({ page }) => {
  await page.goto('/');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#main')).toBeFocused();
  await page.keyboard.press('/');
  const search = page.getByRole('textbox', { name: 'Search the inventory' }).first();
  await expect(search).toBeFocused();
  await search.fill('k8s:demo/ota/Secret/targets-backup-key');
  await search.press('Enter');
  await expect(page).toHaveURL(/\/node\?id=/);
  await expect(page.getByTestId('node-name')).toHaveText('targets-backup-key');
});
