import { Browser, Page } from '@playwright/test';
import { test, expect, App, NEW_PASSWORD, LOCALES, latestCode, islandsLive } from './fixtures/app';
import { record } from './fixtures/evidence';
import { createUser, MFA_POOL, SMS_POOL, STATES_POOL, sentEmails, signedUpUser, totpUser } from './fixtures/moto';
import { CHOICE, PASSKEY, passkeyUser, scriptedUser, temporaryUser } from './fixtures/scripted';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const LIMITED = process.env.E2E_URL_LIMITED ?? 'http://127.0.0.1:3000';
const MFA = process.env.E2E_URL_MFA ?? 'http://127.0.0.1:3000';
const SMS_MFA = process.env.E2E_URL_SMS_MFA ?? 'http://127.0.0.1:3000';
const STATES = process.env.E2E_URL_STATES ?? 'http://127.0.0.1:3000';

let browser: Browser;
// The last document each page loaded, as served (a page without JavaScript cannot be read
// back with `page.content()`).
const served = new WeakMap<Page, Promise<string>>();
test.beforeEach(async ({ browser: b, page }) => {
  browser = b;
  page.on('response', (r) => {
    // Every document but a redirect (a 404 page is checked too).
    const redirect = r.status() >= 300 && r.status() < 400;
    if (r.request().isNavigationRequest() && r.request().frame() === page.mainFrame() && !redirect) {
      // The body may never be read when the test ends first (a last redirect): no rejection then.
      served.set(page, r.text().catch(() => ''));
    }
  });
});

/** Where the HTML a page without JavaScript was served is checked: one page per colour scheme
 * and worker, of the app's origin, with axe loaded once. Each check puts the served document
 * into it (its `<html>` attributes, head and body, at the served path) and runs axe there: no
 * navigation and no new copy of axe per check, which made a check cost more than its scan. */
const checkers = new Map<string, { page: Page; origin: string }>();

async function checker(colorScheme: 'light' | 'dark', url: string): Promise<Page> {
  const origin = new URL(url).origin;
  const known = checkers.get(colorScheme);
  if (known && !known.page.isClosed() && known.origin === origin) return known.page;
  const context = await browser.newContext({ colorScheme, javaScriptEnabled: true });
  const page = await context.newPage();
  await page.route(/\.(wasm|js)$/, (r) => r.abort());
  await page.route(`${origin}/__a11y`, (r) => r.fulfill({ contentType: 'text/html; charset=utf-8', body: '<!doctype html><html><head></head><body></body></html>' }));
  await page.goto(`${origin}/__a11y`);
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  checkers.set(colorScheme, { page, origin });
  return page;
}

/** `html` (scripts removed) as `target`'s document, at `url`'s path. */
async function show(target: Page, html: string, url: string) {
  await target.evaluate(async ({ html, path }) => {
    const doc = new DOMParser().parseFromString(html, 'text/html');
    history.replaceState(null, '', path);
    const root = document.documentElement;
    for (const a of [...root.attributes]) root.removeAttribute(a.name);
    for (const a of [...doc.documentElement.attributes]) root.setAttribute(a.name, a.value);
    const isSheet = (n: Node) => n.nodeName === 'LINK' && (n as HTMLLinkElement).rel === 'stylesheet';
    const sheets = (d: Document) => [...d.head.childNodes].filter(isSheet).map((n) => (n as HTMLLinkElement).getAttribute('href')).join(' ');
    const same = sheets(document) === sheets(doc);
    for (const n of [...document.head.childNodes]) if (!same || !isSheet(n)) n.remove();
    const loads: Promise<unknown>[] = [];
    for (const n of [...doc.head.childNodes]) {
      if (same && isSheet(n)) continue;
      const copy = document.importNode(n, true);
      if (isSheet(copy)) loads.push(new Promise((done) => { copy.addEventListener('load', done); copy.addEventListener('error', done); }));
      document.head.appendChild(copy);
    }
    document.body.replaceWith(document.importNode(doc.body, true));
    await Promise.all(loads);
  }, { html, path: new URL(url).pathname + new URL(url).search });
}

/** Runs axe on the page as the user sees it: with JavaScript, the live document once its
 * islands woke (serialized); without, the HTML as served. Either is checked in a [`checker`]
 * page at the same path, so its stylesheet and links resolve as they do for the user (scripts
 * are not run there: a page without JavaScript cannot load axe, and a live one has already run
 * what changes it). */
