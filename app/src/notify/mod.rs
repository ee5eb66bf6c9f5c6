//! Security notifications: after every change to how the user gets in (a completed reset, a
//! temporary-password change, a signed-in password change, a new authenticator app, a second
//! factor turned on or off or preferred, a passkey added or deleted, a remembered device
//! forgotten, a sign-out everywhere: [`Change`]), the user gets an email (Amazon SES) in their
//! language saying what changed, when, from which IP address and browser, with a
//! "This wasn't me" link ([`token`]; the page is the `not_me` flow). Off unless
//! `NOTIFY_EMAIL=true`. Flows ask for one with `flow::Step::notifies`; the kernel sends it.
//!
//! Sending never blocks or fails the user's flow: it runs on its own task after the answer,
//! and a failure is logged and counted (`reset_notifications{outcome="failed"}`). The email
//! goes only to a verified address, and holds no code and no password.

#[cfg(feature = "ssr")]
pub mod token;

use serde::{Deserialize, Serialize};

/// What changed on the account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    /// A reset with a code (`ConfirmForgotPassword`).
    PasswordReset,
    /// A temporary password replaced at sign-in (`NEW_PASSWORD_REQUIRED`).
    TemporaryPasswordChanged,
    /// A password changed while signed in (`ChangePassword`).
    PasswordChanged,
    /// An authenticator app set up (`VerifySoftwareToken`).
    MfaAdded,
    /// A second factor turned on or off, or another one preferred (`SetUserMFAPreference`).
    MfaChanged,
    /// A passkey added (`CompleteWebAuthnRegistration`).
    PasskeyAdded,
    /// A passkey deleted (`DeleteWebAuthnCredential`).
    PasskeyDeleted,
    /// A remembered device forgotten (`ForgetDevice`).
    DeviceForgotten,
    /// Signed out on every device (`GlobalSignOut`).
    SignedOutEverywhere,
    /// A new email address entered (`UpdateUserAttributes`): told to the old one.
    EmailChanged,
    /// A new phone number entered (`UpdateUserAttributes`).
    PhoneChanged,
    /// An email address or phone number verified (`VerifyUserAttribute`): reset codes can go
    /// to it now.
    ContactVerified,
    /// A new set of recovery codes (the old set void).
    RecoveryCodesCreated,
    /// A recovery code signed the user in and the second factor it stood in for was removed.
    RecoveryCodeUsed,
    /// The removal of the second factor was asked for ("I lost my authenticator"): it takes
    /// effect after `MFA_RESET_DELAY_SECS` unless cancelled from this email.
    MfaResetRequested,
    /// A requested removal of the second factor was carried out, at sign-in.
    MfaResetDone,
}

impl Change {
    /// Every change, for tests that check each one is told.
    pub const ALL: [Change; 16] = [
        Change::PasswordReset,
        Change::TemporaryPasswordChanged,
        Change::PasswordChanged,
        Change::MfaAdded,
        Change::MfaChanged,
        Change::PasskeyAdded,
        Change::PasskeyDeleted,
        Change::DeviceForgotten,
        Change::SignedOutEverywhere,
        Change::EmailChanged,
        Change::PhoneChanged,
        Change::ContactVerified,
        Change::RecoveryCodesCreated,
        Change::RecoveryCodeUsed,
        Change::MfaResetRequested,
        Change::MfaResetDone,
    ];

    /// Told even with `NOTIFY_EMAIL` off: the email is part of the change's safety (the only
    /// way to stop a reset someone else asked for, and the word that it happened).
    pub fn is_essential(self) -> bool {
        matches!(self, Change::MfaResetRequested | Change::MfaResetDone)
    }
}

impl Change {
    /// The name in metrics and logs.
    pub fn name(self) -> &'static str {
        match self {
            Change::PasswordReset => "password_reset",
            Change::TemporaryPasswordChanged => "temporary_password_changed",
            Change::PasswordChanged => "password_changed",
            Change::MfaAdded => "mfa_added",
            Change::MfaChanged => "mfa_changed",
            Change::PasskeyAdded => "passkey_added",
            Change::PasskeyDeleted => "passkey_deleted",
            Change::DeviceForgotten => "device_forgotten",
            Change::SignedOutEverywhere => "signed_out_everywhere",
            Change::EmailChanged => "email_changed",
            Change::PhoneChanged => "phone_changed",
            Change::ContactVerified => "contact_verified",
            Change::RecoveryCodesCreated => "recovery_codes_created",
            Change::RecoveryCodeUsed => "recovery_code_used",
            Change::MfaResetRequested => "mfa_reset_requested",
            Change::MfaResetDone => "mfa_reset_done",
        }
    }
}

