//! Forgot password (`/reset`, `ForgotPassword`) and enter code (`/reset/confirm`,
//! `ConfirmForgotPassword`), with resend and start over.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

use crate::{
    components::{
        countdown, form_error, invalid, ErrorSummary, NewPasswordFields, Submit, UsernameInput,
    },
    error::{AppError, Field},
    forms::{Delivery, FormState},
    i18n::td_string,
    password::PasswordPolicy,
};

/// What `/reset` shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RequestState {
    pub form: FormState,
}

/// A reset in progress, as the code page shows it (no username, no secrets).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FlowView {
    pub delivery: Option<Delivery>,
    /// Seconds until another code may be requested.
    pub cooldown_left: u32,
    /// The reset was started by an administrator.
    pub admin_reset: bool,
    /// The code was just resent.
    pub resent: bool,
}

/// What `/reset/confirm` shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConfirmState {
    pub form: FormState,
    pub policy: PasswordPolicy,
    pub flow: Option<FlowView>,
}

/// Sends a reset code to the user's verified email or phone.
#[server(prefix = "/api", endpoint = "reset/request")]
pub async fn request_reset(username: String) -> Result<(), AppError> {
    let ctx = crate::state::Ctx::get().await?;
    let result = match ssr::clean_username(&username) {
        Err(e) => Err(e),
        Ok(clean) => {
            // Every outcome takes at least the configured time, so the answer time does not
            // tell a real account from an unknown one or one without a verified contact.
            let started = tokio::time::Instant::now();
            let result = match ctx
                .limit(crate::limits::Action::ResetRequest, Some(&clean))
                .await
            {
                Ok(()) => ssr::request_reset(&ctx.state, &ctx.session, &clean).await,
                Err(e) => Err(e),
            };
            tokio::time::sleep_until(started + ctx.state.settings.reset_min_response).await;
            ctx.audit("reset_requested", Some(&clean), &result);
            result
        }
    };
    ctx.finish(
        crate::forms::FormId::RequestReset,
        &[("username", &username)],
        result.map(|()| "/reset/confirm"),
    )
    .await
}

/// Sets the new password with the code.
#[server(prefix = "/api", endpoint = "reset/confirm")]
pub async fn confirm_reset(
    code: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    let ctx = crate::state::Ctx::get().await?;
    let user = ctx.session.reset().await?.map(|f| f.username);
    let result = match ctx
        .limit(crate::limits::Action::Confirm, user.as_deref())
        .await
    {
        Ok(()) => {
            ssr::confirm_reset(
                &ctx.state,
                &ctx.session,
                &code,
                &new_password,
                &confirm_password,
            )
            .await
        }
        Err(e) => Err(e),
    };
    ctx.audit("reset_confirmed", user.as_deref(), &result);
    // The code is kept (server-side) unless it was the problem; passwords never are.
    let keep_code = !matches!(
        result,
        Err(AppError::WrongCode | AppError::ExpiredCode) | Ok(())
    );
    let fields: &[(&str, &str)] = if keep_code { &[("code", &code)] } else { &[] };
    ctx.finish(
        crate::forms::FormId::ConfirmReset,
        fields,
        result.map(|()| "/sign-in"),
    )
    .await
}

/// Sends another code (after the cooldown).
#[server(prefix = "/api", endpoint = "reset/resend")]
pub async fn resend_code() -> Result<(), AppError> {
    let ctx = crate::state::Ctx::get().await?;
    let user = ctx.session.reset().await?.map(|f| f.username);
    let result = match ctx
        .limit(crate::limits::Action::Resend, user.as_deref())
        .await
    {
        Ok(()) => ssr::resend(&ctx.state, &ctx.session).await,
        Err(e) => Err(e),
    };
    ctx.audit("code_resent", user.as_deref(), &result);
    ctx.finish(
        crate::forms::FormId::ResendCode,
        &[],
        result.map(|()| "/reset/confirm?resent"),
    )
    .await
}

