//! "Use a recovery code" (`/sign-in/recovery`, from the second-factor code page, with
//! `RECOVERY_CODES=true`): a lost phone or authenticator no longer locks the user out. The
//! code and the password, in one request: the password is checked first (a sign-in that gets as
//! far as the second factor; a wrong one uses nothing up), then the code is used up, the second
//! factors are removed (`AdminSetUserMFAPreference`, `AdminDeleteSoftwareToken`), and the
//! sign-in starts again with the same password, so a pool that requires a second factor goes
//! straight to setting up a new one. The password is never kept. A wrong, used or voided code
//! gets one answer, and each try counts like a second-factor code.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};

use super::{load_mfa, MfaState, StepView};
use crate::{
    components::{
        described_by, form_error, invalid, page_state, ErrorSummary, FieldError, PasswordInput,
        PostForm, Submit,
    },
    error::{AppError, Field},
    i18n::td_string,
    paths::field,
};
#[cfg(feature = "ssr")]
use crate::{
    flow::{Ctx, Step},
    forms::FormId,
    limits::Action,
};

/// A recovery code and the password.
#[server(prefix = "/api", endpoint = "mfa/recovery")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn mfa_recovery(recovery_code: String, password: String) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.challenge().await?.map(|f| f.username);
    let password = password.into();
    let logic = ssr::use_code(&ctx.state, &ctx.session, &recovery_code, &password);
    let step = Step::limited(Action::MfaCode, "recovery_code_used")
        .notifies(crate::notify::Change::RecoveryCodeUsed);
    let result = ctx.step(step, user.as_deref(), logic).await;
    ctx.finish(FormId::MfaRecovery, crate::flow::NO_FIELDS, result)
        .await
}

/// `/sign-in/recovery`.
#[component]
pub fn MfaRecoveryPage() -> impl IntoView {
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, recovery.title)/>
        <h1>{td_string!(l, recovery.title)}</h1>
        {page_state(|| (), |_| load_mfa(), None, move |st: MfaState| match st {
            MfaState { expired: true, .. } => view! { <Redirect path={crate::paths::SIGN_IN}/> }.into_any(),
            MfaState { step: Some(StepView::Code { .. }), form, recovery: true, .. } => {
                let error = form_error(form.error.clone());
                let bad = invalid(error, Field::RecoveryCode);
                view! {
                    <p class="lead" id="recovery-lead">{td_string!(l, recovery.lead)}</p>
                    <ErrorSummary error/>
                    <PostForm action=MfaRecovery::PATH novalidate=true>
                        <div class="field">
                            <label for=field::RECOVERY_CODE>{td_string!(l, recovery.code_label)}</label>
                            <input id=field::RECOVERY_CODE name=field::RECOVERY_CODE type="text"
                                autocomplete="off" autocapitalize="off" spellcheck="false" autofocus=true
                                aria-invalid=move || if bad.get() { "true" } else { "false" }
                                aria-describedby=described_by(bad, Field::RecoveryCode, Some("recovery-lead"))/>
                            <FieldError field=Field::RecoveryCode error/>
                        </div>
                        <PasswordInput field=Field::Password name=field::PASSWORD label=td_string!(l, form.password) autocomplete="current-password" error/>
                        <Submit label=td_string!(l, recovery.submit)/>
                    </PostForm>
                    <p class="aside"><A exact=true href={crate::paths::MFA_CODE}>{td_string!(l, recovery.back)}</A></p>
                }.into_any()
            }
            _ => view! {
                <ErrorSummary error=Signal::derive(|| Some(AppError::NoChallengeInProgress))/>
                <p><A exact=true href={crate::paths::SIGN_IN}>{td_string!(l, new_password.go_to_sign_in)}</A></p>
            }.into_any(),
        })}
    }
}

/// Server-side logic of a recovery code at sign-in.
#[cfg(feature = "ssr")]
pub mod ssr {
    use secrecy::{ExposeSecret, SecretString};

    use crate::{
        cognito::IdpError,
        error::{AppError, Field},
        flow::{factor_reset::sign_in, idp_error, next_step, recovery_codes::store},
        session::AppSession,
        state::AppState,
    };

    /// The code and the password posted. Returns the page to go to next.
    pub async fn use_code(
        state: &AppState,
        session: &AppSession,
        code: &str,
        password: &SecretString,
    ) -> Result<&'static str, AppError> {
        if state.settings.flows.recovery_codes.is_none() {
            return Err(AppError::Refused);
        }
        let flow = session
            .challenge()
            .await?
            .ok_or(AppError::NoChallengeInProgress)?;
        let password = password.expose_secret();
        if code.trim().is_empty() {
            return Err(AppError::Missing(Field::RecoveryCode));
        }
        if password.is_empty() {
            return Err(AppError::Missing(Field::Password));
        }
        let user = flow.username.as_str();
        // The password first: a wrong one uses no code up.
        match sign_in::password(state, user, password).await {
            Ok(_) => {}
            Err(IdpError::NotAuthorized | IdpError::UserNotFound) => {
                return Err(AppError::WrongCredentials)
            }
            Err(e) => return Err(idp_error(e)),
        }
        if !store::use_code(state, user, code).await? {
            return Err(AppError::WrongRecoveryCode);
        }
        if let Err(kind) = state.cognito.admin_mfa_reset(user).await {
            tracing::error!(?kind, "a recovery code was used but the second factors could not be removed (IAM cognito-idp:AdminSetUserMFAPreference, cognito-idp:AdminDeleteSoftwareToken?)");
            return Err(idp_error(kind));
        }
        let outcome = sign_in::password(state, user, password)
            .await
            .map_err(idp_error)?;
        next_step(state, session, user, outcome, true).await
    }
}
