//! `/account/security`: the signed-in user's second factors (which are on, which is preferred,
//! an authenticator app added or replaced, text-message and email codes turned on or off),
//! remembered devices, passkeys, and signing out everywhere. Every change to how the user gets
//! in needs the password entered within `STEP_UP_SECS` (a step-up: ASVS re-authentication);
//! signing out everywhere does not (it only takes access away, and must be at hand at once).
//! The pool's own rules hold (a pool that requires MFA keeps at least one factor on). After
//! "This wasn't me" the page opens with a review of every way in (see `flow::review`).

use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::components::Redirect;
use serde::{Deserialize, Serialize};

use crate::{
    components::{
        form_error, page_state, CodeInput, ErrorSummary, NoticeBox, PasswordInput, PostForm, Submit,
    },
    error::{AppError, Field},
    forms::{FormState, MfaKind, Notice},
    i18n::td_string,
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

/// A second factor as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodView {
    pub kind: MfaKind,
    pub on: bool,
    pub preferred: bool,
    /// It can be turned on: its contact (phone, email) is verified.
    pub usable: bool,
    /// It can be turned off (not the last one where the pool requires MFA).
    pub can_turn_off: bool,
    /// It is on while a review is asked for (after "This wasn't me"): the user checks it.
    #[serde(default)]
    pub review: bool,
}

/// A remembered device or a passkey, as its row shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemView {
    /// What the forget/delete form posts (a device key, a credential id).
    pub id: String,
    pub name: String,
    /// A date, `YYYY-MM-DD` (last used for a device, added for a passkey).
    pub date: Option<String>,
    /// Added (a passkey) or used (a device) since the change reported as not the user's.
    #[serde(default)]
    pub new: bool,
}

/// What `/account/security` shows.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SecurityState {
    /// After "This wasn't me": the date (`YYYY-MM-DD`) of the reported change; every way in
    /// is to be reviewed, what came since is marked.
    #[serde(default)]
    pub review: Option<String>,
    pub signed_in: bool,
    /// The password was entered recently enough: changes are offered.
    pub confirmed: bool,
    pub notice: Option<Notice>,
    pub form: FormState,
    /// The pool requires a second factor.
    pub required: bool,
    pub methods: Vec<MethodView>,
    /// An authenticator app being added: its QR code and key.
    pub totp: Option<TotpSetup>,
    /// `None`: the pool does not remember devices.
    pub devices: Option<Vec<ItemView>>,
    /// `None`: the pool does not offer passkeys.
    pub passkeys: Option<Vec<ItemView>>,
    /// The email address and phone number, and a code being entered for one.
    #[serde(default)]
    pub contact: Option<contact::ContactView>,
    /// Recovery codes (`None`: off).
    #[serde(default)]
    pub recovery: Option<recovery::RecoveryView>,
}

/// The step-up: the password again, before a change.
#[server(prefix = "/api", endpoint = "security/confirm")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn security_confirm(current_password: String) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.signed_in().await?.map(|u| u.username);
    let password = current_password.into();
    let logic = ssr::confirm(&ctx.state, &ctx.session, &password);
    let step = Step::limited(Action::SignIn, "step_up");
    let result = ctx.step(step, user.as_deref(), logic).await;
    ctx.finish(FormId::Security, crate::flow::NO_FIELDS, result)
        .await
}

/// "Add an authenticator app" (or replace the one there): its key and QR code.
#[server(prefix = "/api", endpoint = "security/totp")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn totp_begin() -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.signed_in().await?.map(|u| u.username);
    let logic = ssr::totp_begin(&ctx.state, &ctx.session);
    let result = ctx
        .step(Step::audited("totp_begin"), user.as_deref(), logic)
        .await;
    ctx.finish(FormId::Security, crate::flow::NO_FIELDS, result)
        .await
}

