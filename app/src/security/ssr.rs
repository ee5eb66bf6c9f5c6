//! What the security page's forms do, and what the page shows.

use secrecy::{ExposeSecret, SecretString};

use super::{ItemView, MethodView, SecurityState};
use crate::{
    cognito::{IdpError, MfaPreference, SignIn, Token, UserSecurity},
    config::SignInFlow,
    error::{AppError, Field},
    flow::{next_step, signed_in, signed_in_user, Code, Ctx},
    forms::{FormId, FormState, MfaKind, Notice},
    paths,
    pool::{MfaRule, PoolFeatures},
    session::AppSession,
    state::AppState,
};

/// The second factors the page offers, in this order.
const KINDS: [MfaKind; 3] = [MfaKind::Totp, MfaKind::Sms, MfaKind::Email];

pub use super::access::{confirmed_user, failed, is_confirmed};

/// `r`, its failure sorted by [`failed`].
async fn checked<T>(session: &AppSession, r: Result<T, IdpError>) -> Result<T, AppError> {
    match r {
        Ok(v) => Ok(v),
        Err(e) => Err(failed(session, e).await),
    }
}

/// The step-up posted: the password is checked by signing in again. Tokens: this sign-in is
/// fresh (new session id, the old refresh token revoked). A second factor: its page, after
/// which the sign-in comes back here.
pub async fn confirm(
    state: &AppState,
    session: &AppSession,
    password: &SecretString,
) -> Result<&'static str, AppError> {
    let user = session.signed_in().await?.ok_or(AppError::NotSignedIn)?;
    let password = password.expose_secret();
    if password.is_empty() {
        return Err(AppError::Missing(Field::CurrentPassword));
    }
    let outcome = match state.settings.flows.sign_in_flow {
        SignInFlow::Password => state.cognito.sign_in(&user.username, password).await,
        SignInFlow::Choice => {
            state
                .cognito
                .sign_in_choice(&user.username, Some(password))
                .await
        }
    };
    match outcome {
        Ok(SignIn::Tokens(tokens)) => {
            crate::flow::challenge::revoke_replaced(state, session).await?;
            let key = state.user_hash(&user.username);
            session
                .sign_in(&signed_in(&user.username, tokens), &key)
                .await?;
            Ok(paths::ACCOUNT_SECURITY)
        }
        Ok(outcome) => {
            session.set_step_up().await?;
            next_step(state, session, &user.username, outcome, false).await
        }
        Err(IdpError::NotAuthorized | IdpError::UserNotFound) => {
            Err(AppError::WrongCurrentPassword)
        }
        Err(e) => Err(failed(session, e).await),
    }
}

/// "I have checked everything": the review after "This wasn't me" ends.
pub async fn review_done(state: &AppState, session: &AppSession) -> Result<&'static str, AppError> {
    let user = signed_in_user(state, session).await?;
    crate::flow::review::done(state, &user.username).await;
    if user.hash_username != user.username {
        crate::flow::review::done(state, &user.hash_username).await;
    }
    Ok(paths::ACCOUNT_SECURITY)
}

/// "Add an authenticator app": Cognito's new key, kept in the session until its first code.
pub async fn totp_begin(state: &AppState, session: &AppSession) -> Result<&'static str, AppError> {
    let user = confirmed_user(state, session).await?;
    if !state.features.allows(MfaKind::Totp) {
        return Err(AppError::MfaMethodUnavailable);
    }
    let secret = checked(
        session,
        state.cognito.associate_token_for(&user.tokens.access).await,
    )
    .await?;
    session.set_new_totp(Some(&secret)).await?;
    Ok(paths::ACCOUNT_SECURITY)
}

/// The new authenticator's first code: verified, then turned on as the preferred factor.
pub async fn totp_verify(
    state: &AppState,
    session: &AppSession,
    code: &Code,
    device_name: &str,
) -> Result<&'static str, AppError> {
    let user = confirmed_user(state, session).await?;
    if session.new_totp().await?.is_none() {
        return Err(AppError::NoChallengeInProgress);
    }
    let code = code.digits(crate::flow::input::SIX)?;
    let name = &crate::totp::device_name(device_name);
    let access = &user.tokens.access;
    checked(
        session,
        state.cognito.verify_token_for(access, code, name).await,
    )
    .await?;
    let on = [MfaPreference {
        kind: MfaKind::Totp,
        enabled: true,
        preferred: true,
    }];
    checked(session, state.cognito.set_mfa_preference(access, &on).await).await?;
    session.set_new_totp(None).await?;
    session.set_notice(&Notice::AuthenticatorAdded).await?;
    Ok(paths::ACCOUNT_SECURITY)
}

