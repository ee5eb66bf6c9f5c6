//! After "This wasn't me": the user's next sign-in lands on the security page, which asks for
//! a review of every way in (passkeys, authenticator app, remembered devices, second factors),
//! marking what was added or used since the reported change, until the user says it is done.
//! The mark lives in the shared store (Redis with several instances), keyed by the username's
//! keyed hash, for [`REVIEW_FOR`].

use std::time::Duration;

use crate::state::AppState;

/// How long a review waits for the user's next sign-in.
pub const REVIEW_FOR: Duration = Duration::from_secs(30 * 24 * 3600);

fn key(state: &AppState, username: &str) -> String {
    format!("not-me-review:{}", state.user_hash(username))
}

/// Asks for a review of `username`'s ways in at the next sign-in: what came since `since`
/// (Unix seconds, the reported change) is marked. A store failure is logged.
pub async fn mark(state: &AppState, username: &str, since: i64) {
    let key = key(state, username);
    if let Err(e) = state
        .limiter
        .store
        .put(&key, &since.to_string(), REVIEW_FOR)
        .await
    {
        tracing::error!(error = %e.0, "could not ask for a review after \"this wasn't me\"");
    }
}

/// Since when `username`'s ways in are to be reviewed, if they are (a store failure: not).
pub async fn pending(state: &AppState, username: &str) -> Option<i64> {
    match state.limiter.store.get(&key(state, username)).await {
        Ok(v) => v.and_then(|s| s.parse().ok()),
        Err(e) => {
            tracing::error!(error = %e.0, "could not read a pending review");
            None
        }
    }
}

/// The user reviewed everything.
pub async fn done(state: &AppState, username: &str) {
    if let Err(e) = state.limiter.store.take(&key(state, username)).await {
        tracing::error!(error = %e.0, "could not end a review");
    }
}
