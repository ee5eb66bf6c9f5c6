//! The delayed removal of a lost second factor (`MFA_RESET`), for a user without recovery
//! codes. The user proves the password (a sign-in that got as far as the second factor) and a
//! code emailed to the verified address; the request is then kept in the pool, durably and out
//! of the user's own reach like the recovery codes (`MFA_RESET_ATTRIBUTE`, default
//! `custom:mfa_reset`: `v1:<requested>:<due>`, Unix seconds), and an email with "Cancel — this
//! wasn't me" goes out at once. The first sign-in with the password after `due` removes the
//! second factors (`AdminSetUserMFAPreference`, `AdminDeleteSoftwareToken`) and signs in again,
//! so a pool that requires one goes straight to setting up a new one.
//!
//! A cancelled request is deleted (`AdminDeleteUserAttributes`); one left unused for
//! [`LAPSE`] after it was due lapses and is deleted when next seen. Nothing else is kept: the
//! emailed code lives in the server-side session only, hashed.

use std::time::Duration;

use hmac::{Hmac, Mac};

use crate::state::AppState;

/// How long a due request waits for its sign-in before it lapses.
pub const LAPSE: i64 = 7 * 86_400;
/// Wrong tries of one emailed code before a new one must be sent.
pub const TRIES: u8 = 5;

/// A pending request: when it was made and when it takes effect (Unix seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pending {
    pub requested: i64,
    pub due: i64,
}

impl Pending {
    /// A request made at `now` that waits `delay`.
    pub fn new(now: i64, delay: Duration) -> Self {
        Pending {
            requested: now,
            due: now + delay.as_secs() as i64,
        }
    }

    /// What the pool keeps.
    pub fn stored(&self) -> String {
        format!("v1:{}:{}", self.requested, self.due)
    }

    /// What the pool keeps, read back (`None`: not a request of ours).
    pub fn parse(stored: &str) -> Option<Self> {
        let (requested, due) = stored.strip_prefix("v1:")?.split_once(':')?;
        Some(Pending {
            requested: requested.parse().ok()?,
            due: due.parse().ok()?,
        })
    }

    /// Whether it takes effect at `now`.
    pub fn is_due(&self, now: i64) -> bool {
        now >= self.due && !self.lapsed(now)
    }

    /// Whether it waited too long for a sign-in and no longer counts.
    pub fn lapsed(&self, now: i64) -> bool {
        now > self.due + LAPSE
    }
}

/// A new six-digit code for the email.
pub fn new_code() -> String {
    format!("{:06}", rand::random::<u32>() % 1_000_000)
}

