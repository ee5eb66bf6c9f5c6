//! The password policy: one implementation used by the live checklist in the browser and by the
//! server before Cognito is called. Character classes follow Cognito's own definitions.

use serde::{Deserialize, Serialize};

/// Cognito's maximum password length.
pub const MAX_LENGTH: usize = 256;

/// The characters Cognito counts as symbols (plus a space that is neither first nor last).
pub const SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-";

/// A user pool's password rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub min_length: u32,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
}

impl Default for PasswordPolicy {
    /// Cognito's default policy: 8 characters with upper, lower, number and symbol.
    fn default() -> Self {
        Self {
            min_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
        }
    }
}

/// One rule of the checklist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rule {
    MinLength(u32),
    Uppercase,
    Lowercase,
    Digit,
    Symbol,
}

impl Rule {
    /// The rule as the checklist and error messages word it.
    pub fn label(&self) -> String {
        match self {
            Rule::MinLength(n) => format!("at least {n} characters"),
            Rule::Uppercase => "an uppercase letter (A–Z)".into(),
            Rule::Lowercase => "a lowercase letter (a–z)".into(),
            Rule::Digit => "a number".into(),
            Rule::Symbol => "a symbol such as ! @ # ?".into(),
        }
    }

    /// Whether `password` meets this rule.
    pub fn is_met(&self, password: &str) -> bool {
        match self {
            Rule::MinLength(n) => password.chars().count() >= *n as usize,
            Rule::Uppercase => password.chars().any(|c| c.is_ascii_uppercase()),
            Rule::Lowercase => password.chars().any(|c| c.is_ascii_lowercase()),
            Rule::Digit => password.chars().any(|c| c.is_ascii_digit()),
            Rule::Symbol => has_symbol(password),
        }
    }
}

fn has_symbol(password: &str) -> bool {
    if password.chars().any(|c| SYMBOLS.contains(c)) {
        return true;
    }
    // Cognito counts a space as a symbol unless it is leading or trailing.
    let inner = password.trim_matches(' ');
    inner.contains(' ')
}

impl PasswordPolicy {
    /// The rules of this policy, in checklist order.
    pub fn rules(&self) -> Vec<Rule> {
        let mut rules = vec![Rule::MinLength(self.min_length)];
        if self.require_lowercase {
            rules.push(Rule::Lowercase);
        }
        if self.require_uppercase {
            rules.push(Rule::Uppercase);
        }
        if self.require_numbers {
            rules.push(Rule::Digit);
        }
        if self.require_symbols {
            rules.push(Rule::Symbol);
        }
        rules
    }

