// Passkeys for real: Chromium's WebAuthn with a CDP virtual authenticator runs the create and
// get ceremonies in the page, against an instance (E2E_URL_PASSKEY) in front of
// scripts/scripted_cognito.py, where py_webauthn is the relying party: it makes the options and
// verifies what the page produced, so a malformed credential is refused and the test fails.
// What Cognito itself does with them is only mocked (app/src/security/tests.rs).
import { Page } from '@playwright/test';
import { test, expect, App, NEW_PASSWORD, texts, LOCALES } from './fixtures/app';
import { PASSKEY, passkeyUser, temporaryUser } from './fixtures/scripted';

/** A platform authenticator with user verification, answering every prompt by itself. */
async function virtualAuthenticator(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true,
      hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  return {
    /** The credentials the authenticator holds (what the page made). */
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
  };
}

/** Changes the client data of the credential the page posts to `url`, on its way. */
async function changeClientData(page: Page, url: string, change: (client: any) => void) {
  await page.route(url, (route) => {
    const credential = JSON.parse(new URLSearchParams(route.request().postData() ?? '').get('credential') ?? '{}');
    const client = JSON.parse(Buffer.from(credential.response.clientDataJSON, 'base64url').toString());
    change(client);
    credential.response.clientDataJSON = Buffer.from(JSON.stringify(client)).toString('base64url');
    route.continue({ postData: new URLSearchParams({ credential: JSON.stringify(credential) }).toString() });
  });
}

async function signedIn(app: App, user: { username: string; password: string }) {
  await app.open(`${PASSKEY}/sign-in`);
  await app.signIn(user);
  await expect(app.page).toHaveURL(/\/account$/);
}

/** Signs in, then adds a passkey from the security page with the browser's authenticator. */
async function withPasskey(app: App, user: { username: string; password: string }) {
  await signedIn(app, user);
  await app.open(`${PASSKEY}/account/security`);
  await app.page.getByRole('button', { name: app.t.security.add_passkey }).click();
  await expect(app.page.locator('.alert-success')).toContainText(app.t.notice.passkey_added);
}

/** A new user with a passkey in the page's authenticator, signed out again, on the sign-in page. */
async function signedOutWithPasskey(app: App, page: Page) {
  await virtualAuthenticator(page);
  const user = passkeyUser();
  await withPasskey(app, user);
  await page.context().clearCookies();
  await app.open(`${PASSKEY}/sign-in`);
  return user;
}

test('a passkey added on the security page is made by the browser and kept by the pool', async ({ app, page }) => {
  test.skip(!app.js, 'WebAuthn needs JavaScript (the JavaScript-off test is below)');
  const authenticator = await virtualAuthenticator(page);
  const user = passkeyUser();
  await signedIn(app, user);
  await app.open(`${PASSKEY}/account/security`);
  const section = page.locator('#passkeys');
  await expect(section.getByText(app.t.security.no_passkeys)).toBeVisible();
  await section.getByRole('button', { name: app.t.security.add_passkey }).click();

  await expect(page).toHaveURL(/\/account\/security/);
  await expect(page.locator('.alert-success')).toContainText(app.t.notice.passkey_added);
  await expect(section.getByText('Passkey 1')).toBeVisible();
  await expect(section.getByText(app.t.security.no_passkeys)).toHaveCount(0);
  const made = await authenticator.credentials();
  expect(made).toHaveLength(1);
  expect(made[0].rpId).toBe('localhost');
  expect(made[0].isResidentCredential).toBe(true);
});

test('a credential changed on its way to the pool is refused and not kept', async ({ app, page }) => {
  test.skip(!app.js, 'WebAuthn needs JavaScript');
  await virtualAuthenticator(page);
  await signedIn(app, passkeyUser());
  await app.open(`${PASSKEY}/account/security`);
  // The client data is signed over by nothing at registration, but it carries the challenge
  // and origin the relying party checks: another challenge must be refused.
  await changeClientData(page, '**/api/security/passkey/add', (client) => {
    client.challenge = Buffer.from('not the challenge the pool gave').toString('base64url');
  });
  await page.getByRole('button', { name: app.t.security.add_passkey }).click();
  await expect(app.errorSummary()).toContainText(app.t.errors.passkey_expired);
  await expect(page.locator('#passkeys').getByText(app.t.security.no_passkeys)).toBeVisible();
});

test('signing in with a passkey from the sign-in page: no password', async ({ app, page }) => {
  test.skip(!app.js, 'WebAuthn needs JavaScript');
  const authenticator = await virtualAuthenticator(page);
  const user = passkeyUser();
  await withPasskey(app, user);
  await page.getByRole('link', { name: app.t.account.back }).click();
  await page.getByRole('button', { name: app.t.account.sign_out }).click();

  await app.open(`${PASSKEY}/sign-in`);
  await page.getByLabel(app.t.form.username).fill(user.username);
  await page.getByRole('button', { name: app.t.sign_in.passkey }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText(user.username, { exact: true })).toBeVisible();
  // The authenticator was asked: its signature counter moved.
  expect((await authenticator.credentials())[0].signCount).toBeGreaterThan(1);
});

