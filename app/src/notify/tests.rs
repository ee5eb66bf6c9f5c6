//! Security notifications against mocked Cognito and SES: who gets what, in which language,
//! what the email holds and never holds, and the "This wasn't me" token's life.

use aws_sdk_cognitoidentityprovider::{
    operation::admin_get_user::{AdminGetUserError, AdminGetUserOutput},
    types::AttributeType,
    Client,
};
use aws_sdk_sesv2::operation::send_email::{SendEmailError, SendEmailOutput};
use aws_smithy_mocks::{mock, mock_client, Rule};

use super::{token as nm, *};
use crate::{i18n::Locale, state::AppState, testing};

const CHROME_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

#[test]
fn browser_families_are_told_apart() {
    let edge = format!("{CHROME_MAC} Edg/131.0.2903.86");
    let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
    let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    let samsung = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36";
    assert_eq!(browser_family(CHROME_MAC), "Chrome");
    assert_eq!(browser_family(&edge), "Microsoft Edge");
    assert_eq!(browser_family(safari), "Safari");
    assert_eq!(browser_family(firefox), "Firefox");
    assert_eq!(browser_family(samsung), "Samsung Internet");
    assert_eq!(browser_family("curl/8.5.0"), "");
}

#[test]
fn times_are_utc_and_locale_attributes_map_to_the_apps_languages() {
    assert_eq!(crate::text::utc_time(0), "1970-01-01 00:00 UTC");
    assert_eq!(crate::text::utc_time(1_798_761_599), "2026-12-31 23:59 UTC");
    assert_eq!(crate::text::utc_time(951_782_400), "2000-02-29 00:00 UTC");
    // As each reader writes a date, with the zone said.
    use crate::{i18n::Locale, text::local_time};
    let at = 1_798_761_599;
    assert_eq!(local_time(Locale::en, at), "31 December 2026, 23:59 UTC");
    assert_eq!(local_time(Locale::de, at), "31. Dezember 2026, 23:59 UTC");
    assert_eq!(local_time(Locale::ja, at), "2026年12月31日 23:59 UTC");
    assert_eq!(
        local_time(Locale::ar, 951_782_400),
        "29 فبراير 2000، 00:00 UTC"
    );
    for &l in <Locale as leptos_i18n::Locale>::get_all() {
        for month in 0..12 {
            let t = local_time(l, 1_767_225_600 + month * 31 * 86_400);
            assert!(
                t.contains("UTC") && !t.contains("{{") && !t.contains("||"),
                "{l:?}: {t}"
            );
        }
    }
    assert_eq!(crate::text::locale_for_tag("ja"), Some(Locale::ja));
    assert_eq!(crate::text::locale_for_tag("pt_BR"), Some(Locale::pt_BR));
    assert_eq!(crate::text::locale_for_tag("zh-TW"), Some(Locale::zh_Hant));
    assert_eq!(crate::text::locale_for_tag("de-AT"), Some(Locale::de));
    assert_eq!(crate::text::locale_for_tag("xx"), None);
}

fn origin() -> Origin {
    Origin {
        ip: "203.0.113.7".parse().unwrap(),
        browser: "Firefox",
        at: 1_796_198_400,
        locale: Locale::en,
        due: None,
    }
}

#[test]
fn a_requested_factor_reset_says_when_it_takes_effect_and_offers_to_cancel() {
    let link = "https://reset.example.com/not-me/link?t=abc";
    let e = compose(
        Locale::en,
        Change::MfaResetRequested,
        &Origin {
            due: Some(1_796_198_400 + 86_400),
            ..origin()
        },
        "jane",
        "jane@example.com",
        "Acme",
        Some(link),
        "https://reset.example.com/reset",
    );
    assert!(
        e.text
            .contains("Cancel — this wasn't me: https://reset.example.com/not-me/link?t=abc"),
        "{}",
        e.text
    );
    assert!(e.text.contains("takes effect"), "{}", e.text);
    assert!(
        e.html.contains("Cancel — this wasn&#39;t me")
            || e.html.contains("Cancel — this wasn't me"),
        "{}",
        e.html
    );
    // Sent even with NOTIFY_EMAIL off; ordinary changes are not.
    assert!(Change::MfaResetRequested.is_essential() && Change::MfaResetDone.is_essential());
    assert!(!Change::PasswordChanged.is_essential());
}

