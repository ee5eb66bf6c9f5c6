// The second factor at sign-in, JavaScript on and off, against the instance whose pool
// requires one (E2E_URL_MFA): an authenticator app set up right after a temporary password
// (the key read off the page, the code computed here, the QR code decoded to the same URI),
// sign-in with an authenticator code, and the text-message code page.
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { test, expect, NEW_PASSWORD, islandsLive } from './fixtures/app';
import { createUser, freshTotp, MFA_POOL, sentEmails, smsUser, totpUser } from './fixtures/moto';

const MFA = process.env.E2E_URL_MFA ?? 'http://127.0.0.1:3000';

test('a temporary password, then an authenticator app set up from the page, then signed in', async ({ app, page }) => {
  const user = await createUser('temporary', MFA_POOL);
  await app.open(`${MFA}/sign-in`);
  await app.signIn(user);
  await expect(page).toHaveURL(/\/new-password$/);
  await app.setNewPassword(NEW_PASSWORD);
  await expect(page).toHaveURL(/\/sign-in\/setup$/);
  if (app.js) await islandsLive(page);

  // The key as the user reads it, and the QR code as a phone's camera reads it.
  const key = (await page.locator('#totp-key').innerText()).replace(/\s/g, '');
  expect(key).toMatch(/^[A-Z2-7]{12,}$/i);
  const png = PNG.sync.read(await page.locator('.qr svg').screenshot());
  const qr = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  const issuer = encodeURIComponent((await page.locator('meta[name=application-name]').getAttribute('content')) ?? '');
  expect(qr?.data).toBe(`otpauth://totp/${issuer}:${user.username}?secret=${key}&issuer=${issuer}&algorithm=SHA1&digits=6&period=30`);
  if (app.js) await expect(page.locator('#copy-key')).toBeVisible();
  else await expect(page.locator('#copy-key')).toBeHidden(); // it needs JavaScript, so it is not offered
  // Numbered steps; on a phone the key opens in the app from the link (the QR code's URI); the
  // last step, right above the field, says what to type there.
  await expect(page.locator('ol.steps > li')).toHaveCount(3);
  await expect(page.locator('#otpauth')).toHaveAttribute('href', qr?.data ?? '');
  await expect(page.locator('#otpauth')).toHaveText(app.t.mfa.open_in_app);
  const hint = await page.locator('#setup-hint').boundingBox();
  const field = page.getByLabel(app.t.mfa.code_label, { exact: true });
  expect(hint!.y).toBeLessThan((await field.boundingBox())!.y);
  await expect(field).toHaveAttribute('aria-describedby', /setup-hint/);
  // Not focused at once: on a phone that would scroll past the QR code.
  await expect(field).not.toBeFocused();

  // A wrong code first: the page says so and keeps the key.
  await page.getByLabel(app.t.mfa.code_label, { exact: true }).fill('000000');
  await page.getByRole('button', { name: app.t.mfa.verify }).click();
  // Worded for an app (nothing was sent): the code it shows now.
  await expect(app.errorSummary()).toContainText(app.t.errors.wrong_app_code);
  await expect(page.locator('#totp-key')).toHaveText(/\S/);

  await page.getByLabel(app.t.mfa.code_label, { exact: true }).fill(await freshTotp(key));
  await page.getByLabel(app.t.mfa.device_name).fill('My phone');
  await page.getByRole('button', { name: app.t.mfa.verify }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText(user.username, { exact: true })).toBeVisible();
  // The chain's success is said, like every other one.
  await expect(page.getByRole('status')).toContainText(app.t.notice.password_set.replace(/\.$/, ''));
});

test('sign in with the code from an authenticator app', async ({ app, page }) => {
  const user = await totpUser();
  await app.open(`${MFA}/sign-in`);
  await app.signIn(user);
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  await expect(page.locator('#code-lead')).toHaveText(app.t.mfa.code_lead_totp);
  await expect(page.locator('#time-left')).toContainText(/\d:\d\d/);
  // The field is where the focus is, as on the sign-in page.
  const field = page.getByLabel(app.t.mfa.code_label, { exact: true });
  await expect(field).toBeFocused();
  // Five digits: caught before Cognito, and the number said.
  await field.fill('12345');
  await page.getByRole('button', { name: app.t.mfa.verify }).click();
  await expect(app.errorSummary()).toContainText('Enter the whole code: it has 6 digits.');
  await page.getByLabel(app.t.mfa.code_label, { exact: true }).fill(await freshTotp(user.secret));
  await page.getByRole('button', { name: app.t.mfa.verify }).click();
  await expect(page).toHaveURL(/\/account$/);
});

