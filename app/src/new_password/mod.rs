//! Set a new password after signing in with a temporary one (`/new-password`,
//! `RespondToAuthChallenge` with `NEW_PASSWORD_REQUIRED`).

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};
use serde::{Deserialize, Serialize};

use crate::{
    components::{countdown, form_error, invalid, mm_ss, ErrorSummary, NewPasswordFields, Submit},
    error::{AppError, Field},
    forms::FormState,
    i18n::td_string,
    password::PasswordPolicy,
};

/// A challenge in progress, as the page shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChallengeView {
    pub seconds_left: u32,
    pub required_attributes: Vec<String>,
}

/// What `/new-password` shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NewPasswordState {
    pub form: FormState,
    pub policy: PasswordPolicy,
    pub flow: Option<ChallengeView>,
    /// The challenge expired: the page sends the user back to sign in.
    pub expired: bool,
}

/// Sets the new password (and any attributes Cognito requires).
#[server(prefix = "/api", endpoint = "new-password")]
pub async fn set_new_password(
    new_password: String,
    confirm_password: String,
    attributes: Option<HashMap<String, String>>,
) -> Result<(), AppError> {
    let ctx = crate::state::Ctx::get().await?;
    let attributes = attributes.unwrap_or_default();
    let user = ctx.session.challenge().await?.map(|f| f.username);
    let result = ssr::set_new_password(
        &ctx.state,
        &ctx.session,
        &new_password,
        &confirm_password,
        &attributes,
    )
    .await;
    if let (Ok(&"/account"), Some(u)) = (result.as_ref(), &user) {
        ctx.remember_device(u);
    }
    ctx.audit("challenge_completed", user.as_deref(), &result);
    let kept: Vec<(String, String)> = attributes
        .iter()
        .map(|(k, v)| (format!("attributes[{k}]"), v.clone()))
        .collect();
    let kept_ref: Vec<(&str, &str)> = kept.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    ctx.finish(crate::forms::FormId::NewPassword, &kept_ref, result)
        .await
}

/// State of the `/new-password` page.
#[server(prefix = "/api", endpoint = "new-password-state")]
pub async fn load_new_password() -> Result<NewPasswordState, AppError> {
    crate::state::page_result(
        async move {
            let ctx = crate::state::Ctx::get().await?;
            let flash = ctx.session.take_flash().await?;
            let form = FormState::for_form(flash.as_ref(), crate::forms::FormId::NewPassword);
            let policy = ctx.state.policy.clone();
            match ctx.session.challenge().await? {
                None => Ok(NewPasswordState {
                    form,
                    policy,
                    flow: None,
                    expired: false,
                }),
                Some(flow) => {
                    let left = ssr::seconds_left(&ctx.state, flow.started_at);
                    if left == 0 {
                        ssr::expire(&ctx.session, flow.username).await?;
                        return Ok(NewPasswordState {
                            form,
                            policy,
                            flow: None,
                            expired: true,
                        });
                    }
                    Ok(NewPasswordState {
                        form,
                        policy,
                        flow: Some(ChallengeView {
                            seconds_left: left,
                            required_attributes: flow.required_attributes,
                        }),
                        expired: false,
                    })
                }
            }
        }
        .await,
    )
}

fn attribute_input_type(name: &str) -> &'static str {
    match name {
        "email" => "email",
        "phone_number" => "tel",
        "birthdate" => "date",
        _ => "text",
    }
}

