//! What the user pool offers, as the pages need it (no AWS types: `cognito::pool` reads it,
//! `POOL_FEATURES` configures it when the pool cannot be read). The password policy is
//! `crate::policy` (the browser's checklist needs it too).

use serde::{Deserialize, Serialize};

use crate::forms::MfaKind;

/// Whether the pool asks for a second factor (`MfaConfiguration`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MfaRule {
    Off,
    #[default]
    Optional,
    Required,
}

/// What a user types to sign in: a username of their own, and the email address or phone
/// number as the username (`UsernameAttributes`) or beside it (`AliasAttributes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInWith {
    pub username: bool,
    pub email: bool,
    pub phone: bool,
}

impl Default for SignInWith {
    fn default() -> Self {
        SignInWith {
            username: true,
            email: false,
            phone: false,
        }
    }
}

/// Where a reset code goes (`AccountRecoverySetting`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Recovery {
    /// The verified email or phone, as the pool prefers (also Cognito's legacy default).
    #[default]
    EmailOrPhone,
    Email,
    Phone,
    /// Only an administrator resets passwords: `ForgotPassword` cannot work.
    AdminOnly,
}

/// What the user pool offers, as far as the security page is concerned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolFeatures {
    pub mfa: MfaRule,
    pub totp: bool,
    pub sms: bool,
    pub email: bool,
    /// Passkeys (`WebAuthnConfiguration` with a relying-party id; Essentials plan or above).
    pub passkeys: bool,
    /// The pool remembers devices (`DeviceConfiguration`).
    pub devices: bool,
    /// What users sign in with.
    #[serde(default)]
    pub sign_in_with: SignInWith,
    /// Where reset codes go.
    #[serde(default)]
    pub recovery: Recovery,
    /// `UsernameConfiguration.CaseSensitive`: `Alice` and `alice` are two users. Unread, the
    /// app keys users case-insensitively (one user's limits can then only be stricter).
    #[serde(default)]
    pub case_sensitive: bool,
    /// `UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate`: a new email or
    /// phone number takes effect only once its code is entered; the old one stays in use.
    #[serde(default)]
    pub keeps_original: bool,
}

impl Default for PoolFeatures {
    /// An optional authenticator app only: what every pool with MFA can do.
    fn default() -> Self {
        PoolFeatures {
            mfa: MfaRule::Optional,
            totp: true,
            sms: false,
            email: false,
            passkeys: false,
            devices: false,
            sign_in_with: SignInWith::default(),
            recovery: Recovery::default(),
            case_sensitive: false,
            keeps_original: false,
        }
    }
}

impl PoolFeatures {
    /// `username` as Cognito compares it, for every per-user key (limits, link marks, the
    /// passkey offer): trimmed, and lower-cased unless the pool is case-sensitive.
    pub fn canonical(&self, username: &str) -> String {
        let u = username.trim();
        if self.case_sensitive {
            u.to_string()
        } else {
            u.to_lowercase()
        }
    }

    /// Whether the pool lets users turn on a second factor of `kind`.
    pub fn allows(&self, kind: MfaKind) -> bool {
        self.mfa != MfaRule::Off
            && match kind {
                MfaKind::Totp => self.totp,
                MfaKind::Sms | MfaKind::SmsOtp => self.sms,
                MfaKind::Email => self.email,
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_keyed_as_the_pool_compares_them() {
        let insensitive = PoolFeatures::default();
        assert_eq!(
            insensitive.canonical(" Alice "),
            insensitive.canonical("alice")
        );
        let sensitive = PoolFeatures {
            case_sensitive: true,
            ..PoolFeatures::default()
        };
        assert_ne!(sensitive.canonical("Alice"), sensitive.canonical("alice"));
        assert_eq!(sensitive.canonical(" Alice "), "Alice");
    }
}
