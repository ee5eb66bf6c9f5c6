//! Forgot password (`/reset`, `ForgotPassword`) and enter code (`/reset/confirm`,
//! `ConfirmForgotPassword`), with resend and start over.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

use crate::{
    components::{
        form_error, page_state, CodeInput, ErrorSummary, NewPasswordFields, PostForm, Submit,
        UsernameInput,
    },
    error::AppError,
    forms::{Delivery, FormState},
    i18n::td_string,
    islands::resend::ResendButton,
    paths::field,
    policy::PasswordPolicy,
    pool::Recovery,
};
#[cfg(feature = "ssr")]
use crate::{
    flow::{load_page, Code, Ctx, NewPassword, Step, Username},
    forms::FormId,
    limits::Action,
    notify::Change,
    paths,
};

/// What `/reset` shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RequestState {
    pub form: FormState,
    /// Where the pool sends reset codes (`AccountRecoverySetting`).
    #[serde(default)]
    pub recovery: Recovery,
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
    /// The reset came from the email's link (its code is kept on the server and used).
    pub from_link: bool,
    /// Started from "This wasn't me": the user was signed out everywhere.
    pub secured: bool,
    /// From the email's link: the account it is for, masked (`j***`, `j***@e***`).
    #[serde(default)]
    pub account: Option<String>,
    /// The code just typed confirmed the sign-up, and a reset code followed.
    #[serde(default)]
    pub confirmed: bool,
    /// `REINVITE`: an invited user who never chose a password got a new invitation instead of
    /// a code (the page says so to everyone).
    #[serde(default)]
    pub reinvite: bool,
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
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn request_reset(username: String) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    // Every outcome takes at least the configured time, so the answer time does not tell a
    // real account from an unknown one or one without a verified contact.
    let pad = ctx.state.settings.limits.reset_min_response;
    let step = Step::limited(Action::ResetRequest, "reset_requested").at_least(pad);
    let result = async {
        let user = Username::parse_for(&username, ctx.state.features.sign_in_with)?;
        let logic = ssr::request_reset(&ctx.state, &ctx.session, &user);
        ctx.step(step, Some(&user), logic).await
    }
    .await;
    let kept = [(field::USERNAME, username.as_str())];
    let next = result.map(|()| paths::RESET_CONFIRM);
    ctx.finish(FormId::RequestReset, &kept, next).await
}

/// Sets the new password with the code.
#[server(prefix = "/api", endpoint = "reset/confirm")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn confirm_reset(
    code: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let new = NewPassword::new(new_password, confirm_password);
    let typed = Code::new(&code);
    let user = ctx.session.reset().await?.map(|f| f.username);
    let logic = ssr::confirm_reset(&ctx.state, &ctx.session, &typed, &new);
    let step = Step::limited(Action::Confirm, "reset_confirmed");
    let next = ctx.step(step, user.as_deref(), logic).await;
    // The password changed (not when the code confirmed a sign-up and a reset code followed).
    if let (Ok(paths::SIGN_IN), Some(user)) = (&next, user.as_deref()) {
        ctx.notify(Change::PasswordReset, user);
    }
    let kept = ssr::kept_code(&next, &code);
    ctx.finish(FormId::ConfirmReset, &kept, next).await
}

/// Sends another code (after the cooldown).
#[server(prefix = "/api", endpoint = "reset/resend")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn resend_code() -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.reset().await?.map(|f| f.username);
    let logic = ssr::resend(&ctx.state, &ctx.session);
    let step = Step::limited(Action::Resend, "code_resent");
    let result = ctx.step(step, user.as_deref(), logic).await;
    let next = result.map(|()| paths::RESET_CONFIRM_RESENT);
    ctx.finish(FormId::ResendCode, crate::flow::NO_FIELDS, next)
        .await
}

/// Drops the reset in progress ("Wrong account? Start over").
#[server(prefix = "/api", endpoint = "reset/start-over")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn start_over() -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let result = ctx.session.end_all(None).await;
    ctx.finish(
        FormId::RequestReset,
        crate::flow::NO_FIELDS,
        result.map(|()| paths::RESET),
    )
    .await
}

