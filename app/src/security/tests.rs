//! The security page's logic against a mocked Cognito: the step-up, the required-MFA rule,
//! and every call it makes with each of its exceptions.

use aws_sdk_cognitoidentityprovider::{
    operation::{
        associate_software_token::{AssociateSoftwareTokenError, AssociateSoftwareTokenOutput},
        complete_web_authn_registration::CompleteWebAuthnRegistrationError,
        delete_web_authn_credential::DeleteWebAuthnCredentialError,
        forget_device::ForgetDeviceError,
        get_user::{GetUserError, GetUserOutput},
        global_sign_out::{GlobalSignOutError, GlobalSignOutOutput},
        initiate_auth::{InitiateAuthError, InitiateAuthOutput},
        list_devices::{ListDevicesError, ListDevicesOutput},
        list_web_authn_credentials::ListWebAuthnCredentialsError,
        revoke_token::RevokeTokenOutput,
        set_user_mfa_preference::{SetUserMFAPreferenceError, SetUserMfaPreferenceOutput},
        start_web_authn_registration::StartWebAuthnRegistrationError,
        verify_software_token::{VerifySoftwareTokenError, VerifySoftwareTokenOutput},
    },
    types::{AttributeType, AuthenticationResultType, DeviceType, VerifySoftwareTokenResponseType},
    Client,
};
use aws_smithy_mocks::{mock, mock_client, RuleMode};

use super::ssr::*;
use crate::{
    cognito::{MfaPreference, Token, Tokens, UserSecurity},
    error::AppError,
    forms::{MfaKind, Notice},
    pool::{MfaRule, PoolFeatures},
    state::AppState,
    testing,
};

const ALL: &str = "optional,totp,sms,email,passkeys,devices";

use testing::signed_in as session_signed_in;

fn state(client: Client) -> AppState {
    testing::state_with(client, &[("POOL_FEATURES", ALL)])
}

/// Runs `$call` once per row of `$cases`, with `$op` failing that way, and checks the answer.
macro_rules! each_error {
    ($op:ident, $cases:expr, |$st:ident, $s:ident| $call:expr) => {{
        let cases = $cases;
        assert!(!cases.is_empty());
        for (name, make, expected) in cases {
            let rule = mock!(Client::$op)
                .sequence()
                .error(make)
                .repeatedly()
                .build();
            let $st = state(mock_client!(
                aws_sdk_cognitoidentityprovider,
                RuleMode::MatchAny,
                [&rule]
            ));
            let $s = session_signed_in(0).await;
            let got = $call.await.map(|_| ());
            assert_eq!(got, Err(expected), "{name}");
        }
    }};
}

fn user(mfa: &[MfaKind], preferred: Option<MfaKind>) -> UserSecurity {
    UserSecurity {
        mfa: mfa.to_vec(),
        preferred,
        email: Some("jane@example.com".into()),
        email_verified: true,
        phone: Some("+15555550100".into()),
        phone_verified: false,
    }
}

fn features(mfa: MfaRule) -> PoolFeatures {
    PoolFeatures {
        mfa,
        totp: true,
        sms: true,
        email: true,
        passkeys: true,
        devices: true,
        ..PoolFeatures::default()
    }
}

fn pref(kind: MfaKind, enabled: bool, preferred: bool) -> MfaPreference {
    MfaPreference {
        kind,
        enabled,
        preferred,
    }
}

#[test]
fn when_the_pool_requires_mfa_the_last_method_stays_on() {
    let only_totp = user(&[MfaKind::Totp], Some(MfaKind::Totp));
    let required = features(MfaRule::Required);
    assert_eq!(
        plan(&required, &only_totp, MfaKind::Totp, "off"),
        Err(AppError::LastMfaMethod)
    );
    // Optional MFA: it may go.
    assert_eq!(
        plan(
            &features(MfaRule::Optional),
            &only_totp,
            MfaKind::Totp,
            "off"
        ),
        Ok(vec![pref(MfaKind::Totp, false, false)])
    );
    // With a second method on, the preferred one may go and the other takes its place.
    let two = user(&[MfaKind::Totp, MfaKind::Email], Some(MfaKind::Totp));
    assert_eq!(
        plan(&required, &two, MfaKind::Totp, "off"),
        Ok(vec![
            pref(MfaKind::Totp, false, false),
            pref(MfaKind::Email, true, true)
        ])
    );
}

