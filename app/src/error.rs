//! The one error type of the app. What a user reads for each variant lives in
//! `locales/*.json` and is chosen where pages render (`text::error_text`); this module knows
//! nothing of words or languages. Causes (SDK errors, I/O) are logged where they happen and
//! never carried here.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

use crate::policy::Rule;

/// A form field an error belongs to, so the page can put the message next to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Field {
    Username,
    Password,
    CurrentPassword,
    NewPassword,
    ConfirmPassword,
    Code,
    Attribute,
    /// The second factor chosen.
    Factor,
    /// A new email address (security page).
    NewEmail,
    /// A new phone number (security page).
    NewPhone,
    /// The email address a forgotten username is sent to.
    Email,
    /// A recovery code at sign-in.
    RecoveryCode,
}

impl Field {
    /// The `id` of the input on the page.
    pub fn input_id(self) -> &'static str {
        use crate::paths::field;
        match self {
            Field::Username => field::USERNAME,
            Field::Password => field::PASSWORD,
            Field::CurrentPassword => field::CURRENT_PASSWORD,
            Field::NewPassword => field::NEW_PASSWORD,
            Field::ConfirmPassword => field::CONFIRM_PASSWORD,
            Field::Code => field::CODE,
            Field::Attribute => field::ATTRIBUTES,
            Field::Factor => field::FACTOR,
            Field::NewEmail => field::NEW_EMAIL,
            Field::NewPhone => field::NEW_PHONE,
            Field::Email => field::EMAIL,
            Field::RecoveryCode => field::RECOVERY_CODE,
        }
    }
}

/// Everything that can go wrong, worded for the person at the keyboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppError {
    Missing(Field),
    UsernameTooLong,
    PasswordsDoNotMatch,
    PasswordPolicy(Vec<Rule>),
    PasswordEdgeSpace,
    PasswordTooLong,
    SamePassword,
    WrongCredentials,
    WrongCurrentPassword,
    UserNotConfirmed,
    WrongCode,
    /// A wrong code from an authenticator app (nothing was sent: the app shows it).
    WrongAppCode,
    /// A code with too few or too many digits: the number it has.
    CodeLength(u8),
    ExpiredCode,
    PasswordRejected,
    PasswordReused,
    TooManyAttempts,
    RateLimited(u32),
    PasswordTooCommon,
    PasswordContainsName,
    ResendCooldown(u32),
    CodeNotDelivered,
    NoResetInProgress,
    /// The reset link from the email is incomplete (cut by the mail program, or edited).
    BrokenLink,
    /// A "This wasn't me" link that expired or was used.
    LinkExpired,
    NoChallengeInProgress,
    ChallengeExpired,
    NotSignedIn,
    SessionEnded,
    UnsupportedChallenge,
    AttributesRejected,
    Refused,
    MissingAttribute(String),
    BadRequest,
    /// A form post larger than any form of the app needs.
    TooLarge,
    /// A state-changing request from another site (CSRF check).
    CrossSite,
    /// A security setting may only be changed right after the password was entered (again).
    StepUpRequired,
    /// The pool does not offer this second factor, or its contact is not verified.
    MfaMethodUnavailable,
    /// The pool lets only an administrator reset passwords (`AccountRecoverySetting`:
    /// `admin_only`).
    RecoveryAdminOnly,
    /// A replica Region of a multi-Region pool refuses resets and attribute changes
    /// (`OperationNotEnabledException`): wait, or ask support.
    RegionPaused,
    /// The pool requires a second factor and this is the user's last one.
    LastMfaMethod,
    /// The pool does not offer passkeys.
    PasskeysOff,
    /// The passkey ceremony took too long or was started elsewhere: start again.
    PasskeyExpired,
    /// The authenticator made a passkey Cognito does not take.
    PasskeyNotSupported,
    /// The browser gave no passkey (cancelled, timed out, or none for this account).
    PasskeyFailed,
    /// The account has no passkey this app can sign in with.
    NoPasskey,
    /// Not an email address (`name@example.com`).
    BadEmail,
    /// Not a phone number with its country code.
    BadPhone,
    /// Another account already has this email address or phone number.
    ContactTaken,
    /// The same email address or phone number as the one on the account.
    SameContact,
    /// Not one of the user's unused recovery codes (wrong, used, or from a voided set: one
    /// answer for all).
    WrongRecoveryCode,
    Unavailable,
    Unexpected,
}

