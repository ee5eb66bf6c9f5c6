//! Reset flow logic against a mocked Cognito: every exception of `ForgotPassword` and
//! `ConfirmForgotPassword` has a deliberate answer.

use aws_sdk_cognitoidentityprovider::{
    operation::{
        admin_user_global_sign_out::{AdminUserGlobalSignOutError, AdminUserGlobalSignOutOutput},
        confirm_forgot_password::{ConfirmForgotPasswordError, ConfirmForgotPasswordOutput},
        forgot_password::ForgotPasswordError,
        resend_confirmation_code::ResendConfirmationCodeError,
    },
    Client,
};
use aws_smithy_mocks::{mock, mock_client, RuleMode};

use super::ssr::*;
use crate::{
    clock::now,
    error::{AppError, Field},
    flow::{canonical_delivery, decoy_delivery, sign_out_elsewhere},
    forms::{Delivery, Medium, Notice},
    session::ResetFlow,
    testing,
};

/// `/reset/confirm` posted with `code` and `password` twice.
async fn confirm(
    state: &crate::state::AppState,
    session: &crate::session::AppSession,
    code: &str,
    password: &str,
) -> Result<(), AppError> {
    let new = testing::new_password(password, password);
    confirm_reset(state, session, &testing::code(code), &new)
        .await
        .map(|next| assert_eq!(next, crate::paths::SIGN_IN))
}

use crate::testing::delivered;

#[tokio::test]
async fn every_forgot_password_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(ForgotPasswordError => Result<(), AppError>;
        CodeDeliveryFailureException => Err(AppError::CodeNotDelivered),
        ForbiddenException => Err(AppError::Refused),
        InternalErrorException => Err(AppError::Unavailable),
        InvalidEmailRoleAccessPolicyException => Err(AppError::Unexpected),
        InvalidLambdaResponseException => Err(AppError::Unexpected),
        // No verified email/phone: answered like a real reset (no account enumeration).
        InvalidParameterException => Ok(()),
        InvalidSmsRoleAccessPolicyException => Err(AppError::Unexpected),
        InvalidSmsRoleTrustRelationshipException => Err(AppError::Unexpected),
        LimitExceededException => Err(AppError::TooManyAttempts),
        NotAuthorizedException => Ok(()),
        OperationNotEnabledException => Err(AppError::RegionPaused),
        ResourceNotFoundException => Err(AppError::Unexpected),
        TooManyRequestsException => Err(AppError::TooManyAttempts),
        UnexpectedLambdaException => Err(AppError::Unexpected),
        UserLambdaValidationException => Err(AppError::Refused),
        UserNotFoundException => Ok(()),
    );
    assert_eq!(cases.len(), 16);
    for (name, make, expected) in cases {
        let rule = mock!(Client::forgot_password).then_error(make);
        // Asked whether an unverified user never confirmed the sign-up: not this one.
        let confirmed = mock!(Client::resend_confirmation_code).then_error(|| {
            crate::exception!(ResendConfirmationCodeError::InvalidParameterException)
        });
        let state = testing::state(mock_client!(
            aws_sdk_cognitoidentityprovider,
            RuleMode::MatchAny,
            [&rule, &confirmed]
        ));
        let session = testing::session();
        let got = request_reset(&state, &session, &testing::user("jane@example.com")).await;
        assert_eq!(got, expected, "{name}");
        let flow = session.reset().await.unwrap();
        assert_eq!(
            flow.is_some(),
            got.is_ok(),
            "{name}: flow kept only on success"
        );
        if let Some(flow) = flow {
            // The decoy has the app's own mask of this address, as a real one would.
            assert_eq!(flow.delivery.unwrap().destination, "j***@e***", "{name}");
        }
    }
}

