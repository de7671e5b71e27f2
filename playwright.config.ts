/**
 * End-to-end tests: a real browser against the real app (`keygraph demo`: embedded PostgreSQL, migrations, the
 * shipped two-day demo cluster, the production Next.js build) on 127.0.0.1:KEYGRAPH_E2E_PORT.
 *
 * A second server for e2e/auth.spec.ts: keygraph with OpenID Connect sign-in configured against a real OpenID
 * Provider (oidc-provider) that e2e/auth-stack.ts starts on a random port; 127.0.0.1:KEYGRAPH_E2E_AUTH_PORT, its own
 * data folder, a 25 s session lifetime (e2e/auth-env.ts). Both ports are free ports chosen per run unless set
 * (e2e/ports.ts), so two runs on one machine do not collide.
 *
 * Browser: Debian's Chromium at /usr/bin/chromium when present (KEYGRAPH_CHROMIUM overrides), otherwise the
 * browser Playwright installed. The data folders are fresh on every run.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig, devices } from '@playwright/test';
import { E2E_PORT } from './e2e/ports';
import { AUTH_DATA_DIR, AUTH_PORT, AUTH_URL } from './e2e/auth-env';

const PORT = E2E_PORT;
const BASE_URL = `http://127.0.0.1:${PORT}`;
// One data folder per port, so two runs on different ports (KEYGRAPH_E2E_PORT, KEYGRAPH_E2E_AUTH_PORT) do not collide.
const DATA_DIR = path.join(os.tmpdir(), `.keygraph-e2e-${PORT}`);

// Fresh data folder per run. Only the main process (which starts the web server) clears it: workers load this file
// too, while the server is using the folder.
if (!process.env.TEST_WORKER_INDEX) {
  rmSync(DATA_DIR, { recursive: true, force: true });
  rmSync(AUTH_DATA_DIR, { recursive: true, force: true });
  // Earlier runs' folders (one per port, ports change per run): those untouched for 6 hours are no run's any more.
  for (const e of readdirSync(os.tmpdir())) {
    const p = path.join(os.tmpdir(), e);
    if (e.startsWith('.keygraph-e2e-') && Date.now() - statSync(p).mtimeMs > 6 * 3600_000) rmSync(p, { recursive: true, force: true });
  }
}

const chromium = process.env.KEYGRAPH_CHROMIUM ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  forbidOnly: !!process.env.CI,
  // The JSON report feeds the one-line summary of the whole test run (test/summary.mjs).
  reporter: [['list'], ['json', { outputFile: 'test-reports/e2e.json' }], ...(process.env.CI ? [] : [['html', { open: 'never' }] as const])],
  use: {
    baseURL: BASE_URL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    viewport: { width: 1440, height: 900 },
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        viewport: { width: 1440, height: 900 },
        launchOptions: {
          executablePath: chromium,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
  ],
  webServer: [
    {
      command: `node bin/keygraph.mjs demo --port ${PORT}`,
      url: `${BASE_URL}/healthz`,
      timeout: 180_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        KEYGRAPH_DATA_DIR: DATA_DIR,
        NEXT_TELEMETRY_DISABLED: '1',
        KEYGRAPH_LOG_LEVEL: 'warn',
      },
    },
    {
      // keygraph with sign-in + a real OpenID Provider (e2e/auth-stack.ts); used by e2e/auth.spec.ts.
      command: 'node --import tsx e2e/auth-stack.ts',
      url: `${AUTH_URL}/healthz`,
      timeout: 180_000,
      reuseExistingServer: false,
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        KEYGRAPH_E2E_AUTH_PORT: String(AUTH_PORT),
        NEXT_TELEMETRY_DISABLED: '1',
        KEYGRAPH_LOG_LEVEL: 'warn',
      },
    },
  ],
});
