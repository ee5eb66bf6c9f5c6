import { test, expect } from './fixtures/app';
import { invitationEmail } from './fixtures/email';

// Every symbol Cognito's password rules allow, and what HTML would read as markup.
const SYMBOLS = '^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+- ';

test('an invitation shows the temporary password exactly as set, and the username never as markup', async ({ page, baseURL }) => {
  const temporary = `Aa1${SYMBOLS}&amp;<b>bold</b>&lt`;
  const username = '<img src=x alt=evil>jane&copy;';
  for (const locale of ['en', 'ar']) {
    const email = invitationEmail(baseURL!, username, temporary, locale);
    await page.setContent(email.html);
    const text = await page.locator('body').innerText();
    expect(text).toContain(temporary);
    expect(text).toContain(username);
    await expect(page.locator('b, img')).toHaveCount(0);
    await expect(page.getByRole('link')).toHaveAttribute('href', /\/sign-in$/);
  }
});