/// The new authenticator app's first code: it is verified and made the preferred factor.
#[server(prefix = "/api", endpoint = "security/totp/verify")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn totp_verify(code: String, device_name: Option<String>) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.signed_in().await?.map(|u| u.username);
    let name = device_name.unwrap_or_default();
    let code = Code::new(&code);
    let logic = ssr::totp_verify(&ctx.state, &ctx.session, &code, &name);
    let result = ctx
        .step(crate::totp::enrolment(), user.as_deref(), logic)
        .await;
    let kept = [(field::DEVICE_NAME, name.as_str())];
    ctx.finish(FormId::Security, &kept, result).await
}

/// Turns a second factor on or off, or makes it the preferred one.
#[server(prefix = "/api", endpoint = "security/mfa")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn mfa_change(method: String, change: String) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.signed_in().await?.map(|u| u.username);
    let logic = ssr::mfa_change(&ctx.state, &ctx.session, &method, &change);
    let result = ctx
        .step(
            Step::audited("mfa_changed").notifies(crate::notify::Change::MfaChanged),
            user.as_deref(),
            logic,
        )
        .await;
    ctx.finish(FormId::Security, crate::flow::NO_FIELDS, result)
        .await
}

/// Forgets a remembered device.
#[server(prefix = "/api", endpoint = "security/device/forget")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn device_forget(device: String) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.signed_in().await?.map(|u| u.username);
    let logic = ssr::forget_device(&ctx.state, &ctx.session, &device);
    let result = ctx
        .step(
            Step::audited("device_forgotten").notifies(crate::notify::Change::DeviceForgotten),
            user.as_deref(),
            logic,
        )
        .await;
    ctx.finish(FormId::Security, crate::flow::NO_FIELDS, result)
        .await
}

/// Deletes a passkey.
#[server(prefix = "/api", endpoint = "security/passkey/delete")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn passkey_delete(passkey: String) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.signed_in().await?.map(|u| u.username);
    let logic = ssr::delete_passkey(&ctx.state, &ctx.session, &passkey);
    let result = ctx
        .step(
            Step::audited("passkey_deleted").notifies(crate::notify::Change::PasskeyDeleted),
            user.as_deref(),
            logic,
        )
        .await;
    ctx.finish(FormId::Security, crate::flow::NO_FIELDS, result)
        .await
}

/// Signs out of every device (`GlobalSignOut`), this one included.
#[server(prefix = "/api", endpoint = "security/sign-out-everywhere")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.signed_in().await?.map(|u| u.username);
    let logic = ssr::sign_out_everywhere(&ctx.state, &ctx.session);
    let result = ctx
        .step(
            Step::audited("signed_out_everywhere")
                .notifies(crate::notify::Change::SignedOutEverywhere),
            user.as_deref(),
            logic,
        )
        .await;
    ctx.finish(FormId::Security, crate::flow::NO_FIELDS, result)
        .await
}

/// A new passkey, step one (the island): Cognito's creation options for the browser.
#[server(prefix = "/api", endpoint = "security/passkey/options")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn passkey_options() -> Result<String, AppError> {
    let ctx = Ctx::get().await?;
    let result = ssr::passkey_options(&ctx.state, &ctx.session).await;
    ssr::for_island(&ctx, result).await
}

/// A new passkey, step two (the island): what the browser made, for Cognito to keep. Answers
/// with the page to show next; an error is also left for that page.
#[server(prefix = "/api", endpoint = "security/passkey/add")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn passkey_add(credential: String) -> Result<String, AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.signed_in().await?.map(|u| u.username);
    let logic = ssr::passkey_add(&ctx.state, &ctx.session, &credential);
    let result = ctx
        .step(
            Step::audited("passkey_added").notifies(crate::notify::Change::PasskeyAdded),
            user.as_deref(),
            logic,
        )
        .await;
    ssr::for_island(&ctx, result.map(str::to_string)).await
}

/// State of the security page.
#[server(prefix = "/api", endpoint = "security-state")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn load_security() -> Result<SecurityState, AppError> {
    load_page(async |ctx: &Ctx| ssr::security_state(ctx).await).await
}

