//! The link in the reset email (`/reset/link?u=<username>&c=<code>`, written by the Custom
//! message trigger in `deploy/custom-message`). The username and code leave the URL at once for
//! the server session, and the browser goes on to `/reset/confirm` with the code filled in.
//! Opening the link never calls Cognito and never uses the code up (mail scanners open links
//! before people do): the user still chooses the password on the code page. Once a code has
//! set a password, its link leads to "this link was used" ([`LinkUsedPage`]).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::i18n::td_string;

/// `/reset/link/used`: the link's code already set a password.
#[component]
pub fn LinkUsedPage() -> impl IntoView {
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, link_used.title)/>
        <h1>{td_string!(l, link_used.title)}</h1>
        <p class="lead">{td_string!(l, link_used.lead)}</p>
        <p><A exact=true href={crate::paths::SIGN_IN} attr:class="button">{td_string!(l, link_used.sign_in)}</A></p>
        <p>{td_string!(l, link_used.not_you)}" "<A exact=true href={crate::paths::RESET}>{td_string!(l, reset.request_code)}</A></p>
    }
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::time::Duration;

    use axum::{
        extract::{Query, State},
        response::Response,
        Extension,
    };
    use serde::Deserialize;

    use crate::{
        error::AppError,
        flow::{start_reset, Code, ResetStart, Username},
        forms::{bounded_fields, Flash, FormId},
        limits::Action,
        paths,
        session::AppSession,
        state::{AppState, ClientIp},
    };

    /// How long a used link is remembered: well past the hour Cognito accepts a code for, so a
    /// link opened again the next days still says what happened.
    pub const USED_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

    /// The link's query. Anything else in it is ignored.
    #[derive(Debug, Default, Deserialize)]
    pub struct LinkQuery {
        pub u: Option<String>,
        pub c: Option<String>,
    }

    /// The store key marking (username, code) as used: a keyed hash, so the store holds
    /// neither.
    pub fn used_key(state: &AppState, username: &str, code: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&state.link_key[..]).expect("any key");
        // Its own domain under the key it shares with the "This wasn't me" tokens.
        mac.update(b"reset-link-used\0");
        mac.update(state.features.canonical(username).as_bytes());
        mac.update(b"\0");
        mac.update(code.as_bytes());
        let hex: String = mac.finalize().into_bytes()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("link-used:{hex}")
    }

    /// After `code` set `username`'s password: its link is used. A store failure is logged;
    /// the password change stands (the link then leads to the code page, where the code is
    /// refused as Cognito refuses a used code).
    pub async fn mark_used(state: &AppState, username: &str, code: &str) {
        let key = used_key(state, username, code);
        if let Err(e) = state.limiter.store.put(&key, "1", USED_FOR).await {
            tracing::error!(error = %e.0, "could not mark a reset link as used");
        }
    }

    /// Where the link leads: the code page with the reset started, or "this link was used".
    pub async fn open(
        state: &AppState,
        session: &AppSession,
        q: &LinkQuery,
    ) -> Result<&'static str, AppError> {
        let user =
            Username::parse(q.u.as_deref().unwrap_or("")).map_err(|_| AppError::BrokenLink)?;
        let code = Code::new(q.c.as_deref().unwrap_or(""));
        let code = code.checked().map_err(|_| AppError::BrokenLink)?;
        let used = state
            .limiter
            .store
            .get(&used_key(state, &user, code))
            .await
            .map_err(|e| {
                tracing::error!(error = %e.0, "store unavailable for a reset link");
                AppError::Unavailable
            })?;
        if used.is_some() {
            return Ok(paths::RESET_LINK_USED);
        }
        start_reset(state, session, &user, ResetStart::Link(code.into())).await?;
        Ok(paths::RESET_CONFIRM)
    }

    /// `GET /reset/link`: never a page, always a redirect that leaves the code behind.
    pub async fn handler(
        State(state): State<AppState>,
        ip: Option<Extension<ClientIp>>,
        session: AppSession,
        query: Result<Query<LinkQuery>, axum::extract::rejection::QueryRejection>,
    ) -> Response {
        let q = query.map(|Query(q)| q).unwrap_or_default();
        let ip = crate::flow::link::client_ip(ip);
        if let Err(e) = state.limiter.check_ip(Action::OpenLink, ip).await {
            return failed(e);
        }
        let result = open(&state, &session, &q).await;
        let user = q.u.as_deref().map(|u| state.user_hash(u));
        let outcome = match &result {
            Ok(p) if *p == paths::RESET_LINK_USED => "used".to_string(),
            r => crate::audit::outcome(r),
        };
        crate::audit::event("reset_link_opened", &outcome, ip, user.as_deref());
        let to = match result {
            Ok(path) => path,
            Err(AppError::BrokenLink) => {
                // The form on /reset says why, with the username kept when there was one.
                let kept = [(crate::paths::field::USERNAME, q.u.as_deref().unwrap_or(""))];
                let flash = Flash {
                    form: FormId::RequestReset,
                    error: AppError::BrokenLink,
                    fields: bounded_fields(&kept),
                };
                match session.set_flash(&flash).await {
                    Ok(()) => paths::RESET,
                    Err(e) => return failed(e),
                }
            }
            Err(e) => return failed(e),
        };
        crate::flow::link::leave_for(to)
    }

    /// The error's own page (a wait, an outage), with the way back to "Forgot password".
    fn failed(e: AppError) -> Response {
        crate::error_page::response(&e, paths::RESET, None)
    }
}