#[test]
fn the_email_says_what_when_and_where_and_escapes_what_it_repeats() {
    let link = "https://reset.example.com/not-me/link?t=abc";
    let e = compose(
        Locale::en,
        Change::PasswordReset,
        &origin(),
        "<b>jane</b>",
        "jane@example.com",
        "Acme & Co",
        Some(link),
        "https://reset.example.com/reset",
    );
    assert_eq!(e.to, "jane@example.com");
    assert_eq!(e.subject, "Your password was reset");
    for part in [&e.text, &e.html] {
        assert!(part.contains("The password of your account was reset with a code."));
        assert!(part.contains("2 December 2026, 08:00 UTC"), "{part}");
        assert!(part.contains("Firefox"));
        assert!(part.contains("203.0.113.7"));
        assert!(part.contains(link));
        assert!(part.contains("This wasn't me") || part.contains("This wasn&#39;t me"));
    }
    assert!(e.html.contains("&lt;b&gt;jane&lt;/b&gt;") && !e.html.contains("<b>jane"));
    assert!(e.html.contains("Acme &amp; Co"));
    assert!(e
        .html
        .starts_with("<!doctype html><html lang=\"en\" dir=\"ltr\">"));

    let ar = compose(
        Locale::ar,
        Change::MfaAdded,
        &Origin {
            browser: "",
            ..origin()
        },
        "jane",
        "jane@example.com",
        "Acme",
        None,
        "https://reset.example.com/reset",
    );
    assert!(ar.html.contains("dir=\"rtl\""));
    assert!(
        ar.text.contains("متصفح غير معروف"),
        "unknown browser, in Arabic"
    );
    assert!(
        ar.text.contains("https://reset.example.com/reset"),
        "no token: the reset page"
    );
    // In a right-to-left email the username, the time and the address keep their own order.
    for value in ["jane", "2 ديسمبر 2026، 08:00 UTC", "203.0.113.7"] {
        let isolated = format!("\u{2068}{value}\u{2069}");
        assert!(
            ar.text.contains(&isolated),
            "{value} isolated in {}",
            ar.text
        );
        assert!(ar.html.contains(&isolated), "{value} isolated in the HTML");
    }
}

fn user_with(email: Option<&str>, verified: bool, locale: Option<&str>) -> AdminGetUserOutput {
    let mut b = AdminGetUserOutput::builder().username("jane");
    let attr = |n: &str, v: &str| AttributeType::builder().name(n).value(v).build().unwrap();
    if let Some(e) = email {
        b = b.user_attributes(attr("email", e));
        b = b.user_attributes(attr(
            "email_verified",
            if verified { "true" } else { "false" },
        ));
    }
    if let Some(l) = locale {
        b = b.user_attributes(attr("locale", l));
    }
    b.build().unwrap()
}

/// A state with notifications on.
fn notifying(client: Client) -> AppState {
    testing::state_with(
        client,
        &[
            ("NOTIFY_EMAIL", "true"),
            ("NOTIFY_FROM", "Security <no-reply@example.com>"),
        ],
    )
}

fn with_mailer(state: AppState, ses: &[&Rule]) -> AppState {
    let client = mock_client!(aws_sdk_sesv2, ses);
    let mailer = crate::mailer::Mailer::new(client, "Security <no-reply@example.com>".into(), None);
    state.with_mailer(Some(mailer))
}

#[tokio::test]
async fn a_change_sends_one_email_in_the_users_language_with_a_working_not_me_link() {
    let get = mock!(Client::admin_get_user)
        .then_output(|| user_with(Some("jane@example.com"), true, Some("de")));
    let send = mock!(aws_sdk_sesv2::Client::send_email)
        .match_requests(|r| {
            let to = r.destination().map(|d| d.to_addresses().to_vec());
            let simple = r.content().and_then(|c| c.simple());
            let subject = simple.and_then(|s| s.subject()).map(|s| s.data());
            let html = simple
                .and_then(|s| s.body())
                .and_then(|b| b.html())
                .map(|h| h.data())
                .unwrap_or("");
            r.from_email_address() == Some("Security <no-reply@example.com>")
                && to == Some(vec!["jane@example.com".to_string()])
                && subject == Some("Ihr Passwort wurde geändert")
                && html.contains("/not-me/link?t=")
        })
        .then_output(|| SendEmailOutput::builder().message_id("m-1").build());
    let state = with_mailer(
        notifying(mock_client!(aws_sdk_cognitoidentityprovider, [&get])),
        &[&send],
    );
    assert_eq!(
        deliver(&state, Change::PasswordChanged, "jane", &origin(), None).await,
        "sent"
    );
    assert_eq!((get.num_calls(), send.num_calls()), (1, 1));
}

