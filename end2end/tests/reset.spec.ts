import { test, expect, latestCode, NEW_PASSWORD, islandsLive } from './fixtures/app';

test('forgot password, code, new password, then sign in with it', async ({ app, page, user }) => {
  await app.open('/reset');
  await app.requestCode(user.username);
  await expect(page.locator('#delivery')).toContainText('We sent a code');
  await expect(page).not.toHaveURL(new RegExp(user.username));
  await expect(page.getByLabel('Code')).toHaveAttribute('autocomplete', 'one-time-code');
  await expect(page.getByLabel('Code')).toHaveAttribute('inputmode', 'numeric');
  // The code is the page's first field and has the focus, as the username has on /sign-in.
  await expect(page.getByLabel('Code')).toBeFocused();

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

test('a wrong code keeps the user on the code page: one resend control, the new password kept with JavaScript', async ({ app, page, user }) => {
  await app.open('/reset');
  await app.requestCode(user.username);
  await app.enterCode('moto-confirmation-code:000000', NEW_PASSWORD);
  // moto reports any wrong code as expired (Cognito: CodeMismatchException, covered by mocks).
  await expect(app.errorSummary()).toContainText('That code has expired. Get a new code below');
  await expect(page).toHaveURL(/\/reset\/confirm$/);
  if (app.js) await islandsLive(page);
  // One way to another code: the button whose state is the cooldown (no second button that
  // cannot work while it runs).
  const resend = page.locator('form[action="/api/reset/resend"] button');
  await expect(resend).toHaveCount(1);
  await expect(resend).toHaveText('Resend code');
  if (app.js) await expect(resend).toBeDisabled();
  const fields = [page.getByLabel('New password', { exact: true }), page.getByLabel('Confirm new password')];
  for (const f of fields) {
    // Kept in this tab's browser storage across the post (never sent back by the server),
    // only with JavaScript; the code, which was the problem, is empty.
    await expect(f).toHaveValue(app.js ? NEW_PASSWORD : '');
  }
  await expect(page.getByLabel('Code')).toHaveValue('');
  if (app.js) {
    await expect(page.locator('#password-rules li[data-met="true"]')).toHaveCount(5);
    // Read once: the next page load has nothing left to put back.
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.reload();
    await expect(fields[0]).toHaveValue('');
  }
  // Digits are counted before Cognito is asked.
  await page.getByLabel('Code').fill('12345');
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(app.errorSummary()).toContainText('Enter the whole code: it has 6 digits.');
});

test('a posting form is busy with JavaScript, and usable again after a time-out; without, it posts as always', async ({ app, page, user }) => {
  if (!app.js) {
    // Nothing of the form script runs: the post goes through as a plain form's does.
    await app.open('/reset');
    await page.getByLabel('Username').fill(user.username);
    await page.getByRole('button', { name: 'Send code' }).click();
    await expect(page).toHaveURL(/\/reset\/confirm/);
    await expect(page.locator('[aria-busy]')).toHaveCount(0);
    return;
  }
  await page.clock.install();
  await app.open('/reset');
  // The post is held in the page (a listener after the page's own, on window), as a slow
  // network would hold it: the page stays, and what it shows meanwhile can be read.
  await page.evaluate(() => {
    (window as any).held = 0;
    window.addEventListener('submit', (e) => { (window as any).held++; e.preventDefault(); });
  });
  await page.getByLabel('Username').fill(user.username);
  await page.getByRole('button', { name: 'Send code' }).click();
  await expect(page.locator('form[aria-busy="true"]')).toHaveCount(1);
  // Its name says so while it posts.
  const button = page.locator('form[action="/api/reset/request"] button[type=submit]');
  await expect(button).toBeDisabled();
  await expect(button).toHaveText('Please wait…');
  // A second submit (Enter in the field) while it posts is held back by the page itself.
  await page.getByLabel('Username').press('Enter');
  expect(await page.evaluate(() => (window as any).held)).toBe(1);
  // After the time-out it may be tried again.
  await page.clock.runFor(10_500);
  await expect(page.locator('form[aria-busy="true"]')).toHaveCount(0);
  await expect(button).toBeEnabled();
  await expect(button).toHaveText('Send code');
  // And a post that goes through leaves the page as always.
  await page.evaluate(() => window.location.reload());
  await islandsLive(page);
  await app.requestCode(user.username);
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