#[tokio::test]
async fn unknown_and_known_users_get_the_same_answer() {
    let known = mock!(Client::forgot_password).then_output(delivered);
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&known]));
    let s1 = testing::session();
    request_reset(&state, &s1, &testing::user("jane@example.com"))
        .await
        .unwrap();

    let unknown = mock!(Client::forgot_password)
        .then_error(|| crate::exception!(ForgotPasswordError::UserNotFoundException));
    let state2 = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&unknown]));
    let s2 = testing::session();
    request_reset(&state2, &s2, &testing::user("jane@example.com"))
        .await
        .unwrap();

    let a = s1.reset().await.unwrap().unwrap().delivery;
    let b = s2.reset().await.unwrap().unwrap().delivery;
    assert_eq!(a, b);
}

#[test]
fn every_destination_has_one_shape_whatever_the_upstream_returns() {
    let key = [3u8; 32];
    let email = |d: &str| Delivery {
        medium: Medium::Email,
        destination: d.into(),
    };
    let shape = regex_like_email;
    for upstream in [
        "j***@e***.com",
        "s***@e***",
        "Jane.Doe@Example.org",
        "***@***",
        "",
        "no-at-sign",
    ] {
        let d = canonical_delivery(&key, "jane", &email(upstream));
        assert!(shape(&d.destination), "{upstream:?} -> {}", d.destination);
    }
    assert_eq!(
        canonical_delivery(&key, "x", &email("Jane.Doe@Example.org")).destination,
        "j***@e***",
        "an unmasked address is masked"
    );
    for user in ["someone", "nobody-123@host.example", "+15555550123x"] {
        let d = decoy_delivery(&key, user);
        if d.medium == Medium::Email {
            assert!(shape(&d.destination), "{user} -> {}", d.destination);
        }
    }
    let sms = |d: &str| Delivery {
        medium: Medium::Sms,
        destination: d.into(),
    };
    for upstream in ["+*******0123", "+15555550123", "0123", "", "+***"] {
        let d = canonical_delivery(&key, "jane", &sms(upstream));
        let tail = d.destination.strip_prefix("+*******").unwrap();
        assert!(
            tail.len() == 4 && tail.chars().all(|c| c.is_ascii_digit()),
            "{upstream:?} -> {}",
            d.destination
        );
    }
}

#[test]
fn what_the_reset_page_says_is_the_same_for_real_and_unknown_even_knowing_the_address() {
    use crate::flow::uniform_delivery;
    let key = [9u8; 32];
    // Many users: a plain username never shows letters of any address, real or decoy.
    for i in 0..200 {
        let plain = format!("user{i}");
        let real = uniform_delivery(&key, &plain, Medium::Email);
        let decoy = uniform_delivery(&key, &plain, decoy_delivery(&key, &plain).medium);
        assert_eq!(real, decoy, "{plain}");
        assert_eq!(real.destination, "", "{plain}");
        // A username that is the address: its own mask, whatever Cognito knows of it.
        let address = format!("u{i}@host{i}.example");
        let real = uniform_delivery(&key, &address, Medium::Email);
        let decoy = uniform_delivery(&key, &address, decoy_delivery(&key, &address).medium);
        assert_eq!(real, decoy, "{address}");
        assert_eq!(real.destination, "u***@h***", "{address}");
        assert!(!real.destination.chars().any(|c| c.is_ascii_digit()));
    }
    let phone = uniform_delivery(&key, "+15555550123", Medium::Sms);
    assert_eq!(phone.destination, "+*******0123");
    assert_eq!(uniform_delivery(&key, "jane", Medium::Sms).destination, "");
}

/// `x***@y***` with one letter or digit each.
fn regex_like_email(s: &str) -> bool {
    let c: Vec<char> = s.chars().collect();
    c.len() == 9
        && c[0].is_alphanumeric()
        && &s[c[0].len_utf8()..c[0].len_utf8() + 4] == "***@"
        && c[5].is_alphanumeric()
        && s.ends_with("***")
}

#[test]
fn decoys_are_stable_and_look_like_cognito_masks() {
    let key = [1u8; 32];
    let a = decoy_delivery(&key, "someone");
    assert_eq!(a, decoy_delivery(&key, "someone"));
    assert!(a.destination.contains("***@"));
    let sms = decoy_delivery(&key, "+15555550123");
    assert_eq!(sms.medium, Medium::Sms);
    assert_eq!(sms.destination, "+*******0123");
}

