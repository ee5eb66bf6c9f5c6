import AxeBuilder from '@axe-core/playwright';
import { Browser, BrowserContext, Page } from '@playwright/test';
import { test, expect, NEW_PASSWORD, latestCode, islandsLive } from './fixtures/app';
import { createUser, MFA_POOL, SMS_POOL, sentEmails, totpUser } from './fixtures/moto';
import { CHOICE, PASSKEY, passkeyUser, scriptedUser, temporaryUser } from './fixtures/scripted';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const LIMITED = process.env.E2E_URL_LIMITED ?? 'http://127.0.0.1:3000';
const MFA = process.env.E2E_URL_MFA ?? 'http://127.0.0.1:3000';
const SMS_MFA = process.env.E2E_URL_SMS_MFA ?? 'http://127.0.0.1:3000';

let browser: Browser;
// The last document each page loaded, as served (a page without JavaScript cannot be read
// back with `page.content()`).
const served = new WeakMap<Page, Promise<string>>();
test.beforeEach(async ({ browser: b, page }) => {
  browser = b;
  page.on('response', (r) => {
    // Every document but a redirect (a 404 page is checked too).
    const redirect = r.status() >= 300 && r.status() < 400;
    if (r.request().isNavigationRequest() && r.request().frame() === page.mainFrame() && !redirect) {
      // The body may never be read when the test ends first (a last redirect): no rejection then.
      served.set(page, r.text().catch(() => ''));
    }
  });
});

/** Runs axe on the page as the user sees it. Without JavaScript axe cannot run in that page,
 * so the same HTML (its scripts removed) is checked in a page that allows axe's script, at
 * the same URL so the stylesheet applies. */
async function expectAccessible(page: Page, js: boolean, state: string, colorScheme: 'light' | 'dark' = 'light') {
  let target = page;
  let extra: BrowserContext | undefined;
  if (!js) {
    const html = (await served.get(page)!).replace(/<script[\s\S]*?<\/script>/g, '');
    const url = page.url();
    extra = await browser.newContext({ colorScheme, javaScriptEnabled: true });
    target = await extra.newPage();
    await target.route(url, (r) => r.fulfill({ contentType: 'text/html; charset=utf-8', body: html }));
    await target.goto(url);
  }
  const { violations } = await new AxeBuilder({ page: target }).withTags(TAGS).analyze();
  const lang = await target.evaluate(() => document.documentElement.lang);
  await extra?.close();
  const summary = violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(summary, `${state} (${lang})`).toEqual([]);
}