#[test]
fn a_method_is_turned_on_only_where_the_pool_allows_it_and_the_contact_is_verified() {
    let none = user(&[], None);
    let f = features(MfaRule::Optional);
    // Email is verified: on, and preferred as the first method.
    assert_eq!(
        plan(&f, &none, MfaKind::Email, "on"),
        Ok(vec![pref(MfaKind::Email, true, true)])
    );
    // The phone is not verified.
    assert_eq!(
        plan(&f, &none, MfaKind::Sms, "on"),
        Err(AppError::MfaMethodUnavailable)
    );
    // The authenticator app has its own form.
    assert_eq!(
        plan(&f, &none, MfaKind::Totp, "on"),
        Err(AppError::MfaMethodUnavailable)
    );
    let no_email = PoolFeatures {
        email: false,
        ..f.clone()
    };
    assert_eq!(
        plan(&no_email, &none, MfaKind::Email, "on"),
        Err(AppError::MfaMethodUnavailable)
    );
    let off = features(MfaRule::Off);
    assert_eq!(
        plan(&off, &none, MfaKind::Email, "on"),
        Err(AppError::MfaMethodUnavailable)
    );
    // Prefer: only a method that is on; anything else is a bad request.
    let two = user(&[MfaKind::Totp, MfaKind::Email], Some(MfaKind::Totp));
    assert_eq!(
        plan(&f, &two, MfaKind::Email, "prefer"),
        Ok(vec![pref(MfaKind::Email, true, true)])
    );
    assert_eq!(
        plan(&f, &none, MfaKind::Email, "prefer"),
        Err(AppError::MfaMethodUnavailable)
    );
    assert_eq!(
        plan(&f, &two, MfaKind::Email, "maybe"),
        Err(AppError::BadRequest)
    );
    // Already so: nothing to change.
    assert_eq!(plan(&f, &two, MfaKind::Email, "on"), Ok(vec![]));
    assert_eq!(plan(&f, &none, MfaKind::Email, "off"), Ok(vec![]));
}

#[tokio::test]
async fn a_change_long_after_the_sign_in_asks_for_the_password_first() {
    // No Cognito call may happen: the client has no rules.
    let st = state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        []
    ));
    let s = session_signed_in(301).await;
    assert_eq!(totp_begin(&st, &s).await, Err(AppError::StepUpRequired));
    assert_eq!(
        mfa_change(&st, &s, "EMAIL_OTP", "on").await,
        Err(AppError::StepUpRequired)
    );
    assert_eq!(
        forget_device(&st, &s, "k").await,
        Err(AppError::StepUpRequired)
    );
    assert_eq!(
        delete_passkey(&st, &s, "p").await,
        Err(AppError::StepUpRequired)
    );
    assert_eq!(
        passkey_options(&st, &s).await,
        Err(AppError::StepUpRequired)
    );
    assert_eq!(
        passkey_add(&st, &s, "{}").await,
        Err(AppError::StepUpRequired)
    );
    // Signed out: nothing either.
    let out = testing::session();
    assert_eq!(totp_begin(&st, &out).await, Err(AppError::NotSignedIn));
}