/// State of the `/reset` page.
#[server(prefix = "/api", endpoint = "reset/request-state")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn load_request() -> Result<RequestState, AppError> {
    load_page(async |ctx: &Ctx| ssr::request_state(ctx).await).await
}

/// State of the `/reset/confirm` page.
#[server(prefix = "/api", endpoint = "reset/confirm-state")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn load_confirm(resent: bool) -> Result<ConfirmState, AppError> {
    load_page(async |ctx: &Ctx| ssr::confirm_state(ctx, resent).await).await
}

/// `/reset`: ask for the username.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let l = crate::text::locale();
    let blank = RequestState {
        form: FormState::default(),
        recovery: Recovery::default(),
    };
    view! {
        <Title text=td_string!(l, reset.title)/>
        <h1>{td_string!(l, reset.heading)}</h1>
        {page_state(|| (), |_| load_request(), Some(blank), move |st: RequestState| {
            if st.recovery == Recovery::AdminOnly {
                return admin_only().into_any();
            }
            let error = form_error(st.form.error.clone());
            // What to type, and where the code goes, as the pool has it.
            let lead = format!(
                "{} {}",
                crate::text::missing_identifier(l, crate::text::sign_in_with()),
                match st.recovery {
                    Recovery::Email => td_string!(l, reset.where_email),
                    Recovery::Phone => td_string!(l, reset.where_phone),
                    _ => td_string!(l, reset.where_both),
                }
            );
            view! {
                <p class="lead">{lead}</p>
                <ErrorSummary error/>
                <PostForm action=RequestReset::PATH novalidate=true>
                    <UsernameInput value=st.form.field(field::USERNAME) error/>
                    <Submit label=td_string!(l, reset.send)/>
                </PostForm>
            }.into_any()
        })}
        <p class="aside"><A exact=true href={crate::paths::SIGN_IN}>{td_string!(l, reset.back_to_sign_in)}</A></p>
    }
}

/// A pool where only an administrator resets passwords: what to do instead of a form that
/// cannot work, with the operator's support contact when there is one.
fn admin_only() -> impl IntoView {
    let l = crate::text::locale();
    let support = crate::branding::support_url();
    view! {
        <div class="alert alert-info" role="status" id="admin-only">
            <p>{td_string!(l, reset.admin_only)}</p>
        </div>
        {support.map(|url| view! {
            <p><a class="button primary" href=url.to_string()>{td_string!(l, reset.contact_support)}</a></p>
        })}
    }
}

/// `/reset/confirm`: code + new password, resend, start over.
#[component]
pub fn ConfirmResetPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let source = move || query.with(|q| q.get("resent").is_some());
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, reset.confirm_title)/>
        <h1>{td_string!(l, reset.confirm_title)}</h1>
        {page_state(source, load_confirm, None, move |st: ConfirmState| match st {
            ConfirmState { flow: None, form, .. } => {
                let e = form.error.clone().or(Some(AppError::NoResetInProgress));
                view! {
                    <ErrorSummary error=Signal::derive(move || e.clone())/>
                    <p><A exact=true href={crate::paths::RESET}>{td_string!(l, reset.request_code)}</A></p>
                }.into_any()
            }
            ConfirmState { flow: Some(flow), form, policy } => {
                confirm_form(flow, form, policy).into_any()
            }
        })}
    }
}