#[tokio::test]
async fn empty_username_is_refused_before_cognito() {
    let rule = mock!(Client::forgot_password).then_output(delivered);
    let _state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
    let got = crate::flow::Username::parse("   ");
    assert_eq!(got, Err(AppError::Missing(Field::Username)));
    assert_eq!(rule.num_calls(), 0);
}

async fn session_with_flow(sent_ago: i64) -> crate::session::AppSession {
    let s = testing::session();
    s.set_reset(&ResetFlow {
        link_code: None,
        secured: false,
        username: "jane".into(),
        delivery: None,
        sent_at: now() - sent_ago,
        admin_reset: false,
        sent: Default::default(),
        confirmed: false,
    })
    .await
    .unwrap();
    s
}

#[tokio::test]
async fn resend_is_refused_during_the_cooldown_and_allowed_after() {
    let rule = mock!(Client::forgot_password).then_output(delivered);
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
    let s = session_with_flow(10).await;
    assert_eq!(resend(&state, &s).await, Err(AppError::ResendCooldown(50)));
    assert_eq!(rule.num_calls(), 0);
    let s = session_with_flow(61).await;
    assert_eq!(resend(&state, &s).await, Ok(()));
    assert_eq!(rule.num_calls(), 1);
    assert_eq!(
        cooldown_left(s.reset().await.unwrap().unwrap().sent_at, now(), 60),
        60
    );
}

#[tokio::test]
async fn confirm_without_a_reset_makes_no_call() {
    let rule = mock!(Client::confirm_forgot_password)
        .then_output(|| ConfirmForgotPasswordOutput::builder().build());
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
    let got = confirm(&state, &testing::session(), "123456", "Kite-Lamp-9!").await;
    assert_eq!(got, Err(AppError::NoResetInProgress));
    assert_eq!(rule.num_calls(), 0);
}

#[tokio::test]
async fn policy_is_checked_before_cognito() {
    let rule = mock!(Client::confirm_forgot_password)
        .then_output(|| ConfirmForgotPasswordOutput::builder().build());
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
    let s = session_with_flow(0).await;
    let got = confirm(&state, &s, "123456", "weak").await;
    assert!(matches!(got, Err(AppError::PasswordPolicy(_))));
    assert_eq!(rule.num_calls(), 0);
}

#[tokio::test]
async fn successful_confirm_ends_the_flow_and_leaves_a_notice() {
    let rule = mock!(Client::confirm_forgot_password)
        .match_requests(|r| {
            r.confirmation_code() == Some("moto-confirmation-code:1")
                && r.password() == Some("Kite-Lamp-9!")
        })
        .then_output(|| ConfirmForgotPasswordOutput::builder().build());
    let signout = mock!(Client::admin_user_global_sign_out)
        .match_requests(|r| r.username() == Some("jane"))
        .then_output(|| AdminUserGlobalSignOutOutput::builder().build());
    let state = testing::state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        [&rule, &signout]
    ));
    let s = session_with_flow(0).await;
    confirm(&state, &s, " moto-confirmation-code:1 ", "Kite-Lamp-9!")
        .await
        .unwrap();
    assert!(s.reset().await.unwrap().is_none());
    assert_eq!(signout.num_calls(), 1, "sessions elsewhere are ended");
    assert!(matches!(
        s.take_notice().await.unwrap(),
        Some(Notice::PasswordReset {
            signed_out_elsewhere: true,
            ..
        })
    ));
}