/// `/account/security`.
#[component]
pub fn SecurityPage() -> impl IntoView {
    let l = crate::text::locale();
    view! {
        <Title text=td_string!(l, security.title)/>
        {page_state(|| (), |_| load_security(), None, move |st: SecurityState| {
            if !st.signed_in {
                return view! { <Redirect path={crate::paths::SIGN_IN}/> }.into_any();
            }
            let error = form_error(st.form.error.clone());
            let confirmed = st.confirmed;
            view! {
                <h1>{td_string!(l, security.title)}</h1>
                <NoticeBox notice=st.notice.clone()/>
                <ErrorSummary error/>
                {st.review.clone().map(|since| view! { <Review since/> })}
                {(!confirmed).then(|| view! { <StepUp error/> })}
                {st.contact.clone().map(|mut c| {
                    // One code field at a time: an authenticator app being added has its own.
                    if st.totp.is_some() {
                        c.verifying = None;
                    }
                    view! { <contact::ContactSection contact=c confirmed form=st.form.clone() error/> }
                })}
                <MfaSection st=st.clone() error/>
                {st.recovery.clone().map(|view| view! { <recovery::RecoverySection view confirmed/> })}
                {st.passkeys.clone().map(|keys| view! { <PasskeySection keys confirmed/> })}
                {st.devices.clone().map(|devices| view! { <DeviceSection devices confirmed/> })}
                <section aria-labelledby="password-heading">
                    <h2 id="password-heading">{td_string!(l, security.password_heading)}</h2>
                    <ul class="actions">
                        <li><a href={crate::paths::ACCOUNT_PASSWORD}>{td_string!(l, account.change_password)}</a></li>
                    </ul>
                    <PostForm action=SignOutEverywhere::PATH class="inline-form">
                        <button type="submit" class="secondary">{td_string!(l, security.sign_out_everywhere)}</button>
                    </PostForm>
                </section>
                <p class="aside"><a href={crate::paths::ACCOUNT} rel="external">{td_string!(l, account.back)}</a></p>
            }
            .into_any()
        })}
    }
}

/// After "This wasn't me": check every way in below, then say so.
#[component]
fn Review(since: String) -> impl IntoView {
    let l = crate::text::locale();
    let lead = td_string!(l, security.review_lead, date = crate::text::isolate(&since)).to_string();
    view! {
        <section class="review alert alert-info" id="review" aria-labelledby="review-heading">
            <h2 id="review-heading">{td_string!(l, security.review_heading)}</h2>
            <p>{lead}</p>
            <PostForm action=ReviewDone::PATH class="inline-form">
                <button type="submit" class="secondary">{td_string!(l, security.review_done)}</button>
            </PostForm>
        </section>
    }
}

/// Ends the review asked for after "This wasn't me".
#[server(prefix = "/api", endpoint = "security/review/done")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn review_done() -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.signed_in().await?.map(|u| u.username);
    let logic = ssr::review_done(&ctx.state, &ctx.session);
    let result = ctx
        .step(Step::audited("review_done"), user.as_deref(), logic)
        .await;
    ctx.finish(FormId::Security, crate::flow::NO_FIELDS, result)
        .await
}

/// The password again, before any change.
#[component]
fn StepUp(error: Signal<Option<AppError>>) -> impl IntoView {
    let l = crate::text::locale();
    view! {
        <section class="step-up" aria-labelledby="step-up-heading">
            <h2 id="step-up-heading">{td_string!(l, security.step_up_heading)}</h2>
            <p>{td_string!(l, security.step_up_lead)}</p>
            <PostForm action=SecurityConfirm::PATH novalidate=true>
                <PasswordInput field=Field::CurrentPassword name=field::CURRENT_PASSWORD label=td_string!(l, form.password) autocomplete="current-password" error/>
                <Submit label=td_string!(l, security.step_up_submit)/>
            </PostForm>
        </section>
    }
}

/// One hidden input.
fn hidden(name: &'static str, value: String) -> impl IntoView {
    view! { <input type="hidden" name=name value=value/> }
}

