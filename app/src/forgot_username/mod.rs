//! "Forgot your username?" (`/sign-in/username`, `FORGOT_USERNAME=true`), for pools where people
//! sign in with a username: the user types their email address; when exactly one enabled
//! account has it verified (`ListUsers` with `email = "…"`), its username goes to that address
//! by email (SES as `NOTIFY_FROM`, in the account's language). Every address gets the same
//! answer in the same time: the look-up and the email run after the answer, on a task of their
//! own, and the answer takes at least `RESET_MIN_RESPONSE_MS`.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

use crate::{
    components::{
        described_by, form_error, invalid, page_state, ErrorSummary, FieldError, PostForm, Submit,
    },
    error::{AppError, Field},
    forms::FormState,
    i18n::td_string,
    paths::field,
};
#[cfg(feature = "ssr")]
use crate::{
    flow::{load_page, Ctx, Step},
    forms::FormId,
    limits::Action,
    paths,
};

/// What `/sign-in/username` shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ForgotUsernameState {
    /// The operator turned it on and the pool signs people in with a username.
    pub offered: bool,
    pub form: FormState,
}

/// The state of `/sign-in/username`.
#[server(prefix = "/api", endpoint = "sign-in/username-state")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn load_forgot_username() -> Result<ForgotUsernameState, AppError> {
    load_page(async |ctx: &Ctx| ssr::state(ctx).await).await
}

/// The email address typed: the same answer for every one.
#[server(prefix = "/api", endpoint = "sign-in/username")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn send_username(email: String) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let pad = ctx.state.settings.limits.reset_min_response;
    let step = Step::limited(Action::ResetRequest, "username_requested").at_least(pad);
    let address = email.trim().to_lowercase();
    let logic = ssr::send(&ctx, &address);
    let result = ctx.step(step, Some(&address), logic).await;
    let kept = [(field::EMAIL, email.as_str())];
    ctx.finish(
        FormId::ForgotUsername,
        &kept,
        result.map(|()| paths::SIGN_IN),
    )
    .await
}