#[tokio::test]
async fn a_refused_global_sign_out_keeps_the_reset_and_claims_nothing() {
    let rule = mock!(Client::confirm_forgot_password)
        .then_output(|| ConfirmForgotPasswordOutput::builder().build());
    let signout = mock!(Client::admin_user_global_sign_out)
        .then_error(|| crate::exception!(AdminUserGlobalSignOutError::NotAuthorizedException));
    let state = testing::state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        [&rule, &signout]
    ));
    let s = session_with_flow(0).await;
    assert_eq!(confirm(&state, &s, "123456", "Kite-Lamp-9!").await, Ok(()));
    assert_eq!(signout.num_calls(), 1);
    let notice = s.take_notice().await.unwrap().unwrap();
    assert_eq!(
        notice,
        Notice::PasswordReset {
            username: "jane".into(),
            signed_out_elsewhere: false
        }
    );
    assert!(!crate::text::notice_text(crate::i18n::Locale::en, &notice).contains("signed out"));
}

#[tokio::test]
async fn a_refused_global_sign_out_is_logged_with_its_code_not_a_guess() {
    use aws_smithy_types::error::ErrorMetadata;
    for (code, make) in [
        (
            "AccessDeniedException",
            (|| {
                AdminUserGlobalSignOutError::generic(
                    ErrorMetadata::builder()
                        .code("AccessDeniedException")
                        .message("User: arn:aws:sts::1:assumed-role/x is not authorized")
                        .build(),
                )
            }) as fn() -> AdminUserGlobalSignOutError,
        ),
        ("TooManyRequestsException", || {
            AdminUserGlobalSignOutError::TooManyRequestsException(
                aws_sdk_cognitoidentityprovider::types::error::TooManyRequestsException::builder()
                    .message("Rate exceeded for jane")
                    .meta(
                        ErrorMetadata::builder()
                            .code("TooManyRequestsException")
                            .build(),
                    )
                    .build(),
            )
        }),
    ] {
        let signout = mock!(Client::admin_user_global_sign_out).then_error(make);
        let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&signout]));
        let (_guard, logs) = testing::capture_logs();
        assert!(!sign_out_elsewhere(&state, "jane").await);
        let text = logs.text();
        let line = text
            .lines()
            .find(|l| l.contains("AdminUserGlobalSignOut after a password change failed"))
            .unwrap_or_else(|| panic!("no log line: {text}"));
        assert!(line.contains(code), "{line}");
        assert!(!line.contains("IAM"), "no guessed cause: {line}");
        // Cognito's free text (which can name the user) is never logged.
        assert!(
            !text.contains("jane") && !text.contains("arn:aws"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn the_global_sign_out_can_be_turned_off() {
    let rule = mock!(Client::confirm_forgot_password)
        .then_output(|| ConfirmForgotPasswordOutput::builder().build());
    let signout = mock!(Client::admin_user_global_sign_out)
        .then_output(|| AdminUserGlobalSignOutOutput::builder().build());
    let state = testing::state_with(
        mock_client!(aws_sdk_cognitoidentityprovider, [&rule, &signout]),
        &[("SIGN_OUT_EVERYWHERE_AFTER_RESET", "false")],
    );
    let s = session_with_flow(0).await;
    confirm(&state, &s, "123456", "Kite-Lamp-9!").await.unwrap();
    assert_eq!(signout.num_calls(), 0);
}

#[tokio::test]
async fn a_code_older_than_the_window_is_refused_before_cognito() {
    let rule = mock!(Client::confirm_forgot_password)
        .then_output(|| ConfirmForgotPasswordOutput::builder().build());
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
    let s = session_with_flow(601).await;
    let got = confirm(&state, &s, "123456", "Kite-Lamp-9!").await;
    assert_eq!(got, Err(AppError::ExpiredCode));
    let text = crate::text::error_text(crate::i18n::Locale::en, &got.unwrap_err());
    assert!(text.contains("Get a new code below"), "{text}");
    assert_eq!(rule.num_calls(), 0);
    // Within the window it goes through.
    let s = session_with_flow(599).await;
    let state = testing::state_with(
        mock_client!(aws_sdk_cognitoidentityprovider, [&rule]),
        &[("SIGN_OUT_EVERYWHERE_AFTER_RESET", "false")],
    );
    assert_eq!(confirm(&state, &s, "123456", "Kite-Lamp-9!").await, Ok(()));
}

#[tokio::test]
async fn common_passwords_and_the_username_are_refused_before_cognito() {
    let rule = mock!(Client::confirm_forgot_password)
        .then_output(|| ConfirmForgotPasswordOutput::builder().build());
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
    let s = session_with_flow(0).await;
    assert_eq!(
        confirm(&state, &s, "123456", "Password123!").await,
        Err(AppError::PasswordTooCommon)
    );
    assert_eq!(
        confirm(&state, &s, "123456", "Jane-Kite-9!").await,
        Err(AppError::PasswordContainsName)
    );
    assert_eq!(rule.num_calls(), 0);
}

#[tokio::test]
async fn every_confirm_forgot_password_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(ConfirmForgotPasswordError => AppError;
        CodeMismatchException => AppError::WrongCode,
        ExpiredCodeException => AppError::ExpiredCode,
        ForbiddenException => AppError::Refused,
        InternalErrorException => AppError::Unavailable,
        InvalidLambdaResponseException => AppError::Unexpected,
        InvalidParameterException => AppError::WrongCode,
        InvalidPasswordException => AppError::PasswordRejected,
        LimitExceededException => AppError::TooManyAttempts,
        NotAuthorizedException => AppError::WrongCode,
        OperationNotEnabledException => AppError::RegionPaused,
        PasswordHistoryPolicyViolationException => AppError::PasswordReused,
        ResourceNotFoundException => AppError::Unexpected,
        TooManyFailedAttemptsException => AppError::TooManyAttempts,
        TooManyRequestsException => AppError::TooManyAttempts,
        UnexpectedLambdaException => AppError::Unexpected,
        UserLambdaValidationException => AppError::Refused,
        UserNotConfirmedException => AppError::UserNotConfirmed,
        UserNotFoundException => AppError::WrongCode,
    );
    assert_eq!(cases.len(), 18);
    for (name, make, expected) in cases {
        let rule = mock!(Client::confirm_forgot_password).then_error(make);
        let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
        let s = session_with_flow(0).await;
        let got = confirm(&state, &s, "123456", "Kite-Lamp-9!").await;
        assert_eq!(got, Err(expected), "{name}");
        assert!(
            s.reset().await.unwrap().is_some(),
            "{name}: the flow survives an error"
        );
    }
}

fn link(u: Option<&str>, c: Option<&str>) -> super::link::ssr::LinkQuery {
    super::link::ssr::LinkQuery {
        u: u.map(str::to_string),
        c: c.map(str::to_string),
    }
}

#[tokio::test]
async fn opening_a_link_starts_the_reset_and_never_calls_cognito() {
    use super::link::ssr::open;
    let forgot = mock!(Client::forgot_password).then_output(delivered);
    let confirm_rule = mock!(Client::confirm_forgot_password)
        .then_output(|| ConfirmForgotPasswordOutput::builder().build());
    let state = testing::state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        [&forgot, &confirm_rule]
    ));
    let s = testing::session();
    let q = link(Some("jane"), Some(" 123456 "));
    // A mail scanner opening it twice uses nothing up.
    for _ in 0..2 {
        assert_eq!(open(&state, &s, &q).await, Ok(crate::paths::RESET_CONFIRM));
    }
    let flow = s.reset().await.unwrap().expect("a reset in progress");
    assert_eq!(flow.username, "jane");
    assert_eq!(flow.link_code.as_ref().map(|c| c.expose()), Some("123456"));
    assert_eq!(flow.delivery, None);
    assert_eq!((forgot.num_calls(), confirm_rule.num_calls()), (0, 0));
}