/// What `SetUserMFAPreference` gets for `change` (`on`, `off`, `prefer`) of `kind`, given the
/// user's factors now; or why the change may not be made.
pub fn plan(
    features: &PoolFeatures,
    user: &UserSecurity,
    kind: MfaKind,
    change: &str,
) -> Result<Vec<MfaPreference>, AppError> {
    if !features.allows(kind) {
        return Err(AppError::MfaMethodUnavailable);
    }
    let on = user.mfa.contains(&kind);
    let set = |kind, enabled, preferred| MfaPreference {
        kind,
        enabled,
        preferred,
    };
    match change {
        "on" if on => Ok(vec![]),
        "on" => {
            if !usable(user, kind) {
                return Err(AppError::MfaMethodUnavailable);
            }
            Ok(vec![set(
                kind,
                true,
                user.preferred.is_none() || user.mfa.is_empty(),
            )])
        }
        "prefer" if on => Ok(vec![set(kind, true, true)]),
        "prefer" => Err(AppError::MfaMethodUnavailable),
        "off" if !on => Ok(vec![]),
        "off" => {
            let others: Vec<MfaKind> = user.mfa.iter().copied().filter(|k| *k != kind).collect();
            if features.mfa == MfaRule::Required && others.is_empty() {
                return Err(AppError::LastMfaMethod);
            }
            let mut changes = vec![set(kind, false, false)];
            // The preferred factor goes: the next one left takes its place.
            if user.preferred == Some(kind) || user.preferred.is_none() {
                if let Some(next) = others.first() {
                    changes.push(set(*next, true, true));
                }
            }
            Ok(changes)
        }
        _ => Err(AppError::BadRequest),
    }
}

/// Whether `kind` can be turned on: its contact is verified (the authenticator app is added
/// with its own form).
fn usable(user: &UserSecurity, kind: MfaKind) -> bool {
    match kind {
        MfaKind::Totp => false,
        MfaKind::Sms | MfaKind::SmsOtp => user.phone_verified,
        MfaKind::Email => user.email_verified,
    }
}

/// A second factor turned on or off, or made the preferred one.
pub async fn mfa_change(
    state: &AppState,
    session: &AppSession,
    method: &str,
    change: &str,
) -> Result<&'static str, AppError> {
    let user = confirmed_user(state, session).await?;
    let kind = MfaKind::from_wire(method).ok_or(AppError::MfaMethodUnavailable)?;
    let access = &user.tokens.access;
    let now_set = checked(session, state.cognito.get_user(access).await).await?;
    let changes = plan(&state.features, &now_set, kind, change)?;
    if !changes.is_empty() {
        checked(
            session,
            state.cognito.set_mfa_preference(access, &changes).await,
        )
        .await?;
    }
    session.set_notice(&Notice::MfaUpdated).await?;
    Ok(paths::ACCOUNT_SECURITY)
}

/// A remembered device forgotten.
pub async fn forget_device(
    state: &AppState,
    session: &AppSession,
    key: &str,
) -> Result<&'static str, AppError> {
    let user = confirmed_user(state, session).await?;
    if key.is_empty() || key.len() > 100 {
        return Err(AppError::BadRequest);
    }
    checked(
        session,
        state.cognito.forget_device(&user.tokens.access, key).await,
    )
    .await?;
    session.set_notice(&Notice::DeviceForgotten).await?;
    Ok(paths::ACCOUNT_SECURITY)
}

/// A passkey deleted.
pub async fn delete_passkey(
    state: &AppState,
    session: &AppSession,
    id: &str,
) -> Result<&'static str, AppError> {
    let user = confirmed_user(state, session).await?;
    if id.is_empty() || id.len() > 1024 {
        return Err(AppError::BadRequest);
    }
    checked(
        session,
        state.cognito.delete_passkey(&user.tokens.access, id).await,
    )
    .await?;
    session.set_notice(&Notice::PasskeyDeleted).await?;
    Ok(paths::ACCOUNT_SECURITY)
}

/// Every session of the user ends (`GlobalSignOut`), this one too.
pub async fn sign_out_everywhere(
    state: &AppState,
    session: &AppSession,
) -> Result<&'static str, AppError> {
    let user = signed_in_user(state, session).await?;
    checked(
        session,
        state.cognito.global_sign_out(&user.tokens.access).await,
    )
    .await?;
    let username = user.username;
    session
        .end_all(Some(&Notice::SignedOutEverywhere { username }))
        .await?;
    Ok(paths::SIGN_IN)
}

/// The creation options of a new passkey (JSON, for the browser).
pub async fn passkey_options(state: &AppState, session: &AppSession) -> Result<String, AppError> {
    let user = confirmed_user(state, session).await?;
    if !state.features.passkeys {
        return Err(AppError::PasskeysOff);
    }
    checked(
        session,
        state.cognito.start_passkey(&user.tokens.access).await,
    )
    .await
}

/// Longest credential JSON taken from the browser (an attestation is a few KiB).
const MAX_CREDENTIAL: usize = 64 * 1024;

