/**
 * Accessibility scan (axe-core, WCAG 2.1 A/AA rules) of the pages this round changed, at desktop and phone width,
 * on the demo inventory: no serious or critical violation. Colour contrast is reported but not yet enforced: the
 * theme's secondary grey, link blue and light badges fall short (the UI issue fixes the palette); every other rule is.
 */
import { expect, test } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

const PAGES = [
  '/',
  '/findings',
  '/search?missing=1',
  `/node?id=${encodeURIComponent('k8s:demo/ota/Secret/targets-backup-key')}`,
  `/node?id=${encodeURIComponent('k8s:demo/monitoring/ConfigMap/grafana-ini')}`,
  `/node?id=${encodeURIComponent('k8s:demo/monitoring/Secret/grafana-admin')}`,
  '/node?id=not-an-id',
  '/findings?asOf=2001-01-01',
  '/runs/1',
];

for (const width of [1440, 390]) {
  test.describe(`at ${width} px`, () => {
    test.use({ viewport: { width, height: 900 } });
    test('no serious or critical accessibility violation (colour contrast reported)', async ({ page }) => {
      const failures: string[] = [];
      const contrast: string[] = [];
      for (const p of PAGES) {
        await page.goto(p);
        await page.waitForLoadState('networkidle');
        const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
        for (const v of r.violations) {
          if (v.impact !== 'serious' && v.impact !== 'critical') continue;
          const line = `${p}: ${v.id} (${v.nodes.length}) ${v.nodes[0]?.target.join(' ')}`;
          (v.id === 'color-contrast' ? contrast : failures).push(line);
        }
      }
      if (contrast.length) console.log(`colour contrast at ${width} px (not enforced yet):\n${contrast.join('\n')}`);
      expect(failures).toEqual([]);
    });
  });
}
