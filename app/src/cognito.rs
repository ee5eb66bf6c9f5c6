//! The one module that names `aws_sdk_cognitoidentityprovider` types (server only).
//!
//! It turns each Cognito call into a plain async method with domain inputs and outputs, and
//! sorts every exception each operation can raise into an [`IdpError`] kind. Flows decide what
//! a kind means to the user. The SDK's own error text is logged here and goes no further.

use std::{collections::HashMap, fmt, time::Duration};

use aws_config::{timeout::TimeoutConfig, BehaviorVersion, Region};
use aws_sdk_cognitoidentityprovider::{
    error::SdkError,
    operation::{
        admin_get_user::AdminGetUserError, admin_reset_user_password::AdminResetUserPasswordError,
        admin_set_user_password::AdminSetUserPasswordError,
        admin_update_user_attributes::AdminUpdateUserAttributesError,
        admin_user_global_sign_out::AdminUserGlobalSignOutError,
        change_password::ChangePasswordError, confirm_forgot_password::ConfirmForgotPasswordError,
        describe_user_pool::DescribeUserPoolError, forgot_password::ForgotPasswordError,
        global_sign_out::GlobalSignOutError, initiate_auth::InitiateAuthError,
        respond_to_auth_challenge::RespondToAuthChallengeError, revoke_token::RevokeTokenError,
    },
    types::{
        AttributeType, AuthFlowType, AuthenticationResultType, ChallengeNameType,
        DeliveryMediumType,
    },
    Client,
};
use aws_smithy_runtime_api::http::Response as HttpResponse;
use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::{config::Settings, password::PasswordPolicy};

/// What went wrong in a Cognito call, by kind. Every exception of every operation we call maps
/// to exactly one kind (see the `classify!` tables below).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdpError {
    /// `NotAuthorizedException`: wrong password, bad/expired token or session, disabled user.
    NotAuthorized,
    /// `UserNotFoundException`.
    UserNotFound,
    /// `UserNotConfirmedException`.
    UserNotConfirmed,
    /// `PasswordResetRequiredException`: an administrator reset the password.
    PasswordResetRequired,
    /// `CodeMismatchException`.
    CodeMismatch,
    /// `ExpiredCodeException`.
    ExpiredCode,
    /// `InvalidPasswordException`: the pool's policy refused the password.
    InvalidPassword,
    /// `PasswordHistoryPolicyViolationException`: a recently used password.
    PasswordReused,
    /// `InvalidParameterException`: e.g. no verified email or phone for a reset.
    InvalidParameter,
    /// `CodeDeliveryFailureException`.
    CodeDeliveryFailure,
    /// `AliasExistsException`.
    AliasExists,
    /// `LimitExceededException`, `TooManyRequestsException`, `TooManyFailedAttemptsException`.
    Throttled,
    /// A Lambda trigger or AWS WAF refused the request.
    Refused,
    /// The pool or app client is set up in a way this call cannot work with (operator's fix).
    Misconfigured,
    /// Cognito could not be reached or failed internally; worth a retry later.
    Unavailable,
    /// Anything else.
    Unexpected,
}

/// A token kept only in the server-side session. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token(String);

impl Token {
    /// The token text, for the Cognito call that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([redacted])")
    }
}

impl From<&str> for Token {
    fn from(s: &str) -> Self {
        Token(s.to_string())
    }
}

/// The tokens Cognito issues at sign-in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub access: Token,
    pub id: Option<Token>,
    pub refresh: Option<Token>,
    /// Seconds the access token is valid for.
    pub expires_in: i64,
}

/// The outcome of a sign-in step.
#[derive(Debug)]
pub enum SignIn {
    /// Signed in.
    Tokens(Tokens),
    /// A temporary password was used: a new one must be set.
    NewPasswordRequired {
        /// Cognito's challenge session (kept server-side only).
        session: Token,
        /// Attributes Cognito requires with the new password (without the `userAttributes.`
        /// prefix).
        required_attributes: Vec<String>,
        /// Cognito's canonical username for the challenge response.
        challenge_username: Option<String>,
    },
    /// A challenge this app does not handle (MFA and the like).
    Unsupported(String),
}

pub use crate::forms::{Delivery, Medium};

/// A user as an operator sees it (no secrets).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserSummary {
    pub username: String,
    pub status: String,
    pub enabled: bool,
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone_number: Option<String>,
    pub phone_number_verified: bool,
}

/// The Cognito user pool and app client this app works with.
#[derive(Clone)]
pub struct Cognito {
    client: Client,
    user_pool_id: String,
    client_id: String,
    client_secret: Option<SecretString>,
}

impl fmt::Debug for Cognito {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cognito")
            .field("user_pool_id", &self.user_pool_id)
            .field("client_id", &self.client_id)
            .field("has_secret", &self.client_secret.is_some())
            .finish()
    }
}

