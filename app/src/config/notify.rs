//! `NOTIFY_*`, `NOT_ME_*`: security notifications and "This wasn't me".

use super::*;

/// Security notifications: an email (Amazon SES) after a password or MFA change, with a
/// "This wasn't me" link.
#[derive(Clone, Debug)]
pub struct NotifySettings {
    /// `NOTIFY_EMAIL`: send them (default false; needs `ses:SendEmail` and
    /// `cognito-idp:AdminGetUser`).
    pub enabled: bool,
    /// `NOTIFY_FROM`: the sender, an SES-verified identity, e.g.
    /// `Account security <no-reply@example.com>` (required with `NOTIFY_EMAIL=true`).
    pub from: String,
    /// `SES_CONFIGURATION_SET`: the SES configuration set to send with (optional).
    pub configuration_set: Option<String>,
    /// `NOT_ME_SIGN_OUT`: the "This wasn't me" page offers to sign the user out everywhere
    /// (`AdminUserGlobalSignOut`) and start a reset (default false).
    pub not_me_action: bool,
    /// `NOT_ME_FEEDBACK`: with `NOT_ME_SIGN_OUT`, "This wasn't me" also tells Cognito's threat
    /// protection that the sign-ins around the reported change were not the user's
    /// (`AdminUpdateAuthEventFeedback`, default false; needs the pool's threat protection).
    pub not_me_feedback: bool,
    /// `NOT_ME_LINK_TTL_SECS`: how long the "This wasn't me" link works (default 7 days).
    pub not_me_ttl: Duration,
    /// The SES endpoint when `AWS_ENDPOINT_URL_SESV2` or `AWS_ENDPOINT_URL` set one.
    pub endpoint_url: Option<String>,
}

pub(super) fn notify(get: Get) -> Result<NotifySettings, ConfigError> {
    let enabled = boolean(get, "NOTIFY_EMAIL", false)?;
    let from = get("NOTIFY_FROM").unwrap_or_default();
    let address = from
        .rsplit_once('<')
        .map(|(_, a)| a.trim_end_matches('>'))
        .unwrap_or(&from)
        .trim();
    let well_formed = matches!(address.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.'))
        && !from.contains(['\r', '\n']);
    if (enabled || !from.is_empty()) && !well_formed {
        return Err(err(
            "NOTIFY_FROM",
            format!("is missing or malformed: expected the SES sender, like no-reply@example.com or \"Account security <no-reply@example.com>\" (got {from:?})"),
        ));
    }
    Ok(NotifySettings {
        enabled,
        from,
        configuration_set: get("SES_CONFIGURATION_SET"),
        not_me_action: boolean(get, "NOT_ME_SIGN_OUT", false)?,
        not_me_feedback: boolean(get, "NOT_ME_FEEDBACK", false)?,
        not_me_ttl: secs(
            get,
            "NOT_ME_LINK_TTL_SECS",
            7 * 24 * 3600,
            3600,
            30 * 24 * 3600,
        )?,
        endpoint_url: get("AWS_ENDPOINT_URL_SESV2").or_else(|| get("AWS_ENDPOINT_URL")),
    })
}