// One page or state per test (each has ample headroom under its timeout on 2 cores).
for (const locale of ['en-US', 'ja-JP', 'ar']) {
  test.describe(`every page and state in ${locale}`, () => {
    test.use({ locale });

    for (const path of ['/', '/reset', '/sign-in', '/reset/confirm', '/reset/link/used', '/not-me', '/new-password', '/no-such-page']) {
      test(`${path} empty`, async ({ app, page }) => {
        await app.open(path);
        await expectAccessible(page, app.js, `${path} empty`);
      });
    }

    test('/reset with a field error', async ({ app, page }) => {
      await app.open('/reset');
      await page.locator('button[type=submit]').click();
      await expect(page.locator('#error-summary')).toBeVisible();
      await expectAccessible(page, app.js, '/reset with an error');
    });

    test('/reset after a broken email link', async ({ app, page }) => {
      await page.goto('/reset/link?u=jane');
      if (app.js) await islandsLive(page);
      await expect(page.locator('#error-summary')).toBeVisible();
      await expectAccessible(page, app.js, '/reset after a broken link');
    });

    test('/not-me from a security email', async ({ app, page, user }) => {
      await app.open('/reset');
      await app.completeReset(user.username, NEW_PASSWORD);
      const [mail] = await sentEmails(`${user.username}@example.com`);
      await app.open(/href="([^"]+\/not-me\/link\?t=[^"]+)"/.exec(mail.body)![1]);
      await expect(page.locator('form button[type=submit]')).toBeVisible();
      await expectAccessible(page, app.js, '/not-me from an email');
    });

    test('/sign-in with wrong credentials', async ({ app, page, user }) => {
      await app.open('/sign-in');
      await app.signIn(user, 'Wrong-Passw0rd!');
      await expect(page.locator('#error-summary')).toBeVisible();
      await expectAccessible(page, app.js, '/sign-in with wrong credentials');
    });

    test('/reset/confirm with a code sent', async ({ app, page, user }) => {
      await app.open('/reset');
      await app.requestCode(user.username);
      await expectAccessible(page, app.js, '/reset/confirm');
    });

    test('/reset/confirm with a rule error', async ({ app, page, user }) => {
      await app.open('/reset');
      await app.requestCode(user.username);
      await app.enterCode(await latestCode(user.username), 'short');
      await expect(page.locator('#error-summary')).toBeVisible();
      await expectAccessible(page, app.js, '/reset/confirm with a rule error');
    });

    test('/sign-in with the success notice', async ({ app, page, user }) => {
      await app.open('/reset');
      await app.completeReset(user.username, NEW_PASSWORD);
      await expectAccessible(page, app.js, '/sign-in with the success notice');
    });

    for (const path of ['/account', '/account/password', '/account/security']) {
      test(`${path} signed in`, async ({ app, page, user }) => {
        await app.open('/sign-in');
        await app.signIn(user);
        await expect(page).toHaveURL(/\/account$/);
        if (path !== '/account') await app.open(path);
        await expectAccessible(page, app.js, path);
      });
    }

    test('/account/security with passkeys offered', async ({ app, page }) => {
      await app.open(`${PASSKEY}/sign-in`);
      await app.signIn(passkeyUser());
      await expect(page).toHaveURL(/\/account$/);
      await app.open(`${PASSKEY}/account/security`);
      await expect(page.locator('#passkeys')).toBeVisible();
      await expectAccessible(page, app.js, '/account/security with passkeys');
    });

    test('/sign-in with a passkey button', async ({ app, page }) => {
      await app.open(`${PASSKEY}/sign-in`);
      await expectAccessible(page, app.js, '/sign-in with a passkey button');
    });

    test('/account with the passkey offer', async ({ app, page }) => {
      await app.open(`${PASSKEY}/sign-in`);
      await app.signIn(temporaryUser());
      await app.setNewPassword(NEW_PASSWORD);
      await expect(page.locator('aside.offer')).toBeVisible();
      await expectAccessible(page, app.js, '/account with the passkey offer');
    });

    test('/new-password after a temporary password', async ({ app, page, tempUser }) => {
      await app.open('/sign-in');
      await app.signIn(tempUser);
      await expect(page).toHaveURL(/\/new-password$/);
      await expectAccessible(page, app.js, '/new-password');
    });

    test('/sign-in/setup with an authenticator app to set up', async ({ app, page }) => {
      const user = await createUser('temporary', MFA_POOL);
      await app.open(`${MFA}/sign-in`);
      await app.signIn(user);
      await app.setNewPassword(NEW_PASSWORD);
      await expect(page).toHaveURL(/\/sign-in\/setup$/);
      await expectAccessible(page, app.js, '/sign-in/setup');
    });

    test('/sign-in/setup when no second factor can be set up here', async ({ app, page }) => {
      const user = await createUser('temporary', SMS_POOL);
      await app.open(`${SMS_MFA}/sign-in`);
      await app.signIn(user);
      await app.setNewPassword(NEW_PASSWORD);
      await expect(page).toHaveURL(/\/sign-in\/setup$/);
      await expect(page.getByRole('status')).toContainText(app.t.mfa.kind_sms);
      await expect(page.locator('#totp-key')).toHaveCount(0);
      await expectAccessible(page, app.js, '/sign-in/setup without a factor to set up');
    });

    test('/sign-in/code for an authenticator app', async ({ app, page }) => {
      const user = await totpUser();
      await app.open(`${MFA}/sign-in`);
      await app.signIn(user);
      await expect(page).toHaveURL(/\/sign-in\/code$/);
      await expectAccessible(page, app.js, '/sign-in/code');
    });

    // The steps moto never sends, from scripts/scripted_cognito.py.
    test('/sign-in/choose with second factors to choose from', async ({ app, page }) => {
      await app.open(`${CHOICE}/sign-in`);
      await app.signIn(scriptedUser());
      await expect(page).toHaveURL(/\/sign-in\/choose$/);
      await expectAccessible(page, app.js, '/sign-in/choose (SELECT_MFA_TYPE)');
    });

    test('/sign-in/choose with first factors to choose from', async ({ app, page }) => {
      await app.open(`${CHOICE}/sign-in`);
      await app.signIn(scriptedUser(), '');
      await expect(page).toHaveURL(/\/sign-in\/choose$/);
      await expect(page.getByRole('link', { name: app.t.mfa.use_password })).toBeVisible();
      await expectAccessible(page, app.js, '/sign-in/choose (SELECT_CHALLENGE)');
    });

    test('/sign-in/code for an email code, with a wrong code', async ({ app, page }) => {
      await app.open(`${CHOICE}/sign-in`);
      await app.signIn(scriptedUser());
      await page.getByLabel(app.t.mfa.kind_email).check();
      await page.getByRole('button', { name: app.t.mfa.continue_ }).click();
      await expect(page).toHaveURL(/\/sign-in\/code$/);
      await page.getByLabel(app.t.mfa.code_label, { exact: true }).fill('654321');
      await page.getByRole('button', { name: app.t.mfa.verify }).click();
      await expect(app.errorSummary()).toBeVisible();
      await expectAccessible(page, app.js, '/sign-in/code (EMAIL_OTP, wrong code)');
    });

    test('rate-limited', async ({ app, page, user }) => {
      // The instance allows 2 attempts per user.
      for (let i = 0; i < 3; i++) {
        await page.goto(`${LIMITED}/reset`);
        if (app.js) await islandsLive(page);
        await page.locator('#username').fill(`${user.username}-a11y`);
        await page.locator('button[type=submit]').click();
        if (i < 2) await expect(page).toHaveURL(/\/reset\/confirm/);
      }
      await expect(page.locator('#error-summary')).toBeVisible();
      await expectAccessible(page, app.js, 'rate-limited');
    });
  });
}

