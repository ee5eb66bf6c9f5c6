//! The second factor at sign-in: a code (`/sign-in/code`: authenticator app, text message or
//! email), the choice among the factors Cognito offers (`/sign-in/choose`,
//! `SELECT_MFA_TYPE`) and setting one up when the pool requires it (`/sign-in/setup`,
//! `MFA_SETUP` with `AssociateSoftwareToken` and `VerifySoftwareToken`). Every step keeps
//! Cognito's session server-side only and leads on through `flow::next_step`.

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};
use serde::{Deserialize, Serialize};

use crate::{
    components::{form_error, page_state, CodeInput, ErrorSummary, PostForm, Submit},
    error::AppError,
    forms::{Factor, FormState, MfaKind},
    i18n::td_string,
    islands::timer::TimeLeft,
    passkey_button::{PasskeyButton, PasskeyText},
    paths::field,
    totp::{TotpKey, TotpSetup},
};
#[cfg(feature = "ssr")]
use crate::{
    flow::{load_page, Code, Ctx, Step},
    forms::FormId,
    limits::Action,
};

/// A step of the second factor, as its page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum StepView {
    /// Enter a code of `kind`; for SMS and email, where it went (the app's own mask).
    Code {
        kind: MfaKind,
        destination: Option<String>,
    },
    /// Choose among `options`.
    Choose { options: Vec<MfaKind> },
    /// Choice-based sign-in: choose the first factor.
    ChooseFactor { options: Vec<Factor> },
    /// Set up a second factor: an authenticator app when `totp` is there, else only the
    /// explanation of what the administrator has to do.
    Setup {
        options: Vec<MfaKind>,
        totp: Option<TotpSetup>,
    },
    /// Cognito waits for a passkey (`WEB_AUTHN`): the passkey button, or the password.
    Passkey,
    /// The sign-in is at its new-password step: that page comes first.
    NewPassword,
}

/// What a second-factor page shows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MfaState {
    pub form: FormState,
    pub step: Option<StepView>,
    pub seconds_left: u32,
    /// The step expired: the page sends the user to sign in again.
    pub expired: bool,
    /// Recovery codes are on: the code page offers one (`RECOVERY_CODES`).
    #[serde(default)]
    pub recovery: bool,
}

/// Answers a code step.
#[server(prefix = "/api", endpoint = "mfa/code")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn mfa_code(code: String) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.challenge().await?.map(|f| f.username);
    let code = Code::new(&code);
    let logic = ssr::answer_code(&ctx.state, &ctx.session, &code);
    let step = Step::limited(Action::MfaCode, "mfa_code");
    let result = ctx.step(step, user.as_deref(), logic).await;
    ctx.remember_device_after(&result, user.as_deref());
    ctx.finish(FormId::MfaCode, crate::flow::NO_FIELDS, result)
        .await
}

/// Chooses the second factor.
#[server(prefix = "/api", endpoint = "mfa/choose")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn mfa_choose(factor: Option<String>) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.challenge().await?.map(|f| f.username);
    let factor = factor.unwrap_or_default();
    let logic = ssr::choose(&ctx.state, &ctx.session, &factor);
    let result = ctx
        .step(Step::audited("mfa_chosen"), user.as_deref(), logic)
        .await;
    ctx.finish(FormId::MfaChoose, crate::flow::NO_FIELDS, result)
        .await
}

/// Finishes setting up an authenticator app with its first code.
#[server(prefix = "/api", endpoint = "mfa/setup")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn mfa_setup(code: String, device_name: Option<String>) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.challenge().await?.map(|f| f.username);
    let name = device_name.unwrap_or_default();
    let code = Code::new(&code);
    let logic = ssr::set_up(&ctx.state, &ctx.session, &code, &name);
    let result = ctx
        .step(crate::totp::enrolment(), user.as_deref(), logic)
        .await;
    ctx.remember_device_after(&result, user.as_deref());
    let kept = [(field::DEVICE_NAME, name.as_str())];
    ctx.finish(FormId::MfaSetup, &kept, result).await
}

/// "Send a new code": Cognito has no resend, so the sign-in starts again (the password is
/// never kept to do it behind the user's back).
#[server(prefix = "/api", endpoint = "mfa/restart")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn mfa_restart() -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let result = ssr::restart(&ctx.session).await;
    ctx.finish(FormId::SignIn, crate::flow::NO_FIELDS, result)
        .await
}

