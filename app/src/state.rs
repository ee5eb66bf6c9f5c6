//! Server state shared by every request (the per-request context is `flow::Ctx`, built on it).

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::*;

use crate::{
    cognito::Cognito,
    config::Settings,
    limits::{LimitStore, RateLimiter},
    policy::PasswordPolicy,
};

/// Everything a request may need; cloning it (once per request) costs two reference counts and
/// the Cognito handle's, no allocation: what never changes is behind one `Arc`.
#[derive(Clone, Debug)]
pub struct AppState {
    shared: Arc<Shared>,
    /// Per request: the same client, told the user's address (see `flow::Ctx`).
    pub cognito: Cognito,
}

/// The part of [`AppState`] that is the same for every request (read through `Deref`).
#[derive(Clone, Debug)]
pub struct Shared {
    pub settings: Arc<Settings>,
    /// The password rules in force (from `DescribeUserPool`, else the settings).
    pub policy: PasswordPolicy,
    pub leptos_options: LeptosOptions,
    /// Key for decoy answers to unknown users (so they are stable per username).
    pub decoy_key: Arc<[u8; 32]>,
    /// Key for the username hashes in audit logs and rate-limit keys.
    pub audit_key: Arc<[u8; 32]>,
    /// Key for the device cookies (see [`crate::device`]).
    pub device_key: Arc<[u8; 32]>,
    /// Key for the marks of used reset links and the "this wasn't me" tokens.
    pub link_key: Arc<[u8; 32]>,
    /// Rate limits and where they are counted.
    pub limiter: RateLimiter,
    /// The app's emails (SES as `NOTIFY_FROM`): security notifications (`NOTIFY_EMAIL`, see
    /// [`AppState::notifier`]) and the forgotten username (`FORGOT_USERNAME`).
    pub mailer: Option<crate::mailer::Mailer>,
    /// What the pool offers (from Cognito at start-up, else `POOL_FEATURES`).
    pub features: crate::pool::PoolFeatures,
}

impl AppState {
    /// Builds the state. Keys come from `SERVER_SECRET`, else are random for this process.
    pub fn new(
        settings: Settings,
        cognito: Cognito,
        policy: PasswordPolicy,
        leptos_options: LeptosOptions,
        limits: Arc<dyn LimitStore>,
    ) -> Self {
        use secrecy::ExposeSecret;
        let secret: Vec<u8> = match &settings.server_secret {
            Some(s) => s.expose_secret().as_bytes().to_vec(),
            None => rand::random::<[u8; 32]>().to_vec(),
        };
        let limiter = RateLimiter {
            store: limits,
            per_user: settings.limits.user,
            per_ip: settings.limits.ip,
            global: settings.limits.global,
            user_ceiling: settings.limits.user_ceiling,
            codes: settings.limits.codes,
        };
        let shared = Shared {
            decoy_key: Arc::new(crate::audit::derive_key(&secret, "decoy")),
            audit_key: Arc::new(crate::audit::derive_key(&secret, "audit")),
            device_key: Arc::new(crate::audit::derive_key(&secret, "device")),
            link_key: Arc::new(crate::audit::derive_key(&secret, "link")),
            features: settings.flows.pool_features.clone(),
            settings: Arc::new(settings),
            policy,
            leptos_options,
            limiter,
            mailer: None,
        };
        AppState {
            shared: Arc::new(shared),
            cognito,
        }
    }

    /// The mailer, when security notifications are on (`NOTIFY_EMAIL`: the mailer may be there
    /// for the forgotten username's email alone).
    pub fn notifier(&self) -> Option<&crate::mailer::Mailer> {
        self.mailer
            .as_ref()
            .filter(|_| self.settings.notify.enabled)
    }

    /// Whether "Forgot your username?" is offered: turned on, in a pool where people sign in
    /// with a username, with a mailer to send it.
    pub fn offers_forgot_username(&self) -> bool {
        self.settings.flows.forgot_username
            && self.features.sign_in_with.username
            && self.mailer.is_some()
    }

    /// The state with `mailer` sending the app's emails.
    pub fn with_mailer(self, mailer: Option<crate::mailer::Mailer>) -> Self {
        let shared = Shared {
            mailer,
            ..Arc::unwrap_or_clone(self.shared)
        };
        AppState {
            shared: Arc::new(shared),
            ..self
        }
    }

