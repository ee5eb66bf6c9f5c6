//! Signed-in logic against a mocked Cognito: change password (with transparent token refresh),
//! sign out everywhere, and sign out.

use aws_sdk_cognitoidentityprovider::{
    operation::{
        change_password::{ChangePasswordError, ChangePasswordOutput},
        get_tokens_from_refresh_token::{
            GetTokensFromRefreshTokenError, GetTokensFromRefreshTokenOutput,
        },
        global_sign_out::{GlobalSignOutError, GlobalSignOutOutput},
        revoke_token::{RevokeTokenError, RevokeTokenOutput},
    },
    types::AuthenticationResultType,
    Client,
};
use aws_smithy_mocks::{mock, mock_client, RuleMode};

use super::ssr::*;
use crate::{
    clock::now,
    cognito::{Token, Tokens},
    error::{AppError, Field},
    forms::Notice,
    session::{AppSession, SignedIn},
    testing,
};

async fn signed_in_session(expires_in: i64) -> AppSession {
    let s = testing::session();
    s.set_signed_in(&SignedIn {
        username: "jane".into(),
        hash_username: "jane".into(),
        email: None,
        locale: None,
        tokens: Tokens {
            access: Token::from("old-access"),
            id: None,
            refresh: Some(Token::from("refresh")),
            expires_in: 3600,
        },
        access_expires_at: now() + expires_in,
        authenticated_at: now(),
    })
    .await
    .unwrap();
    s
}

fn refreshed() -> GetTokensFromRefreshTokenOutput {
    GetTokensFromRefreshTokenOutput::builder()
        .authentication_result(
            AuthenticationResultType::builder()
                .access_token("new-access")
                .expires_in(3600)
                .build(),
        )
        .build()
}

fn not_authorized() -> ChangePasswordError {
    crate::exception!(ChangePasswordError::NotAuthorizedException)
}

#[tokio::test]
async fn every_change_password_error_has_a_deliberate_answer() {
    let cases = crate::error_cases!(ChangePasswordError => AppError;
        ForbiddenException => AppError::Refused,
        InternalErrorException => AppError::Unavailable,
        InvalidParameterException => AppError::Unexpected,
        InvalidPasswordException => AppError::PasswordRejected,
        LimitExceededException => AppError::TooManyAttempts,
        // Wrong current password (after one refresh-and-retry, see below).
        NotAuthorizedException => AppError::WrongCurrentPassword,
        OperationNotEnabledException => AppError::RegionPaused,
        PasswordHistoryPolicyViolationException => AppError::PasswordReused,
        PasswordResetRequiredException => AppError::SessionEnded,
        ResourceNotFoundException => AppError::Unexpected,
        TooManyRequestsException => AppError::TooManyAttempts,
        UserNotConfirmedException => AppError::UserNotConfirmed,
        UserNotFoundException => AppError::SessionEnded,
    );
    assert_eq!(cases.len(), 13);
    for (name, make, expected) in cases {
        let change = mock!(Client::change_password)
            .sequence()
            .error(make)
            .repeatedly()
            .build();
        let refresh = mock!(Client::get_tokens_from_refresh_token)
            .sequence()
            .output(refreshed)
            .repeatedly()
            .build();
        let state = testing::state(mock_client!(
            aws_sdk_cognitoidentityprovider,
            RuleMode::MatchAny,
            [&change, &refresh]
        ));
        let s = signed_in_session(3600).await;
        let got = change_password(
            &state,
            &s,
            &testing::secret("Old-pass1"),
            &testing::new_password("Kite-Lamp-9!", "Kite-Lamp-9!"),
            false,
        )
        .await;
        assert_eq!(got, Err(expected), "{name}");
    }
}

#[tokio::test]
async fn an_expiring_token_is_refreshed_before_the_change() {
    let refresh = mock!(Client::get_tokens_from_refresh_token)
        .match_requests(|r| r.refresh_token() == Some("refresh") && r.client_id().is_some())
        .then_output(refreshed);
    let change = mock!(Client::change_password)
        .match_requests(|r| r.access_token() == Some("new-access"))
        .then_output(|| ChangePasswordOutput::builder().build());
    let state = testing::state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        [&refresh, &change]
    ));
    let s = signed_in_session(10).await;
    let got = change_password(
        &state,
        &s,
        &testing::secret("Old-pass1"),
        &testing::new_password("Kite-Lamp-9!", "Kite-Lamp-9!"),
        false,
    )
    .await;
    assert_eq!(got, Ok("/account"));
    let u = s.signed_in().await.unwrap().unwrap();
    assert_eq!(u.tokens.access.expose(), "new-access");
    assert_eq!(u.tokens.refresh.unwrap().expose(), "refresh");
}

