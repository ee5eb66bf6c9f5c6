import { test, expect } from './fixtures/app';

test('the home page links to both ways in', async ({ app, page }) => {
  await app.open('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Get back into your account');
  await expect(page.getByRole('link', { name: 'Forgot password' })).toHaveAttribute('href', '/reset');
  await expect(page.getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/sign-in');
});

test('the show/hide toggle works only once hydrated', async ({ app, page }) => {
  await app.open('/sign-in');
  const password = page.getByLabel('Password', { exact: true });
  const toggle = page.getByRole('button', { name: /Show/ });
  if (app.js) {
    await expect(toggle).toBeVisible();
    await expect(toggle).toHaveAttribute('aria-pressed', 'false');
    await toggle.click();
    await expect(password).toHaveAttribute('type', 'text');
    // A toggle button keeps its name; its state is aria-pressed.
    await expect(toggle).toHaveAttribute('aria-pressed', 'true');
    await toggle.click();
    await expect(password).toHaveAttribute('type', 'password');
  } else {
    // Without JavaScript the toggle cannot work, so it is not offered.
    await expect(toggle).toBeHidden();
    await expect(password).toHaveAttribute('type', 'password');
  }
});

test('unknown pages say so with a 404', async ({ page }) => {
  const res = await page.goto('/no/such/page');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
});

test('inputs carry the right autocomplete and input modes', async ({ app, page }) => {
  await app.open('/sign-in');
  await expect(page.getByLabel('Username')).toHaveAttribute('autocomplete', 'username');
  await expect(page.getByLabel('Password', { exact: true })).toHaveAttribute('autocomplete', 'current-password');
});
