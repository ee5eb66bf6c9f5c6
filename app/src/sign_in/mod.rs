//! Sign in (`/sign-in`, `InitiateAuth` with `USER_PASSWORD_AUTH`): to the account page, to the
//! new-password page for a temporary password, or to the code page after an admin reset.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

use crate::{
    components::{
        form_error, page_state, ErrorSummary, NoticeBox, PasswordInput, PostForm, Submit,
        UsernameInput,
    },
    error::{AppError, Field},
    forms::{FormState, Notice},
    i18n::td_string,
    passkey_button::{PasskeyButton, PasskeyText},
    paths::field,
};
#[cfg(feature = "ssr")]
use crate::{
    flow::{load_page, Ctx, Step, Username},
    forms::FormId,
    limits::Action,
    paths,
};

/// What `/sign-in` shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignInState {
    pub form: FormState,
    pub notice: Option<Notice>,
    /// Choice-based sign-in: the password may be left empty for a one-time code.
    pub choice: bool,
    /// The pool offers passkeys to this sign-in (choice-based only).
    pub passkey: bool,
    /// "Forgot your username?" is offered (`FORGOT_USERNAME`).
    #[serde(default)]
    pub forgot_username: bool,
}

/// Signs in with username and password.
#[server(prefix = "/api", endpoint = "sign-in")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn sign_in(username: String, password: String) -> Result<(), AppError> {
    let (ctx, password) = (Ctx::get().await?, password.into());
    let result = async {
        let user = Username::parse_for(&username, ctx.state.features.sign_in_with)?;
        let origin = ctx.origin();
        let logic = ssr::sign_in(&ctx.state, &ctx.session, &user, &password, &origin);
        let next = ctx.step(Step::limited(Action::SignIn, "sign_in"), Some(&user), logic);
        let next = next.await?;
        if next == paths::ACCOUNT {
            ctx.remember_device(&user);
        }
        Ok(next)
    }
    .await;
    let kept = [(field::USERNAME, username.as_str())];
    ctx.finish(FormId::SignIn, &kept, result).await
}

/// State of the `/sign-in` page.
#[server(prefix = "/api", endpoint = "sign-in-state")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn load_sign_in() -> Result<SignInState, AppError> {
    load_page(async |ctx: &Ctx| ssr::sign_in_state(ctx).await).await
}

/// `/sign-in`.
#[component]
pub fn SignInPage() -> impl IntoView {
    let l = crate::text::locale();
    let blank = SignInState {
        form: FormState::default(),
        notice: None,
        choice: false,
        passkey: false,
        forgot_username: false,
    };
    view! {
        <Title text=td_string!(l, sign_in.title)/>
        <h1>{td_string!(l, sign_in.title)}</h1>
        {page_state(|| (), |_| load_sign_in(), Some(blank), move |st: SignInState| {
            let error = form_error(st.form.error.clone());
            let username = st.form.field(field::USERNAME);
            let focus_username = username.is_empty();
            view! {
                <NoticeBox notice=st.notice.clone()/>
                <ErrorSummary error/>
                <PostForm action=SignIn::PATH novalidate=true>
                    <UsernameInput value=username error autofocus=focus_username/>
                    <PasswordInput field=Field::Password name=field::PASSWORD label=td_string!(l, form.password) autocomplete="current-password" error/>
                    {st.choice.then(|| view! { <p class="hint">{td_string!(l, sign_in.code_hint)}</p> })}
                    <Submit label=td_string!(l, sign_in.submit)/>
                </PostForm>
                {st.passkey.then(|| view! { <PasskeyButton text=PasskeyText::sign_in()/> })}
                <p class="aside">
                    <A exact=true href={crate::paths::RESET}>{td_string!(l, sign_in.forgot)}</A>
                    {st.forgot_username.then(|| view! {
                        " · "<A exact=true href={crate::paths::FORGOT_USERNAME}>{td_string!(l, sign_in.forgot_username)}</A>
                    })}
                </p>
            }
        })}
    }
}

pub mod passkey;

#[cfg(all(test, feature = "ssr"))]
mod tests;

/// Server-side logic of sign-in.
#[cfg(feature = "ssr")]
pub mod ssr {
    use secrecy::{ExposeSecret, SecretString};

    use super::SignInState;
    use crate::{
        cognito::IdpError,
        config::SignInFlow,
        error::{AppError, Field},
        flow::{
            factor_reset, idp_error, next_step, start_reset, stuck::found_stuck, Ctx, ResetStart,
            Username,
        },
        forms::{FormId, FormState},
        paths,
        paths::field,
        session::{AppSession, Stuck},
        state::AppState,
    };

    /// The `/sign-in` page's state. The username a notice carries is prefilled in
    /// server-rendered HTML only, never sent in a JSON answer.
    pub async fn sign_in_state(ctx: &Ctx) -> Result<SignInState, AppError> {
        let flash = ctx.session.take_flash().await?;
        let notice = ctx.session.take_notice().await?;
        let mut form = FormState::for_form(flash.as_ref(), FormId::SignIn);
        if let Some(u) = notice.as_ref().and_then(|n| n.username()) {
            if form.field(field::USERNAME).is_empty() && ctx.page_render {
                form.fields.push((field::USERNAME.into(), u.to_string()));
            }
        }
        let notice = notice.map(|n| n.without_username());
        let choice = ctx.state.settings.flows.sign_in_flow == SignInFlow::Choice;
        let passkey = choice && ctx.state.features.passkeys;
        Ok(SignInState {
            form,
            notice,
            choice,
            passkey,
            forgot_username: ctx.state.offers_forgot_username(),
        })
    }

    /// `/sign-in` posted (from `origin`, which a carried-out second-factor reset is told
    /// from). Returns the page to go to next.
    pub async fn sign_in(
        state: &AppState,
        session: &AppSession,
        username: &Username,
        password: &SecretString,
        origin: &crate::notify::Origin,
    ) -> Result<&'static str, AppError> {
        let password = password.expose_secret();
        let choice = state.settings.flows.sign_in_flow == SignInFlow::Choice;
        if password.is_empty() && !choice {
            return Err(AppError::Missing(Field::Password));
        }
        let attempt = if password.is_empty() {
            // Choice-based, without a password: Cognito may send a one-time code at once.
            state.limiter.code_sent().await?;
            state.cognito.sign_in_choice(username, None).await
        } else {
            factor_reset::sign_in::with_due_reset(state, username, password, origin).await
        };
        match attempt {
            Ok(outcome) => next_step(state, session, username, outcome, true).await,
            Err(IdpError::PasswordResetRequired) => {
                // An administrator reset the password: send the code now and go to its page.
                start_reset(state, session, username, ResetStart::AdminReset).await?;
                Ok(paths::RESET_CONFIRM)
            }
            Err(IdpError::NotAuthorized | IdpError::UserNotFound) => {
                Err(AppError::WrongCredentials)
            }
            // Only the right password hears these: the account's state is the user's to know,
            // and each has a page that gets them in.
            Err(IdpError::TemporaryPasswordExpired) => {
                found_stuck(state, session, username, Stuck::InvitationExpired).await
            }
            Err(IdpError::UserNotConfirmed) if !password.is_empty() => {
                found_stuck(state, session, username, Stuck::NotConfirmed).await
            }
            Err(e) => Err(idp_error(e)),
        }
    }
}
