// Screenshots of the pages #34 changed, at a phone's width, in English and Arabic, for the docs
// (docs/screenshots/). Not part of a normal run: `SCREENSHOTS=1 make test` writes them.
import { join } from 'path';
import { Page } from '@playwright/test';
import { test, expect, App, NEW_PASSWORD, islandsLive } from './fixtures/app';
import { createUser, MFA_POOL } from './fixtures/moto';
import { CHOICE, scriptedUser } from './fixtures/scripted';

const MFA = process.env.E2E_URL_MFA ?? 'http://127.0.0.1:3000';
const LIMITED = process.env.E2E_URL_LIMITED ?? 'http://127.0.0.1:3000';
const OUT = join(__dirname, '..', '..', 'docs', 'screenshots');

// One set, with JavaScript (the chromium project only: see playwright.config.ts).
test.use({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });

async function shot(page: Page, name: string, lang: string) {
  await islandsLive(page);
  await page.screenshot({ path: join(OUT, `${name}.${lang}.png`), fullPage: true });
}

for (const lang of ['en', 'ar']) {
  test.describe(lang, () => {
    test.beforeEach(async ({ context, baseURL }) => {
      for (const url of [baseURL!, MFA, LIMITED, CHOICE]) await context.addCookies([{ name: 'lang', value: lang, url }]);
    });

    test('the code page after a wrong code', async ({ page, user }) => {
      const app = new App(page, true, lang);
      await app.open('/reset');
      await app.requestCode(user.username);
      await app.enterCode('moto-confirmation-code:000000', NEW_PASSWORD);
      await expect(app.errorSummary()).toBeVisible();
      await shot(page, 'reset-confirm-wrong-code', lang);
    });

    test('the password shown, with "Hide"', async ({ page }) => {
      const app = new App(page, true, lang);
      await app.open('/sign-in');
      await page.getByLabel(app.t.form.password, { exact: true }).fill('Kite-Lamp-9!');
      await page.locator('button.toggle').first().click();
      await shot(page, 'sign-in-password-shown', lang);
    });

    test('authenticator set-up steps', async ({ page }) => {
      const app = new App(page, true, lang);
      const user = await createUser('temporary', MFA_POOL);
      await app.open(`${MFA}/sign-in`);
      await app.signIn(user);
      await app.setNewPassword(NEW_PASSWORD);
      await expect(page).toHaveURL(/\/sign-in\/setup$/);
      await shot(page, 'sign-in-setup', lang);
    });

    test('the choose page', async ({ page }) => {
      const app = new App(page, true, lang);
      await app.open(`${CHOICE}/sign-in`);
      await app.signIn(scriptedUser(), '');
      await expect(page).toHaveURL(/\/sign-in\/choose$/);
      await shot(page, 'sign-in-choose', lang);
    });

    test('the account page and the security page', async ({ page, user }) => {
      const app = new App(page, true, lang);
      await app.open('/sign-in');
      await app.signIn(user);
      await expect(page).toHaveURL(/\/account$/);
      await shot(page, 'account', lang);
      await app.open('/account/security');
      await shot(page, 'account-security', lang);
    });

    test('the wait page', async ({ page, user }) => {
      const app = new App(page, true, lang);
      for (let i = 0; i < 3; i++) {
        await app.open(`${LIMITED}/sign-in`);
        await app.signIn(user, 'not-the-password');
      }
      await expect(page.locator('#error-summary')).toBeVisible();
      await shot(page, 'wait', lang);
    });
  });
}
