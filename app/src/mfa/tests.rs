//! Second-factor logic against a mocked Cognito: every exception of the calls it makes has a
//! deliberate answer, chains of steps end signed in, steps cannot be skipped, and the user's
//! IP address goes to Cognito with each call.

use aws_sdk_cognitoidentityprovider::{
    operation::{
        associate_software_token::{AssociateSoftwareTokenError, AssociateSoftwareTokenOutput},
        respond_to_auth_challenge::{RespondToAuthChallengeError, RespondToAuthChallengeOutput},
        verify_software_token::{VerifySoftwareTokenError, VerifySoftwareTokenOutput},
    },
    types::{AuthenticationResultType, ChallengeNameType, VerifySoftwareTokenResponseType},
    Client,
};
use aws_smithy_mocks::{mock, mock_client, RuleMode};

use super::ssr::*;
use crate::{
    clock::now,
    cognito::{Challenge, MfaKind, Token},
    error::AppError,
    forms::Notice,
    session::{AppSession, ChallengeFlow},
    testing,
};

async fn session_at(step: Challenge, age: i64) -> AppSession {
    let s = testing::session();
    let secret =
        matches!(step, Challenge::MfaSetup { .. }).then(|| Token::from("JBSWY3DPEHPK3PXP"));
    s.set_challenge(&ChallengeFlow {
        username: "tom".into(),
        session: Token::from("cognito-session"),
        started_at: now() - age,
        step,
        secret,
    })
    .await
    .unwrap();
    s
}

fn totp_step() -> Challenge {
    Challenge::Code {
        kind: MfaKind::Totp,
        destination: None,
    }
}

fn signed_in() -> RespondToAuthChallengeOutput {
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
async fn every_respond_to_auth_challenge_error_on_a_code_has_a_deliberate_answer() {
    let cases = crate::error_cases!(RespondToAuthChallengeError => Result<&'static str, AppError>;
        AliasExistsException => Err(AppError::Unexpected),
        CodeMismatchException => Err(AppError::WrongAppCode),
        ExpiredCodeException => Err(AppError::ExpiredCode),
        ForbiddenException => Err(AppError::Refused),
        InternalErrorException => Err(AppError::Unavailable),
        InvalidEmailRoleAccessPolicyException => Err(AppError::Unexpected),
        InvalidLambdaResponseException => Err(AppError::Unexpected),
        InvalidParameterException => Err(AppError::Unexpected),
        InvalidPasswordException => Err(AppError::Unexpected),
        InvalidSmsRoleAccessPolicyException => Err(AppError::Unexpected),
        InvalidSmsRoleTrustRelationshipException => Err(AppError::Unexpected),
        InvalidUserPoolConfigurationException => Err(AppError::Unexpected),
        MfaMethodNotFoundException => Err(AppError::Unexpected),
        // The challenge session is no longer valid: the step ends like its timer running out.
        NotAuthorizedException => Ok("/sign-in"),
        OperationNotEnabledException => Err(AppError::RegionPaused),
        PasswordHistoryPolicyViolationException => Err(AppError::Unexpected),
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
        let s = session_at(totp_step(), 0).await;
        let got = answer_code(&state, &s, &testing::code("123456")).await;
        assert_eq!(got, expected, "{name}");
        let kept = s.challenge().await.unwrap().is_some();
        assert_eq!(
            kept,
            got.is_err(),
            "{name}: the step stays for another try unless it ended"
        );
    }
}

#[tokio::test]
async fn every_associate_software_token_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(AssociateSoftwareTokenError => Result<&'static str, AppError>;
        ConcurrentModificationException => Err(AppError::Unavailable),
        ForbiddenException => Err(AppError::Refused),
        InternalErrorException => Err(AppError::Unavailable),
        InvalidParameterException => Err(AppError::Unexpected),
        NotAuthorizedException => Err(AppError::ChallengeExpired),
        OperationNotEnabledException => Err(AppError::RegionPaused),
        ResourceNotFoundException => Err(AppError::Unexpected),
        SoftwareTokenMfaNotFoundException => Err(AppError::Unexpected),
    );
    assert_eq!(cases.len(), 8);
    for (name, make, expected) in cases {
        let rule = mock!(Client::associate_software_token).then_error(make);
        let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
        let s = testing::session();
        let setup =
            aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput::builder(
            )
            .challenge_name(ChallengeNameType::MfaSetup)
            .session("s1")
            .challenge_parameters("MFAS_CAN_SETUP", "[\"SOFTWARE_TOKEN_MFA\"]")
            .build();
        let outcome = testing::sign_in_outcome_of(setup);
        let got = crate::flow::next_step(&state, &s, "tom", outcome, true).await;
        assert_eq!(got, expected, "{name}");
    }
}

