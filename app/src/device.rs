//! The device cookie: a browser that signed in as a user gets a signed, HttpOnly cookie that
//! names no one. Later attempts for that user from that browser are counted on their own, so
//! attackers who guess a user's password elsewhere cannot lock that user out (OWASP's
//! "device cookies" against lockout attacks). It grants nothing else.
//!
//! Value: `v1.<random id>.<issued unix seconds>.<mac>`, the MAC (HMAC-SHA256, keyed by
//! `SERVER_SECRET`) over the id, the time and the keyed hash of the username, so it only
//! counts for the user it was issued for and cannot be forged or moved to another user.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The cookie's name over plain HTTP (local runs).
pub const COOKIE: &str = "device";
/// The cookie's name over HTTPS.
pub const SECURE_COOKIE: &str = "__Host-device";
/// How long a device cookie counts.
pub const LIFETIME_SECS: i64 = 180 * 24 * 3600;

/// Whether `name` is the device cookie (under either name).
pub fn is_device_cookie(name: &str) -> bool {
    name == COOKIE || name == SECURE_COOKIE
}

fn mac(key: &[u8; 32], id: &str, issued: i64, user_hash: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    m.update(format!("v1.{id}.{issued}.{user_hash}").as_bytes());
    URL_SAFE_NO_PAD.encode(&m.finalize().into_bytes()[..16])
}

/// A new cookie value for a browser that just signed in as `user_hash`.
pub fn issue(key: &[u8; 32], user_hash: &str, now: i64) -> String {
    let id = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 12]>());
    let tag = mac(key, &id, now, user_hash);
    format!("v1.{id}.{now}.{tag}")
}

/// The device id when `value` is a cookie this server issued for `user_hash`, less than
/// [`LIFETIME_SECS`] ago.
pub fn verify(key: &[u8; 32], value: &str, user_hash: &str, now: i64) -> Option<String> {
    let mut parts = value.split('.');
    let (Some("v1"), Some(id), Some(issued), Some(tag), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let issued: i64 = issued.parse().ok()?;
    if id.len() != 16 || now - issued > LIFETIME_SECS || issued > now + 60 {
        return None;
    }
    let expected = mac(key, id, issued, user_hash);
    // Constant-time comparison of the tags.
    let same = expected.len() == tag.len()
        && expected
            .bytes()
            .zip(tag.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then(|| id.to_string())
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn read(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The `Set-Cookie` value that keeps `value` in the browser.
pub fn set_cookie(name: &str, value: &str, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={LIFETIME_SECS}; SameSite=Lax; HttpOnly{}",
        if secure { "; Secure" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn a_device_cookie_counts_only_for_its_user_and_its_lifetime() {
        let now = 1_800_000_000;
        let c = issue(&KEY, "hash-of-jane", now);
        let id = verify(&KEY, &c, "hash-of-jane", now + 10).expect("valid");
        assert_eq!(c.split('.').nth(1), Some(id.as_str()));
        assert!(!c.contains("jane"), "names no one");
        assert_eq!(verify(&KEY, &c, "hash-of-bob", now), None, "other user");
        assert_eq!(verify(&[8; 32], &c, "hash-of-jane", now), None, "other key");
        assert_eq!(
            verify(&KEY, &c, "hash-of-jane", now + LIFETIME_SECS + 1),
            None,
            "expired"
        );
        let forged = c.replace(&format!(".{now}."), &format!(".{}.", now + 5));
        assert_eq!(verify(&KEY, &forged, "hash-of-jane", now + 10), None);
        assert_eq!(verify(&KEY, "v1.x.y.z", "hash-of-jane", now), None);
        assert_ne!(issue(&KEY, "hash-of-jane", now), c, "a new id each time");
    }

    #[test]
    fn the_cookie_is_read_from_the_cookie_header_and_set_httponly() {
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::COOKIE,
            "lang=ja; __Host-device=v1.abc; sid=x".parse().unwrap(),
        );
        assert_eq!(read(&h, SECURE_COOKIE).as_deref(), Some("v1.abc"));
        assert_eq!(read(&h, COOKIE), None);
        let set = set_cookie(SECURE_COOKIE, "v1.abc", true);
        for attr in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
            assert!(set.contains(attr), "{set}");
        }
    }
}
