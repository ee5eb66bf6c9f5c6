//! `server admin …`: the administrator calls that lead users into the app's flows, for
//! help-desk staff. Uses the AWS SDK's standard credential chain and region, plus
//! `COGNITO_USER_POOL_ID`. Exit codes: 0 done, 1 Cognito refused, 2 usage or configuration.

use std::io::{IsTerminal, Read};

use app::cognito::{Cognito, IdpError, UserSummary};
use clap::{Args, Subcommand};
use serde_json::json;

/// Options every admin command takes.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Print one JSON object instead of sentences (for scripts).
    #[arg(long, global = true)]
    pub json: bool,
}

/// The admin commands.
#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Make the user choose a new password: their next sign-in sends them a code
    /// (AdminResetUserPassword). They need a verified email or phone number.
    ResetPassword {
        /// The user's username (or email, if the pool signs in by email).
        user: String,
        #[command(flatten)]
        common: Common,
    },
    /// Set a password for the user (AdminSetUserPassword). With --temporary the user must
    /// change it at their next sign-in; a strong one is generated and printed once unless
    /// --stdin is given. With --permanent the password is read from standard input only.
    SetPassword {
        user: String,
        /// A temporary password the user must replace at next sign-in.
        #[arg(
            long,
            conflicts_with = "permanent",
            required_unless_present = "permanent"
        )]
        temporary: bool,
        /// A permanent password (read from standard input, never from the command line).
        #[arg(long)]
        permanent: bool,
        /// Read the temporary password from standard input instead of generating one.
        #[arg(long, requires = "temporary")]
        stdin: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Mark the user's email or phone number as verified (AdminUpdateUserAttributes), so
    /// reset codes can be sent to it.
    Verify {
        user: String,
        /// Mark the email address verified.
        #[arg(long, conflicts_with = "phone", required_unless_present = "phone")]
        email: bool,
        /// Mark the phone number verified.
        #[arg(long)]
        phone: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Sign the user out everywhere: every refresh token is revoked (AdminUserGlobalSignOut).
    SignOut {
        user: String,
        #[command(flatten)]
        common: Common,
    },
    /// Show the user's status, whether their email/phone are verified, and if they are enabled
    /// (AdminGetUser). Never shows passwords or tokens.
    Show {
        user: String,
        #[command(flatten)]
        common: Common,
    },
    /// Remove the user's second factors (lost phone): every factor off
    /// (AdminSetUserMFAPreference) and the authenticator app deleted (AdminDeleteSoftwareToken).
    /// In a pool that requires MFA the user sets up a new one at the next sign-in.
    MfaReset {
        user: String,
        #[command(flatten)]
        common: Common,
    },
    /// Stop the user signing in (AdminDisableUser); their data stays.
    Disable {
        user: String,
        #[command(flatten)]
        common: Common,
    },
    /// Let a disabled user sign in again (AdminEnableUser).
    Enable {
        user: String,
        #[command(flatten)]
        common: Common,
    },
    /// Find users by email address or phone number (ListUsers).
    Find {
        /// The email address to look for.
        #[arg(long, conflicts_with = "phone", required_unless_present = "phone")]
        email: Option<String>,
        /// The phone number to look for (E.164, like +15555550100).
        #[arg(long)]
        phone: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Send the invitation again with a new temporary password (AdminCreateUser with
    /// MessageAction=RESEND), e.g. when the first one expired before the user signed in.
    ResendInvite {
        user: String,
        #[command(flatten)]
        common: Common,
    },
}

/// Runs a command; returns the process exit code.
pub async fn run(cmd: AdminCommand) -> i32 {
    let json_out = match &cmd {
        AdminCommand::ResetPassword { common, .. }
        | AdminCommand::SetPassword { common, .. }
        | AdminCommand::Verify { common, .. }
        | AdminCommand::SignOut { common, .. }
        | AdminCommand::Show { common, .. }
        | AdminCommand::MfaReset { common, .. }
        | AdminCommand::Disable { common, .. }
        | AdminCommand::Enable { common, .. }
        | AdminCommand::Find { common, .. }
        | AdminCommand::ResendInvite { common, .. } => common.json,
    };
    let cognito = match connect().await {
        Ok(c) => c,
        Err(msg) => return fail(json_out, 2, "configuration", &msg),
    };
    match cmd {
        AdminCommand::ResetPassword { user, .. } => reset_password(&cognito, json_out, &user).await,
        AdminCommand::SetPassword {
            user,
            temporary,
            stdin,
            ..
        } => set_password(&cognito, json_out, &user, temporary, stdin).await,
        AdminCommand::Verify { user, phone, .. } => {
            let what = if phone { "phone number" } else { "email address" };
            match cognito.admin_mark_verified(&user, phone).await {
                Ok(()) => done(
                    json_out,
                    json!({"ok": true, "command": "verify", "username": user, "attribute": if phone {"phone_number_verified"} else {"email_verified"}}),
                    &format!("The {what} of {user} is now marked verified; reset codes can be sent to it."),
                ),
                Err(e) => refused(json_out, e, &user, "cognito-idp:AdminUpdateUserAttributes"),
            }
        }
        AdminCommand::SignOut { user, .. } => match cognito.admin_sign_out(&user).await {
            Ok(()) => done(
                json_out,
                json!({"ok": true, "command": "sign-out", "username": user}),
                &format!("{user} is signed out everywhere. They stay signed in to apps only until their current access token expires (at most an hour)."),
            ),
            Err((e, _)) => refused(json_out, e, &user, "cognito-idp:AdminUserGlobalSignOut"),
        },
        AdminCommand::Show { user, .. } => match cognito.admin_get_user(&user).await {
            Ok(u) => done(json_out, json!({"ok": true, "command": "show", "user": u}), &describe(&u)),
            Err(e) => refused(json_out, e, &user, "cognito-idp:AdminGetUser"),
        },
        other => help_desk(&cognito, json_out, other).await,
    }
}

/// The help desk's commands: `mfa-reset`, `disable`, `enable`, `find`, `resend-invite`.
async fn help_desk(cognito: &Cognito, json_out: bool, cmd: AdminCommand) -> i32 {
    let enable = !matches!(cmd, AdminCommand::Disable { .. });
    match cmd {
        AdminCommand::MfaReset { user, .. } => match cognito.admin_mfa_reset(&user).await {
            Ok(()) => done(
                json_out,
                json!({"ok": true, "command": "mfa-reset", "username": user}),
                &format!("{user} has no second factor now. If the pool requires one, they set up a new one at their next sign-in."),
            ),
            Err(e) => refused(json_out, e, &user, "cognito-idp:AdminSetUserMFAPreference, cognito-idp:AdminDeleteSoftwareToken"),
        },
        AdminCommand::Disable { user, .. } | AdminCommand::Enable { user, .. } => {
            let (name, action) = if enable {
                ("enable", "cognito-idp:AdminEnableUser")
            } else {
                ("disable", "cognito-idp:AdminDisableUser")
            };
            match cognito.admin_set_enabled(&user, enable).await {
                Ok(()) => done(
                    json_out,
                    json!({"ok": true, "command": name, "username": user}),
                    &if enable {
                        format!("{user} can sign in again.")
                    } else {
                        format!("{user} can no longer sign in (their account and data are kept; `enable` undoes it).")
                    },
                ),
                Err(e) => refused(json_out, e, &user, action),
            }
        }
        AdminCommand::Find { email, phone, .. } => {
            let (attribute, value) = match (email, phone) {
                (Some(e), _) => ("email", e),
                (None, Some(p)) => ("phone_number", p),
                (None, None) => return fail(json_out, 2, "usage", "Give --email or --phone."),
            };
            match cognito.admin_find(attribute, &value).await {
                Ok(users) => {
                    let text = match users.len() {
                        0 => format!("No user has {value}."),
                        _ => users.iter().map(describe).collect::<Vec<_>>().join("\n\n"),
                    };
                    done(json_out, json!({"ok": true, "command": "find", "users": users}), &text)
                }
                Err(e) => refused(json_out, e, &value, "cognito-idp:ListUsers"),
            }
        }
        AdminCommand::ResendInvite { user, .. } => match cognito.admin_resend_invitation(&user).await {
            Ok(to) => done(
                json_out,
                json!({"ok": true, "command": "resend-invite", "username": user,
                       "sent_to": to.destination}),
                &format!(
                    "A new invitation with a new temporary password is on its way to {user} ({}).",
                    to.destination
                ),
            ),
            Err(e) => refused(json_out, e, &user, "cognito-idp:AdminGetUser and cognito-idp:AdminCreateUser"),
        },
        _ => unreachable!("the other commands are run by `run`"),
    }
}

/// `reset-password`: `AdminResetUserPassword`.
async fn reset_password(cognito: &app::cognito::Cognito, json_out: bool, user: &str) -> i32 {
    match cognito.admin_reset_password(user).await {
        Ok(()) => done(
            json_out,
            json!({"ok": true, "command": "reset-password", "username": user}),
            &format!("Password reset for {user}. Their next sign-in will ask for the code Cognito sends to their verified email or phone."),
        ),
        Err(IdpError::InvalidParameter) => {
            fail(json_out, 1, "no_verified_contact", &no_verified_contact(user))
        }
        Err(e) => refused(json_out, e, user, "cognito-idp:AdminResetUserPassword"),
    }
}

/// `set-password`: `AdminSetUserPassword`, temporary (generated unless read from stdin) or
/// permanent.
async fn set_password(
    cognito: &app::cognito::Cognito,
    json_out: bool,
    user: &str,
    temporary: bool,
    stdin: bool,
) -> i32 {
    let (password, generated) = if temporary && !stdin {
        (generate_password(), true)
    } else {
        match read_password() {
            Ok(p) => (p, false),
            Err(msg) => return fail(json_out, 2, "usage", &msg),
        }
    };
    match cognito
        .admin_set_password(user, &password, !temporary)
        .await
    {
        Ok(()) => {
            let kind = if temporary { "temporary" } else { "permanent" };
            let shown = generated.then(|| password.clone());
            let text = match &shown {
                Some(p) => format!("Temporary password for {user} (shown once; give it to the user securely):\n{p}\nThey must choose their own password when they sign in."),
                None if temporary => format!("Temporary password set for {user}. They must choose their own password when they sign in."),
                None => format!("Permanent password set for {user}."),
            };
            done(
                json_out,
                json!({"ok": true, "command": "set-password", "username": user, "kind": kind, "temporary_password": shown}),
                &text,
            )
        }
        Err(e) => refused(json_out, e, user, "cognito-idp:AdminSetUserPassword"),
    }
}

/// What to tell the operator when Cognito cannot reset a user without a verified contact.
pub fn no_verified_contact(user: &str) -> String {
    format!("{user} has no verified email address or phone number, so Cognito cannot send them a code.\nMark one as verified first, then reset again:\n  server admin verify {user} --email\n  server admin reset-password {user}")
}

async fn connect() -> Result<Cognito, String> {
    let pool = std::env::var("COGNITO_USER_POOL_ID")
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or(
            "COGNITO_USER_POOL_ID is not set: expected the user pool id, like eu-west-1_AbCdEf123",
        )?;
    let region = pool
        .split_once('_')
        .map(|(r, _)| r.to_string())
        .filter(|r| !r.is_empty())
        .ok_or(
            "COGNITO_USER_POOL_ID is malformed: expected <region>_<id>, like eu-west-1_AbCdEf123",
        )?;
    let region = std::env::var("AWS_REGION")
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or(region);
    Ok(Cognito::for_admin(pool, region).await)
}

fn describe(u: &UserSummary) -> String {
    let yes = |b: bool| if b { "yes" } else { "no" };
    let status_hint = match u.status.as_str() {
        "CONFIRMED" => "can sign in normally",
        "FORCE_CHANGE_PASSWORD" => "must replace a temporary password at next sign-in",
        "RESET_REQUIRED" => "must reset the password with a code at next sign-in",
        "UNCONFIRMED" => "has not confirmed sign-up",
        _ => "",
    };
    format!(
        "User:            {}\nStatus:          {}{}\nEnabled:         {}\nEmail:           {} (verified: {})\nPhone:           {} (verified: {})",
        u.username,
        u.status,
        if status_hint.is_empty() { String::new() } else { format!(" ({status_hint})") },
        yes(u.enabled),
        u.email.as_deref().unwrap_or("none"),
        yes(u.email_verified),
        u.phone_number.as_deref().unwrap_or("none"),
        yes(u.phone_number_verified),
    )
}

fn done(json_out: bool, value: serde_json::Value, text: &str) -> i32 {
    if json_out {
        println!("{value}");
    } else {
        println!("{text}");
    }
    0
}

fn fail(json_out: bool, code: i32, kind: &str, message: &str) -> i32 {
    if json_out {
        println!(
            "{}",
            json!({"ok": false, "error": kind, "message": message})
        );
    } else {
        eprintln!("{message}");
    }
    code
}

fn refused(json_out: bool, e: IdpError, user: &str, action: &str) -> i32 {
    let (kind, message) = match e {
        IdpError::UserNotFound => ("user_not_found", format!("Cognito refused: there is no user named {user} in this pool.")),
        IdpError::NotAuthorized => ("not_authorized", format!("Cognito refused: these AWS credentials may not do this (IAM action {action}), or the user is disabled.")),
        IdpError::InvalidPassword => ("invalid_password", "Cognito refused: the password does not meet the pool's password policy.".to_string()),
        IdpError::PasswordReused => ("password_reused", "Cognito refused: the user has used this password recently.".to_string()),
        IdpError::InvalidParameter => ("invalid_parameter", format!("Cognito refused: the request for {user} was not valid (for example, the user has no such attribute).")),
        IdpError::AliasExists => ("alias_exists", "Cognito refused: another user already uses this email or phone number.".to_string()),
        IdpError::Throttled => ("throttled", "Cognito refused: too many requests. Wait a minute and try again.".to_string()),
        IdpError::Unavailable => ("unavailable", "Cognito could not be reached. Check the network, region and AWS_ENDPOINT_URL, then try again.".to_string()),
        IdpError::Misconfigured => ("misconfigured", "Cognito refused: the user pool was not found, or it is not set up to allow this.".to_string()),
        IdpError::Refused => ("refused", "Cognito refused: a Lambda trigger or AWS WAF rejected the request.".to_string()),
        IdpError::WrongUserState => ("wrong_user_state", format!("Cognito refused: {user} is not waiting for an invitation (they already chose a password). Use reset-password instead.")),
        _ => ("unexpected", "Cognito refused the request for an unexpected reason; its exception code is in the log line above.".to_string()),
    };
    fail(json_out, 1, kind, &message)
}

fn read_password() -> Result<String, String> {
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("Type the password, then press Enter and Ctrl-D:");
    }
    let mut s = String::new();
    stdin
        .read_to_string(&mut s)
        .map_err(|e| format!("could not read the password from standard input: {e}"))?;
    let p = s.strip_suffix('\n').unwrap_or(&s);
    let p = p.strip_suffix('\r').unwrap_or(p);
    if p.is_empty() {
        return Err("no password on standard input: pipe it in, for example: printf %s \"$PW\" | server admin set-password USER --permanent".into());
    }
    Ok(p.to_string())
}

/// A 20-character password with upper and lower case letters, digits and symbols (meets
/// Cognito's default policy and any stricter one up to 20 characters).
pub fn generate_password() -> String {
    use rand::{seq::SliceRandom, Rng};
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    const DIGIT: &[u8] = b"23456789";
    const SYMBOL: &[u8] = b"!@#%^*-_=+?";
    let mut rng = rand::rng();
    let pick =
        |set: &[u8], rng: &mut rand::rngs::ThreadRng| set[rng.random_range(0..set.len())] as char;
    let mut chars: Vec<char> = vec![
        pick(UPPER, &mut rng),
        pick(LOWER, &mut rng),
        pick(DIGIT, &mut rng),
        pick(SYMBOL, &mut rng),
    ];
    let all: Vec<u8> = [UPPER, LOWER, DIGIT, SYMBOL].concat();
    while chars.len() < 20 {
        chars.push(pick(&all, &mut rng));
    }
    chars.shuffle(&mut rng);
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_for_a_user_who_chose_a_password_points_to_reset_password() {
        // moto re-sends to anyone; Cognito refuses with UnsupportedUserStateException.
        let code = refused(
            true,
            IdpError::WrongUserState,
            "jane",
            "cognito-idp:AdminCreateUser",
        );
        assert_eq!(code, 1);
    }

    #[test]
    fn a_user_without_a_verified_contact_gets_the_fix_spelled_out() {
        let m = no_verified_contact("jane");
        assert!(m.contains("no verified email address or phone number"));
        assert!(m.contains("server admin verify jane --email"));
    }

    #[test]
    fn generated_passwords_meet_the_default_policy() {
        let policy = app::policy::PasswordPolicy::default();
        for _ in 0..200 {
            let p = generate_password();
            assert_eq!(p.len(), 20);
            assert!(policy.unmet(&p).is_empty(), "{p}");
        }
    }
}
