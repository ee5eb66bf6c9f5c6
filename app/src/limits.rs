//! Rate limits per normalised username, per client IP and for the whole deployment, for each
//! action attackers repeat: reset requests, resends, code confirmations and sign-ins.
//!
//! The counting is GCRA (a leaky bucket kept as one "theoretical arrival time" per key), behind
//! the [`LimitStore`] trait: in this process's memory by default; a shared store makes the
//! limits hold across instances. The same store keeps the few small records that must hold
//! across instances too (a used reset link, a "this wasn't me" token): [`LimitStore::put`],
//! [`LimitStore::get`], [`LimitStore::take`].

use std::{
    collections::HashMap,
    future::Future,
    net::IpAddr,
    pin::Pin,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use crate::{config::Limit, error::AppError};

/// What is being limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    ResetRequest,
    Resend,
    Confirm,
    SignIn,
    /// Current-password guesses on change password.
    ChangePassword,
    /// Second-factor codes: at sign-in and when an authenticator app is set up.
    MfaCode,
    /// Opening a link from an email (the reset link, "This wasn't me"): per client only.
    OpenLink,
}

impl Action {
    /// The name used in keys, logs and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Action::ResetRequest => "reset_request",
            Action::Resend => "resend",
            Action::Confirm => "confirm",
            Action::SignIn => "sign_in",
            Action::ChangePassword => "change_password",
            Action::MfaCode => "mfa_code",
            Action::OpenLink => "open_link",
        }
    }
}

/// A store could not be reached.
#[derive(Debug)]
pub struct StoreError(pub String);

/// Boxed future returned by a [`LimitStore`].
pub type LimitFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<Duration>, StoreError>> + Send + 'a>>;

/// Counts one attempt under `key` against `limit`: `Ok(None)` when allowed, `Ok(Some(wait))`
/// when refused, with how long until an attempt would be allowed.
pub trait LimitStore: Send + Sync + std::fmt::Debug {
    fn hit<'a>(&'a self, key: &'a str, limit: Limit) -> LimitFuture<'a>;

    /// Stores `value` under `key` for `ttl`, replacing what was there.
    fn put<'a>(&'a self, key: &'a str, value: &'a str, ttl: Duration) -> RecordFuture<'a, ()>;

    /// The value under `key`, while it has not expired.
    fn get<'a>(&'a self, key: &'a str) -> RecordFuture<'a, Option<String>>;

    /// Removes the value under `key` and returns it: of callers racing for one key, only one
    /// gets it (single use).
    fn take<'a>(&'a self, key: &'a str) -> RecordFuture<'a, Option<String>>;
}

