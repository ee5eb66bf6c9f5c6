import { test, expect, NEW_PASSWORD, latestCode, islandsLive } from './fixtures/app';

// Run by scripts/scale.sh: nginx (round robin) at E2E_URL_LB in front of instances A and B,
// which share sessions and rate limits through Redis. nginx names the instance that served
// each response in `X-Upstream`.
const LB = process.env.E2E_URL_LB!;
const A = process.env.E2E_UPSTREAM_A!;
const B = process.env.E2E_UPSTREAM_B!;

test.describe.configure({ mode: 'serial' });

function recordUpstreams(page: import('@playwright/test').Page) {
  const seen: string[] = [];
  page.on('response', (r) => {
    // After a failed attempt nginx lists every upstream it tried: the last one answered.
    const u = r.headers()['x-upstream']?.split(',').pop()?.trim();
    // Pages and server-function calls only (never cached); static files may come from the cache.
    const kind = r.request().resourceType();
    if (u && r.url().startsWith(LB) && (kind === 'document' || kind === 'fetch')) seen.push(u);
  });
  return seen;
}

test('a reset flow whose requests alternate between instances completes', async ({ app, page, user }) => {
  const seen = recordUpstreams(page);
  await page.goto(`${LB}/reset`);
  if (app.js) await islandsLive(page);
  await app.requestCode(user.username);
  await expect(page.locator('#delivery')).toContainText('We sent a code');
  await app.enterCode(await latestCode(user.username), NEW_PASSWORD);
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.locator('[role=status]').first()).toContainText('Your password has been changed');
  await app.signIn(user, NEW_PASSWORD);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText(`You are signed in as ${user.username}`)).toBeVisible();
  expect(new Set(seen)).toEqual(new Set([A, B]));
});

test('a flow continues on the other instance after the one it started on is killed', async ({ app, page, user }) => {
  test.skip(!app.js, 'runs once (it kills an instance); the JavaScript-on run comes last');
  const seen = recordUpstreams(page);
  await page.goto(`${LB}/reset`);
  await islandsLive(page);
  await page.getByLabel('Username').fill(user.username);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/reset/request')),
    page.getByRole('button', { name: 'Send code' }).click(),
  ]);
  await expect(page).toHaveURL(/\/reset\/confirm/);
  await islandsLive(page);
  // Kill the instance that started the reset; nginx must carry on with the other one.
  const started = response.headers()['x-upstream'];
  const [victim, survivor] = started === A ? [process.env.E2E_PID_A, B] : [process.env.E2E_PID_B, A];
  process.kill(Number(victim), 'SIGKILL');
  await page.waitForTimeout(500);
  seen.length = 0;
  await app.enterCode(await latestCode(user.username), NEW_PASSWORD);
  await expect(page).toHaveURL(/\/sign-in/);
  await app.signIn(user, NEW_PASSWORD);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText(`You are signed in as ${user.username}`)).toBeVisible();
  expect(new Set(seen)).toEqual(new Set([survivor]));
});
