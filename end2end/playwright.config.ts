import { defineConfig, devices } from '@playwright/test';

// Started by scripts/test.sh: moto, a pool, and app instances on 127.0.0.1.
//   E2E_URL_JS     app on the client WITH a secret (the JavaScript-on project)
//   E2E_URL_NOJS   app on the client without a secret (the JavaScript-off project)
//   E2E_URL_SHORT  app with a 3 s challenge lifetime and resend cooldown (expiry tests)
const chromium = {
  ...devices['Desktop Chrome'],
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // Debian's Chromium, offline: no background network, no sandbox as root.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  },
};

export default defineConfig({
  testDir: './tests',
  // The scale-out spec runs only from scripts/scale.sh (it needs nginx and two instances).
  // The screenshots for the docs only when asked for (SCREENSHOTS=1 make test).
  testIgnore: [
    ...(process.env.E2E_URL_LB ? [] : ['**/scale.spec.ts']),
    ...(process.env.SCREENSHOTS ? [] : ['**/screenshots.spec.ts']),
  ],
  fullyParallel: true,
  workers: process.env.E2E_WORKERS ? Number(process.env.E2E_WORKERS) : 2,
  retries: 0,
  // Each test checks one page or state; the headroom reporter fails the run when one needs
  // more than a third of this.
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['./headroom-reporter.ts']],
  use: { trace: 'retain-on-failure' },
  projects: [
    { name: 'chromium', use: { ...chromium, baseURL: process.env.E2E_URL_JS ?? 'http://127.0.0.1:3000', javaScriptEnabled: true } },
    // (The docs' screenshots are taken once, with JavaScript.)
    { name: 'chromium-no-js', testIgnore: ['**/screenshots.spec.ts', ...(process.env.E2E_URL_LB ? [] : ['**/scale.spec.ts'])],
      use: { ...chromium, baseURL: process.env.E2E_URL_NOJS ?? 'http://127.0.0.1:3000', javaScriptEnabled: false } },
  ],
});