test.describe('dark theme', () => {
  test.use({ colorScheme: 'dark' });
  for (const path of ['/', '/reset', '/sign-in']) {
    test(`${path} keeps AA contrast in the dark theme`, async ({ app, page }) => {
      await app.open(path);
      await expectAccessible(page, app.js, `${path} dark`, 'dark');
    });
  }
  test('an error keeps AA contrast in the dark theme', async ({ app, page }) => {
    await app.open('/sign-in');
    await page.locator('button[type=submit]').click();
    await expect(page.locator('#error-summary')).toBeVisible();
    await expectAccessible(page, app.js, '/sign-in error dark', 'dark');
  });
});

test('usable at 320 px wide: nothing scrolls sideways', async ({ app, page }) => {
  await page.setViewportSize({ width: 320, height: 640 });
  for (const path of ['/', '/reset', '/sign-in', '/reset/confirm']) {
    await app.open(path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, path).toBeLessThanOrEqual(0);
  }
});

test('keyboard only: skip link, then request a code and sign in', async ({ app, page, user }) => {
  await app.open('/reset');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press('Enter');
  // Into the form: the username field comes first.
  for (let i = 0; i < 10 && !(await page.locator('#username').evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('Tab');
  }
  await expect(page.locator('#username')).toBeFocused();
  await page.keyboard.type(user.username);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/reset\/confirm/);
  // Focus is visible on whatever has it.
  await page.keyboard.press('Tab');
  const outline = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const s = getComputedStyle(el);
    return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  });
  expect(outline).toBe(true);
});

test('a failed submit puts focus on the error summary, which links to the field', async ({ app, page }) => {
  await app.open('/sign-in');
  await page.locator('button[type=submit]').click();
  // The page comes back from the server with the summary focused (autofocus: no script needed).
  await expect(page.locator('#error-summary')).toBeFocused();
  await expect(page.locator('#username')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#username')).toHaveAttribute('aria-describedby', 'username-error');
  await expect(page.locator('#username-error')).toContainText('Enter your username.');
  // Following its link focuses the field (an island; a plain link only scrolls to it).
  if (!app.js) return;
  await islandsLive(page);
  await page.locator('#error-summary a').click();
  await expect(page.locator('#username')).toBeFocused();
});

/** Presses Tab (only) until `selector` has the focus. */
async function tabTo(page: Page, selector: string) {
  for (let i = 0; i < 40; i++) {
    if (await page.locator(selector).evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  await expect(page.locator(selector)).toBeFocused();
}

test('keyboard only: forgot password, code, new password', async ({ app, page, user }) => {
  await app.open('/reset');
  await tabTo(page, '#username');
  await page.keyboard.type(user.username);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/reset\/confirm/);
  await tabTo(page, '#code');
  await page.keyboard.type(await latestCode(user.username));
  await tabTo(page, '#new_password');
  await page.keyboard.type(NEW_PASSWORD);
  await tabTo(page, '#confirm_password');
  await page.keyboard.type(NEW_PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/sign-in/);
});

test('keyboard only: sign in, change the password (Space ticks), sign out everywhere', async ({ app, page, user }) => {
  await app.open('/sign-in');
  await tabTo(page, '#username');
  await page.keyboard.type(user.username);
  await tabTo(page, '#password');
  await page.keyboard.type(user.password);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/account$/);
  await tabTo(page, 'a[href="/account/password"]');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/account\/password$/);
  await tabTo(page, '#current_password');
  await page.keyboard.type(user.password);
  await tabTo(page, '#new_password');
  await page.keyboard.type('Third-Passw0rd!');
  await tabTo(page, '#confirm_password');
  await page.keyboard.type('Third-Passw0rd!');
  await tabTo(page, '#sign_out_everywhere');
  await page.keyboard.press('Space');
  await expect(page.locator('#sign_out_everywhere')).toBeChecked();
  // Shift+Tab goes back to the confirmation field (or its show toggle, with JavaScript).
  await page.keyboard.press('Shift+Tab');
  const back = await page.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('aria-controls'));
  expect(back).toBe('confirm_password');
  await tabTo(page, 'button.primary[type=submit]');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/sign-in/);
});

test('keyboard only: a temporary password, then a new one', async ({ app, page, tempUser }) => {
  await app.open('/sign-in');
  await tabTo(page, '#username');
  await page.keyboard.type(tempUser.username);
  await tabTo(page, '#password');
  await page.keyboard.type(tempUser.password);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/new-password$/);
  await tabTo(page, '#new_password');
  await page.keyboard.type(NEW_PASSWORD);
  await tabTo(page, '#confirm_password');
  await page.keyboard.type(NEW_PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/account$/);
});