#[tokio::test]
async fn the_password_again_makes_a_fresh_sign_in_and_revokes_the_old_one() {
    let auth = mock!(Client::initiate_auth)
        .match_requests(|r| {
            r.auth_parameters()
                .unwrap()
                .get("PASSWORD")
                .map(String::as_str)
                == Some("Pass-word-1")
        })
        .then_output(|| {
            InitiateAuthOutput::builder()
                .authentication_result(
                    AuthenticationResultType::builder()
                        .access_token("fresh-access")
                        .refresh_token("fresh-refresh")
                        .expires_in(3600)
                        .build(),
                )
                .build()
        });
    let revoke = mock!(Client::revoke_token)
        .match_requests(|r| r.token() == Some("old-refresh"))
        .then_output(|| RevokeTokenOutput::builder().build());
    let st = state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        [&auth, &revoke]
    ));
    let s = session_signed_in(3000).await;
    assert!(!is_confirmed(&st, &s.signed_in().await.unwrap().unwrap()));
    let next = confirm(&st, &s, &testing::secret("Pass-word-1")).await;
    assert_eq!(next, Ok(crate::paths::ACCOUNT_SECURITY));
    let user = s.signed_in().await.unwrap().unwrap();
    assert!(is_confirmed(&st, &user));
    assert_eq!(user.tokens.access.expose(), "fresh-access");
    assert_eq!(revoke.num_calls(), 1);
    assert_eq!(
        confirm(&st, &s, &testing::secret("")).await,
        Err(AppError::Missing(crate::error::Field::CurrentPassword))
    );
}

#[tokio::test]
async fn every_step_up_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(InitiateAuthError => AppError;
        FeatureUnavailableInTierException => AppError::Unexpected,
        ForbiddenException => AppError::Refused,
        InternalErrorException => AppError::Unavailable,
        InvalidEmailRoleAccessPolicyException => AppError::Unexpected,
        InvalidLambdaResponseException => AppError::Unexpected,
        InvalidParameterException => AppError::MfaMethodUnavailable,
        InvalidSmsRoleAccessPolicyException => AppError::Unexpected,
        InvalidSmsRoleTrustRelationshipException => AppError::Unexpected,
        InvalidUserPoolConfigurationException => AppError::Unexpected,
        // The wrong password.
        NotAuthorizedException => AppError::WrongCurrentPassword,
        OperationNotEnabledException => AppError::RegionPaused,
        PasswordResetRequiredException => AppError::SessionEnded,
        ResourceNotFoundException => AppError::Unexpected,
        TooManyRequestsException => AppError::TooManyAttempts,
        UnexpectedLambdaException => AppError::Unexpected,
        UnsupportedOperationException => AppError::Unexpected,
        UserLambdaValidationException => AppError::Refused,
        UserNotConfirmedException => AppError::UserNotConfirmed,
        UserNotFoundException => AppError::WrongCurrentPassword,
    );
    assert_eq!(cases.len(), 19);
    each_error!(initiate_auth, cases, |st, s| confirm(
        &st,
        &s,
        &testing::secret("Pass-word-1")
    ));
}

#[tokio::test]
async fn every_get_user_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(GetUserError => AppError;
        ForbiddenException => AppError::Refused,
        InternalErrorException => AppError::Unavailable,
        InvalidParameterException => AppError::MfaMethodUnavailable,
        NotAuthorizedException => AppError::SessionEnded,
        OperationNotEnabledException => AppError::RegionPaused,
        PasswordResetRequiredException => AppError::SessionEnded,
        ResourceNotFoundException => AppError::Unexpected,
        TooManyRequestsException => AppError::TooManyAttempts,
        UserNotConfirmedException => AppError::UserNotConfirmed,
        UserNotFoundException => AppError::SessionEnded,
    );
    assert_eq!(cases.len(), 10);
    each_error!(get_user, cases, |st, s| mfa_change(
        &st,
        &s,
        "EMAIL_OTP",
        "on"
    ));
}

#[tokio::test]
async fn every_associate_software_token_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(AssociateSoftwareTokenError => AppError;
        ConcurrentModificationException => AppError::Unavailable,
        ForbiddenException => AppError::Refused,
        InternalErrorException => AppError::Unavailable,
        InvalidParameterException => AppError::MfaMethodUnavailable,
        NotAuthorizedException => AppError::SessionEnded,
        OperationNotEnabledException => AppError::RegionPaused,
        ResourceNotFoundException => AppError::Unexpected,
        SoftwareTokenMfaNotFoundException => AppError::Unexpected,
    );
    assert_eq!(cases.len(), 8);
    each_error!(associate_software_token, cases, |st, s| totp_begin(&st, &s));
}