/// State of the second-factor pages.
#[server(prefix = "/api", endpoint = "mfa-state")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn load_mfa() -> Result<MfaState, AppError> {
    load_page(async |ctx: &Ctx| ssr::mfa_state(ctx).await).await
}

/// Which page a step belongs on.
fn page_of(step: &StepView) -> &'static str {
    match step {
        StepView::Code { .. } => crate::paths::MFA_CODE,
        StepView::Choose { .. } | StepView::ChooseFactor { .. } | StepView::Passkey => {
            crate::paths::MFA_CHOOSE
        }
        StepView::Setup { .. } => crate::paths::MFA_SETUP,
        StepView::NewPassword => crate::paths::NEW_PASSWORD,
    }
}

/// The shell of the three pages: the step when it belongs on `page`, a redirect to its page
/// when it belongs elsewhere, and a way back to sign in when there is none.
fn mfa_page(
    page: &'static str,
    render: impl Fn(StepView, FormState, u32, bool) -> AnyView + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let l = crate::text::locale();
    page_state(
        || (),
        |_| load_mfa(),
        None,
        move |st: MfaState| match st {
            MfaState { expired: true, .. } => {
                view! { <Redirect path={crate::paths::SIGN_IN}/> }.into_any()
            }
            MfaState {
                step: Some(step), ..
            } if page_of(&step) != page => view! { <Redirect path={page_of(&step)}/> }.into_any(),
            MfaState {
                step: Some(step),
                form,
                seconds_left,
                recovery,
                ..
            } => render(step, form, seconds_left, recovery),
            MfaState { form, .. } => {
                let e = form.error.clone().or(Some(AppError::NoChallengeInProgress));
                view! {
                <ErrorSummary error=Signal::derive(move || e.clone())/>
                <p><A exact=true href={crate::paths::SIGN_IN}>{td_string!(l, new_password.go_to_sign_in)}</A></p>
            }
            .into_any()
            }
        },
    )
}

/// The time left on the step; when it runs out in an open tab the page loads again and the
/// server sends the user to sign in with the reason.
fn time_left(seconds: u32) -> impl IntoView {
    view! { <TimeLeft seconds/> }
}

/// The code input every step with a code shares.
fn code_input(
    error: Signal<Option<AppError>>,
    described_by: Option<&'static str>,
    autofocus: bool,
) -> impl IntoView {
    let label = td_string!(crate::text::locale(), mfa.code_label);
    view! { <CodeInput label value="" error hint=described_by autofocus/> }
}

/// `/sign-in/code`.
#[component]
pub fn MfaCodePage() -> impl IntoView {
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, mfa.code_title)/>
        <h1>{td_string!(l, mfa.code_title)}</h1>
        {mfa_page(crate::paths::MFA_CODE, move |step, form, seconds, recovery| {
            let StepView::Code { kind, destination } = step else { return ().into_any() };
            let error = form_error(form.error.clone());
            let lead = crate::text::mfa_code_lead(l, kind, destination.as_deref());
            let sent = kind != MfaKind::Totp;
            view! {
                <p class="lead" id="code-lead">{lead}</p>
                {time_left(seconds)}
                <ErrorSummary error/>
                <PostForm action=MfaCode::PATH novalidate=true>
                    {code_input(error, Some("code-lead"), true)}
                    <Submit label=td_string!(l, mfa.verify)/>
                </PostForm>
                {sent.then(|| view! { <RestartForm/> })}
                {recovery.then(|| view! {
                    <p class="aside" id="use-recovery-code"><A exact=true href={crate::paths::MFA_RECOVERY}>{td_string!(l, recovery.link)}</A></p>
                })}
                {(kind != MfaKind::Email).then(|| view! {
                    <p class="aside" id="lost-factor"><A exact=true href={crate::paths::MFA_LOST}>{td_string!(l, lost.link)}</A></p>
                })}
            }
            .into_any()
        })}
        <p class="aside"><A exact=true href={crate::paths::SIGN_IN}>{td_string!(l, mfa.cancel)}</A></p>
    }
}

