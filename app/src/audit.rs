//! Audit events: one structured log line (target `audit`) per security-relevant outcome, with
//! the client IP and a keyed hash of the username, never the username itself.

use std::net::IpAddr;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A keyed hash (HMAC-SHA-256, first 16 bytes, hex) of a username in its canonical form (as the
/// pool compares usernames: `PoolFeatures::canonical`): the same user gives the same value on
/// every instance sharing `SERVER_SECRET`, and the value cannot be turned back into the
/// username without the key.
pub fn user_hash(key: &[u8; 32], canonical: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(canonical.as_bytes());
    mac.finalize().into_bytes()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Derives a purpose-specific key from the server secret.
pub fn derive_key(secret: &[u8], purpose: &str) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().into()
}

/// Writes one audit event. `outcome` is `ok` or the short name of what went wrong.
pub fn event(name: &'static str, outcome: &str, ip: IpAddr, user: Option<&str>) {
    crate::metrics::metrics().flow(name, outcome);
    tracing::info!(
        target: "audit",
        event = name,
        outcome,
        client_ip = %ip,
        user = user.unwrap_or("-"),
        "audit"
    );
}

/// The short name of an error for logs and metrics (`RateLimited`, `WrongCode`, …).
pub fn outcome<T>(result: &Result<T, crate::error::AppError>) -> String {
    match result {
        Ok(_) => "ok".to_string(),
        Err(e) => {
            let s = format!("{e:?}");
            s.split(['(', ' ', '{'])
                .next()
                .unwrap_or("error")
                .to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    #[test]
    fn the_hash_is_keyed_and_stable() {
        let k1 = derive_key(b"one secret that is long enough......", "audit");
        let k2 = derive_key(b"another secret that is long enough..", "audit");
        assert_eq!(user_hash(&k1, "jane"), user_hash(&k1, "jane"));
        assert_ne!(user_hash(&k1, "Jane"), user_hash(&k1, "jane"));
        assert_ne!(user_hash(&k1, "jane"), user_hash(&k2, "jane"));
        assert_eq!(user_hash(&k1, "jane").len(), 32);
        assert!(!user_hash(&k1, "jane").contains("jane"));
    }

    #[test]
    fn outcomes_are_short_names() {
        assert_eq!(outcome::<()>(&Ok(())), "ok");
        assert_eq!(outcome::<()>(&Err(AppError::RateLimited(3))), "RateLimited");
        assert_eq!(outcome::<()>(&Err(AppError::WrongCode)), "WrongCode");
    }
}
