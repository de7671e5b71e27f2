/**
 * The graph explorer (/explorer) on the demo inventory: a GCP key → the Secret holding it → the workloads using
 * that Secret; expand and collapse; a counted group (threshold lowered with `group=2`, the demo being small);
 * filters; impact mode; a shared URL restoring the same view. Screenshots go to e2e/artifacts/explorer-*.png.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';

const ARTIFACTS = path.join(import.meta.dirname, 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

const KEY_ID = 'gcp:keygraph-demo/ServiceAccountKey/17134a057f76bc8ad12e48ec3bed0149baaf6db5';
const HOLDER_ID = 'k8s:demo/ota/Secret/ota-backup-uploader-gcp-key';
const CRONJOB_ID = 'k8s:demo/ota/CronJob/ota-metadata-backup';
const DEPLOYMENT_ID = 'k8s:demo/ota/Deployment/ota-lite-api';
const KSA_ID = 'k8s:demo/ota/ServiceAccount/ota-lite-api';
const GSA_ID = 'gcp:keygraph-demo/ServiceAccount/ota-lite-api@keygraph-demo.iam.gserviceaccount.com';
const MISSING_SECRET_ID = 'k8s:demo/ota/Secret/targets-backup-key';

const DELETED_KEY_ID = 'gcp:keygraph-demo/ServiceAccountKey/0077cc31976b0ecae27ea9064f55e28a31c36c28';
const DELETED_KEY_HOLDER_ID = 'k8s:demo/monitoring/Secret/secrets-store-creds';

const explorer = (id: string, extra = '') => `/explorer?id=${encodeURIComponent(id)}${extra}`;

async function shot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(ARTIFACTS, `explorer-${name}.png`), fullPage: true });
}

/** Waits until the graph is drawn and returns the ids cytoscape shows. */
async function drawnIds(page: Page): Promise<string[]> {
  const graph = page.getByTestId('explorer-graph');
  await expect(graph).toHaveAttribute('data-ready', '1');
  return graph.evaluate((el) => {
    const cy = (el as HTMLElement & { kgCy?: { nodes(): { map<T>(f: (n: { id(): string }) => T): T[] } } }).kgCy;
    return cy ? cy.nodes().map((n) => n.id()).sort() : [];
  });
}

/** Whether a drawn node has the `missing` class, and its border style. */
async function nodeStyle(page: Page, id: string): Promise<{ cls: boolean; border: string }> {
  return page.getByTestId('explorer-graph').evaluate((el, nodeId) => {
    type Cy = { getElementById(i: string): { hasClass(c: string): boolean; style(p: string): string } };
    const n = (el as HTMLElement & { kgCy?: Cy }).kgCy!.getElementById(nodeId);
    return { cls: n.hasClass('missing'), border: n.style('border-style') };
  }, id);
}

/** Clicks a node on the canvas (where cytoscape draws it). */
async function clickNode(page: Page, id: string): Promise<void> {
  const graph = page.getByTestId('explorer-graph');
  const pos = await graph.evaluate((el, nodeId) => {
    type Cy = { getElementById(i: string): { renderedPosition(): { x: number; y: number } } };
    const cy = (el as HTMLElement & { kgCy?: Cy }).kgCy!;
    return cy.getElementById(nodeId).renderedPosition();
  }, id);
  await graph.click({ position: { x: pos.x, y: pos.y } });
  await expect(page.getByTestId('details')).toHaveAttribute('aria-label', 'Selection');
}

