//! "I can't use my authenticator or phone" (`/sign-in/lost`, from the second-factor code
//! page): no dead end for a user who lost the second factor and has no recovery code.
//!
//! With `MFA_RESET=true` (see `flow::factor_reset`): the password was right (the sign-in got
//! as far as the second factor); a code goes to the verified email address; entered, it records
//! a request that takes effect after `MFA_RESET_DELAY_SECS`, and an email with "Cancel — this
//! wasn't me" goes out at once. The first sign-in with the password after that removes the
//! second factor. Without it, the page names what is left: a recovery code, and support.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

use crate::{
    components::{form_error, page_state, CodeInput, ErrorSummary, PostForm, Submit},
    error::AppError,
    forms::FormState,
    i18n::td_string,
};
#[cfg(feature = "ssr")]
use crate::{
    flow::{load_page, Code, Ctx, Step},
    forms::FormId,
    limits::Action,
};

/// What `/sign-in/lost` shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LostView {
    /// No sign-in got as far as the second factor (or it expired).
    NoFlow,
    /// The operator did not turn the delayed reset on.
    Off,
    /// No verified email address to send a code to.
    NoContact,
    /// A code can go to `to` (masked); the factor would be removed at `due`.
    Start { to: String, due: i64 },
    /// A code went to `to`.
    Sent { to: String, due: i64 },
    /// The request is recorded: it takes effect at `due`; `ready` once it has.
    Pending { due: i64, ready: bool },
}

/// The page's state.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LostState {
    pub view: LostView,
    /// Recovery codes are on: the page offers one.
    pub recovery: bool,
    /// `SUPPORT_URL`, when set.
    pub support: Option<String>,
    pub form: FormState,
}

/// The state of `/sign-in/lost`.
#[server(prefix = "/api", endpoint = "mfa/lost/state")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn load_lost() -> Result<LostState, AppError> {
    load_page(async |ctx: &Ctx| ssr::state(ctx).await).await
}

/// "Email me a code".
#[server(prefix = "/api", endpoint = "mfa/lost/send")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn lost_send() -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ssr::whose(&ctx.session).await?;
    let logic = ssr::send(&ctx.state, &ctx.session, ctx.origin().locale);
    let step = Step::limited(Action::ResetRequest, "mfa_reset_code_sent");
    let result = ctx.step(step, user.as_deref(), logic).await;
    ctx.finish(FormId::MfaLost, crate::flow::NO_FIELDS, result)
        .await
}

/// The emailed code entered: the request is recorded.
#[server(prefix = "/api", endpoint = "mfa/lost/confirm")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn lost_confirm(code: String) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ssr::whose(&ctx.session).await?;
    let logic = ssr::confirm(&ctx.state, &ctx.session, Code::new(&code), ctx.origin());
    let step = Step::limited(Action::MfaCode, "mfa_reset_requested");
    let result = ctx.step(step, user.as_deref(), logic).await;
    ctx.finish(FormId::MfaLost, crate::flow::NO_FIELDS, result)
        .await
}

/// `/sign-in/lost`.
#[component]
pub fn MfaLostPage() -> impl IntoView {
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, lost.title)/>
        <h1>{td_string!(l, lost.title)}</h1>
        {page_state(|| (), |_| load_lost(), None, move |st: LostState| {
            let error = form_error(st.form.error.clone());
            let when = move |at: i64| crate::text::isolate(&crate::text::local_time(l, at));
            let others = matches!(st.view, LostView::Off | LostView::NoContact | LostView::Start { .. });
            let body = match st.view {
                LostView::NoFlow => view! {
                    <ErrorSummary error=Signal::derive(|| Some(AppError::NoChallengeInProgress))/>
                    <p><A exact=true href={crate::paths::SIGN_IN}>{td_string!(l, new_password.go_to_sign_in)}</A></p>
                }.into_any(),
                LostView::Off => view! { <p class="lead">{td_string!(l, lost.off)}</p> }.into_any(),
                LostView::NoContact => view! { <p class="lead">{td_string!(l, lost.no_contact)}</p> }.into_any(),
                LostView::Start { to, due } => view! {
                    <p class="lead" id="lost-lead">{td_string!(l, lost.lead, time = when(due))}</p>
                    <ErrorSummary error/>
                    <PostForm action=LostSend::PATH>
                        <p>{td_string!(l, lost.send_hint, destination = crate::text::isolate(&to))}</p>
                        <Submit label=td_string!(l, lost.send)/>
                    </PostForm>
                }.into_any(),
                LostView::Sent { to, due } => view! {
                    <p class="lead" id="lost-lead">{td_string!(l, lost.sent, destination = crate::text::isolate(&to))}</p>
                    <ErrorSummary error/>
                    <PostForm action=LostConfirm::PATH novalidate=true>
                        <CodeInput label=td_string!(l, mfa.code_label) value="" error hint=Some("lost-lead") autofocus=true/>
                        <p id="lost-due">{td_string!(l, lost.confirm_hint, time = when(due))}</p>
                        <Submit label=td_string!(l, lost.confirm)/>
                    </PostForm>
                    <PostForm action=LostSend::PATH class="inline-form resend">
                        {td_string!(l, reset.didnt_get_it)}" "
                        <button type="submit" class="link">{td_string!(l, mfa.send_new_code)}</button>
                    </PostForm>
                }.into_any(),
                LostView::Pending { due, ready } => view! {
                    <div class="alert alert-success" role="status" id="lost-pending">
                        <p>{if ready { td_string!(l, lost.ready).to_string() } else { td_string!(l, lost.pending, time = when(due)).to_string() }}</p>
                    </div>
                    <p>{td_string!(l, lost.pending_hint)}</p>
                    <p><A exact=true href={crate::paths::SIGN_IN} attr:class="button">{td_string!(l, new_password.go_to_sign_in)}</A></p>
                }.into_any(),
            };
            let support = st.support.clone();
            view! {
                {body}
                {(others && st.recovery).then(|| view! {
                    <p><A exact=true href={crate::paths::MFA_RECOVERY}>{td_string!(l, recovery.link)}</A></p>
                })}
                {others.then(|| match support {
                    Some(url) => view! { <p>{td_string!(l, lost.support)}" "<a href=url>{td_string!(l, lost.support_link)}</a></p> }.into_any(),
                    None => view! { <p>{td_string!(l, lost.support_none)}</p> }.into_any(),
                })}
            }
        })}
        <p class="aside"><A exact=true href={crate::paths::SIGN_IN}>{td_string!(l, mfa.cancel)}</A></p>
    }
}

