//! Security notifications against mocked Cognito and SES: who gets what, in which language,
//! what the email holds and never holds, and the "This wasn't me" token's life.

use aws_sdk_cognitoidentityprovider::{
    operation::{
        admin_get_user::{AdminGetUserError, AdminGetUserOutput},
        admin_user_global_sign_out::AdminUserGlobalSignOutOutput,
    },
    types::AttributeType,
    Client,
};
use aws_sdk_sesv2::operation::send_email::{SendEmailError, SendEmailOutput};
use aws_smithy_mocks::{mock, mock_client, Rule};

use super::{not_me::ssr as nm, *};
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
    assert_eq!(attribute_locale("ja"), Some(Locale::ja));
    assert_eq!(attribute_locale("pt_BR"), Some(Locale::pt_BR));
    assert_eq!(attribute_locale("zh-TW"), Some(Locale::zh_Hant));
    assert_eq!(attribute_locale("de-AT"), Some(Locale::de));
    assert_eq!(attribute_locale("xx"), None);
}

fn origin() -> Origin {
    Origin {
        ip: "203.0.113.7".parse().unwrap(),
        browser: "Firefox",
        at: 1_796_198_400,
        locale: Locale::en,
    }
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
        assert!(part.contains("2026-12-02 08:00 UTC"), "{part}");
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

fn with_mailer(state: AppState, ses: &[&Rule]) -> AppState {
    let client = mock_client!(aws_sdk_sesv2, ses);
    let mailer = super::ses::Mailer::new(client, "Security <no-reply@example.com>".into(), None);
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
        testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&get])),
        &[&send],
    );
    assert_eq!(
        deliver(&state, Change::PasswordChanged, "jane", &origin()).await,
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
        testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&unverified])),
        &[&send],
    );
    assert_eq!(
        deliver(&state, Change::PasswordReset, "jane", &origin()).await,
        "skipped"
    );
    assert_eq!(send.num_calls(), 0);

    let gone = mock!(Client::admin_get_user)
        .then_error(|| crate::exception!(AdminGetUserError::UserNotFoundException));
    let state = with_mailer(
        testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&gone])),
        &[&send],
    );
    assert_eq!(
        deliver(&state, Change::PasswordReset, "jane", &origin()).await,
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
        testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&get])),
        &[&refused],
    );
    let (_guard, logs) = testing::capture_logs();
    assert_eq!(
        deliver(&state, Change::PasswordReset, "jane", &origin()).await,
        "failed"
    );
    assert!(logs.text().contains("MessageRejected"), "{}", logs.text());
    // Off: nothing is looked up or sent.
    let off = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, []));
    assert_eq!(
        deliver(&off, Change::PasswordReset, "jane", &origin()).await,
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

#[tokio::test]
async fn this_wasnt_me_signs_out_everywhere_and_starts_a_reset_once() {
    let out = mock!(Client::admin_user_global_sign_out)
        .then_output(|| AdminUserGlobalSignOutOutput::builder().build());
    let forgot = mock!(Client::forgot_password).then_output(crate::reset::tests::delivered);
    let state = testing::state_with(
        mock_client!(aws_sdk_cognitoidentityprovider, [&out, &forgot]),
        &[("NOT_ME_SIGN_OUT", "true")],
    );
    let ip = "203.0.113.7".parse().unwrap();
    let s = testing::session();
    assert_eq!(
        nm::secure(&state, &s, ip).await,
        Err(crate::error::AppError::LinkExpired),
        "no token opened here"
    );
    let token = nm::issue(&state, "jane", Change::PasswordChanged, 1)
        .await
        .unwrap();
    s.start_not_me(&crate::cognito::Token::from(token.as_str()))
        .await
        .unwrap();
    assert_eq!(nm::secure(&state, &s, ip).await, Ok(()));
    let flow = s.reset().await.unwrap().expect("a reset was started");
    assert_eq!(flow.username, "jane");
    assert!(flow.secured);
    assert_eq!((out.num_calls(), forgot.num_calls()), (1, 1));
    // The token is used up: a second post (or another browser) gets the expired answer.
    assert_eq!(
        nm::secure(&state, &s, ip).await,
        Err(crate::error::AppError::LinkExpired)
    );
    assert_eq!((out.num_calls(), forgot.num_calls()), (1, 1));
}

#[tokio::test]
async fn without_the_operators_setting_the_page_only_explains() {
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, []));
    let s = testing::session();
    let token = nm::issue(&state, "jane", Change::PasswordChanged, 1)
        .await
        .unwrap();
    s.start_not_me(&crate::cognito::Token::from(token.as_str()))
        .await
        .unwrap();
    let ip = "203.0.113.7".parse().unwrap();
    assert_eq!(
        nm::secure(&state, &s, ip).await,
        Err(crate::error::AppError::Refused)
    );
    assert!(
        nm::peek(&state, &token).await.unwrap().is_some(),
        "nothing used up"
    );
}

#[tokio::test]
async fn a_cognito_outage_while_securing_leaves_the_link_usable() {
    use aws_sdk_cognitoidentityprovider::operation::forgot_password::ForgotPasswordError;
    let out = mock!(Client::admin_user_global_sign_out)
        .then_output(|| AdminUserGlobalSignOutOutput::builder().build());
    let down = mock!(Client::forgot_password).then_error(|| {
        ForgotPasswordError::InternalErrorException(
            aws_sdk_cognitoidentityprovider::types::error::InternalErrorException::builder()
                .build(),
        )
    });
    let state = testing::state_with(
        mock_client!(aws_sdk_cognitoidentityprovider, [&out, &down]),
        &[("NOT_ME_SIGN_OUT", "true")],
    );
    let ip = "203.0.113.7".parse().unwrap();
    let s = testing::session();
    let token = nm::issue(&state, "jane", Change::PasswordChanged, 1)
        .await
        .unwrap();
    s.start_not_me(&crate::cognito::Token::from(token.as_str()))
        .await
        .unwrap();
    assert_eq!(
        nm::secure(&state, &s, ip).await,
        Err(crate::error::AppError::Unavailable)
    );
    assert!(
        nm::peek(&state, &token).await.unwrap().is_some(),
        "the link was not used up by the outage"
    );
}

