//! The client's calls against mocked Cognito: the secret hash, tokens, recovery, errors.

mod calls {
    use super::super::sign_in::tokens;
    use super::super::*;
    use aws_sdk_cognitoidentityprovider::{
        operation::{
            admin_reset_user_password::AdminResetUserPasswordError,
            forgot_password::{ForgotPasswordError, ForgotPasswordOutput},
        },
        types::CodeDeliveryDetailsType,
    };
    use aws_sdk_cognitoidentityprovider::{
        types::{AuthenticationResultType, DeliveryMediumType},
        Client,
    };
    use aws_smithy_mocks::{mock, mock_client};
    use secrecy::SecretString;

    #[test]
    fn secret_hash_matches_a_known_vector() {
        // Computed independently with Python's hmac/hashlib/base64.
        assert_eq!(
            secret_hash("client-secret-123", "alice@example.com", "abc123client"),
            "B6I3HiYmdVn7YFV6xj9jRk4BohJtwLOdyV/PFUv/GNg="
        );
    }

    #[test]
    fn without_expires_in_the_access_tokens_own_exp_is_used() {
        use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
        let exp = crate::clock::now() + 1800;
        let payload = URL_SAFE_NO_PAD.encode(format!("{{\"exp\":{exp}}}"));
        let jwt = format!("eyJhbGciOiJSUzI1NiJ9.{payload}.sig");
        let answer = AuthenticationResultType::builder()
            .access_token(&jwt)
            .build();
        let t = tokens(&answer).unwrap();
        assert!((1795..=1800).contains(&t.expires_in), "{}", t.expires_in);
        // An unreadable token without ExpiresIn: Cognito's default hour, not "expired now".
        let answer = AuthenticationResultType::builder()
            .access_token("opaque")
            .build();
        assert_eq!(tokens(&answer).unwrap().expires_in, 3600);
        let answer = AuthenticationResultType::builder()
            .access_token(&jwt)
            .expires_in(300)
            .build();
        assert_eq!(tokens(&answer).unwrap().expires_in, 300);
    }

    #[test]
    fn tokens_never_print() {
        let t = Token::from("eyJraWQiOiJzZWNyZXQ");
        assert!(!format!("{t:?}").contains("eyJ"));
    }

