//! Accounts whose state stops sign-in or reset, and the self-service way out of each: a
//! sign-up never confirmed gets its confirmation code again; an invited user whose temporary
//! password expired (or who never chose one) gets a new invitation, where the operator allows
//! it (`REINVITE`). Sign-in and reset both use these; neither owns them.

use crate::{
    clock::now,
    cognito::{Delivery, IdpError},
    error::AppError,
    session::{AppSession, Stuck, StuckFlow},
    state::AppState,
};

use super::canonical_delivery;

/// `ResendConfirmationCode`: the sign-up's code again. `Ok(None)` when Cognito did not say
/// where it went; an error when the user is not waiting for one (already confirmed: Cognito's
/// `InvalidParameterException`), is unknown, or the call failed.
pub async fn send_sign_up_code(
    state: &AppState,
    username: &str,
) -> Result<Option<Delivery>, IdpError> {
    let sent = state.cognito.resend_confirmation_code(username).await?;
    Ok(sent.map(|d| canonical_delivery(&state.decoy_key, username, &d)))
}

/// A new invitation with a new temporary password, when `REINVITE` allows it: where it went
/// (masked), or `None` when it is off or Cognito refused (logged: the IAM actions
/// `cognito-idp:AdminGetUser` and `cognito-idp:AdminCreateUser`, or a user with neither email
/// nor phone).
pub async fn reinvite(state: &AppState, username: &str) -> Option<Delivery> {
    if !state.settings.flows.reinvite {
        return None;
    }
    match state.cognito.admin_resend_invitation(username).await {
        Ok(d) => Some(canonical_delivery(&state.decoy_key, username, &d)),
        Err(kind) => {
            tracing::error!(
                ?kind,
                "a new invitation was not sent (REINVITE needs cognito-idp:AdminGetUser and \
                 cognito-idp:AdminCreateUser, and the user an email or phone)"
            );
            None
        }
    }
}

/// A sign-in with the right password found the account in `state`: the session keeps the
/// username while the user fixes it (a sign-up's code is sent at once; an invitation only when
/// asked for). Returns the page that serves it.
pub async fn found_stuck(
    state: &AppState,
    session: &AppSession,
    username: &str,
    stuck: Stuck,
) -> Result<&'static str, AppError> {
    let mut flow = StuckFlow {
        username: username.to_string(),
        state: stuck,
        delivery: None,
        sent_at: 0,
    };
    if stuck == Stuck::NotConfirmed {
        state.limiter.code_sent().await?;
        flow.delivery = send_sign_up_code(state, username)
            .await
            .map_err(super::idp_error)?;
        flow.sent_at = now();
    }
    session.start_stuck(&flow).await?;
    Ok(match stuck {
        Stuck::InvitationExpired => crate::paths::INVITATION,
        Stuck::NotConfirmed => crate::paths::CONFIRM_SIGN_UP,
    })
}