async function expectAccessible(page: Page, js: boolean, state: string, colorScheme: 'light' | 'dark' = 'light', language?: string) {
  const html = (js ? await page.content() : await served.get(page)!).replace(/<script[\s\S]*?<\/script>/g, '');
  const target = await checker(colorScheme, page.url());
  await show(target, html, page.url());
  // Violations only: axe skips writing up what passed (a third of a check's time).
  const violations: { id: string; targets: string[] }[] = await target.evaluate(async (tags) => {
    const axe = (window as any).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v: any) => ({ id: v.id, targets: v.nodes.map((n: any) => n.target.join(' ')) }));
  }, TAGS);
  const lang = await target.evaluate(() => document.documentElement.lang);
  // `aria-current="page"` only on a link to this very page (not on "Cancel and go back to sign
  // in" from a page below /sign-in).
  const misplaced = await target.evaluate(() =>
    [...document.querySelectorAll('a[aria-current="page"]')]
      .map((a) => new URL((a as HTMLAnchorElement).href).pathname)
      .filter((p) => p !== location.pathname));
  record({ kind: 'axe', state, lang, js, scheme: colorScheme, violations: violations.length + misplaced.length });
  expect(misplaced, `${state}: aria-current on links to other pages`).toEqual([]);
  const summary = violations.map((v) => `${v.id}: ${v.targets.join(', ')}`);
  expect(summary, `${state} (${lang})`).toEqual([]);
  if (language) expect(lang, `${state}: the page is in ${language}`).toBe(language);
}

// The checker finds what it should: a field without a label and grey on white are reported
// (a checker that silently checked nothing would pass every page).
test('the checker reports what axe should find', async ({ app, page }) => {
  await app.open('/sign-in');
  const target = await checker('light', page.url());
  await show(target, '<!doctype html><html lang="en"><head><title>t</title></head><body><main><p style="color:#ccc;background:#fff">faint</p><input id="x"></main></body></html>', page.url());
  const ids = await target.evaluate(async (tags) => {
    const r = await (window as any).axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v: any) => v.id).sort();
  }, TAGS);
  expect(ids).toEqual(expect.arrayContaining(['color-contrast', 'label']));
});

/** The locales every page and state is checked in: all of them (`A11Y_LOCALES=en,ja,ar` to
 * check fewer while working on a page by hand; the conformance report then refuses the run). */
const SCANNED = process.env.A11Y_LOCALES ? process.env.A11Y_LOCALES.split(',') : LOCALES;

/** The locales the running state test checks (half of them: see [`stateTest`]). */
let chunk: string[] = SCANNED;

/** A page or state, checked in every locale in `parts` tests of a share of the locales each
 * (each well within its time, and the two workers share them; a state whose every showing
 * takes a whole flow gets more parts): `body` reaches the state in English and calls
 * [`inEachLocale`]. */
function stateTest(name: string, body: (args: { app: App; page: Page }) => Promise<void>, parts = 2) {
  for (const [i, part] of split(parts)) {
    test(`${name} (${i}/${parts})`, async ({ app, page }) => {
      chunk = part;
      await body({ app, page });
    });
  }
}

/** The scanned locales in `parts` runs of (nearly) equal length, numbered from 1. */
function split(parts: number): [number, string[]][] {
  const size = Math.ceil(SCANNED.length / parts);
  return Array.from({ length: parts }, (_, i) => [i + 1, SCANNED.slice(i * size, (i + 1) * size)] as [number, string[]])
    .filter(([, part]) => part.length > 0);
}

/** Checks the page in each locale of the running [`stateTest`]. The state is reached once, in
 * English; then the app's own switcher (`/language/<code>?back=<this page>`) changes the
 * language and `again` (given the page's driver in that language) brings back what a reload
 * does not: a kept error or notice is shown once. Without `again` the page is simply shown
 * again. */
async function inEachLocale(page: Page, app: App, state: string, again?: (a: App) => Promise<void>) {
  for (const code of chunk) {
    if (code !== (await page.evaluate(() => document.documentElement.lang))) {
      const url = new URL(page.url());
      await page.goto(`${url.origin}/language/${code}?back=${encodeURIComponent(url.pathname)}`);
      if (again) await again(new App(page, app.js, code));
      if (app.js) await islandsLive(page);
    }
    await expectAccessible(page, app.js, state, 'light', code);
  }
}