/// The family of the browser a `User-Agent` names ("" when it names none the app knows).
/// Order matters: Edge, Opera and Samsung Internet also say "Chrome", Chrome says "Safari".
pub fn browser_family(user_agent: &str) -> &'static str {
    const FAMILIES: [(&str, &str); 9] = [
        ("Edg/", "Microsoft Edge"),
        ("EdgA/", "Microsoft Edge"),
        ("OPR/", "Opera"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("CriOS/", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ];
    FAMILIES
        .iter()
        .find(|(token, _)| user_agent.contains(token))
        .map(|(_, name)| *name)
        .unwrap_or("")
}

/// What the email and the "This wasn't me" page say happened.
pub fn what(l: crate::i18n::Locale, change: Change) -> String {
    use crate::i18n::td_string;
    match change {
        Change::PasswordReset => td_string!(l, notify.what_password_reset),
        Change::TemporaryPasswordChanged => td_string!(l, notify.what_temporary),
        Change::PasswordChanged => td_string!(l, notify.what_password_changed),
        Change::MfaAdded => td_string!(l, notify.what_mfa),
        Change::MfaChanged => td_string!(l, notify.what_mfa_changed),
        Change::PasskeyAdded => td_string!(l, notify.what_passkey_added),
        Change::PasskeyDeleted => td_string!(l, notify.what_passkey_deleted),
        Change::DeviceForgotten => td_string!(l, notify.what_device_forgotten),
        Change::SignedOutEverywhere => td_string!(l, notify.what_signed_out),
        Change::EmailChanged => td_string!(l, notify.what_email_changed),
        Change::PhoneChanged => td_string!(l, notify.what_phone_changed),
        Change::ContactVerified => td_string!(l, notify.what_contact_verified),
        Change::RecoveryCodesCreated => td_string!(l, notify.what_recovery_codes),
        Change::RecoveryCodeUsed => td_string!(l, notify.what_recovery_code_used),
        Change::MfaResetRequested => td_string!(l, notify.what_mfa_reset_requested),
        Change::MfaResetDone => td_string!(l, notify.what_mfa_reset_done),
    }
    .to_string()
}

#[cfg(feature = "ssr")]
pub use server::*;

#[cfg(feature = "ssr")]
mod server {
    use std::net::IpAddr;

    use super::{browser_family, what, Change};
    use crate::{
        i18n::{td_string, Locale},
        mailer::Email,
        state::AppState,
    };

    /// Where and when a change was made, as the email tells it.
    #[derive(Clone, Debug)]
    pub struct Origin {
        pub ip: IpAddr,
        /// The browser family ("" when unknown).
        pub browser: &'static str,
        /// Unix seconds.
        pub at: i64,
        /// The language of the page the change was made on (used when the user has no
        /// `locale` attribute).
        pub locale: Locale,
        /// When a change asked for now takes effect (Unix seconds), if later.
        pub due: Option<i64>,
    }

    impl Origin {
        /// From a request's headers and client address, now.
        pub fn of_request(headers: &http::HeaderMap, ip: IpAddr) -> Self {
            let ua = headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            Origin {
                ip,
                browser: browser_family(ua),
                at: crate::clock::now(),
                locale: crate::text::request_locale(headers),
                due: None,
            }
        }
    }

    fn subject(l: Locale, change: Change) -> String {
        match change {
            Change::PasswordReset => td_string!(l, notify.subject_password_reset),
            Change::TemporaryPasswordChanged => td_string!(l, notify.subject_temporary),
            Change::PasswordChanged => td_string!(l, notify.subject_password_changed),
            Change::MfaAdded => td_string!(l, notify.subject_mfa),
            Change::MfaChanged => td_string!(l, notify.subject_mfa_changed),
            Change::PasskeyAdded => td_string!(l, notify.subject_passkey_added),
            Change::PasskeyDeleted => td_string!(l, notify.subject_passkey_deleted),
            Change::DeviceForgotten => td_string!(l, notify.subject_device_forgotten),
            Change::SignedOutEverywhere => td_string!(l, notify.subject_signed_out),
            Change::EmailChanged => td_string!(l, notify.subject_email_changed),
            Change::PhoneChanged => td_string!(l, notify.subject_phone_changed),
            Change::ContactVerified => td_string!(l, notify.subject_contact_verified),
            Change::RecoveryCodesCreated => td_string!(l, notify.subject_recovery_codes),
            Change::RecoveryCodeUsed => td_string!(l, notify.subject_recovery_code_used),
            Change::MfaResetRequested => td_string!(l, notify.subject_mfa_reset_requested),
            Change::MfaResetDone => td_string!(l, notify.subject_mfa_reset_done),
        }
        .to_string()
    }

    use crate::mailer::escape_html as escape;

    /// The email for `change` to `to`, in `l`. `not_me` is the "This wasn't me" link (absent
    /// when no token could be stored: the email then points to the reset page).
    #[allow(clippy::too_many_arguments)]
    pub fn compose(
        l: Locale,
        change: Change,
        origin: &Origin,
        username: &str,
        to: &str,
        product: &str,
        not_me: Option<&str>,
        reset_url: &str,
    ) -> Email {
        let unknown = td_string!(l, notify.unknown_browser).to_string();
        let browser = if origin.browser.is_empty() {
            unknown.as_str()
        } else {
            origin.browser
        };
        // Isolated: each keeps its own order in a right-to-left email.
        let ip = crate::text::isolate(&origin.ip.to_string());
        let time = crate::text::isolate(&crate::text::local_time(l, origin.at));
        let username = crate::text::isolate(username);
        let mut lines = vec![
            what(l, change),
            td_string!(l, notify.account, username = username.as_str()).to_string(),
            td_string!(l, notify.when, time = time.as_str()).to_string(),
            td_string!(l, notify.from, browser = browser, ip = ip.as_str()).to_string(),
        ];
        if let Some(due) = origin.due {
            let due = crate::text::isolate(&crate::text::local_time(l, due));
            lines.push(td_string!(l, notify.takes_effect, time = due.as_str()).to_string());
        }
        let if_you = td_string!(l, notify.if_you).to_string();
        let (act, link, button) = match not_me {
            Some(url) if change == Change::MfaResetRequested => (
                td_string!(l, notify.cancel_hint).to_string(),
                url,
                td_string!(l, notify.cancel_button).to_string(),
            ),
            Some(url) => (
                td_string!(l, notify.not_me).to_string(),
                url,
                td_string!(l, notify.not_me_button).to_string(),
            ),
            None => (
                td_string!(l, notify.not_me).to_string(),
                reset_url,
                td_string!(l, not_me.reset).to_string(),
            ),
        };
        let footer = td_string!(l, notify.footer).to_string();
        let subject = subject(l, change);
        let text = format!(
            "{product}\n\n{}\n\n{if_you}\n{act}\n{button}: {link}\n\n{footer}\n",
            lines.join("\n")
        );
        let dir = if crate::text::is_rtl(l) { "rtl" } else { "ltr" };
        let lang = crate::text::code(l);
        let p = |s: &str| format!("<p style=\"margin:0 0 12px\">{}</p>", escape(s));
        let inner = format!(
            "<p style=\"margin:0 0 24px;font-weight:600\">{}</p>{}{}{}\
             <p style=\"margin:24px 0\"><a href=\"{}\" style=\"background:#b3261e;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block\">{}</a></p>\
             <p style=\"margin:24px 0 0;color:#555;font-size:14px\">{}</p>",
            escape(product),
            lines.iter().map(|s| p(s)).collect::<String>(),
            p(&if_you),
            p(&act),
            escape(link),
            escape(&button),
            escape(&footer),
        );
        let html = crate::mailer::html_page(lang, dir, &subject, &inner);
        Email {
            to: to.to_string(),
            subject,
            text,
            html,
        }
    }

    /// What sends the email about `change`: the notifier (`NOTIFY_EMAIL`), or for an essential
    /// change any mailer the app has.
    pub fn mailer_for(state: &AppState, change: Change) -> Option<&crate::mailer::Mailer> {
        if change.is_essential() {
            state.mailer.as_ref()
        } else {
            state.notifier()
        }
    }

    /// Emails `username` about `change` on a task of its own, when notifications are on: to
    /// `to` (an address the user had verified before the change: a new one must not be the
    /// only one told), else to the verified address Cognito has now.
    pub fn spawn(
        state: &AppState,
        change: Change,
        username: &str,
        origin: Origin,
        to: Option<String>,
    ) {
        if mailer_for(state, change).is_none() {
            return;
        }
        let state = state.clone();
        let username = username.to_string();
        tokio::spawn(async move {
            let outcome = deliver(&state, change, &username, &origin, to.as_deref()).await;
            crate::metrics::metrics().notification(change.name(), outcome);
        });
    }

    /// Looks the user up, writes the email, sends it. Returns the outcome for the metric.
    pub async fn deliver(
        state: &AppState,
        change: Change,
        username: &str,
        origin: &Origin,
        to: Option<&str>,
    ) -> &'static str {
        let Some(mailer) = mailer_for(state, change) else {
            return "skipped";
        };
        let user = match state.cognito.admin_get_user(username).await {
            Ok(u) => u,
            Err(e) => {
                tracing::error!(kind = ?e, change = change.name(), "AdminGetUser for a notification failed; none sent");
                return "failed";
            }
        };
        let verified = user.email.filter(|_| user.email_verified);
        let Some(to) = to.map(str::to_string).or(verified) else {
            tracing::info!(change = change.name(), "no verified email: no notification");
            return "skipped";
        };
        let l = user
            .locale
            .as_deref()
            .and_then(crate::text::locale_for_tag)
            .unwrap_or(origin.locale);
        let base = &state.settings.http.public_origin;
        let not_me = match super::token::issue(state, &user.username, change, origin.at).await {
            Ok(token) => Some(format!("{base}{}?t={token}", crate::paths::NOT_ME_LINK)),
            Err(e) => {
                tracing::error!(error = %e.0, "could not store a \"this wasn't me\" token; the email links to the reset page");
                None
            }
        };
        let reset = format!("{base}{}", crate::paths::RESET);
        let email = compose(
            l,
            change,
            origin,
            &user.username,
            &to,
            &state.settings.brand.product_name,
            not_me.as_deref(),
            &reset,
        );
        match mailer.send(&email).await {
            Ok(()) => {
                tracing::info!(change = change.name(), "security notification sent");
                "sent"
            }
            Err(code) => {
                tracing::error!(code = %code, change = change.name(), "SES SendEmail failed; the notification was not sent");
                "failed"
            }
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests;
