import { test, expect, islandsLive } from './fixtures/app';

test('the home page links to both ways in', async ({ app, page }) => {
  await app.open('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Get back into your account');
  await expect(page.getByRole('link', { name: 'Forgot password' })).toHaveAttribute('href', '/reset');
  await expect(page.getByRole('link', { name: 'Sign in' })).toHaveAttribute('href', '/sign-in');
});

test('only pages with islands load the WASM, and their islands come alive', async ({ app, page }) => {
  const scripts: string[] = [];
  page.on('request', (r) => {
    if (/\/pkg\/.*\.(wasm|js)$/.test(new URL(r.url()).pathname)) scripts.push(r.url());
  });
  // Pages without an island: no script tag, no WASM, no JavaScript at all.
  for (const path of ['/', '/reset']) {
    await page.goto(path);
    await expect(page.locator('leptos-island')).toHaveCount(0);
    await expect(page.locator('script[type=module]')).toHaveCount(0);
  }
  expect(scripts).toEqual([]);
  // The sign-in page has one (the password field's show/hide).
  await page.goto('/sign-in');
  await expect(page.locator('leptos-island')).toHaveCount(1);
  if (app.js) {
    await islandsLive(page);
    await expect(page.locator('leptos-island [data-live="true"]')).toHaveCount(1);
    expect(scripts.some((u) => u.endsWith('.wasm'))).toBe(true);
  } else {
    // Nothing runs: the field works as a plain password input.
    await page.waitForTimeout(300);
    await expect(page.locator('[data-live]')).toHaveCount(0);
  }
});

test('the show/hide toggle works only once hydrated', async ({ app, page }) => {
  await app.open('/sign-in');
  const password = page.getByLabel('Password', { exact: true });
  const toggle = page.getByRole('button', { name: /Show/ });
  if (app.js) {
    await expect(toggle).toBeVisible();
    await expect(toggle).toHaveAccessibleName('Show Password');
    await toggle.click();
    await expect(password).toHaveAttribute('type', 'text');
    // Its word says what the next press does, to everyone: "Hide" (read "Hide Password").
    const hide = page.getByRole('button', { name: 'Hide Password' });
    await expect(hide).toBeVisible();
    // What is seen: the word "Hide" (the field's name beside it is for screen readers only).
    expect((await hide.innerText()).trim()).toMatch(/^Hide\s*Password$/);
    await expect(hide).not.toHaveAttribute('aria-pressed', /.*/);
    await hide.click();
    await expect(password).toHaveAttribute('type', 'password');
    await expect(toggle).toHaveAccessibleName('Show Password');
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
