//! Words for the app's values in the reader's language: errors, notices, password rules, where
//! a code went, attribute names, countdowns. Every string comes from `locales/*.json` through
//! leptos_i18n (keys checked at compile time); this module only chooses the key and its
//! arguments (plural counts, names), so pages, server error pages and tests share one wording.

use crate::{
    error::{AppError, Field},
    forms::{Delivery, Medium, MfaKind, Notice},
    i18n::{td_string, Locale},
    policy::Rule,
    pool::SignInWith,
};

/// The locale of the current page (it only changes with a full page load).
pub fn locale() -> Locale {
    crate::i18n::use_i18n().get_locale_untracked()
}

/// The text a user reads for `e`.
pub fn error_text(l: Locale, e: &AppError) -> String {
    use AppError::*;
    match e {
        Missing(f) => match f {
            Field::Username => missing_identifier(l, sign_in_with()),
            Field::Password => td_string!(l, errors.missing_password),
            Field::CurrentPassword => td_string!(l, errors.missing_current_password),
            Field::NewPassword => td_string!(l, errors.missing_new_password),
            Field::ConfirmPassword => td_string!(l, errors.missing_confirm_password),
            Field::Code => td_string!(l, errors.missing_code),
            Field::Attribute => td_string!(l, errors.missing_attribute),
            Field::Factor => td_string!(l, errors.missing_factor),
            Field::NewEmail => td_string!(l, errors.bad_email),
            Field::NewPhone => td_string!(l, errors.bad_phone),
            Field::Email => td_string!(l, errors.bad_email),
            Field::RecoveryCode => td_string!(l, errors.missing_recovery_code),
        }
        .to_string(),
        UsernameTooLong => td_string!(l, errors.username_too_long).to_string(),
        PasswordsDoNotMatch => td_string!(l, errors.passwords_do_not_match).to_string(),
        PasswordPolicy(rules) => {
            let list: Vec<String> = rules.iter().map(|r| rule_label(l, r)).collect();
            let joined = join_list(l, &list);
            td_string!(l, errors.password_policy, rules = joined).to_string()
        }
        PasswordEdgeSpace => td_string!(l, errors.password_edge_space).to_string(),
        PasswordTooLong => td_string!(l, errors.password_too_long).to_string(),
        SamePassword => td_string!(l, errors.same_password).to_string(),
        WrongCredentials => td_string!(l, errors.wrong_credentials).to_string(),
        WrongCurrentPassword => td_string!(l, errors.wrong_current_password).to_string(),
        UserNotConfirmed => td_string!(l, errors.user_not_confirmed).to_string(),
        WrongCode => td_string!(l, errors.wrong_code).to_string(),
        WrongAppCode => td_string!(l, errors.wrong_app_code).to_string(),
        CodeLength(n) => td_string!(l, errors.code_length, count = *n as i32).to_string(),
        ExpiredCode => td_string!(l, errors.expired_code).to_string(),
        PasswordRejected => td_string!(l, errors.password_rejected).to_string(),
        PasswordReused => td_string!(l, errors.password_reused).to_string(),
        TooManyAttempts => td_string!(l, errors.too_many_attempts).to_string(),
        RateLimited(secs) => {
            if *secs < 60 {
                td_string!(l, errors.rate_limited_seconds, count = *secs as i32).to_string()
            } else {
                let minutes = secs.div_ceil(60) as i32;
                td_string!(l, errors.rate_limited_minutes, count = minutes).to_string()
            }
        }
        PasswordTooCommon => td_string!(l, errors.password_too_common).to_string(),
        PasswordContainsName => td_string!(l, errors.password_contains_name).to_string(),
        ResendCooldown(secs) => {
            td_string!(l, errors.resend_cooldown, count = *secs as i32).to_string()
        }
        CodeNotDelivered => td_string!(l, errors.code_not_delivered).to_string(),
        NoResetInProgress => td_string!(l, errors.no_reset_in_progress).to_string(),
        BrokenLink => td_string!(l, errors.broken_link).to_string(),
        LinkExpired => td_string!(l, not_me.expired).to_string(),
        NoChallengeInProgress => td_string!(l, errors.no_challenge_in_progress).to_string(),
        ChallengeExpired => td_string!(l, errors.challenge_expired).to_string(),
        NotSignedIn => td_string!(l, errors.not_signed_in).to_string(),
        SessionEnded => td_string!(l, errors.session_ended).to_string(),
        UnsupportedChallenge => td_string!(l, errors.unsupported_challenge).to_string(),
        RecoveryAdminOnly => td_string!(l, errors.recovery_admin_only).to_string(),
        RegionPaused => td_string!(l, errors.region_paused).to_string(),
        AttributesRejected => td_string!(l, errors.attributes_rejected).to_string(),
        Refused => td_string!(l, errors.refused).to_string(),
        StepUpRequired => td_string!(l, errors.step_up_required).to_string(),
        MfaMethodUnavailable => td_string!(l, errors.mfa_method_unavailable).to_string(),
        LastMfaMethod => td_string!(l, errors.last_mfa_method).to_string(),
        PasskeysOff => td_string!(l, errors.passkeys_off).to_string(),
        PasskeyExpired => td_string!(l, errors.passkey_expired).to_string(),
        PasskeyNotSupported => td_string!(l, errors.passkey_not_supported).to_string(),
        PasskeyFailed => td_string!(l, errors.passkey_failed).to_string(),
        NoPasskey => td_string!(l, errors.no_passkey).to_string(),
        BadEmail => td_string!(l, errors.bad_email).to_string(),
        BadPhone => td_string!(l, errors.bad_phone).to_string(),
        ContactTaken => td_string!(l, errors.contact_taken).to_string(),
        SameContact => td_string!(l, errors.same_contact).to_string(),
        WrongRecoveryCode => td_string!(l, errors.wrong_recovery_code).to_string(),
        MissingAttribute(names) => {
            let fields = names
                .split(',')
                .map(|n| attribute_label(l, n.trim()))
                .collect::<Vec<_>>();
            let fields = join_list(l, &fields);
            td_string!(l, errors.missing_attributes, fields = fields).to_string()
        }
        BadRequest => td_string!(l, errors.bad_request).to_string(),
        TooLarge => td_string!(l, errors.too_large).to_string(),
        CrossSite => td_string!(l, pages.refused_text).to_string(),
        Unavailable => td_string!(l, errors.unavailable).to_string(),
        Unexpected => td_string!(l, errors.unexpected).to_string(),
    }
}

