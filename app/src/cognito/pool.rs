//! What the pool is: one `DescribeUserPool` (password policy, remembered devices) and one
//! `GetUserPoolMfaConfig` (MFA rule, factors, passkeys), read at start-up with IAM credentials.

use aws_sdk_cognitoidentityprovider::types::UserPoolMfaType;

use super::{classify, Cognito, IdpError};
use crate::{
    policy::PasswordPolicy,
    pool::{MfaRule, PoolFeatures},
};

/// What `DescribeUserPool` says that the app uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolDescription {
    /// The password policy (absent when the pool states none).
    pub policy: Option<PasswordPolicy>,
    /// The pool remembers devices (`DeviceConfiguration`).
    pub devices: bool,
}

impl Cognito {
    /// `DescribeUserPool`, once.
    #[tracing::instrument(skip_all)]
    pub async fn describe_pool(&self) -> Result<PoolDescription, IdpError> {
        let out = self
            .client
            .describe_user_pool()
            .user_pool_id(&*self.user_pool_id)
            .send()
            .await
            .map_err(|e| classify(e, "DescribeUserPool"))?;
        let pool = out.user_pool();
        let policy = pool
            .and_then(|u| u.policies())
            .and_then(|p| p.password_policy())
            .map(|p| PasswordPolicy {
                min_length: p.minimum_length().unwrap_or(8).clamp(6, 99) as u32,
                require_uppercase: p.require_uppercase(),
                require_lowercase: p.require_lowercase(),
                require_numbers: p.require_numbers(),
                require_symbols: p.require_symbols(),
            });
        Ok(PoolDescription {
            policy,
            // Absent when the pool's device tracking is "Don't remember".
            devices: pool.is_some_and(|p| p.device_configuration().is_some()),
        })
    }

    /// What the pool offers (`GetUserPoolMfaConfig`), with `devices` from [`Self::describe_pool`].
    #[tracing::instrument(skip_all)]
    pub async fn pool_features(&self, devices: bool) -> Result<PoolFeatures, IdpError> {
        let mfa = self
            .client
            .get_user_pool_mfa_config()
            .user_pool_id(&*self.user_pool_id)
            .send()
            .await
            .map_err(|e| classify(e, "GetUserPoolMfaConfig"))?;
        Ok(PoolFeatures {
            mfa: match mfa.mfa_configuration() {
                Some(UserPoolMfaType::On) => MfaRule::Required,
                Some(UserPoolMfaType::Optional) => MfaRule::Optional,
                _ => MfaRule::Off,
            },
            totp: mfa
                .software_token_mfa_configuration()
                .is_some_and(|t| t.enabled()),
            sms: mfa.sms_mfa_configuration().is_some(),
            email: mfa.email_mfa_configuration().is_some(),
            passkeys: mfa
                .web_authn_configuration()
                .is_some_and(|w| w.relying_party_id().is_some()),
            devices,
        })
    }
}