/// Computes Cognito's `SECRET_HASH`: Base64(HMAC-SHA256(client_secret, username + client_id)).
pub fn secret_hash(client_secret: &str, username: &str, client_id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(client_secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

impl Cognito {
    /// Builds the client from the AWS SDK's standard configuration chain (credentials,
    /// profiles, `AWS_ENDPOINT_URL`) with the pool's region and bounded timeouts.
    pub async fn from_settings(settings: &Settings) -> Self {
        let total = settings.cognito_timeout;
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(settings.region.clone()))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(total.min(Duration::from_secs(3)))
                    .operation_attempt_timeout(total.min(Duration::from_secs(5)))
                    .operation_timeout(total)
                    .build(),
            )
            // The SDK's standard retries: throttling and transient errors only, with backoff,
            // all inside the operation timeout above.
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(3))
            .load()
            .await;
        let mut config =
            aws_sdk_cognitoidentityprovider::config::Builder::from(&sdk).interceptor(Timing);
        if let Some(url) = &settings.cognito_endpoint_url {
            config = config.endpoint_url(url);
        }
        let config = config.build();
        Self::new(
            Client::from_conf(config),
            settings.user_pool_id.clone(),
            settings.client_id.clone(),
            settings.client_secret.clone(),
        )
    }

    /// A client for the administrator calls only (no app client needed).
    pub async fn for_admin(user_pool_id: String, region: String) -> Self {
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region))
            .load()
            .await;
        Self::new(Client::new(&sdk), user_pool_id, String::new(), None)
    }

    /// Wraps an existing SDK client (tests build one with `aws-smithy-mocks`).
    pub fn new(
        client: Client,
        user_pool_id: String,
        client_id: String,
        client_secret: Option<SecretString>,
    ) -> Self {
        Self {
            client,
            user_pool_id,
            client_id,
            client_secret,
        }
    }

    fn hash(&self, username: &str) -> Option<String> {
        self.client_secret
            .as_ref()
            .map(|s| secret_hash(s.expose_secret(), username, &self.client_id))
    }

    /// `InitiateAuth` with `USER_PASSWORD_AUTH`.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<SignIn, IdpError> {
        let mut req = self
            .client
            .initiate_auth()
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .client_id(&self.client_id)
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", password);
        if let Some(h) = self.hash(username) {
            req = req.auth_parameters("SECRET_HASH", h);
        }
        let out = req
            .send()
            .await
            .map_err(|e| classify_initiate_auth(e, "InitiateAuth"))?;
        Ok(sign_in_outcome(
            out.authentication_result(),
            out.challenge_name(),
            out.session(),
            out.challenge_parameters(),
        ))
    }

    /// `InitiateAuth` with `REFRESH_TOKEN_AUTH`. `hash_username` is the user's
    /// `cognito:username` (needed for `SECRET_HASH`).
    #[tracing::instrument(skip_all)]
    pub async fn refresh(&self, refresh: &Token, hash_username: &str) -> Result<Tokens, IdpError> {
        let mut req = self
            .client
            .initiate_auth()
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .client_id(&self.client_id)
            .auth_parameters("REFRESH_TOKEN", refresh.expose());
        if let Some(h) = self.hash(hash_username) {
            req = req.auth_parameters("SECRET_HASH", h);
        }
        let out = req
            .send()
            .await
            .map_err(|e| classify_initiate_auth(e, "InitiateAuth(refresh)"))?;
        match out.authentication_result() {
            Some(r) => {
                let mut t = tokens(r).ok_or(IdpError::Unexpected)?;
                // Cognito does not return the refresh token again unless rotation is on.
                if t.refresh.is_none() {
                    t.refresh = Some(refresh.clone());
                }
                Ok(t)
            }
            None => Err(IdpError::Unexpected),
        }
    }

    /// `RespondToAuthChallenge` for `NEW_PASSWORD_REQUIRED`.
    #[tracing::instrument(skip_all)]
    pub async fn respond_new_password(
        &self,
        username: &str,
        session: &Token,
        new_password: &str,
        attributes: &[(String, String)],
    ) -> Result<SignIn, IdpError> {
        let mut req = self
            .client
            .respond_to_auth_challenge()
            .client_id(&self.client_id)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(session.expose())
            .challenge_responses("USERNAME", username)
            .challenge_responses("NEW_PASSWORD", new_password);
        for (name, value) in attributes {
            req = req.challenge_responses(format!("userAttributes.{name}"), value);
        }
        if let Some(h) = self.hash(username) {
            req = req.challenge_responses("SECRET_HASH", h);
        }
        let out = req.send().await.map_err(|e| {
            classify(e, "RespondToAuthChallenge", |e| match e {
                RespondToAuthChallengeError::AliasExistsException(_) => IdpError::AliasExists,
                RespondToAuthChallengeError::CodeMismatchException(_) => IdpError::CodeMismatch,
                RespondToAuthChallengeError::ExpiredCodeException(_) => IdpError::ExpiredCode,
                RespondToAuthChallengeError::ForbiddenException(_) => IdpError::Refused,
                RespondToAuthChallengeError::InternalErrorException(_) => IdpError::Unavailable,
                RespondToAuthChallengeError::InvalidEmailRoleAccessPolicyException(_) => {
                    IdpError::Misconfigured
                }
                RespondToAuthChallengeError::InvalidLambdaResponseException(_) => {
                    IdpError::Misconfigured
                }
                RespondToAuthChallengeError::InvalidParameterException(_) => {
                    IdpError::InvalidParameter
                }
                RespondToAuthChallengeError::InvalidPasswordException(_) => {
                    IdpError::InvalidPassword
                }
                RespondToAuthChallengeError::InvalidSmsRoleAccessPolicyException(_) => {
                    IdpError::Misconfigured
                }
                RespondToAuthChallengeError::InvalidSmsRoleTrustRelationshipException(_) => {
                    IdpError::Misconfigured
                }
                RespondToAuthChallengeError::InvalidUserPoolConfigurationException(_) => {
                    IdpError::Misconfigured
                }
                RespondToAuthChallengeError::MfaMethodNotFoundException(_) => {
                    IdpError::Misconfigured
                }
                RespondToAuthChallengeError::NotAuthorizedException(_) => IdpError::NotAuthorized,
                RespondToAuthChallengeError::OperationNotEnabledException(_) => {
                    IdpError::Misconfigured
                }
                RespondToAuthChallengeError::PasswordHistoryPolicyViolationException(_) => {
                    IdpError::PasswordReused
                }
                RespondToAuthChallengeError::PasswordResetRequiredException(_) => {
                    IdpError::PasswordResetRequired
                }
                RespondToAuthChallengeError::ResourceNotFoundException(_) => {
                    IdpError::Misconfigured
                }
                RespondToAuthChallengeError::SoftwareTokenMfaNotFoundException(_) => {
                    IdpError::Misconfigured
                }
                RespondToAuthChallengeError::TooManyRequestsException(_) => IdpError::Throttled,
                RespondToAuthChallengeError::UnexpectedLambdaException(_) => {
                    IdpError::Misconfigured
                }
                RespondToAuthChallengeError::UserLambdaValidationException(_) => IdpError::Refused,
                RespondToAuthChallengeError::UserNotConfirmedException(_) => {
                    IdpError::UserNotConfirmed
                }
                RespondToAuthChallengeError::UserNotFoundException(_) => IdpError::UserNotFound,
                _ => IdpError::Unexpected,
            })
        })?;
        Ok(sign_in_outcome(
            out.authentication_result(),
            out.challenge_name(),
            out.session(),
            out.challenge_parameters(),
        ))
    }

    /// `ForgotPassword`: sends a reset code. Returns where it went, when Cognito says.
    #[tracing::instrument(skip_all)]
    pub async fn forgot_password(&self, username: &str) -> Result<Option<Delivery>, IdpError> {
        let mut req = self
            .client
            .forgot_password()
            .client_id(&self.client_id)
            .username(username);
        if let Some(h) = self.hash(username) {
            req = req.secret_hash(h);
        }
        let out = req.send().await.map_err(|e| {
            classify(e, "ForgotPassword", |e| match e {
                ForgotPasswordError::CodeDeliveryFailureException(_) => {
                    IdpError::CodeDeliveryFailure
                }
                ForgotPasswordError::ForbiddenException(_) => IdpError::Refused,
                ForgotPasswordError::InternalErrorException(_) => IdpError::Unavailable,
                ForgotPasswordError::InvalidEmailRoleAccessPolicyException(_) => {
                    IdpError::Misconfigured
                }
                ForgotPasswordError::InvalidLambdaResponseException(_) => IdpError::Misconfigured,
                ForgotPasswordError::InvalidParameterException(_) => IdpError::InvalidParameter,
                ForgotPasswordError::InvalidSmsRoleAccessPolicyException(_) => {
                    IdpError::Misconfigured
                }
                ForgotPasswordError::InvalidSmsRoleTrustRelationshipException(_) => {
                    IdpError::Misconfigured
                }
                ForgotPasswordError::LimitExceededException(_) => IdpError::Throttled,
                ForgotPasswordError::NotAuthorizedException(_) => IdpError::NotAuthorized,
                ForgotPasswordError::OperationNotEnabledException(_) => IdpError::Misconfigured,
                ForgotPasswordError::ResourceNotFoundException(_) => IdpError::Misconfigured,
                ForgotPasswordError::TooManyRequestsException(_) => IdpError::Throttled,
                ForgotPasswordError::UnexpectedLambdaException(_) => IdpError::Misconfigured,
                ForgotPasswordError::UserLambdaValidationException(_) => IdpError::Refused,
                ForgotPasswordError::UserNotFoundException(_) => IdpError::UserNotFound,
                _ => IdpError::Unexpected,
            })
        })?;
        Ok(out.code_delivery_details().and_then(|d| {
            let medium = match d.delivery_medium()? {
                DeliveryMediumType::Email => Medium::Email,
                DeliveryMediumType::Sms => Medium::Sms,
                _ => return None,
            };
            Some(Delivery {
                medium,
                destination: d.destination()?.to_string(),
            })
        }))
    }

    /// `ConfirmForgotPassword`: sets the new password with the code.
    #[tracing::instrument(skip_all)]
    pub async fn confirm_forgot_password(
        &self,
        username: &str,
        code: &str,
        new_password: &str,
    ) -> Result<(), IdpError> {
        let mut req = self
            .client
            .confirm_forgot_password()
            .client_id(&self.client_id)
            .username(username)
            .confirmation_code(code)
            .password(new_password);
        if let Some(h) = self.hash(username) {
            req = req.secret_hash(h);
        }
        req.send().await.map(|_| ()).map_err(|e| {
            classify(e, "ConfirmForgotPassword", |e| match e {
                ConfirmForgotPasswordError::CodeMismatchException(_) => IdpError::CodeMismatch,
                ConfirmForgotPasswordError::ExpiredCodeException(_) => IdpError::ExpiredCode,
                ConfirmForgotPasswordError::ForbiddenException(_) => IdpError::Refused,
                ConfirmForgotPasswordError::InternalErrorException(_) => IdpError::Unavailable,
                ConfirmForgotPasswordError::InvalidLambdaResponseException(_) => {
                    IdpError::Misconfigured
                }
                ConfirmForgotPasswordError::InvalidParameterException(_) => {
                    IdpError::InvalidParameter
                }
                ConfirmForgotPasswordError::InvalidPasswordException(_) => {
                    IdpError::InvalidPassword
                }
                ConfirmForgotPasswordError::LimitExceededException(_) => IdpError::Throttled,
                ConfirmForgotPasswordError::NotAuthorizedException(_) => IdpError::NotAuthorized,
                ConfirmForgotPasswordError::OperationNotEnabledException(_) => {
                    IdpError::Misconfigured
                }
                ConfirmForgotPasswordError::PasswordHistoryPolicyViolationException(_) => {
                    IdpError::PasswordReused
                }
                ConfirmForgotPasswordError::ResourceNotFoundException(_) => IdpError::Misconfigured,
                ConfirmForgotPasswordError::TooManyFailedAttemptsException(_) => {
                    IdpError::Throttled
                }
                ConfirmForgotPasswordError::TooManyRequestsException(_) => IdpError::Throttled,
                ConfirmForgotPasswordError::UnexpectedLambdaException(_) => IdpError::Misconfigured,
                ConfirmForgotPasswordError::UserLambdaValidationException(_) => IdpError::Refused,
                ConfirmForgotPasswordError::UserNotConfirmedException(_) => {
                    IdpError::UserNotConfirmed
                }
                ConfirmForgotPasswordError::UserNotFoundException(_) => IdpError::UserNotFound,
                _ => IdpError::Unexpected,
            })
        })
    }

    /// `ChangePassword` with the user's access token.
    #[tracing::instrument(skip_all)]
    pub async fn change_password(
        &self,
        access: &Token,
        current: &str,
        new_password: &str,
    ) -> Result<(), IdpError> {
        self.client
            .change_password()
            .access_token(access.expose())
            .previous_password(current)
            .proposed_password(new_password)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                classify(e, "ChangePassword", |e| match e {
                    ChangePasswordError::ForbiddenException(_) => IdpError::Refused,
                    ChangePasswordError::InternalErrorException(_) => IdpError::Unavailable,
                    ChangePasswordError::InvalidParameterException(_) => IdpError::InvalidParameter,
                    ChangePasswordError::InvalidPasswordException(_) => IdpError::InvalidPassword,
                    ChangePasswordError::LimitExceededException(_) => IdpError::Throttled,
                    ChangePasswordError::NotAuthorizedException(_) => IdpError::NotAuthorized,
                    ChangePasswordError::OperationNotEnabledException(_) => IdpError::Misconfigured,
                    ChangePasswordError::PasswordHistoryPolicyViolationException(_) => {
                        IdpError::PasswordReused
                    }
                    ChangePasswordError::PasswordResetRequiredException(_) => {
                        IdpError::PasswordResetRequired
                    }
                    ChangePasswordError::ResourceNotFoundException(_) => IdpError::Misconfigured,
                    ChangePasswordError::TooManyRequestsException(_) => IdpError::Throttled,
                    ChangePasswordError::UserNotConfirmedException(_) => IdpError::UserNotConfirmed,
                    ChangePasswordError::UserNotFoundException(_) => IdpError::UserNotFound,
                    _ => IdpError::Unexpected,
                })
            })
    }

    /// `GlobalSignOut`: ends every session of the token's user.
    #[tracing::instrument(skip_all)]
    pub async fn global_sign_out(&self, access: &Token) -> Result<(), IdpError> {
        self.client
            .global_sign_out()
            .access_token(access.expose())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                classify(e, "GlobalSignOut", |e| match e {
                    GlobalSignOutError::ForbiddenException(_) => IdpError::Refused,
                    GlobalSignOutError::InternalErrorException(_) => IdpError::Unavailable,
                    GlobalSignOutError::InvalidParameterException(_) => IdpError::InvalidParameter,
                    GlobalSignOutError::NotAuthorizedException(_) => IdpError::NotAuthorized,
                    GlobalSignOutError::OperationNotEnabledException(_) => IdpError::Misconfigured,
                    GlobalSignOutError::PasswordResetRequiredException(_) => {
                        IdpError::PasswordResetRequired
                    }
                    GlobalSignOutError::ResourceNotFoundException(_) => IdpError::Misconfigured,
                    GlobalSignOutError::TooManyRequestsException(_) => IdpError::Throttled,
                    GlobalSignOutError::UserNotConfirmedException(_) => IdpError::UserNotConfirmed,
                    _ => IdpError::Unexpected,
                })
            })
    }

    /// `RevokeToken`: invalidates a refresh token and the tokens issued from it.
    #[tracing::instrument(skip_all)]
    pub async fn revoke(&self, refresh: &Token) -> Result<(), IdpError> {
        let mut req = self
            .client
            .revoke_token()
            .token(refresh.expose())
            .client_id(&self.client_id);
        if let Some(s) = &self.client_secret {
            req = req.client_secret(s.expose_secret());
        }
        req.send().await.map(|_| ()).map_err(|e| {
            classify(e, "RevokeToken", |e| match e {
                RevokeTokenError::ForbiddenException(_) => IdpError::Refused,
                RevokeTokenError::InternalErrorException(_) => IdpError::Unavailable,
                RevokeTokenError::InvalidParameterException(_) => IdpError::InvalidParameter,
                RevokeTokenError::OperationNotEnabledException(_) => IdpError::Misconfigured,
                RevokeTokenError::TooManyRequestsException(_) => IdpError::Throttled,
                RevokeTokenError::UnauthorizedException(_) => IdpError::NotAuthorized,
                RevokeTokenError::UnsupportedOperationException(_) => IdpError::Misconfigured,
                RevokeTokenError::UnsupportedTokenTypeException(_) => IdpError::Misconfigured,
                _ => IdpError::Unexpected,
            })
        })
    }

    /// `DescribeUserPool`: the pool's password policy.
    #[tracing::instrument(skip_all)]
    pub async fn password_policy(&self) -> Result<PasswordPolicy, IdpError> {
        let out = self
            .client
            .describe_user_pool()
            .user_pool_id(&self.user_pool_id)
            .send()
            .await
            .map_err(|e| {
                classify(e, "DescribeUserPool", |e| match e {
                    DescribeUserPoolError::InternalErrorException(_) => IdpError::Unavailable,
                    DescribeUserPoolError::InvalidParameterException(_) => {
                        IdpError::InvalidParameter
                    }
                    DescribeUserPoolError::NotAuthorizedException(_) => IdpError::NotAuthorized,
                    DescribeUserPoolError::OperationNotEnabledException(_) => {
                        IdpError::Misconfigured
                    }
                    DescribeUserPoolError::ResourceNotFoundException(_) => IdpError::Misconfigured,
                    DescribeUserPoolError::TooManyRequestsException(_) => IdpError::Throttled,
                    DescribeUserPoolError::UserPoolTaggingException(_) => IdpError::Misconfigured,
                    _ => IdpError::Unexpected,
                })
            })?;
        let p = out
            .user_pool()
            .and_then(|u| u.policies())
            .and_then(|p| p.password_policy())
            .ok_or(IdpError::Unexpected)?;
        Ok(PasswordPolicy {
            min_length: p.minimum_length().unwrap_or(8).clamp(6, 99) as u32,
            require_uppercase: p.require_uppercase(),
            require_lowercase: p.require_lowercase(),
            require_numbers: p.require_numbers(),
            require_symbols: p.require_symbols(),
        })
    }

    /// `AdminResetUserPassword`: the user's next sign-in must go through a code.
    #[tracing::instrument(skip_all)]
    pub async fn admin_reset_password(&self, username: &str) -> Result<(), IdpError> {
        self.client
            .admin_reset_user_password()
            .user_pool_id(&self.user_pool_id)
            .username(username)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                classify(e, "AdminResetUserPassword", |e| match e {
                    AdminResetUserPasswordError::InternalErrorException(_) => IdpError::Unavailable,
                    AdminResetUserPasswordError::InvalidEmailRoleAccessPolicyException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminResetUserPasswordError::InvalidLambdaResponseException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminResetUserPasswordError::InvalidParameterException(_) => {
                        IdpError::InvalidParameter
                    }
                    AdminResetUserPasswordError::InvalidSmsRoleAccessPolicyException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminResetUserPasswordError::InvalidSmsRoleTrustRelationshipException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminResetUserPasswordError::LimitExceededException(_) => IdpError::Throttled,
                    AdminResetUserPasswordError::NotAuthorizedException(_) => {
                        IdpError::NotAuthorized
                    }
                    AdminResetUserPasswordError::OperationNotEnabledException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminResetUserPasswordError::ResourceNotFoundException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminResetUserPasswordError::TooManyRequestsException(_) => IdpError::Throttled,
                    AdminResetUserPasswordError::UnexpectedLambdaException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminResetUserPasswordError::UserLambdaValidationException(_) => {
                        IdpError::Refused
                    }
                    AdminResetUserPasswordError::UserNotFoundException(_) => IdpError::UserNotFound,
                    _ => IdpError::Unexpected,
                })
            })
    }

    /// `AdminSetUserPassword`, temporary (`permanent == false`) or permanent.
    #[tracing::instrument(skip_all)]
    pub async fn admin_set_password(
        &self,
        username: &str,
        password: &str,
        permanent: bool,
    ) -> Result<(), IdpError> {
        self.client
            .admin_set_user_password()
            .user_pool_id(&self.user_pool_id)
            .username(username)
            .password(password)
            .permanent(permanent)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                classify(e, "AdminSetUserPassword", |e| match e {
                    AdminSetUserPasswordError::InternalErrorException(_) => IdpError::Unavailable,
                    AdminSetUserPasswordError::InvalidParameterException(_) => {
                        IdpError::InvalidParameter
                    }
                    AdminSetUserPasswordError::InvalidPasswordException(_) => {
                        IdpError::InvalidPassword
                    }
                    AdminSetUserPasswordError::NotAuthorizedException(_) => IdpError::NotAuthorized,
                    AdminSetUserPasswordError::OperationNotEnabledException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminSetUserPasswordError::PasswordHistoryPolicyViolationException(_) => {
                        IdpError::PasswordReused
                    }
                    AdminSetUserPasswordError::ResourceNotFoundException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminSetUserPasswordError::TooManyRequestsException(_) => IdpError::Throttled,
                    AdminSetUserPasswordError::UserNotFoundException(_) => IdpError::UserNotFound,
                    _ => IdpError::Unexpected,
                })
            })
    }

    /// `AdminUpdateUserAttributes` setting `email_verified` or `phone_number_verified`.
    #[tracing::instrument(skip_all)]
    pub async fn admin_mark_verified(&self, username: &str, phone: bool) -> Result<(), IdpError> {
        let name = if phone {
            "phone_number_verified"
        } else {
            "email_verified"
        };
        let attr = AttributeType::builder()
            .name(name)
            .value("true")
            .build()
            .map_err(|_| IdpError::Unexpected)?;
        self.client
            .admin_update_user_attributes()
            .user_pool_id(&self.user_pool_id)
            .username(username)
            .user_attributes(attr)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                classify(e, "AdminUpdateUserAttributes", |e| match e {
                    AdminUpdateUserAttributesError::AliasExistsException(_) => {
                        IdpError::AliasExists
                    }
                    AdminUpdateUserAttributesError::InternalErrorException(_) => {
                        IdpError::Unavailable
                    }
                    AdminUpdateUserAttributesError::InvalidEmailRoleAccessPolicyException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminUpdateUserAttributesError::InvalidLambdaResponseException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminUpdateUserAttributesError::InvalidParameterException(_) => {
                        IdpError::InvalidParameter
                    }
                    AdminUpdateUserAttributesError::InvalidSmsRoleAccessPolicyException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminUpdateUserAttributesError::InvalidSmsRoleTrustRelationshipException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminUpdateUserAttributesError::NotAuthorizedException(_) => {
                        IdpError::NotAuthorized
                    }
                    AdminUpdateUserAttributesError::OperationNotEnabledException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminUpdateUserAttributesError::ResourceNotFoundException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminUpdateUserAttributesError::TooManyRequestsException(_) => {
                        IdpError::Throttled
                    }
                    AdminUpdateUserAttributesError::UnexpectedLambdaException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminUpdateUserAttributesError::UserLambdaValidationException(_) => {
                        IdpError::Refused
                    }
                    AdminUpdateUserAttributesError::UserNotFoundException(_) => {
                        IdpError::UserNotFound
                    }
                    _ => IdpError::Unexpected,
                })
            })
    }

    /// `AdminUserGlobalSignOut`: ends every session of the user.
    #[tracing::instrument(skip_all)]
    /// The error carries the exception's code (or the transport failure's kind) for the log.
    pub async fn admin_sign_out(&self, username: &str) -> Result<(), (IdpError, String)> {
        self.client
            .admin_user_global_sign_out()
            .user_pool_id(&self.user_pool_id)
            .username(username)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                let code = failure_code(&e);
                let kind = classify(e, "AdminUserGlobalSignOut", |e| match e {
                    AdminUserGlobalSignOutError::InternalErrorException(_) => IdpError::Unavailable,
                    AdminUserGlobalSignOutError::InvalidParameterException(_) => {
                        IdpError::InvalidParameter
                    }
                    AdminUserGlobalSignOutError::NotAuthorizedException(_) => {
                        IdpError::NotAuthorized
                    }
                    AdminUserGlobalSignOutError::OperationNotEnabledException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminUserGlobalSignOutError::ResourceNotFoundException(_) => {
                        IdpError::Misconfigured
                    }
                    AdminUserGlobalSignOutError::TooManyRequestsException(_) => IdpError::Throttled,
                    AdminUserGlobalSignOutError::UserNotFoundException(_) => IdpError::UserNotFound,
                    _ => IdpError::Unexpected,
                });
                (kind, code)
            })
    }

    /// `AdminGetUser`: status and contact verification, never secrets.
    #[tracing::instrument(skip_all)]
    pub async fn admin_get_user(&self, username: &str) -> Result<UserSummary, IdpError> {
        let out = self
            .client
            .admin_get_user()
            .user_pool_id(&self.user_pool_id)
            .username(username)
            .send()
            .await
            .map_err(|e| {
                classify(e, "AdminGetUser", |e| match e {
                    AdminGetUserError::InternalErrorException(_) => IdpError::Unavailable,
                    AdminGetUserError::InvalidParameterException(_) => IdpError::InvalidParameter,
                    AdminGetUserError::NotAuthorizedException(_) => IdpError::NotAuthorized,
                    AdminGetUserError::OperationNotEnabledException(_) => IdpError::Misconfigured,
                    AdminGetUserError::ResourceNotFoundException(_) => IdpError::Misconfigured,
                    AdminGetUserError::TooManyRequestsException(_) => IdpError::Throttled,
                    AdminGetUserError::UserNotFoundException(_) => IdpError::UserNotFound,
                    _ => IdpError::Unexpected,
                })
            })?;
        let attrs: HashMap<&str, &str> = out
            .user_attributes()
            .iter()
            .filter_map(|a| Some((a.name(), a.value()?)))
            .collect();
        Ok(UserSummary {
            username: out.username().to_string(),
            status: out
                .user_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_else(|| "UNKNOWN".into()),
            enabled: out.enabled(),
            email: attrs.get("email").map(|s| s.to_string()),
            email_verified: attrs.get("email_verified") == Some(&"true"),
            phone_number: attrs.get("phone_number").map(|s| s.to_string()),
            phone_number_verified: attrs.get("phone_number_verified") == Some(&"true"),
        })
    }
}

