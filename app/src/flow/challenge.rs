//! Where a sign-in step leads, wherever it happened (the sign-in page, a new password after a
//! temporary one, an MFA code, a choice, an enrolment): signed in, or the page of the next
//! challenge with Cognito's session kept server-side. Chains of any length go through here.

use crate::{
    clock::now,
    cognito::{Challenge, MfaKind, SignIn},
    error::AppError,
    forms::Notice,
    paths,
    session::{AppSession, ChallengeFlow},
    state::AppState,
};

use super::signed_in;

/// Seconds left of a step Cognito issued at `started_at` (its challenge session lives
/// `CHALLENGE_TTL_SECS`).
pub fn seconds_left(state: &AppState, started_at: i64) -> u32 {
    let ttl = state.settings.flows.challenge_ttl.as_secs() as i64;
    (started_at + ttl - now()).clamp(0, ttl) as u32
}

/// The challenge in progress if it is a second-factor step, or why not: a step that has
/// run out is ended here (`Ok(None)` then).
pub async fn current(
    state: &AppState,
    session: &AppSession,
) -> Result<Option<ChallengeFlow>, AppError> {
    let Some(flow) = session.challenge().await? else {
        return Err(AppError::NoChallengeInProgress);
    };
    if matches!(flow.step, Challenge::NewPassword { .. }) {
        return Err(AppError::NoChallengeInProgress);
    }
    if seconds_left(state, flow.started_at) == 0 {
        expire(session, flow.username).await?;
        return Ok(None);
    }
    Ok(Some(flow))
}

/// Ends the step and leaves the reason for the sign-in page.
pub async fn expire(session: &AppSession, username: String) -> Result<(), AppError> {
    session
        .end_all(Some(&Notice::StepExpired { username }))
        .await
}

/// The page that shows `step`.
pub fn page_of(step: &Challenge) -> &'static str {
    match step {
        Challenge::NewPassword { .. } => paths::NEW_PASSWORD,
        Challenge::Code { .. } => paths::MFA_CODE,
        Challenge::SelectMfa { .. } | Challenge::SelectFactor { .. } => paths::MFA_CHOOSE,
        Challenge::MfaSetup { .. } => paths::MFA_SETUP,
        Challenge::Passkey { .. } => paths::MFA_CHOOSE,
    }
}

/// Revokes the refresh token of the sign-in in this session (a step-up replaces it); a
/// refusal is logged and the new sign-in stands.
pub async fn revoke_replaced(state: &AppState, session: &AppSession) -> Result<(), AppError> {
    if let Some(old) = session.signed_in().await?.and_then(|u| u.tokens.refresh) {
        if let Err(e) = state.cognito.revoke(&old).await {
            tracing::warn!(?e, "RevokeToken of the replaced sign-in failed");
        }
    }
    Ok(())
}

/// Whether `user`'s ways in wait for a review (see [`super::review`]), by either name.
async fn under_review(state: &AppState, user: &crate::session::SignedIn) -> bool {
    super::review::pending(state, &user.username)
        .await
        .is_some()
        || (user.hash_username != user.username
            && super::review::pending(state, &user.hash_username)
                .await
                .is_some())
}

/// Follows `outcome` of a sign-in step for `username`: stores the tokens (signed in: the
/// account page) or the next challenge (its page). `first` says whether this began the sign-in
/// (a new session id then) or answered a step of it.
pub async fn next_step(
    state: &AppState,
    session: &AppSession,
    username: &str,
    outcome: SignIn,
    first: bool,
) -> Result<&'static str, AppError> {
    match outcome {
        SignIn::Tokens(tokens) => {
            // A step-up (the signed-in user confirming who they are) goes back to where the
            // change was asked for.
            let user = signed_in(username, tokens);
            let next = if session.is_step_up().await? {
                // The sign-in it replaces ends for good, whichever way the step-up went.
                revoke_replaced(state, session).await?;
                paths::ACCOUNT_SECURITY
            } else if under_review(state, &user).await {
                // "This wasn't me" was reported: first, a review of every way in.
                paths::ACCOUNT_SECURITY
            } else {
                paths::ACCOUNT
            };
            session
                .sign_in(&user, &state.user_hash(&user.username))
                .await?;
            Ok(next)
        }
        SignIn::Challenge {
            step,
            session: cognito_session,
            username: canonical,
        } => {
            let mut flow = ChallengeFlow {
                username: canonical.unwrap_or_else(|| username.to_string()),
                session: cognito_session,
                started_at: now(),
                step,
                secret: None,
            };
            // An authenticator app can be set up: ask Cognito for its key now, once, so the
            // page shows the same key however often it is loaded.
            if matches!(&flow.step, Challenge::MfaSetup { options } if options.contains(&MfaKind::Totp))
            {
                let (secret, next) = state
                    .cognito
                    .associate_software_token(&flow.session)
                    .await
                    .map_err(|e| match e {
                        // The session Cognito just gave is no longer good: start over.
                        crate::cognito::IdpError::NotAuthorized => AppError::ChallengeExpired,
                        e => super::idp_error(e),
                    })?;
                flow.secret = Some(secret);
                flow.session = next;
            }
            if first {
                session.start_challenge(&flow).await?;
            } else {
                session.next_challenge(&flow).await?;
            }
            Ok(page_of(&flow.step))
        }
        SignIn::Unsupported(challenge) => {
            tracing::warn!(
                challenge,
                "sign-in needs a challenge this app does not handle"
            );
            Err(AppError::UnsupportedChallenge)
        }
    }
}