/// `/sign-in/username`.
#[component]
pub fn ForgotUsernamePage() -> impl IntoView {
    let l = crate::text::locale();
    let blank = ForgotUsernameState {
        offered: false,
        form: FormState::default(),
    };
    view! {
        <Title text=td_string!(l, forgot_username.title)/>
        <h1>{td_string!(l, forgot_username.title)}</h1>
        {page_state(|| (), |_| load_forgot_username(), Some(blank), move |st: ForgotUsernameState| {
            if !st.offered {
                let support = crate::branding::support_url();
                return view! {
                    <div class="alert alert-info" role="status">{td_string!(l, forgot_username.off)}</div>
                    {support.map(|url| view! {
                        <p><a class="button primary" href=url.to_string()>{td_string!(l, reset.contact_support)}</a></p>
                    })}
                }.into_any();
            }
            let error = form_error(st.form.error.clone());
            let bad = invalid(error, Field::Email);
            view! {
                <p class="lead">{td_string!(l, forgot_username.lead)}</p>
                <ErrorSummary error/>
                <PostForm action=SendUsername::PATH novalidate=true>
                    <div class="field">
                        <label for=field::EMAIL>{td_string!(l, security.contact_email)}</label>
                        <input id=field::EMAIL name=field::EMAIL type="email" autocomplete="email"
                            autocapitalize="off" spellcheck="false" autofocus=true
                            value=st.form.field(field::EMAIL)
                            aria-invalid=move || if bad.get() { "true" } else { "false" }
                            aria-describedby=described_by(bad, Field::Email, None)/>
                        <FieldError field=Field::Email error/>
                    </div>
                    <Submit label=td_string!(l, forgot_username.send)/>
                </PostForm>
            }.into_any()
        })}
        <p class="aside"><A exact=true href={crate::paths::SIGN_IN}>{td_string!(l, reset.back_to_sign_in)}</A></p>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests;

/// Server-side logic of the forgotten username.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::ForgotUsernameState;
    use crate::{
        cognito::UserSummary,
        error::AppError,
        flow::Ctx,
        forms::{FormId, FormState, Notice},
        i18n::{td_string, Locale},
        mailer::{escape_html, Email},
        state::AppState,
    };

    /// The page's state.
    pub async fn state(ctx: &Ctx) -> Result<ForgotUsernameState, AppError> {
        let flash = ctx.session.take_flash().await?;
        Ok(ForgotUsernameState {
            offered: ctx.state.offers_forgot_username(),
            form: FormState::for_form(flash.as_ref(), FormId::ForgotUsername),
        })
    }

    /// The address posted: checked, counted, answered; the look-up and the email follow on a
    /// task of their own (see the module).
    pub async fn send(ctx: &Ctx, address: &str) -> Result<(), AppError> {
        let state = &ctx.state;
        if !state.offers_forgot_username() {
            return Err(AppError::Refused);
        }
        if !crate::flow::input::is_email(address) {
            return Err(AppError::BadEmail);
        }
        state.limiter.code_sent().await?;
        let (state, address) = (state.clone(), address.to_string());
        let headers = leptos::prelude::use_context::<http::request::Parts>()
            .map(|p| p.headers)
            .unwrap_or_default();
        let locale = crate::text::request_locale(&headers);
        tokio::spawn(async move { deliver(&state, &address, locale).await });
        ctx.session.set_notice(&Notice::UsernameSent).await
    }

    /// The one enabled account whose verified email is `address`, if exactly one is.
    pub fn the_one(users: Vec<UserSummary>, address: &str) -> Option<UserSummary> {
        let mut found = users.into_iter().filter(|u| {
            u.enabled
                && u.email_verified
                && u.status != "UNCONFIRMED"
                && u.email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(address))
        });
        let one = found.next()?;
        found.next().is_none().then_some(one)
    }

    /// Looks the address up and emails the username when exactly one account has it. Returns
    /// what happened (for the log and the tests).
    pub async fn deliver(state: &AppState, address: &str, page: Locale) -> &'static str {
        let Some(mailer) = &state.mailer else {
            return "off";
        };
        let users = match state.cognito.admin_find("email", address).await {
            Ok(u) => u,
            Err(kind) => {
                tracing::error!(
                    ?kind,
                    "ListUsers for a forgotten username failed (IAM cognito-idp:ListUsers?)"
                );
                return "failed";
            }
        };
        let Some(user) = the_one(users, address) else {
            tracing::info!("forgotten username: no single account with that verified address");
            return "none";
        };
        let l = user
            .locale
            .as_deref()
            .and_then(crate::text::locale_for_tag)
            .unwrap_or(page);
        let email = compose(state, l, &user.username, address);
        match mailer.send(&email).await {
            Ok(()) => {
                tracing::info!("forgotten username sent");
                "sent"
            }
            Err(code) => {
                tracing::error!(code = %code, "SES SendEmail of a forgotten username failed");
                "failed"
            }
        }
    }

    /// The email with the username, in `l`.
    pub fn compose(state: &AppState, l: Locale, username: &str, to: &str) -> Email {
        let product = &state.settings.brand.product_name;
        let sign_in = format!(
            "{}{}",
            state.settings.http.public_origin,
            crate::paths::SIGN_IN
        );
        let subject = td_string!(l, forgot_username.subject).to_string();
        let lead = td_string!(l, forgot_username.email_lead).to_string();
        let ignore = td_string!(l, forgot_username.email_ignore).to_string();
        let button = td_string!(l, sign_in.submit).to_string();
        let text =
            format!("{product}\n\n{lead}\n\n{username}\n\n{button}: {sign_in}\n\n{ignore}\n");
        let dir = if crate::text::is_rtl(l) { "rtl" } else { "ltr" };
        let lang = crate::text::code(l);
        let inner = format!(
            "<p style=\"margin:0 0 24px;font-weight:600\">{}</p><p style=\"margin:0 0 12px\">{}</p>\
             <p style=\"margin:0 0 12px;font-size:20px;font-weight:600\" dir=\"auto\">{}</p>\
             <p style=\"margin:24px 0\"><a href=\"{}\" style=\"background:#1a56db;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;display:inline-block\">{}</a></p>\
             <p style=\"margin:24px 0 0;color:#555;font-size:14px\">{}</p>",
            escape_html(product),
            escape_html(&lead),
            escape_html(username),
            escape_html(&sign_in),
            escape_html(&button),
            escape_html(&ignore),
        );
        let html = crate::mailer::html_page(lang, dir, &subject, &inner);
        Email {
            to: to.to_string(),
            subject,
            text,
            html,
        }
    }
}