test('a text-message code: where it went, and sign in again for a new one', async ({ app, page }) => {
  const user = await smsUser();
  await app.open(`${MFA}/sign-in`);
  await app.signIn(user);
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  // moto does not say where the code went (CODE_DELIVERY_DESTINATION); the masked number is
  // covered with aws-smithy-mocks (mfa/tests.rs).
  await expect(page.locator('#code-lead')).toHaveText(app.t.mfa.code_lead_sms_unknown);
  await page.getByRole('button', { name: app.t.mfa.send_new_code }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByLabel(app.t.form.username)).toHaveValue(user.username);
  await expect(page.getByRole('status')).toContainText(app.t.notice.code_again);
  await app.signIn(user);
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  // moto accepts any text-message code.
  await page.getByLabel(app.t.mfa.code_label, { exact: true }).fill('123456');
  await page.getByRole('button', { name: app.t.mfa.verify }).click();
  await expect(page).toHaveURL(/\/account$/);
});

test('a lost authenticator: recovery codes made on the security page, one used, a new authenticator asked for', async ({ app, page }) => {
  const user = await totpUser();
  await app.open(`${MFA}/sign-in`);
  await app.signIn(user);
  await page.getByLabel(app.t.mfa.code_label, { exact: true }).fill(await freshTotp(user.secret));
  await page.getByRole('button', { name: app.t.mfa.verify }).click();
  await expect(page).toHaveURL(/\/account$/);
  await app.open(`${MFA}/account/security`);
  await expect(page.locator('#recovery-codes')).toContainText(app.t.security.recovery_offer);
  await page.getByRole('button', { name: app.t.security.recovery_create }).click();
  const codes = await page.locator('#new-recovery-codes code').allTextContents();
  expect(codes).toHaveLength(10);
  // Printing needs JavaScript: the button is there only with it.
  await expect(page.getByRole('button', { name: app.t.security.recovery_print })).toHaveCount(app.js ? 1 : 0);
  await page.getByRole('button', { name: app.t.security.recovery_saved }).click();
  await expect(page.locator('#recovery-left')).toContainText('10');

  // The phone is gone.
  await page.context().clearCookies();
  await app.open(`${MFA}/sign-in`);
  await app.signIn(user);
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  await page.getByRole('link', { name: app.t.recovery.link }).click();
  await expect(page).toHaveURL(/\/sign-in\/recovery$/);
  await page.getByLabel(app.t.recovery.code_label).fill('0000-0000-0000-0000');
  await page.getByLabel(app.t.form.password, { exact: true }).fill(user.password);
  await page.getByRole('button', { name: app.t.recovery.submit }).click();
  await expect(app.errorSummary()).toContainText(app.t.errors.wrong_recovery_code);
  await page.getByLabel(app.t.recovery.code_label).fill(codes[2]);
  await page.getByLabel(app.t.form.password, { exact: true }).fill(user.password);
  await page.getByRole('button', { name: app.t.recovery.submit }).click();
  // The pool requires a second factor: a new one is set up at once.
  await expect(page).toHaveURL(/\/sign-in\/setup$/);
});

test('a lost authenticator without recovery codes: a code by email, a request that waits, then a new authenticator', async ({ app, page }) => {
  // The MFA instance runs with MFA_RESET=true and a 3-second MFA_RESET_DELAY_SECS.
  const user = await totpUser();
  const to = `${user.username}@example.com`;
  await app.open(`${MFA}/sign-in`);
  await app.signIn(user);
  await expect(page).toHaveURL(/\/sign-in\/code$/);
  await page.getByRole('link', { name: app.t.lost.link }).click();
  await expect(page).toHaveURL(/\/sign-in\/lost$/);
  await expect(page.locator('#lost-lead')).toContainText(/UTC/);
  await page.getByRole('button', { name: app.t.lost.send }).click();
  const [mail] = await sentEmails(to);
  expect(mail.subject).toBe(app.t.lost.email_subject);
  const code = /letter-spacing:4px" dir="ltr">(\d{6})</.exec(mail.body)![1];
  // A wrong code is said, and the right one records the request.
  const field = page.getByLabel(app.t.mfa.code_label, { exact: true });
  await field.fill(code === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: app.t.lost.confirm }).click();
  await expect(app.errorSummary()).toContainText(app.t.errors.wrong_code);
  await page.getByLabel(app.t.mfa.code_label, { exact: true }).fill(code);
  await page.getByRole('button', { name: app.t.lost.confirm }).click();
  await expect(page.locator('#lost-pending')).toBeVisible();
  // Told at once, with the way to cancel.
  const told = (await sentEmails(to, 2))[1];
  expect(told.subject).toBe(app.t.notify.subject_mfa_reset_requested);
  expect(told.body).toContain(app.t.notify.cancel_button.replace("'", '&#39;'));

  // After the wait, the next sign-in removes the authenticator: this pool requires one, so a
  // new one is set up.
  await page.waitForTimeout(3_000);
  await page.getByRole('link', { name: app.t.new_password.go_to_sign_in }).click();
  await app.signIn(user);
  await expect(page).toHaveURL(/\/sign-in\/setup$/);
  expect((await sentEmails(to, 3))[2].subject).toBe(app.t.notify.subject_mfa_reset_done);
});