/// What users of this pool sign in with (the server provides it to every render; elsewhere a
/// username).
pub fn sign_in_with() -> SignInWith {
    leptos::prelude::use_context::<SignInWith>().unwrap_or_default()
}

/// The label of the field users sign in with.
pub fn identifier_label(l: Locale, w: SignInWith) -> &'static str {
    match (w.username, w.email, w.phone) {
        (true, false, false) | (false, false, false) => td_string!(l, form.username),
        (true, true, false) => td_string!(l, form.username_or_email),
        (true, false, true) => td_string!(l, form.username_or_phone),
        (true, true, true) => td_string!(l, form.username_email_or_phone),
        (false, true, false) => td_string!(l, form.email_address),
        (false, false, true) => td_string!(l, form.phone_number),
        (false, true, true) => td_string!(l, form.email_or_phone),
    }
}

/// "Enter your username." as the pool has users sign in.
pub fn missing_identifier(l: Locale, w: SignInWith) -> &'static str {
    match (w.username, w.email, w.phone) {
        (true, false, false) | (false, false, false) => td_string!(l, errors.missing_username),
        (true, true, false) => td_string!(l, errors.missing_username_or_email),
        (true, false, true) => td_string!(l, errors.missing_username_or_phone),
        (true, true, true) => td_string!(l, errors.missing_any_identifier),
        (false, true, false) => td_string!(l, errors.missing_email),
        (false, false, true) => td_string!(l, errors.missing_phone),
        (false, true, true) => td_string!(l, errors.missing_email_or_phone),
    }
}

/// How a list is joined in `l`.
pub fn list_separator(l: Locale) -> &'static str {
    match l {
        Locale::ja | Locale::zh_Hans | Locale::zh_Hant => "、",
        Locale::ar => "، ",
        // Thai separates the items of a list with a space.
        Locale::th => " ",
        _ => ", ",
    }
}

/// `items` as a sentence in `l` lists them: "a, b and c".
pub fn join_list(l: Locale, items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => {
            let and = td_string!(l, form.list_and);
            format!("{}{and}{last}", init.join(list_separator(l)))
        }
    }
}

/// A password rule as the checklist and errors word it.
pub fn rule_label(l: Locale, r: &Rule) -> String {
    match r {
        Rule::MinLength(n) => td_string!(l, form.rule_min_length, count = *n as i32).to_string(),
        Rule::Uppercase => td_string!(l, form.rule_uppercase).to_string(),
        Rule::Lowercase => td_string!(l, form.rule_lowercase).to_string(),
        Rule::Digit => td_string!(l, form.rule_digit).to_string(),
        Rule::Symbol => td_string!(l, form.rule_symbol).to_string(),
    }
}

