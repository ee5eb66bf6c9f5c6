//! The forgotten username against a mocked Cognito and SES: only exactly one enabled account
//! with the address verified gets an email, and it carries the username in that account's
//! language.

use aws_sdk_cognitoidentityprovider::{
    operation::list_users::ListUsersOutput,
    types::{AttributeType, UserStatusType, UserType},
    Client,
};
use aws_sdk_sesv2::operation::send_email::SendEmailOutput;
use aws_smithy_mocks::{mock, mock_client, RuleMode};

use super::ssr::{deliver, the_one};
use crate::{cognito::UserSummary, i18n::Locale, testing};

fn summary(name: &str, verified: bool, enabled: bool) -> UserSummary {
    UserSummary {
        username: name.into(),
        status: "CONFIRMED".into(),
        enabled,
        email: Some("Jane@Example.com".into()),
        email_verified: verified,
        phone_number: None,
        phone_number_verified: false,
        locale: None,
    }
}

#[test]
fn only_one_enabled_account_with_the_address_verified_counts() {
    let one = the_one(vec![summary("jane", true, true)], "jane@example.com");
    assert_eq!(one.map(|u| u.username), Some("jane".into()), "case aside");
    assert!(
        the_one(vec![summary("jane", false, true)], "jane@example.com").is_none(),
        "unverified"
    );
    assert!(
        the_one(vec![summary("jane", true, false)], "jane@example.com").is_none(),
        "disabled"
    );
    let two = vec![summary("jane", true, true), summary("jane2", true, true)];
    assert!(
        the_one(two, "jane@example.com").is_none(),
        "two accounts: neither is told"
    );
    let mixed = vec![
        summary("jane", true, true),
        summary("old-jane", false, true),
    ];
    assert_eq!(
        the_one(mixed, "jane@example.com").map(|u| u.username),
        Some("jane".into())
    );
    assert!(the_one(vec![], "jane@example.com").is_none());
}

fn listed(users: Vec<(&'static str, bool)>) -> impl Fn() -> ListUsersOutput + Send + Sync {
    move || {
        let attr = |n: &str, v: &str| AttributeType::builder().name(n).value(v).build().unwrap();
        let mut out = ListUsersOutput::builder();
        for (name, verified) in &users {
            out = out.users(
                UserType::builder()
                    .username(*name)
                    .enabled(true)
                    .user_status(UserStatusType::Confirmed)
                    .attributes(attr("email", "jane@example.com"))
                    .attributes(attr(
                        "email_verified",
                        if *verified { "true" } else { "false" },
                    ))
                    .attributes(attr("locale", "fr"))
                    .build(),
            );
        }
        out.build()
    }
}

#[tokio::test]
async fn the_username_goes_to_the_one_account_in_its_language_and_nobody_else_hears_anything() {
    let settings = [
        ("FORGOT_USERNAME", "true"),
        ("NOTIFY_FROM", "Accounts <no-reply@example.com>"),
    ];
    for (users, expected) in [
        (vec![("jane.doe", true)], "sent"),
        (vec![("jane.doe", false)], "none"),
        (vec![("jane.doe", true), ("jd", true)], "none"),
        (vec![], "none"),
    ] {
        let list = mock!(Client::list_users)
            .match_requests(|r| r.filter() == Some("email = \"jane@example.com\""))
            .then_output(listed(users.clone()));
        let state = testing::state_with(
            mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, [&list]),
            &settings,
        );
        let send = mock!(aws_sdk_sesv2::Client::send_email)
            .match_requests(|r| {
                let simple = r.content().and_then(|c| c.simple());
                let subject = simple.and_then(|s| s.subject()).map(|s| s.data());
                let text = simple
                    .and_then(|s| s.body())
                    .and_then(|b| b.text())
                    .map(|t| t.data())
                    .unwrap_or("");
                r.destination().map(|d| d.to_addresses().to_vec())
                    == Some(vec!["jane@example.com".to_string()])
                    && subject == Some("Votre nom d'utilisateur")
                    && text.contains("jane.doe")
            })
            .then_output(|| SendEmailOutput::builder().message_id("m-1").build());
        let mailer = crate::mailer::Mailer::new(
            mock_client!(aws_sdk_sesv2, RuleMode::MatchAny, [&send]),
            "Accounts <no-reply@example.com>".into(),
            None,
        );
        let state = state.with_mailer(Some(mailer));
        let got = deliver(&state, "jane@example.com", Locale::en).await;
        assert_eq!(got, expected, "{users:?}");
        assert_eq!(
            send.num_calls(),
            usize::from(expected == "sent"),
            "{users:?}"
        );
        // The mailer is here for the username alone: no security notifications.
        assert!(state.notifier().is_none());
    }
}