test.describe('every page and state, in every locale', () => {
  test.use({ locale: 'en-US' });

  for (const path of ['/', '/reset', '/sign-in', '/reset/confirm', '/reset/link/used', '/not-me', '/new-password', '/sign-in/username', '/no-such-page']) {
    stateTest(`${path} empty`, async ({ app, page }) => {
      await app.open(path);
      // A page a visitor lands on without a state (a 404, a used link) is opened again.
      await inEachLocale(page, app, `${path} empty`, async () => {
        if (new URL(page.url()).pathname !== path) await page.goto(path);
      });
    });
  }

  stateTest('/reset with a field error', async ({ app, page }) => {
    const submit = async () => {
      await page.locator('button[type=submit]').click();
      await expect(page.locator('#error-summary')).toBeVisible();
    };
    await app.open('/reset');
    await submit();
    await inEachLocale(page, app, '/reset with an error', submit);
  });

  stateTest('/reset after a broken email link', async ({ app, page }) => {
    const open = async () => {
      await page.goto('/reset/link?u=jane');
      await expect(page.locator('#error-summary')).toBeVisible();
    };
    await open();
    await inEachLocale(page, app, '/reset after a broken link', open);
  });

  stateTest('/not-me from a security email', async ({ app, page }) => {
    const user = await createUser();
    await app.open('/reset');
    await app.completeReset(user.username, NEW_PASSWORD);
    const [mail] = await sentEmails(`${user.username}@example.com`);
    await app.open(/href="([^"]+\/not-me\/link\?t=[^"]+)"/.exec(mail.body)![1]);
    await expect(page.locator('form button[type=submit]')).toBeVisible();
    await inEachLocale(page, app, '/not-me from an email', async () => {
      await expect(page.locator('form button[type=submit]')).toBeVisible();
    });
  });

  stateTest('/sign-in with wrong credentials', async ({ app, page }) => {
    const user = await createUser();
    const wrong = async () => {
      await page.locator('#username').fill(user.username);
      await page.locator('#password').fill('Wrong-Passw0rd!');
      await page.locator('form button[type=submit]').first().click();
      await expect(page.locator('#error-summary')).toBeVisible();
    };
    await app.open('/sign-in');
    await wrong();
    await inEachLocale(page, app, '/sign-in with wrong credentials', wrong);
  });

  stateTest('/reset/confirm with a code sent', async ({ app, page }) => {
    const user = await createUser();
    await app.open('/reset');
    await app.requestCode(user.username);
    await inEachLocale(page, app, '/reset/confirm');
  });

  stateTest('/reset/confirm with a rule error', async ({ app, page }) => {
    const user = await createUser();
    await app.open('/reset');
    await app.requestCode(user.username);
    const code = await latestCode(user.username);
    const short = async (a: App) => {
      await a.enterCode(code, 'short');
      await expect(page.locator('#error-summary')).toBeVisible();
    };
    await short(app);
    await inEachLocale(page, app, '/reset/confirm with a rule error', short);
  });

  stateTest('/sign-in with the success notice', async ({ app, page }) => {
    // The notice is shown once: a reset of its own for each locale.
    const reset = async (a: App) => {
      const user = await createUser();
      await a.open('/reset');
      await a.completeReset(user.username, NEW_PASSWORD);
    };
    await reset(app);
    await inEachLocale(page, app, '/sign-in with the success notice', reset);
  }, 4);

  for (const path of ['/account', '/account/password', '/account/security']) {
    stateTest(`${path} signed in`, async ({ app, page }) => {
      const user = await createUser();
      await app.open('/sign-in');
      await app.signIn(user);
      await expect(page).toHaveURL(/\/account$/);
      if (path !== '/account') await app.open(path);
      await inEachLocale(page, app, path);
    });
  }

  stateTest('/account/security with a code to verify the email', async ({ app, page }) => {
    const user = await createUser('unverified');
    await app.open('/sign-in');
    await app.signIn(user);
    await expect(page).toHaveURL(/\/account$/);
    await app.open('/account/security');
    await page.locator('[data-contact="email"]').getByRole('button', { name: app.t.security.contact_verify }).click();
    await expect(page.locator('#verify-contact')).toBeVisible();
    await inEachLocale(page, app, '/account/security verifying the email');
  });

  stateTest('/account/security with new recovery codes', async ({ app, page }) => {
    const user = await createUser();
    await app.open('/sign-in');
    await app.signIn(user);
    await expect(page).toHaveURL(/\/account$/);
    await app.open('/account/security');
    await page.getByRole('button', { name: app.t.security.recovery_create }).click();
    await expect(page.locator('#new-recovery-codes')).toBeVisible();
    await inEachLocale(page, app, '/account/security with new recovery codes');
  });

  stateTest('/sign-in/recovery with a wrong recovery code', async ({ app, page }) => {
    const user = await totpUser();
    await app.open(`${MFA}/sign-in`);
    await app.signIn(user);
    await expect(page).toHaveURL(/\/sign-in\/code$/);
    const wrong = async (a: App) => {
      await a.open(`${MFA}/sign-in/recovery`);
      await page.getByLabel(a.t.recovery.code_label, { exact: true }).fill('0000-0000-0000-0000');
      await page.getByLabel(a.t.form.password, { exact: true }).fill(user.password);
      await page.getByRole('button', { name: a.t.recovery.submit }).click();
      await expect(a.errorSummary()).toBeVisible();
    };
    await wrong(app);
    await inEachLocale(page, app, '/sign-in/recovery with a wrong code', wrong);
  }, 3);

  stateTest('/sign-in/lost with a wrong code, then the request pending', async ({ app, page }) => {
    const user = await totpUser();
    await app.open(`${MFA}/sign-in`);
    await app.signIn(user);
    await expect(page).toHaveURL(/\/sign-in\/code$/);
    await app.open(`${MFA}/sign-in/lost`);
    await page.locator('form[action$="/mfa/lost/send"] button').first().click();
    const [mail] = await sentEmails(`${user.username}@example.com`);
    const code = /letter-spacing:4px" dir="ltr">(\d{6})</.exec(mail.body)![1];
    const wrong = async () => {
      await page.locator('input[name=code]').fill(code === '000000' ? '111111' : '000000');
      await page.locator('form[action$="/mfa/lost/confirm"] button').click();
      await expect(page.locator('#error-summary')).toBeVisible();
    };
    await wrong();
    // In the other locales a code too short to try (five wrong ones would void the code).
    const short = async () => {
      await page.locator('input[name=code]').fill('123');
      await page.locator('form[action$="/mfa/lost/confirm"] button').click();
      await expect(page.locator('#error-summary')).toBeVisible();
    };
    await inEachLocale(page, app, '/sign-in/lost with a code error', short);
    await page.locator('input[name=code]').fill(code);
    await page.locator('form[action$="/mfa/lost/confirm"] button').click();
    await expect(page.locator('#lost-pending')).toBeVisible();
    await inEachLocale(page, app, '/sign-in/lost with the request pending');
  }, 3);

  stateTest('/account/security with passkeys offered', async ({ app, page }) => {
    await app.open(`${PASSKEY}/sign-in`);
    await app.signIn(passkeyUser());
    await expect(page).toHaveURL(/\/account$/);
    await app.open(`${PASSKEY}/account/security`);
    await expect(page.locator('#passkeys')).toBeVisible();
    await inEachLocale(page, app, '/account/security with passkeys');
  });

  stateTest('/sign-in with a passkey button', async ({ app, page }) => {
    await app.open(`${PASSKEY}/sign-in`);
    await inEachLocale(page, app, '/sign-in with a passkey button');
  });

  stateTest('/account with the passkey offer', async ({ app, page }) => {
    // The offer is made once: a sign-in of its own for each locale.
    const offered = async (a: App) => {
      await a.open(`${PASSKEY}/sign-in`);
      await a.signIn(temporaryUser());
      await a.setNewPassword(NEW_PASSWORD);
      await expect(page.locator('aside.offer')).toBeVisible();
    };
    await offered(app);
    await inEachLocale(page, app, '/account with the passkey offer', offered);
  }, 4);

  stateTest('/new-password after a temporary password', async ({ app, page }) => {
    const tempUser = await createUser('temporary');
    await app.open('/sign-in');
    await app.signIn(tempUser);
    await expect(page).toHaveURL(/\/new-password$/);
    await inEachLocale(page, app, '/new-password');
  });

  stateTest('/sign-in/invitation for an expired invitation', async ({ app, page }) => {
    const user = await createUser('temporary', STATES_POOL);
    await app.open(`${STATES}/sign-in`);
    await app.signIn(user);
    await expect(page).toHaveURL(/\/sign-in\/invitation$/);
    await inEachLocale(page, app, '/sign-in/invitation');
  });

  stateTest('/sign-in/confirm for a sign-up never confirmed, with a wrong code', async ({ app, page }) => {
    const user = await signedUpUser();
    await app.open(`${STATES}/sign-in`);
    await app.signIn(user);
    await expect(page).toHaveURL(/\/sign-in\/confirm$/);
    const wrong = async (a: App) => {
      await page.getByLabel(a.t.form.code, { exact: true }).fill('000000');
      await page.getByRole('button', { name: a.t.confirm_sign_up.submit }).click();
      await expect(a.errorSummary()).toBeVisible();
    };
    await wrong(app);
    await inEachLocale(page, app, '/sign-in/confirm with a wrong code', wrong);
  });

  stateTest('/sign-in/setup with an authenticator app to set up', async ({ app, page }) => {
    const user = await createUser('temporary', MFA_POOL);
    await app.open(`${MFA}/sign-in`);
    await app.signIn(user);
    await app.setNewPassword(NEW_PASSWORD);
    await expect(page).toHaveURL(/\/sign-in\/setup$/);
    await inEachLocale(page, app, '/sign-in/setup');
  });

  stateTest('/sign-in/setup when no second factor can be set up here', async ({ app, page }) => {
    const user = await createUser('temporary', SMS_POOL);
    await app.open(`${SMS_MFA}/sign-in`);
    await app.signIn(user);
    await app.setNewPassword(NEW_PASSWORD);
    await expect(page).toHaveURL(/\/sign-in\/setup$/);
    await expect(page.getByRole('status')).toContainText(app.t.mfa.kind_sms);
    await expect(page.locator('#totp-key')).toHaveCount(0);
    await inEachLocale(page, app, '/sign-in/setup without a factor to set up');
  });

  stateTest('/sign-in/code for an authenticator app', async ({ app, page }) => {
    const user = await totpUser();
    await app.open(`${MFA}/sign-in`);
    await app.signIn(user);
    await expect(page).toHaveURL(/\/sign-in\/code$/);
    await inEachLocale(page, app, '/sign-in/code');
  });

  // The steps moto never sends, from scripts/scripted_cognito.py.
  stateTest('/sign-in/choose with second factors to choose from', async ({ app, page }) => {
    await app.open(`${CHOICE}/sign-in`);
    await app.signIn(scriptedUser());
    await expect(page).toHaveURL(/\/sign-in\/choose$/);
    await inEachLocale(page, app, '/sign-in/choose (SELECT_MFA_TYPE)');
  });

  stateTest('/sign-in/choose with first factors to choose from', async ({ app, page }) => {
    await app.open(`${CHOICE}/sign-in`);
    await app.signIn(scriptedUser(), '');
    await expect(page).toHaveURL(/\/sign-in\/choose$/);
    await expect(page.getByRole('link', { name: app.t.mfa.use_password })).toBeVisible();
    await inEachLocale(page, app, '/sign-in/choose (SELECT_CHALLENGE)');
  });

  stateTest('/sign-in/code for an email code, with a wrong code', async ({ app, page }) => {
    await app.open(`${CHOICE}/sign-in`);
    await app.signIn(scriptedUser());
    await page.getByLabel(app.t.mfa.kind_email, { exact: true }).check();
    await page.getByRole('button', { name: app.t.mfa.continue_ }).click();
    await expect(page).toHaveURL(/\/sign-in\/code$/);
    const wrong = async () => {
      await page.locator('#code').fill('654321');
      await page.locator('form button[type=submit]').first().click();
      await expect(app.errorSummary()).toBeVisible();
    };
    await wrong();
    await inEachLocale(page, app, '/sign-in/code (EMAIL_OTP, wrong code)', wrong);
  });

  stateTest('rate-limited', async ({ app, page }) => {
    const user = await createUser();
    // The instance allows 2 attempts per user; every later one is refused.
    const attempt = async () => {
      await page.goto(`${LIMITED}/reset`);
      if (app.js) await islandsLive(page);
      await page.locator('#username').fill(`${user.username}-a11y`);
      await page.locator('button[type=submit]').click();
    };
    for (let i = 0; i < 2; i++) {
      await attempt();
      await expect(page).toHaveURL(/\/reset\/confirm/);
    }
    const refused = async () => {
      await attempt();
      await expect(page.locator('#error-summary')).toBeVisible();
    };
    await refused();
    await inEachLocale(page, app, 'rate-limited', refused);
  }, 3);
});