#[tokio::test]
async fn every_verify_software_token_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(VerifySoftwareTokenError => Result<&'static str, AppError>;
        CodeMismatchException => Err(AppError::WrongAppCode),
        EnableSoftwareTokenMfaException => Err(AppError::WrongAppCode),
        ForbiddenException => Err(AppError::Refused),
        InternalErrorException => Err(AppError::Unavailable),
        InvalidParameterException => Err(AppError::Unexpected),
        InvalidUserPoolConfigurationException => Err(AppError::Unexpected),
        NotAuthorizedException => Ok("/sign-in"),
        OperationNotEnabledException => Err(AppError::RegionPaused),
        PasswordResetRequiredException => Err(AppError::Unexpected),
        ResourceNotFoundException => Err(AppError::Unexpected),
        SoftwareTokenMfaNotFoundException => Err(AppError::Unexpected),
        TooManyRequestsException => Err(AppError::TooManyAttempts),
        UserNotConfirmedException => Err(AppError::UserNotConfirmed),
        UserNotFoundException => Err(AppError::Unexpected),
    );
    assert_eq!(cases.len(), 14);
    for (name, make, expected) in cases {
        let rule = mock!(Client::verify_software_token).then_error(make);
        let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
        let options = vec![MfaKind::Totp];
        let s = session_at(Challenge::MfaSetup { options }, 0).await;
        let got = set_up(&state, &s, &testing::code("123456"), "").await;
        assert_eq!(got, expected, "{name}");
    }
}

#[tokio::test]
async fn select_then_sms_then_signed_in_with_the_users_ip_on_every_call() {
    let select = mock!(Client::respond_to_auth_challenge)
        .match_requests(|r| {
            r.challenge_name() == Some(&ChallengeNameType::SelectMfaType)
                && r.challenge_responses()
                    .and_then(|c| c.get("ANSWER"))
                    .map(String::as_str)
                    == Some("SMS_MFA")
                && r.user_context_data().and_then(|u| u.ip_address()) == Some("192.0.2.7")
        })
        .then_output(|| {
            RespondToAuthChallengeOutput::builder()
                .challenge_name(ChallengeNameType::SmsMfa)
                .session("s2")
                .challenge_parameters("CODE_DELIVERY_DESTINATION", "+*******0123")
                .build()
        });
    let code = mock!(Client::respond_to_auth_challenge)
        .match_requests(|r| {
            r.challenge_name() == Some(&ChallengeNameType::SmsMfa)
                && r.session() == Some("s2")
                && r.challenge_responses()
                    .and_then(|c| c.get("SMS_MFA_CODE"))
                    .map(String::as_str)
                    == Some("654321")
                && r.user_context_data().and_then(|u| u.ip_address()) == Some("192.0.2.7")
        })
        .then_output(signed_in);
    let mut state = testing::state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        [&select, &code]
    ));
    state.cognito = state.cognito.for_user_at("192.0.2.7".parse().unwrap());
    let options = vec![MfaKind::Totp, MfaKind::Sms];
    let s = session_at(Challenge::SelectMfa { options }, 0).await;
    assert_eq!(choose(&state, &s, "SMS_MFA").await, Ok("/sign-in/code"));
    let (view, left, _) = step_view(&state, &s, true).await.unwrap();
    assert!(left > 0);
    assert_eq!(
        view,
        Some(super::StepView::Code {
            kind: MfaKind::Sms,
            destination: Some("+*******0123".into())
        })
    );
    assert_eq!(
        answer_code(&state, &s, &testing::code(" 654321 ")).await,
        Ok("/account")
    );
    assert!(s.signed_in().await.unwrap().is_some());
    assert!(
        s.challenge().await.unwrap().is_none(),
        "the challenge is gone"
    );
    assert_eq!((select.num_calls(), code.num_calls()), (1, 1));
}

#[tokio::test]
async fn an_email_code_shows_the_apps_own_mask() {
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, []));
    let step = Challenge::Code {
        kind: MfaKind::Email,
        destination: Some("t***@e***.com".into()),
    };
    let s = session_at(step, 0).await;
    let (view, _, _) = step_view(&state, &s, true).await.unwrap();
    assert_eq!(
        view,
        Some(super::StepView::Code {
            kind: MfaKind::Email,
            destination: Some("t***@e***".into())
        })
    );
}