/// Boxed future of a record operation of a [`LimitStore`].
pub type RecordFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// One GCRA step in milliseconds since the epoch: the new arrival time, or the wait.
pub fn gcra(tat: Option<u64>, now: u64, limit: Limit) -> Result<u64, u64> {
    let per = limit.per.as_millis() as u64;
    let interval = (per / limit.max as u64).max(1);
    let new_tat = tat.unwrap_or(now).max(now) + interval;
    if new_tat - now > per {
        Err(new_tat - per - now)
    } else {
        Ok(new_tat)
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Limits kept in this process (one instance).
#[derive(Debug, Default)]
pub struct MemoryLimits {
    tats: Mutex<HashMap<String, u64>>,
    /// Records: value and expiry (ms since the epoch).
    records: Mutex<HashMap<String, (String, u64)>>,
}

impl MemoryLimits {
    fn hit_at(&self, key: &str, limit: Limit, now: u64) -> Option<Duration> {
        let mut map = self.tats.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 50_000 {
            map.retain(|_, tat| *tat > now);
        }
        match gcra(map.get(key).copied(), now, limit) {
            Ok(tat) => {
                map.insert(key.to_string(), tat);
                None
            }
            Err(wait) => Some(Duration::from_millis(wait)),
        }
    }

    /// Number of keys held (for tests).
    pub fn len(&self) -> usize {
        self.tats.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl MemoryLimits {
    fn records(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, u64)>> {
        let mut map = self.records.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 50_000 {
            let now = now_ms();
            map.retain(|_, (_, until)| *until > now);
        }
        map
    }
}

impl LimitStore for MemoryLimits {
    fn hit<'a>(&'a self, key: &'a str, limit: Limit) -> LimitFuture<'a> {
        let r = self.hit_at(key, limit, now_ms());
        Box::pin(async move { Ok(r) })
    }

    fn put<'a>(&'a self, key: &'a str, value: &'a str, ttl: Duration) -> RecordFuture<'a, ()> {
        let until = now_ms() + ttl.as_millis() as u64;
        self.records()
            .insert(key.to_string(), (value.to_string(), until));
        Box::pin(async { Ok(()) })
    }

    fn get<'a>(&'a self, key: &'a str) -> RecordFuture<'a, Option<String>> {
        let now = now_ms();
        let v = self
            .records()
            .get(key)
            .filter(|(_, until)| *until > now)
            .map(|(v, _)| v.clone());
        Box::pin(async move { Ok(v) })
    }

    fn take<'a>(&'a self, key: &'a str) -> RecordFuture<'a, Option<String>> {
        let now = now_ms();
        let v = self
            .records()
            .remove(key)
            .filter(|(_, until)| *until > now)
            .map(|(v, _)| v);
        Box::pin(async move { Ok(v) })
    }
}

/// The limits in force and where they are counted.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    pub store: Arc<dyn LimitStore>,
    /// Per username and client: the client's IP, or its device cookie (see [`UserKey`]).
    pub per_user: Limit,
    pub per_ip: Limit,
    pub global: Limit,
    /// Per username from all clients without a device cookie together.
    pub user_ceiling: Limit,
    /// One-time codes Cognito is asked to send, for the whole deployment (`CODES_PER_HOUR`).
    pub codes: Limit,
}

/// Whom an attempt is for: the keyed hash of the normalised username, and the id of the
/// device cookie when the browser carries one this server issued for that user (it signed in
/// as that user before).
#[derive(Clone, Copy, Debug)]
pub struct UserKey<'a> {
    pub hash: &'a str,
    pub device: Option<&'a str>,
}

/// Which limit refused a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Ip,
    User,
    Global,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::Ip => "ip",
            Scope::User => "user",
            Scope::Global => "global",
        }
    }
}

/// A refused attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limited {
    pub scope: Scope,
    pub retry_after: Duration,
}

impl Limited {
    /// Whole seconds to wait, at least 1.
    pub fn retry_after_secs(&self) -> u32 {
        (self.retry_after.as_millis().div_ceil(1000) as u32).max(1)
    }
}

impl RateLimiter {
    /// Counts one attempt at `action` from `ip` for `user` (when the action has one). The
    /// client IP is checked first, so one noisy client does not use up a user's or everyone's
    /// allowance.
    ///
    /// A user's attempts are counted per client (IP, or device cookie), so an attacker who
    /// guesses from one address does not lock the user out elsewhere. A higher ceiling per
    /// user holds attackers with many addresses; a browser that signed in as the user before
    /// (its device cookie) keeps its own allowance even then (OWASP: device cookies).
    pub async fn check(
        &self,
        action: Action,
        ip: IpAddr,
        user: Option<UserKey<'_>>,
    ) -> Result<Result<(), Limited>, StoreError> {
        let a = action.name();
        let mut checks = vec![(Scope::Ip, format!("rl:{a}:ip:{ip}"), self.per_ip)];
        match user {
            Some(UserKey {
                hash,
                device: Some(d),
            }) => {
                checks.push((
                    Scope::User,
                    format!("rl:{a}:user:{hash}:dev:{d}"),
                    self.per_user,
                ));
            }
            Some(UserKey { hash, device: None }) => {
                checks.push((
                    Scope::User,
                    format!("rl:{a}:user:{hash}:ip:{ip}"),
                    self.per_user,
                ));
                checks.push((
                    Scope::User,
                    format!("rl:{a}:user:{hash}"),
                    self.user_ceiling,
                ));
            }
            None => {}
        }
        checks.push((Scope::Global, format!("rl:{a}:all"), self.global));
        for (scope, key, limit) in checks {
            if let Some(retry_after) = self.store.hit(&key, limit).await? {
                return Ok(Err(Limited { scope, retry_after }));
            }
        }
        Ok(Ok(()))
    }
}

