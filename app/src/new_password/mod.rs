//! Set a new password after signing in with a temporary one (`/new-password`,
//! `RespondToAuthChallenge` with `NEW_PASSWORD_REQUIRED`).

use std::collections::HashMap;

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};
use serde::{Deserialize, Serialize};

use crate::{
    components::{
        form_error, invalid, page_state, ErrorSummary, NewPasswordFields, PostForm, Submit,
    },
    error::{AppError, Field},
    forms::FormState,
    i18n::td_string,
    islands::timer::TimeLeft,
    paths::field,
    policy::PasswordPolicy,
};
#[cfg(feature = "ssr")]
use crate::{
    flow::{load_page, Ctx, NewPassword},
    forms::FormId,
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
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn set_new_password(
    new_password: String,
    confirm_password: String,
    attributes: Option<HashMap<String, String>>,
) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let new = NewPassword::new(new_password, confirm_password);
    let attributes = attributes.unwrap_or_default();
    let user = ctx.session.challenge().await?.map(|f| f.username);
    let logic = ssr::set_new_password(&ctx.state, &ctx.session, &new, &attributes);
    let result = ctx.step(ssr::step(), user.as_deref(), logic).await;
    ctx.remember_device_after(&result, user.as_deref());
    let kept = ssr::kept_fields(&attributes);
    ctx.finish(FormId::NewPassword, &kept, result).await
}

/// State of the `/new-password` page.
#[server(prefix = "/api", endpoint = "new-password-state")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn load_new_password() -> Result<NewPasswordState, AppError> {
    load_page(async |ctx: &Ctx| ssr::page_state(ctx).await).await
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
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, new_password.title)/>
        <h1>{td_string!(l, new_password.title)}</h1>
        {page_state(|| (), |_| load_new_password(), None, move |st: NewPasswordState| match st {
            NewPasswordState { expired: true, .. } => view! { <Redirect path={crate::paths::SIGN_IN}/> }.into_any(),
            NewPasswordState { flow: None, form, .. } => {
                let e = form.error.clone().or(Some(AppError::NoChallengeInProgress));
                view! {
                    <ErrorSummary error=Signal::derive(move || e.clone())/>
                    <p><A exact=true href={crate::paths::SIGN_IN}>{td_string!(l, new_password.go_to_sign_in)}</A></p>
                }.into_any()
            }
            NewPasswordState { flow: Some(flow), form, policy, .. } => {
                challenge_form(flow, form, policy).into_any()
            }
        })}
    }
}

