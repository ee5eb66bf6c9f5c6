//! Signing in: `InitiateAuth` (password, choice-based, passkey), every challenge answered with
//! `RespondToAuthChallenge`, an authenticator app set up during sign-in, token refresh and
//! what each answer means ([`SignIn`]).

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType, VerifySoftwareTokenResponseType,
};

use super::{classify, Challenge, Cognito, Factor, IdpError, MfaKind, SignIn, Token, Tokens};

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

impl Cognito {
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

    /// `GetTokensFromRefreshToken`: new tokens for `refresh`. It works whether the app client
    /// rotates refresh tokens or not (a client that rotates refuses `InitiateAuth`'s
    /// `REFRESH_TOKEN_AUTH`); with rotation on, the answer holds a new refresh token and the old
    /// one is void after the client's grace period, so the caller keeps what comes back. It
    /// takes the client secret itself, not a `SECRET_HASH` (so no username is needed).
    #[tracing::instrument(skip_all)]
    pub async fn refresh(&self, refresh: &Token) -> Result<Tokens, IdpError> {
        let out = self
            .client
            .get_tokens_from_refresh_token()
            .client_id(&*self.client_id)
            .refresh_token(refresh.expose())
            .set_client_secret(
                self.client_secret
                    .as_ref()
                    .map(|s| secrecy::ExposeSecret::expose_secret(&**s).to_string()),
            )
            .send()
            .await
            .map_err(|e| classify(e, "GetTokensFromRefreshToken"))?;
        match out.authentication_result() {
            Some(r) => {
                let mut t = tokens(r).ok_or(IdpError::Unexpected)?;
                // Without rotation the refresh token stays the same and is not sent again.
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

    /// `InitiateAuth` with `USER_AUTH` and a passkey as the preferred first factor.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in_passkey(&self, username: &str) -> Result<SignIn, IdpError> {
        let params = [("PREFERRED_CHALLENGE", "WEB_AUTHN")];
        self.initiate(AuthFlowType::UserAuth, username, &params)
            .await
    }

    /// `RespondToAuthChallenge` for `SELECT_CHALLENGE` with a passkey: Cognito answers with
    /// the `WEB_AUTHN` step.
    #[tracing::instrument(skip_all)]
    pub async fn respond_select_passkey(
        &self,
        username: &str,
        session: &Token,
    ) -> Result<SignIn, IdpError> {
        let answers = vec![("ANSWER".to_string(), "WEB_AUTHN".to_string())];
        self.respond(
            ChallengeNameType::SelectChallenge,
            username,
            session,
            answers,
        )
        .await
    }

    /// `RespondToAuthChallenge` for `WEB_AUTHN` with the browser's assertion (its `toJSON()`).
    #[tracing::instrument(skip_all)]
    pub async fn respond_passkey(
        &self,
        username: &str,
        session: &Token,
        credential: &str,
    ) -> Result<SignIn, IdpError> {
        let answers = vec![("CREDENTIAL".to_string(), credential.to_string())];
        self.respond(ChallengeNameType::WebAuthn, username, session, answers)
            .await
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

pub(super) fn tokens(r: &AuthenticationResultType) -> Option<Tokens> {
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
