//! The signed-in side: the account page (`/account`), change password
//! (`/account/password`, `ChangePassword`, optional `GlobalSignOut`) and sign out
//! (`RevokeToken`, session flushed).

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};
use serde::{Deserialize, Serialize};

use crate::{
    components::{
        form_error, page_state, ContinueLink, ErrorSummary, NewPasswordFields, NoticeBox,
        PasswordInput, PostForm, Submit,
    },
    error::{AppError, Field},
    forms::{FormState, Medium, Notice},
    i18n::{td, td_string},
    paths::field,
    policy::PasswordPolicy,
};
#[cfg(feature = "ssr")]
use crate::{
    flow::{load_page, Ctx, NewPassword},
    forms::FormId,
    paths,
};

/// What the account pages show about the user.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccountView {
    pub username: String,
    pub email: Option<String>,
}

/// What `/account` and `/account/password` show.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccountState {
    pub account: Option<AccountView>,
    pub notice: Option<Notice>,
    pub form: FormState,
    pub policy: PasswordPolicy,
    /// Right after a temporary password was replaced, in a pool with passkeys: offer one.
    #[serde(default)]
    pub passkey_offer: bool,
    /// Once a sign-in, when the user has no verified contact the pool sends reset codes to:
    /// which one to verify (`true`: it is on the account) or add (`false`).
    #[serde(default)]
    pub contact_prompt: Option<(Medium, bool)>,
    /// Right after an authenticator was set up at sign-in, with `RECOVERY_CODES`: offer them.
    #[serde(default)]
    pub codes_offer: bool,
}

/// Changes the password of the signed-in user.
#[server(prefix = "/api", endpoint = "account/password")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
    sign_out_everywhere: Option<String>,
) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let current = current_password.into();
    let new = NewPassword::new(new_password, confirm_password);
    let everywhere = sign_out_everywhere.is_some();
    let user = ctx.session.signed_in().await?.map(|u| u.username);
    let logic = ssr::change_password(&ctx.state, &ctx.session, &current, &new, everywhere);
    let result = ctx.step(ssr::change_step(), user.as_deref(), logic).await;
    let kept = everywhere.then_some((field::SIGN_OUT_EVERYWHERE, "on"));
    ctx.finish(FormId::ChangePassword, kept.as_slice(), result)
        .await
}

/// Signs out: revokes the refresh token and deletes the server-side session.
#[server(prefix = "/api", endpoint = "sign-out")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn sign_out() -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let result = ssr::sign_out(&ctx.state, &ctx.session).await;
    ctx.finish(
        FormId::SignIn,
        crate::flow::NO_FIELDS,
        result.map(|()| paths::SIGN_IN),
    )
    .await
}

/// State of the account pages.
#[server(prefix = "/api", endpoint = "account-state")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn load_account() -> Result<AccountState, AppError> {
    load_page(async |ctx: &Ctx| ssr::account_state(ctx).await).await
}

/// `/account`.
#[component]
pub fn AccountPage() -> impl IntoView {
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, account.title)/>
        {page_state(|| (), |_| load_account(), None, move |st: AccountState| match st {
            AccountState { account: Some(a), notice, passkey_offer, contact_prompt, codes_offer, .. } => view! {
                <h1>{td_string!(l, account.title)}</h1>
                <NoticeBox notice no_continue=true/>
                {contact_prompt.map(|(contact, present)| view! { <ContactPrompt contact present/> })}
                {passkey_offer.then(|| offer("passkey-offer", td_string!(l, account.passkey_offer), "#passkeys", td_string!(l, account.passkey_offer_add)))}
                {codes_offer.then(|| offer("codes-offer", td_string!(l, account.codes_offer), "#recovery-codes", td_string!(l, account.codes_offer_add)))}
                {if a.username.is_empty() {
                    view! { <p class="lead">{td_string!(l, account.signed_in)}</p> }.into_any()
                } else {
                    // The name is isolated by its element (`.lead strong` in the stylesheet).
                    let name = a.username.clone();
                    view! { <p class="lead">{td!(l, account.signed_in_as, username = move || name.clone(), <b> = <strong/>)}</p> }.into_any()
                }}
                {a.email.map(|e| view! { <p>{td_string!(l, account.email, email = crate::text::isolate(&e)).to_string()}</p> })}
                <ul class="actions">
                    <li><A exact=true href={crate::paths::ACCOUNT_PASSWORD}>{td_string!(l, account.change_password)}</A></li>
                    <li><A exact=true href={crate::paths::ACCOUNT_SECURITY}>{td_string!(l, account.security)}</A></li>
                </ul>
                <ContinueLink primary=true/>
                <SignOutButton/>
            }.into_any(),
            _ => view! { <Redirect path={crate::paths::SIGN_IN}/> }.into_any(),
        })}
    }
}