test.describe('dark theme', () => {
  test.use({ colorScheme: 'dark' });
  for (const path of ['/', '/reset', '/sign-in']) {
    test(`${path} keeps AA contrast in the dark theme`, async ({ app, page }) => {
      await app.open(path);
      await expectAccessible(page, app.js, `${path} dark`, 'dark');
    });
  }
  test('an error keeps AA contrast in the dark theme', async ({ app, page }) => {
    await app.open('/sign-in');
    await page.locator('button[type=submit]').click();
    await expect(page.locator('#error-summary')).toBeVisible();
    await expectAccessible(page, app.js, '/sign-in error dark', 'dark');
  });
});

const ANONYMOUS_PAGES = ['/', '/reset', '/sign-in', '/reset/confirm', '/sign-in/username', '/not-me', '/sign-in/invitation'];

test('usable at 320 px wide: nothing scrolls sideways (1.4.10)', async ({ app, page }) => {
  await page.setViewportSize({ width: 320, height: 640 });
  for (const path of ANONYMOUS_PAGES) {
    await app.open(path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, path).toBeLessThanOrEqual(0);
  }
  record({ kind: 'check', criterion: '1.4.10', name: 'no sideways scrolling at 320 CSS px', js: app.js, items: ANONYMOUS_PAGES.length });
});