fn classify_initiate_auth(e: SdkError<InitiateAuthError, HttpResponse>, op: &str) -> IdpError {
    classify(e, op, |e| match e {
        InitiateAuthError::FeatureUnavailableInTierException(_) => IdpError::Misconfigured,
        InitiateAuthError::ForbiddenException(_) => IdpError::Refused,
        InitiateAuthError::InternalErrorException(_) => IdpError::Unavailable,
        InitiateAuthError::InvalidEmailRoleAccessPolicyException(_) => IdpError::Misconfigured,
        InitiateAuthError::InvalidLambdaResponseException(_) => IdpError::Misconfigured,
        InitiateAuthError::InvalidParameterException(_) => IdpError::InvalidParameter,
        InitiateAuthError::InvalidSmsRoleAccessPolicyException(_) => IdpError::Misconfigured,
        InitiateAuthError::InvalidSmsRoleTrustRelationshipException(_) => IdpError::Misconfigured,
        InitiateAuthError::InvalidUserPoolConfigurationException(_) => IdpError::Misconfigured,
        InitiateAuthError::NotAuthorizedException(_) => IdpError::NotAuthorized,
        InitiateAuthError::OperationNotEnabledException(_) => IdpError::Misconfigured,
        InitiateAuthError::PasswordResetRequiredException(_) => IdpError::PasswordResetRequired,
        InitiateAuthError::ResourceNotFoundException(_) => IdpError::Misconfigured,
        InitiateAuthError::TooManyRequestsException(_) => IdpError::Throttled,
        InitiateAuthError::UnexpectedLambdaException(_) => IdpError::Misconfigured,
        InitiateAuthError::UnsupportedOperationException(_) => IdpError::Misconfigured,
        InitiateAuthError::UserLambdaValidationException(_) => IdpError::Refused,
        InitiateAuthError::UserNotConfirmedException(_) => IdpError::UserNotConfirmed,
        InitiateAuthError::UserNotFoundException(_) => IdpError::UserNotFound,
        _ => IdpError::Unexpected,
    })
}

