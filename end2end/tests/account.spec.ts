import { createUser } from './fixtures/moto';
import { test, expect, NEW_PASSWORD, latestCode } from './fixtures/app';

test('signed in, change password, and the old one no longer works', async ({ app, page, user }) => {
  await app.open('/sign-in');
  await app.signIn(user);
  await expect(page).toHaveURL(/\/account$/);
  await page.getByRole('link', { name: 'Change password' }).click();
  await expect(page).toHaveURL(/\/account\/password$/);
  await page.getByLabel('Current password').fill(user.password);
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('status')).toContainText('Your password has been changed');
  // Done here: the way on to the operator's app (APP_URL, APP_NAME), once, as the main button.
  // (The name is isolated in running text: U+2068 … U+2069.)
  const onward = page.getByRole('link', { name: /^Continue to \u2068?Example Corp\u2069?$/ });
  await expect(onward).toHaveCount(1);
  await expect(onward).toHaveAttribute('href', process.env.E2E_APP_URL ?? '');
  await expect(onward).toHaveClass(/primary/);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole('status')).toContainText('You have signed out');
  await app.signIn(user, user.password);
  await expect(app.errorSummary()).toContainText('Incorrect username or password');
  await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/account$/);
});

test('the change-password page sends anonymous users to sign in', async ({ page }) => {
  await page.goto('/account/password');
  await expect(page).toHaveURL(/\/sign-in$/);
});

test('a wrong password gets one generic message', async ({ app, page, user }) => {
  await app.open('/sign-in');
  await app.signIn(user, 'Wrong-Passw0rd!');
  await expect(app.errorSummary()).toContainText('Incorrect username or password');
  await expect(page.getByLabel('Username')).toHaveValue(user.username);
  await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');
});

test('the security page: the page title a clear step above its section titles', async ({ app, page, user }) => {
  await app.open('/sign-in');
  await app.signIn(user);
  await expect(page).toHaveURL(/\/account$/);
  await app.open('/account/security');
  const size = (sel: string) => page.locator(sel).first().evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  const [h1, h2] = [await size('h1'), await size('h2')];
  expect(h1).toBeGreaterThanOrEqual(h2 * 1.3);
  expect(h2).toBeGreaterThan(16);
});

test('without a verified email: told after sign-in, then verified on the security page', async ({ app, page }) => {
  const user = await createUser('unverified');
  await app.open('/sign-in');
  await app.signIn(user);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.locator('aside.offer')).toContainText(app.t.account.contact_unverified_email);
  await page.getByRole('link', { name: app.t.account.contact_verify }).click();
  await expect(page).toHaveURL(/\/account\/security#contact$/);
  const contact = page.locator('#contact');
  await contact.locator('[data-contact="email"]').getByRole('button', { name: app.t.security.contact_verify }).click();
  const box = page.locator('#verify-contact');
  await expect(box).toContainText(app.t.security.contact_verify_email);
  await box.getByLabel(app.t.form.code).fill(await latestCode(user.username));
  await box.getByRole('button', { name: app.t.security.contact_verify }).click();
  await expect(page.getByRole('status')).toContainText(app.t.notice.contact_verified);
  await expect(contact.locator('[data-contact="email"] .status')).toHaveText(app.t.security.contact_verified);
});
