//! Email and phone on the security page: each with its state (verified or not), a code to
//! verify one that is not (`GetUserAttributeVerificationCode` → `VerifyUserAttribute`), and a
//! new value (`UpdateUserAttributes`, a change to how the user recovers: it needs the step-up,
//! and the old verified address is told). In a pool with `AttributesRequireVerificationBefore
//! Update` the old value stays in use until the new one's code is entered, and the page says so.

use leptos::{prelude::*, server_fn::ServerFn};
use serde::{Deserialize, Serialize};

use crate::{
    components::{described_by, invalid, CodeInput, FieldError, PostForm, Submit},
    error::{AppError, Field},
    forms::{Delivery, FormState, Medium},
    i18n::td_string,
    islands::resend::ResendButton,
    paths::field,
};
#[cfg(feature = "ssr")]
use crate::{
    flow::{Code, Ctx, Step},
    forms::FormId,
    limits::Action,
};

/// A code sent to verify the email or phone, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyingView {
    pub contact: Medium,
    pub delivery: Option<Delivery>,
    /// The value was just changed (it waits for this code).
    pub changed: bool,
    /// Seconds until another code may be sent.
    pub cooldown_left: u32,
}

/// The user's email and phone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactView {
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone: Option<String>,
    pub phone_verified: bool,
    /// The pool uses phone numbers (recovery or text-message codes), or the user has one.
    pub shows_phone: bool,
    /// The pool keeps the old value until a new one is verified.
    pub keeps_original: bool,
    pub verifying: Option<VerifyingView>,
}

/// "Verify" (or "Resend code"): a code to the email or phone (`contact`: `email` or `phone`;
/// absent: the one being verified).
#[server(prefix = "/api", endpoint = "security/contact/send")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn contact_send(contact: Option<String>) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.signed_in().await?.map(|u| u.username);
    let logic = ssr::send(&ctx.state, &ctx.session, contact.as_deref());
    let step = Step::limited(Action::Resend, "contact_code_sent");
    let result = ctx.step(step, user.as_deref(), logic).await;
    ctx.finish(FormId::Security, crate::flow::NO_FIELDS, result)
        .await
}

/// The code that verifies the email or phone.
#[server(prefix = "/api", endpoint = "security/contact/verify")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn contact_verify(code: String) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.signed_in().await?.map(|u| u.username);
    let logic = ssr::verify(&ctx.state, &ctx.session, Code::new(&code));
    let step = Step::limited(Action::Confirm, "contact_verified")
        .notifies(crate::notify::Change::ContactVerified);
    let result = ctx.step(step, user.as_deref(), logic).await;
    ctx.finish(FormId::Security, crate::flow::NO_FIELDS, result)
        .await
}

/// A new email address or phone number (one of the two forms).
#[server(prefix = "/api", endpoint = "security/contact/change")]
#[cfg_attr(feature = "ssr", tracing::instrument(skip_all))]
pub async fn contact_change(
    new_email: Option<String>,
    new_phone: Option<String>,
) -> Result<(), AppError> {
    let ctx = Ctx::get().await?;
    let user = ctx.session.signed_in().await?.map(|u| u.username);
    let (email, phone) = (new_email.unwrap_or_default(), new_phone.unwrap_or_default());
    let logic = ssr::change(&ctx.state, &ctx.session, &email, &phone);
    let step = Step::limited(Action::Resend, "contact_changed");
    let result = ctx.step(step, user.as_deref(), logic).await;
    let next = ssr::tell_old_address(&ctx, user.as_deref(), result);
    let kept = [
        (field::NEW_EMAIL, email.as_str()),
        (field::NEW_PHONE, phone.as_str()),
    ];
    ctx.finish(FormId::Security, &kept, next).await
}