/// The one-time notice.
pub fn notice_text(l: Locale, n: &Notice) -> &'static str {
    match n {
        Notice::PasswordReset {
            signed_out_elsewhere: true,
            ..
        } => td_string!(l, notice.password_reset_everywhere),
        Notice::PasswordReset { .. } => td_string!(l, notice.password_reset),
        Notice::SignedOutEverywhere { .. } => td_string!(l, notice.signed_out_everywhere),
        Notice::ChallengeExpired { .. } => td_string!(l, notice.challenge_expired),
        Notice::StepExpired { .. } => td_string!(l, notice.step_expired),
        Notice::CodeAgain { .. } => td_string!(l, notice.code_again),
        Notice::PasswordChanged => td_string!(l, notice.password_changed),
        Notice::PasswordSet {
            signed_out_elsewhere: true,
        } => td_string!(l, notice.password_set_everywhere),
        Notice::PasswordSet { .. } => td_string!(l, notice.password_set),
        Notice::SignedOut => td_string!(l, notice.signed_out),
        Notice::SessionEnded => td_string!(l, notice.session_ended),
        Notice::MfaUpdated => td_string!(l, notice.mfa_updated),
        Notice::AuthenticatorAdded => td_string!(l, notice.authenticator_added),
        Notice::DeviceForgotten => td_string!(l, notice.device_forgotten),
        Notice::PasskeyAdded => td_string!(l, notice.passkey_added),
        Notice::PasskeyDeleted => td_string!(l, notice.passkey_deleted),
        Notice::InvitationSent { .. } => td_string!(l, notice.invitation_sent),
        Notice::SignUpConfirmed { .. } => td_string!(l, notice.sign_up_confirmed),
        Notice::ContactVerified => td_string!(l, notice.contact_verified),
        Notice::UsernameSent => td_string!(l, notice.username_sent),
        Notice::MfaResetCancelled => td_string!(l, notice.mfa_reset_cancelled),
        Notice::MfaResetNotPending => td_string!(l, notice.mfa_reset_not_pending),
    }
}

/// What a second factor is called.
pub fn mfa_kind_name(l: Locale, kind: MfaKind) -> &'static str {
    match kind {
        MfaKind::Totp => td_string!(l, mfa.kind_totp),
        MfaKind::Sms | MfaKind::SmsOtp => td_string!(l, mfa.kind_sms),
        MfaKind::Email => td_string!(l, mfa.kind_email),
    }
}

/// `s` isolated from the direction of the text around it (Unicode's first-strong isolate, the
/// plain-text `<bdi>`): an address, a phone number, a username, a time or an IP address in a
/// right-to-left sentence keeps its own order ("z***@h***" does not turn into "h@***z***"). It
/// works the same in pages and in plain-text and HTML emails.
pub fn isolate(s: &str) -> String {
    format!("\u{2068}{s}\u{2069}")
}

/// The line above a second-factor code: where it comes from.
pub fn mfa_code_lead(l: Locale, kind: MfaKind, destination: Option<&str>) -> String {
    match (kind, destination) {
        (MfaKind::Totp, _) => td_string!(l, mfa.code_lead_totp).to_string(),
        (MfaKind::Sms | MfaKind::SmsOtp, Some(d)) => {
            td_string!(l, mfa.code_lead_sms, destination = isolate(d)).to_string()
        }
        (MfaKind::Sms | MfaKind::SmsOtp, None) => {
            td_string!(l, mfa.code_lead_sms_unknown).to_string()
        }
        (MfaKind::Email, Some(d)) => {
            td_string!(l, mfa.code_lead_email, destination = isolate(d)).to_string()
        }
        (MfaKind::Email, None) => td_string!(l, mfa.code_lead_email_unknown).to_string(),
    }
}

/// Why a required second factor cannot be set up here (no authenticator app offered).
pub fn mfa_setup_unavailable(l: Locale, options: &[MfaKind]) -> String {
    let methods = options
        .iter()
        .map(|k| mfa_kind_name(l, *k))
        .collect::<Vec<_>>()
        .join(" / ");
    td_string!(l, mfa.setup_unavailable, methods = methods).to_string()
}

/// Where the code went, in words.
pub fn delivery_text(l: Locale, delivery: &Option<Delivery>) -> String {
    match delivery {
        // No destination to show (see `flow::delivery::uniform_delivery`): the channel only.
        Some(Delivery {
            medium: Medium::Email,
            destination,
        }) if destination.is_empty() => td_string!(l, reset.sent_email_account).to_string(),
        Some(Delivery {
            medium: Medium::Sms,
            destination,
        }) if destination.is_empty() => td_string!(l, reset.sent_sms_account).to_string(),
        Some(Delivery {
            medium: Medium::Email,
            destination,
        }) => td_string!(l, reset.sent_email, destination = isolate(destination)).to_string(),
        Some(Delivery {
            medium: Medium::Sms,
            destination,
        }) => td_string!(l, reset.sent_sms, destination = isolate(destination)).to_string(),
        None => td_string!(l, reset.sent_unknown).to_string(),
    }
}

