/**
 * Content-Security-Policy watching for the e2e tests (e2e/csp.spec.ts, e2e/auth.spec.ts): violations the browser
 * reports, CSP console messages and page errors.
 */
import type { Page } from '@playwright/test';

/**
 * Records CSP violations and page errors from the first script on (init scripts are not subject to the CSP).
 * Returns the list the console messages and page errors go to; read the violations with {@link cspViolations}.
 */
export async function watchCsp(page: Page): Promise<string[]> {
  const problems: string[] = [];
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const w = window as unknown as { __csp?: string[] };
      (w.__csp ??= []).push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

/** The violations (`directive blocked-uri`) the current document reported since {@link watchCsp}. */
export async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
}