impl RateLimiter {
    /// Counts one `action` by `ip` (no user): refused with how long to wait, logged as an
    /// audit event; a store that cannot be reached is "unavailable".
    pub async fn check_ip(&self, action: Action, ip: IpAddr) -> Result<(), AppError> {
        match self.check(action, ip, None).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(limited)) => Err(limited.refuse(action.name(), Some(ip), None)),
            Err(e) => Err(store_failed(e, action.name())),
        }
    }

    /// Counts one code Cognito is about to be asked to send, against the deployment's ceiling
    /// (`CODES_PER_HOUR`). Refused: the metric, a line for the operator, and how long to wait.
    pub async fn code_sent(&self) -> Result<(), AppError> {
        match self.store.hit("rl:codes:all", self.codes).await {
            Ok(None) => Ok(()),
            Ok(Some(retry_after)) => {
                tracing::warn!(
                    "the ceiling on one-time codes sent (CODES_PER_HOUR) is reached: no more codes are sent until it clears"
                );
                let limited = Limited {
                    scope: Scope::Global,
                    retry_after,
                };
                Err(limited.refuse("code_sent", None, None))
            }
            Err(e) => Err(store_failed(e, "code_sent")),
        }
    }

    /// Whether `ip` may create one more session record (any but a signed-in user's; see
    /// `session::RecordGuard`): as often as the per-IP limit allows attempts, so what anonymous
    /// requests store stays bounded per client. A refusal says how long to wait.
    pub async fn new_record(&self, ip: IpAddr) -> Result<(), AppError> {
        match self
            .store
            .hit(&format!("rl:record:ip:{ip}"), self.per_ip)
            .await
        {
            Ok(None) => Ok(()),
            Ok(Some(retry_after)) => {
                let limited = Limited {
                    scope: Scope::Ip,
                    retry_after,
                };
                Err(limited.refuse("new_session", Some(ip), None))
            }
            Err(e) => Err(store_failed(e, "new_session")),
        }
    }
}

impl Limited {
    /// The refusal as the user gets it, counted (`reset_rate_limited_total{action,scope}`) and
    /// written as an audit event (`rate_limited`) for `action` from `ip` for `user` (a keyed
    /// hash), when known.
    pub fn refuse(self, action: &str, ip: Option<IpAddr>, user: Option<&str>) -> AppError {
        crate::metrics::metrics().limited(action, self.scope.name());
        let ip = ip.map(|i| i.to_string());
        tracing::warn!(
            target: "audit",
            event = "rate_limited",
            outcome = self.scope.name(),
            action,
            client_ip = ip.as_deref().unwrap_or("-"),
            user = user.unwrap_or("-"),
            retry_after = self.retry_after_secs(),
            "audit"
        );
        self.into()
    }
}

/// A rate-limit store that could not be reached (for `what`): "temporarily unavailable".
pub fn store_failed(e: StoreError, what: &str) -> AppError {
    tracing::error!(error = %e.0, what, "rate-limit store failed");
    AppError::Unavailable
}

