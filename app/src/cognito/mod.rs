//! The one module that names `aws_sdk_cognitoidentityprovider` types (server only).
//!
//! It turns each Cognito call into a plain async method with domain inputs and outputs, and
//! sorts every exception into an [`IdpError`] kind ([`errors`]). Flows decide what a kind means
//! to the user. The SDK's own error text is never logged or passed on. The user-pool calls an
//! app client makes are here; the IAM-credentialed ones in [`admin`].

mod account;
mod admin;
mod errors;

pub use account::{
    document_json, json_document, MfaPreference, MfaRule, Passkey, PoolFeatures, RememberedDevice,
    UserSecurity,
};
pub use admin::UserSummary;
use errors::classify;
pub use errors::{kind_of, IdpError, KINDS};

use std::{collections::HashMap, fmt, sync::Arc, time::Duration};

use aws_config::{timeout::TimeoutConfig, BehaviorVersion, Region};
use aws_sdk_cognitoidentityprovider::{
    types::{
        AuthFlowType, AuthenticationResultType, ChallengeNameType, DeliveryMediumType,
        UserContextDataType, VerifySoftwareTokenResponseType,
    },
    Client,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::config::Settings;

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
    /// Cognito asks for another step before it issues tokens.
    Challenge {
        step: Challenge,
        /// Cognito's challenge session (kept server-side only); each answer gets a new one.
        session: Token,
        /// Cognito's canonical username for the challenge responses (`USER_ID_FOR_SRP`).
        username: Option<String>,
    },
    /// A challenge this app does not handle.
    Unsupported(String),
}

/// The challenge a code of `kind` answers, and the response key of the code.
fn code_challenge(kind: MfaKind) -> (ChallengeNameType, &'static str) {
    match kind {
        MfaKind::Totp => (
            ChallengeNameType::SoftwareTokenMfa,
            "SOFTWARE_TOKEN_MFA_CODE",
        ),
        MfaKind::Sms => (ChallengeNameType::SmsMfa, "SMS_MFA_CODE"),
        MfaKind::Email => (ChallengeNameType::EmailOtp, "EMAIL_OTP_CODE"),
        MfaKind::SmsOtp => (ChallengeNameType::SmsOtp, "SMS_OTP_CODE"),
    }
}

/// A step Cognito asks for during a password sign-in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Challenge {
    /// A temporary password was used: a new one must be set, with these attributes (without
    /// the `userAttributes.` prefix).
    NewPassword { required_attributes: Vec<String> },
    /// A code of this kind; for SMS and email, where Cognito said it went
    /// (`CODE_DELIVERY_DESTINATION`, as Cognito masked it).
    Code {
        kind: MfaKind,
        destination: Option<String>,
    },
    /// The user picks the second factor (`SELECT_MFA_TYPE`, from `MFAS_CAN_CHOOSE`).
    SelectMfa { options: Vec<MfaKind> },
    /// The pool requires a second factor the user has not set up (`MFA_SETUP`, from
    /// `MFAS_CAN_SETUP`).
    MfaSetup { options: Vec<MfaKind> },
    /// Choice-based sign-in: the user picks the first factor (`SELECT_CHALLENGE`, from
    /// `AvailableChallenges`).
    SelectFactor { options: Vec<Factor> },
    /// A passkey (`WEB_AUTHN`): the `PublicKeyCredentialRequestOptions` (JSON) for the
    /// browser's `navigator.credentials.get`.
    Passkey { options: String },
}

pub use crate::forms::Medium;
pub use crate::forms::{Delivery, Factor, MfaKind};