/// The section: both contacts, their forms, and the code being entered.
#[component]
pub fn ContactSection(
    contact: ContactView,
    confirmed: bool,
    form: FormState,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let l = crate::text::locale();
    let verifying = contact.verifying.clone();
    let email = row(
        &contact,
        Medium::Email,
        confirmed,
        form.field(field::NEW_EMAIL),
        error,
    );
    let phone = contact.shows_phone.then(|| {
        row(
            &contact,
            Medium::Sms,
            confirmed,
            form.field(field::NEW_PHONE),
            error,
        )
    });
    view! {
        <section id="contact" aria-labelledby="contact-heading">
            <h2 id="contact-heading">{td_string!(l, security.contact_heading)}</h2>
            <p>{td_string!(l, security.contact_lead)}</p>
            <ul class="items">{email}{phone}</ul>
            {verifying.map(|v| view! { <CodeBox v keeps_original=contact.keeps_original error/> })}
        </section>
    }
}

/// One contact: its value and state, "Verify", and the form for a new value.
fn row(
    c: &ContactView,
    medium: Medium,
    confirmed: bool,
    kept: String,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let l = crate::text::locale();
    let (value, verified, name) = match medium {
        Medium::Email => (
            c.email.clone(),
            c.email_verified,
            td_string!(l, security.contact_email),
        ),
        Medium::Sms => (
            c.phone.clone(),
            c.phone_verified,
            td_string!(l, security.contact_phone),
        ),
    };
    let status = match (&value, verified) {
        (None, _) => td_string!(l, security.contact_none),
        (Some(_), true) => td_string!(l, security.contact_verified),
        (Some(_), false) => td_string!(l, security.contact_unverified),
    };
    let being_verified = c.verifying.as_ref().is_some_and(|v| v.contact == medium);
    let wire = match medium {
        Medium::Email => "email",
        Medium::Sms => "phone",
    };
    let verify = (value.is_some() && !verified && !being_verified).then(|| {
        view! {
            <PostForm action=ContactSend::PATH class="inline-form">
                <input type="hidden" name=field::CONTACT value=wire/>
                <button type="submit" class="secondary">{td_string!(l, security.contact_verify)}</button>
            </PostForm>
        }
    });
    let (field_kind, input, kind, complete, label, button) = match (medium, value.is_some()) {
        (Medium::Email, has) => (
            Field::NewEmail,
            field::NEW_EMAIL,
            "email",
            "email",
            td_string!(l, security.contact_new_email),
            if has {
                td_string!(l, security.contact_change_email)
            } else {
                td_string!(l, security.contact_add_email)
            },
        ),
        (Medium::Sms, has) => (
            Field::NewPhone,
            field::NEW_PHONE,
            "tel",
            "tel",
            td_string!(l, security.contact_new_phone),
            if has {
                td_string!(l, security.contact_change_phone)
            } else {
                td_string!(l, security.contact_add_phone)
            },
        ),
    };
    let bad = invalid(error, field_kind);
    let change = confirmed.then(|| {
        view! {
            <PostForm action=ContactChange::PATH novalidate=true>
                <div class="field">
                    <label for=input>{label}</label>
                    <input id=input name=input type=kind autocomplete=complete value=kept
                        aria-invalid=move || if bad.get() { "true" } else { "false" }
                        aria-describedby=described_by(bad, field_kind, None)/>
                    <FieldError field=field_kind error/>
                </div>
                <button type="submit" class="secondary">{button}</button>
            </PostForm>
        }
    });
    view! {
        <li class="item" data-contact=wire>
            <strong>{name}</strong>" — "
            {value.map(|v| view! { <bdi>{v}</bdi>" — " })}
            <span class="status">{status}</span>
            {verify}
            {change}
        </li>
    }
}

