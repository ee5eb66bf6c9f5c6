// What every form does in a browser with JavaScript (app/src/form_script.rs writes it into each
// page, after the page's forms). Without it the forms post as they always do; this only adds:
// - a busy state while a form posts: its button is disabled, says what data-busy says and the
//   form is aria-busy; a second press is held back until BUSY_MS have passed, then allowed again
//   (a slow network must not leave the page stuck), and going back to the page wakes it;
// - the new password kept across a failed post, in this tab only: the page that comes back after
//   a wrong code has empty fields (the server never sends a password back), so the typed new
//   password is held in sessionStorage from the post to the next page, and put back only when
//   that page is the same form again and its error is not about the new password. Any page that
//   loads next removes it at once, whatever it is.
// Lines that start with `//` and leading spaces are cut before it is sent.
(() => {
  const BUSY_MS = 10000, KEEP_MS = 120000, KEY = 'kept-new-password';
  const me = document.currentScript, busy = me ? me.dataset.busy : '';
  const store = (() => { try { return window.sessionStorage; } catch (e) { return null; } })();
  const fields = (form) => Array.from(form.querySelectorAll('input[autocomplete="new-password"]'));
  const wake = (form) => {
    const b = form.querySelector('button[data-label]');
    if (b) { b.disabled = false; b.textContent = b.dataset.label; b.removeAttribute('data-label'); }
    form.removeAttribute('aria-busy');
    delete form.dataset.busySince;
  };
  document.addEventListener('submit', (e) => {
    const form = e.target;
    if (e.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    const since = Number(form.dataset.busySince || 0);
    if (since && Date.now() - since < BUSY_MS) { e.preventDefault(); return; }
    const typed = fields(form).filter((f) => f.value);
    if (store && typed.length) {
      const kept = { path: location.pathname, at: Date.now(), values: {} };
      typed.forEach((f) => { kept.values[f.id] = f.value; });
      try { store.setItem(KEY, JSON.stringify(kept)); } catch (err) { /* full or refused: nothing kept */ }
    }
    const button = e.submitter || form.querySelector('button[type=submit]');
    form.dataset.busySince = String(Date.now());
    form.setAttribute('aria-busy', 'true');
    // Disabled after the post has started (a disabled submitter would not be sent).
    setTimeout(() => {
      if (!button || !form.dataset.busySince) return;
      if (busy && !button.dataset.label) { button.dataset.label = button.textContent; button.textContent = busy; }
      button.disabled = true;
    }, 0);
    setTimeout(() => wake(form), BUSY_MS);
  });
  // Back to a page the browser kept as it was (busy): usable again.
  window.addEventListener('pageshow', (e) => { if (e.persisted) document.querySelectorAll('form').forEach(wake); });
  // A "Print" button: hidden in the page (without JavaScript it could do nothing), shown here.
  document.querySelectorAll('button[data-print]').forEach((b) => {
    b.hidden = false;
    b.addEventListener('click', () => window.print());
  });
  if (!store) return;
  let kept = null;
  try { kept = JSON.parse(store.getItem(KEY)); } catch (err) { kept = null; }
  store.removeItem(KEY);
  const link = document.querySelector('#error-summary a[href^="#"]');
  const about = link ? link.getAttribute('href').slice(1) : null;
  const shown = document.getElementById('error-summary') ? about || '' : null;
  for (const [id, value] of toPutBack(kept, Date.now(), location.pathname, shown, KEEP_MS)) {
    const f = document.getElementById(id);
    if (!f || f.value || f.getAttribute('autocomplete') !== 'new-password') continue;
    f.value = value;
    f.dispatchEvent(new Event('input', { bubbles: true }));
  }
})();
// What to put back of `kept` (what a post held: its page, when, the new-password fields' values)
// on the page at `path`, `now`, whose error summary is about the field `about` ('' when about no
// field, null when the page shows no error): nothing unless it is the same form, failed, soon
// after, and not because of the new password itself.
function toPutBack(kept, now, path, about, maxAge) {
  if (!kept || typeof kept !== 'object' || about === null) return [];
  if (typeof kept.at !== 'number' || now < kept.at || now - kept.at > maxAge) return [];
  if (kept.path !== path || !kept.values || typeof kept.values !== 'object') return [];
  const entries = Object.entries(kept.values).filter(([, v]) => typeof v === 'string' && v);
  if (entries.some(([id]) => id === about)) return [];
  return entries;
}
