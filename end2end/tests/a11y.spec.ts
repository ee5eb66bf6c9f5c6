import AxeBuilder from '@axe-core/playwright';
import { Browser, BrowserContext, Page } from '@playwright/test';
import { test, expect, App, NEW_PASSWORD, latestCode, islandsLive } from './fixtures/app';
import { createUser, MFA_POOL, SMS_POOL, STATES_POOL, sentEmails, signedUpUser, totpUser } from './fixtures/moto';
import { CHOICE, PASSKEY, passkeyUser, scriptedUser, temporaryUser } from './fixtures/scripted';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const LIMITED = process.env.E2E_URL_LIMITED ?? 'http://127.0.0.1:3000';
const MFA = process.env.E2E_URL_MFA ?? 'http://127.0.0.1:3000';
const SMS_MFA = process.env.E2E_URL_SMS_MFA ?? 'http://127.0.0.1:3000';
const STATES = process.env.E2E_URL_STATES ?? 'http://127.0.0.1:3000';

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

/** Where the HTML a page without JavaScript was served is checked: one page per colour scheme,
 * kept while its context lives (Playwright closes it when the test ends): a new context or page
 * per check cost more than the check. */
const checkers = new Map<string, Page>();

/** Runs axe on the page as the user sees it. Without JavaScript axe cannot run in that page,
 * so the same HTML (its scripts removed) is checked in a page that allows axe's script, at
 * the same URL so the stylesheet applies (the WASM and JS it would preload are not fetched). */
async function expectAccessible(page: Page, js: boolean, state: string, colorScheme: 'light' | 'dark' = 'light', language?: string) {
  let target = page;
  if (!js) {
    const html = (await served.get(page)!).replace(/<script[\s\S]*?<\/script>/g, '');
    const url = page.url();
    if (checkers.get(colorScheme)?.isClosed() !== false) {
      const context = await browser.newContext({ colorScheme, javaScriptEnabled: true });
      checkers.set(colorScheme, await context.newPage());
    }
    target = checkers.get(colorScheme)!;
    await target.unrouteAll();
    await target.route(/\.(wasm|js)$/, (r) => r.abort());
    await target.route(url, (r) => r.fulfill({ contentType: 'text/html; charset=utf-8', body: html }));
    await target.goto(url);
  }
  // Violations only: axe skips writing up what passed (a third of a check's time).
  const { violations } = await new AxeBuilder({ page: target }).withTags(TAGS).options({ resultTypes: ['violations'] }).analyze();
  const lang = await target.evaluate(() => document.documentElement.lang);
  // `aria-current="page"` only on a link to this very page (not on "Cancel and go back to sign
  // in" from a page below /sign-in).
  const misplaced = await target.evaluate(() =>
    [...document.querySelectorAll('a[aria-current="page"]')]
      .map((a) => new URL((a as HTMLAnchorElement).href).pathname)
      .filter((p) => p !== location.pathname));
  if (target !== page) await target.close();
  expect(misplaced, `${state}: aria-current on links to other pages`).toEqual([]);
  const summary = violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(summary, `${state} (${lang})`).toEqual([]);
  if (language) expect(lang, `${state}: the page is in ${language}`).toBe(language);
}

// The three scripts every page and state is checked in: Latin, CJK, right to left. (What
// differs between all locales — every key present, text that fits, direction — is checked
// per locale by cheaper means: the compile-time key check, i18n.spec.ts, server/tests/api/i18n.rs.)
const SCRIPTS = ['en', 'ja', 'ar'];

/** Checks the page in each script. The state is reached once, in English; then the app's own
 * switcher (`/language/<code>?back=<this page>`) changes the language and `again` (given the
 * page's driver in that language) brings back what a reload does not: a kept error or notice
 * is shown once. Without `again` the page is simply shown again. */
async function inEachScript(page: Page, app: App, state: string, again?: (a: App) => Promise<void>) {
  for (const [i, code] of SCRIPTS.entries()) {
    if (i > 0) {
      const url = new URL(page.url());
      await page.goto(`${url.origin}/language/${code}?back=${encodeURIComponent(url.pathname)}`);
      if (again) await again(new App(page, app.js, code));
      if (app.js) await islandsLive(page);
    }
    await expectAccessible(page, app.js, state, 'light', code);
  }
}