/** What of the page is cut off or scrolls sideways: elements that clip their own text. */
async function clipped(page: Page) {
  return page.evaluate(() => {
    const out: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth) out.push('the page scrolls sideways');
    for (const el of document.querySelectorAll<HTMLElement>('main *, header *, footer *')) {
      const s = getComputedStyle(el);
      // (Text for screen readers only is clipped to a pixel on purpose.)
      if (el.closest('.visually-hidden')) continue;
      const clips = ['hidden', 'clip'].includes(s.overflowX) || ['hidden', 'clip'].includes(s.overflowY);
      if (clips && el.textContent?.trim() && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) {
        out.push(`${el.tagName.toLowerCase()}.${el.className}: ${el.textContent.trim().slice(0, 40)}`);
      }
    }
    return out;
  });
}

/** Adds the reader's own `css` to the page (without JavaScript too: the page's scripts are
 * off, not the browser's). */
async function userStyle(page: Page, css: string) {
  await page.evaluate((css) => {
    const style = document.createElement('style');
    style.textContent = css;
    document.head.append(style);
  }, css);
}

// A reader's own style sheet is not the page's: the page's CSP does not apply to it.
test.describe('the reader\'s own styles', () => {
  test.use({ bypassCSP: true });
test('text spacing and text at 200 %: nothing is cut off (1.4.12, 1.4.4)', async ({ app, page }) => {
  const pages = ['/sign-in', '/reset', '/reset/confirm', '/sign-in/username'];
  for (const path of pages) {
    await app.open(path);
    // WCAG 1.4.12's spacing, set by the reader's own style sheet.
    await userStyle(page, '* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }');
    expect(await clipped(page), `${path} with text spacing`).toEqual([]);
    await app.open(path);
    // Text alone at 200 % (the browser's text-only zoom), on a laptop's width.
    await userStyle(page, 'html { font-size: 200% !important; }');
    expect(await clipped(page), `${path} at 200 %`).toEqual([]);
  }
  record({ kind: 'check', criterion: '1.4.12', name: 'WCAG text spacing: no text cut off', js: app.js, items: pages.length });
  record({ kind: 'check', criterion: '1.4.4', name: 'text at 200 %: no text cut off, no sideways scrolling', js: app.js, items: pages.length });
});
});

