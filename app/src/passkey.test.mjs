// The passkey button's script (passkey.js), run in node: where it may send the browser.
// (Its ceremony runs in Chromium with a virtual authenticator: end2end/tests/passkey.spec.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const page = { document: { getElementById: () => null } };
vm.createContext(page);
vm.runInContext(readFileSync(new URL('./passkey.js', import.meta.url), 'utf8'), page);

test('the script sends the browser only to paths of this site', () => {
  for (const p of ['/account/security', '/account', '/sign-in/code?x=1']) assert.equal(page.ownPath(p), true, p);
  for (const p of ['PasskeyExpired', '//evil.example/x', '/\\evil.example', 'https://evil.example',
    '/\t/evil.example', '/\n/evil.example', '/ /evil.example', '/a\u0085b', '', null, 7]) {
    assert.equal(page.ownPath(p), false, JSON.stringify(p));
  }
});
