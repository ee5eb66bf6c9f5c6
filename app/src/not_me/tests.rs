//! "This wasn't me" against mocked Cognito: securing the account once, only when the operator
//! allows it, surviving an outage (moved here from the notification tests with the flow).

use aws_sdk_cognitoidentityprovider::{
    operation::admin_user_global_sign_out::AdminUserGlobalSignOutOutput, Client,
};
use aws_smithy_mocks::{mock, mock_client};

use super::ssr as nm;
use crate::notify::{token::issue, Change};
use crate::testing;

#[tokio::test]
async fn this_wasnt_me_signs_out_everywhere_and_starts_a_reset_once() {
    let out = mock!(Client::admin_user_global_sign_out)
        .then_output(|| AdminUserGlobalSignOutOutput::builder().build());
    let forgot = mock!(Client::forgot_password).then_output(testing::delivered);
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
    let token = issue(&state, "jane", Change::PasswordChanged, 1)
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
    let token = issue(&state, "jane", Change::PasswordChanged, 1)
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
        crate::notify::token::peek(&state, &token)
            .await
            .unwrap()
            .is_some(),
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
    let token = issue(&state, "jane", Change::PasswordChanged, 1)
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
        crate::notify::token::peek(&state, &token)
            .await
            .unwrap()
            .is_some(),
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
    let forgot = mock!(Client::forgot_password).then_output(testing::delivered);
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
    let token = issue(&state, "jane", Change::PasskeyAdded, 1_700_000_000)
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
    let forgot = mock!(Client::forgot_password).then_output(testing::delivered);
    let state = testing::state_with(
        mock_client!(
            aws_sdk_cognitoidentityprovider,
            aws_smithy_mocks::RuleMode::MatchAny,
            [&out, &events, &feedback, &forgot]
        ),
        &[("NOT_ME_SIGN_OUT", "true"), ("NOT_ME_FEEDBACK", "true")],
    );
    let s = testing::session();
    let token = issue(&state, "jane", Change::PasswordChanged, changed_at)
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