/** Whether the focused element shows it (an outline or a ring) and is not hidden: inside the
 * viewport, and the element at its centre is itself or inside it. */
async function focusShown(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { tag: 'body', shown: true, visible: true };
    const s = getComputedStyle(el);
    const shown = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
    const r = el.getBoundingClientRect();
    const x = Math.min(Math.max(r.left + r.width / 2, 0), window.innerWidth - 1);
    const y = Math.min(Math.max(r.top + r.height / 2, 0), window.innerHeight - 1);
    const top = document.elementFromPoint(x, y);
    const inView = r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth;
    const visible = inView && !!top && (top === el || el.contains(top) || top.contains(el));
    return { tag: `${el.tagName.toLowerCase()}#${el.id}${el.textContent?.trim().slice(0, 20) ?? ''}`, shown, visible };
  });
}

test('focus is always shown and never hidden, at phone size, Tab by Tab (2.4.7, 2.4.11)', async ({ app, page }) => {
  await page.setViewportSize({ width: 320, height: 640 });
  let stops = 0;
  for (const path of ANONYMOUS_PAGES) {
    await app.open(path);
    if (app.js) await islandsLive(page);
    // Every stop until the focus leaves the page (or comes round again).
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const f = await focusShown(page);
      if (f.tag === 'body') break;
      expect(f.shown, `${path}: focus not shown on ${f.tag}`).toBe(true);
      expect(f.visible, `${path}: ${f.tag} is hidden when focused`).toBe(true);
      stops++;
    }
  }
  expect(stops).toBeGreaterThan(ANONYMOUS_PAGES.length * 3);
  record({ kind: 'check', criterion: '2.4.11', name: 'every Tab stop in view and uncovered at 320×640', js: app.js, items: stops });
  record({ kind: 'check', criterion: '2.4.7', name: 'every Tab stop shows a focus indicator', js: app.js, items: stops });
});