/// `/new-password`.
#[component]
pub fn NewPasswordPage() -> impl IntoView {
    let action = ServerAction::<SetNewPassword>::new();
    let state = Resource::new_blocking(|| (), |_| load_new_password());
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, new_password.title)/>
        <h1>{td_string!(l, new_password.title)}</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match state.await {
                    Err(e) => view! { <ErrorSummary error=Signal::derive(move || Some(e.clone()))/> }.into_any(),
                    Ok(NewPasswordState { expired: true, .. }) => view! { <Redirect path="/sign-in"/> }.into_any(),
                    Ok(NewPasswordState { flow: None, form, .. }) => {
                        let e = form.error.clone().or(Some(AppError::NoChallengeInProgress));
                        view! {
                            <ErrorSummary error=Signal::derive(move || e.clone())/>
                            <p><A href="/sign-in">{td_string!(l, new_password.go_to_sign_in)}</A></p>
                        }.into_any()
                    }
                    Ok(NewPasswordState { flow: Some(flow), form, policy, .. }) => {
                        challenge_form(action, flow, form, policy).into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn challenge_form(
    action: ServerAction<SetNewPassword>,
    flow: ChallengeView,
    form: FormState,
    policy: PasswordPolicy,
) -> impl IntoView {
    let error = form_error(move || action.value().get(), form.error.clone());
    let left = countdown(flow.seconds_left);
    let attr_invalid = invalid(error, Field::Attribute);
    // When the time runs out in an open tab, load the page again: the server ends the challenge
    // and sends the user to sign in with the reason.
    Effect::new(move |_| {
        if left.get() == 0 {
            let _ = window().location().reload();
        }
    });
    let l = crate::text::locale();
    view! {
        <p class="lead">{td_string!(l, new_password.lead)}</p>
        <p class="timer" id="time-left" aria-live="off">
            {move || td_string!(l, new_password.time_left, time = mm_ss(left.get())).to_string()}
        </p>
        <ErrorSummary error/>
        <ActionForm action=action attr:novalidate="">
            <NewPasswordFields policy error/>
            {(!flow.required_attributes.is_empty()).then(|| view! {
                <fieldset id="attributes" class="attributes">
                    <legend>{td_string!(l, new_password.we_also_need)}</legend>
                    {flow.required_attributes.iter().map(|a| {
                        let name = format!("attributes[{a}]");
                        let id = format!("attr-{}", a.replace(':', "-"));
                        let value = form.field(&name);
                        view! {
                            <div class="field">
                                <label for=id.clone()>{crate::text::attribute_label(l, a)}</label>
                                <input id=id name=name type=attribute_input_type(a) value=value
                                    aria-invalid=move || if attr_invalid.get() { "true" } else { "false" }/>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
            })}
            <Submit label=td_string!(l, new_password.submit) busy=td_string!(l, new_password.busy) pending=action.pending()/>
        </ActionForm>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests;

/// Server-side logic of the new-password challenge.
#[cfg(feature = "ssr")]
pub mod ssr {
    use std::collections::HashMap;

    use crate::{
        cognito::{IdpError, SignIn},
        error::AppError,
        forms::Notice,
        password::{check_guessability, check_new_password},
        reset::ssr::{common, sign_out_elsewhere},
        session::AppSession,
        sign_in::ssr::signed_in,
        state::{now, AppState},
    };

    /// Seconds left of the challenge started at `started_at`.
    pub fn seconds_left(state: &AppState, started_at: i64) -> u32 {
        let ttl = state.settings.challenge_ttl.as_secs() as i64;
        (started_at + ttl - now()).clamp(0, ttl) as u32
    }

    /// Ends an expired challenge and leaves the reason for the sign-in page.
    pub async fn expire(session: &AppSession, username: String) -> Result<(), AppError> {
        session
            .end_all(Some(&Notice::ChallengeExpired { username }))
            .await
    }

    /// `/new-password` posted. Returns the page to go to next.
    pub async fn set_new_password(
        state: &AppState,
        session: &AppSession,
        new_password: &str,
        confirm_password: &str,
        attributes: &HashMap<String, String>,
    ) -> Result<&'static str, AppError> {
        let flow = session
            .challenge()
            .await?
            .ok_or(AppError::NoChallengeInProgress)?;
        if seconds_left(state, flow.started_at) == 0 {
            expire(session, flow.username).await?;
            return Ok("/sign-in");
        }
        check_new_password(&state.policy, new_password, confirm_password, None)?;
        check_guessability(new_password, &flow.username, &state.settings.product_name)?;
        let mut values = Vec::new();
        let mut missing = Vec::new();
        for name in &flow.required_attributes {
            match attributes.get(name).map(|v| v.trim()) {
                Some(v) if !v.is_empty() => values.push((name.clone(), v.to_string())),
                _ => missing.push(name.clone()),
            }
        }
        if !missing.is_empty() {
            return Err(AppError::MissingAttribute(missing.join(", ")));
        }
        match state
            .cognito
            .respond_new_password(&flow.username, &flow.session, new_password, &values)
            .await
        {
            Ok(SignIn::Tokens(tokens)) => {
                let signed_out_elsewhere = sign_out_elsewhere(state, &flow.username).await;
                let tokens = if signed_out_elsewhere {
                    // The global sign-out also ended the tokens just issued: sign in again
                    // with the new password.
                    match state.cognito.sign_in(&flow.username, new_password).await {
                        Ok(SignIn::Tokens(t)) => t,
                        other => {
                            tracing::warn!(
                                ok = other.is_ok(),
                                "sign-in after the global sign-out did not give tokens"
                            );
                            session
                                .end_all(Some(&Notice::PasswordReset {
                                    username: flow.username,
                                    signed_out_elsewhere,
                                }))
                                .await?;
                            return Ok("/sign-in");
                        }
                    }
                } else {
                    tokens
                };
                session.sign_in(&signed_in(&flow.username, tokens)).await?;
                session
                    .set_notice(&Notice::PasswordSet {
                        signed_out_elsewhere,
                    })
                    .await?;
                Ok("/account")
            }
            Ok(SignIn::NewPasswordRequired { .. }) => Err(AppError::AttributesRejected),
            Ok(SignIn::Unsupported(challenge)) => {
                tracing::warn!(challenge, "challenge after new password is not handled");
                Err(AppError::UnsupportedChallenge)
            }
            // Cognito's session is no longer valid: treat it like the timer running out.
            Err(IdpError::NotAuthorized | IdpError::ExpiredCode | IdpError::CodeMismatch) => {
                expire(session, flow.username).await?;
                Ok("/sign-in")
            }
            Err(IdpError::InvalidPassword) => Err(AppError::PasswordRejected),
            Err(IdpError::PasswordReused) => Err(AppError::PasswordReused),
            Err(IdpError::InvalidParameter | IdpError::AliasExists) => {
                Err(AppError::AttributesRejected)
            }
            Err(e) => Err(common(e)),
        }
    }
}