    /// The state with the pool offering `features`.
    pub fn with_features(self, features: crate::pool::PoolFeatures) -> Self {
        let shared = Shared {
            features,
            ..Arc::unwrap_or_clone(self.shared)
        };
        AppState {
            shared: Arc::new(shared),
            ..self
        }
    }

    /// The keyed hash of a username (for audit logs, limit keys and every other per-user key),
    /// in the form the pool compares usernames: `Alice` and `alice` are one user in a
    /// case-insensitive pool and two in a case-sensitive one.
    pub fn user_hash(&self, username: &str) -> String {
        crate::audit::user_hash(&self.audit_key, &self.features.canonical(username))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.shared
    }
}

/// The client's IP address as the server decided it (the peer, or the address a trusted proxy
/// forwarded); put into each request's extensions by the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// With recovery codes or the delayed second-factor reset on: an app client that may read or
/// write their attribute would let a user's own token (or a thief of it) read the hashes, write
/// a set of its own, or move a pending reset's time, so the app refuses to start (the error
/// names the fix). When the client cannot be read (no IAM `cognito-idp:DescribeUserPoolClient`)
/// it says so and goes on: the docs' set-up is then the operator's to check.
pub async fn check_recovery_attribute(
    cognito: &crate::cognito::Cognito,
    settings: &Settings,
) -> Result<(), String> {
    let codes = settings
        .flows
        .recovery_codes
        .as_deref()
        .map(|n| ("RECOVERY_CODES", n, "Recovery codes"));
    let reset = settings
        .flows
        .mfa_reset
        .as_ref()
        .map(|m| ("MFA_RESET", m.attribute.as_str(), "A lost second factor"));
    for (switch, name, section) in codes.into_iter().chain(reset) {
        if !settings.cognito.describe_user_pool {
            tracing::warn!("DESCRIBE_USER_POOL=false: the app client was not checked for reading or writing {name} (docs \"{section}\")");
            continue;
        }
        let ten = std::time::Duration::from_secs(10);
        match tokio::time::timeout(ten, cognito.client_exposes(name)).await {
            Ok(Ok(false)) => {}
            Ok(Ok(true)) => return Err(format!(
                "{switch}: the app client COGNITO_CLIENT_ID may read or write {name}; remove it from the client's read and write attributes (docs \"{section}\")"
            )),
            Ok(Err(kind)) => {
                tracing::warn!(?kind, "could not read the app client (DescribeUserPoolClient) to check that it can neither read nor write {name}");
            }
            Err(_) => {
                tracing::warn!("DescribeUserPoolClient timed out; {name} was not checked");
            }
        }
    }
    Ok(())
}

/// The password rules and what the pool offers: the pool's own (`DescribeUserPool` once, then
/// `GetUserPoolMfaConfig`) when the settings allow it and Cognito answers each within 10
/// seconds, else the configured ones (`PASSWORD_*`, `POOL_FEATURES`), each on its own.
pub async fn pool_in_force(
    cognito: &crate::cognito::Cognito,
    settings: &Settings,
) -> (PasswordPolicy, crate::pool::PoolFeatures) {
    let configured_policy = settings.flows.password_policy.clone();
    let configured_features = settings.flows.pool_features.clone();
    if !settings.cognito.describe_user_pool {
        return (configured_policy, configured_features);
    }
    let ten = std::time::Duration::from_secs(10);
    let described = match tokio::time::timeout(ten, cognito.describe_pool()).await {
        Ok(Ok(d)) => Some(d),
        Ok(Err(e)) => {
            tracing::warn!(?e, "could not read the user pool (DescribeUserPool); using the configured password rules and POOL_FEATURES");
            None
        }
        Err(_) => {
            tracing::warn!(
                "DescribeUserPool timed out; using the configured password rules and POOL_FEATURES"
            );
            None
        }
    };
    let policy = match described.as_ref().and_then(|d| d.policy.clone()) {
        Some(p) => {
            tracing::info!(?p, "password policy read from the user pool");
            p
        }
        None => configured_policy,
    };
    let Some(described) = described else {
        return (policy, configured_features);
    };
    let features = match tokio::time::timeout(ten, cognito.pool_features(&described)).await {
        Ok(Ok(f)) => {
            tracing::info!(
                ?f,
                "MFA, passkey and device settings read from the user pool"
            );
            f
        }
        Ok(Err(e)) => {
            tracing::warn!(?e, "could not read the user pool's MFA settings (GetUserPoolMfaConfig); using POOL_FEATURES");
            with_description(configured_features, &described)
        }
        Err(_) => {
            tracing::warn!("GetUserPoolMfaConfig timed out; using POOL_FEATURES");
            with_description(configured_features, &described)
        }
    };
    (policy, features)
}

