// Cognito "Custom message" Lambda trigger (Node.js 22, no dependencies): the reset email gets
// a link that opens the app's code page with the code already filled in, in the user's
// language (the `locale` attribute); the invitation of an admin-created user gets a sign-in
// link. Other messages are left as Cognito writes them.
//
// Settings (Lambda environment): PUBLIC_ORIGIN (the app's origin, as the app's own setting),
// PRODUCT_NAME (optional). A missing or bad PUBLIC_ORIGIN leaves every message unchanged and
// logs one line, so a misconfiguration never blocks a reset.
import { MESSAGES, RTL } from './messages.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Old and macro-language codes for the locales the app has (as `app::text::normalise_tag`). */
const ALIASES = { iw: 'he', in: 'id', no: 'nb', nn: 'nb', pt: 'pt-BR', zh: 'zh-Hans' };

/** The app's language for a `locale` attribute such as `ja`, `pt_BR`, `zh-TW`, `nb-NO`: the
 * exact tag, else its language (region or script dropped), else English. */
export function languageOf(tag) {
  const t = String(tag ?? '').replaceAll('_', '-').toLowerCase();
  if (!t) return 'en';
  if (t.startsWith('zh-')) return /-(tw|hk|mo|hant)\b/.test(t) ? 'zh-Hant' : 'zh-Hans';
  const exact = Object.keys(MESSAGES).find((code) => code.toLowerCase() === t);
  if (exact) return exact;
  const base = t.split('-')[0];
  const code = ALIASES[base] ?? base;
  return Object.hasOwn(MESSAGES, code) ? code : 'en';
}

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

/** `text` with each `{name}` replaced by `values[name]` (already escaped by the caller). */
function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
}

/** The origin the links point to, or null when the setting is missing or not an origin. */
export function originOf(value) {
  try {
    const u = new URL(String(value ?? ''));
    const local = u.protocol === 'http:' && ['127.0.0.1', 'localhost'].includes(u.hostname);
    if ((u.protocol !== 'https:' && !local) || u.pathname !== '/' || u.search || u.hash) return null;
    return u.origin;
  } catch {
    return null;
  }
}

/** `/reset/link?u=…&c=…`: the code stays Cognito's placeholder (`{####}`), which Cognito
 * replaces with the digits when it sends the message, so it must not be URL-encoded. */
export function resetLink(origin, username, codeParameter) {
  return `${origin}/reset/link?u=${encodeURIComponent(username)}&c=${codeParameter}`;
}

function page({ lang, product, subject, paragraphs, link, linkText }) {
  const dir = RTL.has(lang) ? 'rtl' : 'ltr';
  const p = (html) => `<p style="margin:0 0 16px">${html}</p>`;
  const button = `<p style="margin:24px 0"><a href="${escapeHtml(link)}" style="background:#0b5cad;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block">${escapeHtml(linkText)}</a></p>`;
  return [
    `<!doctype html><html lang="${lang}" dir="${dir}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    `<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a;margin:0;padding:24px">`,
    `<p style="margin:0 0 24px;font-weight:600">${escapeHtml(product)}</p>`,
    paragraphs[0] ? p(paragraphs[0]) : '',
    paragraphs[1] ? p(paragraphs[1]) : '',
    button,
    paragraphs.slice(2).map(p).join(''),
    `<p style="margin:24px 0 0;color:#555;font-size:14px">${escapeHtml(link)}</p>`,
    '</body></html>',
  ].join('');
}

function resetEmail(event, origin, product) {
  const { request, userName } = event;
  const lang = languageOf(request.userAttributes?.locale);
  const t = MESSAGES[lang];
  const shown = UUID.test(userName ?? '') && request.userAttributes?.email ? request.userAttributes.email : userName;
  // The name and the code keep their own order in a right-to-left message (<bdi>).
  const code = `<bdi dir="ltr"><strong style="font-size:20px;letter-spacing:2px;font-family:ui-monospace,monospace">${request.codeParameter}</strong></bdi>`;
  return {
    emailSubject: t.reset_subject,
    emailMessage: page({
      lang,
      product,
      subject: t.reset_subject,
      paragraphs: [
        fill(escapeHtml(t.reset_lead), { username: `<bdi><strong>${escapeHtml(shown)}</strong></bdi>` }),
        fill(escapeHtml(t.reset_code), { code }),
        escapeHtml(t.reset_or),
        escapeHtml(t.reset_ignore),
      ],
      link: resetLink(origin, userName, request.codeParameter),
      linkText: t.reset_link,
    }),
  };
}

/** The invitation. Cognito puts the username and the temporary password into the message
 * *after* this trigger, unescaped, and a temporary password may hold `<`, `&` or `>`. So both
 * placeholders stand after a `<plaintext>` start tag: from there to the end, an HTML parser
 * reads everything as text (no tag, no entity, no end), and the password shows as it was set,
 * whatever it holds; a username never becomes markup. The HTML part (name, button, link)
 * comes first, and nothing follows the text (a closing tag would show as text). */
export function inviteEmail(event, origin, product) {
  const { request } = event;
  const lang = languageOf(request.userAttributes?.locale);
  const t = MESSAGES[lang];
  const dir = RTL.has(lang) ? 'rtl' : 'ltr';
  const link = `${origin}/sign-in`;
  // Plain text: the name and the password isolated by Unicode's first-strong isolate (U+2068 …
  // U+2069, the plain-text <bdi>), so they keep their own order in a right-to-left message.
  const iso = (s) => `\u2068${s}\u2069`;
  const lead = fill(t.invite_lead, { username: iso(request.usernameParameter), code: iso(request.codeParameter) });
  return {
    emailSubject: t.invite_subject,
    emailMessage: [
      `<!doctype html><html lang="${lang}" dir="${dir}"><head><meta charset="utf-8"><title>${escapeHtml(t.invite_subject)}</title></head>`,
      `<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a;margin:0;padding:24px">`,
      `<p style="margin:0 0 24px;font-weight:600">${escapeHtml(product)}</p>`,
      `<p style="margin:24px 0"><a href="${escapeHtml(link)}" style="background:#0b5cad;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block">${escapeHtml(t.invite_link)}</a></p>`,
      `<p style="margin:0 0 16px;color:#555;font-size:14px">${escapeHtml(link)}</p>`,
      // Raw text from here to the end (see above): the lead is not escaped, it is not HTML.
      `<plaintext dir="${dir}" style="font-family:ui-monospace,monospace;font-size:16px;white-space:pre-wrap">`,
      lead.replace(/<\/?plaintext/gi, ''),
    ].join(''),
  };
}

export const handler = async (event) => {
  const kind = event?.triggerSource;
  if (kind !== 'CustomMessage_ForgotPassword' && kind !== 'CustomMessage_AdminCreateUser') return event;
  const origin = originOf(process.env.PUBLIC_ORIGIN);
  if (!origin) {
    console.error('PUBLIC_ORIGIN is missing or not an https origin: the message is left as Cognito wrote it');
    return event;
  }
  const product = process.env.PRODUCT_NAME || 'Account recovery';
  const email = kind === 'CustomMessage_ForgotPassword' ? resetEmail(event, origin, product) : inviteEmail(event, origin, product);
  event.response = { ...event.response, ...email };
  return event;
};