/// What the session keeps of `code` for `username`: an HMAC keyed from `SERVER_SECRET`, so
/// a copy of the session store does not give the code away.
pub fn code_hash(state: &AppState, username: &str, code: &str) -> String {
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(&state.link_key[..]).expect("any key length");
    mac.update(b"mfa-reset\0");
    mac.update(username.as_bytes());
    mac.update(b"\0");
    mac.update(code.as_bytes());
    let bytes = mac.finalize().into_bytes();
    bytes[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Where the pool keeps the request, and the calls that read, write and delete it.
pub mod store {
    use super::Pending;
    use crate::{
        clock::now,
        cognito::{IdpError, UserSummary},
        error::AppError,
        state::AppState,
    };

    /// The attribute, when the delayed reset is on.
    fn attribute(state: &AppState) -> Result<&str, AppError> {
        state
            .settings
            .flows
            .mfa_reset
            .as_ref()
            .map(|m| m.attribute.as_str())
            .ok_or(AppError::Refused)
    }

    fn failed(kind: IdpError, call: &str) -> AppError {
        tracing::error!(?kind, call, "the pending second-factor reset could not be read or written (IAM, and the attribute in the pool?)");
        crate::flow::idp_error(kind)
    }

    /// The request pending for `username`, if any (a lapsed one is deleted and is none).
    pub async fn pending(state: &AppState, username: &str) -> Result<Option<Pending>, AppError> {
        let name = attribute(state)?;
        let stored = state
            .cognito
            .admin_attribute(username, name)
            .await
            .map_err(|k| failed(k, "AdminGetUser"))?;
        current(state, username, stored.as_deref()).await
    }

    /// `username`'s summary (contacts, locale) and pending request, in one `AdminGetUser`.
    pub async fn with_user(
        state: &AppState,
        username: &str,
    ) -> Result<(UserSummary, Option<Pending>), AppError> {
        let name = attribute(state)?;
        let (user, stored) = state
            .cognito
            .admin_get_user_and(username, name)
            .await
            .map_err(|k| failed(k, "AdminGetUser"))?;
        let pending = current(state, username, stored.as_deref()).await?;
        Ok((user, pending))
    }

    /// The request in `stored` (what the pool keeps for `username`); a lapsed one is deleted.
    async fn current(
        state: &AppState,
        username: &str,
        stored: Option<&str>,
    ) -> Result<Option<Pending>, AppError> {
        let Some(p) = stored.and_then(Pending::parse) else {
            return Ok(None);
        };
        if p.lapsed(now()) {
            clear(state, username).await?;
            return Ok(None);
        }
        Ok(Some(p))
    }

    /// Records a request for `username` made now (one replaces an earlier one).
    pub async fn request(state: &AppState, username: &str) -> Result<Pending, AppError> {
        let name = attribute(state)?;
        let delay = state.settings.flows.mfa_reset.as_ref().map(|m| m.delay);
        let p = Pending::new(now(), delay.unwrap_or_default());
        state
            .cognito
            .admin_set_attribute(username, name, &p.stored())
            .await
            .map_err(|k| failed(k, "AdminUpdateUserAttributes"))?;
        Ok(p)
    }

    /// Cancels `username`'s request made at `requested` (and no later one). Returns whether
    /// there was one to cancel.
    pub async fn cancel(
        state: &AppState,
        username: &str,
        requested: i64,
    ) -> Result<bool, AppError> {
        match pending(state, username).await? {
            Some(p) if p.requested == requested => {
                clear(state, username).await?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn clear(state: &AppState, username: &str) -> Result<(), AppError> {
        let name = attribute(state)?;
        state
            .cognito
            .admin_delete_attribute(username, name)
            .await
            .map_err(|k| failed(k, "AdminDeleteUserAttributes"))
    }

    /// When `username`'s request is due: removes the second factors, then the request.
    /// Returns the request carried out, if one was.
    pub async fn carry_out(state: &AppState, username: &str) -> Result<Option<Pending>, AppError> {
        let Some(p) = pending(state, username).await? else {
            return Ok(None);
        };
        if !p.is_due(now()) {
            return Ok(None);
        }
        state
            .cognito
            .admin_mfa_reset(username)
            .await
            .map_err(|k| failed(k, "AdminSetUserMFAPreference/AdminDeleteSoftwareToken"))?;
        // The factor is gone: the sign-in goes on even if the request stays behind (logged;
        // it is carried out again, to no effect, or lapses).
        let _ = clear(state, username).await;
        Ok(Some(p))
    }
}

/// Signing in with the password, as the app signs in, with a due request carried out.
pub mod sign_in {
    use crate::{
        cognito::{Challenge, IdpError, SignIn},
        config::SignInFlow,
        notify::{Change, Origin},
        state::AppState,
    };

    /// Signs in with the password (`USER_PASSWORD_AUTH`, or `USER_AUTH` with the password
    /// preferred).
    pub async fn password(
        state: &AppState,
        username: &str,
        password: &str,
    ) -> Result<SignIn, IdpError> {
        match state.settings.flows.sign_in_flow {
            SignInFlow::Password => state.cognito.sign_in(username, password).await,
            SignInFlow::Choice => state.cognito.sign_in_choice(username, Some(password)).await,
        }
    }

    /// Like [`password`]; when Cognito asks for a second factor and the user's request to
    /// remove it is due, it is removed (the user is told by email, from `origin`) and the
    /// sign-in starts again. A failure to read or carry out the request leaves the second
    /// factor asked for, as if there were none.
    pub async fn with_due_reset(
        state: &AppState,
        username: &str,
        pw: &str,
        origin: &Origin,
    ) -> Result<SignIn, IdpError> {
        let outcome = password(state, username, pw).await?;
        if state.settings.flows.mfa_reset.is_none() {
            return Ok(outcome);
        }
        let SignIn::Challenge {
            step: Challenge::Code { .. } | Challenge::SelectMfa { .. },
            username: canonical,
            ..
        } = &outcome
        else {
            return Ok(outcome);
        };
        let user = canonical.clone().unwrap_or_else(|| username.to_string());
        match super::store::carry_out(state, &user).await {
            Ok(Some(_)) => {
                tracing::info!("a requested second-factor reset was carried out");
                crate::audit::event(
                    "mfa_reset_done",
                    "",
                    origin.ip,
                    Some(&state.user_hash(&user)),
                );
                crate::notify::spawn(state, Change::MfaResetDone, &user, origin.clone(), None);
                password(state, username, pw).await
            }
            Ok(None) | Err(_) => Ok(outcome),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_kept_as_two_times_and_read_back() {
        let p = Pending::new(1_000, Duration::from_secs(86_400));
        assert_eq!(p.stored(), "v1:1000:87400");
        assert_eq!(Pending::parse(&p.stored()), Some(p));
        for bad in ["", "v1:", "v1:1000", "v2:1:2", "v1:a:b", "v1:1:2:3"] {
            assert_eq!(Pending::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_request_is_due_after_its_delay_and_lapses_a_week_later() {
        let p = Pending::new(1_000, Duration::from_secs(60));
        assert!(!p.is_due(1_059));
        assert!(p.is_due(1_060));
        assert!(p.is_due(1_060 + LAPSE));
        assert!(!p.is_due(1_061 + LAPSE) && p.lapsed(1_061 + LAPSE));
        let at_once = Pending::new(1_000, Duration::ZERO);
        assert!(at_once.is_due(1_000));
    }

    #[test]
    fn codes_are_six_digits_and_kept_only_as_a_keyed_hash() {
        let state = crate::testing::state(aws_smithy_mocks::mock_client!(
            aws_sdk_cognitoidentityprovider,
            []
        ));
        let code = new_code();
        assert!(
            code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
            "{code}"
        );
        let h = code_hash(&state, "jane", &code);
        assert_eq!(h.len(), 32);
        assert_eq!(h, code_hash(&state, "jane", &code));
        assert_ne!(h, code_hash(&state, "john", &code), "bound to the user");
        assert_ne!(h, code_hash(&state, "jane", "000000"));
    }

    mod with_mocks {
        use aws_sdk_cognitoidentityprovider::{
            operation::{
                admin_delete_software_token::AdminDeleteSoftwareTokenOutput,
                admin_delete_user_attributes::{
                    AdminDeleteUserAttributesError, AdminDeleteUserAttributesOutput,
                },
                admin_get_user::{AdminGetUserError, AdminGetUserOutput},
                admin_set_user_mfa_preference::{
                    AdminSetUserMFAPreferenceError, AdminSetUserMfaPreferenceOutput,
                },
                initiate_auth::InitiateAuthOutput,
            },
            types::{AttributeType, AuthenticationResultType, ChallengeNameType},
            Client,
        };
        use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};

        use crate::{clock::now, cognito::SignIn, testing};

        const ON: &[(&str, &str)] = &[("MFA_RESET", "true"), ("NOTIFY_FROM", "a@example.com")];

        /// `InitiateAuth`: the authenticator's code asked for, then (a second time) tokens.
        fn sign_ins() -> Rule {
            mock!(Client::initiate_auth)
                .sequence()
                .output(|| {
                    InitiateAuthOutput::builder()
                        .challenge_name(ChallengeNameType::SoftwareTokenMfa)
                        .session("s1")
                        .build()
                })
                .output(|| {
                    InitiateAuthOutput::builder()
                        .authentication_result(
                            AuthenticationResultType::builder()
                                .access_token("a")
                                .id_token("i")
                                .refresh_token("r")
                                .expires_in(3600)
                                .build(),
                        )
                        .build()
                })
                .build()
        }

        fn kept(value: Option<String>) -> Rule {
            mock!(Client::admin_get_user).then_output(move || {
                let mut out = AdminGetUserOutput::builder().username("jane");
                if let Some(v) = &value {
                    out = out.user_attributes(
                        AttributeType::builder()
                            .name("custom:mfa_reset")
                            .value(v)
                            .build()
                            .unwrap(),
                    );
                }
                out.build().unwrap()
            })
        }

        fn removed() -> (Rule, Rule, Rule) {
            (
                mock!(Client::admin_set_user_mfa_preference)
                    .then_output(|| AdminSetUserMfaPreferenceOutput::builder().build()),
                mock!(Client::admin_delete_software_token)
                    .then_output(|| AdminDeleteSoftwareTokenOutput::builder().build()),
                mock!(Client::admin_delete_user_attributes)
                    .then_output(|| AdminDeleteUserAttributesOutput::builder().build()),
            )
        }

        async fn sign_in(state: &crate::state::AppState) -> SignIn {
            super::super::sign_in::with_due_reset(state, "jane", "Secret-1", &testing::origin())
                .await
                .unwrap()
        }

        #[tokio::test]
        async fn a_due_request_removes_the_factor_and_signs_in_again() {
            let due = super::Pending::new(now() - 10, std::time::Duration::ZERO).stored();
            let (auth, get) = (sign_ins(), kept(Some(due)));
            let (prefs, token, delete) = removed();
            let client = mock_client!(
                aws_sdk_cognitoidentityprovider,
                RuleMode::MatchAny,
                [&auth, &get, &prefs, &token, &delete]
            );
            let state = testing::state_with(client, ON);
            assert!(matches!(sign_in(&state).await, SignIn::Tokens(_)));
            assert_eq!(auth.num_calls(), 2, "signed in again");
            assert_eq!(
                (prefs.num_calls(), token.num_calls()),
                (1, 1),
                "factor gone"
            );
            assert_eq!(delete.num_calls(), 1, "the request gone with it");
        }

        #[tokio::test]
        async fn a_request_not_yet_due_or_none_leaves_the_factor() {
            let later = super::Pending::new(now(), std::time::Duration::from_secs(3600)).stored();
            for value in [Some(later), None, Some("garbage".to_string())] {
                let (auth, get) = (sign_ins(), kept(value.clone()));
                let (prefs, token, delete) = removed();
                let client = mock_client!(
                    aws_sdk_cognitoidentityprovider,
                    RuleMode::MatchAny,
                    [&auth, &get, &prefs, &token, &delete]
                );
                let state = testing::state_with(client, ON);
                assert!(
                    matches!(sign_in(&state).await, SignIn::Challenge { .. }),
                    "{value:?}"
                );
                assert_eq!(auth.num_calls(), 1);
                assert_eq!(prefs.num_calls() + delete.num_calls(), 0, "{value:?}");
            }
        }

        #[tokio::test]
        async fn with_the_reset_off_the_pool_is_not_even_asked() {
            let (auth, get) = (sign_ins(), kept(None));
            let client = mock_client!(
                aws_sdk_cognitoidentityprovider,
                RuleMode::MatchAny,
                [&auth, &get]
            );
            let state = testing::state(client);
            assert!(matches!(sign_in(&state).await, SignIn::Challenge { .. }));
            assert_eq!(get.num_calls(), 0);
        }

        #[tokio::test]
        async fn a_failing_admin_call_leaves_the_second_factor_asked_for() {
            use aws_smithy_types::error::ErrorMetadata;
            let due = super::Pending::new(now() - 10, std::time::Duration::ZERO).stored();
            let meta = |code: &str| ErrorMetadata::builder().code(code).build();
            // Each admin call failing in turn: read, remove, delete.
            for failing in 0..3 {
                let auth = sign_ins();
                let get = if failing == 0 {
                    mock!(Client::admin_get_user).then_error(move || {
                        AdminGetUserError::generic(meta("AccessDeniedException"))
                    })
                } else {
                    kept(Some(due.clone()))
                };
                let prefs = if failing == 1 {
                    mock!(Client::admin_set_user_mfa_preference).then_error(move || {
                        AdminSetUserMFAPreferenceError::generic(meta("AccessDeniedException"))
                    })
                } else {
                    removed().0
                };
                let delete = if failing == 2 {
                    mock!(Client::admin_delete_user_attributes).then_error(move || {
                        AdminDeleteUserAttributesError::generic(meta("AccessDeniedException"))
                    })
                } else {
                    removed().2
                };
                let token = removed().1;
                let client = mock_client!(
                    aws_sdk_cognitoidentityprovider,
                    RuleMode::MatchAny,
                    [&auth, &get, &prefs, &token, &delete]
                );
                let state = testing::state_with(client, ON);
                let (_guard, logs) = testing::capture_logs();
                let outcome = sign_in(&state).await;
                if failing < 2 {
                    assert!(matches!(outcome, SignIn::Challenge { .. }), "{failing}");
                } else {
                    // The factor is gone already: the sign-in goes on without it.
                    assert!(matches!(outcome, SignIn::Tokens(_)));
                }
                assert!(
                    logs.text().contains("could not be read or written"),
                    "{failing}"
                );
            }
        }

        #[tokio::test]
        async fn cancelling_touches_only_the_request_it_names() {
            let requested = now() - 5;
            let value = super::Pending::new(requested, std::time::Duration::from_secs(60)).stored();
            let get = kept(Some(value));
            let delete = removed().2;
            let client = mock_client!(
                aws_sdk_cognitoidentityprovider,
                RuleMode::MatchAny,
                [&get, &delete]
            );
            let state = testing::state_with(client, ON);
            assert!(!super::store::cancel(&state, "jane", requested - 100)
                .await
                .unwrap());
            assert_eq!(
                delete.num_calls(),
                0,
                "an older email's link cancels nothing newer"
            );
            assert!(super::store::cancel(&state, "jane", requested)
                .await
                .unwrap());
            assert_eq!(delete.num_calls(), 1);
        }
    }
}