/// Times every Cognito operation (retries included) into the latency histogram.
#[derive(Debug)]
struct Timing;

#[derive(Clone, Debug)]
struct Started(std::time::Instant);

impl aws_smithy_types::config_bag::Storable for Started {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

impl aws_smithy_runtime_api::client::interceptors::Intercept for Timing {
    fn name(&self) -> &'static str {
        "Timing"
    }

    fn read_before_execution(
        &self,
        _ctx: &aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        cfg.interceptor_state()
            .store_put(Started(std::time::Instant::now()));
        Ok(())
    }

    fn read_after_execution(
        &self,
        ctx: &aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef<
            '_,
        >,
        _rc: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let op = cfg
            .load::<aws_smithy_runtime_api::client::orchestrator::Metadata>()
            .map(|m| m.name().to_string())
            .unwrap_or_else(|| "unknown".into());
        let outcome = match ctx.output_or_error() {
            Some(Ok(_)) => "ok",
            _ => "error",
        };
        if let Some(Started(t)) = cfg.load::<Started>() {
            crate::metrics::metrics().cognito(&op, outcome, t.elapsed());
        }
        Ok(())
    }
}

/// Logs an SDK failure: the operation and the exception code. Cognito's free-text message is
/// never logged: it can name the user (e.g. a wrong current password on `ChangePassword`).
/// Transport failures are logged by kind.
fn log_sdk<E, R>(e: &SdkError<E, R>, operation: &str)
where
    E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata + std::error::Error,
{
    match e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            tracing::warn!(
                operation,
                code = err.code().unwrap_or("unknown"),
                "cognito refused the call"
            );
        }
        SdkError::TimeoutError(_) => tracing::error!(operation, "cognito call timed out"),
        SdkError::DispatchFailure(d) => {
            tracing::error!(
                operation,
                io = d.is_io(),
                timeout = d.is_timeout(),
                "cognito unreachable"
            )
        }
        _ => tracing::error!(operation, "cognito call failed: unreadable response"),
    }
}

