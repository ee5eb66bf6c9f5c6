//! What every change on the security page checks first, and what a refused call with the
//! user's own access token means: shared by its forms (`ssr`) and its email-and-phone section
//! (`contact`).

use crate::{
    clock::now,
    cognito::IdpError,
    error::AppError,
    flow::{idp_error, signed_in_user},
    forms::Notice,
    session::{AppSession, SignedIn},
    state::AppState,
};

/// Whether `user` entered the password within the step-up window.
pub fn is_confirmed(state: &AppState, user: &SignedIn) -> bool {
    now() - user.authenticated_at <= state.settings.flows.step_up.as_secs() as i64
}

/// The signed-in user, if the password was entered recently enough for a change.
pub async fn confirmed_user(state: &AppState, session: &AppSession) -> Result<SignedIn, AppError> {
    let user = signed_in_user(state, session).await?;
    if !is_confirmed(state, &user) {
        return Err(AppError::StepUpRequired);
    }
    Ok(user)
}

/// What a failed call with the user's access token means: a token Cognito no longer takes
/// (signed out everywhere, user deleted or reset) ends this sign-in too.
pub async fn failed(session: &AppSession, e: IdpError) -> AppError {
    match e {
        IdpError::NotAuthorized | IdpError::UserNotFound | IdpError::PasswordResetRequired => {
            if let Err(e) = session.end_all(Some(&Notice::SessionEnded)).await {
                return e;
            }
            AppError::SessionEnded
        }
        // The only code here is a new authenticator app's.
        IdpError::CodeMismatch => AppError::WrongAppCode,
        IdpError::ExpiredCode => AppError::ExpiredCode,
        IdpError::InvalidParameter => AppError::MfaMethodUnavailable,
        IdpError::PasskeysOff => AppError::PasskeysOff,
        IdpError::PasskeyCeremonyGone => AppError::PasskeyExpired,
        IdpError::PasskeyNotSupported => AppError::PasskeyNotSupported,
        e => idp_error(e),
    }
}