/// The browser's new passkey, kept by Cognito.
pub async fn passkey_add(
    state: &AppState,
    session: &AppSession,
    credential: &str,
) -> Result<&'static str, AppError> {
    let user = confirmed_user(state, session).await?;
    if credential.is_empty() || credential.len() > MAX_CREDENTIAL {
        return Err(AppError::PasskeyFailed);
    }
    let access = &user.tokens.access;
    checked(
        session,
        state.cognito.complete_passkey(access, credential).await,
    )
    .await?;
    session.set_notice(&Notice::PasskeyAdded).await?;
    Ok(paths::ACCOUNT_SECURITY)
}

/// Answers an island's call: an error gets its status and is also left for the page the
/// island goes to next (it shows errors in the page's language; the browser has no words).
pub async fn for_island<T>(ctx: &Ctx, result: Result<T, AppError>) -> Result<T, AppError> {
    if ctx.session.signed_in().await?.is_none() {
        return crate::flow::page_result(result);
    }
    ctx.island_answer(FormId::Security, crate::flow::NO_FIELDS, result)
        .await
}

/// A Unix time as `YYYY-MM-DD` (UTC).
fn date(secs: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(secs).ok()?;
    Some(format!(
        "{:04}-{:02}-{:02}",
        t.year(),
        u8::from(t.month()),
        t.day()
    ))
}

/// The remembered devices, those used since `since` (a review's start) marked new.
async fn devices(state: &AppState, access: &Token, since: Option<i64>) -> Vec<ItemView> {
    let found = state.cognito.list_devices(access).await;
    found
        .unwrap_or_default()
        .into_iter()
        .map(|d| ItemView {
            new: matches!((since, d.last_used), (Some(s), Some(t)) if t >= s),
            id: d.key,
            name: d.name.unwrap_or_else(|| "—".into()),
            date: d.last_used.and_then(date),
        })
        .collect()
}

/// The passkeys, those added since `since` (a review's start) marked new.
async fn passkeys(state: &AppState, access: &Token, since: Option<i64>) -> Vec<ItemView> {
    let found = state.cognito.list_passkeys(access).await;
    found
        .unwrap_or_default()
        .into_iter()
        .map(|p| ItemView {
            new: since.is_some_and(|s| p.created >= s),
            id: p.id,
            name: p.name,
            date: date(p.created),
        })
        .collect()
}

/// The security page's state. Names, devices and passkeys go into server-rendered HTML only,
/// never into a JSON answer.
pub async fn security_state(ctx: &Ctx) -> Result<SecurityState, AppError> {
    let (state, session) = (&ctx.state, &ctx.session);
    if session.signed_in().await?.is_none() || !ctx.page_render {
        return Ok(SecurityState::default());
    }
    let user = match signed_in_user(state, session).await {
        Ok(u) => u,
        Err(AppError::SessionEnded) => return Ok(SecurityState::default()),
        Err(e) => return Err(e),
    };
    let flash = session.take_flash().await?;
    let form = FormState::for_form(flash.as_ref(), FormId::Security);
    let notice = session.take_notice().await?;
    let features = &state.features;
    let access = &user.tokens.access;
    let Ok(sec) = checked(session, state.cognito.get_user(access).await).await else {
        return Ok(SecurityState::default());
    };
    // After "This wasn't me": what came since the reported change is marked for review.
    let since = match crate::flow::review::pending(state, &user.username).await {
        Some(t) => Some(t),
        None => crate::flow::review::pending(state, &user.hash_username).await,
    };
    let required = features.mfa == MfaRule::Required;
    let methods = KINDS
        .into_iter()
        .filter(|k| features.allows(*k))
        .map(|kind| {
            let on = sec.mfa.contains(&kind);
            MethodView {
                kind,
                on,
                preferred: on && (sec.preferred == Some(kind) || sec.mfa.len() == 1),
                usable: usable(&sec, kind),
                can_turn_off: plan(features, &sec, kind, "off").is_ok(),
                review: since.is_some() && on,
            }
        })
        .collect();
    let contact = Some(super::contact::ssr::view(state, session, &sec).await?);
    let recovery = super::recovery::ssr::view(state, session, &user, &sec).await?;
    let totp = session
        .new_totp()
        .await?
        .map(|s| crate::totp::setup(state, &user.username, s.expose()));
    let devices = if features.devices {
        Some(devices(state, access, since).await)
    } else {
        None
    };
    let passkeys = if features.passkeys {
        Some(passkeys(state, access, since).await)
    } else {
        None
    };
    Ok(SecurityState {
        review: since.and_then(date),
        signed_in: true,
        confirmed: is_confirmed(state, &user),
        notice,
        form,
        required,
        methods,
        totp,
        devices,
        passkeys,
        contact,
        recovery,
    })
}