/// The exception code of a failed call, or what kind of transport failure it was.
fn failure_code<E, R>(e: &SdkError<E, R>) -> String
where
    E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata,
{
    match e {
        SdkError::ServiceError(s) => s.err().code().unwrap_or("unknown").to_string(),
        SdkError::TimeoutError(_) => "timeout".into(),
        SdkError::DispatchFailure(_) => "unreachable".into(),
        _ => "unreadable response".into(),
    }
}

/// Sorts a failed call: Cognito's own answers go through the operation's `table`; anything
/// that is not an answer (timeouts, connection errors, garbled responses) is `Unavailable`.
fn classify<E>(
    e: SdkError<E, HttpResponse>,
    operation: &str,
    table: impl FnOnce(E) -> IdpError,
) -> IdpError
where
    E: aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata + std::error::Error,
{
    log_sdk(&e, operation);
    match e {
        SdkError::ServiceError(s) => {
            let code = s.err().code().unwrap_or("unknown").to_string();
            let kind = table(s.into_err());
            if kind == IdpError::Unexpected {
                tracing::error!(
                    operation,
                    code = %code,
                    "cognito answered with an exception this app does not know"
                );
            }
            kind
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            IdpError::Unavailable
        }
        _ => IdpError::Unexpected,
    }
}

