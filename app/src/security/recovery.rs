//! Recovery codes on the security page (`RECOVERY_CODES=true`): how many are left, a new set
//! behind the step-up (the old one void), shown until the user says they are saved, with a
//! plain-text download (a `data:` link: no script, no other request) and "Print" where
//! JavaScript runs. Where they are kept and how: `flow::recovery_codes`.

use leptos::{prelude::*, server_fn::ServerFn};
use serde::{Deserialize, Serialize};

use crate::{components::PostForm, error::AppError, i18n::td_string};
#[cfg(feature = "ssr")]
use crate::{
    flow::{Ctx, Step},
    forms::FormId,
};

/// The section's state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryView {
    /// Unused codes.
    pub unused: usize,
    /// A new set, shown until saved.
    pub new_codes: Option<Vec<String>>,
    /// A second factor is on and no code is left: the section asks for a set.
    pub offer: bool,
}

/// "Create recovery codes" (or new ones).
#[server(prefix = "/api", endpoint = "security/recovery-codes/new")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn recovery_codes_new() -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.signed_in().await?.map(|u| u.username);
    let logic = ssr::create(&ctx.state, &ctx.session);
    let step = Step::audited("recovery_codes_created")
        .notifies(crate::notify::Change::RecoveryCodesCreated);
    let result = ctx.step(step, user.as_deref(), logic).await;
    ctx.finish(FormId::Security, crate::flow::NO_FIELDS, result)
        .await
}

/// "I've saved them": the new set leaves the page.
#[server(prefix = "/api", endpoint = "security/recovery-codes/saved")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn recovery_codes_saved() -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let result = ctx.session.set_new_codes(None).await;
    let next = result.map(|()| crate::paths::ACCOUNT_SECURITY);
    ctx.finish(FormId::Security, crate::flow::NO_FIELDS, next)
        .await
}

/// The section.
#[component]
pub fn RecoverySection(view: RecoveryView, confirmed: bool) -> impl IntoView {
    let l = crate::text::locale();
    let count = if view.unused == 0 {
        td_string!(l, security.recovery_none).to_string()
    } else {
        td_string!(l, security.recovery_left, count = view.unused as i32).to_string()
    };
    let fresh = view.new_codes.clone();
    let create = (confirmed && fresh.is_none()).then(|| {
        let label = if view.unused == 0 {
            td_string!(l, security.recovery_create)
        } else {
            td_string!(l, security.recovery_replace)
        };
        view! {
            <PostForm action=RecoveryCodesNew::PATH class="inline-form">
                <button type="submit" class="secondary">{label}</button>
            </PostForm>
            {(view.unused > 0).then(|| view! { <p class="hint">{td_string!(l, security.recovery_replace_hint)}</p> })}
        }
    });
    view! {
        <section id="recovery-codes" aria-labelledby="recovery-heading">
            <h2 id="recovery-heading">{td_string!(l, security.recovery_heading)}</h2>
            <p>{td_string!(l, security.recovery_lead)}</p>
            {view.offer.then(|| view! { <div class="alert alert-info" role="status">{td_string!(l, security.recovery_offer)}</div> })}
            {fresh.is_none().then(|| view! { <p class="status" id="recovery-left">{count}</p> })}
            {fresh.map(|codes| view! { <NewCodes codes/> })}
            {create}
        </section>
    }
}

/// A new set: the codes, their download, "Print", and "I've saved them".
#[component]
fn NewCodes(codes: Vec<String>) -> impl IntoView {
    let l = crate::text::locale();
    let text = format!(
        "{}\n\n{}\n",
        td_string!(l, security.recovery_heading),
        codes.join("\n")
    );
    let href = format!(
        "data:text/plain;charset=utf-8,{}",
        crate::paths::percent_encode(&text)
    );
    view! {
        <div class="recovery-codes" id="new-recovery-codes">
            <p><strong>{td_string!(l, security.recovery_new_lead)}</strong></p>
            <ol class="codes">
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ol>
            <p class="buttons">
                <a class="button secondary" href=href download="recovery-codes.txt">{td_string!(l, security.recovery_download)}</a>
                " "
                <button type="button" class="secondary" data-print="" hidden>{td_string!(l, security.recovery_print)}</button>
            </p>
            <PostForm action=RecoveryCodesSaved::PATH class="inline-form">
                <button type="submit" class="primary">{td_string!(l, security.recovery_saved)}</button>
            </PostForm>
        </div>
    }
}

/// What the section's forms do, and what it shows.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::RecoveryView;
    use crate::{
        cognito::UserSecurity,
        error::AppError,
        flow::recovery_codes::{store, unused},
        paths,
        session::{AppSession, SignedIn},
        state::AppState,
    };

    use super::super::access::confirmed_user;

    /// The section's state (`None`: recovery codes are off). A failure to read the codes
    /// shows no section rather than a wrong count (logged where it happened).
    pub async fn view(
        state: &AppState,
        session: &AppSession,
        user: &SignedIn,
        sec: &UserSecurity,
    ) -> Result<Option<RecoveryView>, AppError> {
        if state.settings.flows.recovery_codes.is_none() {
            return Ok(None);
        }
        let Ok(stored) = store::stored(state, &user.username).await else {
            return Ok(None);
        };
        let unused = unused(stored.as_deref());
        Ok(Some(RecoveryView {
            unused,
            new_codes: session.new_codes().await?,
            offer: !sec.mfa.is_empty() && unused == 0,
        }))
    }

    /// A new set, behind the step-up.
    pub async fn create(state: &AppState, session: &AppSession) -> Result<&'static str, AppError> {
        let user = confirmed_user(state, session).await?;
        let codes = store::replace(state, &user.username).await?;
        session.set_new_codes(Some(&codes)).await?;
        Ok(paths::ACCOUNT_SECURITY)
    }
}
