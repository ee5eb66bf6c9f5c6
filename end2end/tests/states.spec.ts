// The account states that used to dead-end (docs "Account states"), on an instance whose pool
// expires temporary passwords at once and that may send a new invitation (REINVITE=true).
import { test, expect, latestCode, NEW_PASSWORD } from './fixtures/app';
import { createUser, signedUpUser, STATES_POOL } from './fixtures/moto';

test.use({ baseURL: process.env.E2E_URL_STATES });

test('an expired invitation: the right temporary password leads to a new invitation', async ({ app, page }) => {
  const user = await createUser('temporary', STATES_POOL);
  await app.open('/sign-in');
  await app.signIn(user);
  await expect(page).toHaveURL(/\/sign-in\/invitation$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(app.t.invitation.title);
  await page.getByRole('button', { name: app.t.invitation.send }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole('status')).toContainText(app.t.notice.invitation_sent);
  await expect(page.getByLabel(app.t.form.username)).toHaveValue(user.username);
});

test('a sign-up never confirmed: its code, then sign in with the password', async ({ app, page }) => {
  const user = await signedUpUser();
  await app.open('/sign-in');
  await app.signIn(user);
  await expect(page).toHaveURL(/\/sign-in\/confirm$/);
  await page.getByLabel(app.t.form.code).fill('000000');
  await page.getByRole('button', { name: app.t.confirm_sign_up.submit }).click();
  await expect(app.errorSummary()).toBeVisible();
  await page.getByLabel(app.t.form.code).fill(await latestCode(user.username, STATES_POOL));
  await page.getByRole('button', { name: app.t.confirm_sign_up.submit }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole('status')).toContainText(app.t.notice.sign_up_confirmed);
  await expect(page.getByLabel(app.t.form.username)).toHaveValue(user.username);
  await app.signIn(user);
  await expect(page).toHaveURL(/\/account$/);
});

test('a sign-up never confirmed, from the reset page: its code confirms, a reset code follows', async ({ app, page }) => {
  const user = await signedUpUser();
  await app.open('/reset');
  await app.requestCode(user.username);
  await app.enterCode(await latestCode(user.username, STATES_POOL), NEW_PASSWORD);
  await expect(page).toHaveURL(/\/reset\/confirm$/);
  await expect(page.locator('#sign-up-confirmed')).toHaveText(app.t.reset.sign_up_confirmed);
  const code = await latestCode(user.username, STATES_POOL);
  expect(code).toMatch(/^moto-confirmation-code:/);
  await app.enterCode(code, NEW_PASSWORD);
  await expect(page).toHaveURL(/\/sign-in$/);
  await app.signIn(user, NEW_PASSWORD);
  await expect(page).toHaveURL(/\/account$/);
});

test('an invited user asking for a reset gets the page everyone gets, which says an invitation may come instead', async ({ app, page }) => {
  const user = await createUser('temporary', STATES_POOL);
  await app.open('/reset');
  await app.requestCode(user.username);
  await expect(page.locator('#invited-help')).toHaveText(app.t.reset.invited_reinvite);
});