/// No verified email or phone for reset codes: what that means, and the way to fix it now
/// (or not now: it is said once a sign-in).
#[component]
fn ContactPrompt(contact: Medium, present: bool) -> impl IntoView {
    let l = crate::text::locale();
    let (text, action) = match (contact, present) {
        (Medium::Email, true) => (
            td_string!(l, account.contact_unverified_email),
            td_string!(l, account.contact_verify),
        ),
        (Medium::Email, false) => (
            td_string!(l, account.contact_missing_email),
            td_string!(l, account.contact_add),
        ),
        (Medium::Sms, true) => (
            td_string!(l, account.contact_unverified_phone),
            td_string!(l, account.contact_verify),
        ),
        (Medium::Sms, false) => (
            td_string!(l, account.contact_missing_phone),
            td_string!(l, account.contact_add),
        ),
    };
    view! {
        <aside class="offer" aria-labelledby="contact-prompt">
            <p id="contact-prompt">{text}</p>
            <p>
                <A exact=true href={format!("{}#contact", crate::paths::ACCOUNT_SECURITY)}>{action}</A>
                " · "
                <A exact=true href={crate::paths::ACCOUNT}>{td_string!(l, account.passkey_offer_dismiss)}</A>
            </p>
        </aside>
    }
}

/// The sign-out button (a form, so it works without JavaScript).
#[component]
pub fn SignOutButton() -> impl IntoView {
    view! {
        <PostForm action=SignOut::PATH class="inline-form">
            <button type="submit" class="secondary">{td_string!(crate::text::locale(), account.sign_out)}</button>
        </PostForm>
    }
}

/// An offer on the account page: what and why (`text`), the security page's section to do it
/// (`section`, `#…`), and "Not now".
fn offer(
    id: &'static str,
    text: &'static str,
    section: &'static str,
    add: &'static str,
) -> impl IntoView {
    let l = crate::text::locale();
    view! {
        <aside class="offer" aria-labelledby=id>
            <p id=id>{text}</p>
            <p>
                <A exact=true href={format!("{}{section}", crate::paths::ACCOUNT_SECURITY)}>{add}</A>
                " · "
                <A exact=true href={crate::paths::ACCOUNT}>{td_string!(l, account.passkey_offer_dismiss)}</A>
            </p>
        </aside>
    }
}

/// `/account/password`.
#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, account.change_password)/>
        {page_state(|| (), |_| load_account(), None, move |st: AccountState| match st {
            AccountState { account: Some(_), form, policy, .. } => change_form(form, policy).into_any(),
            _ => view! { <Redirect path={crate::paths::SIGN_IN}/> }.into_any(),
        })}
    }
}