#[tokio::test]
async fn every_verify_software_token_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(VerifySoftwareTokenError => AppError;
        CodeMismatchException => AppError::WrongAppCode,
        EnableSoftwareTokenMfaException => AppError::WrongAppCode,
        ForbiddenException => AppError::Refused,
        InternalErrorException => AppError::Unavailable,
        InvalidParameterException => AppError::MfaMethodUnavailable,
        InvalidUserPoolConfigurationException => AppError::Unexpected,
        NotAuthorizedException => AppError::SessionEnded,
        OperationNotEnabledException => AppError::RegionPaused,
        PasswordResetRequiredException => AppError::SessionEnded,
        ResourceNotFoundException => AppError::Unexpected,
        SoftwareTokenMfaNotFoundException => AppError::Unexpected,
        TooManyRequestsException => AppError::TooManyAttempts,
        UserNotConfirmedException => AppError::UserNotConfirmed,
        UserNotFoundException => AppError::SessionEnded,
    );
    assert_eq!(cases.len(), 14);
    each_error!(verify_software_token, cases, |st, s| async {
        s.set_new_totp(Some(&Token::from("JBSWY3DPEHPK3PXP")))
            .await
            .unwrap();
        totp_verify(&st, &s, &testing::code("123456"), "Phone").await
    });
}

#[tokio::test]
async fn a_new_authenticator_is_verified_then_preferred() {
    let associate = mock!(Client::associate_software_token)
        .match_requests(|r| r.access_token() == Some("access"))
        .then_output(|| {
            AssociateSoftwareTokenOutput::builder()
                .secret_code("JBSWY3DPEHPK3PXP")
                .build()
        });
    let verify = mock!(Client::verify_software_token)
        .match_requests(|r| {
            r.user_code() == Some("123456") && r.friendly_device_name() == Some("Phone")
        })
        .then_output(|| {
            VerifySoftwareTokenOutput::builder()
                .status(VerifySoftwareTokenResponseType::Success)
                .build()
        });
    let prefer = mock!(Client::set_user_mfa_preference)
        .match_requests(|r| {
            r.software_token_mfa_settings()
                .is_some_and(|t| t.enabled() && t.preferred_mfa())
                && r.sms_mfa_settings().is_none()
        })
        .then_output(|| SetUserMfaPreferenceOutput::builder().build());
    let st = state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        [&associate, &verify, &prefer]
    ));
    let s = session_signed_in(10).await;
    assert_eq!(
        totp_verify(&st, &s, &testing::code("123456"), "Phone").await,
        Err(AppError::NoChallengeInProgress)
    );
    assert_eq!(
        totp_begin(&st, &s).await,
        Ok(crate::paths::ACCOUNT_SECURITY)
    );
    assert!(s.new_totp().await.unwrap().is_some());
    assert_eq!(
        totp_verify(&st, &s, &testing::code("123456"), "Phone").await,
        Ok(crate::paths::ACCOUNT_SECURITY)
    );
    assert_eq!(prefer.num_calls(), 1);
    assert!(s.new_totp().await.unwrap().is_none());
    assert_eq!(
        s.take_notice().await.unwrap(),
        Some(Notice::AuthenticatorAdded)
    );
}

