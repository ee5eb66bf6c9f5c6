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

/** Whether the characters of the first word in `selector` that holds `@` are laid out left to
 *  right, each after the one before (what a reader of the address needs, in any direction). */
async function addressReadsInOrder(page: import('@playwright/test').Page, selector: string) {
  return page.locator(selector).evaluate((main) => {
    const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent ?? '';
      const m = /[^\s\u2068\u2069]*@[^\s\u2068\u2069.]*/.exec(text);
      if (!m) continue;
      const xs = [...m[0]].map((_, i) => {
        const r = document.createRange();
        r.setStart(n, m.index + i);
        r.setEnd(n, m.index + i + 1);
        return r.getBoundingClientRect().x;
      });
      return { address: m[0], inOrder: xs.every((x, i) => i === 0 || x > xs[i - 1]) };
    }
    return { address: '', inOrder: false };
  });
}

test.describe('right to left', () => {
  test.use({ locale: 'ar' });
  test('a masked address keeps its own order in an Arabic sentence', async ({ app, page }) => {
    await app.open('/reset');
    await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
    // An address as the username: the page names where the code went, masked (the same
    // answer for an account that exists and one that does not).
    await app.requestCode('zoe@hotmail.example');
    const seen = await addressReadsInOrder(page, '#delivery');
    expect(seen.address).toMatch(/^z\*+@h\*+$/);
    expect(seen.inOrder, `${seen.address} is laid out out of order`).toBe(true);
  });
});