test('an assertion changed on its way is refused: back to the sign-in page, not signed in', async ({ app, page }) => {
  test.skip(!app.js, 'WebAuthn needs JavaScript');
  const user = await signedOutWithPasskey(app, page);
  // The signature covers the client data: another origin in it breaks the signature and the
  // origin check both.
  await changeClientData(page, '**/api/sign-in/passkey', (client) => {
    client.origin = 'https://evil.example';
  });
  await page.getByLabel(app.t.form.username).fill(user.username);
  await page.getByRole('button', { name: app.t.sign_in.passkey }).click();
  await expect(app.errorSummary()).toContainText(app.t.errors.passkey_failed);
  await expect(page).toHaveURL(/\/sign-in$/);
  await app.open(`${PASSKEY}/account`);
  await expect(page).toHaveURL(/\/sign-in$/);
});

test('signing in with a passkey chosen after the username (SELECT_CHALLENGE)', async ({ app, page }) => {
  test.skip(!app.js, 'WebAuthn needs JavaScript');
  const user = await signedOutWithPasskey(app, page);
  await app.signIn(user, '');
  await expect(page).toHaveURL(/\/sign-in\/choose$/);
  await page.getByRole('button', { name: app.t.sign_in.passkey }).click();
  await expect(page).toHaveURL(/\/account$/);
});

test('a user without a passkey is told so, and the typed username stays', async ({ app, page }) => {
  test.skip(!app.js, 'WebAuthn needs JavaScript');
  await virtualAuthenticator(page);
  const user = passkeyUser();
  await app.open(`${PASSKEY}/sign-in`);
  await page.getByLabel(app.t.form.username).fill(user.username);
  await page.getByRole('button', { name: app.t.sign_in.passkey }).click();
  await expect(app.errorSummary()).toContainText(app.t.errors.no_passkey);
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByLabel(app.t.form.username)).toHaveValue(user.username);
});

test('a passkey deleted from the security page no longer signs in', async ({ app, page }) => {
  test.skip(!app.js, 'WebAuthn needs JavaScript');
  await virtualAuthenticator(page);
  const user = passkeyUser();
  await withPasskey(app, user);
  const section = page.locator('#passkeys');
  await section.getByRole('button', { name: app.t.security.delete }).click();
  await expect(page.locator('.alert-success')).toContainText(app.t.notice.passkey_deleted);
  await expect(section.getByText(app.t.security.no_passkeys)).toBeVisible();
  await page.context().clearCookies();

  await app.open(`${PASSKEY}/sign-in`);
  await page.getByLabel(app.t.form.username).fill(user.username);
  await page.getByRole('button', { name: app.t.sign_in.passkey }).click();
  await expect(app.errorSummary()).toContainText(app.t.errors.no_passkey);
});

test('without JavaScript the security page says what adding a passkey needs', async ({ app, page }) => {
  test.skip(app.js, 'the JavaScript-off page');
  await signedIn(app, passkeyUser());
  await app.open(`${PASSKEY}/account/security`);
  const section = page.locator('#passkeys');
  // Said in a <noscript>, which a browser with JavaScript turned off shows (Playwright's
  // switch only stops scripts, so the element is read, not seen).
  expect(await section.locator('noscript').evaluate((e) => e.textContent)).toContain(app.t.security.passkey_needs_js);
  await expect(section.getByRole('button', { name: app.t.security.add_passkey })).toBeHidden();
  await app.open(`${PASSKEY}/sign-in`);
  await expect(page.getByRole('button', { name: app.t.sign_in.passkey })).toBeHidden();
});

test('after a temporary password is replaced, the account page offers a passkey once', async ({ app, page }) => {
  const user = temporaryUser();
  await app.open(`${PASSKEY}/sign-in`);
  await app.signIn(user);
  await expect(page).toHaveURL(/\/new-password$/);
  await app.setNewPassword(NEW_PASSWORD);
  await expect(page).toHaveURL(/\/account$/);
  const offer = page.locator('aside.offer');
  await expect(offer).toContainText(app.t.account.passkey_offer);
  await offer.getByRole('link', { name: app.t.account.passkey_offer_dismiss }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.locator('aside.offer')).toHaveCount(0);
});

test('the passkey offer leads to the passkeys on the security page', async ({ app, page }) => {
  const user = temporaryUser();
  await app.open(`${PASSKEY}/sign-in`);
  await app.signIn(user);
  await app.setNewPassword(NEW_PASSWORD);
  await page.locator('aside.offer').getByRole('link', { name: app.t.account.passkey_offer_add }).click();
  await expect(page).toHaveURL(/\/account\/security#passkeys$/);
  await expect(page.getByRole('heading', { name: app.t.security.passkeys_heading })).toBeVisible();
});

test('the security page speaks every language, passkeys included', async ({ app, page }) => {
  await signedIn(app, passkeyUser());
  const url = new URL(PASSKEY);
  for (const lang of LOCALES) {
    const t = texts(lang);
    await page.context().addCookies([{ name: 'lang', value: lang, domain: url.hostname, path: '/' }]);
    await app.open(`${PASSKEY}/account/security`);
    await expect(page.locator('html')).toHaveAttribute('lang', lang);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.security.title);
    await expect(page.getByRole('heading', { name: t.security.passkeys_heading })).toBeVisible();
    if (app.js) {
      await expect(page.getByRole('button', { name: t.security.add_passkey })).toBeVisible();
    } else {
      expect(await page.locator('#passkeys noscript').evaluate((e) => e.textContent)).toContain(t.security.passkey_needs_js);
    }
  }
});
