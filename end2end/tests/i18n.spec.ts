import { test, expect, islandsLive } from './fixtures/app';

test.describe('in the browser language', () => {
  test.use({ locale: 'ja-JP' });
  test('a Japanese browser gets Japanese pages, errors included', async ({ app, page }) => {
    await app.open('/reset');
    await expect(page.locator('html')).toHaveAttribute('lang', 'ja');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('パスワードをお忘れですか？');
    await expect(page).toHaveTitle(/パスワードを忘れた/);
    await page.getByRole('button', { name: 'コードを送信' }).click();
    await expect(page.locator('#error-summary')).toContainText('ユーザー名を入力してください。');
  });
});

test('the language switcher works with and without JavaScript, right-to-left included', async ({ app, page }) => {
  await app.open('/sign-in');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.getByRole('link', { name: 'العربية' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  if (app.js) await islandsLive(page);
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(page.locator('html')).toHaveAttribute('lang', 'ar');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('تسجيل الدخول');
  // Right to left: the form's text starts at the right edge.
  const align = await page.locator('main').evaluate((el) => getComputedStyle(el).direction);
  expect(align).toBe('rtl');
  await page.getByRole('link', { name: 'English' }).click();
  await expect(page.locator('html')).toHaveAttribute('dir', 'ltr');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
});