#[tokio::test]
async fn mfa_setup_associates_once_verifies_and_finishes_signed_in() {
    let associate = mock!(Client::associate_software_token)
        .match_requests(|r| r.session() == Some("s1"))
        .then_output(|| {
            AssociateSoftwareTokenOutput::builder()
                .secret_code("JBSWY3DPEHPK3PXP")
                .session("s2")
                .build()
        });
    let verify = mock!(Client::verify_software_token)
        .match_requests(|r| {
            r.session() == Some("s2")
                && r.user_code() == Some("123456")
                && r.friendly_device_name() == Some("Authenticator app")
        })
        .then_output(|| {
            VerifySoftwareTokenOutput::builder()
                .status(VerifySoftwareTokenResponseType::Success)
                .session("s3")
                .build()
        });
    let respond = mock!(Client::respond_to_auth_challenge)
        .match_requests(|r| {
            r.challenge_name() == Some(&ChallengeNameType::MfaSetup) && r.session() == Some("s3")
        })
        .then_output(signed_in);
    let state = testing::state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        [&associate, &verify, &respond]
    ));
    let s = testing::session();
    let setup =
        aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput::builder()
            .challenge_name(ChallengeNameType::MfaSetup)
            .session("s1")
            .challenge_parameters("MFAS_CAN_SETUP", "[\"SOFTWARE_TOKEN_MFA\"]")
            .build();
    let outcome = testing::sign_in_outcome_of(setup);
    let page = crate::flow::next_step(&state, &s, "tom", outcome, true).await;
    assert_eq!(page, Ok("/sign-in/setup"));
    // The page shows the key and its QR code; loading it again calls nothing.
    for _ in 0..2 {
        let (view, _, _) = step_view(&state, &s, true).await.unwrap();
        let Some(super::StepView::Setup { totp: Some(t), .. }) = view else {
            panic!("{view:?}")
        };
        assert_eq!(t.key, "JBSW Y3DP EHPK 3PXP");
        assert!(t.qr_svg.starts_with("<svg"), "{}", &t.qr_svg[..40]);
    }
    // Not in a JSON answer.
    let (view, _, _) = step_view(&state, &s, false).await.unwrap();
    assert!(matches!(
        view,
        Some(super::StepView::Setup { totp: None, .. })
    ));
    assert_eq!(associate.num_calls(), 1);
    // Skipping to the code step is refused.
    assert_eq!(
        answer_code(&state, &s, &testing::code("123456")).await,
        Err(AppError::NoChallengeInProgress)
    );
    assert_eq!(
        set_up(&state, &s, &testing::code("123456"), "  ").await,
        Ok("/account")
    );
    assert_eq!((verify.num_calls(), respond.num_calls()), (1, 1));
    assert!(s.signed_in().await.unwrap().is_some());
}

#[tokio::test]
async fn a_step_past_its_time_ends_with_the_reason_and_calls_nothing() {
    let rule = mock!(Client::respond_to_auth_challenge).then_output(signed_in);
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
    let s = session_at(totp_step(), 181).await;
    assert_eq!(
        answer_code(&state, &s, &testing::code("123456")).await,
        Ok("/sign-in")
    );
    assert_eq!(rule.num_calls(), 0);
    assert_eq!(
        s.take_notice().await.unwrap(),
        Some(Notice::StepExpired {
            username: "tom".into()
        })
    );
}

#[tokio::test]
async fn send_a_new_code_restarts_sign_in_without_the_password() {
    let s = session_at(
        Challenge::Code {
            kind: MfaKind::Sms,
            destination: None,
        },
        0,
    )
    .await;
    assert_eq!(restart(&s).await, Ok("/sign-in"));
    assert!(s.challenge().await.unwrap().is_none());
    assert_eq!(
        s.take_notice().await.unwrap(),
        Some(Notice::CodeAgain {
            username: "tom".into()
        })
    );
}

#[tokio::test]
async fn a_factor_that_was_not_offered_is_refused() {
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, []));
    let s = session_at(
        Challenge::SelectMfa {
            options: vec![MfaKind::Totp],
        },
        0,
    )
    .await;
    assert_eq!(
        choose(&state, &s, "SMS_MFA").await,
        Err(AppError::Missing(crate::error::Field::Factor))
    );
}

