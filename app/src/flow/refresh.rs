//! Refreshing a sign-in's tokens (`GetTokensFromRefreshToken`), once per refresh token across
//! every instance. Two requests of one sign-in (two tabs; two instances behind the balancer)
//! may find the access token old at once. With refresh token rotation on, a second refresh with
//! the same token would be refused as reuse and end the sign-in, so the first request claims
//! the token (a limit of one per [`CLAIM_FOR`] under its hash, in the shared store) and leaves
//! the new tokens there for [`SHARED_FOR`]; the others take them from there instead of asking
//! Cognito again.

use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::{
    clock::now,
    cognito::{IdpError, Token, Tokens},
    config::Limit,
    error::AppError,
    forms::Notice,
    session::{AppSession, SignedIn},
    state::AppState,
};

/// How long one request holds a refresh token while it asks Cognito (longer than a Cognito call
/// may take with its retries).
pub const CLAIM_FOR: Duration = Duration::from_secs(12);
/// How long the new tokens wait in the shared store for the other requests of the sign-in.
pub const SHARED_FOR: Duration = Duration::from_secs(60);
/// How often a request that did not claim the token looks for the new tokens.
const POLL: Duration = Duration::from_millis(100);

/// The store's name for a refresh token (its SHA-256: the token itself is never a key).
fn token_id(token: &Token) -> String {
    let digest = Sha256::digest(token.expose().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Refreshes `user`'s tokens and keeps them in the session. A refresh token Cognito no longer
/// takes (signed out elsewhere, reused after rotation, user gone) ends the sign-in: the session
/// is cleared with "Your session has ended" and `SessionEnded` returned.
pub async fn refresh(
    state: &AppState,
    session: &AppSession,
    user: &mut SignedIn,
) -> Result<(), AppError> {
    let Some(token) = user.tokens.refresh.clone() else {
        return ended(session).await;
    };
    let id = token_id(&token);
    let tokens = match shared(state, &id).await {
        Some(t) => t,
        None if claim(state, &id).await? => match state.cognito.refresh(&token).await {
            Ok(t) => {
                share(state, &id, &t).await;
                t
            }
            Err(
                IdpError::NotAuthorized | IdpError::UserNotFound | IdpError::RefreshTokenReused,
            ) => return ended(session).await,
            Err(e) => return Err(super::idp_error(e)),
        },
        None => wait_for(state, &id).await.ok_or(AppError::Unavailable)?,
    };
    user.access_expires_at = now() + tokens.expires_in;
    user.tokens = tokens;
    session.set_signed_in(user).await
}

async fn ended(session: &AppSession) -> Result<(), AppError> {
    session.end_all(Some(&Notice::SessionEnded)).await?;
    Err(AppError::SessionEnded)
}

/// Whether this request may refresh the token `id` (no other did in the last [`CLAIM_FOR`]).
async fn claim(state: &AppState, id: &str) -> Result<bool, AppError> {
    let once = Limit {
        max: 1,
        per: CLAIM_FOR,
    };
    match state
        .limiter
        .store
        .hit(&format!("refresh-claim:{id}"), once)
        .await
    {
        Ok(refused) => Ok(refused.is_none()),
        Err(e) => Err(crate::limits::store_failed(e, "refresh claim")),
    }
}

/// The tokens another request got for the token `id`, if it did.
async fn shared(state: &AppState, id: &str) -> Option<Tokens> {
    let json = state
        .limiter
        .store
        .get(&format!("refreshed:{id}"))
        .await
        .ok()??;
    serde_json::from_str(&json).ok()
}

/// Leaves the new tokens for the other requests of this sign-in.
async fn share(state: &AppState, id: &str, tokens: &Tokens) {
    let Ok(json) = serde_json::to_string(tokens) else {
        return;
    };
    let key = format!("refreshed:{id}");
    if let Err(e) = state.limiter.store.put(&key, &json, SHARED_FOR).await {
        tracing::warn!(error = %e.0, "the refreshed tokens could not be shared");
    }
}

/// Waits for the request that claimed the token `id` to share its new tokens.
async fn wait_for(state: &AppState, id: &str) -> Option<Tokens> {
    let tries = (CLAIM_FOR.as_millis() / POLL.as_millis()) as usize;
    for _ in 0..tries {
        tokio::time::sleep(POLL).await;
        if let Some(t) = shared(state, id).await {
            return Some(t);
        }
    }
    None
}