/// Drops the reset in progress ("Wrong account? Start over").
#[server(prefix = "/api", endpoint = "reset/start-over")]
pub async fn start_over() -> Result<(), AppError> {
    let ctx = crate::state::Ctx::get().await?;
    let result = ctx.session.end_all(None).await;
    ctx.finish(
        crate::forms::FormId::RequestReset,
        &[],
        result.map(|()| "/reset"),
    )
    .await
}

/// State of the `/reset` page.
#[server(prefix = "/api", endpoint = "reset/request-state")]
pub async fn load_request() -> Result<RequestState, AppError> {
    crate::state::page_result(
        async move {
            let ctx = crate::state::Ctx::get().await?;
            let flash = ctx.session.take_flash().await?;
            Ok(RequestState {
                form: FormState::for_form(flash.as_ref(), crate::forms::FormId::RequestReset),
            })
        }
        .await,
    )
}

/// State of the `/reset/confirm` page.
#[server(prefix = "/api", endpoint = "reset/confirm-state")]
pub async fn load_confirm(resent: bool) -> Result<ConfirmState, AppError> {
    crate::state::page_result(
        async move {
            let ctx = crate::state::Ctx::get().await?;
            let flash = ctx.session.take_flash().await?;
            let mut form = FormState::for_form(flash.as_ref(), crate::forms::FormId::ConfirmReset);
            if form.error.is_none() {
                form = FormState::for_form(flash.as_ref(), crate::forms::FormId::ResendCode);
            }
            let flow = ctx.session.reset().await?.map(|f| FlowView {
                cooldown_left: ssr::cooldown_left(
                    f.sent_at,
                    crate::state::now(),
                    ctx.state.settings.resend_cooldown.as_secs(),
                ),
                delivery: f.delivery,
                admin_reset: f.admin_reset,
                resent,
            });
            Ok(ConfirmState {
                form,
                policy: ctx.state.policy.clone(),
                flow,
            })
        }
        .await,
    )
}

/// `/reset`: ask for the username.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestReset>::new();
    let state = Resource::new_blocking(|| (), |_| load_request());
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, reset.title)/>
        <h1>{td_string!(l, reset.heading)}</h1>
        <p class="lead">{td_string!(l, reset.lead)}</p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let st = state.await.unwrap_or(RequestState { form: FormState::default() });
                let error = form_error(move || action.value().get(), st.form.error.clone());
                view! {
                    <ErrorSummary error/>
                    <ActionForm action=action attr:novalidate="">
                        <UsernameInput value=st.form.field("username") error/>
                        <Submit label=td_string!(l, reset.send) busy=td_string!(l, reset.sending) pending=action.pending()/>
                    </ActionForm>
                }
            })}
        </Suspense>
        <p class="aside"><A href="/sign-in">{td_string!(l, reset.back_to_sign_in)}</A></p>
    }
}