test('signing in needs no memory test: fields take paste and password managers (3.3.8)', async ({ app, page, user }) => {
  const want: Record<string, string> = {
    username: 'username', password: 'current-password', current_password: 'current-password',
    new_password: 'new-password', confirm_password: 'new-password', code: 'one-time-code',
  };
  let fields = 0;
  const check = async (path: string) => {
    await app.open(path);
    for (const input of await page.locator('main input:not([type=hidden]):not([type=checkbox])').all()) {
      const id = (await input.getAttribute('id')) ?? '';
      if (want[id]) expect(await input.getAttribute('autocomplete'), `${path} #${id}`).toBe(want[id]);
      // A paste reaches the field: nothing cancels it.
      const cancelled = await input.evaluate((el) => {
        const data = new DataTransfer();
        data.setData('text/plain', 'pasted');
        const e = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true });
        return !el.dispatchEvent(e);
      });
      expect(cancelled, `${path} #${id}: paste cancelled`).toBe(false);
      fields++;
    }
  };
  for (const path of ['/sign-in', '/reset']) await check(path);
  await app.open('/reset');
  await app.requestCode(user.username);
  await check('/reset/confirm');
  await app.open('/sign-in');
  await app.signIn(user);
  await expect(page).toHaveURL(/\/account$/);
  await check('/account/password');
  expect(fields).toBeGreaterThanOrEqual(8);
  record({ kind: 'check', criterion: '3.3.8', name: 'password, code and username fields accept paste and autofill', js: app.js, items: fields });
});

test('keyboard only: skip link, then request a code and sign in', async ({ app, page, user }) => {
  await app.open('/reset');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press('Enter');
  // Into the form: the username field comes first.
  await tabTo(page, '#username');
  await expect(page.locator('#username')).toBeFocused();
  await page.keyboard.type(user.username);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/reset\/confirm/);
  // Focus is visible on whatever has it.
  await page.keyboard.press('Tab');
  const outline = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement;
    const s = getComputedStyle(el);
    return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  });
  expect(outline).toBe(true);
  walked += 2;
  walkDone('the skip link, then a code requested', app.js);
});

