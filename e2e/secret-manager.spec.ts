/**
 * The demo's Secret Manager side (lib/demo/README.md, "Secret Manager"; runs 5 and 6, scope = the project number
 * gcloud prints): a secret's versions and states and who fetches each, the chain from a Secret Manager secret to the
 * pods (ExternalSecret → Secret → pods, SecretProviderClass → pods), the impact of disabling the newest enabled
 * version (what reads `latest` breaks, what pins another version does not), a Kubernetes Secret's Access card (RBAC
 * readers), the explorer opened at a Secret Manager secret, and the day-2 change in Changes. Every page at 1440 px
 * and at 390 px (a phone); screenshots go to e2e/artifacts/ (gitignored) for a human look.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';

const ARTIFACTS = path.join(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

const N = '482915630174';
const DB_PASSWORD = `gcp:${N}/Secret/ota-db-password`;
const SIGNING = `gcp:${N}/Secret/ota-targets-signing-key`;
const version = (s: string, v: number) => `gcp:${N}/SecretVersion/${s}@${v}`;
const ES = 'k8s:demo/ota/ExternalSecret/ota-db-credentials';
const K8S_SECRET = 'k8s:demo/ota/Secret/ota-db-credentials';
const API = 'k8s:demo/ota/Deployment/ota-lite-api';
const API_SPC = 'k8s:demo/ota/SecretProviderClass/ota-lite-api-signing';
const BACKUP_SPC = 'k8s:demo/ota/SecretProviderClass/ota-metadata-backup-verify';
const CRONJOB = 'k8s:demo/ota/CronJob/ota-metadata-backup';
const API_PODS = ['x2kqp', 'm8hzt', 'r4wvn'].map((s) => `k8s:demo/ota/Pod/ota-lite-api-7c9d8f6b54-${s}`);
const node = (id: string, extra = '') => `/node?id=${encodeURIComponent(id)}${extra}`;

const WIDTHS = [
  { name: 'desktop', width: 1440, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

async function shot(page: Page, name: string): Promise<void> {
  // Full-page captures draw the fixed header where the page is scrolled to: capture from the top.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function sectionShot(section: Locator, name: string): Promise<void> {
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/** The page does not scroll sideways (a phone shows everything by scrolling down; wide tables scroll inside). */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll).toBeLessThanOrEqual(client + 1);
}

