// The sign-in steps moto never sends, JavaScript on and off, against an instance with
// SIGN_IN_FLOW=choice in front of scripts/scripted_cognito.py (E2E_URL_CHOICE): a choice of
// second factor (SELECT_MFA_TYPE), the email code (EMAIL_OTP) with where it went, and
// choice-based sign-in without a password (USER_AUTH → SELECT_CHALLENGE → SMS_OTP).
import { test, expect } from './fixtures/app';
import { CHOICE, CODE, scriptedUser } from './fixtures/scripted';

test('a choice of second factor, then the code sent by email', async ({ app, page }) => {
  const user = scriptedUser();
  await app.open(`${CHOICE}/sign-in`);
  await app.signIn(user);
  await expect(page).toHaveURL(/\/sign-in\/choose$/);
  await expect(page.locator('#time-left')).toContainText(/\d:\d\d/);
  const offered = page.getByRole('group', { name: app.t.mfa.choose_lead });
  for (const kind of [app.t.mfa.kind_sms, app.t.mfa.kind_totp, app.t.mfa.kind_email]) {
    await expect(offered.getByLabel(kind)).toBeEnabled();
  }
  // A second factor is not a first one: no passkey, no way back to the password.
  await expect(page.getByRole('button', { name: app.t.sign_in.passkey })).toHaveCount(0);
  await offered.getByLabel(app.t.mfa.kind_email).check();
  await page.getByRole('button', { name: app.t.mfa.continue_ }).click();

  await expect(page).toHaveURL(/\/sign-in\/code$/);
  await expect(page.locator('#code-lead')).toHaveText(app.t.mfa.code_lead_email.replace('{{ destination }}', '\u2068j***@e***\u2069'));
  await page.getByLabel(app.t.mfa.code_label, { exact: true }).fill('654321');
  await page.getByRole('button', { name: app.t.mfa.verify }).click();
  await expect(app.errorSummary()).toContainText(app.t.errors.wrong_code);
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  await page.getByLabel(app.t.mfa.code_label, { exact: true }).fill(CODE);
  await page.getByRole('button', { name: app.t.mfa.verify }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText(user.username, { exact: true })).toBeVisible();
});

test('no password: pick a one-time code by text message, then signed in', async ({ app, page }) => {
  const user = scriptedUser();
  await app.open(`${CHOICE}/sign-in`);
  await expect(page.getByText(app.t.sign_in.code_hint)).toBeVisible();
  await app.signIn(user, '');
  await expect(page).toHaveURL(/\/sign-in\/choose$/);
  const offered = page.getByRole('group', { name: app.t.mfa.choose_lead });
  await expect(offered.getByLabel(app.t.mfa.kind_email)).toBeEnabled();
  // A passkey is offered as a first factor: the button with JavaScript, what it needs without.
  if (app.js) {
    await expect(page.getByRole('button', { name: app.t.sign_in.passkey })).toBeVisible();
  } else {
    expect(await page.locator('noscript').first().evaluate((e) => e.textContent)).toContain(app.t.sign_in.passkey_needs_browser);
  }
  await expect(page.getByRole('link', { name: app.t.mfa.use_password })).toBeVisible();
  // The options are a plain group under their question: no box for the legend to cross, a gap
  // before "Continue"; the passkey button as wide as "Continue" and apart from the group.
  const box = async (l: import('@playwright/test').Locator) => (await l.boundingBox())!;
  expect(await offered.evaluate((e) => getComputedStyle(e).borderTopWidth)).toBe('0px');
  const legend = await box(offered.locator('legend'));
  const first = await box(offered.locator('.field').first());
  expect(legend.y + legend.height).toBeLessThanOrEqual(first.y);
  const group = await box(offered);
  const go = await box(page.getByRole('button', { name: app.t.mfa.continue_ }));
  expect(go.y - (group.y + group.height)).toBeGreaterThanOrEqual(16);
  if (app.js) {
    const passkey = await box(page.getByRole('button', { name: app.t.sign_in.passkey }));
    expect(Math.abs(passkey.width - go.width)).toBeLessThanOrEqual(1);
    expect(group.y - (passkey.y + passkey.height)).toBeGreaterThanOrEqual(16);
  }
  await offered.getByLabel(app.t.mfa.kind_sms).check();
  await page.getByRole('button', { name: app.t.mfa.continue_ }).click();

  await expect(page).toHaveURL(/\/sign-in\/code$/);
  await expect(page.locator('#code-lead')).toHaveText(app.t.mfa.code_lead_sms.replace('{{ destination }}', '\u2068+*******0123\u2069'));
  await page.getByLabel(app.t.mfa.code_label, { exact: true }).fill(CODE);
  await page.getByRole('button', { name: app.t.mfa.verify }).click();
  await expect(page).toHaveURL(/\/account$/);
});

test('a step cannot be taken twice: going back to the choice after it was made', async ({ app, page }) => {
  const user = scriptedUser();
  await app.open(`${CHOICE}/sign-in`);
  await app.signIn(user);
  await expect(page).toHaveURL(/\/sign-in\/choose$/);
  await page.getByRole('button', { name: app.t.mfa.continue_ }).click();
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  // The choose page now belongs to a step already answered: it sends the user on, not back.
  await app.open(`${CHOICE}/sign-in/choose`);
  await expect(page).not.toHaveURL(/\/sign-in\/choose$/);
});