// One page or state per test, in the three scripts (each has ample headroom under its timeout
// on 2 cores).
test.describe('every page and state, in Latin, CJK and right-to-left script', () => {
  test.use({ locale: 'en-US' });

  for (const path of ['/', '/reset', '/sign-in', '/reset/confirm', '/reset/link/used', '/not-me', '/new-password', '/sign-in/username', '/no-such-page']) {
    test(`${path} empty`, async ({ app, page }) => {
      await app.open(path);
      // A page a visitor lands on without a state (a 404, a used link) is opened again.
      await inEachScript(page, app, `${path} empty`, async () => {
        if (new URL(page.url()).pathname !== path) await page.goto(path);
      });
    });
  }

  test('/reset with a field error', async ({ app, page }) => {
    const submit = async () => {
      await page.locator('button[type=submit]').click();
      await expect(page.locator('#error-summary')).toBeVisible();
    };
    await app.open('/reset');
    await submit();
    await inEachScript(page, app, '/reset with an error', submit);
  });

  test('/reset after a broken email link', async ({ app, page }) => {
    const open = async () => {
      await page.goto('/reset/link?u=jane');
      await expect(page.locator('#error-summary')).toBeVisible();
    };
    await open();
    await inEachScript(page, app, '/reset after a broken link', open);
  });

  test('/not-me from a security email', async ({ app, page, user }) => {
    await app.open('/reset');
    await app.completeReset(user.username, NEW_PASSWORD);
    const [mail] = await sentEmails(`${user.username}@example.com`);
    await app.open(/href="([^"]+\/not-me\/link\?t=[^"]+)"/.exec(mail.body)![1]);
    await expect(page.locator('form button[type=submit]')).toBeVisible();
    await inEachScript(page, app, '/not-me from an email', async () => {
      await expect(page.locator('form button[type=submit]')).toBeVisible();
    });
  });

  test('/sign-in with wrong credentials', async ({ app, page, user }) => {
    const wrong = async () => {
      await page.locator('#username').fill(user.username);
      await page.locator('#password').fill('Wrong-Passw0rd!');
      await page.locator('form button[type=submit]').first().click();
      await expect(page.locator('#error-summary')).toBeVisible();
    };
    await app.open('/sign-in');
    await wrong();
    await inEachScript(page, app, '/sign-in with wrong credentials', wrong);
  });

  test('/reset/confirm with a code sent', async ({ app, page, user }) => {
    await app.open('/reset');
    await app.requestCode(user.username);
    await inEachScript(page, app, '/reset/confirm');
  });

  test('/reset/confirm with a rule error', async ({ app, page, user }) => {
    await app.open('/reset');
    await app.requestCode(user.username);
    const code = await latestCode(user.username);
    const short = async (a: App) => {
      await a.enterCode(code, 'short');
      await expect(page.locator('#error-summary')).toBeVisible();
    };
    await short(app);
    await inEachScript(page, app, '/reset/confirm with a rule error', short);
  });

  test('/sign-in with the success notice', async ({ app, page }) => {
    // The notice is shown once: a reset of its own for each script.
    const reset = async (a: App) => {
      const user = await createUser();
      await a.open('/reset');
      await a.completeReset(user.username, NEW_PASSWORD);
    };
    await reset(app);
    await inEachScript(page, app, '/sign-in with the success notice', reset);
  });

  for (const path of ['/account', '/account/password', '/account/security']) {
    test(`${path} signed in`, async ({ app, page, user }) => {
      await app.open('/sign-in');
      await app.signIn(user);
      await expect(page).toHaveURL(/\/account$/);
      if (path !== '/account') await app.open(path);
      await inEachScript(page, app, path);
    });
  }

  test('/account/security with a code to verify the email', async ({ app, page }) => {
    const user = await createUser('unverified');
    await app.open('/sign-in');
    await app.signIn(user);
    await expect(page).toHaveURL(/\/account$/);
    await app.open('/account/security');
    await page.locator('[data-contact="email"]').getByRole('button', { name: app.t.security.contact_verify }).click();
    await expect(page.locator('#verify-contact')).toBeVisible();
    await inEachScript(page, app, '/account/security verifying the email');
  });

  test('/account/security with new recovery codes', async ({ app, page, user }) => {
    await app.open('/sign-in');
    await app.signIn(user);
    await expect(page).toHaveURL(/\/account$/);
    await app.open('/account/security');
    await page.getByRole('button', { name: app.t.security.recovery_create }).click();
    await expect(page.locator('#new-recovery-codes')).toBeVisible();
    await inEachScript(page, app, '/account/security with new recovery codes');
  });

  test('/sign-in/recovery with a wrong recovery code', async ({ app, page }) => {
    const user = await totpUser();
    await app.open(`${MFA}/sign-in`);
    await app.signIn(user);
    await expect(page).toHaveURL(/\/sign-in\/code$/);
    const wrong = async (a: App) => {
      await a.open(`${MFA}/sign-in/recovery`);
      await page.getByLabel(a.t.recovery.code_label).fill('0000-0000-0000-0000');
      await page.getByLabel(a.t.form.password, { exact: true }).fill(user.password);
      await page.getByRole('button', { name: a.t.recovery.submit }).click();
      await expect(a.errorSummary()).toBeVisible();
    };
    await wrong(app);
    await inEachScript(page, app, '/sign-in/recovery with a wrong code', wrong);
  });

  test('/sign-in/lost with a wrong code, then the request pending', async ({ app, page }) => {
    const user = await totpUser();
    await app.open(`${MFA}/sign-in`);
    await app.signIn(user);
    await expect(page).toHaveURL(/\/sign-in\/code$/);
    await app.open(`${MFA}/sign-in/lost`);
    await page.locator('form[action$="/mfa/lost/send"] button').first().click();
    const [mail] = await sentEmails(`${user.username}@example.com`);
    const code = /letter-spacing:4px" dir="ltr">(\d{6})</.exec(mail.body)![1];
    const wrong = async () => {
      await page.locator('input[name=code]').fill(code === '000000' ? '111111' : '000000');
      await page.locator('form[action$="/mfa/lost/confirm"] button').click();
      await expect(page.locator('#error-summary')).toBeVisible();
    };
    await wrong();
    await inEachScript(page, app, '/sign-in/lost with a wrong code', wrong);
    await page.locator('input[name=code]').fill(code);
    await page.locator('form[action$="/mfa/lost/confirm"] button').click();
    await expect(page.locator('#lost-pending')).toBeVisible();
    await expectAccessible(page, app.js, '/sign-in/lost pending', 'light', 'ar');
  });

  test('/account/security with passkeys offered', async ({ app, page }) => {
    await app.open(`${PASSKEY}/sign-in`);
    await app.signIn(passkeyUser());
    await expect(page).toHaveURL(/\/account$/);
    await app.open(`${PASSKEY}/account/security`);
    await expect(page.locator('#passkeys')).toBeVisible();
    await inEachScript(page, app, '/account/security with passkeys');
  });

  test('/sign-in with a passkey button', async ({ app, page }) => {
    await app.open(`${PASSKEY}/sign-in`);
    await inEachScript(page, app, '/sign-in with a passkey button');
  });

  test('/account with the passkey offer', async ({ app, page }) => {
    // The offer is made once: a sign-in of its own for each script.
    const offered = async (a: App) => {
      await a.open(`${PASSKEY}/sign-in`);
      await a.signIn(temporaryUser());
      await a.setNewPassword(NEW_PASSWORD);
      await expect(page.locator('aside.offer')).toBeVisible();
    };
    await offered(app);
    await inEachScript(page, app, '/account with the passkey offer', offered);
  });

  test('/new-password after a temporary password', async ({ app, page, tempUser }) => {
    await app.open('/sign-in');
    await app.signIn(tempUser);
    await expect(page).toHaveURL(/\/new-password$/);
    await inEachScript(page, app, '/new-password');
  });

  test('/sign-in/invitation for an expired invitation', async ({ app, page }) => {
    const user = await createUser('temporary', STATES_POOL);
    await app.open(`${STATES}/sign-in`);
    await app.signIn(user);
    await expect(page).toHaveURL(/\/sign-in\/invitation$/);
    await inEachScript(page, app, '/sign-in/invitation');
  });

  test('/sign-in/confirm for a sign-up never confirmed, with a wrong code', async ({ app, page }) => {
    const user = await signedUpUser();
    await app.open(`${STATES}/sign-in`);
    await app.signIn(user);
    await expect(page).toHaveURL(/\/sign-in\/confirm$/);
    const wrong = async (a: App) => {
      await page.getByLabel(a.t.form.code).fill('000000');
      await page.getByRole('button', { name: a.t.confirm_sign_up.submit }).click();
      await expect(a.errorSummary()).toBeVisible();
    };
    await wrong(app);
    await inEachScript(page, app, '/sign-in/confirm with a wrong code', wrong);
  });

  test('/sign-in/setup with an authenticator app to set up', async ({ app, page }) => {
    const user = await createUser('temporary', MFA_POOL);
    await app.open(`${MFA}/sign-in`);
    await app.signIn(user);
    await app.setNewPassword(NEW_PASSWORD);
    await expect(page).toHaveURL(/\/sign-in\/setup$/);
    await inEachScript(page, app, '/sign-in/setup');
  });

  test('/sign-in/setup when no second factor can be set up here', async ({ app, page }) => {
    const user = await createUser('temporary', SMS_POOL);
    await app.open(`${SMS_MFA}/sign-in`);
    await app.signIn(user);
    await app.setNewPassword(NEW_PASSWORD);
    await expect(page).toHaveURL(/\/sign-in\/setup$/);
    await expect(page.getByRole('status')).toContainText(app.t.mfa.kind_sms);
    await expect(page.locator('#totp-key')).toHaveCount(0);
    await inEachScript(page, app, '/sign-in/setup without a factor to set up');
  });

  test('/sign-in/code for an authenticator app', async ({ app, page }) => {
    const user = await totpUser();
    await app.open(`${MFA}/sign-in`);
    await app.signIn(user);
    await expect(page).toHaveURL(/\/sign-in\/code$/);
    await inEachScript(page, app, '/sign-in/code');
  });

  // The steps moto never sends, from scripts/scripted_cognito.py.
  test('/sign-in/choose with second factors to choose from', async ({ app, page }) => {
    await app.open(`${CHOICE}/sign-in`);
    await app.signIn(scriptedUser());
    await expect(page).toHaveURL(/\/sign-in\/choose$/);
    await inEachScript(page, app, '/sign-in/choose (SELECT_MFA_TYPE)');
  });

  test('/sign-in/choose with first factors to choose from', async ({ app, page }) => {
    await app.open(`${CHOICE}/sign-in`);
    await app.signIn(scriptedUser(), '');
    await expect(page).toHaveURL(/\/sign-in\/choose$/);
    await expect(page.getByRole('link', { name: app.t.mfa.use_password })).toBeVisible();
    await inEachScript(page, app, '/sign-in/choose (SELECT_CHALLENGE)');
  });

  test('/sign-in/code for an email code, with a wrong code', async ({ app, page }) => {
    await app.open(`${CHOICE}/sign-in`);
    await app.signIn(scriptedUser());
    await page.getByLabel(app.t.mfa.kind_email).check();
    await page.getByRole('button', { name: app.t.mfa.continue_ }).click();
    await expect(page).toHaveURL(/\/sign-in\/code$/);
    const wrong = async () => {
      await page.locator('#code').fill('654321');
      await page.locator('form button[type=submit]').first().click();
      await expect(app.errorSummary()).toBeVisible();
    };
    await wrong();
    await inEachScript(page, app, '/sign-in/code (EMAIL_OTP, wrong code)', wrong);
  });

  test('rate-limited', async ({ app, page, user }) => {
    // The instance allows 2 attempts per user; every later one is refused.
    const attempt = async () => {
      await page.goto(`${LIMITED}/reset`);
      if (app.js) await islandsLive(page);
      await page.locator('#username').fill(`${user.username}-a11y`);
      await page.locator('button[type=submit]').click();
    };
    for (let i = 0; i < 2; i++) {
      await attempt();
      await expect(page).toHaveURL(/\/reset\/confirm/);
    }
    const refused = async () => {
      await attempt();
      await expect(page.locator('#error-summary')).toBeVisible();
    };
    await refused();
    await inEachScript(page, app, 'rate-limited', refused);
  });
});

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
  // Its focus ring shows (focused by the page, not a key), 3:1 against the card around it.
  const ring = await page.locator('#error-summary').evaluate((el) => {
    const rgb = (c: string) => (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
    const lum = (c: string) => {
      const [r, g, b] = rgb(c).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const s = getComputedStyle(el);
    const card = getComputedStyle(el.closest('.card') as Element).backgroundColor;
    const [hi, lo] = [lum(s.outlineColor), lum(card)].sort((a, b) => b - a);
    return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), contrast: (hi + 0.05) / (lo + 0.05) };
  });
  expect(ring.style).not.toBe('none');
  expect(ring.width).toBeGreaterThanOrEqual(3);
  expect(ring.contrast).toBeGreaterThanOrEqual(3);
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
