/**
 * Accessibility scan (axe-core, WCAG 2.1 A/AA rules, colour contrast included) of every page, at desktop and phone
 * width, on the demo inventory: no serious or critical violation. The palette's text shades are in app/theme.ts.
 */
import { expect, test } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

const id = (v: string) => encodeURIComponent(v);
const PAGES = [
  '/',
  '/findings',
  '/search?missing=1',
  '/search?q=payments',
  '/explorer',
  `/explorer?id=${id('k8s:demo/payments/Secret/payments-db')}`,
  `/explorer?id=${id('k8s:demo/monitoring/Secret/grafana-admin')}&mode=access`,
  '/runs',
  '/diff',
  '/exports',
  '/keys',
  '/settings/tokens',
  `/node?id=${id('k8s:demo/payments/Deployment/payments-api')}`,
  `/node?id=${id('k8s:demo/payments/ServiceAccount/payments-api')}`,
  `/node?id=${id('gcp:keygraph-demo/ServiceAccountKey/0077cc31976b0ecae27ea9064f55e28a31c36c28')}`,
  `/node?id=${id('k8s:demo/ota/Secret/does-not-exist')}`,
  `/node?id=${id('k8s:demo/ota/Secret/targets-backup-key')}`,
  `/node?id=${id('k8s:demo/ota/Secret/ota-db-credentials')}&action=rotate`,
  `/node?id=${id('k8s:demo/monitoring/ConfigMap/grafana-ini')}`,
  `/node?id=${id('k8s:demo/monitoring/Secret/grafana-admin')}`,
  '/node?id=not-an-id',
  '/findings?asOf=2001-01-01',
  '/runs/1',
];

for (const width of [1440, 390]) {
  test.describe(`at ${width} px`, () => {
    test.use({ viewport: { width, height: 900 } });
    test('no serious or critical accessibility violation', async ({ page }) => {
      test.setTimeout(360_000);
      const failures: string[] = [];
      for (const p of PAGES) {
        await page.goto(p);
        await page.waitForLoadState('networkidle');
        const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
        for (const v of r.violations) {
          if (v.impact !== 'serious' && v.impact !== 'critical') continue;
          // Each distinct failing element once, with the colours axe measured (fg on bg, ratio) where it has them.
          const seen = new Set<string>();
          for (const n of v.nodes) {
            const d = n.any[0]?.data as { fgColor?: string; bgColor?: string; contrastRatio?: number } | undefined;
            const what = d?.fgColor ? `${d.fgColor} on ${d.bgColor} = ${d.contrastRatio}` : n.failureSummary?.split('\n')[1]?.trim() ?? '';
            const line = `${p}: ${v.id} ${n.target.join(' ')} ${what}`;
            if (!seen.has(what) && seen.size < 3) failures.push(line);
            seen.add(what);
          }
        }
      }
      expect(failures).toEqual([]);
    });
  });
}
