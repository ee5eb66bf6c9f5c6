//! Sign in (`/sign-in`, `InitiateAuth` with `USER_PASSWORD_AUTH`): to the account page, to the
//! new-password page for a temporary password, or to the code page after an admin reset.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use serde::{Deserialize, Serialize};

use crate::{
    components::{form_error, ErrorSummary, NoticeBox, PasswordInput, Submit, UsernameInput},
    error::Field,
    forms::{FormState, Notice},
    i18n::td_string,
};

/// What `/sign-in` shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignInState {
    pub form: FormState,
    pub notice: Option<Notice>,
}

/// Signs in with username and password.
#[server(prefix = "/api", endpoint = "sign-in")]
pub async fn sign_in(username: String, password: String) -> Result<(), crate::error::AppError> {
    let ctx = crate::state::Ctx::get().await?;
    let result = match ssr::clean_username(&username) {
        Err(e) => Err(e),
        Ok(clean) => {
            let result = match ctx.limit(crate::limits::Action::SignIn, Some(&clean)).await {
                Ok(()) => ssr::sign_in(&ctx.state, &ctx.session, &clean, &password).await,
                Err(e) => Err(e),
            };
            if result == Ok("/account") {
                ctx.remember_device(&clean);
            }
            ctx.audit("sign_in", Some(&clean), &result);
            result
        }
    };
    ctx.finish(
        crate::forms::FormId::SignIn,
        &[("username", &username)],
        result,
    )
    .await
}

/// State of the `/sign-in` page.
#[server(prefix = "/api", endpoint = "sign-in-state")]
pub async fn load_sign_in() -> Result<SignInState, crate::error::AppError> {
    crate::state::page_result(
        async move {
            let ctx = crate::state::Ctx::get().await?;
            let flash = ctx.session.take_flash().await?;
            let notice = ctx.session.take_notice().await?;
            let mut form = FormState::for_form(flash.as_ref(), crate::forms::FormId::SignIn);
            // The username is prefilled in server-rendered HTML only, never sent in a JSON answer.
            if let Some(u) = notice.as_ref().and_then(|n| n.username()) {
                if form.field("username").is_empty() && ctx.page_render {
                    form.fields.push(("username".into(), u.to_string()));
                }
            }
            Ok(SignInState {
                form,
                notice: notice.map(|n| n.without_username()),
            })
        }
        .await,
    )
}

/// `/sign-in`.
#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let state = Resource::new_blocking(|| (), |_| load_sign_in());
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, sign_in.title)/>
        <h1>{td_string!(l, sign_in.title)}</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let st = state.await.unwrap_or(SignInState { form: FormState::default(), notice: None });
                let error = form_error(move || action.value().get(), st.form.error.clone());
                let username = st.form.field("username");
                let focus_username = username.is_empty();
                view! {
                    <NoticeBox notice=st.notice.clone()/>
                    <ErrorSummary error/>
                    <ActionForm action=action attr:novalidate="">
                        <UsernameInput value=username error autofocus=focus_username/>
                        <PasswordInput field=Field::Password name="password" label=td_string!(l, form.password) autocomplete="current-password" error/>
                        <Submit label=td_string!(l, sign_in.submit) busy=td_string!(l, sign_in.busy) pending=action.pending()/>
                    </ActionForm>
                }
            })}
        </Suspense>
        <p class="aside"><A href="/reset">{td_string!(l, sign_in.forgot)}</A></p>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests;

/// Server-side logic of sign-in.
#[cfg(feature = "ssr")]
pub mod ssr {
    pub use crate::reset::ssr::clean_username;
    use crate::{
        cognito::{IdpError, SignIn, Tokens},
        error::{AppError, Field},
        reset::ssr::{common, send_code},
        session::{AppSession, ChallengeFlow, ResetFlow, SignedIn},
        state::{now, AppState},
    };

    /// Reads `cognito:username` and `email` from an ID token's payload. The token came
    /// straight from Cognito over TLS, so its signature is not re-checked here; it is only
    /// used for display and for `SECRET_HASH`.
    pub fn id_claims(tokens: &Tokens) -> (Option<String>, Option<String>) {
        use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
        let Some(id) = &tokens.id else {
            return (None, None);
        };
        let payload = id.expose().split('.').nth(1).unwrap_or("");
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')) else {
            return (None, None);
        };
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            return (None, None);
        };
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        (s("cognito:username").or_else(|| s("username")), s("email"))
    }

    /// Builds the signed-in record from fresh tokens.
    pub fn signed_in(username: &str, tokens: Tokens) -> SignedIn {
        let (cognito_username, email) = id_claims(&tokens);
        SignedIn {
            username: username.to_string(),
            hash_username: cognito_username.unwrap_or_else(|| username.to_string()),
            email,
            access_expires_at: now() + tokens.expires_in,
            tokens,
        }
    }

    /// `/sign-in` posted. Returns the page to go to next.
    pub async fn sign_in(
        state: &AppState,
        session: &AppSession,
        raw_username: &str,
        password: &str,
    ) -> Result<&'static str, AppError> {
        let username = clean_username(raw_username)?;
        if password.is_empty() {
            return Err(AppError::Missing(Field::Password));
        }
        match state.cognito.sign_in(&username, password).await {
            Ok(SignIn::Tokens(tokens)) => {
                session.sign_in(&signed_in(&username, tokens)).await?;
                Ok("/account")
            }
            Ok(SignIn::NewPasswordRequired {
                session: challenge,
                required_attributes,
                challenge_username,
            }) => {
                session
                    .start_challenge(&ChallengeFlow {
                        username: challenge_username.unwrap_or(username),
                        session: challenge,
                        started_at: now(),
                        required_attributes,
                    })
                    .await?;
                Ok("/new-password")
            }
            Ok(SignIn::Unsupported(challenge)) => {
                tracing::warn!(
                    challenge,
                    "sign-in needs a challenge this app does not handle"
                );
                Err(AppError::UnsupportedChallenge)
            }
            Err(IdpError::PasswordResetRequired) => {
                // An administrator reset the password: send the code now and go to its page.
                let delivery = send_code(state, &username).await?;
                session
                    .start_reset(&ResetFlow {
                        username,
                        delivery: Some(delivery),
                        sent_at: now(),
                        admin_reset: true,
                    })
                    .await?;
                Ok("/reset/confirm")
            }
            Err(IdpError::NotAuthorized | IdpError::UserNotFound) => {
                Err(AppError::WrongCredentials)
            }
            Err(e) => Err(common(e)),
        }
    }
}