#[tokio::test]
async fn a_broken_link_says_so_and_starts_nothing() {
    use super::link::ssr::open;
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, []));
    let long = "9".repeat(crate::flow::input::MAX_CODE + 1);
    for q in [
        link(None, None),
        link(Some("jane"), None),
        link(None, Some("123456")),
        link(Some("  "), Some("123456")),
        link(Some("jane"), Some("")),
        link(Some("jane"), Some(&long)),
        link(Some(&"j".repeat(200)), Some("123456")),
    ] {
        let s = testing::session();
        assert_eq!(
            open(&state, &s, &q).await,
            Err(AppError::BrokenLink),
            "{q:?}"
        );
        assert!(s.reset().await.unwrap().is_none());
    }
    assert_eq!(AppError::BrokenLink.status(), 400);
}

#[tokio::test]
async fn a_link_whose_code_set_the_password_leads_to_link_used() {
    use super::link::ssr::open;
    let rule = mock!(Client::confirm_forgot_password)
        .then_output(|| ConfirmForgotPasswordOutput::builder().build());
    let out = mock!(Client::admin_user_global_sign_out)
        .then_output(|| AdminUserGlobalSignOutOutput::builder().build());
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule, &out]));
    let s = testing::session();
    let q = link(Some("Jane"), Some("123456"));
    assert_eq!(open(&state, &s, &q).await, Ok(crate::paths::RESET_CONFIRM));
    assert_eq!(confirm(&state, &s, "123456", "Kite-Lamp-9!").await, Ok(()));
    // Any browser, any spelling of the username Cognito treats alike.
    for u in ["Jane", "jane"] {
        let again = testing::session();
        let got = open(&state, &again, &link(Some(u), Some("123456"))).await;
        assert_eq!(got, Ok(crate::paths::RESET_LINK_USED));
        assert!(again.reset().await.unwrap().is_none());
    }
    // Another code for the same user (a newer email) still works.
    let newer = link(Some("jane"), Some("654321"));
    assert_eq!(
        open(&state, &testing::session(), &newer).await,
        Ok(crate::paths::RESET_CONFIRM)
    );
}

