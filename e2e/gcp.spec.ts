/**
 * The GCP side of the demo (lib/demo/README.md, "GCP IAM"): a user-managed key held in a Secret and read by a
 * CronJob, a service account with full Workload Identity (both halves), a half-configured one, a Secret holding a key
 * GCP no longer lists, and the impact verdict on a key. `keygraph demo` loads the cluster days as runs 1 and 2 and the
 * GCP days as runs 3 and 4. Screenshots go to e2e/artifacts/ (gitignored) for a human look.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';

const ARTIFACTS = path.join(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

const P = 'keygraph-demo';
const UPLOADER_KEY = `gcp:${P}/ServiceAccountKey/17134a057f76bc8ad12e48ec3bed0149baaf6db5`;
const DELETED_KEY = `gcp:${P}/ServiceAccountKey/0077cc31976b0ecae27ea9064f55e28a31c36c28`;
const OLD_KEY = `gcp:${P}/ServiceAccountKey/68633b20c24c71a786c260a2807e6f236631c2b2`;
const gsa = (account: string) => `gcp:${P}/ServiceAccount/${account}@${P}.iam.gserviceaccount.com`;
const HOLDER = 'k8s:demo/ota/Secret/ota-backup-uploader-gcp-key';
const CRONJOB = 'k8s:demo/ota/CronJob/ota-metadata-backup';
const STORE_CREDS = 'k8s:demo/monitoring/Secret/secrets-store-creds';
const node = (id: string, extra = '') => `/node?id=${encodeURIComponent(id)}${extra}`;

async function shot(page: Page, name: string): Promise<void> {
  // Full-page captures draw the fixed header where the page is scrolled to: capture from the top.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** A section on its own (what a reviewer looks at), scrolled below the fixed header. */