#[tokio::test]
async fn a_revoked_token_is_refreshed_once_and_the_change_retried() {
    let first = mock!(Client::change_password).then_error(not_authorized);
    let refresh = mock!(Client::get_tokens_from_refresh_token).then_output(refreshed);
    let second = mock!(Client::change_password)
        .match_requests(|r| r.access_token() == Some("new-access"))
        .then_output(|| ChangePasswordOutput::builder().build());
    let state = testing::state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        [&first, &refresh, &second]
    ));
    let s = signed_in_session(3600).await;
    assert_eq!(
        change_password(
            &state,
            &s,
            &testing::secret("Old-pass1"),
            &testing::new_password("Kite-Lamp-9!", "Kite-Lamp-9!"),
            false
        )
        .await,
        Ok("/account")
    );
}

#[tokio::test]
async fn a_failed_refresh_ends_the_session() {
    let refresh = mock!(Client::get_tokens_from_refresh_token)
        .then_error(|| crate::exception!(GetTokensFromRefreshTokenError::NotAuthorizedException));
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&refresh]));
    let s = signed_in_session(0).await;
    let got = change_password(
        &state,
        &s,
        &testing::secret("Old-pass1"),
        &testing::new_password("Kite-Lamp-9!", "Kite-Lamp-9!"),
        false,
    )
    .await;
    assert_eq!(got, Err(AppError::SessionEnded));
    assert!(s.signed_in().await.unwrap().is_none());
}

#[tokio::test]
async fn sign_out_everywhere_calls_global_sign_out_and_ends_the_session() {
    let change =
        mock!(Client::change_password).then_output(|| ChangePasswordOutput::builder().build());
    let global = mock!(Client::global_sign_out)
        .match_requests(|r| r.access_token() == Some("old-access"))
        .then_output(|| GlobalSignOutOutput::builder().build());
    let state = testing::state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        [&change, &global]
    ));
    let s = signed_in_session(3600).await;
    let got = change_password(
        &state,
        &s,
        &testing::secret("Old-pass1"),
        &testing::new_password("Kite-Lamp-9!", "Kite-Lamp-9!"),
        true,
    )
    .await;
    assert_eq!(got, Ok("/sign-in"));
    assert_eq!(global.num_calls(), 1);
    assert!(s.signed_in().await.unwrap().is_none());
    assert_eq!(
        s.take_notice().await.unwrap(),
        Some(Notice::SignedOutEverywhere {
            username: "jane".into()
        })
    );
}

#[tokio::test]
async fn a_refused_global_sign_out_still_completes_the_change() {
    let change =
        mock!(Client::change_password).then_output(|| ChangePasswordOutput::builder().build());
    let global = mock!(Client::global_sign_out)
        .then_error(|| crate::exception!(GlobalSignOutError::NotAuthorizedException));
    let state = testing::state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        [&change, &global]
    ));
    let s = signed_in_session(3600).await;
    assert_eq!(
        change_password(
            &state,
            &s,
            &testing::secret("Old-pass1"),
            &testing::new_password("Kite-Lamp-9!", "Kite-Lamp-9!"),
            true
        )
        .await,
        Ok("/sign-in")
    );
}

#[tokio::test]
async fn current_password_is_required_and_must_differ() {
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, []));
    let s = signed_in_session(3600).await;
    assert_eq!(
        change_password(
            &state,
            &s,
            &testing::secret(""),
            &testing::new_password("Kite-Lamp-9!", "Kite-Lamp-9!"),
            false
        )
        .await,
        Err(AppError::Missing(Field::CurrentPassword))
    );
    assert_eq!(
        change_password(
            &state,
            &s,
            &testing::secret("Kite-Lamp-9!"),
            &testing::new_password("Kite-Lamp-9!", "Kite-Lamp-9!"),
            false
        )
        .await,
        Err(AppError::SamePassword)
    );
    assert_eq!(
        change_password(
            &state,
            &testing::session(),
            &testing::secret("x"),
            &testing::new_password("Kite-Lamp-9!", "Kite-Lamp-9!"),
            false
        )
        .await,
        Err(AppError::NotSignedIn)
    );
}

#[tokio::test]
async fn sign_out_revokes_and_deletes_even_if_revocation_fails() {
    for ok in [true, false] {
        let revoke = if ok {
            mock!(Client::revoke_token)
                .match_requests(|r| r.token() == Some("refresh"))
                .then_output(|| RevokeTokenOutput::builder().build())
        } else {
            mock!(Client::revoke_token)
                .then_error(|| crate::exception!(RevokeTokenError::UnauthorizedException))
        };
        let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&revoke]));
        let s = signed_in_session(3600).await;
        sign_out(&state, &s).await.unwrap();
        assert_eq!(revoke.num_calls(), 1);
        assert!(s.signed_in().await.unwrap().is_none());
        assert_eq!(s.take_notice().await.unwrap(), Some(Notice::SignedOut));
    }
}

