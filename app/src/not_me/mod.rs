//! "This wasn't me": the link in a security notification (`/not-me/link?t=<token>`) and the
//! page it leads to (`/not-me`).
//!
//! The token (`crate::notify::token`) is signed, expiring and names no one. Like the reset
//! link, opening it only moves the token into the session (mail scanners open links): the page
//! explains the next steps, and the action (with `NOT_ME_SIGN_OUT=true`: sign out everywhere and
//! start a reset) is a form post that uses the token up.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

use crate::notify::Change;
use crate::{
    components::{form_error, page_state, ErrorSummary, NoticeBox, PostForm, Submit},
    error::AppError,
    forms::{FormState, Notice},
    i18n::td_string,
};
#[cfg(feature = "ssr")]
use crate::{
    flow::{load_page, Ctx, Step},
    forms::FormId,
    limits::Action,
    paths,
};

/// What `/not-me` shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NotMeState {
    /// What changed and when (Unix seconds), while the link is valid.
    pub change: Option<(Change, i64)>,
    /// The operator lets this page sign the user out everywhere and start a reset.
    pub can_secure: bool,
    pub form: FormState,
    /// What the last action here did (a cancelled request).
    #[serde(default)]
    pub notice: Option<Notice>,
}

/// The state of `/not-me`.
#[server(prefix = "/api", endpoint = "not-me/state")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn load_not_me() -> Result<NotMeState, AppError> {
    load_page(async |ctx: &Ctx| ssr::state(ctx).await).await
}

/// "Sign me out everywhere and reset my password".
#[server(prefix = "/api", endpoint = "not-me/secure")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn secure_account() -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let step = Step::limited(Action::ResetRequest, "not_me_secured");
    let logic = ssr::secure(&ctx.state, &ctx.session, ctx.ip);
    let result = ctx.step(step, None, logic).await;
    let next = result.map(|()| paths::RESET_CONFIRM);
    ctx.finish(FormId::NotMe, crate::flow::NO_FIELDS, next)
        .await
}

/// "Cancel the request": the removal of the second factor the email was about does not happen.
#[server(prefix = "/api", endpoint = "not-me/cancel")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn cancel_reset() -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let step = Step::limited(Action::ResetRequest, "mfa_reset_cancel");
    let logic = ssr::cancel(&ctx.state, &ctx.session, ctx.ip);
    let result = ctx.step(step, None, logic).await;
    ctx.finish(FormId::NotMe, crate::flow::NO_FIELDS, result)
        .await
}

/// `/not-me`: what happened, and what to do if it was not the user.
#[component]
pub fn NotMePage() -> impl IntoView {
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, not_me.title)/>
        <h1>{td_string!(l, not_me.title)}</h1>
        {page_state(|| (), |_| load_not_me(), None, move |st: NotMeState| {
            let error = form_error(st.form.error.clone());
            let cancel = matches!(st.change, Some((Change::MfaResetRequested, _))).then(|| view! {
                <PostForm action=CancelReset::PATH>
                    <p>{td_string!(l, not_me.cancel_hint)}</p>
                    <Submit label=td_string!(l, not_me.cancel)/>
                </PostForm>
            });
            let secure = (st.change.is_some() && st.can_secure).then(|| view! {
                <PostForm action=SecureAccount::PATH>
                    <p>{td_string!(l, not_me.secure_hint)}</p>
                    <Submit label=td_string!(l, not_me.secure)/>
                </PostForm>
            });
            let manual = (st.change.is_none() || !st.can_secure).then(|| view! {
                <p><A exact=true href={crate::paths::RESET} attr:class="button">{td_string!(l, not_me.reset)}</A></p>
            });
            view! {
                <NoticeBox notice=st.notice.clone()/>
                <ErrorSummary error/>
                {match st.change {
                    Some((change, at)) => view! {
                        <p class="lead">{change_text(l, change, at)}</p>
                        <p>{td_string!(l, not_me.lead)}</p>
                    }.into_any(),
                    None => view! {
                        <div class="alert alert-info" role="status">{td_string!(l, not_me.expired)}</div>
                    }.into_any(),
                }}
                {cancel}
                {secure}
                {manual}
                <ul>
                    <li>{td_string!(l, not_me.tell)}</li>
                    <li>{td_string!(l, not_me.elsewhere)}</li>
                </ul>
            }
        })}
    }
}

