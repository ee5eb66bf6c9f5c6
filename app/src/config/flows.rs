//! How the flows behave: timings, the password rules, what the pool offers (`POOL_FEATURES`),
//! the sign-in flow.

use super::*;

/// How the flows behave: timings, the password rules, what follows a password change.
#[derive(Clone, Debug)]
pub struct FlowSettings {
    /// `CHALLENGE_TTL_SECS`: how long Cognito's challenge session lives (the app client's
    /// "authentication flow session duration"; Cognito's default is 3 minutes).
    pub challenge_ttl: Duration,
    /// `RESEND_COOLDOWN_SECS`: the wait between two reset codes for one user.
    pub resend_cooldown: Duration,
    /// `CODE_WINDOW_SECS`: a code is accepted for this long after it was sent (default 10
    /// minutes; Cognito itself accepts it for an hour).
    pub code_window: Duration,
    /// `SIGN_OUT_EVERYWHERE_AFTER_RESET`: after a reset or a temporary-password change, end the
    /// user's other sessions with `AdminUserGlobalSignOut` (default true).
    pub sign_out_everywhere: bool,
    /// `REINVITE`: a user whose temporary password expired (or who asks for a reset before
    /// ever choosing a password) can have the invitation sent again, with a new temporary
    /// password (`AdminCreateUser` `MessageAction=RESEND`, IAM `cognito-idp:AdminCreateUser`).
    /// Default false: the page says to ask support instead.
    pub reinvite: bool,
    /// `VERIFY_CONTACT_PROMPT`: after sign-in, the account page tells a user without a verified
    /// email or phone (the one the pool sends reset codes to) once, and offers to verify or add
    /// it (default true).
    pub contact_prompt: bool,
    /// `FORGOT_USERNAME`: in a pool where people sign in with a username, "Forgot your
    /// username?" emails it to the one account whose verified email address is typed
    /// (`ListUsers`, then SES as `NOTIFY_FROM`; default false).
    pub forgot_username: bool,
    /// `RECOVERY_CODES` (default false) and `RECOVERY_CODES_ATTRIBUTE` (default
    /// `custom:recovery_codes`): the custom attribute that keeps each user's recovery codes
    /// (hashed), when they are on. Needs the attribute in the pool, kept out of the app
    /// client's read and write attributes, and IAM `AdminGetUser`, `AdminUpdateUserAttributes`,
    /// `AdminSetUserMFAPreference`, `AdminDeleteSoftwareToken`.
    pub recovery_codes: Option<String>,
    /// `MFA_RESET` (default false): "I lost my authenticator" without recovery codes. A user
    /// who proves the password and a code emailed to the verified address asks for the second
    /// factor to be removed; it is, at the first sign-in after `MFA_RESET_DELAY_SECS`, unless
    /// the request is cancelled from the email sent at once. The request is kept in
    /// `MFA_RESET_ATTRIBUTE` (default `custom:mfa_reset`), out of the app client's reach like
    /// the recovery codes. Needs `NOTIFY_FROM`. Off, the page names the support contact.
    pub mfa_reset: Option<MfaReset>,
    /// `SIGN_IN_FLOW`: `password` (`USER_PASSWORD_AUTH`, the default) or `choice`
    /// (`USER_AUTH`, for app clients that allow only choice-based sign-in: the password is
    /// the preferred first factor, and without one the user picks a one-time code).
    pub sign_in_flow: SignInFlow,
    /// Password rules used when the app may not call `DescribeUserPool`
    /// (`PASSWORD_MIN_LENGTH`, `PASSWORD_REQUIRE_UPPERCASE|LOWERCASE|NUMBERS|SYMBOLS`).
    pub password_policy: PasswordPolicy,
    /// `STEP_UP_SECS`: a change on the security page needs the password entered within this
    /// long (default 5 minutes), else it is asked for again.
    pub step_up: Duration,
    /// `POOL_FEATURES`: what the pool offers when the app may not read it from Cognito
    /// (`GetUserPoolMfaConfig`, `DescribeUserPool`): a comma list of `off|optional|required`
    /// and any of `totp`, `sms`, `email`, `passkeys`, `devices` (default `optional,totp`).
    pub pool_features: crate::pool::PoolFeatures,
}

/// The delayed removal of a lost second factor (`MFA_RESET`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MfaReset {
    /// `MFA_RESET_ATTRIBUTE`: where the pending request is kept.
    pub attribute: String,
    /// `MFA_RESET_DELAY_SECS`: how long the request waits (default 24 hours; 0 to 30 days).
    pub delay: Duration,
}

/// How the app starts a sign-in (`SIGN_IN_FLOW`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInFlow {
    /// `USER_PASSWORD_AUTH`.
    Password,
    /// `USER_AUTH` (choice-based).
    Choice,
}