fn jane(mfa: &[&str]) -> GetUserOutput {
    GetUserOutput::builder()
        .username("jane")
        .set_user_mfa_setting_list(Some(mfa.iter().map(|m| m.to_string()).collect()))
        .set_preferred_mfa_setting(mfa.first().map(|m| m.to_string()))
        .user_attributes(
            AttributeType::builder()
                .name("email")
                .value("jane@example.com")
                .build()
                .unwrap(),
        )
        .user_attributes(
            AttributeType::builder()
                .name("email_verified")
                .value("true")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn every_set_user_mfa_preference_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(SetUserMFAPreferenceError => AppError;
        ForbiddenException => AppError::Refused,
        InternalErrorException => AppError::Unavailable,
        InvalidParameterException => AppError::MfaMethodUnavailable,
        NotAuthorizedException => AppError::SessionEnded,
        OperationNotEnabledException => AppError::RegionPaused,
        PasswordResetRequiredException => AppError::SessionEnded,
        ResourceNotFoundException => AppError::Unexpected,
        UserNotConfirmedException => AppError::UserNotConfirmed,
        UserNotFoundException => AppError::SessionEnded,
    );
    assert_eq!(cases.len(), 9);
    for (name, make, expected) in cases {
        let get = mock!(Client::get_user).then_output(|| jane(&[]));
        let set = mock!(Client::set_user_mfa_preference).then_error(make);
        let st = state(mock_client!(
            aws_sdk_cognitoidentityprovider,
            RuleMode::MatchAny,
            [&get, &set]
        ));
        let s = session_signed_in(0).await;
        assert_eq!(
            mfa_change(&st, &s, "EMAIL_OTP", "on").await,
            Err(expected),
            "{name}"
        );
    }
}

#[tokio::test]
async fn email_mfa_is_turned_on_from_what_get_user_says() {
    let get = mock!(Client::get_user).then_output(|| jane(&["SOFTWARE_TOKEN_MFA"]));
    let set = mock!(Client::set_user_mfa_preference)
        .match_requests(|r| {
            r.email_mfa_settings()
                .is_some_and(|e| e.enabled() && !e.preferred_mfa())
                && r.software_token_mfa_settings().is_none()
        })
        .then_output(|| SetUserMfaPreferenceOutput::builder().build());
    let st = state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        [&get, &set]
    ));
    let s = session_signed_in(0).await;
    assert_eq!(
        mfa_change(&st, &s, "EMAIL_OTP", "on").await,
        Ok(crate::paths::ACCOUNT_SECURITY)
    );
    assert_eq!(set.num_calls(), 1);
    assert_eq!(
        mfa_change(&st, &s, "NOT_A_METHOD", "on").await,
        Err(AppError::MfaMethodUnavailable)
    );
}

#[tokio::test]
async fn the_last_method_of_a_required_pool_is_refused_before_cognito_is_asked() {
    let get = mock!(Client::get_user).then_output(|| jane(&["SOFTWARE_TOKEN_MFA"]));
    let set = mock!(Client::set_user_mfa_preference)
        .then_output(|| SetUserMfaPreferenceOutput::builder().build());
    let client = mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        [&get, &set]
    );
    let st = testing::state_with(client, &[("POOL_FEATURES", "required,totp,email")]);
    let s = session_signed_in(0).await;
    assert_eq!(
        mfa_change(&st, &s, "SOFTWARE_TOKEN_MFA", "off").await,
        Err(AppError::LastMfaMethod)
    );
    assert_eq!(set.num_calls(), 0);
}