fn sign_in_outcome(
    result: Option<&AuthenticationResultType>,
    challenge: Option<&ChallengeNameType>,
    session: Option<&str>,
    params: Option<&HashMap<String, String>>,
) -> SignIn {
    if let Some(t) = result.and_then(tokens) {
        return SignIn::Tokens(t);
    }
    match (challenge, session) {
        (Some(ChallengeNameType::NewPasswordRequired), Some(s)) => {
            let required_attributes = params
                .and_then(|p| p.get("requiredAttributes"))
                .and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
                .unwrap_or_default()
                .into_iter()
                .map(|a| a.trim_start_matches("userAttributes.").to_string())
                .collect();
            let challenge_username = params
                .and_then(|p| p.get("USER_ID_FOR_SRP"))
                .map(|s| s.to_string());
            SignIn::NewPasswordRequired {
                session: Token::from(s),
                required_attributes,
                challenge_username,
            }
        }
        (Some(c), _) => SignIn::Unsupported(c.as_str().to_string()),
        (None, _) => SignIn::Unsupported("none".into()),
    }
}

fn tokens(r: &AuthenticationResultType) -> Option<Tokens> {
    let access = r.access_token()?;
    // `ExpiresIn` is optional in Cognito's answer (the SDK reads a missing one as 0): then the
    // token's own `exp` says how long it lives, else an hour (Cognito's default).
    let expires_in = match i64::from(r.expires_in()) {
        n if n > 0 => n,
        _ => jwt_exp(access)
            .map(|exp| exp - crate::state::now())
            .filter(|n| *n > 0)
            .unwrap_or(3600),
    };
    Some(Tokens {
        access: Token::from(access),
        id: r.id_token().map(Token::from),
        refresh: r.refresh_token().map(Token::from),
        expires_in,
    })
}

