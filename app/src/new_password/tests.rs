//! New-password challenge logic against a mocked Cognito.

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::{
    operation::{
        admin_user_global_sign_out::{AdminUserGlobalSignOutError, AdminUserGlobalSignOutOutput},
        initiate_auth::InitiateAuthOutput,
        respond_to_auth_challenge::{RespondToAuthChallengeError, RespondToAuthChallengeOutput},
    },
    types::AuthenticationResultType,
    Client,
};
use aws_smithy_mocks::{mock, mock_client};

use super::ssr::*;
use crate::{
    clock::now,
    cognito::{Challenge, Token},
    error::AppError,
    forms::Notice,
    session::{AppSession, ChallengeFlow},
    testing,
};

async fn session_with_challenge(age: i64, required: &[&str]) -> AppSession {
    let s = testing::session();
    s.set_challenge(&ChallengeFlow {
        username: "tom".into(),
        session: Token::from("cognito-session"),
        started_at: now() - age,
        step: Challenge::NewPassword {
            required_attributes: required.iter().map(|a| a.to_string()).collect(),
        },
        secret: None,
    })
    .await
    .unwrap();
    s
}

fn signed_in_output() -> RespondToAuthChallengeOutput {
    RespondToAuthChallengeOutput::builder()
        .authentication_result(
            AuthenticationResultType::builder()
                .access_token("a")
                .refresh_token("r")
                .expires_in(3600)
                .build(),
        )
        .build()
}

#[tokio::test]
async fn every_respond_to_auth_challenge_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(RespondToAuthChallengeError => Result<&'static str, AppError>;
        AliasExistsException => Err(AppError::AttributesRejected),
        CodeMismatchException => Ok("/sign-in"),
        ExpiredCodeException => Ok("/sign-in"),
        ForbiddenException => Err(AppError::Refused),
        InternalErrorException => Err(AppError::Unavailable),
        InvalidEmailRoleAccessPolicyException => Err(AppError::Unexpected),
        InvalidLambdaResponseException => Err(AppError::Unexpected),
        InvalidParameterException => Err(AppError::AttributesRejected),
        InvalidPasswordException => Err(AppError::PasswordRejected),
        InvalidSmsRoleAccessPolicyException => Err(AppError::Unexpected),
        InvalidSmsRoleTrustRelationshipException => Err(AppError::Unexpected),
        InvalidUserPoolConfigurationException => Err(AppError::Unexpected),
        MfaMethodNotFoundException => Err(AppError::Unexpected),
        // An expired or invalid challenge session: back to sign in with a notice.
        NotAuthorizedException => Ok("/sign-in"),
        OperationNotEnabledException => Err(AppError::RegionPaused),
        PasswordHistoryPolicyViolationException => Err(AppError::PasswordReused),
        PasswordResetRequiredException => Err(AppError::Unexpected),
        ResourceNotFoundException => Err(AppError::Unexpected),
        SoftwareTokenMfaNotFoundException => Err(AppError::Unexpected),
        TooManyRequestsException => Err(AppError::TooManyAttempts),
        UnexpectedLambdaException => Err(AppError::Unexpected),
        UserLambdaValidationException => Err(AppError::Refused),
        UserNotConfirmedException => Err(AppError::UserNotConfirmed),
        UserNotFoundException => Err(AppError::Unexpected),
    );
    assert_eq!(cases.len(), 24);
    for (name, make, expected) in cases {
        let rule = mock!(Client::respond_to_auth_challenge).then_error(make);
        let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
        let s = session_with_challenge(0, &[]).await;
        let got = set_new_password(
            &state,
            &s,
            &testing::new_password("Kite-Lamp-9!", "Kite-Lamp-9!"),
            &HashMap::new(),
        )
        .await;
        assert_eq!(got, expected, "{name}");
        if got == Ok("/sign-in") {
            assert!(
                matches!(
                    s.take_notice().await.unwrap(),
                    Some(Notice::ChallengeExpired { .. })
                ),
                "{name}"
            );
        }
    }
}

#[tokio::test]
async fn an_expired_challenge_goes_back_to_sign_in_without_calling_cognito() {
    let rule = mock!(Client::respond_to_auth_challenge).then_output(signed_in_output);
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
    let s = session_with_challenge(181, &[]).await;
    let got = set_new_password(
        &state,
        &s,
        &testing::new_password("Kite-Lamp-9!", "Kite-Lamp-9!"),
        &HashMap::new(),
    )
    .await;
    assert_eq!(got, Ok("/sign-in"));
    assert_eq!(rule.num_calls(), 0);
    assert!(s.challenge().await.unwrap().is_none());
    assert_eq!(
        s.take_notice().await.unwrap(),
        Some(Notice::ChallengeExpired {
            username: "tom".into()
        })
    );
}