/// A Cognito attribute's label (custom attributes show their own name).
pub fn attribute_label(l: Locale, name: &str) -> String {
    match name {
        "given_name" => td_string!(l, new_password.attr_given_name),
        "family_name" => td_string!(l, new_password.attr_family_name),
        "name" => td_string!(l, new_password.attr_name),
        "email" => td_string!(l, new_password.attr_email),
        "phone_number" => td_string!(l, new_password.attr_phone_number),
        "preferred_username" => td_string!(l, new_password.attr_preferred_username),
        "birthdate" => td_string!(l, new_password.attr_birthdate),
        "address" => td_string!(l, new_password.attr_address),
        "gender" => td_string!(l, new_password.attr_gender),
        "locale" => td_string!(l, new_password.attr_locale),
        "nickname" => td_string!(l, new_password.attr_nickname),
        "zoneinfo" => td_string!(l, new_password.attr_zoneinfo),
        "website" => td_string!(l, new_password.attr_website),
        "profile" => td_string!(l, new_password.attr_profile),
        "picture" => td_string!(l, new_password.attr_picture),
        other => return other.trim_start_matches("custom:").replace('_', " "),
    }
    .to_string()
}

/// "Didn't get it? You can request a new code in N seconds." (or just the question).
pub fn resend_status(l: Locale, left: u32) -> String {
    if left > 0 {
        td_string!(l, reset.resend_in, count = left as i32).to_string()
    } else {
        td_string!(l, reset.didnt_get_it).to_string()
    }
}

/// The civil date and time of Unix seconds `at` in UTC: year, month (1–12), day, hour, minute.
fn civil(at: i64) -> (i64, i64, i64, i64, i64) {
    let days = at.div_euclid(86_400);
    let secs = at.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, secs / 3600, secs % 3600 / 60)
}

/// `2026-12-02 07:56 UTC` for Unix seconds `at` (logs and machine-read places).
pub fn utc_time(at: i64) -> String {
    let (year, month, day, h, m) = civil(at);
    format!("{year:04}-{month:02}-{day:02} {h:02}:{m:02} UTC")
}

/// Unix seconds `at` as a reader of `l` writes a date and time, saying the zone: "2 December
/// 2026, 07:56 UTC", "2026年12月2日 07:56 UTC" (the emails and the "This wasn't me" page, where
/// the reader's own zone is not known).
pub fn local_time(l: Locale, at: i64) -> String {
    let (year, month, day, h, m) = civil(at);
    let months = td_string!(l, text.months);
    let month = months
        .split('|')
        .nth(month as usize - 1)
        .unwrap_or_default();
    let time = format!("{h:02}:{m:02}");
    td_string!(
        l,
        text.date_time,
        day = day,
        month = month,
        year = year,
        time = time.as_str()
    )
    .to_string()
}

/// The BCP 47 tag of `l` (`pt-BR`, `zh-Hant`).
pub fn code(l: Locale) -> &'static str {
    use leptos_i18n::Locale as _;
    l.as_str()
}

/// The locale named `tag`, if the app has it.
pub fn parse_locale(tag: &str) -> Option<Locale> {
    use std::str::FromStr;
    Locale::from_str(tag).ok()
}

/// The app's locale for a language tag from elsewhere (a Cognito `locale` attribute such as
/// `pt_BR`, `zh-TW`, `nb-NO`, `fr-CA`): the tag as the app names it, else its language alone;
/// `None` when the app does not speak it.
pub fn locale_for_tag(tag: &str) -> Option<Locale> {
    let tag = tag.trim().replace('_', "-");
    let tag = normalise_tag(&tag);
    parse_locale(tag).or_else(|| parse_locale(tag.split('-').next().unwrap_or("")))
}

/// Whether `l` is written right to left (its locale file's `text.direction`, the one source the
/// email trigger reads too).
pub fn is_rtl(l: Locale) -> bool {
    td_string!(l, text.direction) == "rtl"
}

/// The endonym of each locale, for the language switcher.
pub fn language_name(l: Locale) -> &'static str {
    match l {
        Locale::en => "English",
        Locale::es => "Español",
        Locale::fr => "Français",
        Locale::de => "Deutsch",
        Locale::pt_BR => "Português (Brasil)",
        Locale::it => "Italiano",
        Locale::ja => "日本語",
        Locale::ko => "한국어",
        Locale::zh_Hans => "简体中文",
        Locale::zh_Hant => "繁體中文",
        Locale::ar => "العربية",
        Locale::hi => "हिन्दी",
        Locale::nl => "Nederlands",
        Locale::pl => "Polski",
        Locale::sv => "Svenska",
        Locale::tr => "Türkçe",
        Locale::ru => "Русский",
        Locale::uk => "Українська",
        Locale::id => "Bahasa Indonesia",
        Locale::vi => "Tiếng Việt",
        Locale::th => "ไทย",
        Locale::he => "עברית",
        Locale::da => "Dansk",
        Locale::nb => "Norsk bokmål",
    }
}

