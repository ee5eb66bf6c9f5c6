//! What the pool is: one `DescribeUserPool` (password policy, remembered devices) and one
//! `GetUserPoolMfaConfig` (MFA rule, factors, passkeys), read at start-up with IAM credentials.

use aws_sdk_cognitoidentityprovider::types::{
    AliasAttributeType, RecoveryOptionNameType, UserPoolMfaType, UserPoolTierType, UserPoolType,
    UsernameAttributeType,
};

use super::{classify, Cognito, IdpError};
use crate::{
    policy::PasswordPolicy,
    pool::{MfaRule, PoolFeatures, Recovery, SignInWith},
};

/// What `DescribeUserPool` says that the app uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolDescription {
    /// The password policy (absent when the pool states none).
    pub policy: Option<PasswordPolicy>,
    /// The pool remembers devices (`DeviceConfiguration`).
    pub devices: bool,
    /// What users sign in with (`UsernameAttributes`, `AliasAttributes`).
    pub sign_in_with: SignInWith,
    /// Where reset codes go (`AccountRecoverySetting`).
    pub recovery: Recovery,
    /// `UsernameConfiguration.CaseSensitive` (absent: case-sensitive, as Cognito has it).
    pub case_sensitive: bool,
    /// The feature plan is Lite: no passkeys and no email codes, whatever else is set.
    pub lite: bool,
    /// A new email or phone number waits for its code before it replaces the old one
    /// (`AttributesRequireVerificationBeforeUpdate`).
    pub keeps_original: bool,
}

/// What users sign in with, from the pool.
fn sign_in_with(pool: &UserPoolType) -> SignInWith {
    let as_username = pool.username_attributes();
    let aliases = pool.alias_attributes();
    SignInWith {
        username: as_username.is_empty(),
        email: as_username.contains(&UsernameAttributeType::Email)
            || aliases.contains(&AliasAttributeType::Email),
        phone: as_username.contains(&UsernameAttributeType::PhoneNumber)
            || aliases.contains(&AliasAttributeType::PhoneNumber),
    }
}

/// Where reset codes go, from the pool's recovery mechanisms.
fn recovery(pool: &UserPoolType) -> Recovery {
    let Some(setting) = pool.account_recovery_setting() else {
        return Recovery::EmailOrPhone;
    };
    let names: Vec<&RecoveryOptionNameType> = setting
        .recovery_mechanisms()
        .iter()
        .map(|m| m.name())
        .collect();
    let email = names.contains(&&RecoveryOptionNameType::VerifiedEmail);
    let phone = names.contains(&&RecoveryOptionNameType::VerifiedPhoneNumber);
    match (
        email,
        phone,
        names.contains(&&RecoveryOptionNameType::AdminOnly),
    ) {
        (true, true, _) => Recovery::EmailOrPhone,
        (true, false, _) => Recovery::Email,
        (false, true, _) => Recovery::Phone,
        (false, false, true) => Recovery::AdminOnly,
        (false, false, false) => Recovery::EmailOrPhone,
    }
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
                history: p.password_history_size().unwrap_or(0).clamp(0, 24) as u32,
            });
        let lite = pool.and_then(|p| p.user_pool_tier()) == Some(&UserPoolTierType::Lite);
        Ok(PoolDescription {
            policy,
            // Absent when the pool's device tracking is "Don't remember".
            devices: pool.is_some_and(|p| p.device_configuration().is_some()),
            sign_in_with: pool.map(sign_in_with).unwrap_or_default(),
            recovery: pool.map(recovery).unwrap_or_default(),
            case_sensitive: pool
                .and_then(|p| p.username_configuration())
                .is_none_or(|c| c.case_sensitive()),
            lite,
            keeps_original: pool
                .and_then(|p| p.user_attribute_update_settings())
                .is_some_and(|s| !s.attributes_require_verification_before_update().is_empty()),
        })
    }

    /// Whether the app client may read or write the attribute `name` (`DescribeUserPoolClient`:
    /// an empty list of read or write attributes means all of them).
    #[tracing::instrument(skip_all)]
    pub async fn client_exposes(&self, name: &str) -> Result<bool, IdpError> {
        let out = self
            .client
            .describe_user_pool_client()
            .user_pool_id(&*self.user_pool_id)
            .client_id(&*self.client_id)
            .send()
            .await
            .map_err(|e| classify(e, "DescribeUserPoolClient"))?;
        let Some(client) = out.user_pool_client() else {
            return Ok(true);
        };
        let open = |list: &[String]| list.is_empty() || list.iter().any(|a| a == name);
        Ok(open(client.read_attributes()) || open(client.write_attributes()))
    }

    /// What the pool offers (`GetUserPoolMfaConfig`), with what [`Self::describe_pool`] read.
    #[tracing::instrument(skip_all)]
    pub async fn pool_features(&self, pool: &PoolDescription) -> Result<PoolFeatures, IdpError> {
        let mfa = self
            .client
            .get_user_pool_mfa_config()
            .user_pool_id(&*self.user_pool_id)
            .send()
            .await
            .map_err(|e| classify(e, "GetUserPoolMfaConfig"))?;
        let passkeys = mfa
            .web_authn_configuration()
            .is_some_and(|w| w.relying_party_id().is_some());
        let email = mfa.email_mfa_configuration().is_some();
        if pool.lite && (passkeys || email) {
            tracing::warn!(
                "the user pool's feature plan is Lite: passkeys and email codes need Essentials \
                 or Plus (UserPoolTier), so they are not offered"
            );
        }
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
            email: email && !pool.lite,
            passkeys: passkeys && !pool.lite,
            devices: pool.devices,
            sign_in_with: pool.sign_in_with,
            recovery: pool.recovery,
            case_sensitive: pool.case_sensitive,
            keeps_original: pool.keeps_original,
        })
    }
}