async function sectionShot(section: Locator, name: string): Promise<void> {
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

test('a user-managed key: its account, age, last use, the holder Secret, the CronJob reading it and its pod', async ({ page }) => {
  await page.goto(node(UPLOADER_KEY));
  await expect(page.getByTestId('node-name')).toHaveText('17134a057f76bc8ad12e48ec3bed0149baaf6db5');
  const card = page.getByTestId('gcp-key');
  await expect(card).toBeVisible();
  await expect(card.getByTestId('key-type')).toHaveText('user-managed');
  await expect(card.getByTestId('key-status')).toHaveAttribute('data-state', 'enabled');
  await expect(card.locator('[data-fact="account"]')).toContainText(`ota-backup-uploader@${P}.iam.gserviceaccount.com`);
  await expect(card.locator('[data-fact="created"]')).toContainText('14 May 2024');
  await expect(card.locator('[data-fact="valid-until"]')).toContainText('never expires');
  // Policy Analyzer key activity was read completely: a real last-use time.
  await expect(card.locator('[data-fact="last-use"]').getByTestId('last-use')).toHaveAttribute('data-state', 'used');
  await expect(card.locator('[data-fact="last-use"]')).toContainText('08 Oct 2024');

  const holder = card.locator(`[data-testid="key-holder"][data-secret-id="${HOLDER}"]`);
  await expect(holder).toBeVisible();
  await expect(holder).toContainText('key.json');
  await expect(holder.locator(`[data-node-id="${CRONJOB}"]`)).toBeVisible();
  await expect(holder.locator('[data-node-id^="k8s:demo/ota/Job/ota-metadata-backup-"]')).toBeVisible();
  const pod = holder.locator('[data-node-id^="k8s:demo/ota/Pod/ota-metadata-backup-"]');
  await expect(pod).toBeVisible();
  await expect(pod.getByTestId('pod-phase')).toHaveText('Succeeded');
  await shot(page, '30-gcp-key');
  await sectionShot(card, '30b-gcp-key-section');

  // Follow the holder Secret: it holds the key (Uses → Holds key) and links back.
  await holder.locator(`[data-node-id="${HOLDER}"]`).getByRole('link').click();
  await expect(page.getByTestId('node-name')).toHaveText('ota-backup-uploader-gcp-key');
  await expect(page.getByTestId('uses').locator(`[data-other-id="${UPLOADER_KEY}"]`)).toBeVisible();
});

test('a service account with full Workload Identity shows the KSA with both halves and the workloads running as it', async ({ page }) => {
  await page.goto(node(gsa('ota-lite-api')));
  const card = page.getByTestId('gcp-sa');
  await expect(card).toBeVisible();
  const row = card.locator('[data-testid="wi-identity"][data-ksa-id="k8s:demo/ota/ServiceAccount/ota-lite-api"]');
  await expect(row).toHaveAttribute('data-annotation', 'true');
  await expect(row).toHaveAttribute('data-binding', 'true');
  await expect(row.locator('[data-half="annotation"]')).toHaveText('annotation ✓');
  await expect(row.locator('[data-half="binding"]')).toHaveText('binding ✓');
  await expect(row.getByTestId('wi-verdict')).toContainText('complete');
  await expect(row.locator('[data-node-id="k8s:demo/ota/Deployment/ota-lite-api"]')).toBeVisible();
  await expect(row.locator('[data-node-id="k8s:demo/ota/Deployment/ota-campaign-scheduler"]')).toBeVisible();
  await expect(row.locator('[data-testid="pod-phase"]', { hasText: 'Running' })).toHaveCount(4);
  // Only Google-managed keys, and no service-account activity was collected: last authentication is unknown.
  await expect(card.getByTestId('sa-key')).toHaveCount(2);
  await expect(card.locator('[data-fact="last-use"]').getByTestId('last-use')).toHaveAttribute('data-state', 'unknown');
  await expect(card.locator('[data-fact="last-use"]')).toContainText('unknown');
  await expect(card.locator('[data-fact="last-use"]')).not.toContainText('unused');
  // No finding for a complete setup.
  await expect(page.getByTestId('node-findings')).toHaveCount(0);
  await shot(page, '31-gsa-full-wi');
  await sectionShot(card, '31b-gsa-full-wi-section');
});

test('a half-configured Workload Identity shows the missing half and the finding', async ({ page }) => {
  await page.goto(node(gsa('payments-api')));
  const row = page.getByTestId('gcp-sa').locator('[data-testid="wi-identity"][data-ksa-id="k8s:demo/payments/ServiceAccount/payments-api"]');
  await expect(row).toHaveAttribute('data-annotation', 'false');
  await expect(row).toHaveAttribute('data-binding', 'true');
  await expect(row.locator('[data-half="annotation"]')).toHaveText('annotation ✗');
  await expect(row.locator('[data-half="binding"]')).toHaveText('binding ✓');
  await expect(row.getByTestId('wi-verdict')).toContainText('half-configured');
  await expect(row.locator('[data-node-id="k8s:demo/payments/Deployment/payments-api"]')).toBeVisible();
  const findings = page.getByTestId('node-findings');
  await expect(findings.locator('[data-rule="workload-identity-half-configured"]')).toContainText('is not annotated');
  await shot(page, '32-gsa-half-wi');
  await sectionShot(page.getByTestId('gcp-sa'), '32b-gsa-half-wi-section');
});

test('the Secret still holding a key GCP deleted: finding on the Secret, key page says not listed', async ({ page }) => {
  await page.goto(node(STORE_CREDS));
  await expect(page.getByTestId('node-name')).toHaveText('secrets-store-creds');
  const finding = page.getByTestId('node-findings').locator('[data-rule="secret-holds-dead-key"]');
  await expect(finding).toBeVisible();
  await expect(finding).toContainText('no longer listed by GCP');
  await expect(finding).toContainText('0077cc31976b0ecae27ea9064f55e28a31c36c28');
  await shot(page, '33-secret-dead-key');

  await finding.locator(`[data-node-id="${DELETED_KEY}"], a[href*="${encodeURIComponent(DELETED_KEY)}"]`).first().click();
  await expect(page.getByTestId('node-name')).toHaveText('0077cc31976b0ecae27ea9064f55e28a31c36c28');
  const card = page.getByTestId('gcp-key');
  await expect(card.getByTestId('key-status')).toHaveAttribute('data-state', 'not-listed');
  await expect(card.getByTestId('key-not-listed')).toBeVisible();
  // What GCP last said (day 1) is kept: created, last used.
  await expect(card.locator('[data-fact="created"]')).toContainText('22 Apr 2024');
  await expect(card.locator('[data-fact="listed-until"]')).toBeVisible();
  const holder = card.locator(`[data-testid="key-holder"][data-secret-id="${STORE_CREDS}"]`);
  await expect(holder.locator('[data-node-id="k8s:demo/monitoring/DaemonSet/log-shipper"]')).toBeVisible();
  await expect(holder.locator('[data-testid="pod-phase"]', { hasText: 'Running' })).toHaveCount(2);
  await shot(page, '34-deleted-key');

  // As of run 3 (GCP day 1) the key was listed and enabled.
  await page.goto(node(DELETED_KEY, '&asOf=run%3A3'));
  await expect(page.getByTestId('gcp-key').getByTestId('key-status')).toHaveAttribute('data-state', 'enabled');
  await expect(page.getByTestId('node-findings').locator('[data-rule="secret-holds-dead-key"]')).toHaveCount(0);
});

test('the account of the old key lists its keys with age and last use; the old one is flagged', async ({ page }) => {
  await page.goto(node(gsa('ota-backup-uploader')));
  const card = page.getByTestId('gcp-sa');
  const old = card.locator(`[data-testid="sa-key"][data-key-id="${OLD_KEY}"]`);
  await expect(old.getByTestId('key-age')).toContainText('limit 90');
  await expect(old.getByTestId('last-use')).toContainText('14 May 2024');
  await expect(old.getByTestId('last-use')).toContainText('not used for 90+ days');
  const current = card.locator(`[data-testid="sa-key"][data-key-id="${UPLOADER_KEY}"]`);
  await expect(current.locator(`[data-node-id="${HOLDER}"]`)).toBeVisible();
  await expect(card.getByTestId('sa-key-holder')).toHaveCount(1);
  await expect(card.getByTestId('sa-key-holder').locator(`[data-node-id="${CRONJOB}"]`)).toBeVisible();
  await shot(page, '35-gsa-keys');
});

test('impact panel on the key: the verdict, the affected objects, and the action picker (a GET form)', async ({ page }) => {
  await page.goto(node(UPLOADER_KEY));
  const panel = page.getByTestId('impact-panel');
  await expect(panel).toHaveAttribute('data-verdict', 'breaks');
  await expect(panel.getByTestId('impact-verdict')).toHaveText('Breaks');
  await expect(panel).toContainText('If you delete it');
  const affected = panel.getByTestId('impact-affected');
  await expect(affected.locator(`tr[data-node-id="${HOLDER}"]`)).toBeVisible();
  await expect(affected.locator(`tr[data-node-id="${CRONJOB}"]`)).toBeVisible();
  await sectionShot(panel, '36-impact-key-delete');

  // Rotate: the form submits ?action=rotate, the Secret must be updated and the CronJob restarted.
  await panel.getByTestId('impact-action').selectOption('rotate');
  await panel.getByTestId('impact-submit').click();
  await expect(page).toHaveURL(/action=rotate/);
  const rotated = page.getByTestId('impact-panel');
  await expect(rotated).toContainText('If you rotate it');
  await expect(rotated.getByTestId('impact-action')).toHaveValue('rotate');
  await expect(rotated.getByTestId('impact-affected').locator(`tr[data-node-id="${HOLDER}"]`)).toContainText('update');
  await sectionShot(rotated, '37-impact-key-rotate');

  // As of a past run the form keeps the time, and the links in the panel and findings keep it too.
  await page.goto(node(UPLOADER_KEY, '&asOf=run%3A3'));
  await expect(page.getByTestId('impact-form').locator('input[name="asOf"]')).toHaveValue('run:3');
  const hrefs = await page
    .locator('[data-testid="impact-panel"] a[href^="/node?"], [data-testid="node-findings"] a[href^="/node?"], [data-testid="gcp-key"] a[href^="/node?"]')
    .evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  expect(hrefs.length).toBeGreaterThan(3);
  for (const h of hrefs) expect(new URL(h, 'http://x').searchParams.get('asOf'), h).toBe('run:3');
});