/// The Cognito user pool and app client this app works with.
#[derive(Clone)]
pub struct Cognito {
    client: Client,
    // Shared, so that the per-request copy (`for_user_at`) costs no allocation.
    user_pool_id: Arc<str>,
    client_id: Arc<str>,
    client_secret: Option<Arc<SecretString>>,
    /// The end user's IP address, sent as `UserContextData` so Cognito's threat protection
    /// sees the user, not this server (see [`Cognito::for_user_at`]).
    user_ip: Option<std::net::IpAddr>,
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
        let total = settings.cognito.timeout;
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(settings.cognito.region.clone()))
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
        if let Some(url) = &settings.cognito.endpoint_url {
            config = config.endpoint_url(url);
        }
        let config = config.build();
        Self::new(
            Client::from_conf(config),
            settings.cognito.user_pool_id.clone(),
            settings.cognito.client_id.clone(),
            settings.cognito.client_secret.clone(),
        )
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
            user_pool_id: user_pool_id.into(),
            client_id: client_id.into(),
            client_secret: client_secret.map(Arc::new),
            user_ip: None,
        }
    }

    /// The same client, for calls made on behalf of a user at `ip`.
    pub fn for_user_at(&self, ip: std::net::IpAddr) -> Self {
        Self {
            user_ip: (!ip.is_unspecified()).then_some(ip),
            ..self.clone()
        }
    }

    /// `UserContextData` with the user's IP address (no `EncodedData`: that needs Cognito's
    /// JavaScript collector in the browser, see the README).
    fn context(&self) -> Option<UserContextDataType> {
        self.user_ip.as_ref().map(|ip| {
            UserContextDataType::builder()
                .ip_address(ip.to_string())
                .build()
        })
    }

    fn hash(&self, username: &str) -> Option<String> {
        self.client_secret
            .as_ref()
            .map(|s| secret_hash(s.expose_secret(), username, &self.client_id))
    }

    /// `InitiateAuth` with `USER_PASSWORD_AUTH`.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<SignIn, IdpError> {
        let params = [("PASSWORD", password)];
        self.initiate(AuthFlowType::UserPasswordAuth, username, &params)
            .await
    }

    /// `InitiateAuth` for `username` with the flow's other parameters (and `SECRET_HASH`,
    /// `UserContextData`).
    async fn initiate(
        &self,
        flow: AuthFlowType,
        username: &str,
        params: &[(&str, &str)],
    ) -> Result<SignIn, IdpError> {
        let mut req = self
            .client
            .initiate_auth()
            .auth_flow(flow)
            .client_id(&*self.client_id)
            .auth_parameters("USERNAME", username)
            .set_user_context_data(self.context());
        for (key, value) in params {
            req = req.auth_parameters(*key, *value);
        }
        if let Some(h) = self.hash(username) {
            req = req.auth_parameters("SECRET_HASH", h);
        }
        let out = req.send().await.map_err(|e| classify(e, "InitiateAuth"))?;
        Ok(outcome_of(&out))
    }

    /// `InitiateAuth` with `USER_AUTH` (choice-based sign-in): with a password as the preferred
    /// first factor, or without one, when Cognito answers `SELECT_CHALLENGE` with the factors
    /// the user may use.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in_choice(
        &self,
        username: &str,
        password: Option<&str>,
    ) -> Result<SignIn, IdpError> {
        let params = match password {
            Some(p) => vec![("PREFERRED_CHALLENGE", "PASSWORD"), ("PASSWORD", p)],
            None => vec![],
        };
        self.initiate(AuthFlowType::UserAuth, username, &params)
            .await
    }

    /// `RespondToAuthChallenge` for `SELECT_CHALLENGE` with a code factor (Cognito sends it).
    #[tracing::instrument(skip_all)]
    pub async fn respond_select_factor(
        &self,
        kind: MfaKind,
        username: &str,
        session: &Token,
    ) -> Result<SignIn, IdpError> {
        let answers = vec![("ANSWER".to_string(), kind.wire().to_string())];
        self.respond(
            ChallengeNameType::SelectChallenge,
            username,
            session,
            answers,
        )
        .await
    }

    /// `InitiateAuth` with `REFRESH_TOKEN_AUTH`. `hash_username` is the user's
    /// `cognito:username` (needed for `SECRET_HASH`).
    #[tracing::instrument(skip_all)]
    pub async fn refresh(&self, refresh: &Token, hash_username: &str) -> Result<Tokens, IdpError> {
        let mut req = self
            .client
            .initiate_auth()
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .client_id(&*self.client_id)
            .auth_parameters("REFRESH_TOKEN", refresh.expose())
            .set_user_context_data(self.context());
        if let Some(h) = self.hash(hash_username) {
            req = req.auth_parameters("SECRET_HASH", h);
        }
        let out = req
            .send()
            .await
            .map_err(|e| classify(e, "InitiateAuth(refresh)"))?;
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
        let mut answers = vec![("NEW_PASSWORD".to_string(), new_password.to_string())];
        for (name, value) in attributes {
            answers.push((format!("userAttributes.{name}"), value.clone()));
        }
        self.respond(
            ChallengeNameType::NewPasswordRequired,
            username,
            session,
            answers,
        )
        .await
    }

    /// `RespondToAuthChallenge` with an MFA code of `kind`.
    #[tracing::instrument(skip_all)]
    pub async fn respond_code(
        &self,
        kind: MfaKind,
        username: &str,
        session: &Token,
        code: &str,
    ) -> Result<SignIn, IdpError> {
        let (challenge, key) = code_challenge(kind);
        let answers = vec![(key.to_string(), code.to_string())];
        self.respond(challenge, username, session, answers).await
    }

    /// `RespondToAuthChallenge` for `SELECT_MFA_TYPE` with the user's choice.
    #[tracing::instrument(skip_all)]
    pub async fn respond_select_mfa(
        &self,
        kind: MfaKind,
        username: &str,
        session: &Token,
    ) -> Result<SignIn, IdpError> {
        let answers = vec![("ANSWER".to_string(), kind.wire().to_string())];
        self.respond(ChallengeNameType::SelectMfaType, username, session, answers)
            .await
    }

    /// `RespondToAuthChallenge` for `MFA_SETUP`, with the session `VerifySoftwareToken` gave.
    #[tracing::instrument(skip_all)]
    pub async fn respond_mfa_setup(
        &self,
        username: &str,
        session: &Token,
    ) -> Result<SignIn, IdpError> {
        self.respond(ChallengeNameType::MfaSetup, username, session, vec![])
            .await
    }

    async fn respond(
        &self,
        challenge: ChallengeNameType,
        username: &str,
        session: &Token,
        answers: Vec<(String, String)>,
    ) -> Result<SignIn, IdpError> {
        let mut req = self
            .client
            .respond_to_auth_challenge()
            .client_id(&*self.client_id)
            .challenge_name(challenge)
            .session(session.expose())
            .challenge_responses("USERNAME", username)
            .set_user_context_data(self.context());
        for (key, value) in answers {
            req = req.challenge_responses(key, value);
        }
        if let Some(h) = self.hash(username) {
            req = req.challenge_responses("SECRET_HASH", h);
        }
        let out = req
            .send()
            .await
            .map_err(|e| classify(e, "RespondToAuthChallenge"))?;
        Ok(sign_in_outcome(
            out.authentication_result(),
            out.challenge_name(),
            out.session(),
            out.challenge_parameters(),
        ))
    }

    /// `AssociateSoftwareToken` with a challenge session: the new authenticator's secret key
    /// and the session to verify it with.
    #[tracing::instrument(skip_all)]
    pub async fn associate_software_token(
        &self,
        session: &Token,
    ) -> Result<(Token, Token), IdpError> {
        let out = self
            .client
            .associate_software_token()
            .session(session.expose())
            .send()
            .await
            .map_err(|e| classify(e, "AssociateSoftwareToken"))?;
        match (out.secret_code(), out.session()) {
            (Some(secret), Some(next)) => Ok((Token::from(secret), Token::from(next))),
            _ => Err(IdpError::Unexpected),
        }
    }

    /// `VerifySoftwareToken`: checks the first code of the new authenticator; returns the
    /// session to finish `MFA_SETUP` with. A code Cognito does not accept is `CodeMismatch`.
    #[tracing::instrument(skip_all)]
    pub async fn verify_software_token(
        &self,
        session: &Token,
        code: &str,
        device_name: &str,
    ) -> Result<Token, IdpError> {
        let out = self
            .client
            .verify_software_token()
            .session(session.expose())
            .user_code(code)
            .friendly_device_name(device_name)
            .send()
            .await
            .map_err(|e| classify(e, "VerifySoftwareToken"))?;
        match (out.status(), out.session()) {
            (Some(VerifySoftwareTokenResponseType::Success), Some(next)) => Ok(Token::from(next)),
            (Some(VerifySoftwareTokenResponseType::Success), None) => Ok(session.clone()),
            _ => Err(IdpError::CodeMismatch),
        }
    }

    /// `ForgotPassword`: sends a reset code. Returns where it went, when Cognito says.
    #[tracing::instrument(skip_all)]
    pub async fn forgot_password(&self, username: &str) -> Result<Option<Delivery>, IdpError> {
        let mut req = self
            .client
            .forgot_password()
            .client_id(&*self.client_id)
            .username(username)
            .set_user_context_data(self.context());
        if let Some(h) = self.hash(username) {
            req = req.secret_hash(h);
        }
        let out = req
            .send()
            .await
            .map_err(|e| classify(e, "ForgotPassword"))?;
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
            .client_id(&*self.client_id)
            .username(username)
            .confirmation_code(code)
            .password(new_password)
            .set_user_context_data(self.context());
        if let Some(h) = self.hash(username) {
            req = req.secret_hash(h);
        }
        req.send()
            .await
            .map(|_| ())
            .map_err(|e| classify(e, "ConfirmForgotPassword"))
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
            .map_err(|e| classify(e, "ChangePassword"))
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
            .map_err(|e| classify(e, "GlobalSignOut"))
    }

    /// `RevokeToken`: invalidates a refresh token and the tokens issued from it.
    #[tracing::instrument(skip_all)]
    pub async fn revoke(&self, refresh: &Token) -> Result<(), IdpError> {
        let mut req = self
            .client
            .revoke_token()
            .token(refresh.expose())
            .client_id(&*self.client_id);
        if let Some(s) = &self.client_secret {
            req = req.client_secret(s.expose_secret());
        }
        req.send()
            .await
            .map(|_| ())
            .map_err(|e| classify(e, "RevokeToken"))
    }
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

