// "Forgot your username?" (FORGOT_USERNAME=true on the main instances): from the sign-in page,
// the address typed, the same notice for everyone, the username in an email to that address.
import { test, expect } from './fixtures/app';
import { createUser, sentEmails } from './fixtures/moto';

test('a forgotten username comes by email to the verified address', async ({ app, page }) => {
  const user = await createUser('confirmed');
  await app.open('/sign-in');
  await page.getByRole('link', { name: app.t.sign_in.forgot_username }).click();
  await expect(page).toHaveURL(/\/sign-in\/username$/);
  await page.getByLabel(app.t.security.contact_email).fill('not an address');
  await page.getByRole('button', { name: app.t.forgot_username.send }).click();
  await expect(app.errorSummary()).toContainText(app.t.errors.bad_email);
  await page.getByLabel(app.t.security.contact_email).fill(`${user.username}@example.com`);
  await page.getByRole('button', { name: app.t.forgot_username.send }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole('status')).toContainText(app.t.notice.username_sent);
  const [mail] = await sentEmails(`${user.username}@example.com`);
  expect(mail.subject).toBe(app.t.forgot_username.subject);
  expect(mail.body).toContain(user.username);
});
