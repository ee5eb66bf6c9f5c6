//! Where a code went, as the user is shown it: one masked shape for every destination, real
//! or decoy, so an unknown account cannot be told from a real one.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::idp_error;
use crate::{
    cognito::{Delivery, IdpError, Medium},
    error::AppError,
    session::Sent,
    state::AppState,
};

/// A letter or digit derived from `key` and `seed` (stable, unpredictable without the key).
fn keyed_char(key: &[u8; 32], seed: &str, i: usize) -> char {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(seed.to_lowercase().as_bytes());
    let h = mac.finalize().into_bytes();
    let b = h[i % h.len()] % 36;
    if b < 26 {
        (b'a' + b) as char
    } else {
        (b'0' + b - 26) as char
    }
}

/// The first letter or digit of `s`, lower-cased.
fn first_alnum(s: &str) -> Option<char> {
    s.chars()
        .find(|c| c.is_alphanumeric())
        .and_then(|c| c.to_lowercase().next())
}

/// Every destination the user sees, real or decoy, in the app's own masked form:
/// `j***@e***` for an email, `+*******0123` for a phone. Whatever Cognito returns (its
/// own mask, another emulator's, or an unmasked address) comes out in exactly this shape,
/// so a real account cannot be told from an unknown one by how its destination looks.
/// Missing characters are filled from `key` and `username`.
pub fn canonical_delivery(key: &[u8; 32], username: &str, d: &Delivery) -> Delivery {
    match d.medium {
        Medium::Email => {
            let (local, domain) = d.destination.split_once('@').unwrap_or(("", ""));
            let a = first_alnum(local).unwrap_or_else(|| keyed_char(key, username, 0));
            let b = first_alnum(domain).unwrap_or_else(|| keyed_char(key, username, 1));
            Delivery {
                medium: Medium::Email,
                destination: format!("{a}***@{b}***"),
            }
        }
        Medium::Sms => {
            let digits: Vec<char> = d
                .destination
                .chars()
                .filter(|c| c.is_ascii_digit())
                .collect();
            let last: String = if digits.len() >= 4 {
                digits[digits.len() - 4..].iter().collect()
            } else {
                (0..4)
                    .map(|i| {
                        let c = keyed_char(key, username, 2 + i) as u8;
                        (b'0' + c % 10) as char
                    })
                    .collect()
            };
            Delivery {
                medium: Medium::Sms,
                destination: format!("+*******{last}"),
            }
        }
    }
}

/// A plausible destination for a username Cognito does not know (or that has no verified
/// contact), so the answer does not reveal whether the account exists: built from the
/// username the way a real one is shown (see [`canonical_delivery`]), stable per username.
pub fn decoy_delivery(key: &[u8; 32], username: &str) -> Delivery {
    let digits = username.chars().filter(|c| c.is_ascii_digit()).count();
    let raw = if username.contains('@') {
        Delivery {
            medium: Medium::Email,
            destination: username.to_string(),
        }
    } else if username.starts_with('+') && digits >= 8 {
        Delivery {
            medium: Medium::Sms,
            destination: username.to_string(),
        }
    } else {
        Delivery {
            medium: Medium::Email,
            destination: String::new(),
        }
    };
    canonical_delivery(key, username, &raw)
}

/// Calls `ForgotPassword`; unknown users and users without a verified contact get a
/// decoy answer indistinguishable from a real one. Two states no reset code can serve are
/// served without a different answer: a sign-up never confirmed gets its confirmation code
/// again (confirming it verifies the contact, and a reset code follows), and an invited user
/// who never chose a password gets a new invitation (with `REINVITE`). Returns where it went,
/// as the page shows it, and what was sent.
pub async fn send_code(state: &AppState, username: &str) -> Result<(Delivery, Sent), AppError> {
    state.limiter.code_sent().await?;
    let decoy = || decoy_delivery(&state.decoy_key, username).medium;
    let (medium, sent) = match state.cognito.forgot_password(username).await {
        Ok(Some(d)) => (d.medium, Sent::ResetCode),
        Ok(None) | Err(IdpError::UserNotFound) => (decoy(), Sent::ResetCode),
        // No verified contact, or (some pools say so) a sign-up never confirmed: if it is the
        // latter, its confirmation code goes to the contact given at sign-up. The page shows
        // what it shows an unknown user (where it went would tell the state apart).
        Err(IdpError::InvalidParameter | IdpError::UserNotConfirmed) => {
            let sent = super::stuck::send_sign_up_code(state, username).await;
            let sent = if sent.is_ok() {
                Sent::SignUpCode
            } else {
                Sent::ResetCode
            };
            (decoy(), sent)
        }
        Err(IdpError::ResetRefusedInState) => {
            let sent = super::stuck::reinvite(state, username).await;
            let sent = if sent.is_some() {
                Sent::Invitation
            } else {
                Sent::ResetCode
            };
            (decoy(), sent)
        }
        Err(IdpError::NotAuthorized) => {
            // A disabled user, or a wrong client secret: same answer to the user; the
            // operator sees the refusal in the log.
            tracing::error!(
                "ForgotPassword refused as not authorized (disabled user or bad client secret)"
            );
            (decoy(), Sent::ResetCode)
        }
        Err(e) => return Err(idp_error(e)),
    };
    Ok((uniform_delivery(&state.decoy_key, username, medium), sent))
}

/// Whether `username` is an email address (something before and after one `@`).
fn is_address(username: &str) -> bool {
    matches!(username.split_once('@'), Some((a, b)) if !a.is_empty() && !b.is_empty() && !b.contains('@'))
}

/// Whether `username` is a phone number (`+` and at least 8 digits).
fn is_phone(username: &str) -> bool {
    username.starts_with('+') && username.chars().filter(|c| c.is_ascii_digit()).count() >= 8
}

/// What the reset pages say about where a code went: the same for a real account and an
/// unknown one, even to someone who knows the person's address. A username that is itself the
/// address (or phone number) is shown masked from the username, as the user typed it, whatever
/// Cognito said; any other username gets the channel only ("the address on your account"):
/// a mask of the real address would let anyone who knows it tell a real account from a decoy.
pub fn uniform_delivery(key: &[u8; 32], username: &str, medium: Medium) -> Delivery {
    let own = match medium {
        Medium::Email => is_address(username),
        Medium::Sms => is_phone(username),
    };
    if own {
        let typed = Delivery {
            medium,
            destination: username.to_string(),
        };
        canonical_delivery(key, username, &typed)
    } else {
        Delivery {
            medium,
            destination: String::new(),
        }
    }
}