#[tokio::test]
async fn no_verified_email_means_no_email_and_failures_are_only_counted() {
    let unverified = mock!(Client::admin_get_user)
        .then_output(|| user_with(Some("jane@example.com"), false, None));
    let send =
        mock!(aws_sdk_sesv2::Client::send_email).then_output(|| SendEmailOutput::builder().build());
    let state = with_mailer(
        notifying(mock_client!(aws_sdk_cognitoidentityprovider, [&unverified])),
        &[&send],
    );
    assert_eq!(
        deliver(&state, Change::PasswordReset, "jane", &origin(), None).await,
        "skipped"
    );
    assert_eq!(send.num_calls(), 0);

    let gone = mock!(Client::admin_get_user)
        .then_error(|| crate::exception!(AdminGetUserError::UserNotFoundException));
    let state = with_mailer(
        notifying(mock_client!(aws_sdk_cognitoidentityprovider, [&gone])),
        &[&send],
    );
    assert_eq!(
        deliver(&state, Change::PasswordReset, "jane", &origin(), None).await,
        "failed"
    );

    let get = mock!(Client::admin_get_user)
        .then_output(|| user_with(Some("jane@example.com"), true, None));
    let refused = mock!(aws_sdk_sesv2::Client::send_email).then_error(|| {
        SendEmailError::MessageRejected(
            aws_sdk_sesv2::types::error::MessageRejected::builder()
                .meta(
                    aws_smithy_types::error::ErrorMetadata::builder()
                        .code("MessageRejected")
                        .build(),
                )
                .build(),
        )
    });
    let state = with_mailer(
        notifying(mock_client!(aws_sdk_cognitoidentityprovider, [&get])),
        &[&refused],
    );
    let (_guard, logs) = testing::capture_logs();
    assert_eq!(
        deliver(&state, Change::PasswordReset, "jane", &origin(), None).await,
        "failed"
    );
    assert!(logs.text().contains("MessageRejected"), "{}", logs.text());
    // Off: nothing is looked up or sent.
    let off = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, []));
    assert_eq!(
        deliver(&off, Change::PasswordReset, "jane", &origin(), None).await,
        "skipped"
    );
}

#[tokio::test]
async fn a_not_me_token_is_signed_expiring_single_use_and_names_no_one() {
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, []));
    let token = nm::issue(&state, "jane@example.com", Change::PasswordReset, 42)
        .await
        .unwrap();
    assert_eq!(token.len(), 54, "40 bytes, base64url");
    assert!(!token.contains("jane"));
    let record = nm::peek(&state, &token).await.unwrap().unwrap();
    assert_eq!(record.username, "jane@example.com");
    assert_eq!((record.change, record.at), (Change::PasswordReset, 42));
    // Tampered with anywhere: refused before the store is asked.
    let mut bytes: Vec<char> = token.chars().collect();
    bytes[3] = if bytes[3] == 'A' { 'B' } else { 'A' };
    let forged: String = bytes.into_iter().collect();
    assert_eq!(nm::verify(&state, &forged), None);
    assert_eq!(nm::verify(&state, "not-a-token"), None);
    // Another deployment's key does not verify it.
    let other = testing::state_with(
        mock_client!(aws_sdk_cognitoidentityprovider, []),
        &[("SERVER_SECRET", "another-secret-another-secret-0123456789")],
    );
    assert_eq!(nm::verify(&other, &token), None);
    // Used once.
    assert!(nm::redeem(&state, &token).await.unwrap().is_some());
    assert!(nm::redeem(&state, &token).await.unwrap().is_none());
    assert!(nm::peek(&state, &token).await.unwrap().is_none());
}

#[tokio::test]
async fn an_expired_token_is_refused_by_its_signed_expiry() {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, []));
    let token = nm::issue(&state, "jane", Change::PasswordReset, 1)
        .await
        .unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
    bytes[16..24].copy_from_slice(&1i64.to_be_bytes());
    let past = URL_SAFE_NO_PAD.encode(&bytes);
    assert_eq!(
        nm::verify(&state, &past),
        None,
        "the expiry is under the MAC"
    );
}