#[tokio::test]
async fn choice_based_sign_in_without_a_password_picks_an_email_code() {
    use aws_sdk_cognitoidentityprovider::{
        operation::initiate_auth::InitiateAuthOutput, types::AuthFlowType,
    };
    let start = mock!(Client::initiate_auth)
        .match_requests(|r| {
            let p = r.auth_parameters().unwrap();
            r.auth_flow() == Some(&AuthFlowType::UserAuth)
                && p.get("USERNAME").map(String::as_str) == Some("tom")
                && !p.contains_key("PASSWORD")
                && !p.contains_key("PREFERRED_CHALLENGE")
        })
        .then_output(|| {
            InitiateAuthOutput::builder()
                .challenge_name(ChallengeNameType::SelectChallenge)
                .session("s1")
                .available_challenges(ChallengeNameType::Password)
                .available_challenges(ChallengeNameType::EmailOtp)
                .available_challenges(ChallengeNameType::WebAuthn)
                .build()
        });
    let select = mock!(Client::respond_to_auth_challenge)
        .match_requests(|r| {
            r.challenge_name() == Some(&ChallengeNameType::SelectChallenge)
                && r.challenge_responses()
                    .and_then(|c| c.get("ANSWER"))
                    .map(String::as_str)
                    == Some("EMAIL_OTP")
        })
        .then_output(|| {
            RespondToAuthChallengeOutput::builder()
                .challenge_name(ChallengeNameType::EmailOtp)
                .session("s2")
                .challenge_parameters("CODE_DELIVERY_DESTINATION", "t***@e***.com")
                .build()
        });
    let code = mock!(Client::respond_to_auth_challenge)
        .match_requests(|r| {
            r.challenge_name() == Some(&ChallengeNameType::EmailOtp)
                && r.challenge_responses()
                    .and_then(|c| c.get("EMAIL_OTP_CODE"))
                    .map(String::as_str)
                    == Some("12345678")
        })
        .then_output(signed_in);
    let state = testing::state_with(
        mock_client!(
            aws_sdk_cognitoidentityprovider,
            RuleMode::MatchAny,
            [&start, &select, &code]
        ),
        &[("SIGN_IN_FLOW", "choice")],
    );
    let s = testing::session();
    // What the sign-in page does without a password (that flow's own tests cover the page).
    let user = testing::user("tom");
    let started = state.cognito.sign_in_choice(&user, None).await.unwrap();
    let page = crate::flow::next_step(&state, &s, &user, started, true).await;
    assert_eq!(page, Ok("/sign-in/choose"));
    let (view, _, _) = step_view(&state, &s, true).await.unwrap();
    use crate::cognito::Factor;
    assert_eq!(
        view,
        Some(super::StepView::ChooseFactor {
            options: vec![
                Factor::Password,
                Factor::Code(MfaKind::Email),
                Factor::Passkey
            ]
        })
    );
    assert_eq!(
        choose(&state, &s, "WEB_AUTHN").await,
        Err(AppError::Missing(crate::error::Field::Factor)),
        "a passkey is chosen by its island (the browser's ceremony), not by this form"
    );
    assert_eq!(choose(&state, &s, "EMAIL_OTP").await, Ok("/sign-in/code"));
    assert_eq!(
        answer_code(&state, &s, &testing::code("12345678")).await,
        Ok("/account")
    );
    assert_eq!(
        (start.num_calls(), select.num_calls(), code.num_calls()),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn the_reset_calls_carry_the_users_ip_too() {
    use aws_sdk_cognitoidentityprovider::operation::{
        confirm_forgot_password::ConfirmForgotPasswordOutput, forgot_password::ForgotPasswordOutput,
    };
    let forgot = mock!(Client::forgot_password)
        .match_requests(|r| {
            r.user_context_data().and_then(|u| u.ip_address()) == Some("198.51.100.4")
        })
        .then_output(|| ForgotPasswordOutput::builder().build());
    let confirm = mock!(Client::confirm_forgot_password)
        .match_requests(|r| {
            r.user_context_data().and_then(|u| u.ip_address()) == Some("198.51.100.4")
        })
        .then_output(|| ConfirmForgotPasswordOutput::builder().build());
    let state = testing::state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        [&forgot, &confirm]
    ));
    let c = state.cognito.for_user_at("198.51.100.4".parse().unwrap());
    c.forgot_password("tom").await.unwrap();
    c.confirm_forgot_password("tom", "1", "Kite-Lamp-9!")
        .await
        .unwrap();
    assert_eq!((forgot.num_calls(), confirm.num_calls()), (1, 1));
}