test('from a GCP key: the Secret holding it and the workloads using that Secret', async ({ page }) => {
  // From the key's node page.
  await page.goto(`/node?id=${encodeURIComponent(KEY_ID)}`);
  await page.getByTestId('open-explorer').click();
  await expect(page).toHaveURL(/\/explorer\?id=gcp%3Akeygraph-demo/);
  const ids = await drawnIds(page);
  expect(ids).toContain(KEY_ID);
  expect(ids).toContain(HOLDER_ID);
  expect(ids).toContain(CRONJOB_ID);
  expect(ids.some((i) => i.startsWith('k8s:demo/ota/Job/ota-metadata-backup-'))).toBe(true);
  expect(ids.some((i) => i.startsWith('k8s:demo/ota/Pod/ota-metadata-backup-'))).toBe(true);
  // GCP lists this key (demo project keygraph-demo): drawn as an observed node (solid border).
  expect(await nodeStyle(page, KEY_ID)).toEqual({ cls: false, border: 'solid' });

  // Select the Secret on the canvas: details beside the graph, with a link to its page.
  await clickNode(page, HOLDER_ID);
  const details = page.getByTestId('node-details');
  await expect(details).toHaveAttribute('data-node-id', HOLDER_ID);
  await expect(details.getByTestId('details-name')).toHaveText('ota-backup-uploader-gcp-key');
  await expect(details.getByTestId('node-id')).toHaveText(HOLDER_ID);
  await expect(details.getByTestId('details-properties')).toBeVisible();
  await expect(details.getByTestId('open-node-page')).toHaveAttribute('href', `/node?id=${encodeURIComponent(HOLDER_ID)}`);
  await shot(page, '01-key');

  // The text alternative: the same nodes and edges as tables.
  await page.getByTestId('view').getByText('List').click();
  await expect(page).toHaveURL(/view=list/);
  const list = page.getByTestId('explorer-list');
  for (const id of ids) await expect(list.locator(`[data-node-id="${id}"]`)).toHaveCount(1);
  await expect(list.locator('[data-edge-kind="HOLDS_KEY"]')).toHaveCount(1);
  expect(await list.locator('[data-edge-kind="USES_SECRET"]').count()).toBeGreaterThanOrEqual(3);
  await shot(page, '02-list');

  // Exports.
  await page.getByTestId('view').getByText('Graph').click();
  const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-png').click()]);
  expect(png.suggestedFilename()).toMatch(/\.png$/);
  const [svg] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-svg').click()]);
  expect(svg.suggestedFilename()).toMatch(/\.svg$/);
  const svgPath = path.join(ARTIFACTS, 'explorer-export.svg');
  await svg.saveAs(svgPath);
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(svgPath, 'utf8');
  expect(text).toContain('<svg');
  expect(text).toContain('ota-backup-uploader-gcp-key');
});

test('a key GCP no longer lists is drawn as missing, with the Secret that still holds it', async ({ page }) => {
  await page.goto(explorer(DELETED_KEY_ID));
  const ids = await drawnIds(page);
  expect(ids).toContain(DELETED_KEY_HOLDER_ID);
  expect(await nodeStyle(page, DELETED_KEY_ID)).toEqual({ cls: true, border: 'dashed' });
});

test('expand and collapse a node; the URL restores the view after a reload', async ({ page }) => {
  await page.goto(explorer(DEPLOYMENT_ID, '&depth=1'));
  const before = await drawnIds(page);
  expect(before).toContain(KSA_ID);
  expect(before).not.toContain(GSA_ID);

  await clickNode(page, KSA_ID);
  await page.getByTestId('toggle-out').click();
  await expect(page.getByTestId('toggle-out')).toHaveText('Collapse uses');
  await expect(page).toHaveURL(/[?&]out=k8s%3Ademo%2Fota%2FServiceAccount%2Fota-lite-api/);
  const expanded = await drawnIds(page);
  expect(expanded).toContain(GSA_ID);
  expect(expanded.length).toBeGreaterThan(before.length);
  // Existing nodes kept their place.
  await shot(page, '03-expanded');

  // Shared URL: reload gives the same nodes.
  const url = page.url();
  await page.reload();
  expect(await drawnIds(page)).toEqual(expanded);
  await page.goto('about:blank');
  await page.goto(url);
  expect(await drawnIds(page)).toEqual(expanded);

  // Collapse again.
  await clickNode(page, KSA_ID);
  await page.getByTestId('toggle-out').click();
  await expect(page.getByTestId('toggle-out')).toHaveText('Expand uses (outbound)');
  await expect(page).not.toHaveURL(/[?&]out=/);
  expect(await drawnIds(page)).toEqual(before);
});