#[tokio::test]
async fn the_links_code_never_reaches_the_browser_and_is_used_when_none_is_typed() {
    let s = testing::session();
    s.set_reset(&ResetFlow {
        link_code: Some("123456".into()),
        secured: false,
        username: "jane".into(),
        delivery: None,
        sent_at: now(),
        admin_reset: false,
        sent: Default::default(),
        confirmed: false,
    })
    .await
    .unwrap();
    let rule = mock!(Client::confirm_forgot_password)
        .match_requests(|r| r.confirmation_code() == Some("123456"))
        .then_output(|| ConfirmForgotPasswordOutput::builder().build());
    let signout = mock!(Client::admin_user_global_sign_out)
        .then_output(|| AdminUserGlobalSignOutOutput::builder().build());
    let state = testing::state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        [&rule, &signout]
    ));
    // The page's state (HTML and the JSON of `/api/reset/confirm-state`) holds no code.
    let page = confirm_state_of(&state, &s, false).await.unwrap();
    assert_eq!(page.form.field(crate::paths::field::CODE), "");
    let json = serde_json::to_string(&page).unwrap();
    assert!(!json.contains("123456"), "{json}");
    let flow = page.flow.expect("flow");
    assert!(flow.from_link);
    assert_eq!(
        flow.account.as_deref(),
        Some("j***"),
        "which account, masked"
    );
    assert_eq!(masked_account("jane@example.com"), "j***@e***");
    // Posted with no code: the link's is used.
    confirm(&state, &s, "", "Kite-Lamp-9!").await.unwrap();
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn past_the_deployments_ceiling_no_code_is_sent() {
    let first = mock!(Client::forgot_password).then_output(delivered);
    let second = mock!(Client::forgot_password).then_output(delivered);
    let third = mock!(Client::forgot_password).then_output(delivered);
    let state = testing::state_with(
        mock_client!(aws_sdk_cognitoidentityprovider, [&first, &second, &third]),
        &[("CODES_PER_HOUR", "2/1h")],
    );
    for user in ["jane", "john"] {
        assert!(crate::flow::send_code(&state, user).await.is_ok());
    }
    assert!(matches!(
        crate::flow::send_code(&state, "joan").await,
        Err(AppError::RateLimited(_))
    ));
    assert_eq!(third.num_calls(), 0, "Cognito was not asked for the third");
}

