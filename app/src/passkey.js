// The passkey button's ceremony, sent only in pages that have the button (app/src/passkey_button.rs):
// the server's options go to the browser's WebAuthn (`navigator.credentials.create` on the
// security page, `.get` at sign-in, as data-ceremony says) and what it makes goes back to the
// server, which answers with the path of the page to show next (or the error's page).
// Lines that start with `//` and leading spaces are cut before it is sent.
(() => {
  const root = document.getElementById('passkey');
  if (!root) return;
  const d = root.dataset, create = d.ceremony == 'create', K = window.PublicKeyCredential;
  const button = root.querySelector('button'), hint = root.querySelector('.hint'), said = root.querySelector('[role=status]');
  const ok = !!K && typeof K.parseCreationOptionsFromJSON == 'function' && typeof K.parseRequestOptionsFromJSON == 'function';
  button.hidden = !ok;
  hint.hidden = ok;
  root.dataset.live = 'true';
  const post = (url, body) => fetch(url, { method: 'POST', body,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' } });
  button.addEventListener('click', async () => {
    button.disabled = true;
    said.textContent = '';
    // A failed sign-in leaves its error for the sign-in page; a failed new passkey, for this one.
    const fallback = create ? location.pathname : '/sign-in';
    let made;
    try {
      const field = document.getElementById('username');
      const start = await post(d.start, !create && field ? 'username=' + encodeURIComponent(field.value) : '');
      if (start.status != 200) return location.assign(fallback);
      const options = JSON.parse(JSON.parse(await start.text()));
      const publicKey = create ? K.parseCreationOptionsFromJSON(options) : K.parseRequestOptionsFromJSON(options);
      made = await navigator.credentials[create ? 'create' : 'get']({ publicKey });
    } catch (e) {
      made = null;
    }
    if (!made) {
      said.textContent = d.failed;
      button.disabled = false;
      return;
    }
    let status = 0, next = null;
    try {
      const finish = await post(d.finish, 'credential=' + encodeURIComponent(JSON.stringify(made.toJSON())));
      status = finish.status;
      next = JSON.parse(await finish.text());
    } catch (e) {
      if (!status) {
        said.textContent = d.failed;
        button.disabled = false;
        return;
      }
    }
    // A refusal's body is the error (e.g. "PasskeyExpired"), never a page: it goes to the
    // fallback, where the error left for it is shown.
    location.assign(status == 200 && ownPath(next) ? next : fallback);
  });
})();

// A path on this site (not `//host`, not a scheme, not an error's name): the only place the
// script sends the browser after the server answered. Browsers drop tabs and newlines from
// URLs and read `\` as `/`: `/\t/evil.example` is `//evil.example`. So: printable characters
// only, and no second slash or backslash first.
function ownPath(p) {
  return typeof p == 'string' && p[0] == '/' && !/[\s\x00-\x1f\x7f-\x9f]/.test(p) && !/^[\/\\]/.test(p.slice(1));
}
