import { test, expect, NEW_PASSWORD, islandsLive, latestCode } from './fixtures/app';
import { sentEmails } from './fixtures/moto';

test.describe('security notifications', () => {
  test('after a reset the user gets an email, and "This wasn\'t me" signs them out everywhere and starts a reset', async ({ app, page, user }) => {
    await app.open('/reset');
    await app.completeReset(user.username, NEW_PASSWORD);
    const [mail] = await sentEmails(`${user.username}@example.com`);
    expect(mail.subject).toBe('Your password was reset');
    expect(mail.source).toBe('Account security <security@example.com>');
    expect(mail.body).not.toContain(NEW_PASSWORD);
    // The address isolated: it keeps its order in a right-to-left email.
    expect(mail.body).toContain('IP address \u2068127.0.0.1\u2069');

    await page.setContent(mail.body);
    await page.getByRole('link', { name: "This wasn't me" }).click();
    await expect(page).toHaveURL(/\/not-me$/);
    if (app.js) await islandsLive(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText("Wasn't you?");
    await expect(page.locator('.lead')).toContainText('The password of your account was reset with a code.');
    await page.getByRole('button', { name: 'Sign me out everywhere and reset my password' }).click();
    await expect(page).toHaveURL(/\/reset\/confirm$/);
    await expect(page.getByRole('status').first()).toContainText('You are now signed out everywhere');

    // The reset it started, then the next sign-in: a review of every way in first.
    const secured = `${NEW_PASSWORD}2`;
    await app.enterCode(await latestCode(user.username), secured);
    await expect(page).toHaveURL(/\/sign-in/);
    await app.signIn(user, secured);
    await expect(page).toHaveURL(/\/account\/security$/);
    await expect(page.getByRole('heading', { name: 'Check how you sign in' })).toBeVisible();
    await page.getByRole('button', { name: 'I have checked everything' }).click();
    await expect(page).toHaveURL(/\/account\/security$/);
    await expect(page.getByRole('heading', { name: 'Check how you sign in' })).toHaveCount(0);

    // The same link again: used up, and the page says what to do instead.
    await page.setContent(mail.body);
    await page.getByRole('link', { name: "This wasn't me" }).click();
    await expect(page).toHaveURL(/\/not-me$/);
    await expect(page.getByRole('status')).toContainText('This link has expired or was already used');
    await expect(page.getByRole('link', { name: 'Reset your password now' })).toBeVisible();
  });
});