/// A one-button form that posts `method` and `change` to the MFA change.
fn mfa_button(kind: MfaKind, change: &'static str, label: &'static str) -> impl IntoView {
    view! {
        <PostForm action=MfaChange::PATH class="inline-form">
            {hidden(field::METHOD, kind.wire().to_string())}
            {hidden(field::CHANGE, change.to_string())}
            <button type="submit" class="secondary">{label}</button>
        </PostForm>
    }
}

/// Two-step verification: each factor the pool offers, and the authenticator app set-up.
#[component]
fn MfaSection(st: SecurityState, error: Signal<Option<AppError>>) -> impl IntoView {
    let l = crate::text::locale();
    let confirmed = st.confirmed;
    let any_on = st.methods.iter().any(|m| m.on);
    let totp_on = st.methods.iter().any(|m| m.kind == MfaKind::Totp && m.on);
    let offers_totp = st.methods.iter().any(|m| m.kind == MfaKind::Totp);
    let rows = st.methods.clone().into_iter().map(|m| {
        let name = crate::text::mfa_kind_name(l, m.kind);
        let status = match (m.on, m.preferred) {
            (true, true) => td_string!(l, security.status_preferred),
            (true, false) => td_string!(l, security.status_on),
            (false, _) => td_string!(l, security.status_off),
        };
        let buttons = confirmed.then(|| view! {
            {(m.on && !m.preferred).then(|| mfa_button(m.kind, "prefer", td_string!(l, security.make_preferred)))}
            {(m.on && m.can_turn_off).then(|| mfa_button(m.kind, "off", td_string!(l, security.turn_off)))}
            {(!m.on && m.usable && m.kind != MfaKind::Totp).then(|| mfa_button(m.kind, "on", td_string!(l, security.turn_on)))}
        });
        // The authenticator app needs no contact: it is added with its own form below.
        let note = if !m.usable && !m.on && m.kind != MfaKind::Totp {
            Some(match m.kind {
                MfaKind::Email => td_string!(l, security.needs_verified_email),
                _ => td_string!(l, security.needs_verified_phone),
            })
        } else if m.review {
            Some(td_string!(l, security.review_check_method))
        } else if m.on && !m.can_turn_off {
            Some(td_string!(l, security.last_method))
        } else {
            None
        };
        view! {
            <li class="method" data-method=m.kind.wire()>
                <strong>{name}</strong>" — "<span class="status">{status}</span>
                {note.map(|n| view! { <p class="hint">{n}</p> })}
                <div class="buttons">{buttons}</div>
            </li>
        }
    }).collect_view();
    view! {
        <section id="mfa" aria-labelledby="mfa-heading">
            <h2 id="mfa-heading">{td_string!(l, security.mfa_heading)}</h2>
            <p>{if any_on { td_string!(l, security.mfa_on_lead) } else { td_string!(l, security.mfa_off_lead) }}</p>
            {st.required.then(|| view! { <p class="hint">{td_string!(l, security.mfa_required)}</p> })}
            <ul class="methods">{rows}</ul>
            {match (st.totp.clone(), confirmed && offers_totp) {
                (Some(totp), true) => view! { <TotpSetupForm totp error form=st.form.clone()/> }.into_any(),
                (None, true) => view! {
                    <PostForm action=TotpBegin::PATH class="inline-form">
                        <button type="submit" class="secondary">{if totp_on { td_string!(l, security.replace_totp) } else { td_string!(l, security.add_totp) }}</button>
                    </PostForm>
                }.into_any(),
                _ => ().into_any(),
            }}
        </section>
    }
}

/// The new authenticator app: the same key and QR code as at sign-in, then its first code.
#[component]
fn TotpSetupForm(
    totp: TotpSetup,
    error: Signal<Option<AppError>>,
    form: FormState,
) -> impl IntoView {
    let l = crate::text::locale();
    let label = td_string!(l, mfa.code_label);
    view! {
        <div class="totp-setup" id="authenticator">
            <h3>{td_string!(l, security.add_totp)}</h3>
            <TotpKey totp/>
            <PostForm action=TotpVerify::PATH novalidate=true>
                <CodeInput label value="" error hint=Some(crate::totp::SETUP_HINT)/>
                <div class="field">
                    <label for=field::DEVICE_NAME>{td_string!(l, mfa.device_name)}</label>
                    <input id=field::DEVICE_NAME name=field::DEVICE_NAME type="text" maxlength="64"
                        autocomplete="off" value=form.field(field::DEVICE_NAME)/>
                </div>
                <Submit label=td_string!(l, mfa.verify)/>
            </PostForm>
        </div>
    }
}

