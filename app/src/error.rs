//! The one error type of the app. Its `Display` text is exactly what a user sees; causes
//! (SDK errors, I/O) are logged where they happen and never carried here.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

use crate::password::Rule;

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
}

impl Field {
    /// The `id` of the input on the page.
    pub fn input_id(self) -> &'static str {
        match self {
            Field::Username => "username",
            Field::Password => "password",
            Field::CurrentPassword => "current_password",
            Field::NewPassword => "new_password",
            Field::ConfirmPassword => "confirm_password",
            Field::Code => "code",
            Field::Attribute => "attributes",
        }
    }
}

/// Everything that can go wrong, worded for the person at the keyboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("{}", missing_text(*.0))]
    Missing(Field),
    #[error("That username is too long. Check it and try again.")]
    UsernameTooLong,
    #[error("The two new passwords don't match. Type the same password in both fields.")]
    PasswordsDoNotMatch,
    #[error("{}", policy_text(.0))]
    PasswordPolicy(Vec<Rule>),
    #[error("Your new password can't start or end with a space.")]
    PasswordEdgeSpace,
    #[error("Your new password is too long: use at most 256 characters.")]
    PasswordTooLong,
    #[error("Your new password must be different from your current one.")]
    SamePassword,
    #[error("Incorrect username or password.")]
    WrongCredentials,
    #[error("Your current password is incorrect.")]
    WrongCurrentPassword,
    #[error("This account hasn't been confirmed yet. Finish signing up from the message we sent you, or contact support.")]
    UserNotConfirmed,
    #[error("That code isn't right. Check the most recent message we sent and try again.")]
    WrongCode,
    #[error("That code has expired. Request a new code and use it within the time shown.")]
    ExpiredCode,
    #[error("The password service refused this password. Choose a different one that follows the rules below.")]
    PasswordRejected,
    #[error("You have used this password before. Choose one you haven't used.")]
    PasswordReused,
    #[error("Too many attempts. Wait a few minutes, then try again.")]
    TooManyAttempts,
    #[error("{}", rate_limited_text(*.0))]
    RateLimited(u32),
    #[error("This password is too easy to guess: it is one of the most common passwords, or close to one. Choose something less predictable, such as a few unrelated words.")]
    PasswordTooCommon,
    #[error("Your new password can't contain your username or the name of this service.")]
    PasswordContainsName,
    #[error("{}", cooldown_text(*.0))]
    ResendCooldown(u32),
    #[error("We couldn't send a code. Wait a minute and try again; if it keeps happening, contact support.")]
    CodeNotDelivered,
    #[error("There is no password reset in progress here. Start again by requesting a code.")]
    NoResetInProgress,
    #[error("There is no sign-in in progress here. Sign in with your temporary password first.")]
    NoChallengeInProgress,
    #[error(
        "This step took too long and has expired. Sign in again with your temporary password."
    )]
    ChallengeExpired,
    #[error("Please sign in to continue.")]
    NotSignedIn,
    #[error("Your session has ended. Please sign in again.")]
    SessionEnded,
    #[error("This account needs a sign-in step this page doesn't support, such as multi-factor authentication. Use your organisation's usual sign-in page.")]
    UnsupportedChallenge,
    #[error("Some of the details you entered were not accepted. Check them and try again.")]
    AttributesRejected,
    #[error("Your request was refused. If you think this is a mistake, contact support.")]
    Refused,
    #[error("Please fill in: {0}.")]
    MissingAttribute(String),
    #[error("The form was incomplete or out of date. Reload the page and try again.")]
    BadRequest,
    #[error("The service is temporarily unavailable. Please try again in a moment.")]
    Unavailable,
    #[error("Something went wrong on our side. Please try again; if it keeps happening, contact support.")]
    Unexpected,
}

fn missing_text(field: Field) -> &'static str {
    match field {
        Field::Username => "Enter your username.",
        Field::Password => "Enter your password.",
        Field::CurrentPassword => "Enter your current password.",
        Field::NewPassword => "Enter a new password.",
        Field::ConfirmPassword => "Type the new password again to confirm it.",
        Field::Code => "Enter the code from the message we sent you.",
        Field::Attribute => "Fill in the required details.",
    }
}

fn policy_text(unmet: &[Rule]) -> String {
    let list: Vec<String> = unmet.iter().map(|r| r.label()).collect();
    format!("Your new password needs {}.", list.join(", "))
}

fn rate_limited_text(seconds: u32) -> String {
    let wait = if seconds < 60 {
        if seconds == 1 {
            "1 second".to_string()
        } else {
            format!("{seconds} seconds")
        }
    } else {
        let minutes = seconds.div_ceil(60);
        if minutes == 1 {
            "1 minute".to_string()
        } else {
            format!("{minutes} minutes")
        }
    };
    format!("Too many attempts. For your security, please wait {wait} and try again.")
}

fn cooldown_text(seconds: u32) -> String {
    if seconds == 1 {
        "You can request another code in 1 second.".to_string()
    } else {
        format!("You can request another code in {seconds} seconds.")
    }
}

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
            AppError::WrongCode | AppError::ExpiredCode => Some(Field::Code),
            AppError::MissingAttribute(_) | AppError::AttributesRejected => Some(Field::Attribute),
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
            AppError::WrongCurrentPassword => S::UNAUTHORIZED,
            AppError::TooManyAttempts | AppError::ResendCooldown(_) | AppError::RateLimited(_) => {
                S::TOO_MANY_REQUESTS
            }
            AppError::NoResetInProgress
            | AppError::NoChallengeInProgress
            | AppError::ChallengeExpired => S::CONFLICT,
            AppError::Unavailable | AppError::CodeNotDelivered => S::SERVICE_UNAVAILABLE,
            AppError::Unexpected => S::INTERNAL_SERVER_ERROR,
            AppError::Refused => S::FORBIDDEN,
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

    /// Whether the page should offer "request a new code" right next to this error.
    pub fn offers_resend(&self) -> bool {
        matches!(self, AppError::ExpiredCode)
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
    fn policy_message_lists_every_unmet_rule() {
        let e = AppError::PasswordPolicy(vec![Rule::MinLength(8), Rule::Digit]);
        assert_eq!(
            e.to_string(),
            "Your new password needs at least 8 characters, a number."
        );
    }

    #[test]
    fn throttling_is_a_429_and_expired_code_offers_resend() {
        assert_eq!(AppError::TooManyAttempts.status(), 429);
        assert!(AppError::ExpiredCode.offers_resend());
        assert!(!AppError::WrongCode.offers_resend());
    }

    #[test]
    fn rate_limits_say_how_long_to_wait() {
        assert_eq!(
            AppError::RateLimited(1).to_string(),
            "Too many attempts. For your security, please wait 1 second and try again."
        );
        assert!(AppError::RateLimited(61).to_string().contains("2 minutes"));
        assert!(AppError::RateLimited(60).to_string().contains("1 minute "));
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
