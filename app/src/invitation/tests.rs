//! The expired invitation against a mocked Cognito (moto never expires a temporary password;
//! `server/tests/api/stuck.rs` runs the same path on moto with the launcher's emulation).

use aws_sdk_cognitoidentityprovider::{operation::admin_create_user::AdminCreateUserError, Client};
use aws_smithy_mocks::{mock, mock_client, RuleMode};

use super::ssr::send;
use crate::{
    error::AppError,
    forms::Notice,
    session::{Stuck, StuckFlow},
    testing,
};

async fn stuck_session() -> crate::session::AppSession {
    let s = testing::session();
    s.start_stuck(&StuckFlow {
        username: "jane".into(),
        state: Stuck::InvitationExpired,
        delivery: None,
        sent_at: 0,
    })
    .await
    .unwrap();
    s
}

#[tokio::test]
async fn a_new_invitation_goes_by_email_and_sign_in_says_so_with_the_username_filled_in() {
    let get = mock!(Client::admin_get_user).then_output(testing::invited_user);
    let resend = testing::resend_invitation_by_email();
    let client = mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        [&get, &resend]
    );
    let state = testing::state_with(client, &[("REINVITE", "true")]);
    let s = stuck_session().await;
    assert_eq!(send(&state, &s).await, Ok(()));
    assert_eq!(resend.num_calls(), 1);
    assert!(s.stuck().await.unwrap().is_none(), "the flow is over");
    let notice = s.take_notice().await.unwrap();
    assert_eq!(
        notice,
        Some(Notice::InvitationSent {
            username: "jane".into()
        })
    );
}

#[tokio::test]
async fn without_reinvite_or_without_an_expired_invitation_nothing_is_sent() {
    let resend = testing::resend_invitation_by_email();
    let client = mock_client!(aws_sdk_cognitoidentityprovider, [&resend]);
    let off = testing::state(client);
    assert_eq!(
        send(&off, &stuck_session().await).await,
        Err(AppError::Refused)
    );
    let client = mock_client!(aws_sdk_cognitoidentityprovider, [&resend]);
    let on = testing::state_with(client, &[("REINVITE", "true")]);
    // A post without the sign-in that found it (a forged or replayed form).
    assert_eq!(
        send(&on, &testing::session()).await,
        Err(AppError::NoChallengeInProgress)
    );
    assert_eq!(resend.num_calls(), 0);
}

#[tokio::test]
async fn a_refused_invitation_is_a_retry_later_and_the_flow_stays() {
    let get = mock!(Client::admin_get_user).then_output(testing::invited_user);
    let refused = mock!(Client::admin_create_user)
        .then_error(|| crate::exception!(AdminCreateUserError::UnsupportedUserStateException));
    let client = mock_client!(
        aws_sdk_cognitoidentityprovider,
        RuleMode::MatchAny,
        [&get, &refused]
    );
    let state = testing::state_with(client, &[("REINVITE", "true")]);
    let s = stuck_session().await;
    assert_eq!(send(&state, &s).await, Err(AppError::Unavailable));
    assert!(s.stuck().await.unwrap().is_some());
}