fn sign_in_outcome(
    result: Option<&AuthenticationResultType>,
    challenge: Option<&ChallengeNameType>,
    session: Option<&str>,
    params: Option<&HashMap<String, String>>,
) -> SignIn {
    if let Some(t) = result.and_then(tokens) {
        return SignIn::Tokens(t);
    }
    let param = |k: &str| params.and_then(|p| p.get(k)).map(String::as_str);
    let list = |k: &str| -> Vec<String> {
        param(k)
            .and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
            .unwrap_or_default()
    };
    // Cognito sends these as a JSON list in a string; moto as a Python list (single quotes):
    // read either.
    let kinds = |k: &str| -> Vec<MfaKind> {
        param(k)
            .unwrap_or("")
            .trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .filter_map(|n| MfaKind::from_wire(n.trim().trim_matches(|c| c == '"' || c == '\'')))
            .collect()
    };
    let code = |kind| Challenge::Code {
        kind,
        destination: param("CODE_DELIVERY_DESTINATION").map(str::to_string),
    };
    let Some(name) = challenge else {
        return SignIn::Unsupported("none".into());
    };
    let step = match name {
        ChallengeNameType::NewPasswordRequired => Challenge::NewPassword {
            required_attributes: list("requiredAttributes")
                .into_iter()
                .map(|a| a.trim_start_matches("userAttributes.").to_string())
                .collect(),
        },
        ChallengeNameType::SoftwareTokenMfa => code(MfaKind::Totp),
        ChallengeNameType::SmsMfa => code(MfaKind::Sms),
        ChallengeNameType::EmailOtp => code(MfaKind::Email),
        ChallengeNameType::SmsOtp => code(MfaKind::SmsOtp),
        ChallengeNameType::SelectMfaType => Challenge::SelectMfa {
            options: kinds("MFAS_CAN_CHOOSE"),
        },
        ChallengeNameType::MfaSetup => Challenge::MfaSetup {
            options: kinds("MFAS_CAN_SETUP"),
        },
        ChallengeNameType::WebAuthn => match param("CREDENTIAL_REQUEST_OPTIONS") {
            Some(options) => Challenge::Passkey {
                options: options.to_string(),
            },
            None => return SignIn::Unsupported("WEB_AUTHN without options".into()),
        },
        other => return SignIn::Unsupported(other.as_str().to_string()),
    };
    match session {
        Some(s) => SignIn::Challenge {
            step,
            session: Token::from(s),
            username: param("USER_ID_FOR_SRP").map(str::to_string),
        },
        None => SignIn::Unsupported(format!("{} without a session", name.as_str())),
    }
}

