//! Recovery codes: ten one-time codes a user keeps for the day the authenticator is gone. The
//! pool keeps them, durably and out of the user's own reach: one custom attribute
//! (`RECOVERY_CODES_ATTRIBUTE`, default `custom:recovery_codes`) that the app client may neither
//! read nor write, written and read with IAM credentials (`AdminUpdateUserAttributes`,
//! `AdminGetUser`). It holds salted hashes only: `v1:<salt>:<hash>,<hash>,…` (SHA-256 of the
//! salt and the code, 128 bits each, base64url). A code is 16 characters of Crockford's base32
//! (80 bits): too many to guess online (each try is rate-limited like an MFA code) or offline
//! from a copy of the attribute. A used code's hash leaves the list; a new set replaces the old.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sha2::{Digest, Sha256};

/// How many codes a set has.
pub const SET_SIZE: usize = 10;
/// Characters of a code (without its dashes).
const LEN: usize = 16;
/// Crockford's base32, lower case: no `i`, `l`, `o`, `u`.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A fresh set: the codes to show once (`xxxx-xxxx-xxxx-xxxx`), and what the pool keeps.
pub fn generate() -> (Vec<String>, String) {
    let salt: [u8; 16] = rand::random();
    let codes: Vec<String> = (0..SET_SIZE)
        .map(|_| {
            let raw: String = (0..LEN)
                .map(|_| ALPHABET[(rand::random::<u8>() & 31) as usize] as char)
                .collect();
            raw.as_bytes()
                .chunks(4)
                .map(|c| std::str::from_utf8(c).unwrap_or(""))
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect();
    let hashes: Vec<String> = codes.iter().map(|c| hash(&salt, &normalise(c))).collect();
    let stored = format!("v1:{}:{}", URL_SAFE_NO_PAD.encode(salt), hashes.join(","));
    (codes, stored)
}

/// A code as typed, as it was made: lower case, without spaces or dashes, with the letters
/// people confuse read as Crockford reads them (`o` → `0`, `i`/`l` → `1`). `None` when it
/// cannot be a code.
pub fn normalise(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            c => c,
        })
        .collect();
    (code.len() == LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

fn hash(salt: &[u8], code: &Option<String>) -> String {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(code.as_deref().unwrap_or("").as_bytes());
    URL_SAFE_NO_PAD.encode(&h.finalize()[..16])
}

/// The salt and the unused hashes of what the pool keeps (`None`: nothing, or not ours).
fn parse(stored: &str) -> Option<(Vec<u8>, Vec<&str>)> {
    let rest = stored.strip_prefix("v1:")?;
    let (salt, hashes) = rest.split_once(':')?;
    let salt = URL_SAFE_NO_PAD.decode(salt).ok()?;
    Some((salt, hashes.split(',').filter(|h| !h.is_empty()).collect()))
}

/// How many unused codes the user has.
pub fn unused(stored: Option<&str>) -> usize {
    stored.and_then(parse).map_or(0, |(_, h)| h.len())
}

/// When `typed` is one of the unused codes: what the pool keeps once it is used, and the code's
/// hash (to claim it against a second use at the same moment). A wrong code, a used one and a
/// malformed one are all `None`.
pub fn redeem(stored: Option<&str>, typed: &str) -> Option<(String, String)> {
    let (salt, hashes) = stored.and_then(parse)?;
    let code = normalise(typed)?;
    let h = hash(&salt, &Some(code));
    hashes.iter().position(|x| *x == h)?;
    let left: Vec<&str> = hashes.into_iter().filter(|x| *x != h).collect();
    let kept = format!("v1:{}:{}", URL_SAFE_NO_PAD.encode(&salt), left.join(","));
    Some((kept, h))
}

/// Where the pool keeps them, and the calls that read and write it.
pub mod store {
    use super::{generate, redeem};
    use crate::{config::Limit, error::AppError, state::AppState};

    /// The attribute, when recovery codes are on.
    fn attribute(state: &AppState) -> Result<&str, AppError> {
        state
            .settings
            .flows
            .recovery_codes
            .as_deref()
            .ok_or(AppError::Refused)
    }

    /// What the pool keeps for `username` (`None`: no set).
    pub async fn stored(state: &AppState, username: &str) -> Result<Option<String>, AppError> {
        let name = attribute(state)?;
        state
            .cognito
            .admin_attribute(username, name)
            .await
            .map_err(|kind| {
                tracing::error!(
                    ?kind,
                    "AdminGetUser for the recovery codes failed (IAM cognito-idp:AdminGetUser?)"
                );
                crate::flow::idp_error(kind)
            })
    }

    /// A new set for `username` (the old one void): the codes, to be shown once.
    pub async fn replace(state: &AppState, username: &str) -> Result<Vec<String>, AppError> {
        let name = attribute(state)?;
        let (codes, kept) = generate();
        write(state, username, name, &kept).await?;
        Ok(codes)
    }

    async fn write(
        state: &AppState,
        username: &str,
        name: &str,
        value: &str,
    ) -> Result<(), AppError> {
        state
            .cognito
            .admin_set_attribute(username, name, value)
            .await
            .map_err(|kind| {
                tracing::error!(?kind, "AdminUpdateUserAttributes of the recovery codes failed (IAM cognito-idp:AdminUpdateUserAttributes, and the attribute in the pool?)");
                crate::flow::idp_error(kind)
            })
    }

    /// Uses `typed` for `username`: `true` when it was an unused code (now used, for good,
    /// even if the same code is tried at the same moment elsewhere: the first claim wins).
    pub async fn use_code(state: &AppState, username: &str, typed: &str) -> Result<bool, AppError> {
        let name = attribute(state)?;
        let current = stored(state, username).await?;
        let Some((kept, hash)) = redeem(current.as_deref(), typed) else {
            return Ok(false);
        };
        let once = Limit {
            max: 1,
            per: std::time::Duration::from_secs(24 * 3600),
        };
        let key = format!("recovery-code:{}:{hash}", state.user_hash(username));
        match state.limiter.store.hit(&key, once).await {
            Ok(None) => {}
            Ok(Some(_)) => return Ok(false),
            Err(e) => return Err(crate::limits::store_failed(e, "recovery code claim")),
        }
        write(state, username, name, &kept).await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_is_ten_readable_codes_and_holds_only_hashes() {
        let (codes, stored) = generate();
        assert_eq!(codes.len(), SET_SIZE);
        for c in &codes {
            assert_eq!(c.len(), 19, "{c}");
            assert_eq!(c.matches('-').count(), 3, "{c}");
            assert!(
                !stored.contains(&c.replace('-', "")),
                "no code in what is stored"
            );
        }
        assert_eq!(unused(Some(&stored)), 10);
        // Well within a custom attribute's 2048 characters.
        assert!(stored.len() < 300, "{}", stored.len());
        let (again, _) = generate();
        assert_ne!(codes, again);
    }

    #[test]
    fn a_code_works_once_however_it_is_typed_and_nothing_else_does() {
        let (codes, stored) = generate();
        let typed = format!(" {} ", codes[3].to_uppercase().replace('-', " "));
        let (kept, _) = redeem(Some(&stored), &typed).expect("the code as typed");
        assert_eq!(unused(Some(&kept)), 9);
        assert!(redeem(Some(&kept), &codes[3]).is_none(), "used");
        assert!(
            redeem(Some(&kept), &codes[4]).is_some(),
            "the others still work"
        );
        for wrong in ["", "not-a-code", "0000-0000-0000-0000", &codes[3][..18]] {
            assert!(redeem(Some(&kept), wrong).is_none(), "{wrong}");
        }
        assert!(redeem(None, &codes[4]).is_none(), "no set");
        assert!(redeem(Some("something else"), &codes[4]).is_none());
        // A new set voids the old one.
        let (_, new) = generate();
        assert!(redeem(Some(&new), &codes[4]).is_none());
    }

    /// A pool whose `AdminGetUser` always answers with `stored` (two requests reading it at the
    /// same moment), and whose `AdminUpdateUserAttributes` is counted.
    fn pool_with(stored: String) -> (crate::state::AppState, aws_smithy_mocks::Rule) {
        use aws_sdk_cognitoidentityprovider::{
            operation::{
                admin_get_user::AdminGetUserOutput,
                admin_update_user_attributes::AdminUpdateUserAttributesOutput,
            },
            types::AttributeType,
            Client,
        };
        use aws_smithy_mocks::{mock, mock_client, RuleMode};
        let get = mock!(Client::admin_get_user).then_output(move || {
            let attr = AttributeType::builder()
                .name("custom:recovery_codes")
                .value(stored.clone())
                .build()
                .unwrap();
            AdminGetUserOutput::builder()
                .username("jane")
                .user_attributes(attr)
                .build()
                .unwrap()
        });
        let write = mock!(Client::admin_update_user_attributes)
            .then_output(|| AdminUpdateUserAttributesOutput::builder().build());
        let client = mock_client!(
            aws_sdk_cognitoidentityprovider,
            RuleMode::MatchAny,
            [&get, &write]
        );
        let state = crate::testing::state_with(client, &[("RECOVERY_CODES", "true")]);
        (state, write)
    }

    #[tokio::test]
    async fn a_code_used_twice_at_the_same_moment_works_once() {
        let (codes, stored) = generate();
        let (state, write) = pool_with(stored);
        assert!(!store::use_code(&state, "jane", "0000-0000-0000-0000")
            .await
            .unwrap());
        assert_eq!(write.num_calls(), 0, "a wrong code writes nothing");
        // Both read the set before either wrote: the claim lets one through.
        assert!(store::use_code(&state, "jane", &codes[0]).await.unwrap());
        assert!(!store::use_code(&state, "jane", &codes[0]).await.unwrap());
        assert_eq!(write.num_calls(), 1);
        assert!(store::use_code(&state, "jane", &codes[1]).await.unwrap());
    }

    #[tokio::test]
    async fn without_recovery_codes_on_nothing_is_read() {
        let state = crate::testing::state(aws_smithy_mocks::mock_client!(
            aws_sdk_cognitoidentityprovider,
            []
        ));
        assert_eq!(
            store::use_code(&state, "jane", "0000-0000-0000-0000").await,
            Err(crate::error::AppError::Refused)
        );
    }

    #[test]
    fn letters_people_confuse_are_read_as_the_code_means() {
        assert_eq!(
            normalise("O1IL-abcd-efgh-jkmn").as_deref(),
            Some("0111abcdefghjkmn")
        );
        assert_eq!(normalise("abcd-efgh-jkmn-pqru"), None, "u is not in a code");
    }
}