#[tokio::test]
async fn an_invited_user_who_never_chose_a_password_gets_a_new_invitation_and_the_same_page() {
    use crate::session::Sent;
    // Cognito refuses `ForgotPassword` for such a user with this message (read, never shown).
    let refused = || {
        crate::exception!(
            ForgotPasswordError::NotAuthorizedException,
            "User password cannot be reset in the current state."
        )
    };
    let unknown = mock!(Client::forgot_password)
        .then_error(|| crate::exception!(ForgotPasswordError::UserNotFoundException));
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&unknown]));
    let s = testing::session();
    request_reset(&state, &s, &testing::user("jane@example.com"))
        .await
        .unwrap();
    let everyone = s.reset().await.unwrap().unwrap().delivery;
    for reinvite in [true, false] {
        let forgot = mock!(Client::forgot_password).then_error(refused);
        let get = mock!(Client::admin_get_user).then_output(testing::invited_user);
        let resend = testing::resend_invitation_by_email();
        let client = mock_client!(
            aws_sdk_cognitoidentityprovider,
            RuleMode::MatchAny,
            [&forgot, &get, &resend]
        );
        let on = if reinvite { "true" } else { "false" };
        let state = testing::state_with(client, &[("REINVITE", on)]);
        let s = testing::session();
        request_reset(&state, &s, &testing::user("jane@example.com"))
            .await
            .unwrap();
        let flow = s.reset().await.unwrap().unwrap();
        assert_eq!(
            flow.delivery, everyone,
            "REINVITE={on}: the page everyone gets"
        );
        let sent = if reinvite {
            Sent::Invitation
        } else {
            Sent::ResetCode
        };
        assert_eq!(flow.sent, sent, "REINVITE={on}");
        assert_eq!(resend.num_calls(), usize::from(reinvite), "REINVITE={on}");
        // Every code page says what such a user gets (it cannot say to whom).
        let page = confirm_state_of(&state, &s, false).await.unwrap();
        assert_eq!(page.flow.unwrap().reinvite, reinvite);
    }
}

#[tokio::test]
async fn a_sign_up_never_confirmed_is_confirmed_on_the_reset_page_and_a_reset_code_follows() {
    use crate::session::Sent;
    use aws_sdk_cognitoidentityprovider::operation::confirm_sign_up::ConfirmSignUpOutput;
    // No verified contact: Cognito's answer for an account that never confirmed its sign-up.
    let no_contact = mock!(Client::forgot_password)
        .then_error(|| crate::exception!(ForgotPasswordError::InvalidParameterException));
    let sign_up_code = testing::sign_up_code_sent();
    let confirmed = mock!(Client::confirm_sign_up)
        .match_requests(|r| r.username() == Some("jane") && r.confirmation_code() == Some("123456"))
        .then_output(|| ConfirmSignUpOutput::builder().build());
    let reset_code = mock!(Client::forgot_password).then_output(delivered);
    let state = testing::state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        [&no_contact, &sign_up_code, &confirmed, &reset_code]
    ));
    let s = testing::session();
    request_reset(&state, &s, &testing::user("jane"))
        .await
        .unwrap();
    let flow = s.reset().await.unwrap().unwrap();
    assert_eq!(flow.sent, Sent::SignUpCode);
    let new = testing::new_password("Kite-Lamp-9!", "Kite-Lamp-9!");
    let next = confirm_reset(&state, &s, &testing::code("123456"), &new).await;
    assert_eq!(
        next,
        Ok(crate::paths::RESET_CONFIRM),
        "the reset code's page again"
    );
    let flow = s.reset().await.unwrap().unwrap();
    assert_eq!((flow.sent, flow.confirmed), (Sent::ResetCode, true));
    assert_eq!(reset_code.num_calls(), 1);
    let page = confirm_state_of(&state, &s, false).await.unwrap();
    assert!(
        page.flow.unwrap().confirmed,
        "the page says the account is confirmed"
    );
}