fn confirm_form(flow: FlowView, form: FormState, policy: PasswordPolicy) -> impl IntoView {
    let error = form_error(form.error.clone());
    let code_failed =
        form.error.as_ref().and_then(AppError::field) == Some(crate::error::Field::Code);
    let l = crate::text::locale();
    let lead = if flow.from_link {
        let account = flow.account.clone().unwrap_or_default();
        format!(
            "{} {}",
            td_string!(l, reset.from_link),
            td_string!(
                l,
                reset.from_link_account,
                account = crate::text::isolate(&account)
            )
        )
    } else {
        format!(
            "{} {}",
            crate::text::delivery_text(l, &flow.delivery),
            td_string!(l, reset.sent_hint)
        )
    };
    view! {
        {flow.admin_reset.then(|| view! {
            <div class="alert alert-info" role="status">
                {td_string!(l, reset.admin_reset)}
            </div>
        })}
        {flow.secured.then(|| view! {
            <div class="alert alert-success" role="status">{td_string!(l, reset.secured)}</div>
        })}
        {flow.resent.then(|| view! { <div class="alert alert-success" role="status">{td_string!(l, reset.resent)}</div> })}
        {flow.confirmed.then(|| view! { <div class="alert alert-success" role="status" id="sign-up-confirmed">{td_string!(l, reset.sign_up_confirmed)}</div> })}
        <p class="lead" id="delivery">{lead}</p>
        <ErrorSummary error/>
        <PostForm action=ConfirmReset::PATH novalidate=true>
            {if flow.from_link {
                // The code from the link is on the server; nothing to type or to show.
                view! { <input type="hidden" name=field::CODE value=""/> }.into_any()
            } else {
                view! {
                    <CodeInput label=td_string!(l, form.code) value=form.field(field::CODE) error
                        hint=Some("delivery") autofocus=true/>
                }.into_any()
            }}
            <NewPasswordFields policy error autofocus=flow.from_link/>
            <Submit label=td_string!(l, reset.change)/>
        </PostForm>
        // The one way to another code ("Didn't get it?"): not offered beside a code from the
        // link, which did arrive, unless that code is the problem.
        {(!flow.from_link || code_failed).then(|| view! {
            <ResendButton seconds=flow.cooldown_left action=ResendCode::PATH/>
        })}
        {(!flow.from_link).then(no_contact_help)}
        {(!flow.from_link).then(|| invited_help(flow.reinvite))}
        <StartOver/>
    }
}

/// What a code that never comes may mean, and whom to ask (`SUPPORT_URL`): an account without a
/// verified email or phone gets the same page as every other (Cognito sends nothing, and the
/// page may not say so), so the page says it for everyone, and the help-desk ticket is one
/// step.
fn no_contact_help() -> impl IntoView {
    let l = crate::text::locale();
    crate::branding::support_url().map(|url| {
        view! {
            <p class="hint" id="no-contact-help">
                {td_string!(l, reset.no_contact_help)}" "
                <a href=url.to_string()>{td_string!(l, reset.contact_support)}</a>
            </p>
        }
    })
}

/// What an invited user who never chose a password gets instead of a code (the same page for
/// everyone: nothing says which account is which).
fn invited_help(reinvite: bool) -> impl IntoView {
    let l = crate::text::locale();
    let text = if reinvite {
        td_string!(l, reset.invited_reinvite)
    } else {
        td_string!(l, reset.invited_ask)
    };
    view! { <p class="hint" id="invited-help">{text}</p> }
}

/// "Wrong account? Start over."
#[component]
fn StartOver() -> impl IntoView {
    let l = crate::text::locale();
    view! {
        <PostForm action=StartOver::PATH class="inline-form aside">
            {td_string!(l, reset.wrong_account)}" "
            <button type="submit" class="link">{td_string!(l, reset.start_over)}</button>
        </PostForm>
    }
}

#[cfg(all(test, feature = "ssr"))]
pub(crate) mod tests;

pub mod link;
pub use link::LinkUsedPage;