for (const w of WIDTHS) {
  test.describe(`at ${w.width} px`, () => {
    test.use({ viewport: { width: w.width, height: w.height } });

    test('a Secret Manager secret: versions and states, who fetches each, the chain to the pods, its IAM bindings', async ({ page }) => {
      await page.goto(node(DB_PASSWORD));
      await expect(page.getByTestId('node-name')).toHaveText('ota-db-password');
      const card = page.getByTestId('sm-versions');
      await expect(card.getByTestId('sm-versions-count')).toHaveText('4');
      // Newest first; day 2 added version 4 and disabled version 3.
      const rows = card.getByTestId('sm-version');
      await expect(rows).toHaveCount(4);
      expect(await rows.evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute('data-version')} ${tr.getAttribute('data-state')}`))).toEqual([
        '4 ENABLED', '3 DISABLED', '2 DISABLED', '1 DESTROYED',
      ]);
      const v4 = card.locator('[data-testid="sm-version"][data-version="4"]');
      await expect(v4.getByTestId('sm-latest')).toHaveText('latest');
      await expect(v4.getByTestId('sm-state')).toHaveText('ENABLED');
      const fetcher = v4.locator(`[data-node-id="${ES}"]`);
      await expect(fetcher).toContainText('ota/ota-db-credentials');
      await expect(fetcher.getByTestId('fetch-mode')).toHaveText('latest');
      await expect(card.locator('[data-testid="sm-version"][data-version="1"]')).toContainText('destroyed');
      await expect(card.getByTestId('sm-versions-summary')).toContainText('“latest” is version 4');

      // What breaks if it goes: ExternalSecret → Secret → the workloads and their running pods.
      const panel = page.getByTestId('impact-panel');
      await expect(panel).toHaveAttribute('data-verdict', 'breaks');
      const affected = panel.getByTestId('impact-affected');
      for (const id of [ES, K8S_SECRET, API, 'k8s:demo/ota/Deployment/ota-campaign-scheduler']) {
        await expect(affected.locator(`tr[data-node-id="${id}"]`), id).toBeVisible();
      }
      // The Deployment's ReplicaSet and running pods are folded into its row.
      const apiRow = affected.locator(`tr[data-node-id="${API}"]`);
      await expect(apiRow).toContainText('3 running');
      await expect(apiRow.getByTestId('owned')).toContainText('3 Pods');
      await expect(apiRow.getByTestId('owned')).toContainText('1 ReplicaSet');
      for (const id of API_PODS) await expect(apiRow.locator(`[data-other-id="${id}"]`), id).toHaveCount(1);

      // Who may read it in GCP: the operator's Kubernetes ServiceAccount, granted directly (Workload Identity
      // Federation principal), from the secret's IAM policy.
      await expect(page.getByTestId('properties').locator('tr').filter({ hasText: 'iamBindings' })).toContainText(
        `principal://iam.googleapis.com/projects/${N}/locations/global/workloadIdentityPools/keygraph-demo.svc.id.goog/subject/ns/external-secrets/sa/external-secrets`,
      );
      // Metadata only: no payload, no value.
      expect(await page.content()).not.toContain('demo-not-a-real');
      await expectNoSidewaysScroll(page);
      await shot(page, `sm-01-secret-${w.name}`);
      await sectionShot(card, `sm-01b-versions-${w.name}`);
    });

    test('disabling the newest enabled version breaks what reads `latest`, not what pins version 2', async ({ page }) => {
      await page.goto(node(SIGNING));
      const card = page.getByTestId('sm-versions');
      const v3 = card.locator('[data-testid="sm-version"][data-version="3"]');
      await expect(v3.getByTestId('sm-latest')).toBeVisible();
      await expect(v3.locator(`[data-node-id="${API_SPC}"]`).getByTestId('fetch-mode')).toHaveText('latest');
      const v2 = card.locator('[data-testid="sm-version"][data-version="2"]');
      await expect(v2.locator(`[data-node-id="${BACKUP_SPC}"]`).getByTestId('fetch-mode')).toHaveText('pinned 2');
      await sectionShot(card, `sm-02-signing-versions-${w.name}`);

      // From the version page, the impact form asks about "disable".
      await v3.getByRole('link', { name: '3', exact: true }).click();
      await expect(page.getByTestId('node-name')).toHaveText('ota-targets-signing-key@3');
      const form = page.getByTestId('impact-form');
      await form.getByTestId('impact-action').selectOption('disable');
      await form.getByTestId('impact-submit').click();
      await expect(page).toHaveURL(/action=disable/);
      const panel = page.getByTestId('impact-panel');
      await expect(panel).toContainText('If you disable it');
      await expect(panel).toHaveAttribute('data-verdict', 'breaks');
      const affected = panel.getByTestId('impact-affected');
      for (const id of [API_SPC, API]) await expect(affected.locator(`tr[data-node-id="${id}"]`), id).toBeVisible();
      for (const id of API_PODS) await expect(affected.locator(`tr[data-node-id="${API}"] [data-other-id="${id}"]`), id).toHaveCount(1);
      // The backup pins version 2: not affected.
      await expect(affected.locator(`tr[data-node-id="${BACKUP_SPC}"]`)).toHaveCount(0);
      await expect(affected.locator(`tr[data-node-id="${CRONJOB}"]`)).toHaveCount(0);
      await expectNoSidewaysScroll(page);
      await sectionShot(panel, `sm-03-disable-latest-${w.name}`);

      // Disabling version 2 instead: the pinned backup breaks, the API does not.
      await page.goto(node(version('ota-targets-signing-key', 2), '&action=disable'));
      const pinned = page.getByTestId('impact-panel').getByTestId('impact-affected');
      await expect(pinned.locator(`tr[data-node-id="${CRONJOB}"]`)).toBeVisible();
      await expect(pinned.locator(`tr[data-node-id="${API}"]`)).toHaveCount(0);
      await shot(page, `sm-04-disable-pinned-${w.name}`);
    });

    test('a Kubernetes Secret synced from Secret Manager: its Access card lists the RBAC readers', async ({ page }) => {
      await page.goto(node(K8S_SECRET));
      const access = page.getByTestId('access');
      await expect(access.getByTestId('access-count')).toHaveText('2');
      const rows = access.getByTestId('access-row');
      // The operator reads every Secret of the cluster; the app's Role names only this one.
      await expect(rows.filter({ hasText: 'external-secrets/external-secrets' })).toContainText('every Secret in the cluster');
      await expect(rows.filter({ hasText: 'external-secrets/external-secrets' })).toContainText('ClusterRoleBinding external-secrets-controller');
      await expect(rows.filter({ hasText: 'ota/ota-lite-api' })).toContainText('only ota-db-credentials');
      await expect(access).toContainText('1 of them can read every Secret in their scope');
      // The same page says where it comes from and that pods hold the old value after the day-2 rotation.
      await expect(page.getByTestId('used-by').locator(`[data-other-id="${ES}"]`).first()).toBeVisible();
      await expect(page.getByTestId('node-findings').locator('[data-rule="pod-env-stale"]')).toHaveCount(2);
      await expectNoSidewaysScroll(page);
      await sectionShot(access, `sm-05-k8s-secret-access-${w.name}`);
      await shot(page, `sm-05b-k8s-secret-${w.name}`);

      // A namespace-wide reader bound to a Group, and the aggregated `edit` role.
      await page.goto(node('k8s:demo/monitoring/Secret/grafana-admin'));
      const mon = page.getByTestId('access').getByTestId('access-row');
      await expect(mon.filter({ hasText: 'oncall@demo.example.com' })).toContainText('every Secret in monitoring');
      await page.goto(node('k8s:demo/payments/Secret/payments-db'));
      const pay = page.getByTestId('access').getByTestId('access-row');
      // Two rows for the one binding: the rules a dump shows in `edit` (the aggregation controller wrote them there)
      // and the same rules reached through aggregation.
      const devs = pay.filter({ hasText: 'payments-devs@demo.example.com' });
      await expect(devs).toHaveCount(2);
      await expect(devs.filter({ hasText: 'aggregated from ClusterRole system:aggregate-to-edit' })).toContainText('every Secret in payments');
      await sectionShot(page.getByTestId('access'), `sm-06-aggregated-access-${w.name}`);
    });
  });
}

