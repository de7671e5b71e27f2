/**
 * End-to-end tests: a real browser against the real app (`keygraph demo`: embedded PostgreSQL, migrations, the
 * shipped two-day demo cluster, the production Next.js build) on 127.0.0.1:KEYGRAPH_E2E_PORT (default 3210).
 *
 * A second server for e2e/auth.spec.ts: keygraph with OpenID Connect sign-in configured against a real OpenID
 * Provider (oidc-provider) that e2e/auth-stack.ts starts on a random port; 127.0.0.1:3211, its own data folder,
 * a 25 s session lifetime (e2e/auth-env.ts).
 *
 * Browser: Debian's Chromium at /usr/bin/chromium when present (KEYGRAPH_CHROMIUM overrides), otherwise the
 * browser Playwright installed. The data folders are fresh on every run.
 */
import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig, devices } from '@playwright/test';
import { AUTH_DATA_DIR, AUTH_PORT, AUTH_URL } from './e2e/auth-env';

const PORT = Number(process.env.KEYGRAPH_E2E_PORT ?? 3210);
const BASE_URL = `http://127.0.0.1:${PORT}`;
// One data folder per port, so two runs on different ports (KEYGRAPH_E2E_PORT, KEYGRAPH_E2E_AUTH_PORT) do not collide.
const DATA_DIR = path.join(os.tmpdir(), `.keygraph-e2e-${PORT}`);

// Fresh data folder per run. Only the main process (which starts the web server) clears it: workers load this file
// too, while the server is using the folder.
if (!process.env.TEST_WORKER_INDEX) {
  rmSync(DATA_DIR, { recursive: true, force: true });
  rmSync(AUTH_DATA_DIR, { recursive: true, force: true });
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
