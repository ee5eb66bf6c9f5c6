import { test, expect, latestCode, NEW_PASSWORD, islandsLive } from './fixtures/app';

test('forgot password, code, new password, then sign in with it', async ({ app, page, user }) => {
  await app.open('/reset');
  await app.requestCode(user.username);
  await expect(page.locator('#delivery')).toContainText('We sent a code');
  await expect(page).not.toHaveURL(new RegExp(user.username));
  await expect(page.getByLabel('Code')).toHaveAttribute('autocomplete', 'one-time-code');
  await expect(page.getByLabel('Code')).toHaveAttribute('inputmode', 'numeric');

  await app.enterCode(await latestCode(user.username), NEW_PASSWORD);
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole('status')).toContainText('Your password has been changed');
  await expect(page.getByLabel('Username')).toHaveValue(user.username);

  await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText(`You are signed in as ${user.username}`)).toBeVisible();
  // The next page after a success is loaded from the server (names only in its HTML).
  if (app.js) await islandsLive(page);
});

test('a wrong code keeps the user on the code page, with the resend one click away', async ({ app, page, user }) => {
  await app.open('/reset');
  await app.requestCode(user.username);
  await app.enterCode('moto-confirmation-code:000000', NEW_PASSWORD);
  // moto reports any wrong code as expired (Cognito: CodeMismatchException, covered by mocks).
  await expect(app.errorSummary()).toContainText('That code has expired');
  await expect(page.getByRole('button', { name: 'Send me a new code' })).toBeVisible();
  await expect(page).toHaveURL(/\/reset\/confirm$/);
});

test('password rules are shown before submitting, and enforced after', async ({ app, page, user }) => {
  await app.open('/reset');
  await app.requestCode(user.username);
  const rules = page.locator('#password-rules li');
  await expect(rules).toHaveCount(5);
  await expect(rules.first()).toContainText('at least 8 characters');
  const code = await latestCode(user.username);
  if (app.js) {
    await page.getByLabel('New password', { exact: true }).fill('abc');
    await expect(page.locator('#password-rules li[data-met="true"]')).toHaveCount(1);
    await page.getByLabel('New password', { exact: true }).fill('Abcdef1!');
    await expect(page.locator('#password-rules li[data-met="true"]')).toHaveCount(5);
  }
  await app.enterCode(code, 'short1!');
  await expect(app.errorSummary()).toContainText('Your new password needs at least 8 characters');
  // The code the user typed is kept; the passwords are not.
  await expect(page.getByLabel('Code')).toHaveValue(code);
  // The form posted and the page is new (with JavaScript too): passwords are never sent back.
  await expect(page.getByLabel('New password', { exact: true })).toHaveValue('');

  await app.enterCode(code, NEW_PASSWORD, 'Different-Passw0rd!');
  await expect(app.errorSummary()).toContainText("don't match");
});

test('resend is held back by a cooldown the page shows', async ({ app, page, user }) => {
  await app.open('/reset');
  await app.requestCode(user.username);
  const status = page.locator('#resend-status');
  await expect(status).toContainText(/request a new code in \d+ seconds/);
  const resend = page.getByRole('button', { name: 'Resend code' });
  if (app.js) {
    await expect(resend).toBeDisabled();
    const first = await status.textContent();
    await expect(status).not.toHaveText(first ?? '', { timeout: 3000 });
  } else {
    // Without JavaScript the button stays usable and the server enforces the wait.
    await resend.click();
    await expect(app.errorSummary()).toContainText(/You can request another code in \d+ seconds/);
  }
});

test('wrong account? start over', async ({ app, page, user }) => {
  await app.open('/reset');
  await app.requestCode(user.username);
  await page.getByRole('button', { name: 'Start over' }).click();
  await expect(page).toHaveURL(/\/reset$/);
  await expect(page.getByLabel('Username')).toHaveValue('');
});

test.describe('with a short cooldown', () => {
  test.use({ baseURL: process.env.E2E_URL_SHORT });

  test('resend sends a new code once the cooldown is over', async ({ app, page, user }) => {
    await app.open('/reset');
    await app.requestCode(user.username);
    const first = await latestCode(user.username);
    const resend = page.getByRole('button', { name: 'Resend code' });
    if (app.js) await expect(resend).toBeEnabled({ timeout: 6000 });
    else await page.waitForTimeout(3200);
    await resend.click();
    await expect(page.getByText('We sent you a new code.')).toBeVisible();
    await expect.poll(() => latestCode(user.username)).not.toBe(first);
  });
});
