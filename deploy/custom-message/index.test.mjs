// `node --test deploy/custom-message/` (part of `make test`): the trigger on Cognito's event
// shapes, with Cognito's own placeholder substitution simulated to read the link back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { handler, languageOf, originOf } from './index.mjs';
import { MESSAGES, RTL } from './messages.mjs';
import { render } from './generate.mjs';

process.env.PUBLIC_ORIGIN = 'https://reset.example.com';

/** A custom-message event as Cognito sends it (developer guide, "Custom message Lambda trigger"). */
function event(triggerSource, { userName = 'jane', attributes = {}, usernameParameter = null } = {}) {
  return {
    version: '1',
    triggerSource,
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_AbCdEf123',
    userName,
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: '1example23456789' },
    request: {
      userAttributes: { sub: '6f8e0d3c-1111-4222-8333-944455556666', email_verified: 'true', 'cognito:user_status': 'CONFIRMED', email: 'jane@example.com', ...attributes },
      codeParameter: '{####}',
      linkParameter: '{##Click Here##}',
      usernameParameter,
    },
    response: { smsMessage: null, emailMessage: null, emailSubject: null },
  };
}

/** What Cognito does with the message before sending it. */
const delivered = (message, code = '123456', username = 'jane') => message.replaceAll('{####}', code).replaceAll('{username}', username);
/** The links, as a mail client reads them (HTML entities decoded). */
const unescape = (s) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]);
const hrefs = (html) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => unescape(m[1]));

test('the reset email has the code and a link that carries the username and the code', async () => {
  const out = await handler(event('CustomMessage_ForgotPassword'));
  assert.equal(out.response.emailSubject, MESSAGES.en.reset_subject);
  assert.ok(out.response.emailMessage.includes('{####}'), 'Cognito needs its placeholder in the message');
  assert.equal(out.response.smsMessage, null, 'text messages are left to Cognito');
  const html = delivered(out.response.emailMessage);
  assert.ok(html.includes('123456'));
  const [link] = hrefs(html);
  const url = new URL(link);
  assert.equal(url.origin + url.pathname, 'https://reset.example.com/reset/link');
  assert.equal(url.searchParams.get('u'), 'jane');
  assert.equal(url.searchParams.get('c'), '123456');
  assert.ok(out.response.emailMessage.length < 20000, 'Cognito allows 20,000 characters');
});

test('a username with HTML and URL characters is escaped in the text and exact in the link', async () => {
  const name = `o'brien+<b>x</b>&co@example.com`;
  const out = await handler(event('CustomMessage_ForgotPassword', { userName: name }));
  const html = delivered(out.response.emailMessage, '123456', name);
  assert.ok(!html.includes('<b>x</b>'), 'no markup from the username');
  assert.ok(html.includes('o&#39;brien+&lt;b&gt;x&lt;/b&gt;&amp;co@example.com'));
  assert.equal(new URL(hrefs(html)[0]).searchParams.get('u'), name);
});

test('a username that is a UUID is shown as the email address, and linked as the username', async () => {
  const id = '6f8e0d3c-1111-4222-8333-944455556666';
  const out = await handler(event('CustomMessage_ForgotPassword', { userName: id }));
  const html = delivered(out.response.emailMessage);
  assert.ok(html.includes('<strong>jane@example.com</strong>'));
  assert.equal(new URL(hrefs(html)[0]).searchParams.get('u'), id);
});

test("the user's locale picks the language, and Arabic reads right to left", async () => {
  for (const [locale, lang] of [['ja', 'ja'], ['pt_BR', 'pt-BR'], ['pt-PT', 'pt-BR'], ['zh-TW', 'zh-Hant'], ['zh_CN', 'zh-Hans'], ['de-AT', 'de'], ['xx', 'en'], [undefined, 'en']]) {
    const attributes = locale ? { locale } : {};
    const out = await handler(event('CustomMessage_ForgotPassword', { attributes }));
    assert.equal(out.response.emailSubject, MESSAGES[lang].reset_subject, String(locale));
    assert.ok(out.response.emailMessage.includes(`lang="${lang}"`), String(locale));
  }
  const ar = await handler(event('CustomMessage_ForgotPassword', { attributes: { locale: 'ar' } }));
  assert.ok(ar.response.emailMessage.includes('dir="rtl"'));
  // The address and the code keep their own order inside the Arabic text.
  assert.ok(ar.response.emailMessage.includes('<bdi><strong>jane</strong></bdi>'));
  assert.ok(ar.response.emailMessage.includes('<bdi dir="ltr"><strong'));
  const invite = await handler(event('CustomMessage_AdminCreateUser', { usernameParameter: '{username}', attributes: { locale: 'ar' } }));
  assert.ok(invite.response.emailMessage.includes('\u2068{username}\u2069') && invite.response.emailMessage.includes('\u2068{####}\u2069'));
  assert.equal(languageOf('ko-KR'), 'ko');
  // Old and macro-language codes, and a region the app does not name.
  for (const [tag, lang] of [['iw', 'he'], ['in', 'id'], ['no', 'nb'], ['nb_NO', 'nb'], ['nn-NO', 'nb'], ['zh-HK', 'zh-Hant'], ['zh', 'zh-Hans'], ['PT-br', 'pt-BR'], ['sv-FI', 'sv'], ['uk-UA', 'uk']]) {
    if (Object.hasOwn(MESSAGES, lang)) assert.equal(languageOf(tag), lang, tag);
  }
  for (const lang of RTL) assert.ok(Object.hasOwn(MESSAGES, lang), lang);
});