/// The code sent to verify a contact.
#[component]
fn CodeBox(
    v: VerifyingView,
    keeps_original: bool,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let l = crate::text::locale();
    let lead = crate::text::delivery_text(l, &v.delivery);
    let pending = v.changed.then(|| {
        if keeps_original {
            td_string!(l, security.contact_keeps_original)
        } else {
            td_string!(l, security.contact_pending)
        }
    });
    view! {
        <div class="verify-contact" id="verify-contact">
            <h3>{match v.contact {
                Medium::Email => td_string!(l, security.contact_verify_email),
                Medium::Sms => td_string!(l, security.contact_verify_phone),
            }}</h3>
            <p id="contact-delivery">{lead}</p>
            {pending.map(|p| view! { <p class="hint">{p}</p> })}
            <PostForm action=ContactVerify::PATH novalidate=true>
                <CodeInput label=td_string!(l, form.code) value="" error hint=Some("contact-delivery")/>
                <Submit label=td_string!(l, security.contact_verify)/>
            </PostForm>
            <ResendButton seconds=v.cooldown_left action=ContactSend::PATH/>
        </div>
    }
}

/// What the contact forms do, and what the section shows.
#[cfg(feature = "ssr")]
pub mod ssr {
    use super::{ContactView, VerifyingView};
    use crate::{
        clock::now,
        cognito::{IdpError, UserSecurity},
        error::AppError,
        flow::{
            canonical_delivery,
            input::{e164, is_email},
            signed_in_user, Code, Ctx,
        },
        forms::{Medium, Notice},
        notify::Change,
        paths,
        pool::Recovery,
        session::{AppSession, Verifying},
        state::AppState,
    };

    use super::super::access::{confirmed_user, failed};

    /// The section's state from what `GetUser` said and the session.
    pub async fn view(
        state: &AppState,
        session: &AppSession,
        sec: &UserSecurity,
    ) -> Result<ContactView, AppError> {
        let features = &state.features;
        let cooldown = state.settings.flows.resend_cooldown.as_secs();
        let verifying = session.verifying().await?.map(|v| VerifyingView {
            contact: v.contact,
            delivery: v.delivery,
            changed: v.changed,
            cooldown_left: cooldown.saturating_sub((now() - v.sent_at).max(0) as u64) as u32,
        });
        Ok(ContactView {
            email: sec.email.clone(),
            email_verified: sec.email_verified,
            phone: sec.phone.clone(),
            phone_verified: sec.phone_verified,
            shows_phone: sec.phone.is_some()
                || features.sms
                || matches!(features.recovery, Recovery::Phone | Recovery::EmailOrPhone),
            keeps_original: features.keeps_original,
            verifying,
        })
    }

    /// `email` or `phone` as the form posts it.
    fn contact_of(wire: &str) -> Result<Medium, AppError> {
        match wire {
            "email" => Ok(Medium::Email),
            "phone" => Ok(Medium::Sms),
            _ => Err(AppError::BadRequest),
        }
    }