test('many siblings collapse into a counted group that opens a page at a time', async ({ page }) => {
  // The demo is small: lower the grouping threshold to 2 and the page size to 2 (the 3 pods of the ReplicaSet).
  await page.goto(explorer(MISSING_SECRET_ID, '&depth=1&group=2&ps=2'));
  await drawnIds(page);
  await page.getByTestId('view').getByText('List').click();
  const group = page.getByTestId('explorer-list').locator('[data-group-key^="in.USES_SECRET.k8s:Pod."]');
  await expect(group).toContainText('3 Pods');
  await group.getByRole('button').click();
  await page.getByTestId('view').getByText('Graph').click();
  const panel = page.getByTestId('group-details');
  await expect(panel.getByTestId('group-title')).toHaveText('3 Pods');
  const podsDrawn = async () => (await drawnIds(page)).filter((i) => i.startsWith('k8s:demo/ota/Pod/')).length;
  expect(await podsDrawn()).toBe(0);
  await shot(page, '04-group');

  await panel.getByTestId('group-open').click();
  await expect(panel.getByTestId('group-title')).toHaveText('3 Pods · 1–2 shown');
  await expect.poll(podsDrawn).toBe(2);
  await expect(page).toHaveURL(/[?&]g=0\.in\.USES_SECRET\.k8s%3APod\./);
  await panel.getByTestId('group-next').click();
  await expect(panel.getByTestId('group-title')).toHaveText('3 Pods · 3–3 shown');
  await expect.poll(podsDrawn).toBe(1);
  await expect(page).toHaveURL(/[?&]g=1\.in\.USES_SECRET\.k8s%3APod\./);
  await shot(page, '05-group-page');

  // The page survives a reload.
  await page.reload();
  await expect.poll(podsDrawn).toBe(1);

  // The missing Secret is drawn as missing, the dangling reference is visible from its users.
  const cls = await page.getByTestId('explorer-graph').evaluate((el, id) => {
    type Cy = { getElementById(i: string): { hasClass(c: string): boolean } };
    return (el as HTMLElement & { kgCy?: Cy }).kgCy!.getElementById(id).hasClass('missing');
  }, MISSING_SECRET_ID);
  expect(cls).toBe(true);
});

test('filters by node kind and edge kind', async ({ page }) => {
  await page.goto(explorer(KEY_ID));
  const all = await drawnIds(page);
  expect(all.some((i) => i.includes('/Pod/'))).toBe(true);
  await page.getByTestId('filter-node-k8s:Pod').locator('label').click();
  await expect(page).toHaveURL(/[?&]hk=k8s%3APod/);
  await expect.poll(async () => (await drawnIds(page)).some((i) => i.includes('/Pod/'))).toBe(false);
  // Hiding an edge kind drops what only hangs off it: OWNS edges go, the Job stays (it uses the Secret itself).
  await page.getByTestId('filter-edge-OWNS').locator('label').click();
  await expect(page).toHaveURL(/[?&]he=OWNS/);
  const ids = await drawnIds(page);
  expect(ids).toContain(HOLDER_ID);
  expect(ids.some((i) => i.includes('/Job/'))).toBe(true);
  await shot(page, '06-filters');
  // Back.
  await page.getByTestId('filter-node-k8s:Pod').locator('label').click();
  await page.getByTestId('filter-edge-OWNS').locator('label').click();
  await expect.poll(async () => (await drawnIds(page)).length).toBe(all.length);
});

test('impact mode highlights what deleting the key would break', async ({ page }) => {
  await page.goto(explorer(KEY_ID));
  await drawnIds(page);
  await page.getByTestId('mode').getByText('Impact').click();
  await expect(page).toHaveURL(/[?&]mode=impact/);
  const note = page.getByTestId('impact-note');
  await expect(note).toContainText('depend on it');
  await expect(note).toContainText(`keygraph impact ${KEY_ID}`);
  const impacted = await page.getByTestId('explorer-graph').evaluate((el) => {
    type Cy = { nodes(sel: string): { map<T>(f: (n: { id(): string }) => T): T[] } };
    return (el as HTMLElement & { kgCy?: Cy }).kgCy!.nodes('.impacted').map((n) => n.id()).sort();
  });
  expect(impacted).toContain(HOLDER_ID);
  expect(impacted).toContain(CRONJOB_ID);
  expect(impacted.some((i) => i.includes('/Pod/'))).toBe(true);
  await shot(page, '07-impact');

  // Impact from the CronJob: its Job and Pod (owned), not the Secret or the key.
  await clickNode(page, CRONJOB_ID);
  await page.getByTestId('impact-here').click();
  await expect(page).toHaveURL(/[?&]at=k8s%3Ademo%2Fota%2FCronJob/);
  const fromCron = await page.getByTestId('explorer-graph').evaluate((el) => {
    type Cy = { nodes(sel: string): { map<T>(f: (n: { id(): string }) => T): T[] } };
    return (el as HTMLElement & { kgCy?: Cy }).kgCy!.nodes('.impacted').map((n) => n.id()).sort();
  });
  expect(fromCron.some((i) => i.includes('/Job/'))).toBe(true);
  expect(fromCron).not.toContain(HOLDER_ID);
  // The shared URL keeps the mode and the source.
  await page.reload();
  await expect(page.getByTestId('impact-note')).toContainText('ota-metadata-backup');
});

