import { test, expect, latestCode, NEW_PASSWORD, App, islandsLive } from './fixtures/app';
import { resetEmail } from './fixtures/email';

test('the link in the reset email fills in the code, sets the password, and is used up', async ({ app, page, user, browser, baseURL }) => {
  await app.open('/reset');
  await app.requestCode(user.username);
  const code = await latestCode(user.username);
  const email = resetEmail(baseURL!, user.username, code);
  expect(email.subject).toBe('Your code to reset your password');

  // The email is opened on another device, from the mail program (no referrer, no session).
  const phone = await browser.newContext({ javaScriptEnabled: app.js, baseURL });
  const mail = await phone.newPage();
  await mail.setContent(email.html);
  await mail.getByRole('link', { name: 'Choose a new password' }).click();
  await expect(mail).toHaveURL(/\/reset\/confirm$/);
  const p = new App(mail, app.js);
  if (app.js) await islandsLive(mail);
  await expect(mail.locator('#delivery')).toContainText('We filled in the code from your email');
  // The code stays on the server: there is nothing to type, and the page never holds it.
  await expect(mail.getByLabel(p.t.form.code)).toHaveCount(0);
  expect(await mail.content()).not.toContain(code);
  // The code did arrive: no "Didn't get it?" here; the new password is the first field, focused.
  await expect(mail.getByText(p.t.reset.didnt_get_it)).toHaveCount(0);
  await expect(mail.locator('#resend-code')).toHaveCount(0);
  await expect(mail.getByLabel(p.t.form.new_password, { exact: true })).toBeFocused();
  await mail.getByLabel(p.t.form.new_password, { exact: true }).fill(NEW_PASSWORD);
  await mail.getByLabel(p.t.form.confirm_password).fill(NEW_PASSWORD);
  await mail.getByRole('button', { name: p.t.reset.change }).click();
  await expect(mail).toHaveURL(/\/sign-in$/);
  await expect(mail.getByRole('status')).toContainText('Your password has been changed');
  await p.signIn(user, NEW_PASSWORD);
  await expect(mail).toHaveURL(/\/account$/);

  // The same email's link again: a page that says what happened, not an error.
  await mail.setContent(email.html);
  await mail.getByRole('link', { name: 'Choose a new password' }).click();
  await expect(mail).toHaveURL(/\/reset\/link\/used$/);
  await expect(mail.getByRole('heading', { level: 1 })).toHaveText('This link was already used');
  await expect(mail.getByRole('link', { name: 'Sign in with your new password' })).toBeVisible();
  await phone.close();
  // The browser that asked for the code never saw the code in a URL.
  await expect(page).not.toHaveURL(/code|moto/);
});

test('a link cut short by the mail program explains itself on the reset page', async ({ app, page }) => {
  await page.goto('/reset/link?u=jane');
  await expect(page).toHaveURL(/\/reset$/);
  await expect(app.errorSummary()).toContainText('This reset link is incomplete');
  await expect(page.getByLabel(app.t.form.username)).toHaveValue('jane');
});
