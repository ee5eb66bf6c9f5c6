import { test, expect, NEW_PASSWORD, islandsLive } from './fixtures/app';

test('a temporary password leads to a new password and signs in', async ({ app, page, tempUser }) => {
  await app.open('/sign-in');
  await app.signIn(tempUser);
  await expect(page).toHaveURL(/\/new-password$/);
  await expect(page.locator('#time-left')).toContainText(/Time left for this step: [23]:\d\d/);
  await app.setNewPassword(NEW_PASSWORD);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText(`You are signed in as ${tempUser.username}`)).toBeVisible();
  // The next page after a success is loaded from the server (names only in its HTML).
  if (app.js) await islandsLive(page);
});

test('a weak new password is refused with the rules', async ({ app, page, tempUser }) => {
  await app.open('/sign-in');
  await app.signIn(tempUser);
  await expect(page).toHaveURL(/\/new-password$/);
  await app.setNewPassword('password');
  await expect(app.errorSummary()).toContainText('Your new password needs');
  await expect(page).toHaveURL(/\/new-password$/);
});

test.describe('with a 3 second challenge', () => {
  test.use({ baseURL: process.env.E2E_URL_SHORT });

  test('an expired challenge sends the user back to sign in with a clear message', async ({ app, page, tempUser }) => {
    await app.open('/sign-in');
    await app.signIn(tempUser);
    await expect(page).toHaveURL(/\/new-password$/);
    if (app.js) {
      // The countdown runs out in the open tab and the page moves on by itself.
      await expect(page).toHaveURL(/\/sign-in$/, { timeout: 8000 });
    } else {
      await page.waitForTimeout(3300);
      await app.setNewPassword(NEW_PASSWORD);
      await expect(page).toHaveURL(/\/sign-in$/);
    }
    await expect(page.getByRole('status')).toContainText('the step expired');
    await expect(page.getByLabel('Username')).toHaveValue(tempUser.username);
  });
});