    #[tokio::test]
    async fn forgot_password_sends_the_secret_hash_and_reads_the_destination() {
        let rule = mock!(Client::forgot_password)
            .match_requests(|r| {
                r.secret_hash() == Some(&secret_hash("shh", "jane", "client1")[..])
                    && r.username() == Some("jane")
            })
            .then_output(|| {
                ForgotPasswordOutput::builder()
                    .code_delivery_details(
                        CodeDeliveryDetailsType::builder()
                            .destination("j***@e***.com")
                            .delivery_medium(DeliveryMediumType::Email)
                            .attribute_name("email")
                            .build(),
                    )
                    .build()
            });
        let client = mock_client!(aws_sdk_cognitoidentityprovider, [&rule]);
        let c = Cognito::new(
            client,
            "eu-west-1_x".into(),
            "client1".into(),
            Some(SecretString::from("shh")),
        );
        let d = c.forgot_password("jane").await.unwrap().unwrap();
        assert_eq!(d.destination, "j***@e***.com");
        assert_eq!(d.medium, Medium::Email);
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test]
    async fn admin_reset_without_a_verified_contact_is_invalid_parameter() {
        use aws_sdk_cognitoidentityprovider::types::error::InvalidParameterException;
        let rule = mock!(Client::admin_reset_user_password).then_error(|| {
            AdminResetUserPasswordError::InvalidParameterException(
                InvalidParameterException::builder()
                    .message("Cannot reset password for the user as there is no registered/verified email or phone_number")
                    .meta(
                        aws_smithy_types::error::ErrorMetadata::builder()
                            .code("InvalidParameterException")
                            .build(),
                    )
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_cognitoidentityprovider, [&rule]);
        let c = Cognito::new(client, "eu-west-1_x".into(), String::new(), None);
        assert_eq!(
            c.admin_reset_password("jane").await,
            Err(IdpError::InvalidParameter)
        );
    }

    #[tokio::test]
    async fn throttling_is_classified() {
        let rule = mock!(Client::forgot_password)
            .then_error(|| crate::exception!(ForgotPasswordError::LimitExceededException));
        let client = mock_client!(aws_sdk_cognitoidentityprovider, [&rule]);
        let c = Cognito::new(client, "eu-west-1_x".into(), "client1".into(), None);
        assert_eq!(c.forgot_password("jane").await, Err(IdpError::Throttled));
    }
}

mod secret_hash_tests {
    //! With a client secret, every user-pool call the flows make carries `SECRET_HASH`.
    use super::super::*;
    use aws_sdk_cognitoidentityprovider::operation::{
        confirm_forgot_password::ConfirmForgotPasswordOutput,
        forgot_password::ForgotPasswordOutput,
        get_tokens_from_refresh_token::GetTokensFromRefreshTokenOutput,
        initiate_auth::InitiateAuthOutput, respond_to_auth_challenge::RespondToAuthChallengeOutput,
        revoke_token::RevokeTokenOutput,
    };
    use aws_sdk_cognitoidentityprovider::Client;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use secrecy::SecretString;

    #[tokio::test]
    async fn every_call_carries_the_secret_hash() {
        let h = secret_hash("shh", "jane", "client1");
        let (h1, h2, h3, h4, h5) = (h.clone(), h.clone(), h.clone(), h.clone(), h.clone());
        let sign_in = mock!(Client::initiate_auth)
            .match_requests(move |r| {
                r.auth_parameters().and_then(|p| p.get("SECRET_HASH")) == Some(&h1)
            })
            .sequence()
            .output(|| InitiateAuthOutput::builder().build())
            .repeatedly()
            .build();
        let respond = mock!(Client::respond_to_auth_challenge)
            .match_requests(move |r| {
                r.challenge_responses().and_then(|p| p.get("SECRET_HASH")) == Some(&h2)
            })
            .then_output(|| RespondToAuthChallengeOutput::builder().build());
        let forgot = mock!(Client::forgot_password)
            .match_requests(move |r| r.secret_hash() == Some(h3.as_str()))
            .then_output(|| ForgotPasswordOutput::builder().build());
        let confirm = mock!(Client::confirm_forgot_password)
            .match_requests(move |r| r.secret_hash() == Some(h4.as_str()))
            .then_output(|| ConfirmForgotPasswordOutput::builder().build());
        let refresh = mock!(Client::get_tokens_from_refresh_token)
            .match_requests(|r| {
                r.client_secret() == Some("shh") && r.client_id() == Some("client1")
            })
            .then_output(|| GetTokensFromRefreshTokenOutput::builder().build());
        let revoke = mock!(Client::revoke_token)
            .match_requests(|r| r.client_secret() == Some("shh"))
            .then_output(|| RevokeTokenOutput::builder().build());
        let _ = h5;
        let client = mock_client!(
            aws_sdk_cognitoidentityprovider,
            RuleMode::MatchAny,
            [&sign_in, &respond, &forgot, &confirm, &refresh, &revoke]
        );
        let c = Cognito::new(
            client,
            "eu-west-1_x".into(),
            "client1".into(),
            Some(SecretString::from("shh")),
        );
        let _ = c.sign_in("jane", "pw").await;
        let _ = c.refresh(&Token::from("r")).await;
        let _ = c
            .respond_new_password("jane", &Token::from("s"), "pw", &[])
            .await;
        c.forgot_password("jane").await.unwrap();
        c.confirm_forgot_password("jane", "1", "pw").await.unwrap();
        c.revoke(&Token::from("r")).await.unwrap();
        assert_eq!(sign_in.num_calls(), 1, "sign-in sent SECRET_HASH");
        assert_eq!(refresh.num_calls(), 1, "the refresh sent the secret itself");
        assert_eq!(respond.num_calls(), 1);
        assert_eq!(forgot.num_calls(), 1);
        assert_eq!(confirm.num_calls(), 1);
        assert_eq!(revoke.num_calls(), 1);
    }
}
