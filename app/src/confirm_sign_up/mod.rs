//! A sign-up never confirmed (`/sign-in/confirm`): Cognito refuses to sign the user in
//! (`UserNotConfirmedException`, heard only with the right password). Sign-in sends the
//! sign-up's code again (`ResendConfirmationCode`) and comes here; the code confirms the
//! account (`ConfirmSignUp`, which also verifies the contact it went to), and the user signs
//! in. The password is never kept: sign-in asks for it again, with the username filled in.
//! A reset that finds such an account confirms it on the reset's own page (`reset`).

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

use crate::{
    components::{form_error, page_state, CodeInput, ErrorSummary, PostForm, Submit},
    error::AppError,
    forms::{Delivery, FormState},
    i18n::td_string,
    islands::resend::ResendButton,
};
#[cfg(feature = "ssr")]
use crate::{
    flow::{load_page, Code, Ctx, Step},
    forms::FormId,
    limits::Action,
    paths,
};

/// What `/sign-in/confirm` shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConfirmSignUpState {
    /// A sign-in found the unconfirmed account in this session: where its code went.
    pub pending: Option<Option<Delivery>>,
    /// Seconds until another code may be sent.
    pub cooldown_left: u32,
    /// The code was just sent again.
    pub resent: bool,
    pub form: FormState,
}

/// The state of `/sign-in/confirm`.
#[server(prefix = "/api", endpoint = "sign-in/confirm-state")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn load_confirm_sign_up(resent: bool) -> Result<ConfirmSignUpState, AppError> {
    load_page(async |ctx: &Ctx| ssr::state(ctx, resent).await).await
}

/// The sign-up's code.
#[server(prefix = "/api", endpoint = "sign-in/confirm")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn confirm_sign_up(code: String) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.stuck().await?.map(|f| f.username);
    let logic = ssr::confirm(&ctx.state, &ctx.session, Code::new(&code));
    // The address the code went to is verified now: reset codes can go there (told, like
    // every change to how the user gets in).
    let step = Step::limited(Action::Confirm, "sign_up_confirmed")
        .notifies(crate::notify::Change::ContactVerified);
    let next = ctx.step(step, user.as_deref(), logic).await;
    let next = next.map(|()| paths::SIGN_IN);
    ctx.finish(FormId::ConfirmSignUp, crate::flow::NO_FIELDS, next)
        .await
}

/// "Resend code" for the sign-up.
#[server(prefix = "/api", endpoint = "sign-in/confirm-resend")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn resend_sign_up_code() -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.stuck().await?.map(|f| f.username);
    let logic = ssr::resend(&ctx.state, &ctx.session);
    let step = Step::limited(Action::Resend, "sign_up_code_resent");
    let next = ctx.step(step, user.as_deref(), logic).await;
    let next = next.map(|()| paths::CONFIRM_SIGN_UP_RESENT);
    ctx.finish(FormId::ConfirmSignUp, crate::flow::NO_FIELDS, next)
        .await
}

/// `/sign-in/confirm`.
#[component]
pub fn ConfirmSignUpPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let source = move || query.with(|q| q.get("resent").is_some());
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, confirm_sign_up.title)/>
        <h1>{td_string!(l, confirm_sign_up.title)}</h1>
        {page_state(source, load_confirm_sign_up, None, move |st: ConfirmSignUpState| {
            let error = form_error(st.form.error.clone());
            let Some(delivery) = st.pending else {
                return view! {
                    <ErrorSummary error/>
                    <div class="alert alert-info" role="status">{td_string!(l, confirm_sign_up.none)}</div>
                    <p><A exact=true href={crate::paths::SIGN_IN}>{td_string!(l, reset.back_to_sign_in)}</A></p>
                }.into_any();
            };
            let lead = format!(
                "{} {}",
                td_string!(l, confirm_sign_up.lead),
                crate::text::delivery_text(l, &delivery)
            );
            view! {
                {st.resent.then(|| view! { <div class="alert alert-success" role="status">{td_string!(l, reset.resent)}</div> })}
                <p class="lead" id="delivery">{lead}</p>
                <ErrorSummary error/>
                <PostForm action=ConfirmSignUp::PATH novalidate=true>
                    <CodeInput label=td_string!(l, form.code) value="" error hint=Some("delivery") autofocus=true/>
                    <Submit label=td_string!(l, confirm_sign_up.submit)/>
                </PostForm>
                <ResendButton seconds=st.cooldown_left action=ResendSignUpCode::PATH/>
                <p class="aside"><A exact=true href={crate::paths::SIGN_IN}>{td_string!(l, reset.back_to_sign_in)}</A></p>
            }.into_any()
        })}
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests;

/// Server-side logic of the sign-up's confirmation.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::ConfirmSignUpState;
    use crate::{
        clock::now,
        cognito::IdpError,
        error::AppError,
        flow::{idp_error, stuck::send_sign_up_code, Code, Ctx},
        forms::{FormId, FormState, Notice},
        session::{AppSession, Stuck, StuckFlow},
        state::AppState,
    };

    /// The unconfirmed account this session found, if any.
    async fn pending(session: &AppSession) -> Result<Option<StuckFlow>, AppError> {
        Ok(session
            .stuck()
            .await?
            .filter(|f| f.state == Stuck::NotConfirmed))
    }

    /// Seconds before another code may be sent.
    fn cooldown_left(state: &AppState, flow: &StuckFlow) -> u32 {
        let cooldown = state.settings.flows.resend_cooldown.as_secs();
        let elapsed = (now() - flow.sent_at).max(0) as u64;
        cooldown.saturating_sub(elapsed) as u32
    }

    /// The page's state.
    pub async fn state(ctx: &Ctx, resent: bool) -> Result<ConfirmSignUpState, AppError> {
        let flash = ctx.session.take_flash().await?;
        let flow = pending(&ctx.session).await?;
        Ok(ConfirmSignUpState {
            cooldown_left: flow.as_ref().map_or(0, |f| cooldown_left(&ctx.state, f)),
            pending: flow.map(|f| f.delivery),
            resent,
            form: FormState::for_form(flash.as_ref(), FormId::ConfirmSignUp),
        })
    }

    /// The code typed: `ConfirmSignUp`, then to sign-in with the username filled in.
    pub async fn confirm(
        state: &AppState,
        session: &AppSession,
        code: Code,
    ) -> Result<(), AppError> {
        let flow = pending(session)
            .await?
            .ok_or(AppError::NoChallengeInProgress)?;
        let code = code.reset_code()?;
        match state.cognito.confirm_sign_up(&flow.username, code).await {
            Ok(()) => {
                let notice = Notice::SignUpConfirmed {
                    username: flow.username,
                };
                session.end_all(Some(&notice)).await
            }
            Err(IdpError::CodeMismatch | IdpError::UserNotFound | IdpError::NotAuthorized) => {
                Err(AppError::WrongCode)
            }
            Err(IdpError::ExpiredCode) => Err(AppError::ExpiredCode),
            Err(e) => Err(idp_error(e)),
        }
    }

    /// "Resend code": the sign-up's code again, no sooner than the cooldown allows.
    pub async fn resend(state: &AppState, session: &AppSession) -> Result<(), AppError> {
        let mut flow = pending(session)
            .await?
            .ok_or(AppError::NoChallengeInProgress)?;
        let left = cooldown_left(state, &flow);
        if left > 0 {
            return Err(AppError::ResendCooldown(left));
        }
        state.limiter.code_sent().await?;
        flow.delivery = send_sign_up_code(state, &flow.username)
            .await
            .map_err(idp_error)?;
        flow.sent_at = now();
        session.set_stuck(&flow).await
    }
}
