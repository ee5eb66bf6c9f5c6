//! The checks a new password goes through before Cognito is called (on top of the pool's
//! rules in [`crate::policy`]). They answer with their own [`PasswordError`], which converts
//! into the app's one error type.

pub use crate::policy::MAX_LENGTH;
use crate::{
    error::{AppError, Field},
    policy::{PasswordPolicy, Rule},
};

/// Why a new password was refused before Cognito was asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordError {
    MissingNew,
    MissingConfirmation,
    TooLong,
    Policy(Vec<Rule>),
    EdgeSpace,
    Mismatch,
    SameAsCurrent,
    ContainsName,
    TooCommon,
}

impl From<PasswordError> for AppError {
    fn from(e: PasswordError) -> Self {
        match e {
            PasswordError::MissingNew => AppError::Missing(Field::NewPassword),
            PasswordError::MissingConfirmation => AppError::Missing(Field::ConfirmPassword),
            PasswordError::TooLong => AppError::PasswordTooLong,
            PasswordError::Policy(rules) => AppError::PasswordPolicy(rules),
            PasswordError::EdgeSpace => AppError::PasswordEdgeSpace,
            PasswordError::Mismatch => AppError::PasswordsDoNotMatch,
            PasswordError::SameAsCurrent => AppError::SamePassword,
            PasswordError::ContainsName => AppError::PasswordContainsName,
            PasswordError::TooCommon => AppError::PasswordTooCommon,
        }
    }
}
/// Checks a new password and its confirmation before Cognito is called. `current` is the
/// user's current password when they are changing it. Passwords are never trimmed.
pub fn check_new_password(
    policy: &PasswordPolicy,
    new_password: &str,
    confirmation: &str,
    current: Option<&str>,
) -> Result<(), PasswordError> {
    if new_password.is_empty() {
        return Err(PasswordError::MissingNew);
    }
    if new_password.chars().count() > MAX_LENGTH {
        return Err(PasswordError::TooLong);
    }
    let unmet = policy.unmet(new_password);
    if !unmet.is_empty() {
        return Err(PasswordError::Policy(unmet));
    }
    if new_password.starts_with(char::is_whitespace) || new_password.ends_with(char::is_whitespace)
    {
        return Err(PasswordError::EdgeSpace);
    }
    if confirmation.is_empty() {
        return Err(PasswordError::MissingConfirmation);
    }
    if confirmation != new_password {
        return Err(PasswordError::Mismatch);
    }
    if current == Some(new_password) {
        return Err(PasswordError::SameAsCurrent);
    }
    Ok(())
}

/// Passwords at least this long are accepted as passphrases without a guessability estimate.
pub const PASSPHRASE_LENGTH: usize = 64;

/// Refuses passwords that contain the username or the product name, and ones a
/// well-kept strength estimator (zxcvbn) finds among the most common or easily guessed
/// (score 0 or 1: fewer than a million guesses). Runs on the server only; the checklist in the
/// browser shows the pool's rules.
#[cfg(feature = "ssr")]
pub fn check_guessability(
    password: &str,
    username: &str,
    product_name: &str,
) -> Result<(), PasswordError> {
    let lower = password.to_lowercase();
    let mut names: Vec<String> = vec![username.to_lowercase(), product_name.to_lowercase()];
    if let Some((local, _)) = username.split_once('@') {
        names.push(local.to_lowercase());
    }
    if names
        .iter()
        .any(|n| n.chars().count() >= 3 && lower.contains(n.as_str()))
    {
        return Err(PasswordError::ContainsName);
    }
    if password.chars().count() >= PASSPHRASE_LENGTH {
        return Ok(());
    }
    let inputs: Vec<&str> = names.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if u8::from(estimate.score()) <= 1 {
        return Err(PasswordError::TooCommon);
    }
    Ok(())
}

#[cfg(all(test, feature = "ssr"))]
mod guess_tests {
    use super::*;

    #[test]
    fn common_passwords_and_names_are_refused_with_their_own_message() {
        for p in ["Password1!", "P@ssw0rd123", "Qwerty123!", "Welcome1!"] {
            assert_eq!(
                check_guessability(p, "jane", "Account recovery").map_err(AppError::from),
                Err(AppError::PasswordTooCommon),
                "{p}"
            );
        }
        assert_eq!(
            check_guessability("Kite-jane.doe-7!", "Jane.Doe@example.com", "Acme")
                .map_err(AppError::from),
            Err(AppError::PasswordContainsName)
        );
        assert_eq!(
            check_guessability("xJANE!2024-blue-kite", "jane", "Acme").map_err(AppError::from),
            Err(AppError::PasswordContainsName)
        );
        assert_eq!(
            check_guessability("my-acmeportal-Key9!", "jane", "AcmePortal").map_err(AppError::from),
            Err(AppError::PasswordContainsName)
        );
        assert_eq!(
            check_guessability("kite7!Blue-jam", "jane@example.com", "Acme")
                .map_err(AppError::from),
            Ok(())
        );
    }

    #[test]
    fn long_unicode_passphrases_pass() {
        let long = "Ünïcødé pässphrâse wïth 🙂 émojis and 7 wørds, quite long!".repeat(2);
        assert!(long.chars().count() >= PASSPHRASE_LENGTH);
        assert_eq!(check_guessability(&long, "jane", "Acme"), Ok(()));
        assert_eq!(
            check_guessability("Tüpfelhyäne-Glühwürmchen-7", "jane", "Acme")
                .map_err(AppError::from),
            Ok(())
        );
    }
}

#[cfg(test)]
mod check_tests {
    use super::*;

    #[test]
    fn checks_come_in_the_order_a_user_fixes_them() {
        let p = PasswordPolicy::default();
        assert_eq!(
            check_new_password(&p, "", "", None).map_err(AppError::from),
            Err(AppError::Missing(Field::NewPassword))
        );
        assert!(matches!(
            check_new_password(&p, "short", "short", None).map_err(AppError::from),
            Err(AppError::PasswordPolicy(_))
        ));
        assert_eq!(
            check_new_password(&p, "Abcdef1!", "", None).map_err(AppError::from),
            Err(AppError::Missing(Field::ConfirmPassword))
        );
        assert_eq!(
            check_new_password(&p, "Abcdef1!", "Abcdef1?", None).map_err(AppError::from),
            Err(AppError::PasswordsDoNotMatch)
        );
        assert_eq!(
            check_new_password(&p, "Abcdef1!", "Abcdef1!", Some("Abcdef1!"))
                .map_err(AppError::from),
            Err(AppError::SamePassword)
        );
        assert_eq!(
            check_new_password(&p, "Abcdef1!", "Abcdef1!", Some("Old1!old"))
                .map_err(AppError::from),
            Ok(())
        );
    }

    #[test]
    fn long_unicode_passphrases_pass_and_are_not_trimmed() {
        let p = PasswordPolicy::default();
        let long = format!("Aa1! {}", "ß".repeat(80));
        assert_eq!(check_new_password(&p, &long, &long, None), Ok(()));
        assert_eq!(
            check_new_password(&p, " Abcdef1!", " Abcdef1!", None).map_err(AppError::from),
            Err(AppError::PasswordEdgeSpace)
        );
        let too_long = "Aa1!".repeat(65);
        assert_eq!(
            check_new_password(&p, &too_long, &too_long, None).map_err(AppError::from),
            Err(AppError::PasswordTooLong)
        );
    }
}
