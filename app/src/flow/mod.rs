//! The kernel every flow shares and no flow owns: the request context and the shape of a
//! server function ([`ctx`]), typed input ([`input`]), where a code went ([`delivery`]), beginning a reset ([`start`]), and
//! the steps several flows take alike (Cognito failures to app errors, signing in, signing
//! out elsewhere). Flows import from here, never from each other.

pub mod challenge;
pub mod ctx;
pub mod delivery;
pub mod factor_reset;
pub mod input;
pub mod link;
pub mod recovery_codes;
pub mod refresh;
pub mod review;
pub mod start;
pub mod stuck;

pub use challenge::next_step;
pub use ctx::{load_page, page_result, Ctx, Step, NO_FIELDS};
pub use delivery::{canonical_delivery, decoy_delivery, send_code, uniform_delivery};
pub use input::{Code, NewPassword, Username};
pub use refresh::refresh;
pub use start::{start_reset, ResetStart};

use crate::{
    clock::now,
    cognito::{IdpError, Tokens},
    error::AppError,
    session::{AppSession, SignedIn},
    state::AppState,
};

/// The app's answer to the Cognito failures every flow treats alike; each flow matches the
/// kinds it gives a meaning of its own first.
pub fn idp_error(e: IdpError) -> AppError {
    match e {
        IdpError::Throttled => AppError::TooManyAttempts,
        IdpError::CodeDeliveryFailure => AppError::CodeNotDelivered,
        IdpError::Unavailable => AppError::Unavailable,
        IdpError::Refused => AppError::Refused,
        IdpError::UserNotConfirmed => AppError::UserNotConfirmed,
        // A multi-Region pool's replica: recovery is paused here, not broken.
        IdpError::NotEnabledHere => AppError::RegionPaused,
        // An exception this app does not know (logged with its code where it happened):
        // most likely a new or transient condition upstream, so "try again later" (503).
        IdpError::Unexpected => AppError::Unavailable,
        _ => AppError::Unexpected,
    }
}

/// After a completed reset or temporary-password change: ends the user's sessions
/// everywhere else (`AdminUserGlobalSignOut`, ASVS 7.4.3) when the settings ask for it.
/// Returns whether that happened; a refusal (e.g. no IAM permission) is logged, and the
/// password change stands.
pub async fn sign_out_elsewhere(state: &AppState, username: &str) -> bool {
    if !state.settings.flows.sign_out_everywhere {
        return false;
    }
    match state.cognito.admin_sign_out(username).await {
        Ok(()) => true,
        Err((kind, code)) => {
            // The code says why (AccessDeniedException: the IAM permission
            // cognito-idp:AdminUserGlobalSignOut is missing; others are Cognito's own).
            tracing::error!(
                kind = ?kind,
                code = %code,
                "AdminUserGlobalSignOut after a password change failed; other sessions stay signed in"
            );
            false
        }
    }
}

/// What the app reads from an ID token: the claims shown or used, nothing else.
#[derive(Debug, Default, PartialEq)]
pub struct IdClaims {
    /// `cognito:username` (for `SECRET_HASH`).
    pub username: Option<String>,
    pub email: Option<String>,
    /// The user's `locale` attribute, when the app client may read it.
    pub locale: Option<String>,
}

/// Reads the [`IdClaims`] from an ID token's payload. The token came straight from Cognito over
/// TLS, so its signature is not re-checked here; it is only used for display, the page's
/// language and `SECRET_HASH`.
pub fn id_claims(tokens: &Tokens) -> IdClaims {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let Some(id) = &tokens.id else {
        return IdClaims::default();
    };
    let payload = id.expose().split('.').nth(1).unwrap_or("");
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')) else {
        return IdClaims::default();
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return IdClaims::default();
    };
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    IdClaims {
        username: s("cognito:username").or_else(|| s("username")),
        email: s("email"),
        locale: s("locale"),
    }
}

/// Builds the signed-in record from fresh tokens.
pub fn signed_in(username: &str, tokens: Tokens) -> SignedIn {
    let claims = id_claims(&tokens);
    SignedIn {
        username: username.to_string(),
        hash_username: claims.username.unwrap_or_else(|| username.to_string()),
        email: claims.email,
        locale: claims.locale,
        access_expires_at: now() + tokens.expires_in,
        authenticated_at: now(),
        tokens,
    }
}

/// The signed-in user, with tokens good for at least another 30 seconds (refreshed if not).
pub async fn signed_in_user(state: &AppState, session: &AppSession) -> Result<SignedIn, AppError> {
    let mut user = session.signed_in().await?.ok_or(AppError::NotSignedIn)?;
    if user.access_expires_at - now() < 30 {
        refresh(state, session, &mut user).await?;
    }
    Ok(user)
}
