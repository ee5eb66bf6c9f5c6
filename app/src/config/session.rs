//! `SESSION_*`: server-side sessions, their store (memory or Redis) and their cookie.

use super::*;

/// Where server-side sessions are kept.
#[derive(Clone, PartialEq, Eq)]
pub enum SessionStoreKind {
    /// In this process's memory: one instance only (the default, and the demo).
    Memory,
    /// Redis at this `redis://` (or `rediss://`) URL: shared by every instance; rate limits
    /// are counted there too. The URL may carry the AUTH password (`rediss://:token@host`).
    Redis(String),
}

/// Never prints the URL's user name or password.
impl std::fmt::Debug for SessionStoreKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Memory => f.write_str("Memory"),
            Self::Redis(url) => {
                let shown = match url::Url::parse(url) {
                    Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
                        let _ = u.set_username("");
                        let _ = u.set_password(Some("redacted"));
                        u.to_string()
                    }
                    Ok(u) => u.to_string(),
                    Err(_) => "<unparsable>".into(),
                };
                f.debug_tuple("Redis").field(&shown).finish()
            }
        }
    }
}

/// Server-side sessions and their cookie.
#[derive(Clone, Debug)]
pub struct SessionSettings {
    /// `SESSION_STORE`: `memory` or a `redis://` URL.
    pub store: SessionStoreKind,
    /// `SESSION_COOKIE_SECURE`: `false` only for local development over plain http on a
    /// loopback origin; the cookie is then named `sid` instead of `__Host-sid`.
    pub cookie_secure: bool,
    /// `SESSION_IDLE_SECS`: a session unused this long ends (default 30 minutes).
    pub idle: Duration,
    /// `SESSION_ABSOLUTE_SECS`: a session ends this long after it began, used or not
    /// (default 8 hours).
    pub absolute: Duration,
}

const STORE_SHAPE: &str = "expected memory or a URL like redis://10.0.0.7:6379/0";

pub(super) fn session(get: Get, public_origin: &str) -> Result<SessionSettings, ConfigError> {
    let store = match get("SESSION_STORE").as_deref() {
        None | Some("memory") => SessionStoreKind::Memory,
        Some(v) if v.starts_with("redis://") || v.starts_with("rediss://") => {
            let no_host = url::Url::parse(v)
                .map(|u| u.host_str().is_none())
                .unwrap_or(true);
            if no_host {
                return Err(err("SESSION_STORE", format!("is malformed: {STORE_SHAPE}")));
            }
            SessionStoreKind::Redis(v.to_string())
        }
        Some(_) => {
            return Err(err(
                "SESSION_STORE",
                format!("is not supported: {STORE_SHAPE}"),
            ))
        }
    };
    let cookie_secure = boolean(get, "SESSION_COOKIE_SECURE", true)?;
    if !cookie_secure && !is_loopback_http(public_origin) {
        return Err(err(
            "SESSION_COOKIE_SECURE",
            "is false but PUBLIC_ORIGIN is not http://127.0.0.1 or http://localhost: plain-http cookies are for local development only",
        ));
    }
    let idle = secs(get, "SESSION_IDLE_SECS", 1800, 60, 86_400)?;
    let absolute = secs(get, "SESSION_ABSOLUTE_SECS", 8 * 3600, 60, 7 * 86_400)?;
    if absolute < idle {
        return Err(err(
            "SESSION_ABSOLUTE_SECS",
            "is shorter than SESSION_IDLE_SECS: expected the absolute lifetime to be at least the idle timeout",
        ));
    }
    Ok(SessionSettings {
        store,
        cookie_secure,
        idle,
        absolute,
    })
}
