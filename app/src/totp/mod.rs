//! Setting up an authenticator app, wherever it happens (enrolment at sign-in, the security
//! page): the key as a QR code and as text in groups of four, the copy button, and the name
//! the new authenticator gets.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{i18n::td_string, islands::copy_key::CopyButton};

#[cfg(feature = "ssr")]
pub mod qr;

/// What the authenticator-app set-up shows: the QR code (inline SVG), the same key as text in
/// groups of four, and as the `otpauth://` link an app on the same phone opens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TotpSetup {
    pub qr_svg: String,
    pub key: String,
    pub uri: String,
}

/// The id of the last step ("Then enter the 6-digit code the app shows"), right above the code
/// field, which it describes.
pub const SETUP_HINT: &str = "setup-hint";

/// The steps of setting up the app, numbered: scan the QR code (or, on the phone itself, open
/// the link), or type the key (a copy button once the page is live); then enter its code,
/// in the field that follows.
#[component]
pub fn TotpKey(totp: TotpSetup) -> impl IntoView {
    let l = crate::text::locale();
    view! {
        <ol class="steps">
            <li>
                <p>{td_string!(l, mfa.setup_step_scan)}</p>
                <div class="qr" role="img" aria-label=td_string!(l, mfa.qr_label) inner_html=totp.qr_svg></div>
                <p><a href=totp.uri id="otpauth" rel="noopener">{td_string!(l, mfa.open_in_app)}</a></p>
            </li>
            <li>
                <p>{td_string!(l, mfa.setup_step_key)}</p>
                <p class="totp-key"><code id="totp-key" translate="no" dir="ltr">{totp.key.clone()}</code>" "
                    <CopyButton/>
                </p>
            </li>
            <li id=SETUP_HINT>{td_string!(l, mfa.setup_code_hint)}</li>
        </ol>
    }
}

/// The name a new authenticator gets when the user gives none.
pub const DEFAULT_DEVICE_NAME: &str = "Authenticator app";

/// The name a user gave the new authenticator: trimmed, at most 64 characters, the default
/// when empty.
pub fn device_name(given: &str) -> String {
    let name: String = given.trim().chars().take(64).collect();
    if name.is_empty() {
        DEFAULT_DEVICE_NAME.to_string()
    } else {
        name
    }
}

#[cfg(feature = "ssr")]
pub use setup::*;

#[cfg(feature = "ssr")]
mod setup {
    use super::{qr::qr_svg, TotpSetup};
    use crate::state::AppState;

    /// The step of a new authenticator's first code, wherever it is set up: limited like
    /// every code, audited as `mfa_enrolled`, and the user told (`MfaAdded`).
    pub fn enrolment() -> crate::flow::Step {
        crate::flow::Step::limited(crate::limits::Action::MfaCode, "mfa_enrolled")
            .notifies(crate::notify::Change::MfaAdded)
    }

    /// The set-up page's QR code and key for `secret` (issuer: the product name, label: the
    /// username).
    pub fn setup(state: &AppState, username: &str, secret: &str) -> TotpSetup {
        let uri = otpauth_uri(&state.settings.brand.product_name, username, secret);
        TotpSetup {
            qr_svg: qr_svg(&uri),
            key: key_groups(secret),
            uri,
        }
    }

    /// The `otpauth://` URI authenticator apps read (Google's Key Uri Format).
    pub fn otpauth_uri(issuer: &str, username: &str, secret: &str) -> String {
        let percent = crate::paths::percent_encode;
        let (i, u) = (percent(issuer), percent(username));
        format!(
            "otpauth://totp/{i}:{u}?secret={secret}&issuer={i}&algorithm=SHA1&digits=6&period=30"
        )
    }

    /// The key in groups of four, easier to type.
    pub fn key_groups(secret: &str) -> String {
        let chars: Vec<char> = secret.chars().filter(|c| !c.is_whitespace()).collect();
        chars
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests;
