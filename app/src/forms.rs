//! What a page needs to show a form again after a failed post: the error and the fields the
//! user typed (never passwords or codes), and one-time notices between steps.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Which form a post came from (so its page can show the outcome).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormId {
    SignIn,
    RequestReset,
    ConfirmReset,
    ResendCode,
    NewPassword,
    ChangePassword,
    MfaCode,
    MfaChoose,
    MfaSetup,
    NotMe,
    /// Every form of the security page (the step-up password among them).
    Security,
    /// "Send me a new invitation".
    Invitation,
    /// A sign-up's code, and sending it again.
    ConfirmSignUp,
    /// "Forgot your username?".
    ForgotUsername,
    /// A recovery code at sign-in.
    MfaRecovery,
    MfaLost,
}

impl FormId {
    /// The page the form lives on.
    pub fn page(self) -> &'static str {
        match self {
            FormId::SignIn => crate::paths::SIGN_IN,
            FormId::RequestReset => crate::paths::RESET,
            FormId::ConfirmReset | FormId::ResendCode => crate::paths::RESET_CONFIRM,
            FormId::NewPassword => crate::paths::NEW_PASSWORD,
            FormId::ChangePassword => crate::paths::ACCOUNT_PASSWORD,
            FormId::MfaCode => crate::paths::MFA_CODE,
            FormId::MfaChoose => crate::paths::MFA_CHOOSE,
            FormId::MfaSetup => crate::paths::MFA_SETUP,
            FormId::NotMe => crate::paths::NOT_ME,
            FormId::Security => crate::paths::ACCOUNT_SECURITY,
            FormId::Invitation => crate::paths::INVITATION,
            FormId::ConfirmSignUp => crate::paths::CONFIRM_SIGN_UP,
            FormId::ForgotUsername => crate::paths::FORGOT_USERNAME,
            FormId::MfaRecovery => crate::paths::MFA_RECOVERY,
            FormId::MfaLost => crate::paths::MFA_LOST,
        }
    }
}

/// The outcome of a failed no-JS post, kept for one page view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub form: FormId,
    pub error: AppError,
    /// Non-secret fields to put back into the form.
    pub fields: Vec<(String, String)>,
}

/// Longest value kept for a field (Cognito's own limits: a username is at most 128
/// characters, an attribute value 2048); longer input is cut there before it is kept.
pub fn max_kept_chars(field: &str) -> usize {
    match field {
        crate::paths::field::USERNAME => 128,
        _ => 2048,
    }
}

/// At most this many fields are kept for one form (the new-password page has the most:
/// the attributes Cognito asks for, at most a few dozen).
pub const MAX_KEPT_FIELDS: usize = 50;

/// The most bytes (names and values) kept for one form, so that a kept error always fits the
/// session's bound on a value (`session::MAX_VALUE_BYTES`).
pub const MAX_KEPT_BYTES: usize = 1536;

/// The fields to keep for a form, each within its bound (names of at most 64 characters),
/// all together within [`MAX_KEPT_BYTES`] (the first fields first; the rest is cut).
pub fn bounded_fields(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut left = MAX_KEPT_BYTES;
    let mut kept = Vec::new();
    for (k, v) in fields
        .iter()
        .filter(|(k, _)| k.chars().count() <= 64)
        .take(MAX_KEPT_FIELDS)
    {
        let Some(room) = left.checked_sub(k.len()) else {
            break;
        };
        let mut value = String::new();
        for c in v.chars().take(max_kept_chars(k)) {
            if value.len() + c.len_utf8() > room {
                break;
            }
            value.push(c);
        }
        left = room - value.len();
        kept.push((k.to_string(), value));
    }
    kept
}

/// A form's state as a page renders it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormState {
    pub error: Option<AppError>,
    pub fields: Vec<(String, String)>,
}

impl FormState {
    /// The state for `form`, taken from a flash if it belongs to that form.
    pub fn for_form(flash: Option<&Flash>, form: FormId) -> Self {
        match flash {
            Some(f) if f.form == form => FormState {
                error: Some(f.error.clone()),
                fields: f.fields.clone(),
            },
            _ => FormState::default(),
        }
    }