#[tokio::test]
async fn every_forget_device_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(ForgetDeviceError => AppError;
        ForbiddenException => AppError::Refused,
        InternalErrorException => AppError::Unavailable,
        InvalidParameterException => AppError::MfaMethodUnavailable,
        NotAuthorizedException => AppError::SessionEnded,
        OperationNotEnabledException => AppError::RegionPaused,
        PasswordResetRequiredException => AppError::SessionEnded,
        TooManyRequestsException => AppError::TooManyAttempts,
        UserNotConfirmedException => AppError::UserNotConfirmed,
        UserNotFoundException => AppError::SessionEnded,
    );
    assert_eq!(cases.len(), 9);
    each_error!(forget_device, cases, |st, s| forget_device(
        &st,
        &s,
        "eu-west-1_dev"
    ));
    // A device already gone, or a pool that stopped tracking devices: nothing left to forget.
    let gone: [fn() -> ForgetDeviceError; 2] = [
        || crate::exception!(ForgetDeviceError::ResourceNotFoundException),
        || crate::exception!(ForgetDeviceError::InvalidUserPoolConfigurationException),
    ];
    for make in gone {
        let rule = mock!(Client::forget_device).then_error(make);
        let st = state(mock_client!(
            aws_sdk_cognitoidentityprovider,
            RuleMode::MatchAny,
            [&rule]
        ));
        let s = session_signed_in(0).await;
        assert_eq!(
            forget_device(&st, &s, "eu-west-1_dev").await,
            Ok(crate::paths::ACCOUNT_SECURITY)
        );
    }
    let st = state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        []
    ));
    let s = session_signed_in(0).await;
    assert_eq!(forget_device(&st, &s, "").await, Err(AppError::BadRequest));
}

#[tokio::test]
async fn the_device_list_reads_names_and_last_use() {
    let list = mock!(Client::list_devices)
        .match_requests(|r| r.access_token() == Some("access"))
        .then_output(|| {
            ListDevicesOutput::builder()
                .devices(
                    DeviceType::builder()
                        .device_key("eu-west-1_dev1")
                        .device_attributes(
                            AttributeType::builder()
                                .name("device_name")
                                .value("Firefox on Linux")
                                .build()
                                .unwrap(),
                        )
                        .device_last_authenticated_date(aws_smithy_types::DateTime::from_secs(
                            1_780_000_000,
                        ))
                        .build(),
                )
                .devices(DeviceType::builder().device_key("eu-west-1_dev2").build())
                .build()
        });
    let st = state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        [&list]
    ));
    let devices = st
        .cognito
        .list_devices(&Token::from("access"))
        .await
        .unwrap();
    assert_eq!(devices.len(), 2);
    assert_eq!(devices[0].key, "eu-west-1_dev1");
    assert_eq!(devices[0].name.as_deref(), Some("Firefox on Linux"));
    assert_eq!(devices[0].last_used, Some(1_780_000_000));
    assert_eq!(devices[1].name, None);
    let cases = crate::error_cases!(ListDevicesError => crate::cognito::IdpError;
        ForbiddenException => crate::cognito::IdpError::Refused,
        InternalErrorException => crate::cognito::IdpError::Unavailable,
        InvalidParameterException => crate::cognito::IdpError::InvalidParameter,
        InvalidUserPoolConfigurationException => crate::cognito::IdpError::Misconfigured,
        NotAuthorizedException => crate::cognito::IdpError::NotAuthorized,
        OperationNotEnabledException => crate::cognito::IdpError::NotEnabledHere,
        PasswordResetRequiredException => crate::cognito::IdpError::PasswordResetRequired,
        ResourceNotFoundException => crate::cognito::IdpError::Misconfigured,
        TooManyRequestsException => crate::cognito::IdpError::Throttled,
        UserNotConfirmedException => crate::cognito::IdpError::UserNotConfirmed,
        UserNotFoundException => crate::cognito::IdpError::UserNotFound,
    );
    assert_eq!(cases.len(), 11);
    for (name, make, expected) in cases {
        let rule = mock!(Client::list_devices).then_error(make);
        let st = state(mock_client!(
            aws_sdk_cognitoidentityprovider,
            RuleMode::MatchAny,
            [&rule]
        ));
        assert_eq!(
            st.cognito.list_devices(&Token::from("access")).await,
            Err(expected),
            "{name}"
        );
    }
}