/** Ids cytoscape draws, once the graph is ready. */
async function drawnIds(page: Page): Promise<string[]> {
  const graph = page.getByTestId('explorer-graph');
  await expect(graph).toHaveAttribute('data-ready', '1');
  return graph.evaluate((el) => {
    const cy = (el as HTMLElement & { kgCy?: { nodes(): { map<T>(f: (n: { id(): string }) => T): T[] } } }).kgCy;
    return cy ? cy.nodes().map((n) => n.id()).sort() : [];
  });
}

async function clickNode(page: Page, id: string): Promise<void> {
  const graph = page.getByTestId('explorer-graph');
  const pos = await graph.evaluate((el, nodeId) => {
    type Cy = { getElementById(i: string): { renderedPosition(): { x: number; y: number } } };
    return (el as HTMLElement & { kgCy?: Cy }).kgCy!.getElementById(nodeId).renderedPosition();
  }, id);
  await graph.click({ position: { x: pos.x, y: pos.y } });
  await expect(page.getByTestId('node-details')).toHaveAttribute('data-node-id', id);
}

test('the explorer at a Secret Manager secret: its versions, then who fetches the latest one, then the pods', async ({ page }) => {
  await page.goto(node(SIGNING));
  await page.getByTestId('open-explorer').click();
  await expect(page).toHaveURL(/\/explorer\?id=gcp%3A482915630174%2FSecret%2Fota-targets-signing-key/);
  const first = await drawnIds(page);
  expect(first).toEqual([SIGNING, ...[1, 2, 3].map((v) => version('ota-targets-signing-key', v))].sort());

  // Who fetches version 3 (latest): the API's SecretProviderClass.
  await clickNode(page, version('ota-targets-signing-key', 3));
  await page.getByTestId('toggle-in').click();
  await expect.poll(async () => (await drawnIds(page)).includes(API_SPC)).toBe(true);
  // Who mounts that class: the Deployment, its ReplicaSet and the running pods.
  await clickNode(page, API_SPC);
  await page.getByTestId('toggle-in').click();
  await expect.poll(async () => (await drawnIds(page)).filter((i) => API_PODS.includes(i)).length).toBe(3);
  const ids = await drawnIds(page);
  expect(ids).toContain(API);
  expect(ids).not.toContain(BACKUP_SPC);
  await shot(page, 'sm-07-explorer-chain');

  // The same view as a list, and the URL restores it.
  await page.getByTestId('view').getByText('List').click();
  const list = page.getByTestId('explorer-list');
  await expect(list.locator('[data-edge-kind="FETCHES_SECRET"]')).toHaveCount(1);
  await expect(list.locator('[data-edge-kind="HAS_VERSION"]')).toHaveCount(3);
  await shot(page, 'sm-08-explorer-list');
  const url = page.url();
  await page.goto('about:blank');
  await page.goto(url.replace('view=list', 'view=graph'));
  expect(await drawnIds(page)).toEqual(ids);
});

test('Changes: the Secret Manager day 2 (run 5 → run 6) adds version 4 and disables version 3', async ({ page }) => {
  await page.goto('/diff?from=run:5&to=run:6');
  const objects = page.getByTestId('diff-objects');
  await expect(objects.locator(`tr[data-node-id="${version('ota-db-password', 4)}"]`)).toHaveAttribute('data-change', 'added');
  const v3 = objects.locator(`tr[data-node-id="${version('ota-db-password', 3)}"]`);
  await expect(v3).toHaveAttribute('data-change', 'changed');
  await expect(v3).toContainText('DISABLED');
  await shot(page, 'sm-09-changes');
});