/// Server-side logic of the reset flow, testable without HTTP.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{ConfirmState, FlowView, RequestState};
    use crate::{
        clock::now,
        cognito::IdpError,
        error::AppError,
        flow::{
            idp_error, send_code, sign_out_elsewhere, start_reset, Code, Ctx, NewPassword,
            ResetStart, Username,
        },
        forms::{FormId, FormState, Notice},
        password::{check_guessability, check_new_password},
        paths,
        session::{AppSession, ResetFlow, Sent},
        state::AppState,
    };

    /// The `/reset` page's state.
    pub async fn request_state(ctx: &Ctx) -> Result<RequestState, AppError> {
        let flash = ctx.session.take_flash().await?;
        Ok(RequestState {
            form: FormState::for_form(flash.as_ref(), FormId::RequestReset),
            recovery: ctx.state.features.recovery,
        })
    }

    /// The `/reset/confirm` page's state (`resent`: right after "Resend code").
    pub async fn confirm_state(ctx: &Ctx, resent: bool) -> Result<ConfirmState, AppError> {
        confirm_state_of(&ctx.state, &ctx.session, resent).await
    }

    /// [`confirm_state`] from the state and session.
    pub async fn confirm_state_of(
        state: &AppState,
        session: &AppSession,
        resent: bool,
    ) -> Result<ConfirmState, AppError> {
        let flash = session.take_flash().await?;
        let form = [FormId::ConfirmReset, FormId::ResendCode]
            .into_iter()
            .map(|f| FormState::for_form(flash.as_ref(), f))
            .find(|f| f.error.is_some())
            .unwrap_or_default();
        let cooldown = state.settings.flows.resend_cooldown.as_secs();
        let flow = session.reset().await?.map(|f| {
            // The code from the email's link stays on the server: the page says it is there
            // and asks only for the password (nothing sent to the browser echoes a code).
            FlowView {
                account: f.link_code.as_ref().map(|_| masked_account(&f.username)),
                cooldown_left: cooldown_left(f.sent_at, now(), cooldown),
                from_link: f.link_code.is_some() && !resent,
                secured: f.secured && !resent,
                confirmed: f.confirmed && !resent,
                reinvite: state.settings.flows.reinvite,
                delivery: f.delivery,
                admin_reset: f.admin_reset,
                resent,
            }
        });
        let policy = state.policy.clone();
        Ok(ConfirmState { form, policy, flow })
    }

    /// A username as the code page opened from a link shows it: its first character, and an
    /// address's domain's first character (`j***`, `j***@e***`).
    pub fn masked_account(username: &str) -> String {
        let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
        match username.split_once('@') {
            Some((local, domain)) => format!("{}***@{}***", first(local), first(domain)),
            None => format!("{}***", first(username)),
        }
    }

    /// The fields a failed confirmation keeps for the form: the code, unless it was the
    /// problem (passwords never are).
    pub fn kept_code<'a, T>(
        result: &Result<T, AppError>,
        code: &'a str,
    ) -> Vec<(&'static str, &'a str)> {
        match result {
            Err(AppError::WrongCode | AppError::CodeLength(_) | AppError::ExpiredCode) | Ok(_) => {
                vec![]
            }
            Err(_) => vec![(crate::paths::field::CODE, code)],
        }
    }

    /// Seconds left before another code may be sent.
    pub fn cooldown_left(sent_at: i64, now: i64, cooldown: u64) -> u32 {
        let elapsed = (now - sent_at).max(0) as u64;
        cooldown.saturating_sub(elapsed) as u32
    }

    /// `/reset` posted: send a code and remember the username for the next step.
    pub async fn request_reset(
        state: &AppState,
        session: &AppSession,
        username: &Username,
    ) -> Result<(), AppError> {
        // The same for every user of such a pool: it tells nothing about an account.
        if state.features.recovery == crate::pool::Recovery::AdminOnly {
            return Err(AppError::RecoveryAdminOnly);
        }
        let cooldown = state.settings.flows.resend_cooldown.as_secs();
        // Asking again for the same user within the cooldown reuses the code already sent.
        if let Some(flow) = session.reset().await? {
            if flow.username == **username && cooldown_left(flow.sent_at, now(), cooldown) > 0 {
                return Ok(());
            }
        }
        start_reset(state, session, username, ResetStart::Asked).await
    }

    /// "Resend code": another `ForgotPassword`, no sooner than the cooldown allows.
    pub async fn resend(state: &AppState, session: &AppSession) -> Result<(), AppError> {
        let mut flow = session.reset().await?.ok_or(AppError::NoResetInProgress)?;
        let left = cooldown_left(
            flow.sent_at,
            now(),
            state.settings.flows.resend_cooldown.as_secs(),
        );
        if left > 0 {
            return Err(AppError::ResendCooldown(left));
        }
        let (delivery, sent) = send_code(state, &flow.username).await?;
        (flow.delivery, flow.sent, flow.sent_at) = (Some(delivery), sent, now());
        session.set_reset(&flow).await
    }

    /// `/reset/confirm` posted: `ConfirmForgotPassword`, then back to sign in. Returns the
    /// page to go to: sign-in, or this page again when the code confirmed a sign-up (a reset
    /// code follows it).
    pub async fn confirm_reset(
        state: &AppState,
        session: &AppSession,
        code: &Code,
        new: &NewPassword,
    ) -> Result<&'static str, AppError> {
        let flow = session.reset().await?.ok_or(AppError::NoResetInProgress)?;
        if flow.sent == Sent::SignUpCode {
            return confirm_sign_up_then_reset(state, session, flow, code).await;
        }
        // No code typed: the one from the email's link, if the reset came from it.
        let code = match (code.is_empty(), &flow.link_code) {
            (true, Some(linked)) => linked.expose(),
            _ => code.reset_code()?,
        };
        // Cognito accepts a code for an hour; the app allows a shorter window (ASVS 6.5.5).
        if now() - flow.sent_at > state.settings.flows.code_window.as_secs() as i64 {
            return Err(AppError::ExpiredCode);
        }
        let new_password = new.expose();
        check_new_password(&state.policy, new_password, new.confirmation(), None)?;
        check_guessability(
            new_password,
            &flow.username,
            &state.settings.brand.product_name,
        )?;
        match state
            .cognito
            .confirm_forgot_password(&flow.username, code, new_password)
            .await
        {
            Ok(()) => {
                super::link::ssr::mark_used(state, &flow.username, code).await;
                let signed_out_elsewhere = sign_out_elsewhere(state, &flow.username).await;
                session
                    .end_all(Some(&Notice::PasswordReset {
                        username: flow.username.clone(),
                        signed_out_elsewhere,
                    }))
                    .await?;
                // Its next sign-in here offers a passkey (where the pool has them).
                session
                    .set_recovered(&state.user_hash(&flow.username))
                    .await?;
                Ok(paths::SIGN_IN)
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
            Err(e) => Err(idp_error(e)),
        }
    }

    /// The code on the page was the sign-up's (the user never confirmed): `ConfirmSignUp`
    /// verifies the contact it went to, and the reset code follows at once (the password
    /// typed with it is not kept: the user types it again with the new code).
    async fn confirm_sign_up_then_reset(
        state: &AppState,
        session: &AppSession,
        mut flow: ResetFlow,
        code: &Code,
    ) -> Result<&'static str, AppError> {
        let code = code.reset_code()?;
        if now() - flow.sent_at > state.settings.flows.code_window.as_secs() as i64 {
            return Err(AppError::ExpiredCode);
        }
        match state.cognito.confirm_sign_up(&flow.username, code).await {
            Ok(()) => {}
            Err(IdpError::CodeMismatch | IdpError::UserNotFound | IdpError::NotAuthorized) => {
                return Err(AppError::WrongCode)
            }
            Err(IdpError::ExpiredCode) => return Err(AppError::ExpiredCode),
            Err(e) => return Err(idp_error(e)),
        }
        tracing::info!("sign-up confirmed from the reset page");
        let (delivery, sent) = send_code(state, &flow.username).await?;
        (flow.delivery, flow.sent, flow.sent_at) = (Some(delivery), sent, now());
        flow.confirmed = true;
        session.set_reset(&flow).await?;
        Ok(paths::RESET_CONFIRM)
    }
}