    /// The rules `password` does not meet yet (empty when it passes).
    pub fn unmet(&self, password: &str) -> Vec<Rule> {
        self.rules()
            .into_iter()
            .filter(|r| !r.is_met(password))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_is_cognitos_default() {
        let p = PasswordPolicy::default();
        assert_eq!(p.rules().len(), 5);
        assert!(p.unmet("Abcdef1!").is_empty());
        assert_eq!(
            p.unmet("abcdefgh"),
            vec![Rule::Uppercase, Rule::Digit, Rule::Symbol]
        );
        assert_eq!(p.unmet("Ab1!"), vec![Rule::MinLength(8)]);
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let p = PasswordPolicy {
            min_length: 8,
            require_uppercase: false,
            require_lowercase: false,
            require_numbers: false,
            require_symbols: false,
        };
        assert!(!p.unmet("ééééééé").is_empty());
        assert!(p.unmet("éééééééé").is_empty());
    }

    #[test]
    fn inner_space_is_a_symbol_but_edges_are_not() {
        assert!(Rule::Symbol.is_met("correct horse"));
        assert!(!Rule::Symbol.is_met(" correcthorse "));
        assert!(Rule::Symbol.is_met("a-b"));
    }
}

/// Checks a new password and its confirmation before Cognito is called. `current` is the
/// user's current password when they are changing it. Passwords are never trimmed.
pub fn check_new_password(
    policy: &PasswordPolicy,
    new_password: &str,
    confirmation: &str,
    current: Option<&str>,
) -> Result<(), crate::error::AppError> {
    use crate::error::{AppError, Field};
    if new_password.is_empty() {
        return Err(AppError::Missing(Field::NewPassword));
    }
    if new_password.chars().count() > MAX_LENGTH {
        return Err(AppError::PasswordTooLong);
    }
    let unmet = policy.unmet(new_password);
    if !unmet.is_empty() {
        return Err(AppError::PasswordPolicy(unmet));
    }
    if new_password.starts_with(char::is_whitespace) || new_password.ends_with(char::is_whitespace)
    {
        return Err(AppError::PasswordEdgeSpace);
    }
    if confirmation.is_empty() {
        return Err(AppError::Missing(Field::ConfirmPassword));
    }
    if confirmation != new_password {
        return Err(AppError::PasswordsDoNotMatch);
    }
    if current == Some(new_password) {
        return Err(AppError::SamePassword);
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
) -> Result<(), crate::error::AppError> {
    use crate::error::AppError;
    let lower = password.to_lowercase();
    let mut names: Vec<String> = vec![username.to_lowercase(), product_name.to_lowercase()];
    if let Some((local, _)) = username.split_once('@') {
        names.push(local.to_lowercase());
    }
    if names
        .iter()
        .any(|n| n.chars().count() >= 3 && lower.contains(n.as_str()))
    {
        return Err(AppError::PasswordContainsName);
    }
    if password.chars().count() >= PASSPHRASE_LENGTH {
        return Ok(());
    }
    let inputs: Vec<&str> = names.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if u8::from(estimate.score()) <= 1 {
        return Err(AppError::PasswordTooCommon);
    }
    Ok(())
}

#[cfg(all(test, feature = "ssr"))]
mod guess_tests {
    use super::*;
    use crate::error::AppError;

    #[test]
    fn common_passwords_and_names_are_refused_with_their_own_message() {
        for p in ["Password1!", "P@ssw0rd123", "Qwerty123!", "Welcome1!"] {
            assert_eq!(
                check_guessability(p, "jane", "Account recovery"),
                Err(AppError::PasswordTooCommon),
                "{p}"
            );
        }
        assert_eq!(
            check_guessability("Kite-jane.doe-7!", "Jane.Doe@example.com", "Acme"),
            Err(AppError::PasswordContainsName)
        );
        assert_eq!(
            check_guessability("xJANE!2024-blue-kite", "jane", "Acme"),
            Err(AppError::PasswordContainsName)
        );
        assert_eq!(
            check_guessability("my-acmeportal-Key9!", "jane", "AcmePortal"),
            Err(AppError::PasswordContainsName)
        );
        assert_eq!(
            check_guessability("kite7!Blue-jam", "jane@example.com", "Acme"),
            Ok(())
        );
    }

    #[test]
    fn long_unicode_passphrases_pass() {
        let long = "Ünïcødé pässphrâse wïth 🙂 émojis and 7 wørds, quite long!".repeat(2);
        assert!(long.chars().count() >= PASSPHRASE_LENGTH);
        assert_eq!(check_guessability(&long, "jane", "Acme"), Ok(()));
        assert_eq!(
            check_guessability("Tüpfelhyäne-Glühwürmchen-7", "jane", "Acme"),
            Ok(())
        );
    }
}

#[cfg(test)]
mod check_tests {
    use super::*;
    use crate::error::{AppError, Field};

    #[test]
    fn checks_come_in_the_order_a_user_fixes_them() {
        let p = PasswordPolicy::default();
        assert_eq!(
            check_new_password(&p, "", "", None),
            Err(AppError::Missing(Field::NewPassword))
        );
        assert!(matches!(
            check_new_password(&p, "short", "short", None),
            Err(AppError::PasswordPolicy(_))
        ));
        assert_eq!(
            check_new_password(&p, "Abcdef1!", "", None),
            Err(AppError::Missing(Field::ConfirmPassword))
        );
        assert_eq!(
            check_new_password(&p, "Abcdef1!", "Abcdef1?", None),
            Err(AppError::PasswordsDoNotMatch)
        );
        assert_eq!(
            check_new_password(&p, "Abcdef1!", "Abcdef1!", Some("Abcdef1!")),
            Err(AppError::SamePassword)
        );
        assert_eq!(
            check_new_password(&p, "Abcdef1!", "Abcdef1!", Some("Old1!old")),
            Ok(())
        );
    }

    #[test]
    fn long_unicode_passphrases_pass_and_are_not_trimmed() {
        let p = PasswordPolicy::default();
        let long = format!("Aa1! {}", "ß".repeat(80));
        assert_eq!(check_new_password(&p, &long, &long, None), Ok(()));
        assert_eq!(
            check_new_password(&p, " Abcdef1!", " Abcdef1!", None),
            Err(AppError::PasswordEdgeSpace)
        );
        let too_long = "Aa1!".repeat(65);
        assert_eq!(
            check_new_password(&p, &too_long, &too_long, None),
            Err(AppError::PasswordTooLong)
        );
    }
}
