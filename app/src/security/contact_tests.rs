//! The email and phone section against a mocked Cognito (moto has no attribute verification;
//! `scripts/moto_server.py` emulates it for the end-to-end tests).

use aws_sdk_cognitoidentityprovider::{
    operation::{
        get_user::GetUserOutput,
        get_user_attribute_verification_code::GetUserAttributeVerificationCodeOutput,
        update_user_attributes::{UpdateUserAttributesError, UpdateUserAttributesOutput},
        verify_user_attribute::{VerifyUserAttributeError, VerifyUserAttributeOutput},
    },
    types::{AttributeType, CodeDeliveryDetailsType, DeliveryMediumType},
    Client,
};
use aws_smithy_mocks::{mock, mock_client, RuleMode};

use super::contact::ssr::{change, send, verify};
use crate::flow::input::is_email;
use crate::{
    clock::now,
    error::AppError,
    forms::{Medium, Notice},
    notify::Change,
    session::{AppSession, Verifying},
    testing,
};

use testing::signed_in;

fn attr(name: &str, value: &str) -> AttributeType {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .unwrap()
}

fn jane_verified() -> GetUserOutput {
    GetUserOutput::builder()
        .username("jane")
        .user_attributes(attr("email", "jane@example.com"))
        .user_attributes(attr("email_verified", "true"))
        .build()
        .unwrap()
}

fn code_to(destination: &'static str) -> CodeDeliveryDetailsType {
    CodeDeliveryDetailsType::builder()
        .destination(destination)
        .delivery_medium(DeliveryMediumType::Email)
        .attribute_name("email")
        .build()
}

#[test]
fn an_email_address_is_checked_before_cognito_is_asked() {
    for ok in ["jane@example.com", "a.b+c@sub.example.org"] {
        assert!(is_email(ok), "{ok}");
    }
    for bad in [
        "",
        "jane",
        "jane@",
        "@example.com",
        "jane@example",
        "ja ne@example.com",
        "a@b@c.com",
        "jane@.com",
    ] {
        assert!(!is_email(bad), "{bad}");
    }
}

#[tokio::test]
async fn a_new_email_needs_the_step_up_and_a_valid_address_and_tells_the_old_one() {
    let get = mock!(Client::get_user).then_output(jane_verified);
    let update = mock!(Client::update_user_attributes)
        .match_requests(|r| {
            r.user_attributes().first().map(|a| (a.name(), a.value()))
                == Some(("email", Some("new@example.org")))
        })
        .then_output(|| {
            UpdateUserAttributesOutput::builder()
                .code_delivery_details_list(code_to("n***@e***"))
                .build()
        });
    let client = mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        [&get, &update]
    );
    let state = testing::state(client);
    // Checked before anything else: what was typed.
    let s = signed_in(0).await;
    assert_eq!(
        change(&state, &s, "not-an-address", "").await,
        Err(AppError::BadEmail)
    );
    assert_eq!(
        change(&state, &s, "", "12 34").await,
        Err(AppError::BadPhone)
    );
    // A sign-in too long ago: the password first.
    let stale = signed_in(3600).await;
    assert_eq!(
        change(&state, &stale, "new@example.org", "").await,
        Err(AppError::StepUpRequired)
    );
    assert_eq!(
        change(&state, &s, "JANE@example.com", "").await,
        Err(AppError::SameContact)
    );
    assert_eq!(update.num_calls(), 0);
    let (next, what, old) = change(&state, &s, " new@example.org ", "").await.unwrap();
    assert_eq!(next, crate::paths::ACCOUNT_SECURITY);
    assert_eq!(what, Change::EmailChanged);
    assert_eq!(
        old.as_deref(),
        Some("jane@example.com"),
        "the old address is told"
    );
    let v = s.verifying().await.unwrap().expect("its code is asked for");
    assert_eq!((v.contact, v.changed), (Medium::Email, true));
    assert_eq!(v.delivery.unwrap().destination, "n***@e***");
}

#[tokio::test]
async fn a_phone_number_is_taken_as_people_write_it() {
    let get = mock!(Client::get_user).then_output(jane_verified);
    let update = mock!(Client::update_user_attributes)
        .match_requests(|r| {
            r.user_attributes().first().and_then(|a| a.value()) == Some("+442079460958")
        })
        .then_output(|| UpdateUserAttributesOutput::builder().build());
    let client = mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        [&get, &update]
    );
    let state = testing::state(client);
    let s = signed_in(0).await;
    let (_, what, _) = change(&state, &s, "", "+44 20 7946 0958").await.unwrap();
    assert_eq!(what, Change::PhoneChanged);
    assert_eq!(update.num_calls(), 1);
}

