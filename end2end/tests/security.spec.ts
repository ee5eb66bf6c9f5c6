import { Page } from '@playwright/test';
import { test, expect, islandsLive } from './fixtures/app';
import { CHOICE, scriptedUser } from './fixtures/scripted';

// The app instance with a per-user limit of 2 attempts per 15 minutes (scripts/test.sh).
const LIMITED = process.env.E2E_URL_LIMITED ?? 'http://127.0.0.1:3000';

test('a form on another site posting here is refused with a readable page', async ({ page, baseURL }) => {
  await page.route('http://evil.test/**', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><title>Prize</title>
        <form method="post" action="${baseURL}/api/reset/request">
          <input type="hidden" name="username" value="victim">
          <button>Claim your prize</button>
        </form>`,
    }),
  );
  await page.goto('http://evil.test/');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/reset/request')),
    page.getByRole('button', { name: 'Claim your prize' }).click(),
  ]);
  expect(response.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'This request was refused' })).toBeVisible();
});

/** Collects every Content-Security-Policy violation the page reports. */
async function cspViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`Content-Security-Policy violation: ${e.violatedDirective} ${e.blockedURI}`),
    ),
  );
  return violations;
}

// Split in three so each keeps its headroom (one walk took 18 s of its 20 s on a fresh clone).
test('no page breaks the content security policy: the public pages', async ({ app, page }) => {
  test.skip(!app.js, 'scripts run only with JavaScript on');
  const violations = await cspViolations(page);
  for (const path of ['/', '/reset', '/sign-in', '/new-password', '/reset/confirm', '/no-such-page']) {
    await app.open(path);
  }
  expect(violations).toEqual([]);
});

test('no page breaks the content security policy: a code sent, signed in', async ({ app, page, user }) => {
  test.skip(!app.js, 'scripts run only with JavaScript on');
  const violations = await cspViolations(page);
  await app.open('/reset');
  await app.requestCode(user.username);
  await islandsLive(page);
  await app.open('/sign-in');
  await app.signIn(user);
  await expect(page).toHaveURL(/\/account$/);
  await islandsLive(page);
  await app.open('/account/password');
  expect(violations).toEqual([]);
});

test('no page breaks the content security policy: choosing a second factor, its code', async ({ app, page }) => {
  test.skip(!app.js, 'scripts run only with JavaScript on');
  const violations = await cspViolations(page);
  // The choice and code pages of a second factor (scripts/scripted_cognito.py).
  await app.open(`${CHOICE}/sign-in`);
  await app.signIn(scriptedUser());
  await expect(page).toHaveURL(/\/sign-in\/choose$/);
  await islandsLive(page);
  await page.getByRole('button', { name: app.t.mfa.continue_ }).click();
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  await expect(page.locator('#time-left')).toContainText(/\d:\d\d/);
  expect(violations).toEqual([]);
});

test('too many attempts get a page that says how long to wait', async ({ app, page, user }) => {
  const request = async () => {
    await page.goto(`${LIMITED}/reset`);
    if (app.js) await islandsLive(page);
    await page.getByLabel('Username').fill(user.username);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/reset/request')),
      page.getByRole('button', { name: 'Send code' }).click(),
    ]);
    return response;
  };
  for (let i = 0; i < 2; i++) {
    await request();
    await expect(page).toHaveURL(/\/reset\/confirm/);
  }
  const limited = await request();
  expect(limited.status()).toBe(429);
  expect(Number(limited.headers()['retry-after'])).toBeGreaterThan(0);
  await expect(page.locator('#error-summary')).toContainText(/please wait (\d+ minutes|1 minute)/);
  // Forms post the same way with JavaScript on and off: the wait gets a page of its own.
  await expect(page.getByRole('heading', { name: 'Please wait a moment' })).toBeVisible();
  await page.getByRole('link', { name: 'Go back' }).click();
  await expect(page.getByLabel('Username')).toHaveValue(user.username);
});