test("an admin-created user's invitation has both placeholders and never puts the password in a link", async () => {
  const out = await handler(event('CustomMessage_AdminCreateUser', { usernameParameter: '{username}' }));
  const message = out.response.emailMessage;
  assert.ok(message.includes('{username}') && message.includes('{####}'), 'Cognito refuses a message without both');
  assert.deepEqual(hrefs(message), ['https://reset.example.com/sign-in']);
  assert.equal(out.response.emailSubject, MESSAGES.en.invite_subject);
});

// Every symbol Cognito's password policy allows (and a space), the ones HTML reads first.
const SYMBOLS = '^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+- ';

test('the temporary password and the username stand where HTML reads only text', async () => {
  for (const lang of Object.keys(MESSAGES)) {
    const out = await handler(event('CustomMessage_AdminCreateUser', { usernameParameter: '{username}', attributes: { locale: lang } }));
    const message = out.response.emailMessage;
    // Cognito fills the placeholders after the trigger, unescaped.
    const password = `Aa1${SYMBOLS}&amp;<b>x</b></plaintext>`;
    const username = '<img src=x onerror=alert(1)>&lt;';
    const sent = message.split('{####}').join(password).split('{username}').join(username);
    const start = sent.search(/<plaintext[^>]*>/i);
    assert.ok(start > 0, lang);
    // Before the start tag: no placeholder, nothing Cognito fills in.
    assert.ok(!message.slice(0, start).includes('{####}') && !message.slice(0, start).includes('{username}'), lang);
    // After it, the HTML parser is in its PLAINTEXT state to the end: what is there is the text
    // shown, character for character (the browser check is end2end/tests/invite.spec.ts).
    const text = sent.slice(sent.indexOf('>', start) + 1);
    assert.ok(text.includes(password), `${lang}: the password shows as set`);
    assert.ok(text.includes(username), `${lang}: the username is text`);
    assert.equal(text, MESSAGES[lang].invite_lead.replace('{username}', `\u2068${username}\u2069`).replace('{code}', `\u2068${password}\u2069`), lang);
  }
});

test('every other message is left exactly as Cognito writes it', async () => {
  for (const source of ['CustomMessage_SignUp', 'CustomMessage_ResendCode', 'CustomMessage_UpdateUserAttribute', 'CustomMessage_VerifyUserAttribute', 'CustomMessage_Authentication']) {
    assert.deepEqual(await handler(event(source)), event(source), source);
  }
});

test('without a usable PUBLIC_ORIGIN nothing changes (a reset is never blocked)', async () => {
  for (const value of [undefined, '', 'http://reset.example.com', 'https://reset.example.com/path', 'javascript:alert(1)']) {
    if (value === undefined) delete process.env.PUBLIC_ORIGIN;
    else process.env.PUBLIC_ORIGIN = value;
    assert.deepEqual(await handler(event('CustomMessage_ForgotPassword')), event('CustomMessage_ForgotPassword'), String(value));
  }
  process.env.PUBLIC_ORIGIN = 'https://reset.example.com';
  assert.equal(originOf('http://127.0.0.1:3000'), 'http://127.0.0.1:3000');
});

test("the emails speak every one of the app's languages, with every text", () => {
  const appLocales = readdirSync(new URL('../../app/locales/', import.meta.url)).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
  assert.deepEqual(Object.keys(MESSAGES).sort(), appLocales);
  const keys = Object.keys(MESSAGES.en).sort();
  for (const [lang, texts] of Object.entries(MESSAGES)) {
    assert.deepEqual(Object.keys(texts).sort(), keys, lang);
    assert.ok(texts.reset_code.includes('{code}') && texts.reset_lead.includes('{username}'), lang);
    assert.ok(texts.invite_lead.includes('{code}') && texts.invite_lead.includes('{username}'), lang);
  }
});

test('messages.mjs is what generate.mjs makes of app/locales (the words have one source)', () => {
  assert.equal(readFileSync(new URL('./messages.mjs', import.meta.url), 'utf8'), render());
});