/// Server-side logic of "I can't use my authenticator".
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{LostState, LostView};
    use crate::{
        clock::now,
        cognito::{Challenge, Delivery, Medium, MfaKind},
        error::AppError,
        flow::{
            canonical_delivery,
            challenge::seconds_left,
            factor_reset::{code_hash, new_code, store, Pending, TRIES},
            input::SIX,
            Code, Ctx,
        },
        forms::{FormId, FormState},
        i18n::Locale,
        notify::{Change, Origin},
        paths,
        session::{AppSession, LostFactor},
        state::AppState,
    };

    /// Whose second factor this is about: the one in progress here, if any.
    pub async fn whose(session: &AppSession) -> Result<Option<String>, AppError> {
        if let Some(l) = session.lost_factor().await? {
            return Ok(Some(l.username));
        }
        Ok(session.challenge().await?.map(|f| f.username))
    }

    /// The user whose password was just right: a sign-in at a second factor's code, alive.
    async fn proven(state: &AppState, session: &AppSession) -> Result<Option<String>, AppError> {
        let Some(f) = session.challenge().await? else {
            return Ok(None);
        };
        let at_factor = matches!(
            f.step,
            Challenge::Code {
                kind: MfaKind::Totp | MfaKind::Sms,
                ..
            } | Challenge::SelectMfa { .. }
        );
        Ok((at_factor && seconds_left(state, f.started_at) > 0).then_some(f.username))
    }

    /// `username`'s verified email address (if there is one) and `locale` attribute.
    async fn verified_email(
        state: &AppState,
        username: &str,
    ) -> Result<(Option<String>, Option<String>), AppError> {
        let user = state
            .cognito
            .admin_get_user(username)
            .await
            .map_err(crate::flow::idp_error)?;
        Ok((user.email.filter(|_| user.email_verified), user.locale))
    }

    fn masked(state: &AppState, username: &str, email: &str) -> String {
        let d = Delivery {
            medium: Medium::Email,
            destination: email.to_string(),
        };
        canonical_delivery(&state.decoy_key, username, &d).destination
    }

    /// When a request made now would take effect.
    fn due_from_now(state: &AppState) -> i64 {
        let delay = state.settings.flows.mfa_reset.as_ref().map(|m| m.delay);
        Pending::new(now(), delay.unwrap_or_default()).due
    }

    /// The page's state.
    pub async fn state(ctx: &Ctx) -> Result<LostState, AppError> {
        let flash = ctx.session.take_flash().await?;
        let (state, session) = (&ctx.state, &ctx.session);
        let view = view(state, session).await?;
        Ok(LostState {
            view,
            recovery: state.settings.flows.recovery_codes.is_some(),
            support: state.settings.brand.support_url.clone(),
            form: FormState::for_form(flash.as_ref(), FormId::MfaLost),
        })
    }

    async fn view(state: &AppState, session: &AppSession) -> Result<LostView, AppError> {
        if state.settings.flows.mfa_reset.is_none() {
            return Ok(LostView::Off);
        }
        if let Some(lost) = session.lost_factor().await? {
            let alive = now() - lost.sent_at <= state.settings.flows.code_window.as_secs() as i64;
            return Ok(match lost.due {
                Some(due) => LostView::Pending {
                    due,
                    ready: now() >= due,
                },
                None if alive && lost.code.is_some() => LostView::Sent {
                    to: lost.to,
                    due: due_from_now(state),
                },
                None => LostView::Start {
                    to: lost.to,
                    due: due_from_now(state),
                },
            });
        }
        let Some(user) = proven(state, session).await? else {
            return Ok(LostView::NoFlow);
        };
        let (summary, pending) = store::with_user(state, &user).await?;
        if let Some(p) = pending {
            return Ok(LostView::Pending {
                due: p.due,
                ready: p.is_due(now()),
            });
        }
        Ok(match summary.email.filter(|_| summary.email_verified) {
            Some(email) => LostView::Start {
                to: masked(state, &user, &email),
                due: due_from_now(state),
            },
            None => LostView::NoContact,
        })
    }

    /// Emails a code to the verified address. Returns the page to go to next.
    pub async fn send(
        state: &AppState,
        session: &AppSession,
        page: Locale,
    ) -> Result<&'static str, AppError> {
        let mailer = state
            .mailer
            .as_ref()
            .filter(|_| state.settings.flows.mfa_reset.is_some())
            .ok_or(AppError::Refused)?;
        let lost = session.lost_factor().await?;
        let username = match &lost {
            Some(l) if l.due.is_some() => return Ok(paths::MFA_LOST),
            Some(l) => {
                let wait =
                    state.settings.flows.resend_cooldown.as_secs() as i64 - (now() - l.sent_at);
                if wait > 0 {
                    return Err(AppError::ResendCooldown(wait as u32));
                }
                l.username.clone()
            }
            None => proven(state, session)
                .await?
                .ok_or(AppError::NoChallengeInProgress)?,
        };
        let (email, locale) = verified_email(state, &username).await?;
        let email = email.ok_or(AppError::Refused)?;
        let code = new_code();
        let l = locale
            .as_deref()
            .and_then(crate::text::locale_for_tag)
            .unwrap_or(page);
        let message = compose(state, l, &code, &email);
        mailer.send(&message).await.map_err(|code| {
            tracing::error!(code = %code, "SES SendEmail of a second-factor reset code failed");
            AppError::CodeNotDelivered
        })?;
        let lost = LostFactor {
            to: masked(state, &username, &email),
            code: Some(code_hash(state, &username, &code)),
            username,
            sent_at: now(),
            tries: 0,
            due: None,
        };
        session.set_lost_factor(Some(&lost)).await?;
        Ok(paths::MFA_LOST)
    }

    /// The emailed code entered: records the request and tells the user by email at once,
    /// with the link that cancels it. Returns the page to go to next.
    pub async fn confirm(
        state: &AppState,
        session: &AppSession,
        code: Code,
        origin: Origin,
    ) -> Result<&'static str, AppError> {
        let mut lost = session
            .lost_factor()
            .await?
            .ok_or(AppError::NoChallengeInProgress)?;
        if lost.due.is_some() {
            return Ok(paths::MFA_LOST);
        }
        let typed = code.digits(SIX)?;
        let window = state.settings.flows.code_window.as_secs() as i64;
        let Some(kept) = lost.code.clone().filter(|_| now() - lost.sent_at <= window) else {
            return Err(AppError::ExpiredCode);
        };
        if lost.tries >= TRIES {
            return Err(AppError::ExpiredCode);
        }
        if code_hash(state, &lost.username, typed) != kept {
            lost.tries += 1;
            session.set_lost_factor(Some(&lost)).await?;
            return Err(AppError::WrongCode);
        }
        let p = store::request(state, &lost.username).await?;
        lost.code = None;
        lost.due = Some(p.due);
        session.set_lost_factor(Some(&lost)).await?;
        let origin = Origin {
            at: p.requested,
            due: Some(p.due),
            ..origin
        };
        crate::notify::spawn(
            state,
            Change::MfaResetRequested,
            &lost.username,
            origin,
            None,
        );
        Ok(paths::MFA_LOST)
    }

    /// The email with the code, in `l`.
    pub fn compose(state: &AppState, l: Locale, code: &str, to: &str) -> crate::mailer::Email {
        use crate::{i18n::td_string, mailer::escape_html};
        let product = &state.settings.brand.product_name;
        let subject = td_string!(l, lost.email_subject).to_string();
        let lead = td_string!(l, lost.email_lead).to_string();
        let ignore = td_string!(l, lost.email_ignore).to_string();
        let text = format!("{product}\n\n{lead}\n\n{code}\n\n{ignore}\n");
        let dir = if crate::text::is_rtl(l) { "rtl" } else { "ltr" };
        let lang = crate::text::code(l);
        let inner = format!(
            "<p style=\"margin:0 0 24px;font-weight:600\">{}</p><p style=\"margin:0 0 12px\">{}</p>\
             <p style=\"margin:0 0 12px;font-size:24px;font-weight:600;letter-spacing:4px\" dir=\"ltr\">{code}</p>\
             <p style=\"margin:24px 0 0;color:#555;font-size:14px\">{}</p>",
            escape_html(product),
            escape_html(&lead),
            escape_html(&ignore),
        );
        let html = crate::mailer::html_page(lang, dir, &subject, &inner);
        crate::mailer::Email {
            to: to.to_string(),
            subject,
            text,
            html,
        }
    }
}