/// "Send a new code" (SMS and email): sign in again.
#[component]
fn RestartForm() -> impl IntoView {
    let l = crate::text::locale();
    view! {
        <PostForm action=MfaRestart::PATH class="inline-form resend">
            {td_string!(l, reset.didnt_get_it)}" "
            <button type="submit" class="link">{td_string!(l, mfa.send_new_code)}</button>
        </PostForm>
    }
}

/// `/sign-in/choose`.
#[component]
pub fn MfaChoosePage() -> impl IntoView {
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, mfa.choose_title)/>
        <h1>{td_string!(l, mfa.choose_title)}</h1>
        {mfa_page(crate::paths::MFA_CHOOSE, move |step, form, seconds, _| {
            let (options, password, passkey) = match step {
                StepView::Choose { options } => (options, false, false),
                StepView::ChooseFactor { options } => (
                    options.iter().filter_map(|f| match f { Factor::Code(k) => Some(*k), _ => None }).collect(),
                    options.contains(&Factor::Password),
                    options.contains(&Factor::Passkey),
                ),
                StepView::Passkey => (vec![], true, true),
                _ => return ().into_any(),
            };
            let error = form_error(form.error.clone());
            let codes = !options.is_empty();
            view! {
                {time_left(seconds)}
                <ErrorSummary error/>
                {passkey.then(|| view! {
                    <PasskeyButton text=PasskeyText::sign_in()/>
                    <noscript><p class="hint">{td_string!(l, sign_in.passkey_needs_browser)}</p></noscript>
                })}
                {codes.then(|| view! {
                    <PostForm action=MfaChoose::PATH novalidate=true>
                        <fieldset class="choices" id=field::FACTOR>
                            <legend>{td_string!(l, mfa.choose_lead)}</legend>
                            {options.into_iter().enumerate().map(|(i, kind)| {
                                let id = format!("factor-{}", kind.wire().to_lowercase());
                                view! {
                                    <div class="field checkbox">
                                        <input type="radio" id=id.clone() name=field::FACTOR value=kind.wire() checked=i == 0/>
                                        <label for=id>{crate::text::mfa_kind_name(l, kind)}</label>
                                    </div>
                                }
                            }).collect_view()}
                        </fieldset>
                        <Submit label=td_string!(l, mfa.continue_)/>
                    </PostForm>
                })}
                {password.then(|| view! {
                    <p><A exact=true href={crate::paths::SIGN_IN}>{td_string!(l, mfa.use_password)}</A></p>
                })}
            }
            .into_any()
        })}
        <p class="aside"><A exact=true href={crate::paths::SIGN_IN}>{td_string!(l, mfa.cancel)}</A></p>
    }
}

/// `/sign-in/setup`.
#[component]
pub fn MfaSetupPage() -> impl IntoView {
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, mfa.setup_title)/>
        <h1>{td_string!(l, mfa.setup_title)}</h1>
        {mfa_page(crate::paths::MFA_SETUP, move |step, form, seconds, _| {
            let StepView::Setup { options, totp } = step else { return ().into_any() };
            let error = form_error(form.error.clone());
            match totp {
                Some(totp) => view! {
                    <p class="lead">{td_string!(l, mfa.setup_lead)}</p>
                    {time_left(seconds)}
                    <ErrorSummary error/>
                    <TotpKey totp/>
                    <PostForm action=MfaSetup::PATH novalidate=true>
                        // Not focused: the steps above it come first (on a phone, the QR code).
                        {code_input(error, Some(crate::totp::SETUP_HINT), false)}
                        <div class="field">
                            <label for=field::DEVICE_NAME>{td_string!(l, mfa.device_name)}</label>
                            <input id=field::DEVICE_NAME name=field::DEVICE_NAME type="text" maxlength="64"
                                autocomplete="off" value=form.field(field::DEVICE_NAME)/>
                        </div>
                        <Submit label=td_string!(l, mfa.verify)/>
                    </PostForm>
                }
                .into_any(),
                None => view! {
                    <div class="alert alert-info" role="status">
                        <p>{crate::text::mfa_setup_unavailable(l, &options)}</p>
                    </div>
                }
                .into_any(),
            }
        })}
        <p class="aside"><A exact=true href={crate::paths::SIGN_IN}>{td_string!(l, mfa.cancel)}</A></p>
    }
}

