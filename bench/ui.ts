/**
 * `npm run bench:ui` (`node --import tsx bench/ui.ts`): the graph explorer under a large fan-out.
 *
 * 1. A fresh embedded PostgreSQL in a temp folder (or BENCH_DATABASE_URL), migrated.
 * 2. One run (lib/store/write.ts) of generated records: Secret `fanout/shared-credentials` used (env) by 1,000
 *    consumers: 200 Deployments, 300 ReplicaSets (owned by the Deployments) and 500 Pods (owned by the
 *    ReplicaSets), plus a ServiceAccount per 50 Deployments (`--consumers N` scales the three kinds together).
 * 3. The web app in this process (lib/server.ts serve(), production build; `next build` runs first if there is
 *    none) on DATABASE_URL.
 * 4. Headless Chromium (Playwright; /usr/bin/chromium when present) opens /explorer on the Secret and measures,
 *    in the page (performance.now(), ms since navigation start):
 *    - first render: the graph drawn (cytoscape synced and painted) — target < 1.5 s;
 *    - interactive: first render + the latency of a first tap (on the 500-Pods group) answered by its side panel;
 *    - expand: "Show all 500" on that group until the 500 Pods are drawn and painted — target < 1 s;
 *    - page: "Show first 50" of the ReplicaSets group.
 * Runs `--runs N` (default 3) cold page loads and reports the median; writes bench/out/ui.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FANOUT_CLUSTER as CLUSTER, FANOUT_SECRET, fanoutRecords } from './fanout';

const { values } = parseArgs({
  options: { consumers: { type: 'string', default: '1000' }, runs: { type: 'string', default: '3' }, keep: { type: 'boolean', default: false } },
});
const consumers = Math.max(10, Number(values.consumers));
const runs = Math.max(1, Number(values.runs));
const SECRET = FANOUT_SECRET;
const records = () => fanoutRecords(consumers);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};

async function main() {
  // Next's server globals first: lib/server.ts pulls in modules that import `next/server`.
  await import('next/dist/server/node-environment.js' as string);
  const { openBenchDatabase } = await import('./db');
  const { startRun } = await import('../lib/store/write');

  const bench = await openBenchDatabase({ prefix: 'keygraph-bench-ui-', keep: values.keep });
  const { database, url } = bench;
  let closeServer = async () => {};
  try {
    const { nodes, edges } = records();
    let t = performance.now();
    const run = await startRun(database, 'files', CLUSTER, { bench: 'ui' });
    const kinds = ['k8s:Secret', 'k8s:ServiceAccount', 'k8s:Deployment', 'k8s:ReplicaSet', 'k8s:Pod'] as const;
    const coverage = Object.fromEntries(kinds.map((k) => [k, { complete: true, count: nodes.filter((n) => `k8s:${n.kind}` === k).length }]));
    await run.commit({ nodes, edges, coverage, errors: [] });
    console.log(`wrote ${nodes.length} nodes, ${edges.length} edges in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    process.env.DATABASE_URL = url;
    process.env.KEYGRAPH_LOG_LEVEL ??= 'warn';
    const { serve, projectRoot } = await import('../lib/server');
    const { freePort } = await import('../lib/db/embedded');
    const port = await freePort();
    t = performance.now();
    const app = await serve({ host: '127.0.0.1', port, dir: projectRoot() });
    closeServer = app.close;
    console.log(`app up at ${app.url} in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const { chromium } = await import('@playwright/test');
    const executablePath = process.env.KEYGRAPH_CHROMIUM ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
    const browser = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    const target = `${app.url}/explorer?id=${encodeURIComponent(SECRET)}`;
    // Warm the server (first request compiles nothing in production, but opens pools and caches).
    await (await fetch(target)).text();

    const results: { firstRender: number; interactive: number; expand500: number; page50: number; nodesAfter: number; serverMs: number }[] = [];
    for (let r = 0; r < runs; r++) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      await page.goto(target);
      const graph = page.getByTestId('explorer-graph');
      await graph.and(page.locator('[data-ready="1"]')).waitFor({ timeout: 60_000 });
      // First render: when the first drawing was synced, plus its paint.
      const firstRender = Number(await graph.getAttribute('data-drawn-at'));
      const podGroup = `group.in.USES_SECRET.k8s:Pod.${SECRET}`;
      const rsGroup = `group.in.USES_SECRET.k8s:ReplicaSet.${SECRET}`;

      // Interactive: tap the Pods group on the canvas; the side panel answers.
      const interactive = await page.evaluate(async (gid) => {
        type Cy = { getElementById(i: string): { emit(e: string): void } };
        const el = document.querySelector('[data-testid="explorer-graph"]') as HTMLElement & { kgCy?: Cy };
        el.kgCy!.getElementById(gid).emit('tap');
        const t0 = performance.now();
        while (!document.querySelector('[data-testid="group-details"]')) await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        return performance.now() - t0;
      }, podGroup);

      /** Clicks a side-panel button and waits until at least `min` nodes are drawn and painted; ms in the page. */
      const timed = (testId: string, min: number) =>
        page.evaluate(
          async ({ testId, min }) => {
            const el = document.querySelector('[data-testid="explorer-graph"]') as HTMLElement;
            const btn = document.querySelector(`[data-testid="${testId}"]`) as HTMLButtonElement;
            const t0 = performance.now();
            btn.click();
            while (Number(el.dataset.nodes ?? 0) < min) await new Promise((r) => setTimeout(r, 2));
            const synced = performance.now() - t0;
            await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
            const total = performance.now() - t0;
            const fetches = performance
              .getEntriesByType('resource')
              .filter((e) => e.name.includes('/api/v1/graph?') && e.startTime >= t0)
              .map((e) => Math.round(e.duration));
            return { total, synced, fetches, syncMs: Number(el.dataset.syncMs) };
          },
          { testId, min },
        );
      const before = Number(await graph.getAttribute('data-nodes'));
      const x500 = await timed('group-all', before + Math.round(consumers * 0.5));
      const expand500 = x500.total;
      console.log('  expand 500:', JSON.stringify(x500));
      const nodesAfter = Number(await graph.getAttribute('data-nodes'));
      if (r === 0) await page.screenshot({ path: path.resolve('bench/out/ui-expanded.png') });

      // Page 50 of the ReplicaSets group.
      await page.evaluate((gid) => {
        type Cy = { getElementById(i: string): { emit(e: string): void } };
        const el = document.querySelector('[data-testid="explorer-graph"]') as HTMLElement & { kgCy?: Cy };
        el.kgCy!.getElementById(gid).emit('tap');
      }, rsGroup);
      await page.getByTestId('group-open').waitFor();
      const p50 = await timed('group-open', nodesAfter + 50);
      const page50 = p50.total;
      console.log('  page 50:', JSON.stringify(p50));
      const api = await page.evaluate(async (u) => (await (await fetch(u)).json()) as { ms: number }, `/api/v1/graph?id=${encodeURIComponent(SECRET)}`);
      results.push({ firstRender, interactive: firstRender + interactive, expand500, page50, nodesAfter, serverMs: api.ms });
      await context.close();
    }
    await browser.close();

    const summary = {
      consumers,
      runs,
      firstRenderMs: Math.round(median(results.map((x) => x.firstRender))),
      interactiveMs: Math.round(median(results.map((x) => x.interactive))),
      expandGroup500Ms: Math.round(median(results.map((x) => x.expand500))),
      openPage50Ms: Math.round(median(results.map((x) => x.page50))),
      serverNeighbourhoodMs: median(results.map((x) => x.serverMs)),
      nodesDrawnAfterExpand: results[0]?.nodesAfter,
      targets: { firstRenderMs: 1500, expandGroup500Ms: 1000 },
      all: results,
    };
    await mkdir(path.resolve('bench/out'), { recursive: true });
    await writeFile(path.resolve('bench/out/ui.json'), JSON.stringify(summary, null, 2));
    console.log(
      [
        `explorer, Secret with ${consumers} consumers (median of ${runs} cold loads):`,
        `  first render      ${summary.firstRenderMs} ms (target < 1500)${summary.firstRenderMs < 1500 ? '' : '  ✗'}`,
        `  interactive       ${summary.interactiveMs} ms (first tap answered)`,
        `  expand 500 Pods   ${summary.expandGroup500Ms} ms (target < 1000)${summary.expandGroup500Ms < 1000 ? '' : '  ✗'}`,
        `  open page of 50   ${summary.openPage50Ms} ms`,
        `  server query      ${summary.serverNeighbourhoodMs} ms (GET /api/v1/graph, root at depth 2)`,
        `  wrote bench/out/ui.json, bench/out/ui-expanded.png`,
      ].join('\n'),
    );
  } finally {
    await closeServer();
    await bench.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
