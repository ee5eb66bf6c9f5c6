// The focus ring's contrast, computed from style/main.css: WCAG 2.2 (1.4.11, 2.4.13) asks 3:1
// against what is next to it; the ring is drawn 2px outside the element, on the page's own
// backgrounds, so it must reach 3:1 against every one of them, in each theme.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const css = readFileSync(new URL('./main.css', import.meta.url), 'utf8');

/** The custom properties of the first `:root { … }` after `from` (the light theme at 0). */
function theme(from) {
  const start = css.indexOf(':root', from);
  const body = css.slice(start, css.indexOf('}', start));
  return Object.fromEntries([...body.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})/g)].map((m) => [m[1], m[2]]));
}

function luminance(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const light = theme(0);
const dark = { ...light, ...theme(css.indexOf('prefers-color-scheme: dark')) };

for (const [name, vars] of [['light', light], ['dark', dark]]) {
  test(`the ${name} theme's focus ring stands out 3:1 on every background`, () => {
    const backgrounds = Object.keys(vars).filter((k) => k === 'bg' || k === 'card' || k.endsWith('-bg'));
    assert.ok(backgrounds.length >= 6, backgrounds.join());
    for (const bg of backgrounds) {
      const c = contrast(vars.focus, vars[bg]);
      assert.ok(c >= 3, `${name}: --focus ${vars.focus} on --${bg} ${vars[bg]} is ${c.toFixed(2)}:1`);
    }
  });
}

test('the contrast is computed as WCAG defines it', () => {
  assert.equal(contrast('#000000', '#ffffff').toFixed(0), '21');
  assert.equal(contrast('#ffbf47', '#ffffff').toFixed(2), '1.64');
});

test('the error summary shows the ring when its page focuses it', () => {
  assert.match(css, /#error-summary:focus \{ outline: 3px solid var\(--focus\)/);
});