test('a failed submit puts focus on the error summary, which links to the field', async ({ app, page }) => {
  await app.open('/sign-in');
  await page.locator('button[type=submit]').click();
  // The page comes back from the server with the summary focused (autofocus: no script needed).
  await expect(page.locator('#error-summary')).toBeFocused();
  // Its focus ring shows (focused by the page, not a key), 3:1 against the card around it.
  const ring = await page.locator('#error-summary').evaluate((el) => {
    const rgb = (c: string) => (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
    const lum = (c: string) => {
      const [r, g, b] = rgb(c).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const s = getComputedStyle(el);
    const card = getComputedStyle(el.closest('.card') as Element).backgroundColor;
    const [hi, lo] = [lum(s.outlineColor), lum(card)].sort((a, b) => b - a);
    return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), contrast: (hi + 0.05) / (lo + 0.05) };
  });
  expect(ring.style).not.toBe('none');
  expect(ring.width).toBeGreaterThanOrEqual(3);
  expect(ring.contrast).toBeGreaterThanOrEqual(3);
  await expect(page.locator('#username')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#username')).toHaveAttribute('aria-describedby', 'username-error');
  await expect(page.locator('#username-error')).toContainText('Enter your username.');
  // Following its link focuses the field (an island; a plain link only scrolls to it).
  if (!app.js) return;
  await islandsLive(page);
  await page.locator('#error-summary a').click();
  await expect(page.locator('#username')).toBeFocused();
});

/** Tab stops of the keyboard walk in progress (each one's focus checked as shown). */
let walked = 0;

/** Presses Tab (only) until `selector` has the focus; every stop on the way shows its focus. */
async function tabTo(page: Page, selector: string) {
  for (let i = 0; i < 40; i++) {
    if (await page.locator(selector).evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press('Tab');
    const f = await focusShown(page);
    if (f.tag !== 'body') {
      expect(f.shown, `focus not shown on ${f.tag}`).toBe(true);
      walked++;
    }
  }
  await expect(page.locator(selector)).toBeFocused();
}

/** Records a finished keyboard-only walk. */
function walkDone(name: string, js: boolean) {
  record({ kind: 'walk', name, js, stops: walked });
  walked = 0;
}

test('keyboard only: forgot password, code, new password', async ({ app, page, user }) => {
  await app.open('/reset');
  await tabTo(page, '#username');
  await page.keyboard.type(user.username);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/reset\/confirm/);
  await tabTo(page, '#code');
  await page.keyboard.type(await latestCode(user.username));
  await tabTo(page, '#new_password');
  await page.keyboard.type(NEW_PASSWORD);
  await tabTo(page, '#confirm_password');
  await page.keyboard.type(NEW_PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/sign-in/);
  walkDone('forgot password: username, code, new password', app.js);
});

test('keyboard only: sign in, change the password (Space ticks), sign out everywhere', async ({ app, page, user }) => {
  await app.open('/sign-in');
  await tabTo(page, '#username');
  await page.keyboard.type(user.username);
  await tabTo(page, '#password');
  await page.keyboard.type(user.password);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/account$/);
  await tabTo(page, 'a[href="/account/password"]');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/account\/password$/);
  await tabTo(page, '#current_password');
  await page.keyboard.type(user.password);
  await tabTo(page, '#new_password');
  await page.keyboard.type('Third-Passw0rd!');
  await tabTo(page, '#confirm_password');
  await page.keyboard.type('Third-Passw0rd!');
  await tabTo(page, '#sign_out_everywhere');
  await page.keyboard.press('Space');
  await expect(page.locator('#sign_out_everywhere')).toBeChecked();
  // Shift+Tab goes back to the confirmation field (or its show toggle, with JavaScript).
  await page.keyboard.press('Shift+Tab');
  const back = await page.evaluate(() => document.activeElement?.id || document.activeElement?.getAttribute('aria-controls'));
  expect(back).toBe('confirm_password');
  await tabTo(page, 'button.primary[type=submit]');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/sign-in/);
  walkDone('sign in, change the password, sign out everywhere', app.js);
});

test('keyboard only: a temporary password, then a new one', async ({ app, page, tempUser }) => {
  await app.open('/sign-in');
  await tabTo(page, '#username');
  await page.keyboard.type(tempUser.username);
  await tabTo(page, '#password');
  await page.keyboard.type(tempUser.password);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/new-password$/);
  await tabTo(page, '#new_password');
  await page.keyboard.type(NEW_PASSWORD);
  await tabTo(page, '#confirm_password');
  await page.keyboard.type(NEW_PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/account$/);
  walkDone('a temporary password, then a new one', app.js);
});
