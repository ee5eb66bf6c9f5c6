//! What a user types, parsed once at the server-function boundary into small types: a
//! trimmed, bounded [`Username`], a [`Code`] that never prints, and passwords as
//! [`SecretString`]s (never trimmed, never printed).

use std::{fmt, ops::Deref};

use secrecy::{ExposeSecret, SecretString};

use crate::error::{AppError, Field};

/// Longest username accepted (Cognito's limit).
pub const MAX_USERNAME: usize = 128;

/// Longest code accepted (Cognito's limit on `ConfirmationCode`).
pub const MAX_CODE: usize = 2048;

/// A username as typed, trimmed: never empty, at most [`MAX_USERNAME`] characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Trims `raw`; empty and over-long ones are refused.
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let u = raw.trim();
        if u.is_empty() {
            return Err(AppError::Missing(Field::Username));
        }
        if u.chars().count() > MAX_USERNAME {
            return Err(AppError::UsernameTooLong);
        }
        Ok(Username(u.to_string()))
    }

    /// [`Username::parse`], and a phone number written as people write them (`+44 20 7946
    /// 0958`, `(555) 555-0100`, `0049 …`) in E.164 (`+442079460958`) when the pool signs users
    /// in with their phone number.
    pub fn parse_for(raw: &str, with: crate::pool::SignInWith) -> Result<Self, AppError> {
        let user = Self::parse(raw)?;
        if !with.phone {
            return Ok(user);
        }
        Ok(match e164(&user.0) {
            Some(number) => Username(number),
            None => user,
        })
    }

    /// The username, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// `typed` as an E.164 number, when it is one written with spaces, dots, dashes, brackets or a
/// `00` international prefix (and has a country code: without one it is left as typed).
pub fn e164(typed: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_digit() || " .-()/+\u{a0}".contains(c);
    if !typed.chars().all(allowed) || typed.matches('+').count() > 1 {
        return None;
    }
    let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
    let international = if typed.trim_start().starts_with('+') {
        digits
    } else {
        digits.strip_prefix("00")?.to_string()
    };
    (7..=15)
        .contains(&international.len())
        .then(|| format!("+{international}"))
}