impl From<Limited> for AppError {
    fn from(l: Limited) -> Self {
        AppError::RateLimited(l.retry_after_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn records_expire_and_are_taken_once() {
        let m = MemoryLimits::default();
        m.put("a", "1", Duration::from_secs(60)).await.unwrap();
        m.put("gone", "2", Duration::ZERO).await.unwrap();
        assert_eq!(m.get("a").await.unwrap().as_deref(), Some("1"));
        assert_eq!(m.get("gone").await.unwrap(), None);
        assert_eq!(m.get("never").await.unwrap(), None);
        assert_eq!(m.take("a").await.unwrap().as_deref(), Some("1"));
        assert_eq!(m.take("a").await.unwrap(), None);
        assert_eq!(m.take("gone").await.unwrap(), None);
    }

    fn limit(max: u32, secs: u64) -> Limit {
        Limit {
            max,
            per: Duration::from_secs(secs),
        }
    }

    #[test]
    fn gcra_allows_a_burst_of_max_then_spaces_attempts() {
        let store = MemoryLimits::default();
        let l = limit(3, 60);
        for _ in 0..3 {
            assert_eq!(store.hit_at("k", l, 1_000_000), None);
        }
        assert_eq!(
            store.hit_at("k", l, 1_000_000),
            Some(Duration::from_secs(20))
        );
        // One interval later, one more is allowed.
        assert_eq!(store.hit_at("k", l, 1_020_000), None);
        assert!(store.hit_at("k", l, 1_020_000).is_some());
        // Other keys are not affected.
        assert_eq!(store.hit_at("other", l, 1_020_000), None);
    }

    fn user(hash: &str) -> Option<UserKey<'_>> {
        Some(UserKey { hash, device: None })
    }

    #[tokio::test]
    async fn codes_sent_have_a_ceiling_for_the_whole_deployment() {
        let rl = RateLimiter {
            store: Arc::new(MemoryLimits::default()),
            per_user: limit(100, 60),
            per_ip: limit(100, 60),
            global: limit(100, 1),
            user_ceiling: limit(100, 60),
            codes: limit(3, 3600),
        };
        for _ in 0..3 {
            assert_eq!(rl.code_sent().await, Ok(()));
        }
        assert!(matches!(rl.code_sent().await, Err(AppError::RateLimited(s)) if s > 0));
    }

    #[tokio::test]
    async fn the_ip_is_checked_first_and_the_scope_is_reported() {
        let rl = RateLimiter {
            store: Arc::new(MemoryLimits::default()),
            per_user: limit(2, 60),
            per_ip: limit(3, 60),
            global: limit(100, 1),
            user_ceiling: limit(3, 60),
            codes: limit(1000, 3600),
        };
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..2 {
            assert!(rl
                .check(Action::ResetRequest, ip, user("u1"))
                .await
                .unwrap()
                .is_ok());
        }
        let l = rl
            .check(Action::ResetRequest, ip, user("u1"))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(l.scope, Scope::User, "this client's allowance for u1");
        assert_eq!(l.retry_after_secs(), 30);
        // A different action has its own allowance.
        assert!(rl
            .check(Action::SignIn, ip, user("u1"))
            .await
            .unwrap()
            .is_ok());
        // The third attempt from `ip` for another user hits the IP limit.
        let l = rl
            .check(Action::ResetRequest, ip, user("u2"))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(l.scope, Scope::Ip);
    }

    #[tokio::test]
    async fn an_attacker_does_not_lock_the_user_out_of_other_clients() {
        let rl = RateLimiter {
            store: Arc::new(MemoryLimits::default()),
            per_user: limit(2, 60),
            per_ip: limit(100, 60),
            global: limit(100, 1),
            user_ceiling: limit(5, 60),
            codes: limit(1000, 3600),
        };
        let attacker: IpAddr = "203.0.113.66".parse().unwrap();
        let home: IpAddr = "198.51.100.7".parse().unwrap();
        let check = |ip, key| rl.check(Action::SignIn, ip, key);
        assert!(check(attacker, user("u")).await.unwrap().is_ok());
        assert!(check(attacker, user("u")).await.unwrap().is_ok());
        assert!(check(attacker, user("u")).await.unwrap().is_err(), "held");
        // The user, elsewhere, still has their own allowance.
        assert!(check(home, user("u")).await.unwrap().is_ok());
        // Many addresses reach the per-user ceiling (5 counted so far: 2 + 1 + 2)...
        for i in 0..2 {
            let ip: IpAddr = format!("203.0.113.{i}").parse().unwrap();
            assert!(check(ip, user("u")).await.unwrap().is_ok());
        }
        let l = check(home, user("u")).await.unwrap().unwrap_err();
        assert_eq!(
            l.scope,
            Scope::User,
            "the ceiling holds for clients without a device"
        );
        // ...but a browser the user signed in with keeps its own allowance.
        let device = Some(UserKey {
            hash: "u",
            device: Some("d1"),
        });
        assert!(check(home, device).await.unwrap().is_ok());
        assert!(check(home, device).await.unwrap().is_ok());
        assert!(check(home, device).await.unwrap().is_err(), "still bounded");
    }

    #[tokio::test]
    async fn the_global_limit_holds_for_everyone() {
        let rl = RateLimiter {
            store: Arc::new(MemoryLimits::default()),
            per_user: limit(100, 60),
            per_ip: limit(100, 60),
            global: limit(2, 1),
            user_ceiling: limit(100, 60),
            codes: limit(1000, 3600),
        };
        for i in 0..2 {
            let ip: IpAddr = format!("192.0.2.{i}").parse().unwrap();
            assert!(rl.check(Action::Confirm, ip, None).await.unwrap().is_ok());
        }
        let ip: IpAddr = "198.51.100.7".parse().unwrap();
        let l = rl
            .check(Action::Confirm, ip, None)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(l.scope, Scope::Global);
        assert_eq!(l.retry_after_secs(), 1);
    }
}
