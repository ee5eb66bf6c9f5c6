//! Beginning a reset, wherever it begins: the reset page, a sign-in that found an
//! administrator's reset, the email's link, "This wasn't me". Each place says which it is; the
//! code is sent (except from the link, which brings its own) and the flow is kept in the
//! session under a new id, as every start does.

use crate::{
    clock::now,
    cognito::Token,
    error::AppError,
    session::{AppSession, ResetFlow, Sent},
    state::AppState,
};

use super::send_code;

/// Where a reset began.
#[derive(Clone, Debug)]
pub enum ResetStart {
    /// The user asked for a code on the reset page.
    Asked,
    /// Sign-in found an administrator's reset (`PasswordResetRequired`).
    AdminReset,
    /// "This wasn't me", after the user was signed out everywhere.
    Secured,
    /// The email's link, with its code (filled into the code field; no code is sent).
    Link(Token),
}

/// Starts a reset for `username` as `how` says.
pub async fn start_reset(
    state: &AppState,
    session: &AppSession,
    username: &str,
    how: ResetStart,
) -> Result<(), AppError> {
    let (delivery, sent) = match how {
        ResetStart::Link(_) => (None, Sent::ResetCode),
        _ => {
            let (delivery, sent) = send_code(state, username).await?;
            (Some(delivery), sent)
        }
    };
    session
        .start_reset(&ResetFlow {
            username: username.to_string(),
            delivery,
            sent_at: now(),
            admin_reset: matches!(how, ResetStart::AdminReset),
            secured: matches!(how, ResetStart::Secured),
            sent,
            confirmed: false,
            link_code: match how {
                ResetStart::Link(code) => Some(code),
                _ => None,
            },
        })
        .await
}
