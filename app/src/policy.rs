//! A user pool's password rules and how a password meets them: one implementation used by the
//! live checklist in the browser and by the server before Cognito is called. Character classes
//! follow Cognito's own definitions. A leaf: it depends on no other module of the app.

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
    /// How many recent passwords may not be used again (`PasswordHistorySize`; 0: none). Not a
    /// rule the browser can check: the page says it below the checklist.
    #[serde(default)]
    pub history: u32,
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
            history: 0,
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

    /// How the page writes the rule for the browser's checklist: `min:8`, `upper`, `lower`,
    /// `digit`, `symbol`.
    pub fn code(&self) -> String {
        match self {
            Rule::MinLength(n) => format!("min:{n}"),
            Rule::Uppercase => "upper".into(),
            Rule::Lowercase => "lower".into(),
            Rule::Digit => "digit".into(),
            Rule::Symbol => "symbol".into(),
        }
    }

    /// The rule a [`Rule::code`] stands for.
    pub fn from_code(code: &str) -> Option<Rule> {
        Some(match code {
            "upper" => Rule::Uppercase,
            "lower" => Rule::Lowercase,
            "digit" => Rule::Digit,
            "symbol" => Rule::Symbol,
            _ => Rule::MinLength(code.strip_prefix("min:")?.parse().ok()?),
        })
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
    fn every_rule_reads_back_from_its_code() {
        for r in PasswordPolicy::default().rules() {
            assert_eq!(Rule::from_code(&r.code()), Some(r));
        }
        assert_eq!(Rule::from_code("min:12"), Some(Rule::MinLength(12)));
        for bad in ["", "min:", "min:x", "MIN:8", "upper "] {
            assert_eq!(Rule::from_code(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let p = PasswordPolicy {
            min_length: 8,
            require_uppercase: false,
            require_lowercase: false,
            require_numbers: false,
            require_symbols: false,
            history: 0,
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