/// The name of the cookie that keeps the chosen language.
pub const LANG_COOKIE: &str = "lang";

/// The locale of a request outside the Leptos pages (error pages, the language route): the
/// `lang` cookie, else the best match for `Accept-Language`, else English.
#[cfg(feature = "ssr")]
pub fn request_locale(headers: &http::HeaderMap) -> Locale {
    if let Some(l) = cookie_locale(headers) {
        return l;
    }
    let accept = headers
        .get(http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    negotiate(accept)
}

/// The app's best locale for an `Accept-Language` value: its tags in the order of their
/// q-values (ties keep their order; `q=0` and `*` are skipped), each taken as the app names it
/// or else by its language alone ([`locale_for_tag`]: `zh-HK` → `zh-Hant`, `pt-PT` → `pt-BR`,
/// `fr-CA` → `fr`); English when none is spoken here. The server rewrites every request's
/// header to this one tag (`security::normalise_languages`), so the pages, the error pages and
/// the page cache all agree.
pub fn negotiate(accept_language: &str) -> Locale {
    let mut langs: Vec<(f32, &str)> = accept_language
        .split(',')
        .filter_map(|part| {
            let mut it = part.trim().split(';');
            let tag = it.next()?.trim();
            let q = it
                .find_map(|p| p.trim().strip_prefix("q="))
                .map(|q| q.trim().parse().unwrap_or(0.0))
                .unwrap_or(1.0);
            (!tag.is_empty() && tag != "*" && q > 0.0).then_some((q, tag))
        })
        .take(32)
        .collect();
    langs.sort_by(|a, b| b.0.total_cmp(&a.0));
    langs
        .iter()
        .find_map(|(_, tag)| locale_for_tag(tag))
        .unwrap_or(Locale::en)
}

/// The language this browser chose (the `lang` cookie), if it names one of the app's.
#[cfg(feature = "ssr")]
pub fn cookie_locale(headers: &http::HeaderMap) -> Option<Locale> {
    crate::device::read(headers, LANG_COOKIE).and_then(|v| parse_locale(&v))
}

/// The `Set-Cookie` value that keeps `l` as this browser's language for a year (HttpOnly,
/// SameSite=Lax, and Secure when the session cookie is): the switcher's and a sign-in's alike.
pub fn lang_cookie(l: Locale, secure: bool) -> String {
    format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{}",
        code(l),
        if secure { "; Secure" } else { "" }
    )
}

/// After a sign-in (called by [`crate::session::AppSession::sign_in`], which every way of
/// signing in passes through): the user's own language, their Cognito `locale` attribute as the
/// ID token carries it, becomes this browser's, so the account page and what follows are in
/// it. A language this browser chose with the switcher (the `lang` cookie) stays; a tag the app
/// does not speak changes nothing.
#[cfg(feature = "ssr")]
pub fn adopt_user_locale(tag: Option<&str>) {
    use leptos::prelude::use_context;
    let Some(l) = tag.and_then(locale_for_tag) else {
        return;
    };
    let Some(parts) = use_context::<http::request::Parts>() else {
        return;
    };
    if cookie_locale(&parts.headers).is_some() {
        return;
    }
    let secure = use_context::<crate::state::AppState>()
        .map(|s| s.settings.session.cookie_secure)
        .unwrap_or(true);
    if let (Some(res), Ok(v)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&lang_cookie(l, secure)),
    ) {
        res.append_header(http::header::SET_COOKIE, v);
    }
}