#[tokio::test]
async fn every_passkey_list_error_has_a_deliberate_answer() {
    use crate::cognito::IdpError as K;
    let cases = crate::error_cases!(ListWebAuthnCredentialsError => K;
        ForbiddenException => K::Refused,
        InternalErrorException => K::Unavailable,
        InvalidParameterException => K::InvalidParameter,
        LimitExceededException => K::Throttled,
        NotAuthorizedException => K::NotAuthorized,
        OperationNotEnabledException => K::NotEnabledHere,
        PasswordResetRequiredException => K::PasswordResetRequired,
        TooManyRequestsException => K::Throttled,
    );
    assert_eq!(cases.len(), 8);
    for (name, make, expected) in cases {
        let rule = mock!(Client::list_web_authn_credentials).then_error(make);
        let st = state(mock_client!(
            aws_sdk_cognitoidentityprovider,
            RuleMode::MatchAny,
            [&rule]
        ));
        assert_eq!(
            st.cognito.list_passkeys(&Token::from("access")).await,
            Err(expected),
            "{name}"
        );
    }
}

#[tokio::test]
async fn every_passkey_delete_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(DeleteWebAuthnCredentialError => AppError;
        ForbiddenException => AppError::Refused,
        InternalErrorException => AppError::Unavailable,
        InvalidParameterException => AppError::MfaMethodUnavailable,
        LimitExceededException => AppError::TooManyAttempts,
        NotAuthorizedException => AppError::SessionEnded,
        OperationNotEnabledException => AppError::RegionPaused,
        PasswordResetRequiredException => AppError::SessionEnded,
        TooManyRequestsException => AppError::TooManyAttempts,
    );
    assert_eq!(cases.len(), 8);
    each_error!(delete_web_authn_credential, cases, |st, s| delete_passkey(
        &st, &s, "cred-1"
    ));
    // Deleted already (another tab, another device): the user's wish holds, and is said so.
    let gone = mock!(Client::delete_web_authn_credential)
        .then_error(|| crate::exception!(DeleteWebAuthnCredentialError::ResourceNotFoundException));
    let st = state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        [&gone]
    ));
    let s = session_signed_in(0).await;
    assert_eq!(
        delete_passkey(&st, &s, "cred-1").await,
        Ok(crate::paths::ACCOUNT_SECURITY)
    );
    assert_eq!(s.take_notice().await.unwrap(), Some(Notice::PasskeyDeleted));
    assert_eq!(delete_passkey(&st, &s, "").await, Err(AppError::BadRequest));
}

#[tokio::test]
async fn every_global_sign_out_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(GlobalSignOutError => AppError;
        ForbiddenException => AppError::Refused,
        InternalErrorException => AppError::Unavailable,
        InvalidParameterException => AppError::MfaMethodUnavailable,
        // The token no longer works: signed out everywhere already, or the user was reset.
        NotAuthorizedException => AppError::SessionEnded,
        OperationNotEnabledException => AppError::RegionPaused,
        PasswordResetRequiredException => AppError::SessionEnded,
        ResourceNotFoundException => AppError::Unexpected,
        TooManyRequestsException => AppError::TooManyAttempts,
        UserNotConfirmedException => AppError::UserNotConfirmed,
    );
    assert_eq!(cases.len(), 9);
    for (name, make, expected) in cases {
        let rule = mock!(Client::global_sign_out).then_error(make);
        let st = state(mock_client!(
            aws_sdk_cognitoidentityprovider,
            RuleMode::MatchAny,
            [&rule]
        ));
        let s = session_signed_in(0).await;
        // A refusal keeps this sign-in (the user can try again); a dead token ends it.
        let ended = expected == AppError::SessionEnded;
        assert_eq!(sign_out_everywhere(&st, &s).await, Err(expected), "{name}");
        assert_eq!(s.signed_in().await.unwrap().is_none(), ended, "{name}");
    }
    let rule =
        mock!(Client::global_sign_out).then_output(|| GlobalSignOutOutput::builder().build());
    let st = state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        [&rule]
    ));
    let s = session_signed_in(0).await;
    assert_eq!(
        sign_out_everywhere(&st, &s).await,
        Ok(crate::paths::SIGN_IN)
    );
    assert!(s.signed_in().await.unwrap().is_none());
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn every_passkey_registration_start_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(StartWebAuthnRegistrationError => AppError;
        ForbiddenException => AppError::Refused,
        InternalErrorException => AppError::Unavailable,
        InvalidParameterException => AppError::MfaMethodUnavailable,
        LimitExceededException => AppError::TooManyAttempts,
        NotAuthorizedException => AppError::SessionEnded,
        OperationNotEnabledException => AppError::RegionPaused,
        PasswordResetRequiredException => AppError::SessionEnded,
        TooManyRequestsException => AppError::TooManyAttempts,
        // The operator's to fix: the pool has no relying party (docs "Passkeys").
        WebAuthnConfigurationMissingException => AppError::Unexpected,
        WebAuthnNotEnabledException => AppError::PasskeysOff,
    );
    assert_eq!(cases.len(), 10);
    each_error!(
        start_web_authn_registration,
        cases,
        |st, s| passkey_options(&st, &s)
    );
}

