//! The sign-up's confirmation against a mocked Cognito: every `ConfirmSignUp` exception has a
//! deliberate answer; resend honours the cooldown (moto has no `ResendConfirmationCode`; the
//! launcher's emulation runs the same path in `server/tests/api/stuck.rs`).

use aws_sdk_cognitoidentityprovider::{
    operation::confirm_sign_up::{ConfirmSignUpError, ConfirmSignUpOutput},
    Client,
};
use aws_smithy_mocks::{mock, mock_client};

use super::ssr::{confirm, resend};
use crate::{
    clock::now,
    error::AppError,
    forms::Notice,
    session::{Stuck, StuckFlow},
    testing,
};

async fn pending(sent_ago: i64) -> crate::session::AppSession {
    let s = testing::session();
    s.start_stuck(&StuckFlow {
        username: "jane".into(),
        state: Stuck::NotConfirmed,
        delivery: None,
        sent_at: now() - sent_ago,
    })
    .await
    .unwrap();
    s
}

#[tokio::test]
async fn every_confirm_sign_up_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(ConfirmSignUpError => Result<(), AppError>;
        AliasExistsException => Err(AppError::Unexpected),
        CodeMismatchException => Err(AppError::WrongCode),
        ExpiredCodeException => Err(AppError::ExpiredCode),
        ForbiddenException => Err(AppError::Refused),
        InternalErrorException => Err(AppError::Unavailable),
        InvalidLambdaResponseException => Err(AppError::Unexpected),
        InvalidParameterException => Err(AppError::Unexpected),
        LimitExceededException => Err(AppError::TooManyAttempts),
        NotAuthorizedException => Err(AppError::WrongCode),
        OperationNotEnabledException => Err(AppError::RegionPaused),
        ResourceNotFoundException => Err(AppError::Unexpected),
        TooManyFailedAttemptsException => Err(AppError::TooManyAttempts),
        TooManyRequestsException => Err(AppError::TooManyAttempts),
        UnexpectedLambdaException => Err(AppError::Unexpected),
        UserLambdaValidationException => Err(AppError::Refused),
        UserNotFoundException => Err(AppError::WrongCode),
    );
    assert_eq!(cases.len(), 16);
    for (name, make, expected) in cases {
        let rule = mock!(Client::confirm_sign_up).then_error(make);
        let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
        let s = pending(0).await;
        assert_eq!(
            confirm(&state, &s, testing::code("123456")).await,
            expected,
            "{name}"
        );
        assert!(s.stuck().await.unwrap().is_some(), "{name}: the flow stays");
    }
}

#[tokio::test]
async fn the_right_code_confirms_and_sign_in_asks_for_the_password_with_the_username_filled_in() {
    let rule = mock!(Client::confirm_sign_up)
        .match_requests(|r| r.username() == Some("jane") && r.confirmation_code() == Some("123456"))
        .then_output(|| ConfirmSignUpOutput::builder().build());
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
    let s = pending(0).await;
    assert_eq!(
        confirm(&state, &s, testing::code(" 123 456 ")).await,
        Ok(())
    );
    assert_eq!(
        s.take_notice().await.unwrap(),
        Some(Notice::SignUpConfirmed {
            username: "jane".into()
        })
    );
    assert!(s.stuck().await.unwrap().is_none());
    // Five digits is a typing slip, answered before Cognito is asked.
    let s = pending(0).await;
    assert_eq!(
        confirm(&state, &s, testing::code("12345")).await,
        Err(AppError::CodeLength(6))
    );
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn resend_waits_for_the_cooldown_then_sends_the_sign_up_code_again() {
    let sent = testing::sign_up_code_sent();
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&sent]));
    assert!(matches!(
        resend(&state, &pending(5).await).await,
        Err(AppError::ResendCooldown(_))
    ));
    let s = pending(120).await;
    assert_eq!(resend(&state, &s).await, Ok(()));
    assert_eq!(sent.num_calls(), 1);
    let flow = s.stuck().await.unwrap().unwrap();
    assert_eq!(flow.delivery.unwrap().destination, "j***@e***");
    assert!(now() - flow.sent_at < 5);
    // Without the sign-in that found the account, nothing is sent.
    assert_eq!(
        resend(&state, &testing::session()).await,
        Err(AppError::NoChallengeInProgress)
    );
}
