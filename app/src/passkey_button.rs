//! The passkey button (signing in with a passkey, adding one on the security page). Not an
//! island: its ceremony is a small script of its own (`passkey.js`), written into the pages
//! that have the button and no other, so the WASM every island page loads carries no WebAuthn
//! (it was 4.8 KiB of it, brotli). Without JavaScript the button stays hidden and a
//! `<noscript>` beside it says what is needed.

use leptos::{nonce::use_nonce, prelude::*};

/// What the passkey buttons say (adding one on the security page, signing in with one).
#[derive(Clone, Debug, Default)]
pub struct PasskeyText {
    pub label: String,
    /// When the browser gives no passkey (cancelled, timed out, none for this site).
    pub failed: String,
    /// Shown instead of the button where the browser cannot make or use passkeys.
    pub needs: String,
    /// `create` (a new passkey) or `get` (sign in with one).
    pub ceremony: String,
    /// The server functions that give the options and take the credential.
    pub start: String,
    pub finish: String,
}

impl PasskeyText {
    /// Signing in with a passkey (the sign-in page, the choose page).
    pub fn sign_in() -> Self {
        use crate::i18n::td_string;
        let l = crate::text::locale();
        PasskeyText {
            label: td_string!(l, sign_in.passkey).to_string(),
            failed: td_string!(l, errors.passkey_failed).to_string(),
            needs: td_string!(l, sign_in.passkey_needs_browser).to_string(),
            ceremony: "get".into(),
            start: crate::paths::PASSKEY_SIGN_IN_OPTIONS.into(),
            finish: crate::paths::PASSKEY_SIGN_IN.into(),
        }
    }
}

/// The id of the button's root (one per page), which the script looks for.
pub const PASSKEY_ID: &str = "passkey";

/// The script as sent (see `page_script`).
fn script() -> &'static str {
    static SCRIPT: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| crate::page_script::minified(include_str!("passkey.js")));
    &SCRIPT
}

/// The button, hidden until the script finds WebAuthn in the browser (then `data-live` on its
/// root), its hint for browsers without it, and the line where a failed ceremony is said.
#[component]
pub fn PasskeyButton(text: PasskeyText) -> impl IntoView {
    let PasskeyText {
        label,
        failed,
        needs,
        ceremony,
        start,
        finish,
    } = text;
    view! {
        <div class="passkey" id=PASSKEY_ID data-failed=failed data-ceremony=ceremony
            data-start=start data-finish=finish>
            <button type="button" class="secondary" hidden=true>{label}</button>
            <p class="hint" hidden=true>{needs}</p>
            <p class="field-error" role="status" aria-live="polite"></p>
        </div>
        <script nonce=use_nonce() inner_html=script()></script>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_sent_has_no_comments_and_no_closing_tag() {
        let s = script();
        assert!(s.contains("navigator.credentials"));
        assert!(s.contains("function ownPath"));
        assert!(!s.lines().any(|l| l.starts_with("//") || l.starts_with(' ')));
        assert!(!s.to_ascii_lowercase().contains("</script"));
        assert!(
            s.len() < include_str!("passkey.js").len() * 2 / 3,
            "{} bytes",
            s.len()
        );
    }
}