/// Browsers name Chinese by region (`zh-TW`, `zh-CN`) and Portuguese without one; the app's
/// locales name Chinese by script. Some systems still send the old codes for Hebrew (`iw`) and
/// Indonesian (`in`), or Norwegian as a macro-language (`no`) or Nynorsk (`nn`), for which
/// Bokmål is the closest the app has. This maps those tags (with any region) onto ours; the
/// rest fall back from region to language in the locale matcher (`fr-CA` → `fr`).
pub fn normalise_tag(tag: &str) -> &str {
    let lower = tag.to_ascii_lowercase().replace('_', "-");
    let (language, rest) = lower.split_once('-').unwrap_or((lower.as_str(), ""));
    match (language, rest) {
        ("zh", r) if ["tw", "hk", "mo", "hant"].iter().any(|p| r.starts_with(p)) => "zh-Hant",
        ("zh", _) => "zh-Hans",
        ("pt", _) => "pt-BR",
        ("iw" | "he", _) => "he",
        ("in" | "id", _) => "id",
        ("no" | "nn" | "nb", _) => "nb",
        _ => tag,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use leptos_i18n::Locale as _;

    fn en(e: &AppError) -> String {
        error_text(Locale::en, e)
    }

    #[test]
    fn policy_message_lists_every_unmet_rule() {
        let e = AppError::PasswordPolicy(vec![Rule::MinLength(8), Rule::Digit]);
        assert_eq!(
            en(&e),
            "Your new password needs at least 8 characters and a number."
        );
        // A list reads as a sentence: commas, then the language's "and"; the symbol rule
        // ends in its bracket, not "?.".
        let all = AppError::PasswordPolicy(vec![Rule::Uppercase, Rule::Digit, Rule::Symbol]);
        assert_eq!(
            en(&all),
            "Your new password needs an uppercase letter (A–Z), a number and a symbol (such as ! @ # ?)."
        );
        let ar = error_text(Locale::ar, &all);
        assert!(ar.contains("، رقم ورمز"), "{ar}");
        assert!(!error_text(Locale::ja, &all).contains(", "));
    }

    #[test]
    fn arabic_status_words_fit_every_method_name() {
        // The methods' names differ in gender (تطبيق is masculine, رسالة feminine): the
        // status beside them is a verbal noun, which fits both.
        for status in [
            td_string!(Locale::ar, security.status_on),
            td_string!(Locale::ar, security.status_off),
        ] {
            assert!(!status.ends_with('ة'), "{status}");
        }
    }

    #[test]
    fn rate_limits_say_how_long_to_wait() {
        assert_eq!(
            en(&AppError::RateLimited(1)),
            "Too many attempts. For your security, please wait 1 second and try again."
        );
        assert!(en(&AppError::RateLimited(61)).contains("2 minutes"));
        assert!(en(&AppError::RateLimited(60)).contains("1 minute "));
    }

    /// Every locale file has exactly the keys of `en.json` (plural forms count as their key):
    /// a missing or stray key fails here. A plural key needs `_other` and at least one more
    /// form (leptos_i18n reads a lone `_other` as a plain key, and the locale would fall back
    /// to English for it), even in a language with one form (Indonesian, Thai …).
    #[test]
    fn every_locale_has_every_key() {
        fn keys(v: &serde_json::Value, prefix: &str, out: &mut std::collections::BTreeSet<String>) {
            let object = v.as_object().expect("an object");
            for (k, v) in object {
                if v.is_object() {
                    keys(v, &format!("{prefix}{k}."), out);
                } else {
                    let base = ["_zero", "_one", "_two", "_few", "_many", "_other"]
                        .iter()
                        .find_map(|s| k.strip_suffix(s));
                    if let Some(base) = base {
                        let forms = object
                            .keys()
                            .filter(|o| o.strip_prefix(base).is_some_and(|s| s.starts_with('_')))
                            .count();
                        assert!(
                            forms >= 2 && object.contains_key(&format!("{base}_other")),
                            "{prefix}{base}: a plural needs _other and another form"
                        );
                    }
                    out.insert(format!("{prefix}{}", base.unwrap_or(k)));
                }
            }
        }
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/locales");
        let read = |l: &str| -> std::collections::BTreeSet<String> {
            let text = std::fs::read_to_string(format!("{dir}/{l}.json")).expect(l);
            let mut out = Default::default();
            keys(&serde_json::from_str(&text).expect(l), "", &mut out);
            out
        };
        let en = read("en");
        assert!(en.len() > 100);
        for l in Locale::get_all() {
            let k = read(l.as_str());
            let missing: Vec<_> = en.difference(&k).collect();
            let extra: Vec<_> = k.difference(&en).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{l:?}: missing {missing:?}, extra {extra:?}"
            );
        }
        assert_eq!(Locale::get_all().len(), 24);
    }

    /// `locales/REVIEW.md` (who translated each locale, who reviewed it) has a row for every
    /// locale and none for a locale the app does not have.
    #[test]
    fn review_lists_every_locale() {
        let review = include_str!("../locales/REVIEW.md");
        let listed: std::collections::BTreeSet<&str> = review
            .lines()
            .filter_map(|l| l.strip_prefix("| "))
            .filter_map(|l| l.split(" |").next())
            .filter(|c| !["Code", "------"].iter().any(|h| c.starts_with(h)))
            .collect();
        let all: std::collections::BTreeSet<&str> =
            Locale::get_all().iter().map(|l| l.as_str()).collect();
        assert_eq!(listed, all);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_cookie_wins_then_accept_language() {
        let mut h = http::HeaderMap::new();
        assert_eq!(request_locale(&h), Locale::en);
        h.insert(
            http::header::ACCEPT_LANGUAGE,
            "fr-CA;q=0.5, ja;q=0.9, *;q=0.1".parse().unwrap(),
        );
        assert_eq!(request_locale(&h), Locale::ja);
        h.insert(http::header::ACCEPT_LANGUAGE, "zh-TW".parse().unwrap());
        assert_eq!(request_locale(&h), Locale::zh_Hant);
        h.insert(
            http::header::ACCEPT_LANGUAGE,
            "pt-BR,pt;q=0.8".parse().unwrap(),
        );
        assert_eq!(request_locale(&h), Locale::pt_BR);
        assert_eq!(negotiate("zh-TW,en;q=0.5"), Locale::zh_Hant);
        assert_eq!(negotiate("ja;q=0, ko;q=0.1"), Locale::ko);
        assert_eq!(negotiate("*"), Locale::en);
        // q-values order the tags (an unknown one first is skipped); a region the app does not
        // name falls back to its language.
        for (accept, want) in [
            ("xx, uk;q=0.2, ru;q=0.8", Locale::ru),
            ("nl-BE, fr;q=0.9", Locale::nl),
            ("iw", Locale::he),
            ("no;q=0.9, sv;q=0.8", Locale::nb),
            ("de-CH;q=0.5, pl-PL;q=0.7", Locale::pl),
            ("xx;q=1, uk;q=0.3, ru;q=0.9", Locale::ru),
        ] {
            h.insert(http::header::ACCEPT_LANGUAGE, accept.parse().unwrap());
            assert_eq!(request_locale(&h), want, "{accept}");
        }
        h.insert(http::header::COOKIE, "sid=x; lang=ar".parse().unwrap());
        assert_eq!(request_locale(&h), Locale::ar);
        h.insert(http::header::COOKIE, "lang=klingon".parse().unwrap());
        assert_eq!(cookie_locale(&h), None);
    }

    #[test]
    fn plurals_follow_each_languages_rules() {
        assert_eq!(
            error_text(Locale::en, &AppError::RateLimited(61)),
            "Too many attempts. For your security, please wait 2 minutes and try again."
        );
        assert!(error_text(Locale::en, &AppError::RateLimited(1)).contains("1 second "));
        assert!(error_text(Locale::ar, &AppError::RateLimited(120)).contains("دقيقتين"));
        assert!(error_text(Locale::ar, &AppError::RateLimited(300)).contains("5 دقائق"));
        assert!(error_text(Locale::fr, &AppError::ResendCooldown(1)).contains("1 seconde."));
        assert!(error_text(Locale::ja, &AppError::ResendCooldown(30)).contains("30 秒"));
    }

    #[test]
    fn languages_with_several_plural_forms_get_each_one() {
        let wait = |l: Locale, secs: u32| error_text(l, &AppError::RateLimited(secs));
        // Polish, Russian, Ukrainian: one, few (2–4, 22–24 …), many (5–21, 25 …).
        for (secs, pl, ru, uk) in [
            (1, "1 sekundę", "1 секунду", "1 секунду"),
            (2, "2 sekundy", "2 секунды", "2 секунди"),
            (5, "5 sekund", "5 секунд", "5 секунд"),
            (11, "11 sekund", "11 секунд", "11 секунд"),
            (21, "21 sekund", "21 секунду", "21 секунду"),
            (22, "22 sekundy", "22 секунды", "22 секунди"),
        ] {
            assert!(
                wait(Locale::pl, secs).contains(pl),
                "{}",
                wait(Locale::pl, secs)
            );
            assert!(
                wait(Locale::ru, secs).contains(ru),
                "{}",
                wait(Locale::ru, secs)
            );
            assert!(
                wait(Locale::uk, secs).contains(uk),
                "{}",
                wait(Locale::uk, secs)
            );
        }
        assert!(wait(Locale::pl, 120).contains("2 minuty"));
        assert!(wait(Locale::ru, 300).contains("5 минут "));
        // Hebrew: one (a word, not a digit), two, other.
        assert!(wait(Locale::he, 1).contains("שנייה אחת"));
        assert!(wait(Locale::he, 2).contains("2 שניות"));
        // One form only (Indonesian, Vietnamese, Thai): the count, always.
        assert!(
            wait(Locale::id, 1).contains("1 detik"),
            "{}",
            wait(Locale::id, 1)
        );
        assert!(wait(Locale::th, 30).contains("30 วินาที"));
        let left = |l: Locale, n: i32| td_string!(l, security.recovery_left, count = n).to_string();
        assert_eq!(
            left(Locale::pl, 3),
            "Masz 3 niewykorzystane kody odzyskiwania."
        );
        assert_eq!(
            left(Locale::pl, 5),
            "Masz 5 niewykorzystanych kodów odzyskiwania."
        );
        assert_eq!(
            left(Locale::ru, 1),
            "У вас 1 неиспользованный код восстановления."
        );
        assert_eq!(
            left(Locale::uk, 2),
            "У вас 2 невикористані коди відновлення."
        );
        let min = |l: Locale, n: u32| rule_label(l, &Rule::MinLength(n));
        assert_eq!(min(Locale::ru, 8), "не меньше 8 символов");
        assert_eq!(min(Locale::ru, 21), "не меньше 21 символа");
    }

    #[test]
    fn dates_are_written_as_each_language_writes_them() {
        // 8 December 2026, 05:40 UTC.
        let at = 1_796_708_400;
        for (l, want) in [
            (Locale::en, "8 December 2026, 05:40 UTC"),
            (Locale::pl, "8 grudnia 2026, 05:40 UTC"),
            (Locale::ru, "8 декабря 2026 г., 05:40 UTC"),
            (Locale::uk, "8 грудня 2026 р., 05:40 UTC"),
            (Locale::da, "8. december 2026 kl. 05:40 UTC"),
            (Locale::nb, "8. desember 2026 kl. 05:40 UTC"),
            (Locale::he, "8 בדצמבר 2026, 05:40 UTC"),
            (Locale::vi, "05:40 UTC, ngày 8 tháng 12 năm 2026"),
            (Locale::th, "8 ธันวาคม 2026 เวลา 05:40 UTC"),
            (Locale::tr, "8 Aralık 2026 05:40 UTC"),
        ] {
            assert_eq!(local_time(l, at), want, "{l:?}");
        }
        for l in Locale::get_all() {
            let months = td_string!(*l, text.months);
            assert_eq!(
                months.split('|').filter(|m| !m.is_empty()).count(),
                12,
                "{l:?}"
            );
            assert!(!local_time(*l, at).contains("{{"), "{l:?}");
        }
    }

    #[test]
    fn every_locale_names_itself_and_its_direction() {
        let mut names = std::collections::BTreeSet::new();
        for l in Locale::get_all() {
            assert!(
                names.insert(language_name(*l)),
                "{l:?} has a name of its own"
            );
            let dir = td_string!(*l, text.direction);
            assert!(dir == "ltr" || dir == "rtl", "{l:?}: {dir}");
        }
        let rtl: Vec<_> = Locale::get_all().iter().filter(|l| is_rtl(**l)).collect();
        assert_eq!(rtl, [&Locale::ar, &Locale::he]);
    }

    #[test]
    fn tags_from_elsewhere_find_the_closest_locale() {
        for (tag, want) in [
            ("ja", Some(Locale::ja)),
            ("pt_BR", Some(Locale::pt_BR)),
            ("pt-PT", Some(Locale::pt_BR)),
            ("zh-HK", Some(Locale::zh_Hant)),
            ("zh-Hant-TW", Some(Locale::zh_Hant)),
            ("zh_CN", Some(Locale::zh_Hans)),
            ("nb-NO", Some(Locale::nb)),
            ("no", Some(Locale::nb)),
            ("nn", Some(Locale::nb)),
            ("iw-IL", Some(Locale::he)),
            ("in", Some(Locale::id)),
            ("uk_UA", Some(Locale::uk)),
            ("fr-CA", Some(Locale::fr)),
            (" sv-FI ", Some(Locale::sv)),
            ("sw-KE", None),
            ("", None),
        ] {
            assert_eq!(locale_for_tag(tag), want, "{tag}");
        }
        assert_eq!(
            lang_cookie(Locale::pt_BR, true),
            "lang=pt-BR; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly; Secure"
        );
    }

    #[test]
    fn every_error_has_text_in_every_locale() {
        let errors = [
            AppError::Missing(Field::Username),
            AppError::PasswordPolicy(vec![Rule::MinLength(8), Rule::Digit]),
            AppError::RateLimited(5),
            AppError::MissingAttribute("given_name".into()),
            AppError::Unavailable,
            AppError::TooLarge,
            AppError::CrossSite,
            AppError::WrongAppCode,
            AppError::CodeLength(6),
        ];
        for l in Locale::get_all() {
            for e in &errors {
                let t = error_text(*l, e);
                assert!(!t.is_empty() && !t.contains("{{"), "{l:?} {e:?}: {t}");
            }
        }
        assert_eq!(
            error_text(
                Locale::de,
                &AppError::PasswordPolicy(vec![Rule::MinLength(8), Rule::Digit])
            ),
            "Ihr neues Passwort braucht mindestens 8 Zeichen und eine Ziffer."
        );
    }
}
