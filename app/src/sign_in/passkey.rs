//! Signing in with a passkey (`SIGN_IN_FLOW=choice`, `USER_AUTH`): Cognito's
//! `CREDENTIAL_REQUEST_OPTIONS` go to the browser's `navigator.credentials.get` (the
//! passkey island), and its assertion back to Cognito as `CREDENTIAL`. Started from the
//! sign-in page (`PREFERRED_CHALLENGE=WEB_AUTHN`) or chosen on the choose page
//! (`SELECT_CHALLENGE`). Offered only with JavaScript and WebAuthn; the password stays.

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::{
    flow::{Ctx, Step},
    forms::FormId,
    limits::Action,
    paths::field,
};

/// Step one (the island): the options for the browser. From the sign-in page `username` is
/// what the user typed; from the choose page it is absent and the sign-in in progress goes on.
#[server(prefix = "/api", endpoint = "sign-in/passkey/options")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn passkey_sign_in_options(username: Option<String>) -> Result<String, AppError> {
    let ctx = Ctx::get().await?;
    let user = match &username {
        Some(u) => Some(u.trim().to_string()),
        None => ctx.session.challenge().await?.map(|f| f.username),
    };
    let logic = ssr::options(&ctx.state, &ctx.session, username.as_deref());
    let step = Step::limited(Action::SignIn, "passkey_sign_in_started");
    let result = ctx.step(step, user.as_deref(), logic).await;
    let kept = [(field::USERNAME, username.as_deref().unwrap_or(""))];
    ctx.island_answer(FormId::SignIn, &kept, result).await
}

/// Step two (the island): the browser's assertion. Answers with the page to go to next.
#[server(prefix = "/api", endpoint = "sign-in/passkey")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn passkey_sign_in(credential: String) -> Result<String, AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.challenge().await?.map(|f| f.username);
    let logic = ssr::finish(&ctx.state, &ctx.session, &credential);
    let step = Step::limited(Action::SignIn, "sign_in");
    let result = ctx.step(step, user.as_deref(), logic).await;
    ctx.remember_device_after(&result, user.as_deref());
    let result = result.map(str::to_string);
    ctx.island_answer(FormId::SignIn, crate::flow::NO_FIELDS, result)
        .await
}

/// Server-side logic of the passkey sign-in.
#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::{
        cognito::{Challenge, IdpError},
        config::SignInFlow,
        error::AppError,
        flow::challenge::current,
        flow::{idp_error, next_step, Username},
        forms::Factor,
        session::AppSession,
        state::AppState,
    };

    /// What Cognito's refusals mean here. Unknown users and users without a passkey get the
    /// same answer (no account enumeration).
    fn refused(e: IdpError) -> AppError {
        match e {
            IdpError::NotAuthorized | IdpError::UserNotFound => AppError::NoPasskey,
            IdpError::PasskeysOff => AppError::PasskeysOff,
            IdpError::PasskeyCeremonyGone | IdpError::ExpiredCode => AppError::PasskeyExpired,
            IdpError::PasskeyNotSupported => AppError::PasskeyNotSupported,
            e => idp_error(e),
        }
    }

    /// Cognito's request options (JSON) for the browser, with its `WEB_AUTHN` step kept in
    /// the session. A fresh sign-in for `username`, or (none given) the one in progress: its
    /// passkey step again, or `WEB_AUTHN` chosen in `SELECT_CHALLENGE`.
    pub async fn options(
        state: &AppState,
        session: &AppSession,
        username: Option<&str>,
    ) -> Result<String, AppError> {
        if state.settings.flows.sign_in_flow != SignInFlow::Choice || !state.features.passkeys {
            return Err(AppError::PasskeysOff);
        }
        let (user, outcome, first) = match username {
            Some(raw) => {
                let user = Username::parse_for(raw, state.features.sign_in_with)?.into_string();
                let outcome = state.cognito.sign_in_passkey(&user).await;
                (user, outcome, true)
            }
            None => {
                let Some(flow) = current(state, session).await? else {
                    return Err(AppError::ChallengeExpired);
                };
                match &flow.step {
                    Challenge::Passkey { options } => return Ok(options.clone()),
                    Challenge::SelectFactor { options } if options.contains(&Factor::Passkey) => {}
                    _ => return Err(AppError::NoPasskey),
                }
                let outcome = state
                    .cognito
                    .respond_select_passkey(&flow.username, &flow.session)
                    .await;
                (flow.username, outcome, false)
            }
        };
        next_step(state, session, &user, outcome.map_err(refused)?, first).await?;
        match session.challenge().await?.map(|f| f.step) {
            Some(Challenge::Passkey { options }) => Ok(options),
            // Cognito offered something else (no passkey for this user): the password stays.
            _ => {
                session.end_challenge().await?;
                Err(AppError::NoPasskey)
            }
        }
    }

    /// The browser's assertion for the passkey step in progress; the page to go to next.
    pub async fn finish(
        state: &AppState,
        session: &AppSession,
        credential: &str,
    ) -> Result<&'static str, AppError> {
        let Some(flow) = current(state, session).await? else {
            return Err(AppError::ChallengeExpired);
        };
        if !matches!(flow.step, Challenge::Passkey { .. }) {
            return Err(AppError::NoChallengeInProgress);
        }
        if credential.is_empty() || credential.len() > 16 * 1024 {
            return Err(AppError::PasskeyFailed);
        }
        let answer = state
            .cognito
            .respond_passkey(&flow.username, &flow.session, credential)
            .await;
        match answer {
            Ok(outcome) => next_step(state, session, &flow.username, outcome, false).await,
            Err(e) => {
                // Cognito's step is spent either way: the next try starts again.
                session.end_challenge().await?;
                Err(match e {
                    IdpError::NotAuthorized => AppError::PasskeyFailed,
                    e => refused(e),
                })
            }
        }
    }
}