    /// A kept field's value, or "".
    pub fn field(&self, name: &str) -> String {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// A one-time message shown on the next page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Notice {
    /// The reset is done; sign in with the new password.
    PasswordReset {
        username: String,
        signed_out_elsewhere: bool,
    },
    /// The password was changed and the user chose to sign out everywhere.
    SignedOutEverywhere { username: String },
    /// The temporary-password challenge expired.
    ChallengeExpired { username: String },
    /// A second-factor step expired (or Cognito ended it): sign in again.
    StepExpired { username: String },
    /// "Send a new code": sign in again and Cognito sends another.
    CodeAgain { username: String },
    /// The password was changed while signed in.
    PasswordChanged,
    /// A temporary password was replaced (signed in now).
    PasswordSet { signed_out_elsewhere: bool },
    /// The user signed out.
    SignedOut,
    /// The sign-in session ended (tokens expired or revoked).
    SessionEnded,
    /// Security page: the second factors changed.
    MfaUpdated,
    /// Security page: an authenticator app was added (or replaced).
    AuthenticatorAdded,
    /// Security page: a remembered device was forgotten.
    DeviceForgotten,
    /// Security page: a passkey was added.
    PasskeyAdded,
    /// Security page: a passkey was deleted.
    PasskeyDeleted,
    /// A new invitation (a new temporary password) was sent: sign in with it.
    InvitationSent { username: String },
    /// The sign-up is confirmed: sign in.
    SignUpConfirmed { username: String },
    /// Security page: an email address or phone number was verified.
    ContactVerified,
    /// "Forgot your username?" was answered (the same for every address).
    UsernameSent,
    /// "This wasn't me": the request to remove the second factor is cancelled.
    MfaResetCancelled,
    /// "This wasn't me": no request to cancel (already cancelled, or carried out).
    MfaResetNotPending,
}

impl Notice {
    /// Whether this is a warning rather than a success.
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            Notice::ChallengeExpired { .. }
                | Notice::StepExpired { .. }
                | Notice::SessionEnded
                | Notice::MfaResetNotPending
        )
    }

    /// The same notice with the username left out (for the browser).
    pub fn without_username(self) -> Self {
        match self {
            Notice::PasswordReset {
                signed_out_elsewhere,
                ..
            } => Notice::PasswordReset {
                username: String::new(),
                signed_out_elsewhere,
            },
            Notice::SignedOutEverywhere { .. } => Notice::SignedOutEverywhere {
                username: String::new(),
            },
            Notice::ChallengeExpired { .. } => Notice::ChallengeExpired {
                username: String::new(),
            },
            Notice::StepExpired { .. } => Notice::StepExpired {
                username: String::new(),
            },
            Notice::CodeAgain { .. } => Notice::CodeAgain {
                username: String::new(),
            },
            Notice::InvitationSent { .. } => Notice::InvitationSent {
                username: String::new(),
            },
            Notice::SignUpConfirmed { .. } => Notice::SignUpConfirmed {
                username: String::new(),
            },
            other => other,
        }
    }

    /// The username to prefill on the sign-in form.
    pub fn username(&self) -> Option<&str> {
        match self {
            Notice::PasswordReset { username, .. }
            | Notice::SignedOutEverywhere { username }
            | Notice::ChallengeExpired { username }
            | Notice::StepExpired { username }
            | Notice::CodeAgain { username }
            | Notice::InvitationSent { username }
            | Notice::SignUpConfirmed { username } => Some(username),
            _ => None,
        }
    }
}

/// Where a code was sent, masked (`j***@e***`; see `flow::canonical_delivery`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub medium: Medium,
    pub destination: String,
}

/// How a code was delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Medium {
    Email,
    Sms,
}

/// A second factor Cognito can ask for or enrol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MfaKind {
    /// A code from an authenticator app (`SOFTWARE_TOKEN_MFA`).
    Totp,
    /// A code by text message (`SMS_MFA`).
    Sms,
    /// A code by email (`EMAIL_OTP`).
    Email,
    /// A code by text message as the first factor of a choice-based sign-in (`SMS_OTP`).
    SmsOtp,
}

impl MfaKind {
    /// Cognito's name for it (in `MFAS_CAN_CHOOSE`, `MFAS_CAN_SETUP` and `ANSWER`).
    pub fn wire(self) -> &'static str {
        match self {
            MfaKind::Totp => "SOFTWARE_TOKEN_MFA",
            MfaKind::Sms => "SMS_MFA",
            MfaKind::Email => "EMAIL_OTP",
            MfaKind::SmsOtp => "SMS_OTP",
        }
    }

    /// The kind Cognito names `name`, if the app knows it.
    pub fn from_wire(name: &str) -> Option<Self> {
        match name {
            "SOFTWARE_TOKEN_MFA" => Some(MfaKind::Totp),
            "SMS_MFA" => Some(MfaKind::Sms),
            "EMAIL_OTP" | "EMAIL_MFA" => Some(MfaKind::Email),
            "SMS_OTP" => Some(MfaKind::SmsOtp),
            _ => None,
        }
    }
}

/// A first factor of a choice-based sign-in (`USER_AUTH`), from Cognito's
/// `AvailableChallenges`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Factor {
    /// The password (asked for on the sign-in page).
    Password,
    /// A code by email or text message.
    Code(MfaKind),
    /// A passkey: not offered by this app yet.
    Passkey,
}

impl Factor {
    /// The factor Cognito names `name`, if the app knows it.
    pub fn from_wire(name: &str) -> Option<Self> {
        match name {
            "PASSWORD" | "PASSWORD_SRP" => Some(Factor::Password),
            "EMAIL_OTP" => Some(Factor::Code(MfaKind::Email)),
            "SMS_OTP" => Some(Factor::Code(MfaKind::SmsOtp)),
            "WEB_AUTHN" => Some(Factor::Passkey),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_fields_are_bounded_before_they_are_stored() {
        let huge = "x".repeat(1_000_000);
        let long_name = "n".repeat(65);
        let mut fields = vec![("username", huge.as_str()), (long_name.as_str(), "v")];
        let many: Vec<String> = (0..100).map(|i| format!("attributes[a{i}]")).collect();
        fields.extend(many.iter().map(|k| (k.as_str(), huge.as_str())));
        let kept = bounded_fields(&fields);
        assert_eq!(
            kept[0].1.chars().count(),
            128,
            "a username of Cognito's length"
        );
        assert!(kept.iter().all(|(k, v)| k.len() <= 64 && v.len() <= 2048));
        let total: usize = kept.iter().map(|(k, v)| k.len() + v.len()).sum();
        assert!(total <= MAX_KEPT_BYTES, "{total} bytes kept");
        // Ordinary forms are kept whole.
        let few = [("username", "jane"), ("attributes[name]", "Jane Doe")];
        assert_eq!(bounded_fields(&few).len(), 2);
        // Multi-byte text is cut on a character, not a byte.
        let kept = bounded_fields(&[("username", &"é".repeat(200))]);
        assert_eq!(kept[0].1, "é".repeat(128));
    }
}
