// The form script (forms.js), run in node: when a kept new password is put back. (Its busy state
// and the put-back itself run in Chromium: end2end/tests/reset.spec.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const page = { document: { currentScript: null, addEventListener() {}, querySelectorAll: () => [] }, window: { addEventListener() {} } };
vm.createContext(page);
vm.runInContext(readFileSync(new URL('./forms.js', import.meta.url), 'utf8'), page);
const put = (...a) => JSON.parse(JSON.stringify(page.toPutBack(...a)));

const MAX = 120000, at = 1_000_000;
const kept = { path: '/reset/confirm', at, values: { 'new-password': 'Kite-Lamp-9!', 'confirm-password': 'Kite-Lamp-9!' } };

test('a failed post of the same form gets its new password back', () => {
  assert.deepEqual(put(kept, at + 1000, '/reset/confirm', 'code', MAX), Object.entries(kept.values));
  assert.deepEqual(put(kept, at + 1000, '/reset/confirm', '', MAX), Object.entries(kept.values));
});

test('nothing comes back anywhere else, later, after a success, or when the password was the problem', () => {
  for (const [why, args] of [
    ['another page', [kept, at + 1, '/sign-in', 'code']],
    ['no error: the post went through', [kept, at + 1, '/reset/confirm', null]],
    ['too late', [kept, at + MAX + 1, '/reset/confirm', 'code']],
    ['a clock gone back', [kept, at - 1, '/reset/confirm', 'code']],
    ['the new password was refused', [kept, at + 1, '/reset/confirm', 'new-password']],
    ['the two did not match', [kept, at + 1, '/reset/confirm', 'confirm-password']],
    ['nothing kept', [null, at + 1, '/reset/confirm', 'code']],
    ['not what the script writes', [{ path: '/reset/confirm', at: 'x', values: {} }, at, '/reset/confirm', 'code']],
  ]) {
    assert.deepEqual(put(...args, MAX), [], why);
  }
  const odd = { ...kept, values: { 'new-password': 7, 'confirm-password': '' } };
  assert.deepEqual(put(odd, at + 1, '/reset/confirm', 'code', MAX), [], 'only non-empty strings');
});