/// The `exp` claim (Unix seconds) of a JWT, read without checking the signature: the token
/// came straight from Cognito over TLS and is only timed here, never trusted for identity.
fn jwt_exp(jwt: &str) -> Option<i64> {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    let payload = jwt.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()?
        .get("exp")?
        .as_i64()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cognitoidentityprovider::{
        operation::forgot_password::ForgotPasswordOutput,
        types::{error::LimitExceededException, CodeDeliveryDetailsType},
    };
    use aws_smithy_mocks::{mock, mock_client};

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
        let exp = crate::state::now() + 1800;
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
        let rule = mock!(Client::forgot_password).then_error(|| {
            ForgotPasswordError::LimitExceededException(LimitExceededException::builder().build())
        });
        let client = mock_client!(aws_sdk_cognitoidentityprovider, [&rule]);
        let c = Cognito::new(client, "eu-west-1_x".into(), "client1".into(), None);
        assert_eq!(c.forgot_password("jane").await, Err(IdpError::Throttled));
    }
}

#[cfg(test)]
mod secret_hash_tests {
    //! With a client secret, every user-pool call the flows make carries `SECRET_HASH`.
    use super::*;
    use aws_sdk_cognitoidentityprovider::operation::{
        confirm_forgot_password::ConfirmForgotPasswordOutput,
        forgot_password::ForgotPasswordOutput, initiate_auth::InitiateAuthOutput,
        respond_to_auth_challenge::RespondToAuthChallengeOutput, revoke_token::RevokeTokenOutput,
    };
    use aws_smithy_mocks::{mock, mock_client, RuleMode};

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
        let revoke = mock!(Client::revoke_token)
            .match_requests(|r| r.client_secret() == Some("shh"))
            .then_output(|| RevokeTokenOutput::builder().build());
        let _ = h5;
        let client = mock_client!(
            aws_sdk_cognitoidentityprovider,
            RuleMode::MatchAny,
            [&sign_in, &respond, &forgot, &confirm, &revoke]
        );
        let c = Cognito::new(
            client,
            "eu-west-1_x".into(),
            "client1".into(),
            Some(SecretString::from("shh")),
        );
        let _ = c.sign_in("jane", "pw").await;
        let _ = c.refresh(&Token::from("r"), "jane").await;
        let _ = c
            .respond_new_password("jane", &Token::from("s"), "pw", &[])
            .await;
        c.forgot_password("jane").await.unwrap();
        c.confirm_forgot_password("jane", "1", "pw").await.unwrap();
        c.revoke(&Token::from("r")).await.unwrap();
        assert_eq!(
            sign_in.num_calls(),
            2,
            "sign-in and refresh both sent SECRET_HASH"
        );
        assert_eq!(respond.num_calls(), 1);
        assert_eq!(forgot.num_calls(), 1);
        assert_eq!(confirm.num_calls(), 1);
        assert_eq!(revoke.num_calls(), 1);
    }
}