fn change_form(form: FormState, policy: PasswordPolicy) -> impl IntoView {
    let error = form_error(form.error.clone());
    let everywhere = !form.field(field::SIGN_OUT_EVERYWHERE).is_empty();
    let l = crate::text::locale();
    view! {
        <h1>{td_string!(l, account.change_password)}</h1>
        <ErrorSummary error/>
        <PostForm action=ChangePassword::PATH novalidate=true>
            <PasswordInput field=Field::CurrentPassword name=field::CURRENT_PASSWORD label=td_string!(l, form.current_password) autocomplete="current-password" error/>
            <NewPasswordFields policy error/>
            <div class="field checkbox">
                <input id=field::SIGN_OUT_EVERYWHERE name=field::SIGN_OUT_EVERYWHERE type="checkbox" checked=everywhere/>
                <label for=field::SIGN_OUT_EVERYWHERE>{td_string!(l, account.sign_out_everywhere)}</label>
            </div>
            <Submit label=td_string!(l, reset.change)/>
        </PostForm>
        <p class="aside"><a href={crate::paths::ACCOUNT} rel="external">{td_string!(l, account.back)}</a></p>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests;

/// Server-side logic of the signed-in pages.
#[cfg(feature = "ssr")]
pub mod ssr {
    use secrecy::{ExposeSecret, SecretString};

    use super::{AccountState, AccountView};
    use crate::{
        clock::now,
        cognito::IdpError,
        cognito::UserSecurity,
        error::{AppError, Field},
        flow::{idp_error, refresh, Ctx, NewPassword},
        forms::Medium,
        forms::{FormId, FormState, Notice},
        password::{check_guessability, check_new_password},
        paths,
        pool::Recovery,
        session::AppSession,
        state::AppState,
    };

    /// The account pages' state. Names and addresses go into server-rendered HTML only, never
    /// into a JSON answer.
    pub async fn account_state(ctx: &Ctx) -> Result<AccountState, AppError> {
        let user = ctx.session.signed_in().await?;
        let (notice, form) = match user {
            Some(_) => {
                let flash = ctx.session.take_flash().await?;
                let form = FormState::for_form(flash.as_ref(), FormId::ChangePassword);
                (ctx.session.take_notice().await?, form)
            }
            None => (None, FormState::default()),
        };
        let page_render = ctx.page_render;
        // Shown once, right after a temporary password was replaced (the notice is taken with
        // this page) or at the first sign-in after a reset in this browser.
        let after_reset = ctx.session.take_passkey_offer().await?;
        let passkey_offer = ctx.state.features.passkeys
            && (after_reset || matches!(notice, Some(Notice::PasswordSet { .. })));
        let codes_offer = user.is_some() && ctx.session.take_codes_offer().await?;
        let contact_prompt = match &user {
            Some(u) if page_render => contact_prompt(ctx, u).await?,
            _ => None,
        };
        Ok(AccountState {
            contact_prompt,
            account: user.map(|u| AccountView {
                username: if page_render {
                    u.username
                } else {
                    String::new()
                },
                email: u.email.filter(|_| page_render),
            }),
            notice,
            form,
            policy: ctx.state.policy.clone(),
            passkey_offer,
            codes_offer,
        })
    }

    /// Once a sign-in (and with `VERIFY_CONTACT_PROMPT`): the contact to verify or add when the
    /// user has none verified that the pool sends reset codes to.
    async fn contact_prompt(
        ctx: &Ctx,
        user: &crate::session::SignedIn,
    ) -> Result<Option<(Medium, bool)>, AppError> {
        if !ctx.state.settings.flows.contact_prompt || !ctx.session.take_contact_check().await? {
            return Ok(None);
        }
        // A failure (an expired token) only means no prompt this time.
        let Ok(sec) = ctx.state.cognito.get_user(&user.tokens.access).await else {
            return Ok(None);
        };
        Ok(recovery_gap(ctx.state.features.recovery, &sec))
    }

    /// The contact a user lacks for reset codes under `recovery`: `(contact, on the account)`.
    /// With either allowed, a verified one of the two is enough; the email is asked for first
    /// unless only a phone number is there.
    pub fn recovery_gap(recovery: Recovery, sec: &UserSecurity) -> Option<(Medium, bool)> {
        let email = (Medium::Email, sec.email.is_some());
        let phone = (Medium::Sms, sec.phone.is_some());
        match recovery {
            Recovery::AdminOnly => None,
            Recovery::Email => (!sec.email_verified).then_some(email),
            Recovery::Phone => (!sec.phone_verified).then_some(phone),
            Recovery::EmailOrPhone if sec.email_verified || sec.phone_verified => None,
            Recovery::EmailOrPhone if sec.email.is_none() && sec.phone.is_some() => Some(phone),
            Recovery::EmailOrPhone => Some(email),
        }
    }

    /// The password change as a step: each try is a current-password guess, so it is limited
    /// like sign-in; a change sends the security notification.
    pub fn change_step() -> crate::flow::Step {
        crate::flow::Step::limited(crate::limits::Action::ChangePassword, "password_changed")
            .notifies(crate::notify::Change::PasswordChanged)
    }

    /// `/account/password` posted. Returns the page to go to next.
    pub async fn change_password(
        state: &AppState,
        session: &AppSession,
        current: &SecretString,
        new: &NewPassword,
        sign_out_everywhere: bool,
    ) -> Result<&'static str, AppError> {
        let (current, new_password) = (current.expose_secret(), new.expose());
        let mut user = session.signed_in().await?.ok_or(AppError::NotSignedIn)?;
        if current.is_empty() {
            return Err(AppError::Missing(Field::CurrentPassword));
        }
        check_new_password(
            &state.policy,
            new_password,
            new.confirmation(),
            Some(current),
        )?;
        check_guessability(
            new_password,
            &user.username,
            &state.settings.brand.product_name,
        )?;
        // Refresh a token that is about to expire before using it.
        if user.access_expires_at - now() < 30 {
            refresh(state, session, &mut user).await?;
        }
        let mut outcome = state
            .cognito
            .change_password(&user.tokens.access, current, new_password)
            .await;
        if outcome == Err(IdpError::NotAuthorized) {
            // Either the current password is wrong or the token was revoked/expired early:
            // refresh once and retry to tell which.
            refresh(state, session, &mut user).await?;
            outcome = state
                .cognito
                .change_password(&user.tokens.access, current, new_password)
                .await;
        }
        match outcome {
            Ok(()) => {}
            Err(IdpError::NotAuthorized) => return Err(AppError::WrongCurrentPassword),
            Err(IdpError::InvalidPassword) => return Err(AppError::PasswordRejected),
            Err(IdpError::PasswordReused) => return Err(AppError::PasswordReused),
            Err(IdpError::PasswordResetRequired | IdpError::UserNotFound) => {
                session.end_all(Some(&Notice::SessionEnded)).await?;
                return Err(AppError::SessionEnded);
            }
            Err(e) => return Err(idp_error(e)),
        }
        if sign_out_everywhere {
            if let Err(e) = state.cognito.global_sign_out(&user.tokens.access).await {
                tracing::warn!(?e, "GlobalSignOut after a password change failed");
            }
            session
                .end_all(Some(&Notice::SignedOutEverywhere {
                    username: user.username,
                }))
                .await?;
            return Ok(paths::SIGN_IN);
        }
        session.set_notice(&Notice::PasswordChanged).await?;
        Ok(paths::ACCOUNT)
    }

    /// Revokes the refresh token (best effort) and deletes the session.
    pub async fn sign_out(state: &AppState, session: &AppSession) -> Result<(), AppError> {
        if let Some(user) = session.signed_in().await? {
            if let Some(r) = &user.tokens.refresh {
                if let Err(e) = state.cognito.revoke(r).await {
                    tracing::warn!(?e, "RevokeToken at sign-out failed");
                }
            }
        }
        session.end_all(Some(&Notice::SignedOut)).await
    }
}