/// New tokens from a client that rotates refresh tokens.
fn rotated() -> GetTokensFromRefreshTokenOutput {
    GetTokensFromRefreshTokenOutput::builder()
        .authentication_result(
            AuthenticationResultType::builder()
                .access_token("new-access")
                .refresh_token("rotated")
                .expires_in(3600)
                .build(),
        )
        .build()
}

/// The signed-in user after `flow::refresh` on a session whose access token is old.
async fn refresh_once(
    state: &crate::state::AppState,
    s: &AppSession,
) -> Result<SignedIn, AppError> {
    let mut user = s.signed_in().await?.unwrap();
    crate::flow::refresh(state, s, &mut user).await?;
    Ok(s.signed_in().await?.unwrap())
}

#[tokio::test]
async fn with_rotation_on_the_new_refresh_token_is_kept() {
    let refresh = mock!(Client::get_tokens_from_refresh_token)
        .match_requests(|r| r.refresh_token() == Some("refresh"))
        .then_output(rotated);
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&refresh]));
    let s = signed_in_session(0).await;
    let u = refresh_once(&state, &s).await.unwrap();
    assert_eq!(u.tokens.access.expose(), "new-access");
    assert_eq!(u.tokens.refresh.unwrap().expose(), "rotated");
}

#[tokio::test]
async fn a_reused_refresh_token_is_a_clean_sign_out_not_an_error() {
    let refresh = mock!(Client::get_tokens_from_refresh_token).then_error(|| {
        crate::exception!(GetTokensFromRefreshTokenError::RefreshTokenReuseException)
    });
    let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&refresh]));
    let s = signed_in_session(0).await;
    assert_eq!(
        refresh_once(&state, &s).await.unwrap_err(),
        AppError::SessionEnded
    );
    assert!(s.signed_in().await.unwrap().is_none());
    // The sign-in page says the session ended (a notice, not an error).
    assert_eq!(s.take_notice().await.unwrap(), Some(Notice::SessionEnded));
}

#[tokio::test]
async fn two_requests_of_one_sign_in_refresh_the_token_once() {
    // Two tabs, or two instances behind the balancer (each its own session object, one store):
    // with rotation on, a second refresh of the same token would be refused as reuse.
    let refresh = mock!(Client::get_tokens_from_refresh_token)
        .sequence()
        .output(rotated)
        .error(|| crate::exception!(GetTokensFromRefreshTokenError::RefreshTokenReuseException))
        .build();
    let state = testing::state(mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        [&refresh]
    ));
    let (a, b) = (signed_in_session(0).await, signed_in_session(0).await);
    let (ra, rb) = tokio::join!(refresh_once(&state, &a), refresh_once(&state, &b));
    assert_eq!(refresh.num_calls(), 1, "one refresh for the two");
    for u in [ra.unwrap(), rb.unwrap()] {
        assert_eq!(u.tokens.access.expose(), "new-access");
        assert_eq!(u.tokens.refresh.unwrap().expose(), "rotated");
    }
    // A third request a moment later, still holding the old token, takes the same tokens.
    let c = signed_in_session(0).await;
    assert_eq!(
        refresh_once(&state, &c)
            .await
            .unwrap()
            .tokens
            .access
            .expose(),
        "new-access"
    );
    assert_eq!(refresh.num_calls(), 1);
}

#[test]
fn the_contact_asked_for_is_the_one_reset_codes_would_need() {
    use super::ssr::recovery_gap;
    use crate::{cognito::UserSecurity, forms::Medium, pool::Recovery};
    let user = |email: Option<bool>, phone: Option<bool>| UserSecurity {
        email: email.map(|_| "jane@example.com".to_string()),
        email_verified: email == Some(true),
        phone: phone.map(|_| "+15555550100".to_string()),
        phone_verified: phone == Some(true),
        ..UserSecurity::default()
    };
    let either = Recovery::EmailOrPhone;
    assert_eq!(recovery_gap(either, &user(Some(true), None)), None);
    assert_eq!(recovery_gap(either, &user(None, Some(true))), None);
    assert_eq!(
        recovery_gap(either, &user(Some(false), None)),
        Some((Medium::Email, true))
    );
    assert_eq!(
        recovery_gap(either, &user(None, None)),
        Some((Medium::Email, false))
    );
    assert_eq!(
        recovery_gap(either, &user(None, Some(false))),
        Some((Medium::Sms, true))
    );
    // Only the channel the pool uses counts.
    assert_eq!(
        recovery_gap(Recovery::Email, &user(None, Some(true))),
        Some((Medium::Email, false))
    );
    assert_eq!(
        recovery_gap(Recovery::Phone, &user(Some(true), None)),
        Some((Medium::Sms, false))
    );
    assert_eq!(recovery_gap(Recovery::AdminOnly, &user(None, None)), None);
}