/// A list of devices or passkeys, each with its forget/delete button when changes are offered.
fn item_list(
    items: Vec<ItemView>,
    confirmed: bool,
    action: &'static str,
    name: &'static str,
    button: &'static str,
    date_label: &'static str,
) -> impl IntoView {
    items
        .into_iter()
        .map(|it| {
            let date = it.date.clone().map(|d| {
                let shown = d.clone();
                view! { <span class="hint">" · "{date_label}" "<time datetime=d>{shown}</time></span> }
            });
            let new = it.new.then(|| {
                view! { <span class="badge new">" · "{crate::i18n::td_string!(crate::text::locale(), security.review_new)}</span> }
            });
            view! {
                <li class="item" class:new=it.new>
                    <strong>{it.name.clone()}</strong>{date}{new}
                    {confirmed.then(|| view! {
                        <PostForm action class="inline-form">
                            {hidden(name, it.id.clone())}
                            <button type="submit" class="secondary">{button}</button>
                        </PostForm>
                    })}
                </li>
            }
        })
        .collect_view()
}

/// Passkeys: the list, and adding one (needs JavaScript and WebAuthn in the browser).
#[component]
fn PasskeySection(keys: Vec<ItemView>, confirmed: bool) -> impl IntoView {
    let l = crate::text::locale();
    let empty = keys.is_empty();
    let text = PasskeyText {
        label: td_string!(l, security.add_passkey).to_string(),
        failed: td_string!(l, errors.passkey_failed).to_string(),
        needs: td_string!(l, security.passkey_needs_browser).to_string(),
        ceremony: "create".into(),
        start: PasskeyOptions::PATH.into(),
        finish: PasskeyAdd::PATH.into(),
    };
    view! {
        <section id="passkeys" aria-labelledby="passkeys-heading">
            <h2 id="passkeys-heading">{td_string!(l, security.passkeys_heading)}</h2>
            <p>{td_string!(l, security.passkeys_lead)}</p>
            {empty.then(|| view! { <p class="hint">{td_string!(l, security.no_passkeys)}</p> })}
            <ul class="items">
                {item_list(keys, confirmed, PasskeyDelete::PATH, field::PASSKEY, td_string!(l, security.delete), td_string!(l, security.added_on))}
            </ul>
            {confirmed.then(|| view! {
                <PasskeyButton text/>
                <noscript><p class="hint">{td_string!(l, security.passkey_needs_js)}</p></noscript>
            })}
        </section>
    }
}

/// Remembered devices.
#[component]
fn DeviceSection(devices: Vec<ItemView>, confirmed: bool) -> impl IntoView {
    let l = crate::text::locale();
    let empty = devices.is_empty();
    view! {
        <section id="devices" aria-labelledby="devices-heading">
            <h2 id="devices-heading">{td_string!(l, security.devices_heading)}</h2>
            <p>{td_string!(l, security.devices_lead)}</p>
            {empty.then(|| view! { <p class="hint">{td_string!(l, security.no_devices)}</p> })}
            <ul class="items">
                {item_list(devices, confirmed, DeviceForget::PATH, field::DEVICE, td_string!(l, security.forget), td_string!(l, security.last_used))}
            </ul>
        </section>
    }
}

#[cfg(feature = "ssr")]
mod access;
pub mod contact;
pub mod recovery;

#[cfg(all(test, feature = "ssr"))]
mod tests;

#[cfg(all(test, feature = "ssr"))]
mod contact_tests;

/// Server-side logic of the security page.
#[cfg(feature = "ssr")]
pub mod ssr;