test('access mode: who can read a Secret, as derived edges from each subject; a Group with no node has its own panel', async ({ page }) => {
  const SECRET = 'k8s:demo/ota/Secret/ota-db-credentials';
  const ESO_SA = 'k8s:demo/external-secrets/ServiceAccount/external-secrets';
  const LITE_SA = 'k8s:demo/ota/ServiceAccount/ota-lite-api';
  await page.goto(explorer(SECRET));
  await drawnIds(page);
  await clickNode(page, SECRET);
  await page.getByTestId('access-here').click();
  await expect(page).toHaveURL(/[?&]mode=access/);
  const note = page.getByTestId('access-note');
  await expect(note).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('access-summary')).toContainText(/\d+ subjects? can read it: .*ServiceAccount/);
  await expect(note).toContainText('impact never follows them');
  const graph = page.getByTestId('explorer-graph');
  type Cy = { edges(sel: string): { map<T>(f: (e: { source(): { id(): string }; target(): { id(): string } }) => T): T[] } };
  await expect.poll(() => graph.evaluate((el) => (el as HTMLElement & { kgCy?: Cy }).kgCy!.edges('.access').map((e) => e.source().id()).sort())).toEqual(
    expect.arrayContaining([ESO_SA, LITE_SA]),
  );
  const targets = await graph.evaluate((el) => [...new Set((el as HTMLElement & { kgCy?: Cy }).kgCy!.edges('.access').map((e) => e.target().id()))]);
  expect(targets).toEqual([SECRET]);
  await shot(page, '09-access');

  // A reader ServiceAccount is a graph node: its ordinary panel.
  await clickNode(page, LITE_SA);
  await expect(page.getByTestId('node-details')).toHaveAttribute('data-node-id', LITE_SA);

  // The list view has the table; the URL restores the mode.
  await page.getByTestId('view').getByText('List').click();
  const table = page.getByTestId('access-table');
  await expect(table.locator(`tr[data-subject-id="${ESO_SA}"]`)).toContainText('every Secret in the cluster');
  await expect(table.locator(`tr[data-subject-id="${LITE_SA}"]`)).toContainText('only ota-db-credentials');
  await page.reload();
  await expect(page.getByTestId('access-table')).toBeVisible();

  // grafana-admin: the on-call Group is a principal keygraph holds no node for.
  await page.goto(explorer('k8s:demo/monitoring/Secret/grafana-admin', '&mode=access'));
  await drawnIds(page);
  const GROUP = 'subject:Group:oncall@demo.example.com';
  await expect.poll(() => graph.evaluate((el, id) => (el as HTMLElement & { kgCy?: { getElementById(i: string): { nonempty(): boolean } } }).kgCy!.getElementById(id).nonempty(), GROUP)).toBe(true);
  await clickNode(page, GROUP);
  const panel = page.getByTestId('subject-details');
  await expect(panel).toHaveAttribute('data-subject-id', GROUP);
  await expect(panel).toContainText('Group');
  await expect(panel).toContainText('via');
  await shot(page, '10-access-group');
  // At phone width the explorer opens as the list view, the access table first.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(page.getByTestId('explorer-list')).toBeVisible();
  await expect(page.getByTestId('access-table').locator(`tr[data-subject-id="${GROUP}"]`)).toContainText('oncall-secret-reader');
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  // The list's tables are not squeezed by the list's height cap: each table's scroll box is as tall as its table.
  const squeezed = await page.getByTestId('explorer-list').locator('table').evaluateAll((tables) =>
    tables.filter((t) => (t.closest('[class*="ScrollArea-root"]') ?? t.parentElement!).getBoundingClientRect().height + 1 < t.getBoundingClientRect().height).length,
  );
  expect(squeezed).toBe(0);
  await shot(page, '10-access-group-390');

  // A Deployment has no access answer: the note says which kinds do.
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(explorer(DEPLOYMENT_ID, '&mode=access'));
  await expect(page.getByTestId('access-note')).toHaveAttribute('data-status', 'none');
});

test('explorer without an id, and with a malformed one', async ({ page }) => {
  await page.goto('/explorer');
  await expect(page.getByTestId('empty-state')).toContainText('Pick a node to explore');
  await page.goto('/explorer?id=not-an-id');
  await expect(page.getByTestId('empty-state')).toContainText('Not a keygraph node id');
});

test('a ConfigMap in the explorer: the Deployment, ReplicaSet and pod that mount it', async ({ page }) => {
  const cm = 'k8s:demo/monitoring/ConfigMap/grafana-dashboards';
  await page.goto(explorer(cm));
  const ids = await drawnIds(page);
  expect(ids).toContain(cm);
  expect(ids).toContain('k8s:demo/monitoring/Deployment/grafana');
  await shot(page, '08-configmap');
});