fn challenge_form(flow: ChallengeView, form: FormState, policy: PasswordPolicy) -> impl IntoView {
    let error = form_error(form.error.clone());
    let attr_invalid = invalid(error, Field::Attribute);
    let l = crate::text::locale();
    // When the time runs out in an open tab, the page loads again: the server ends the
    // challenge and sends the user to sign in with the reason.
    view! {
        <p class="lead">{td_string!(l, new_password.lead)}</p>
        <TimeLeft seconds=flow.seconds_left/>
        <ErrorSummary error/>
        <PostForm action=SetNewPassword::PATH novalidate=true>
            <NewPasswordFields policy error/>
            {(!flow.required_attributes.is_empty()).then(|| view! {
                <fieldset id="attributes" class="attributes">
                    <legend>{td_string!(l, new_password.we_also_need)}</legend>
                    {flow.required_attributes.iter().map(|a| {
                        let name = field::attribute(a);
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
            <Submit label=td_string!(l, new_password.submit)/>
        </PostForm>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests;

/// Server-side logic of the new-password challenge.
#[cfg(feature = "ssr")]
pub mod ssr {
    use std::collections::HashMap;

    /// The audited step of a temporary password's change (it notifies the user).
    pub fn step() -> crate::flow::Step {
        crate::flow::Step::audited("challenge_completed")
            .notifies(crate::notify::Change::TemporaryPasswordChanged)
    }

    /// The attributes typed, under their form field names, to show again after an error.
    pub fn kept_fields(attributes: &HashMap<String, String>) -> Vec<(String, &String)> {
        attributes
            .iter()
            .map(|(k, v)| (crate::paths::field::attribute(k), v))
            .collect()
    }

    use super::{ChallengeView, NewPasswordState};
    use crate::{
        cognito::{Challenge, IdpError, SignIn, Tokens},
        error::AppError,
        flow::{
            challenge::seconds_left, idp_error, next_step, sign_out_elsewhere, signed_in, Ctx,
            NewPassword,
        },
        forms::{FormId, FormState, Notice},
        password::{check_guessability, check_new_password},
        paths,
        session::{AppSession, ChallengeFlow},
        state::AppState,
    };

    /// Ends an expired challenge and leaves the reason for the sign-in page.
    pub async fn expire(session: &AppSession, username: String) -> Result<(), AppError> {
        session
            .end_all(Some(&Notice::ChallengeExpired { username }))
            .await
    }

    /// The `/new-password` page's state.
    pub async fn page_state(ctx: &Ctx) -> Result<NewPasswordState, AppError> {
        let flash = ctx.session.take_flash().await?;
        let form = FormState::for_form(flash.as_ref(), FormId::NewPassword);
        let (flow, expired) = challenge_view(&ctx.state, &ctx.session).await?;
        let policy = ctx.state.policy.clone();
        Ok(NewPasswordState {
            form,
            policy,
            flow,
            expired,
        })
    }

    /// The challenge in progress as the page shows it, or whether it just expired (then it is
    /// ended here and the reason left for the sign-in page).
    pub async fn challenge_view(
        state: &AppState,
        session: &AppSession,
    ) -> Result<(Option<ChallengeView>, bool), AppError> {
        let Some(flow) = session.challenge().await? else {
            return Ok((None, false));
        };
        if !matches!(flow.step, Challenge::NewPassword { .. }) {
            return Ok((None, false));
        }
        let left = seconds_left(state, flow.started_at);
        if left == 0 {
            expire(session, flow.username).await?;
            return Ok((None, true));
        }
        let view = ChallengeView {
            seconds_left: left,
            required_attributes: flow.required_attributes().to_vec(),
        };
        Ok((Some(view), false))
    }

    /// `/new-password` posted. Returns the page to go to next.
    pub async fn set_new_password(
        state: &AppState,
        session: &AppSession,
        new: &NewPassword,
        attributes: &HashMap<String, String>,
    ) -> Result<&'static str, AppError> {
        let new_password = new.expose();
        let flow = session
            .challenge()
            .await?
            .filter(|f| matches!(f.step, Challenge::NewPassword { .. }))
            .ok_or(AppError::NoChallengeInProgress)?;
        if seconds_left(state, flow.started_at) == 0 {
            expire(session, flow.username).await?;
            return Ok(paths::SIGN_IN);
        }
        check_new_password(&state.policy, new_password, new.confirmation(), None)?;
        check_guessability(
            new_password,
            &flow.username,
            &state.settings.brand.product_name,
        )?;
        let mut values = Vec::new();
        let mut missing = Vec::new();
        for name in flow.required_attributes() {
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
                signed_in_with(state, session, flow, new_password, tokens).await
            }
            Ok(SignIn::Challenge {
                step: Challenge::NewPassword { .. },
                ..
            }) => Err(AppError::AttributesRejected),
            // The password is set; the pool asks for more (MFA set-up or a code) first. The
            // other sessions end now (this sign-in has no tokens yet, so none of its own are
            // ended), and the notice waits in the session for the end of the chain.
            Ok(outcome) => {
                let signed_out_elsewhere = sign_out_elsewhere(state, &flow.username).await;
                let next = next_step(state, session, &flow.username, outcome, false).await?;
                session
                    .set_notice(&Notice::PasswordSet {
                        signed_out_elsewhere,
                    })
                    .await?;
                Ok(next)
            }
            // Cognito's session is no longer valid: treat it like the timer running out.
            Err(IdpError::NotAuthorized | IdpError::ExpiredCode | IdpError::CodeMismatch) => {
                expire(session, flow.username).await?;
                Ok(paths::SIGN_IN)
            }
            Err(IdpError::InvalidPassword) => Err(AppError::PasswordRejected),
            Err(IdpError::PasswordReused) => Err(AppError::PasswordReused),
            Err(IdpError::InvalidParameter | IdpError::AliasExists) => {
                Err(AppError::AttributesRejected)
            }
            Err(e) => Err(idp_error(e)),
        }
    }

    /// The new password is set and Cognito signed the user in: sessions elsewhere end (when
    /// the settings ask), which also ends the tokens just issued, so the app signs in again with
    /// the new password (a second factor then goes to its page).
    async fn signed_in_with(
        state: &AppState,
        session: &AppSession,
        flow: ChallengeFlow,
        new_password: &str,
        tokens: Tokens,
    ) -> Result<&'static str, AppError> {
        let signed_out_elsewhere = sign_out_elsewhere(state, &flow.username).await;
        let notice = Notice::PasswordSet {
            signed_out_elsewhere,
        };
        if !signed_out_elsewhere {
            let key = state.user_hash(&flow.username);
            session
                .sign_in(&signed_in(&flow.username, tokens), &key)
                .await?;
            session.set_notice(&notice).await?;
            return Ok(paths::ACCOUNT);
        }
        match state.cognito.sign_in(&flow.username, new_password).await {
            Ok(outcome) if !matches!(outcome, SignIn::Unsupported(_)) => {
                let next = next_step(state, session, &flow.username, outcome, true).await?;
                session.set_notice(&notice).await?;
                Ok(next)
            }
            other => {
                tracing::warn!(
                    ok = other.is_ok(),
                    "sign-in after the global sign-out did not give tokens"
                );
                let notice = Notice::PasswordReset {
                    username: flow.username,
                    signed_out_elsewhere,
                };
                session.end_all(Some(&notice)).await?;
                Ok(paths::SIGN_IN)
            }
        }
    }
}