/// Whether `s` reads as an email address (`name@example.com`, at most 254 characters).
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl Deref for Username {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// A code as typed (reset code, second-factor codes), without spaces (`123 456` as copied
/// from a message is `123456`). `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Code(String);

/// How many digits a code of each kind has: Cognito's reset, SMS and authenticator codes
/// have six; an email code six, or eight when it signs in without a password.
pub const SIX: &[usize] = &[6];
pub const SIX_OR_EIGHT: &[usize] = &[6, 8];

impl Code {
    /// `raw` without whitespace; checked where the flow is ready to say why.
    pub fn new(raw: &str) -> Self {
        Code(raw.chars().filter(|c| !c.is_whitespace()).collect())
    }

    /// Whether nothing was typed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The code for Cognito, or why it cannot be one: empty, or longer than Cognito takes
    /// (answered as a wrong code).
    pub fn checked(&self) -> Result<&str, AppError> {
        match self.0.len() {
            0 => Err(AppError::Missing(Field::Code)),
            n if n > MAX_CODE => Err(AppError::WrongCode),
            _ => Ok(&self.0),
        }
    }

    /// A code of `lengths` digits, or `CodeLength` with the number to type (the one the entry
    /// falls short of, or the longest) when it has fewer, more, or something else than digits.
    pub fn digits(&self, lengths: &[usize]) -> Result<&str, AppError> {
        let code = self.checked()?;
        let typed = code.chars().count();
        if code.bytes().all(|b| b.is_ascii_digit()) && lengths.contains(&typed) {
            return Ok(code);
        }
        let expected = lengths.iter().find(|&&n| n >= typed).or(lengths.last());
        Err(AppError::CodeLength(expected.copied().unwrap_or(6) as u8))
    }

    /// A reset code: six digits when it is digits (Cognito's are); anything else typed goes to
    /// Cognito as it is, which says whether it is right (an emulator's codes are not digits).
    pub fn reset_code(&self) -> Result<&str, AppError> {
        let code = self.checked()?;
        if code.bytes().all(|b| b.is_ascii_digit()) {
            return self.digits(SIX);
        }
        Ok(code)
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Code([redacted])")
    }
}

/// A new password and its confirmation, as typed.
#[derive(Clone)]
pub struct NewPassword {
    pub password: SecretString,
    pub confirmation: SecretString,
}

impl NewPassword {
    /// Wraps the two fields of a new-password form.
    pub fn new(password: String, confirmation: String) -> Self {
        Self {
            password: SecretString::from(password),
            confirmation: SecretString::from(confirmation),
        }
    }

    /// The new password's text, for the checks and the Cognito call.
    pub fn expose(&self) -> &str {
        self.password.expose_secret()
    }

    /// The confirmation's text, for the checks.
    pub fn confirmation(&self) -> &str {
        self.confirmation.expose_secret()
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_bounded() {
        assert_eq!(&*Username::parse("  jane ").unwrap(), "jane");
        assert_eq!(
            Username::parse("   "),
            Err(AppError::Missing(Field::Username))
        );
        assert_eq!(
            Username::parse(&"é".repeat(MAX_USERNAME + 1)),
            Err(AppError::UsernameTooLong)
        );
        assert!(Username::parse(&"é".repeat(MAX_USERNAME)).is_ok());
    }

    #[test]
    fn phone_numbers_are_read_as_people_write_them() {
        use crate::pool::SignInWith;
        for (typed, e164) in [
            ("+44 20 7946 0958", "+442079460958"),
            ("+1 (555) 555-0100", "+15555550100"),
            ("0049 151 2345 6789", "+4915123456789"),
            ("+81.90.1234.5678", "+819012345678"),
        ] {
            assert_eq!(super::e164(typed).as_deref(), Some(e164), "{typed}");
        }
        // No country code, too short, letters, two pluses: left as typed.
        for typed in [
            "555 555 0100",
            "+12",
            "jane",
            "+1+2 555 0100",
            "jane@example.com",
        ] {
            assert_eq!(super::e164(typed), None, "{typed}");
        }
        let phone = SignInWith {
            username: true,
            email: false,
            phone: true,
        };
        assert_eq!(
            &*Username::parse_for(" +1 555-555-0100 ", phone).unwrap(),
            "+15555550100"
        );
        assert_eq!(&*Username::parse_for("jane", phone).unwrap(), "jane");
        // A pool without phone numbers keeps what was typed.
        let plain = SignInWith::default();
        assert_eq!(
            &*Username::parse_for("+1 555-555-0100", plain).unwrap(),
            "+1 555-555-0100"
        );
    }

    #[test]
    fn codes_and_passwords_never_print() {
        let c = Code::new(" 123456 ");
        assert_eq!(c.checked(), Ok("123456"));
        assert!(!format!("{c:?}").contains("123456"));
        let p = NewPassword::new("Kite-Lamp-9!".into(), "Kite-Lamp-9!".into());
        assert!(!format!("{p:?}").contains("Kite"));
        assert_eq!(
            Code::new("  ").checked(),
            Err(AppError::Missing(Field::Code))
        );
        assert_eq!(
            Code::new(&"1".repeat(MAX_CODE + 1)).checked(),
            Err(AppError::WrongCode)
        );
    }

    #[test]
    fn codes_say_how_many_digits_they_need() {
        let length = |raw: &str, n: &[usize]| Code::new(raw).digits(n).map(str::to_string);
        assert_eq!(length(" 123 456 ", SIX), Ok("123456".into()));
        for short in [
            "123",
            "12345",
            "1234567",
            "12345a",
            "abcdef",
            "１２３４５６",
        ] {
            assert_eq!(length(short, SIX), Err(AppError::CodeLength(6)), "{short}");
        }
        assert_eq!(length("12345678", SIX_OR_EIGHT), Ok("12345678".into()));
        assert_eq!(
            length("1234567", SIX_OR_EIGHT),
            Err(AppError::CodeLength(8))
        );
        assert_eq!(length("12345", SIX_OR_EIGHT), Err(AppError::CodeLength(6)));
        assert_eq!(
            length("123456789", SIX_OR_EIGHT),
            Err(AppError::CodeLength(8))
        );
        assert_eq!(length("", SIX), Err(AppError::Missing(Field::Code)));
        // Reset codes: digits are counted; anything else is Cognito's to judge.
        assert_eq!(
            Code::new("12345").reset_code(),
            Err(AppError::CodeLength(6))
        );
        assert_eq!(Code::new("123456").reset_code(), Ok("123456"));
        assert_eq!(Code::new("moto-code:1").reset_code(), Ok("moto-code:1"));
    }
}