#[tokio::test]
async fn after_this_wasnt_me_the_devices_are_forgotten_and_the_next_sign_in_reviews_every_way_in() {
    use aws_sdk_cognitoidentityprovider::{
        operation::{
            admin_forget_device::AdminForgetDeviceOutput,
            admin_list_devices::AdminListDevicesOutput,
        },
        types::DeviceType,
    };
    let out = mock!(Client::admin_user_global_sign_out)
        .then_output(|| AdminUserGlobalSignOutOutput::builder().build());
    let list = mock!(Client::admin_list_devices).then_output(|| {
        AdminListDevicesOutput::builder()
            .devices(DeviceType::builder().device_key("dev-1").build())
            .devices(DeviceType::builder().device_key("dev-2").build())
            .build()
    });
    let forget = mock!(Client::admin_forget_device)
        .then_output(|| AdminForgetDeviceOutput::builder().build());
    let forgot = mock!(Client::forgot_password).then_output(crate::reset::tests::delivered);
    let state = testing::state_with(
        mock_client!(
            aws_sdk_cognitoidentityprovider,
            aws_smithy_mocks::RuleMode::MatchAny,
            [&out, &list, &forget, &forgot]
        ),
        &[
            ("NOT_ME_SIGN_OUT", "true"),
            ("POOL_FEATURES", "optional,totp,passkeys,devices"),
        ],
    );
    let s = testing::session();
    let token = nm::issue(&state, "jane", Change::PasskeyAdded, 1_700_000_000)
        .await
        .unwrap();
    s.start_not_me(&crate::cognito::Token::from(token.as_str()))
        .await
        .unwrap();
    assert_eq!(
        nm::secure(&state, &s, "203.0.113.7".parse().unwrap()).await,
        Ok(())
    );
    assert_eq!(
        forget.num_calls(),
        2,
        "every remembered device is forgotten"
    );
    assert_eq!(
        crate::flow::review::pending(&state, "Jane").await,
        Some(1_700_000_000),
        "the review is asked for, whatever the case of the name"
    );
    // The next sign-in, by any path, lands on the review.
    let tokens = crate::cognito::Tokens {
        access: crate::cognito::Token::from("a"),
        id: None,
        refresh: None,
        expires_in: 3600,
    };
    let next = crate::flow::next_step(
        &state,
        &testing::session(),
        "jane",
        crate::cognito::SignIn::Tokens(tokens.clone()),
        true,
    )
    .await;
    assert_eq!(next, Ok(crate::paths::ACCOUNT_SECURITY));
    // Reviewed: the sign-ins after it go to the account page again.
    crate::flow::review::done(&state, "jane").await;
    let next = crate::flow::next_step(
        &state,
        &testing::session(),
        "jane",
        crate::cognito::SignIn::Tokens(tokens),
        true,
    )
    .await;
    assert_eq!(next, Ok(crate::paths::ACCOUNT));
}

#[tokio::test]
async fn with_feedback_on_the_sign_ins_around_the_change_are_reported_as_not_the_users() {
    use aws_sdk_cognitoidentityprovider::{
        operation::{
            admin_list_user_auth_events::AdminListUserAuthEventsOutput,
            admin_update_auth_event_feedback::AdminUpdateAuthEventFeedbackOutput,
        },
        types::{AuthEventType, FeedbackValueType},
    };
    use aws_smithy_types::DateTime;
    let changed_at = 1_700_000_000;
    let out = mock!(Client::admin_user_global_sign_out)
        .then_output(|| AdminUserGlobalSignOutOutput::builder().build());
    let events = mock!(Client::admin_list_user_auth_events).then_output(move || {
        let event = |id: &str, at: i64| {
            AuthEventType::builder()
                .event_id(id)
                .creation_date(DateTime::from_secs(at))
                .build()
        };
        AdminListUserAuthEventsOutput::builder()
            // The attacker's sign-in an hour before the change: reported.
            .auth_events(event("attacker", changed_at - 3600))
            // The user's own sign-in a month before: left alone.
            .auth_events(event("long-ago", changed_at - 30 * 24 * 3600))
            .build()
    });
    let feedback = mock!(Client::admin_update_auth_event_feedback)
        .match_requests(|r| {
            r.event_id() == Some("attacker")
                && r.feedback_value() == Some(&FeedbackValueType::Invalid)
        })
        .then_output(|| AdminUpdateAuthEventFeedbackOutput::builder().build());
    let forgot = mock!(Client::forgot_password).then_output(crate::reset::tests::delivered);
    let state = testing::state_with(
        mock_client!(
            aws_sdk_cognitoidentityprovider,
            aws_smithy_mocks::RuleMode::MatchAny,
            [&out, &events, &feedback, &forgot]
        ),
        &[("NOT_ME_SIGN_OUT", "true"), ("NOT_ME_FEEDBACK", "true")],
    );
    let s = testing::session();
    let token = nm::issue(&state, "jane", Change::PasswordChanged, changed_at)
        .await
        .unwrap();
    s.start_not_me(&crate::cognito::Token::from(token.as_str()))
        .await
        .unwrap();
    assert_eq!(
        nm::secure(&state, &s, "203.0.113.7".parse().unwrap()).await,
        Ok(())
    );
    assert_eq!(
        feedback.num_calls(),
        1,
        "only the sign-in around the change"
    );
}