/// The variant's name, for logs and developers; users read `text::error_text`, chosen where pages render.
impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

impl std::error::Error for AppError {}

impl AppError {
    /// The field this error is about, if any.
    pub fn field(&self) -> Option<Field> {
        match self {
            AppError::Missing(f) => Some(*f),
            AppError::UsernameTooLong => Some(Field::Username),
            AppError::PasswordsDoNotMatch => Some(Field::ConfirmPassword),
            AppError::PasswordPolicy(_)
            | AppError::PasswordEdgeSpace
            | AppError::PasswordTooLong
            | AppError::SamePassword
            | AppError::PasswordRejected
            | AppError::PasswordTooCommon
            | AppError::PasswordContainsName
            | AppError::PasswordReused => Some(Field::NewPassword),
            AppError::WrongCurrentPassword => Some(Field::CurrentPassword),
            AppError::WrongCode
            | AppError::WrongAppCode
            | AppError::CodeLength(_)
            | AppError::ExpiredCode => Some(Field::Code),
            AppError::MissingAttribute(_) | AppError::AttributesRejected => Some(Field::Attribute),
            AppError::BadEmail => Some(Field::NewEmail),
            AppError::BadPhone => Some(Field::NewPhone),
            AppError::WrongRecoveryCode => Some(Field::RecoveryCode),
            _ => None,
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            AppError::WrongCredentials | AppError::NotSignedIn | AppError::SessionEnded => {
                S::UNAUTHORIZED
            }
            AppError::WrongCurrentPassword | AppError::StepUpRequired => S::UNAUTHORIZED,
            AppError::LastMfaMethod | AppError::PasskeyExpired => S::CONFLICT,
            AppError::TooManyAttempts | AppError::ResendCooldown(_) | AppError::RateLimited(_) => {
                S::TOO_MANY_REQUESTS
            }
            AppError::NoResetInProgress
            | AppError::LinkExpired
            | AppError::NoChallengeInProgress
            | AppError::ChallengeExpired => S::CONFLICT,
            AppError::Unavailable | AppError::CodeNotDelivered | AppError::RegionPaused => {
                S::SERVICE_UNAVAILABLE
            }
            AppError::RecoveryAdminOnly => S::FORBIDDEN,
            AppError::Unexpected => S::INTERNAL_SERVER_ERROR,
            AppError::Refused | AppError::CrossSite => S::FORBIDDEN,
            AppError::TooLarge => S::PAYLOAD_TOO_LARGE,
            _ => S::BAD_REQUEST,
        }
    }

    /// Seconds the client should wait before retrying (the `Retry-After` header).
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            AppError::RateLimited(s) | AppError::ResendCooldown(s) => Some(*s),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => AppError::Unavailable,
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => AppError::BadRequest,
            _ => AppError::Unexpected,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_is_a_429_and_code_errors_point_at_the_code() {
        assert_eq!(AppError::TooManyAttempts.status(), 429);
        for e in [
            AppError::WrongCode,
            AppError::WrongAppCode,
            AppError::CodeLength(6),
            AppError::ExpiredCode,
        ] {
            assert_eq!(e.field(), Some(Field::Code), "{e}");
            assert_eq!(e.status(), 400, "{e}");
        }
    }

    #[test]
    fn rate_limits_say_how_long_to_wait() {
        assert_eq!(AppError::RateLimited(61).status(), 429);
        assert_eq!(AppError::RateLimited(61).retry_after(), Some(61));
    }

    #[test]
    fn errors_survive_the_wire() {
        let e = AppError::ResendCooldown(42);
        let bytes = e.ser();
        assert_eq!(AppError::de(bytes), e);
    }
}