pub mod lost;
pub mod recovery;
pub use lost::MfaLostPage;
pub use recovery::MfaRecoveryPage;

#[cfg(all(test, feature = "ssr"))]
mod tests;

/// Server-side logic of the second factor.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{MfaState, StepView};
    use crate::{
        cognito::{Challenge, Delivery, Factor, IdpError, Medium, MfaKind},
        error::{AppError, Field},
        flow::{
            canonical_delivery,
            challenge::{current, expire, seconds_left},
            idp_error,
            input::{SIX, SIX_OR_EIGHT},
            next_step, Code, Ctx,
        },
        forms::{FormId, FormState, Notice},
        paths,
        session::{AppSession, ChallengeFlow},
        state::AppState,
    };

    /// What a failed answer means: a wrong or expired code stays on the page; a session
    /// Cognito no longer accepts ends the step like the timer running out.
    async fn failed(
        session: &AppSession,
        flow: ChallengeFlow,
        e: IdpError,
    ) -> Result<&'static str, AppError> {
        // An authenticator app's code was typed from the app; the others from a message.
        let app = matches!(
            flow.step,
            Challenge::Code {
                kind: MfaKind::Totp,
                ..
            } | Challenge::MfaSetup { .. }
        );
        match e {
            IdpError::CodeMismatch if app => Err(AppError::WrongAppCode),
            IdpError::CodeMismatch => Err(AppError::WrongCode),
            IdpError::ExpiredCode => Err(AppError::ExpiredCode),
            IdpError::NotAuthorized => {
                expire(session, flow.username).await?;
                Ok(paths::SIGN_IN)
            }
            e => Err(idp_error(e)),
        }
    }

    /// The second-factor pages' state.
    pub async fn mfa_state(ctx: &Ctx) -> Result<MfaState, AppError> {
        let flash = ctx.session.take_flash().await?;
        let form = [
            FormId::MfaCode,
            FormId::MfaChoose,
            FormId::MfaSetup,
            FormId::MfaRecovery,
        ]
        .into_iter()
        .map(|f| FormState::for_form(flash.as_ref(), f))
        .find(|f| f.error.is_some())
        .unwrap_or_default();
        let (step, seconds_left, expired) =
            step_view(&ctx.state, &ctx.session, ctx.page_render).await?;
        Ok(MfaState {
            form,
            step,
            seconds_left,
            expired,
            recovery: ctx.state.settings.flows.recovery_codes.is_some(),
        })
    }

    /// The step as its page shows it, the seconds left, and whether it just expired. The
    /// authenticator key goes into server-rendered HTML only, never into a JSON answer.
    pub async fn step_view(
        state: &AppState,
        session: &AppSession,
        page_render: bool,
    ) -> Result<(Option<StepView>, u32, bool), AppError> {
        if let Some(f) = session.challenge().await? {
            if matches!(f.step, Challenge::NewPassword { .. }) {
                return Ok((Some(StepView::NewPassword), 0, false));
            }
        }
        let flow = match current(state, session).await {
            Ok(Some(flow)) => flow,
            Ok(None) => return Ok((None, 0, true)),
            Err(_) => return Ok((None, 0, false)),
        };
        let left = seconds_left(state, flow.started_at);
        let view = match flow.step {
            Challenge::Code { kind, destination } => StepView::Code {
                kind,
                destination: destination.map(|d| masked(state, &flow.username, kind, &d)),
            },
            Challenge::SelectMfa { options } => StepView::Choose { options },
            Challenge::SelectFactor { options } => StepView::ChooseFactor { options },
            Challenge::MfaSetup { options } => StepView::Setup {
                totp: flow
                    .secret
                    .as_ref()
                    .filter(|_| page_render)
                    .map(|s| crate::totp::setup(state, &flow.username, s.expose())),
                options,
            },
            Challenge::Passkey { .. } => StepView::Passkey,
            Challenge::NewPassword { .. } => StepView::NewPassword,
        };
        Ok((Some(view), left, false))
    }

    /// A destination in the app's own mask (as on the reset code page).
    fn masked(state: &AppState, username: &str, kind: MfaKind, destination: &str) -> String {
        let medium = match kind {
            MfaKind::Sms | MfaKind::SmsOtp => Medium::Sms,
            _ => Medium::Email,
        };
        let d = Delivery {
            medium,
            destination: destination.to_string(),
        };
        canonical_delivery(&state.decoy_key, username, &d).destination
    }

    /// `/sign-in/code` posted.
    pub async fn answer_code(
        state: &AppState,
        session: &AppSession,
        code: &Code,
    ) -> Result<&'static str, AppError> {
        let Some(flow) = current(state, session).await? else {
            return Ok(paths::SIGN_IN);
        };
        let Challenge::Code { kind, .. } = flow.step else {
            return Err(AppError::NoChallengeInProgress);
        };
        let code = code.digits(match kind {
            MfaKind::Email => SIX_OR_EIGHT,
            _ => SIX,
        })?;
        let cognito = &state.cognito;
        match cognito
            .respond_code(kind, &flow.username, &flow.session, code)
            .await
        {
            Ok(outcome) => next_step(state, session, &flow.username.clone(), outcome, false).await,
            Err(e) => failed(session, flow, e).await,
        }
    }

    /// `/sign-in/choose` posted with the factor's Cognito name.
    pub async fn choose(
        state: &AppState,
        session: &AppSession,
        factor: &str,
    ) -> Result<&'static str, AppError> {
        let Some(flow) = current(state, session).await? else {
            return Ok(paths::SIGN_IN);
        };
        let cognito = &state.cognito;
        let answer = match &flow.step {
            Challenge::SelectMfa { options } => {
                let kind = *options
                    .iter()
                    .find(|k| k.wire() == factor)
                    .ok_or(AppError::Missing(Field::Factor))?;
                if kind != MfaKind::Totp {
                    state.limiter.code_sent().await?;
                }
                cognito
                    .respond_select_mfa(kind, &flow.username, &flow.session)
                    .await
            }
            Challenge::SelectFactor { options } => {
                let kind = options
                    .iter()
                    .find_map(|f| match f {
                        Factor::Code(k) if k.wire() == factor => Some(*k),
                        _ => None,
                    })
                    .ok_or(AppError::Missing(Field::Factor))?;
                if kind != MfaKind::Totp {
                    state.limiter.code_sent().await?;
                }
                cognito
                    .respond_select_factor(kind, &flow.username, &flow.session)
                    .await
            }
            _ => return Err(AppError::NoChallengeInProgress),
        };
        match answer {
            Ok(outcome) => next_step(state, session, &flow.username.clone(), outcome, false).await,
            Err(e) => failed(session, flow, e).await,
        }
    }

    /// `/sign-in/setup` posted: the authenticator's first code, then `MFA_SETUP` answered.
    pub async fn set_up(
        state: &AppState,
        session: &AppSession,
        code: &Code,
        device_name: &str,
    ) -> Result<&'static str, AppError> {
        let Some(flow) = current(state, session).await? else {
            return Ok(paths::SIGN_IN);
        };
        if !matches!(flow.step, Challenge::MfaSetup { .. }) || flow.secret.is_none() {
            return Err(AppError::NoChallengeInProgress);
        }
        let code = code.digits(SIX)?;
        let name = &crate::totp::device_name(device_name);
        let cognito = &state.cognito;
        let verified = match cognito
            .verify_software_token(&flow.session, code, name)
            .await
        {
            Ok(next) => next,
            Err(e) => return failed(session, flow, e).await,
        };
        match cognito.respond_mfa_setup(&flow.username, &verified).await {
            Ok(outcome) => {
                let next =
                    next_step(state, session, &flow.username.clone(), outcome, false).await?;
                // Said like the same change on the security page (every success has its notice).
                session.add_notice(&Notice::AuthenticatorAdded).await?;
                // The first second factor: the account page offers recovery codes for the day
                // this phone is lost.
                if state.settings.flows.recovery_codes.is_some() && next == paths::ACCOUNT {
                    session.offer_codes().await?;
                }
                Ok(next)
            }
            Err(e) => failed(session, flow, e).await,
        }
    }

    /// Ends the step and sends the user to sign in again (the username prefilled).
    pub async fn restart(session: &AppSession) -> Result<&'static str, AppError> {
        let username = session
            .challenge()
            .await?
            .map(|f| f.username)
            .unwrap_or_default();
        session
            .end_all(Some(&Notice::CodeAgain { username }))
            .await?;
        Ok(paths::SIGN_IN)
    }
}