    /// A code to the contact (or, with `None`, again to the one being verified), no sooner
    /// than the cooldown allows.
    pub async fn send(
        state: &AppState,
        session: &AppSession,
        contact: Option<&str>,
    ) -> Result<&'static str, AppError> {
        let user = signed_in_user(state, session).await?;
        let current = session.verifying().await?;
        let contact = match (contact, &current) {
            (Some(wire), _) => contact_of(wire)?,
            (None, Some(v)) => v.contact,
            (None, None) => return Err(AppError::NoChallengeInProgress),
        };
        let same = current.filter(|v| v.contact == contact);
        if let Some(v) = &same {
            let cooldown = state.settings.flows.resend_cooldown.as_secs() as i64;
            let left = v.sent_at + cooldown - now();
            if left > 0 {
                return Err(AppError::ResendCooldown(left as u32));
            }
        }
        state.limiter.code_sent().await?;
        let access = &user.tokens.access;
        let sent = match state.cognito.send_verification_code(access, contact).await {
            Ok(d) => d,
            Err(IdpError::InvalidParameter) => return Err(AppError::MfaMethodUnavailable),
            Err(e) => return Err(failed(session, e).await),
        };
        let delivery = sent.map(|d| canonical_delivery(&state.decoy_key, &user.username, &d));
        let changed = same.is_some_and(|v| v.changed);
        let v = Verifying {
            contact,
            delivery,
            sent_at: now(),
            changed,
        };
        session.set_verifying(Some(&v)).await?;
        Ok(paths::ACCOUNT_SECURITY)
    }

    /// The code typed: `VerifyUserAttribute`.
    pub async fn verify(
        state: &AppState,
        session: &AppSession,
        code: Code,
    ) -> Result<&'static str, AppError> {
        let user = signed_in_user(state, session).await?;
        let v = session
            .verifying()
            .await?
            .ok_or(AppError::NoChallengeInProgress)?;
        let code = code.reset_code()?;
        let access = &user.tokens.access;
        match state.cognito.verify_contact(access, v.contact, code).await {
            Ok(()) => {}
            Err(IdpError::CodeMismatch) => return Err(AppError::WrongCode),
            Err(IdpError::ExpiredCode) => return Err(AppError::ExpiredCode),
            Err(IdpError::AliasExists) => return Err(AppError::ContactTaken),
            Err(e) => return Err(failed(session, e).await),
        }
        session.set_verifying(None).await?;
        session.set_notice(&Notice::ContactVerified).await?;
        Ok(paths::ACCOUNT_SECURITY)
    }

    /// After a change: the address the user had verified before it is told (the new one could
    /// be anyone's). Returns the page to go to.
    pub fn tell_old_address(
        ctx: &Ctx,
        user: Option<&str>,
        result: Result<(&'static str, Change, Option<String>), AppError>,
    ) -> Result<&'static str, AppError> {
        let (next, change, old) = result?;
        if let Some(user) = user {
            ctx.notify_to(change, user, old);
        }
        Ok(next)
    }

    /// A new email address or phone number (whichever form was posted). Returns the page, the
    /// change, and the address the user had verified before it (to be told).
    pub async fn change(
        state: &AppState,
        session: &AppSession,
        email: &str,
        phone: &str,
    ) -> Result<(&'static str, Change, Option<String>), AppError> {
        let (contact, value) = match (email.trim(), phone.trim()) {
            ("", "") => return Err(AppError::BadRequest),
            (e, "") if is_email(e) => (Medium::Email, e.to_string()),
            (_, "") => return Err(AppError::BadEmail),
            ("", p) => (Medium::Sms, e164(p).ok_or(AppError::BadPhone)?),
            _ => return Err(AppError::BadRequest),
        };
        let user = confirmed_user(state, session).await?;
        let access = &user.tokens.access;
        let sec = match state.cognito.get_user(access).await {
            Ok(s) => s,
            Err(e) => return Err(failed(session, e).await),
        };
        let current = match contact {
            Medium::Email => &sec.email,
            Medium::Sms => &sec.phone,
        };
        if current
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(&value))
        {
            return Err(AppError::SameContact);
        }
        let sent = match state.cognito.change_contact(access, contact, &value).await {
            Ok(d) => d,
            Err(IdpError::AliasExists) => return Err(AppError::ContactTaken),
            // No code goes with this call: Cognito saying so is not the user's to fix.
            Err(IdpError::CodeMismatch | IdpError::ExpiredCode) => {
                return Err(AppError::Unexpected)
            }
            Err(IdpError::InvalidParameter) => {
                return Err(match contact {
                    Medium::Email => AppError::BadEmail,
                    Medium::Sms => AppError::BadPhone,
                })
            }
            Err(e) => return Err(failed(session, e).await),
        };
        // Where the code went is the new value itself, masked like every destination.
        let delivery = sent.map(|d| canonical_delivery(&state.decoy_key, &user.username, &d));
        let v = Verifying {
            contact,
            delivery,
            sent_at: now(),
            changed: true,
        };
        session.set_verifying(Some(&v)).await?;
        let old = sec.email.filter(|_| sec.email_verified);
        let change = match contact {
            Medium::Email => Change::EmailChanged,
            Medium::Sms => Change::PhoneChanged,
        };
        Ok((paths::ACCOUNT_SECURITY, change, old))
    }
}