/// `/reset/confirm`: code + new password, resend, start over.
#[component]
pub fn ConfirmResetPage() -> impl IntoView {
    let confirm = ServerAction::<ConfirmReset>::new();
    let resend = ServerAction::<ResendCode>::new();
    let query = leptos_router::hooks::use_query_map();
    let state = Resource::new_blocking(
        move || {
            (
                resend.version().get(),
                query.with(|q| q.get("resent").is_some()),
            )
        },
        |(_, resent)| load_confirm(resent),
    );
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, reset.confirm_title)/>
        <h1>{td_string!(l, reset.confirm_title)}</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match state.await {
                    Err(e) => view! { <ErrorSummary error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                    Ok(ConfirmState { flow: None, form, .. }) => {
                        let e = form.error.clone().or(Some(AppError::NoResetInProgress));
                        view! {
                            <ErrorSummary error=Signal::derive(move || e.clone())/>
                            <p><A href="/reset">{td_string!(l, reset.request_code)}</A></p>
                        }.into_any()
                    }
                    Ok(ConfirmState { flow: Some(flow), form, policy }) => {
                        confirm_form(confirm, resend, flow, form, policy).into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn confirm_form(
    confirm: ServerAction<ConfirmReset>,
    resend: ServerAction<ResendCode>,
    flow: FlowView,
    form: FormState,
    policy: PasswordPolicy,
) -> impl IntoView {
    let initial = form.error.clone();
    let error = Signal::derive(
        move || match (confirm.value().get(), resend.value().get()) {
            (Some(Err(e)), _) | (_, Some(Err(e))) => Some(e),
            _ => initial.clone(),
        },
    );
    let left = countdown(flow.cooldown_left);
    let code_invalid = invalid(error, Field::Code);
    let hydrated = crate::components::use_hydrated();
    let l = crate::text::locale();
    let lead = crate::text::delivery_text(l, &flow.delivery);
    view! {
        {flow.admin_reset.then(|| view! {
            <div class="alert alert-info" role="status">
                {td_string!(l, reset.admin_reset)}
            </div>
        })}
        {flow.resent.then(|| view! { <div class="alert alert-success" role="status">{td_string!(l, reset.resent)}</div> })}
        <p class="lead" id="delivery">{lead}" "{td_string!(l, reset.sent_hint)}</p>
        <ErrorSummary error/>
        {move || error.get().filter(|e| e.offers_resend()).map(|_| view! {
            <ActionForm action=resend attr:class="inline-form">
                <button type="submit" class="secondary">{td_string!(l, reset.send_new_code)}</button>
            </ActionForm>
        })}
        <ActionForm action=confirm attr:novalidate="">
            <div class="field">
                <label for="code">{td_string!(l, form.code)}</label>
                <input
                    id="code"
                    name="code"
                    type="text"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    autocapitalize="off"
                    spellcheck="false"
                    value=form.field("code")
                    aria-invalid=move || if code_invalid.get() { "true" } else { "false" }
                    aria-describedby=crate::components::described_by(code_invalid, Field::Code, Some("delivery"))
                />
                <crate::components::FieldError field=Field::Code error/>
            </div>
            <NewPasswordFields policy error/>
            <Submit label=td_string!(l, reset.change) busy=td_string!(l, reset.changing) pending=confirm.pending()/>
        </ActionForm>
        <div class="resend">
            <p id="resend-status" aria-live="polite">
                {move || crate::text::resend_status(l, left.get())}
            </p>
            <ActionForm action=resend attr:class="inline-form">
                <button
                    type="submit"
                    class="secondary"
                    id="resend"
                    disabled=move || { hydrated.get() && left.get() != 0 }
                >
                    {td_string!(l, reset.resend)}
                </button>
            </ActionForm>
        </div>
        <StartOver/>
    }
}

/// "Wrong account? Start over."
#[component]
fn StartOver() -> impl IntoView {
    let action = ServerAction::<StartOver>::new();
    let l = crate::text::locale();
    view! {
        <ActionForm action=action attr:class="inline-form aside">
            {td_string!(l, reset.wrong_account)}" "
            <button type="submit" class="link">{td_string!(l, reset.start_over)}</button>
        </ActionForm>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests;

/// Server-side logic of the reset flow, testable without HTTP.
#[cfg(feature = "ssr")]
pub mod ssr {
    use crate::{
        cognito::{Delivery, IdpError, Medium},
        error::{AppError, Field},
        forms::Notice,
        password::{check_guessability, check_new_password},
        session::{AppSession, ResetFlow},
        state::{now, AppState},
    };
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    /// Longest username accepted (Cognito's limit).
    pub const MAX_USERNAME: usize = 128;

    /// A username as typed, trimmed; empty and over-long ones are refused.
    pub fn clean_username(raw: &str) -> Result<String, AppError> {
        let u = raw.trim();
        if u.is_empty() {
            return Err(AppError::Missing(Field::Username));
        }
        if u.chars().count() > MAX_USERNAME {
            return Err(AppError::UsernameTooLong);
        }
        Ok(u.to_string())
    }

    /// Seconds left before another code may be sent.
    pub fn cooldown_left(sent_at: i64, now: i64, cooldown: u64) -> u32 {
        let elapsed = (now - sent_at).max(0) as u64;
        cooldown.saturating_sub(elapsed) as u32
    }

    /// A letter or digit derived from `key` and `seed` (stable, unpredictable without the key).
    fn keyed_char(key: &[u8; 32], seed: &str, i: usize) -> char {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
        mac.update(seed.to_lowercase().as_bytes());
        let h = mac.finalize().into_bytes();
        let b = h[i % h.len()] % 36;
        if b < 26 {
            (b'a' + b) as char
        } else {
            (b'0' + b - 26) as char
        }
    }

    /// The first letter or digit of `s`, lower-cased.
    fn first_alnum(s: &str) -> Option<char> {
        s.chars()
            .find(|c| c.is_alphanumeric())
            .and_then(|c| c.to_lowercase().next())
    }

    /// Every destination the user sees, real or decoy, in the app's own masked form:
    /// `j***@e***` for an email, `+*******0123` for a phone. Whatever Cognito returns (its
    /// own mask, another emulator's, or an unmasked address) comes out in exactly this shape,
    /// so a real account cannot be told from an unknown one by how its destination looks.
    /// Missing characters are filled from `key` and `username`.
    pub fn canonical_delivery(key: &[u8; 32], username: &str, d: &Delivery) -> Delivery {
        match d.medium {
            Medium::Email => {
                let (local, domain) = d.destination.split_once('@').unwrap_or(("", ""));
                let a = first_alnum(local).unwrap_or_else(|| keyed_char(key, username, 0));
                let b = first_alnum(domain).unwrap_or_else(|| keyed_char(key, username, 1));
                Delivery {
                    medium: Medium::Email,
                    destination: format!("{a}***@{b}***"),
                }
            }
            Medium::Sms => {
                let digits: Vec<char> = d
                    .destination
                    .chars()
                    .filter(|c| c.is_ascii_digit())
                    .collect();
                let last: String = if digits.len() >= 4 {
                    digits[digits.len() - 4..].iter().collect()
                } else {
                    (0..4)
                        .map(|i| {
                            let c = keyed_char(key, username, 2 + i) as u8;
                            (b'0' + c % 10) as char
                        })
                        .collect()
                };
                Delivery {
                    medium: Medium::Sms,
                    destination: format!("+*******{last}"),
                }
            }
        }
    }

    /// A plausible destination for a username Cognito does not know (or that has no verified
    /// contact), so the answer does not reveal whether the account exists: built from the
    /// username the way a real one is shown (see [`canonical_delivery`]), stable per username.
    pub fn decoy_delivery(key: &[u8; 32], username: &str) -> Delivery {
        let digits = username.chars().filter(|c| c.is_ascii_digit()).count();
        let raw = if username.contains('@') {
            Delivery {
                medium: Medium::Email,
                destination: username.to_string(),
            }
        } else if username.starts_with('+') && digits >= 8 {
            Delivery {
                medium: Medium::Sms,
                destination: username.to_string(),
            }
        } else {
            Delivery {
                medium: Medium::Email,
                destination: String::new(),
            }
        };
        canonical_delivery(key, username, &raw)
    }

    /// Calls `ForgotPassword`; unknown users and users without a verified contact get a
    /// decoy answer indistinguishable from a real one.
    pub async fn send_code(state: &AppState, username: &str) -> Result<Delivery, AppError> {
        match state.cognito.forgot_password(username).await {
            Ok(Some(d)) => Ok(canonical_delivery(&state.decoy_key, username, &d)),
            Ok(None) => Ok(decoy_delivery(&state.decoy_key, username)),
            Err(IdpError::UserNotFound | IdpError::InvalidParameter) => {
                Ok(decoy_delivery(&state.decoy_key, username))
            }
            Err(IdpError::NotAuthorized) => {
                // A disabled user, or a wrong client secret: same answer to the user; the
                // operator sees the refusal in the log.
                tracing::error!(
                    "ForgotPassword refused as not authorized (disabled user or bad client secret)"
                );
                Ok(decoy_delivery(&state.decoy_key, username))
            }
            Err(e) => Err(common(e)),
        }
    }

    /// After a completed reset or temporary-password change: ends the user's sessions
    /// everywhere else (`AdminUserGlobalSignOut`, ASVS 7.4.3) when the settings ask for it.
    /// Returns whether that happened; a refusal (e.g. no IAM permission) is logged, and the
    /// password change stands.
    pub async fn sign_out_elsewhere(state: &AppState, username: &str) -> bool {
        if !state.settings.sign_out_everywhere {
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

    /// Maps the kinds every flow treats alike.
    pub fn common(e: IdpError) -> AppError {
        match e {
            IdpError::Throttled => AppError::TooManyAttempts,
            IdpError::CodeDeliveryFailure => AppError::CodeNotDelivered,
            IdpError::Unavailable => AppError::Unavailable,
            IdpError::Refused => AppError::Refused,
            IdpError::UserNotConfirmed => AppError::UserNotConfirmed,
            // An exception this app does not know (logged with its code where it happened):
            // most likely a new or transient condition upstream, so "try again later" (503).
            IdpError::Unexpected => AppError::Unavailable,
            _ => AppError::Unexpected,
        }
    }

    /// `/reset` posted: send a code and remember the username for the next step.
    pub async fn request_reset(
        state: &AppState,
        session: &AppSession,
        raw_username: &str,
    ) -> Result<(), AppError> {
        let username = clean_username(raw_username)?;
        let cooldown = state.settings.resend_cooldown.as_secs();
        // Asking again for the same user within the cooldown reuses the code already sent.
        if let Some(flow) = session.reset().await? {
            if flow.username == username && cooldown_left(flow.sent_at, now(), cooldown) > 0 {
                return Ok(());
            }
        }
        let delivery = send_code(state, &username).await?;
        session
            .start_reset(&ResetFlow {
                username,
                delivery: Some(delivery),
                sent_at: now(),
                admin_reset: false,
            })
            .await
    }

    /// "Resend code": another `ForgotPassword`, no sooner than the cooldown allows.
    pub async fn resend(state: &AppState, session: &AppSession) -> Result<(), AppError> {
        let mut flow = session.reset().await?.ok_or(AppError::NoResetInProgress)?;
        let left = cooldown_left(
            flow.sent_at,
            now(),
            state.settings.resend_cooldown.as_secs(),
        );
        if left > 0 {
            return Err(AppError::ResendCooldown(left));
        }
        flow.delivery = Some(send_code(state, &flow.username).await?);
        flow.sent_at = now();
        session.set_reset(&flow).await
    }

    /// `/reset/confirm` posted: `ConfirmForgotPassword`, then back to sign in.
    pub async fn confirm_reset(
        state: &AppState,
        session: &AppSession,
        code: &str,
        new_password: &str,
        confirm_password: &str,
    ) -> Result<(), AppError> {
        let flow = session.reset().await?.ok_or(AppError::NoResetInProgress)?;
        let code = code.trim();
        if code.is_empty() {
            return Err(AppError::Missing(Field::Code));
        }
        if code.len() > 2048 {
            return Err(AppError::WrongCode);
        }
        // Cognito accepts a code for an hour; the app allows a shorter window (ASVS 6.5.5).
        if now() - flow.sent_at > state.settings.code_window.as_secs() as i64 {
            return Err(AppError::ExpiredCode);
        }
        check_new_password(&state.policy, new_password, confirm_password, None)?;
        check_guessability(new_password, &flow.username, &state.settings.product_name)?;
        match state
            .cognito
            .confirm_forgot_password(&flow.username, code, new_password)
            .await
        {
            Ok(()) => {
                let signed_out_elsewhere = sign_out_elsewhere(state, &flow.username).await;
                session
                    .end_all(Some(&Notice::PasswordReset {
                        username: flow.username,
                        signed_out_elsewhere,
                    }))
                    .await
            }
            // Unknown users get the same answer as a wrong code.
            Err(
                IdpError::CodeMismatch
                | IdpError::UserNotFound
                | IdpError::NotAuthorized
                | IdpError::InvalidParameter,
            ) => Err(AppError::WrongCode),
            Err(IdpError::ExpiredCode) => Err(AppError::ExpiredCode),
            Err(IdpError::InvalidPassword) => Err(AppError::PasswordRejected),
            Err(IdpError::PasswordReused) => Err(AppError::PasswordReused),
            Err(e) => Err(common(e)),
        }
    }
}