fn change_text(l: crate::i18n::Locale, change: Change, at: i64) -> String {
    let what = crate::notify::what(l, change);
    let time = crate::text::isolate(&crate::text::local_time(l, at));
    format!(
        "{what} {}",
        td_string!(l, notify.when, time = time.as_str())
    )
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use axum::{
        extract::{Query, State},
        response::Response,
        Extension,
    };

    use super::NotMeState;
    use crate::{
        clock::now,
        cognito::Token,
        error::AppError,
        flow::{factor_reset::store, start_reset, Ctx, ResetStart},
        forms::{FormId, FormState, Notice},
        limits::Action,
        notify::token::{peek, redeem, restore},
        notify::Change,
        paths,
        session::AppSession,
        state::{AppState, ClientIp},
    };

    /// The page's state.
    pub async fn state(ctx: &Ctx) -> Result<NotMeState, AppError> {
        let flash = ctx.session.take_flash().await?;
        let record = match ctx.session.not_me().await? {
            Some(t) => peek(&ctx.state, t.expose()).await?,
            None => None,
        };
        Ok(NotMeState {
            change: record.map(|r| (r.change, r.at)),
            can_secure: ctx.state.settings.notify.not_me_action,
            form: FormState::for_form(flash.as_ref(), FormId::NotMe),
            notice: ctx.session.take_notice().await?,
        })
    }

    /// Cancels the request to remove the second factor that the link's email was about (and
    /// no later one). The link stays usable for the rest ("sign out everywhere"). Returns the
    /// page to go to next.
    pub async fn cancel(
        state: &AppState,
        session: &AppSession,
        ip: std::net::IpAddr,
    ) -> Result<&'static str, AppError> {
        let token = session.not_me().await?.ok_or(AppError::LinkExpired)?;
        let record = peek(state, token.expose())
            .await?
            .filter(|r| r.change == Change::MfaResetRequested)
            .ok_or(AppError::LinkExpired)?;
        let cancelled = store::cancel(state, &record.username, record.at).await?;
        let user = state.user_hash(&record.username);
        let outcome = if cancelled {
            "cancelled"
        } else {
            "not_pending"
        };
        crate::audit::event("mfa_reset_cancelled", outcome, ip, Some(&user));
        let notice = if cancelled {
            Notice::MfaResetCancelled
        } else {
            Notice::MfaResetNotPending
        };
        session.set_notice(&notice).await?;
        Ok(paths::NOT_ME)
    }

    /// Signs the user out everywhere and starts a reset (code sent), using the token up.
    pub async fn secure(
        state: &AppState,
        session: &AppSession,
        ip: std::net::IpAddr,
    ) -> Result<(), AppError> {
        if !state.settings.notify.not_me_action {
            return Err(AppError::Refused);
        }
        let token = session.not_me().await?.ok_or(AppError::LinkExpired)?;
        let record = redeem(state, token.expose())
            .await?
            .ok_or(AppError::LinkExpired)?;
        // Who reported it (the request's own audit event, `not_me_secured`, knows no user).
        let user = state.user_hash(&record.username);
        if record.change == Change::MfaResetRequested {
            // Whoever asked knew the password: the request goes before the password does.
            store::cancel(state, &record.username, record.at).await?;
        }
        crate::audit::event("not_me_reported", record.change.name(), ip, Some(&user));
        if let Err((kind, code)) = state.cognito.admin_sign_out(&record.username).await {
            tracing::error!(kind = ?kind, code = %code, "AdminUserGlobalSignOut for \"this wasn't me\" failed");
        }
        // A remembered device of the attacker's would skip the second factor: all go.
        if state.features.devices {
            if let Err(e) = state.cognito.admin_forget_devices(&record.username).await {
                tracing::error!(kind = ?e, "forgetting the devices for \"this wasn't me\" failed");
            }
        }
        // What the attacker may have added (a passkey, an authenticator app) survives a
        // reset in Cognito: the next sign-in reviews every way in, marking what is new.
        crate::flow::review::mark(state, &record.username, record.at).await;
        // Threat protection learns that the sign-ins that led to the change were not the user's
        // (those within a session's lifetime before it, and up to now).
        if state.settings.notify.not_me_feedback {
            let from = record.at - state.settings.session.absolute.as_secs() as i64;
            match state
                .cognito
                .admin_report_not_user(&record.username, from, now())
                .await
            {
                Ok(n) => tracing::info!(reported = n, "sign-in events reported as not the user's"),
                Err(e) => {
                    tracing::error!(kind = ?e, "AdminUpdateAuthEventFeedback for \"this wasn't me\" failed")
                }
            }
        }
        let user = crate::flow::Username::parse(&record.username)?;
        let started = start_reset(state, session, &user, ResetStart::Secured).await;
        if started.is_err() {
            // Cognito could not send the code (an outage): the link works again.
            restore(state, token.expose(), &record).await;
        }
        started
    }

    #[derive(Debug, Default, serde::Deserialize)]
    pub struct LinkQuery {
        pub t: Option<String>,
    }

    /// `GET /not-me/link?t=…`: the token goes into the session; the browser goes on to
    /// `/not-me` (never a page with the token in its URL; nothing is used up).
    pub async fn handler(
        State(state): State<AppState>,
        ip: Option<Extension<ClientIp>>,
        session: AppSession,
        query: Result<Query<LinkQuery>, axum::extract::rejection::QueryRejection>,
    ) -> Response {
        let token = query.ok().and_then(|Query(q)| q.t).unwrap_or_default();
        let ip = crate::flow::link::client_ip(ip);
        let stored = async {
            state.limiter.check_ip(Action::OpenLink, ip).await?;
            if token.is_empty() || token.len() > 128 {
                return Ok(());
            }
            // Opening "This wasn't me" starts a flow: a new session id, as every start does.
            session.start_not_me(&Token::from(token.as_str())).await
        }
        .await;
        match stored {
            Ok(()) => crate::flow::link::leave_for(paths::NOT_ME),
            Err(e) => crate::error_page::response(&e, paths::HOME, None),
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests;
