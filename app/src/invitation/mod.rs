//! An invitation whose temporary password expired (`/sign-in/invitation`): Cognito refuses it
//! ("must be reset by an administrator"), and `ForgotPassword` refuses the user too. Sign-in
//! brings the user here only after the right temporary password; with `REINVITE` the page
//! sends the invitation again (`AdminCreateUser` `RESEND`: a new temporary password, a new
//! validity period), else it says whom to ask.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

use crate::{
    components::{form_error, page_state, ErrorSummary, PostForm, Submit},
    error::AppError,
    forms::FormState,
    i18n::td_string,
};
#[cfg(feature = "ssr")]
use crate::{
    flow::{load_page, Ctx, Step},
    forms::FormId,
    limits::Action,
    paths,
};

/// What `/sign-in/invitation` shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InvitationState {
    /// A sign-in found the expired invitation in this session.
    pub expired: bool,
    /// `REINVITE`: the page may send a new one.
    pub can_reinvite: bool,
    pub form: FormState,
}

/// The state of `/sign-in/invitation`.
#[server(prefix = "/api", endpoint = "sign-in/invitation-state")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn load_invitation() -> Result<InvitationState, AppError> {
    load_page(async |ctx: &Ctx| ssr::state(ctx).await).await
}

/// "Send me a new invitation".
#[server(prefix = "/api", endpoint = "sign-in/invitation")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn send_invitation() -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.stuck().await?.map(|f| f.username);
    let logic = ssr::send(&ctx.state, &ctx.session);
    let step = Step::limited(Action::Resend, "invitation_resent");
    let next = ctx.step(step, user.as_deref(), logic).await;
    let next = next.map(|()| paths::SIGN_IN);
    ctx.finish(FormId::Invitation, crate::flow::NO_FIELDS, next)
        .await
}

/// `/sign-in/invitation`.
#[component]
pub fn InvitationPage() -> impl IntoView {
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, invitation.title)/>
        <h1>{td_string!(l, invitation.title)}</h1>
        {page_state(|| (), |_| load_invitation(), None, move |st: InvitationState| {
            let error = form_error(st.form.error.clone());
            if !st.expired {
                return view! {
                    <ErrorSummary error/>
                    <div class="alert alert-info" role="status">{td_string!(l, invitation.none)}</div>
                    <p><A exact=true href={crate::paths::SIGN_IN}>{td_string!(l, reset.back_to_sign_in)}</A></p>
                }.into_any();
            }
            let support = crate::branding::support_url();
            view! {
                <p class="lead">{td_string!(l, invitation.lead)}</p>
                <ErrorSummary error/>
                {if st.can_reinvite {
                    view! {
                        <PostForm action=SendInvitation::PATH>
                            <p>{td_string!(l, invitation.send_hint)}</p>
                            <Submit label=td_string!(l, invitation.send)/>
                        </PostForm>
                    }.into_any()
                } else {
                    view! {
                        <p>{td_string!(l, invitation.ask)}</p>
                        {support.map(|url| view! {
                            <p><a class="button primary" href=url.to_string()>{td_string!(l, reset.contact_support)}</a></p>
                        })}
                    }.into_any()
                }}
                <p class="aside"><A exact=true href={crate::paths::SIGN_IN}>{td_string!(l, reset.back_to_sign_in)}</A></p>
            }.into_any()
        })}
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests;

/// Server-side logic of the expired invitation.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::InvitationState;
    use crate::{
        error::AppError,
        flow::{stuck::reinvite, Ctx},
        forms::{FormId, FormState, Notice},
        session::{AppSession, Stuck},
        state::AppState,
    };

    /// The page's state.
    pub async fn state(ctx: &Ctx) -> Result<InvitationState, AppError> {
        let flash = ctx.session.take_flash().await?;
        let flow = ctx.session.stuck().await?;
        Ok(InvitationState {
            expired: flow.is_some_and(|f| f.state == Stuck::InvitationExpired),
            can_reinvite: ctx.state.settings.flows.reinvite,
            form: FormState::for_form(flash.as_ref(), FormId::Invitation),
        })
    }

    /// "Send me a new invitation": the invitation again, then to sign-in with the username
    /// filled in and a notice where it went.
    pub async fn send(state: &AppState, session: &AppSession) -> Result<(), AppError> {
        let flow = session
            .stuck()
            .await?
            .filter(|f| f.state == Stuck::InvitationExpired)
            .ok_or(AppError::NoChallengeInProgress)?;
        if !state.settings.flows.reinvite {
            return Err(AppError::Refused);
        }
        state.limiter.code_sent().await?;
        reinvite(state, &flow.username)
            .await
            .ok_or(AppError::Unavailable)?;
        session
            .end_all(Some(&Notice::InvitationSent {
                username: flow.username,
            }))
            .await
    }
}
