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
        }
    }
}

impl PoolFeatures {
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