#[tokio::test]
async fn required_attributes_are_asked_for_and_sent() {
    let rule = mock!(Client::respond_to_auth_challenge)
        .match_requests(|r| {
            let c = r.challenge_responses().unwrap();
            c.get("userAttributes.given_name").map(String::as_str) == Some("Tom")
                && c.get("NEW_PASSWORD").map(String::as_str) == Some("Kite-Lamp-9!")
                && r.session() == Some("cognito-session")
        })
        .then_output(signed_in_output);
    let signout = mock!(Client::admin_user_global_sign_out)
        .match_requests(|r| r.username() == Some("tom"))
        .then_output(|| AdminUserGlobalSignOutOutput::builder().build());
    // The global sign-out also ends the new tokens, so the app signs in again.
    let again = mock!(Client::initiate_auth)
        .match_requests(|r| {
            r.auth_parameters()
                .and_then(|p| p.get("PASSWORD"))
                .map(String::as_str)
                == Some("Kite-Lamp-9!")
        })
        .then_output(|| {
            InitiateAuthOutput::builder()
                .authentication_result(
                    AuthenticationResultType::builder()
                        .access_token("a2")
                        .refresh_token("r2")
                        .expires_in(3600)
                        .build(),
                )
                .build()
        });
    let state = testing::state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        [&rule, &signout, &again]
    ));
    let s = session_with_challenge(0, &["given_name"]).await;
    let missing = set_new_password(
        &state,
        &s,
        &testing::new_password("Kite-Lamp-9!", "Kite-Lamp-9!"),
        &HashMap::new(),
    )
    .await;
    assert_eq!(
        missing,
        Err(AppError::MissingAttribute("given_name".into()))
    );
    let attrs = HashMap::from([("given_name".to_string(), " Tom ".to_string())]);
    assert_eq!(
        set_new_password(
            &state,
            &s,
            &testing::new_password("Kite-Lamp-9!", "Kite-Lamp-9!"),
            &attrs
        )
        .await,
        Ok("/account")
    );
    let user = s.signed_in().await.unwrap().unwrap();
    assert_eq!(user.tokens.access.expose(), "a2");
    assert!(s.challenge().await.unwrap().is_none());
    assert_eq!((signout.num_calls(), again.num_calls()), (1, 1));
    assert_eq!(
        s.take_notice().await.unwrap(),
        Some(Notice::PasswordSet {
            signed_out_elsewhere: true
        })
    );
}

#[tokio::test]
async fn a_refused_global_sign_out_keeps_the_new_sign_in_and_claims_nothing() {
    let rule = mock!(Client::respond_to_auth_challenge).then_output(signed_in_output);
    let signout = mock!(Client::admin_user_global_sign_out)
        .then_error(|| crate::exception!(AdminUserGlobalSignOutError::NotAuthorizedException));
    let state = testing::state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        [&rule, &signout]
    ));
    let s = session_with_challenge(0, &[]).await;
    assert_eq!(
        set_new_password(
            &state,
            &s,
            &testing::new_password("Kite-Lamp-9!", "Kite-Lamp-9!"),
            &HashMap::new()
        )
        .await,
        Ok("/account")
    );
    assert_eq!(
        s.signed_in().await.unwrap().unwrap().tokens.access.expose(),
        "a"
    );
    assert_eq!(
        s.take_notice().await.unwrap(),
        Some(Notice::PasswordSet {
            signed_out_elsewhere: false
        })
    );
}

#[tokio::test]
async fn skipping_the_sign_in_step_makes_no_call() {
    let rule = mock!(Client::respond_to_auth_challenge).then_output(signed_in_output);
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
    let got = set_new_password(
        &state,
        &testing::session(),
        &testing::new_password("Kite-Lamp-9!", "Kite-Lamp-9!"),
        &HashMap::new(),
    )
    .await;
    assert_eq!(got, Err(AppError::NoChallengeInProgress));
    assert_eq!(rule.num_calls(), 0);
}

#[tokio::test]
async fn a_new_password_followed_by_a_second_factor_still_ends_other_sessions_and_says_so() {
    use aws_sdk_cognitoidentityprovider::types::ChallengeNameType;
    let rule = mock!(Client::respond_to_auth_challenge).then_output(|| {
        RespondToAuthChallengeOutput::builder()
            .challenge_name(ChallengeNameType::SoftwareTokenMfa)
            .session("next-session")
            .build()
    });
    let signout = mock!(Client::admin_user_global_sign_out)
        .match_requests(|r| r.username() == Some("tom"))
        .then_output(|| AdminUserGlobalSignOutOutput::builder().build());
    let state = testing::state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        [&rule, &signout]
    ));
    let s = session_with_challenge(0, &[]).await;
    assert_eq!(
        set_new_password(
            &state,
            &s,
            &testing::new_password("Kite-Lamp-9!", "Kite-Lamp-9!"),
            &HashMap::new()
        )
        .await,
        Ok("/sign-in/code")
    );
    assert_eq!(signout.num_calls(), 1, "other sessions end before the code");
    // The code is right: the chain ends signed in, with the notice.
    let tokens = crate::cognito::Tokens {
        access: Token::from("a"),
        id: None,
        refresh: None,
        expires_in: 3600,
    };
    let next = crate::flow::next_step(
        &state,
        &s,
        "tom",
        crate::cognito::SignIn::Tokens(tokens),
        false,
    )
    .await;
    assert_eq!(next, Ok("/account"));
    assert_eq!(
        s.take_notice().await.unwrap(),
        Some(Notice::PasswordSet {
            signed_out_elsewhere: true
        })
    );
    assert_eq!(signout.num_calls(), 1);
}