/// `POOL_FEATURES` with what `DescribeUserPool` did read (how users sign in and recover).
fn with_description(
    configured: crate::pool::PoolFeatures,
    d: &crate::cognito::PoolDescription,
) -> crate::pool::PoolFeatures {
    crate::pool::PoolFeatures {
        sign_in_with: d.sign_in_with,
        recovery: d.recovery,
        case_sensitive: d.case_sensitive,
        keeps_original: d.keeps_original,
        devices: d.devices,
        ..configured
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn recovery_codes_refuse_to_start_with_a_client_that_can_reach_them() {
        use aws_sdk_cognitoidentityprovider::{
            operation::describe_user_pool_client::DescribeUserPoolClientOutput,
            types::UserPoolClientType, Client,
        };
        use aws_smithy_mocks::{mock, mock_client};
        let settings = testing::settings(&[("RECOVERY_CODES", "true")]);
        for (read, write, ok) in [
            (vec!["email"], vec!["email"], true),
            (vec![], vec!["email"], false),
            (vec!["email", "custom:recovery_codes"], vec!["email"], false),
            (vec!["email"], vec!["custom:recovery_codes"], false),
        ] {
            let (r, w) = (read.clone(), write.clone());
            let rule = mock!(Client::describe_user_pool_client).then_output(move || {
                let client = UserPoolClientType::builder()
                    .set_read_attributes(Some(r.iter().map(|s| s.to_string()).collect()))
                    .set_write_attributes(Some(w.iter().map(|s| s.to_string()).collect()))
                    .build();
                DescribeUserPoolClientOutput::builder()
                    .user_pool_client(client)
                    .build()
            });
            let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
            let checked = check_recovery_attribute(&state.cognito, &settings).await;
            assert_eq!(
                checked.is_ok(),
                ok,
                "read {read:?}, write {write:?}: {checked:?}"
            );
            if let Err(e) = checked {
                assert!(e.starts_with("RECOVERY_CODES:"), "{e}");
            }
        }
    }
    use crate::testing;
    use aws_sdk_cognitoidentityprovider::{
        operation::{
            describe_user_pool::{DescribeUserPoolError, DescribeUserPoolOutput},
            get_user_pool_mfa_config::GetUserPoolMfaConfigError,
        },
        types::{PasswordPolicyType, UserPoolPolicyType, UserPoolType},
        Client,
    };
    use aws_smithy_mocks::{mock, mock_client, RuleMode};

    #[tokio::test]
    async fn the_pools_policy_wins_when_it_can_be_read() {
        let rule = mock!(Client::describe_user_pool).then_output(|| {
            DescribeUserPoolOutput::builder()
                .user_pool(
                    UserPoolType::builder()
                        .policies(
                            UserPoolPolicyType::builder()
                                .password_policy(
                                    PasswordPolicyType::builder()
                                        .minimum_length(12)
                                        .require_symbols(false)
                                        .require_numbers(true)
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
        // The MFA settings cannot be read here: the policy stands on its own.
        let mfa = mock!(Client::get_user_pool_mfa_config)
            .then_error(|| crate::exception!(GetUserPoolMfaConfigError::NotAuthorizedException));
        let state = testing::state(mock_client!(
            aws_sdk_cognitoidentityprovider,
            RuleMode::MatchAny,
            [&rule, &mfa]
        ));
        let (p, _) = pool_in_force(&state.cognito, &state.settings).await;
        assert_eq!(p.min_length, 12);
        assert!(!p.require_symbols && p.require_numbers && !p.require_uppercase);
    }

    #[tokio::test]
    async fn without_permission_the_configured_policy_is_used() {
        let rule = mock!(Client::describe_user_pool)
            .then_error(|| crate::exception!(DescribeUserPoolError::NotAuthorizedException));
        let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
        let mut settings = (*state.settings).clone();
        settings.flows.password_policy.min_length = 10;
        let (p, _) = pool_in_force(&state.cognito, &settings).await;
        assert_eq!(p.min_length, 10);
        assert_eq!(rule.num_calls(), 1);

        settings.cognito.describe_user_pool = false;
        let (p, _) = pool_in_force(&state.cognito, &settings).await;
        assert_eq!(p.min_length, 10);
        assert_eq!(rule.num_calls(), 1, "no call when DESCRIBE_USER_POOL=false");
    }

    #[tokio::test]
    async fn how_users_sign_in_and_recover_is_read_from_the_pool() {
        use crate::pool::{Recovery, SignInWith};
        use aws_sdk_cognitoidentityprovider::{
            operation::get_user_pool_mfa_config::GetUserPoolMfaConfigOutput,
            types::{
                AccountRecoverySettingType, AliasAttributeType, RecoveryOptionNameType,
                RecoveryOptionType, UserPoolMfaType, UserPoolTierType, UsernameConfigurationType,
                WebAuthnConfigurationType,
            },
        };
        let option = |name, priority| {
            RecoveryOptionType::builder()
                .name(name)
                .priority(priority)
                .build()
                .unwrap()
        };
        let pool = |tier: UserPoolTierType, recovery: Vec<RecoveryOptionType>| {
            let mut setting = AccountRecoverySettingType::builder();
            for r in recovery {
                setting = setting.recovery_mechanisms(r);
            }
            UserPoolType::builder()
                .alias_attributes(AliasAttributeType::Email)
                .username_configuration(
                    UsernameConfigurationType::builder()
                        .case_sensitive(false)
                        .build()
                        .unwrap(),
                )
                .account_recovery_setting(setting.build())
                .user_pool_tier(tier)
                .policies(
                    UserPoolPolicyType::builder()
                        .password_policy(
                            PasswordPolicyType::builder()
                                .password_history_size(5)
                                .build(),
                        )
                        .build(),
                )
                .build()
        };
        let mfa = || {
            GetUserPoolMfaConfigOutput::builder()
                .mfa_configuration(UserPoolMfaType::Optional)
                .web_authn_configuration(
                    WebAuthnConfigurationType::builder()
                        .relying_party_id("reset.example.com")
                        .build(),
                )
                .build()
        };
        for (tier, recovery, expected, passkeys) in [
            (
                UserPoolTierType::Essentials,
                vec![option(RecoveryOptionNameType::VerifiedPhoneNumber, 1)],
                Recovery::Phone,
                true,
            ),
            (
                UserPoolTierType::Lite,
                vec![option(RecoveryOptionNameType::AdminOnly, 1)],
                Recovery::AdminOnly,
                false,
            ),
            (
                UserPoolTierType::Plus,
                vec![
                    option(RecoveryOptionNameType::VerifiedEmail, 1),
                    option(RecoveryOptionNameType::VerifiedPhoneNumber, 2),
                ],
                Recovery::EmailOrPhone,
                true,
            ),
        ] {
            let described = pool(tier.clone(), recovery);
            let rule = mock!(Client::describe_user_pool).then_output(move || {
                DescribeUserPoolOutput::builder()
                    .user_pool(described.clone())
                    .build()
            });
            let config = mock!(Client::get_user_pool_mfa_config).then_output(mfa);
            let state = testing::state(mock_client!(
                aws_sdk_cognitoidentityprovider,
                RuleMode::MatchAny,
                [&rule, &config]
            ));
            let (policy, f) = pool_in_force(&state.cognito, &state.settings).await;
            assert_eq!(f.recovery, expected, "{tier:?}");
            assert_eq!(
                f.sign_in_with,
                SignInWith {
                    username: true,
                    email: true,
                    phone: false
                }
            );
            assert!(!f.case_sensitive);
            assert_eq!(policy.history, 5);
            // Lite has no passkeys, whatever the MFA settings say.
            assert_eq!(f.passkeys, passkeys, "{tier:?}");
            assert_eq!(f.canonical(" Alice "), "alice");
        }
    }
}