#[tokio::test]
async fn every_update_user_attributes_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(UpdateUserAttributesError => AppError;
        AliasExistsException => AppError::ContactTaken,
        CodeDeliveryFailureException => AppError::CodeNotDelivered,
        CodeMismatchException => AppError::Unexpected,
        ExpiredCodeException => AppError::Unexpected,
        ForbiddenException => AppError::Refused,
        InternalErrorException => AppError::Unavailable,
        InvalidEmailRoleAccessPolicyException => AppError::Unexpected,
        InvalidLambdaResponseException => AppError::Unexpected,
        InvalidParameterException => AppError::BadEmail,
        InvalidSmsRoleAccessPolicyException => AppError::Unexpected,
        InvalidSmsRoleTrustRelationshipException => AppError::Unexpected,
        NotAuthorizedException => AppError::SessionEnded,
        OperationNotEnabledException => AppError::RegionPaused,
        PasswordResetRequiredException => AppError::SessionEnded,
        ResourceNotFoundException => AppError::Unexpected,
        TooManyRequestsException => AppError::TooManyAttempts,
        UnexpectedLambdaException => AppError::Unexpected,
        UserLambdaValidationException => AppError::Refused,
        UserNotConfirmedException => AppError::UserNotConfirmed,
        UserNotFoundException => AppError::SessionEnded,
    );
    assert_eq!(cases.len(), 20);
    for (name, make, expected) in cases {
        let get = mock!(Client::get_user).then_output(jane_verified);
        let update = mock!(Client::update_user_attributes).then_error(make);
        let client = mock_client!(
            aws_sdk_cognitoidentityprovider,
            RuleMode::MatchAny,
            [&get, &update]
        );
        let state = testing::state(client);
        let s = signed_in(0).await;
        let got = change(&state, &s, "new@example.org", "").await.map(|_| ());
        assert_eq!(got, Err(expected), "{name}");
    }
}

async fn verifying(s: &AppSession, sent_ago: i64) {
    s.set_verifying(Some(&Verifying {
        contact: Medium::Email,
        delivery: None,
        sent_at: now() - sent_ago,
        changed: false,
    }))
    .await
    .unwrap();
}

#[tokio::test]
async fn the_code_verifies_the_contact_and_the_page_says_so() {
    let rule = mock!(Client::verify_user_attribute)
        .match_requests(|r| r.attribute_name() == Some("email") && r.code() == Some("123456"))
        .then_output(|| VerifyUserAttributeOutput::builder().build());
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
    let s = signed_in(0).await;
    assert_eq!(
        verify(&state, &s, testing::code("123456")).await,
        Err(AppError::NoChallengeInProgress),
        "no code was sent"
    );
    verifying(&s, 0).await;
    assert_eq!(
        verify(&state, &s, testing::code("123 456")).await,
        Ok(crate::paths::ACCOUNT_SECURITY)
    );
    assert!(s.verifying().await.unwrap().is_none());
    assert_eq!(
        s.take_notice().await.unwrap(),
        Some(Notice::ContactVerified)
    );
}

#[tokio::test]
async fn every_verify_user_attribute_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(VerifyUserAttributeError => AppError;
        AliasExistsException => AppError::ContactTaken,
        CodeMismatchException => AppError::WrongCode,
        ExpiredCodeException => AppError::ExpiredCode,
        ForbiddenException => AppError::Refused,
        InternalErrorException => AppError::Unavailable,
        InvalidParameterException => AppError::MfaMethodUnavailable,
        LimitExceededException => AppError::TooManyAttempts,
        NotAuthorizedException => AppError::SessionEnded,
        OperationNotEnabledException => AppError::RegionPaused,
        PasswordResetRequiredException => AppError::SessionEnded,
        ResourceNotFoundException => AppError::Unexpected,
        TooManyRequestsException => AppError::TooManyAttempts,
        UserNotConfirmedException => AppError::UserNotConfirmed,
        UserNotFoundException => AppError::SessionEnded,
    );
    assert_eq!(cases.len(), 14);
    for (name, make, expected) in cases {
        let rule = mock!(Client::verify_user_attribute).then_error(make);
        let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
        let s = signed_in(0).await;
        verifying(&s, 0).await;
        assert_eq!(
            verify(&state, &s, testing::code("123456")).await,
            Err(expected),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_code_is_sent_again_only_after_the_cooldown() {
    let rule = mock!(Client::get_user_attribute_verification_code)
        .match_requests(|r| r.attribute_name() == Some("email"))
        .then_output(|| {
            GetUserAttributeVerificationCodeOutput::builder()
                .code_delivery_details(code_to("j***@e***.com"))
                .build()
        });
    let client = mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, [&rule]);
    let state = testing::state(client);
    let s = signed_in(0).await;
    assert_eq!(
        send(&state, &s, None).await,
        Err(AppError::NoChallengeInProgress)
    );
    assert_eq!(
        send(&state, &s, Some("fax")).await,
        Err(AppError::BadRequest)
    );
    assert_eq!(
        send(&state, &s, Some("email")).await,
        Ok(crate::paths::ACCOUNT_SECURITY)
    );
    let v = s.verifying().await.unwrap().unwrap();
    assert_eq!(v.delivery.unwrap().destination, "j***@e***");
    assert!(matches!(
        send(&state, &s, None).await,
        Err(AppError::ResendCooldown(_))
    ));
    verifying(&s, 120).await;
    assert_eq!(
        send(&state, &s, None).await,
        Ok(crate::paths::ACCOUNT_SECURITY)
    );
    assert_eq!(rule.num_calls(), 2);
}