#[tokio::test]
async fn every_passkey_registration_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(CompleteWebAuthnRegistrationError => AppError;
        ForbiddenException => AppError::Refused,
        InternalErrorException => AppError::Unavailable,
        InvalidParameterException => AppError::MfaMethodUnavailable,
        LimitExceededException => AppError::TooManyAttempts,
        NotAuthorizedException => AppError::SessionEnded,
        OperationNotEnabledException => AppError::RegionPaused,
        PasswordResetRequiredException => AppError::SessionEnded,
        TooManyRequestsException => AppError::TooManyAttempts,
        WebAuthnChallengeNotFoundException => AppError::PasskeyExpired,
        WebAuthnClientMismatchException => AppError::PasskeyExpired,
        WebAuthnCredentialNotSupportedException => AppError::PasskeyNotSupported,
        WebAuthnNotEnabledException => AppError::PasskeysOff,
        WebAuthnOriginNotAllowedException => AppError::Unexpected,
        WebAuthnRelyingPartyMismatchException => AppError::Unexpected,
    );
    assert_eq!(cases.len(), 14);
    each_error!(complete_web_authn_registration, cases, |st, s| passkey_add(
        &st,
        &s,
        r#"{"id":"x"}"#
    ));
}

#[tokio::test]
async fn passkeys_are_not_offered_where_the_pool_has_none() {
    let st = testing::state_with(
        mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, []),
        &[("POOL_FEATURES", "optional,totp")],
    );
    let s = session_signed_in(0).await;
    assert_eq!(passkey_options(&st, &s).await, Err(AppError::PasskeysOff));
}

#[tokio::test]
async fn a_step_up_through_a_second_factor_revokes_the_old_sign_in_too() {
    let auth = mock!(Client::initiate_auth).then_output(|| {
        InitiateAuthOutput::builder()
            .challenge_name(
                aws_sdk_cognitoidentityprovider::types::ChallengeNameType::SoftwareTokenMfa,
            )
            .session("mfa-session")
            .build()
    });
    let revoke = mock!(Client::revoke_token)
        .match_requests(|r| r.token() == Some("old-refresh"))
        .then_output(|| RevokeTokenOutput::builder().build());
    let st = state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        [&auth, &revoke]
    ));
    let s = session_signed_in(3000).await;
    let next = confirm(&st, &s, &testing::secret("Pass-word-1")).await;
    assert_eq!(next, Ok(crate::paths::MFA_CODE));
    assert_eq!(revoke.num_calls(), 0, "not before the second factor");
    // The code was right: the step-up ends with fresh tokens, the old ones revoked.
    let fresh = Tokens {
        access: Token::from("fresh-access"),
        id: None,
        refresh: Some(Token::from("fresh-refresh")),
        expires_in: 3600,
    };
    let next = crate::flow::next_step(
        &st,
        &s,
        "jane",
        crate::cognito::SignIn::Tokens(fresh),
        false,
    )
    .await;
    assert_eq!(next, Ok(crate::paths::ACCOUNT_SECURITY));
    assert_eq!(revoke.num_calls(), 1);
}