pub(super) fn flows(get: Get) -> Result<FlowSettings, ConfigError> {
    Ok(FlowSettings {
        challenge_ttl: secs(get, "CHALLENGE_TTL_SECS", 180, 1, 900)?,
        step_up: secs(get, "STEP_UP_SECS", 300, 30, 3600)?,
        pool_features: pool_features(get)?,
        resend_cooldown: secs(get, "RESEND_COOLDOWN_SECS", 60, 0, 3600)?,
        code_window: secs(get, "CODE_WINDOW_SECS", 600, 1, 3600)?,
        sign_out_everywhere: boolean(get, "SIGN_OUT_EVERYWHERE_AFTER_RESET", true)?,
        reinvite: boolean(get, "REINVITE", false)?,
        contact_prompt: boolean(get, "VERIFY_CONTACT_PROMPT", true)?,
        forgot_username: boolean(get, "FORGOT_USERNAME", false)?,
        recovery_codes: boolean(get, "RECOVERY_CODES", false)?
            .then(|| custom_attribute(get, "RECOVERY_CODES_ATTRIBUTE", "recovery_codes"))
            .transpose()?,
        mfa_reset: boolean(get, "MFA_RESET", false)?
            .then(|| mfa_reset(get))
            .transpose()?,
        sign_in_flow: match get("SIGN_IN_FLOW").as_deref() {
            None | Some("password") => SignInFlow::Password,
            Some("choice") => SignInFlow::Choice,
            Some(v) => {
                return Err(err(
                    "SIGN_IN_FLOW",
                    format!("is malformed: expected password or choice (got {v:?})"),
                ))
            }
        },
        password_policy: password_policy(get)?,
    })
}

/// A custom attribute's name from `variable` (default `custom:<default>`).
fn custom_attribute(
    get: Get,
    variable: &'static str,
    default: &str,
) -> Result<String, ConfigError> {
    let name = get(variable).unwrap_or_else(|| format!("custom:{default}"));
    let short = name.strip_prefix("custom:").unwrap_or("");
    let fits = (1..=20).contains(&short.len())
        && short.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !fits {
        return Err(err(
            variable,
            format!("is malformed: expected custom: and a name of 1 to 20 letters, digits or _ (got {name:?})"),
        ));
    }
    Ok(name)
}

fn mfa_reset(get: Get) -> Result<MfaReset, ConfigError> {
    let attribute = custom_attribute(get, "MFA_RESET_ATTRIBUTE", "mfa_reset")?;
    if get("RECOVERY_CODES_ATTRIBUTE").unwrap_or_else(|| "custom:recovery_codes".into())
        == attribute
    {
        return Err(err(
            "MFA_RESET_ATTRIBUTE",
            "must differ from RECOVERY_CODES_ATTRIBUTE: each keeps its own value",
        ));
    }
    Ok(MfaReset {
        attribute,
        delay: secs(get, "MFA_RESET_DELAY_SECS", 86_400, 0, 30 * 86_400)?,
    })
}

pub(super) fn pool_features(get: Get) -> Result<crate::pool::PoolFeatures, ConfigError> {
    use crate::pool::{MfaRule, PoolFeatures, Recovery, SignInWith};
    let Some(v) = get("POOL_FEATURES") else {
        return Ok(PoolFeatures::default());
    };
    let mut f = PoolFeatures {
        mfa: MfaRule::Optional,
        totp: false,
        ..PoolFeatures::default()
    };
    for word in v.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        match word {
            "off" => f.mfa = MfaRule::Off,
            "optional" => f.mfa = MfaRule::Optional,
            "required" => f.mfa = MfaRule::Required,
            "totp" => f.totp = true,
            "sms" => f.sms = true,
            "email" => f.email = true,
            "passkeys" => f.passkeys = true,
            "devices" => f.devices = true,
            // How users sign in and recover, for a pool that cannot be read.
            "email-username" => f.sign_in_with = SignInWith { username: false, email: true, phone: false },
            "phone-username" => f.sign_in_with = SignInWith { username: false, email: false, phone: true },
            "email-alias" => f.sign_in_with.email = true,
            "phone-alias" => f.sign_in_with.phone = true,
            "case-sensitive" => f.case_sensitive = true,
            "keep-original" => f.keeps_original = true,
            "recovery-email" => f.recovery = Recovery::Email,
            "recovery-phone" => f.recovery = Recovery::Phone,
            "recovery-admin" => f.recovery = Recovery::AdminOnly,
            other => {
                return Err(err(
                    "POOL_FEATURES",
                    format!("is malformed: {other:?} is not one of off, optional, required, totp, sms, email, passkeys, devices, email-username, phone-username, email-alias, phone-alias, case-sensitive, keep-original, recovery-email, recovery-phone, recovery-admin"),
                ))
            }
        }
    }
    Ok(f)
}

pub(super) fn password_policy(get: Get) -> Result<PasswordPolicy, ConfigError> {
    let min_length = match get("PASSWORD_MIN_LENGTH") {
        None => PasswordPolicy::default().min_length,
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (6..=99).contains(n))
            .ok_or_else(|| {
                err(
                    "PASSWORD_MIN_LENGTH",
                    "is malformed: expected a number from 6 to 99",
                )
            })?,
    };
    Ok(PasswordPolicy {
        min_length,
        require_uppercase: boolean(get, "PASSWORD_REQUIRE_UPPERCASE", true)?,
        require_lowercase: boolean(get, "PASSWORD_REQUIRE_LOWERCASE", true)?,
        require_numbers: boolean(get, "PASSWORD_REQUIRE_NUMBERS", true)?,
        require_symbols: boolean(get, "PASSWORD_REQUIRE_SYMBOLS", true)?,
        history: 0,
    })
}
