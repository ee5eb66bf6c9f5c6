//! The token of a notification's "This wasn't me" link: 16 random bytes naming a record in the
//! shared store (the username, what changed and when), its expiry, and an HMAC of both keyed
//! from `SERVER_SECRET`. A forged or expired token is refused before the store is asked, and
//! the URL carries no username. Issued here when a notification is sent; the "This wasn't me"
//! flow (`crate::not_me`) reads and uses it up.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};

use super::Change;
use crate::{clock::now, error::AppError, limits::StoreError, state::AppState};

const KEY_PREFIX: &str = "not-me:";

/// What the store keeps for a token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub username: String,
    pub change: Change,
    pub at: i64,
}

fn mac(state: &AppState, id: &[u8], exp: &[u8]) -> Hmac<sha2::Sha256> {
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(&state.link_key[..]).expect("any key length");
    mac.update(b"not-me\0");
    mac.update(id);
    mac.update(exp);
    mac
}

fn store_key(id: &[u8]) -> String {
    let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
    format!("{KEY_PREFIX}{hex}")
}

/// A new token for `username`'s `change` at `at`, its record stored for `NOT_ME_LINK_TTL_SECS`.
pub async fn issue(
    state: &AppState,
    username: &str,
    change: Change,
    at: i64,
) -> Result<String, StoreError> {
    let ttl = state.settings.notify.not_me_ttl;
    let id: [u8; 16] = rand::random();
    let exp = (now() + ttl.as_secs() as i64).to_be_bytes();
    let tag = mac(state, &id, &exp).finalize().into_bytes();
    let record = Record {
        username: username.to_string(),
        change,
        at,
    };
    let json = serde_json::to_string(&record).map_err(|e| StoreError(e.to_string()))?;
    state.limiter.store.put(&store_key(&id), &json, ttl).await?;
    let mut bytes = Vec::with_capacity(40);
    bytes.extend_from_slice(&id);
    bytes.extend_from_slice(&exp);
    bytes.extend_from_slice(&tag[..16]);
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The store key of a well-formed, authentic, unexpired `token`.
pub fn verify(state: &AppState, token: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    if bytes.len() != 40 {
        return None;
    }
    let (id, rest) = bytes.split_at(16);
    let (exp, tag) = rest.split_at(8);
    mac(state, id, exp).verify_truncated_left(tag).ok()?;
    let exp = i64::from_be_bytes(exp.try_into().ok()?);
    (exp > now()).then(|| store_key(id))
}

fn parse(v: Option<String>) -> Option<Record> {
    v.and_then(|s| serde_json::from_str(&s).ok())
}

pub fn store_err(e: StoreError) -> AppError {
    tracing::error!(error = %e.0, "store unavailable for a \"this wasn't me\" token");
    AppError::Unavailable
}

/// The record of `token`, leaving it in place.
pub async fn peek(state: &AppState, token: &str) -> Result<Option<Record>, AppError> {
    let Some(key) = verify(state, token) else {
        return Ok(None);
    };
    state
        .limiter
        .store
        .get(&key)
        .await
        .map(parse)
        .map_err(store_err)
}

/// The record of `token`, used up (only one caller gets it).
pub async fn redeem(state: &AppState, token: &str) -> Result<Option<Record>, AppError> {
    let Some(key) = verify(state, token) else {
        return Ok(None);
    };
    state
        .limiter
        .store
        .take(&key)
        .await
        .map(parse)
        .map_err(store_err)
}

/// Puts a redeemed token's record back (its link still expires when the token says).
pub async fn restore(state: &AppState, token: &str, record: &Record) {
    let Some(key) = verify(state, token) else {
        return;
    };
    let Ok(json) = serde_json::to_string(record) else {
        return;
    };
    let ttl = state.settings.notify.not_me_ttl;
    if let Err(e) = state.limiter.store.put(&key, &json, ttl).await {
        tracing::error!(error = %e.0, "could not keep a \"this wasn't me\" token after an outage");
    }
}