/// What an `InitiateAuth` answer means.
pub fn outcome_of(
    out: &aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput,
) -> SignIn {
    if out.challenge_name() == Some(&ChallengeNameType::SelectChallenge) {
        if let Some(session) = out.session() {
            let options = out
                .available_challenges()
                .iter()
                .filter_map(|c| Factor::from_wire(c.as_str()))
                .collect();
            return SignIn::Challenge {
                step: Challenge::SelectFactor { options },
                session: Token::from(session),
                username: None,
            };
        }
    }
    sign_in_outcome(
        out.authentication_result(),
        out.challenge_name(),
        out.session(),
        out.challenge_parameters(),
    )
}

fn tokens(r: &AuthenticationResultType) -> Option<Tokens> {
    let access = r.access_token()?;
    // `ExpiresIn` is optional in Cognito's answer (the SDK reads a missing one as 0): then the
    // token's own `exp` says how long it lives, else an hour (Cognito's default).
    let expires_in = match i64::from(r.expires_in()) {
        n if n > 0 => n,
        _ => jwt_exp(access)
            .map(|exp| exp - crate::clock::now())
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
        operation::{
            admin_reset_user_password::AdminResetUserPasswordError,
            forgot_password::{ForgotPasswordError, ForgotPasswordOutput},
        },
        types::CodeDeliveryDetailsType,
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
