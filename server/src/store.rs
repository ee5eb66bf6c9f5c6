//! Where sessions and rate-limit counters live: this process's memory (one instance), or
//! Redis (shared by every instance).
//!
//! Whatever the backend, a record is refused above [`MAX_RECORD_BYTES`] (a backstop: the app's
//! session bounds each value far below it, see `app::session`). In memory the records are
//! weighed in bytes: [`MemoryStore`] holds at most [`MEMORY_MAX_BYTES`] of them, whatever their
//! number, and drops each record when it expires.

use std::{sync::Arc, time::Duration};
use tracing::Instrument;

use tower_sessions::{
    session::{Id, Record},
    session_store, SessionStore,
};

/// The most one record may hold (its data, serialised): the app's own bounds add up to about
/// 36 KiB for a signed-in user in the middle of a step-up, anonymous records to a few KiB.
pub const MAX_RECORD_BYTES: usize = 48 * 1024;

/// The most bytes of records one instance keeps in memory; past it the least used go first.
/// About 100 000 anonymous records, or 40 000 signed-in users.
pub const MEMORY_MAX_BYTES: u64 = 128 * 1024 * 1024;

/// The size of a record as it is weighed and bounded: its data, serialised.
pub fn record_bytes(record: &Record) -> usize {
    serde_json::to_vec(&record.data).map_or(usize::MAX, |v| v.len())
}

/// Sessions in this process's memory (one instance only), weighed in bytes.
#[derive(Clone)]
pub struct MemoryStore {
    cache: moka::future::Cache<Id, Arc<Stored>>,
    /// Records created since start (for tests and the memory benchmark).
    created: Arc<std::sync::atomic::AtomicU64>,
}

struct Stored {
    record: Record,
    bytes: u32,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MemoryStore({} records)", self.cache.entry_count())
    }
}

/// Each record expires at its own expiry date.
struct AtExpiry;

impl AtExpiry {
    fn left(stored: &Stored) -> Option<Duration> {
        let left =
            stored.record.expiry_date - tower_sessions::cookie::time::OffsetDateTime::now_utc();
        Some(Duration::try_from(left).unwrap_or(Duration::ZERO))
    }
}

impl moka::Expiry<Id, Arc<Stored>> for AtExpiry {
    fn expire_after_create(
        &self,
        _: &Id,
        value: &Arc<Stored>,
        _: std::time::Instant,
    ) -> Option<Duration> {
        Self::left(value)
    }
    fn expire_after_update(
        &self,
        _: &Id,
        value: &Arc<Stored>,
        _: std::time::Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Self::left(value)
    }
}

impl MemoryStore {
    /// A store holding at most `max_bytes` of records.
    pub fn new(max_bytes: u64) -> Self {
        let cache = moka::future::Cache::builder()
            .max_capacity(max_bytes)
            // Each record weighs its data plus what the cache keeps beside it.
            .weigher(|_: &Id, v: &Arc<Stored>| v.bytes.saturating_add(200))
            .expire_after(AtExpiry)
            .build();
        MemoryStore {
            cache,
            created: Arc::default(),
        }
    }

    /// How many records were created since start.
    pub fn created(&self) -> u64 {
        self.created.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Every record held now, with its size in bytes (tests walk them).
    pub async fn sizes(&self) -> Vec<(Id, usize)> {
        self.cache.run_pending_tasks().await;
        self.cache
            .iter()
            .map(|(id, v)| (*id, v.bytes as usize))
            .collect()
    }

    /// The bytes the store weighs now.
    pub async fn weight(&self) -> u64 {
        self.cache.run_pending_tasks().await;
        self.cache.weighted_size()
    }

    async fn put(&self, record: &Record) -> session_store::Result<()> {
        let bytes = checked_size(record)?;
        let stored = Stored {
            record: record.clone(),
            bytes: bytes as u32,
        };
        self.cache.insert(record.id, Arc::new(stored)).await;
        Ok(())
    }
}

/// The record's size, or the refusal of a record above [`MAX_RECORD_BYTES`].
fn checked_size(record: &Record) -> session_store::Result<usize> {
    let bytes = record_bytes(record);
    if bytes > MAX_RECORD_BYTES {
        tracing::error!(bytes, "session record over its bound: not stored");
        return Err(session_store::Error::Backend(format!(
            "session record of {bytes} bytes is over {MAX_RECORD_BYTES}"
        )));
    }
    Ok(bytes)
}

#[async_trait::async_trait]
impl SessionStore for MemoryStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        while self.cache.contains_key(&record.id) {
            record.id = Id::default();
        }
        self.put(record).await?;
        self.created
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.put(record).await
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = tower_sessions::cookie::time::OffsetDateTime::now_utc();
        Ok(self
            .cache
            .get(id)
            .await
            .filter(|s| s.record.expiry_date > now)
            .map(|s| s.record.clone()))
    }
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.cache.invalidate(id).await;
        Ok(())
    }
}

/// Sessions in this process's memory, at most [`MEMORY_MAX_BYTES`].
pub fn memory_store() -> MemoryStore {
    MemoryStore::new(MEMORY_MAX_BYTES)
}

/// The session store chosen by `SESSION_STORE`.
#[derive(Clone, Debug)]
pub enum Backend {
    Memory(MemoryStore),
    Redis(tower_sessions_redis_store::RedisStore<fred::clients::Pool>),
}

#[async_trait::async_trait]
impl SessionStore for Backend {
    #[tracing::instrument(name = "session.create", skip_all)]
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Backend::Memory(s) => s.create(record).await,
            Backend::Redis(s) => {
                checked_size(record)?;
                s.create(record).await
            }
        }
    }
    #[tracing::instrument(name = "session.save", skip_all)]
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Backend::Memory(s) => s.save(record).await,
            Backend::Redis(s) => {
                checked_size(record)?;
                s.save(record).await
            }
        }
    }
    #[tracing::instrument(name = "session.load", skip_all)]
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Backend::Memory(s) => s.load(id).await,
            Backend::Redis(s) => s.load(id).await,
        }
    }
    #[tracing::instrument(name = "session.delete", skip_all)]
    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Backend::Memory(s) => s.delete(id).await,
            Backend::Redis(s) => s.delete(id).await,
        }
    }
}

/// A Redis connection pool that reconnects on its own and never lets a command wait longer
/// than `timeout` (so a Redis outage is a quick 503, not a hang).
pub fn redis_pool(url: &str, timeout: Duration) -> Result<fred::clients::Pool, String> {
    use fred::prelude::*;
    // rustls has both its crypto back-ends compiled in (through different dependencies), so it
    // cannot pick one for `rediss://` by itself (it would panic): aws-lc-rs, as the AWS SDK uses.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut config = Config::from_url(url).map_err(|e| format!("SESSION_STORE: {e}"))?;
    config.fail_fast = false;
    let perf = PerformanceConfig {
        default_command_timeout: timeout,
        ..Default::default()
    };
    let conn = ConnectionConfig {
        connection_timeout: timeout,
        internal_command_timeout: timeout,
        max_command_attempts: 2,
        ..Default::default()
    };
    let policy = ReconnectPolicy::new_constant(0, 250);
    let pool = Pool::new(config, Some(perf), Some(conn), Some(policy), 4)
        .map_err(|e| format!("SESSION_STORE: {e}"))?;
    pool.connect();
    Ok(pool)
}

/// Rate-limit counters in Redis: the same GCRA as the memory store, run atomically by a Lua
/// script with Redis' own clock, so every instance counts against one allowance.
#[derive(Clone)]
pub struct RedisLimits(pub fred::clients::Pool);

impl std::fmt::Debug for RedisLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RedisLimits")
    }
}

const GCRA: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
if new_tat - now > period then return new_tat - period - now end
redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now)
return 0
"#;

impl app::limits::LimitStore for RedisLimits {
    // Each call is a span of its own (a trace shows the store's share of a request).
    fn hit<'a>(&'a self, key: &'a str, limit: app::config::Limit) -> app::limits::LimitFuture<'a> {
        use fred::prelude::*;
        Box::pin(
            async move {
                let per = limit.per.as_millis() as i64;
                let interval = (per / limit.max as i64).max(1);
                let wait: i64 = self
                    .0
                    .next()
                    .eval(GCRA, vec![key.to_string()], vec![interval, per])
                    .await
                    .map_err(|e| app::limits::StoreError(e.to_string()))?;
                Ok((wait > 0).then(|| Duration::from_millis(wait as u64)))
            }
            .instrument(tracing::info_span!("redis.gcra")),
        )
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> app::limits::RecordFuture<'a, ()> {
        use fred::prelude::*;
        Box::pin(
            async move {
                let ms = (ttl.as_millis() as i64).max(1);
                self.0
                    .next()
                    .set::<(), _, _>(key, value, Some(Expiration::PX(ms)), None, false)
                    .await
                    .map_err(|e| app::limits::StoreError(e.to_string()))
            }
            .instrument(tracing::info_span!("redis.set")),
        )
    }

    fn get<'a>(&'a self, key: &'a str) -> app::limits::RecordFuture<'a, Option<String>> {
        use fred::prelude::*;
        Box::pin(
            async move {
                self.0
                    .next()
                    .get::<Option<String>, _>(key)
                    .await
                    .map_err(|e| app::limits::StoreError(e.to_string()))
            }
            .instrument(tracing::info_span!("redis.get")),
        )
    }

    fn take<'a>(&'a self, key: &'a str) -> app::limits::RecordFuture<'a, Option<String>> {
        use fred::prelude::*;
        Box::pin(
            async move {
                // GETDEL (Redis 6.2+): one caller gets the value.
                self.0
                    .next()
                    .getdel::<Option<String>, _>(key)
                    .await
                    .map_err(|e| app::limits::StoreError(e.to_string()))
            }
            .instrument(tracing::info_span!("redis.getdel")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_sessions::cookie::time::{Duration as TimeDuration, OffsetDateTime};

    fn record(expires_in: TimeDuration) -> Record {
        Record {
            id: Id::default(),
            data: Default::default(),
            expiry_date: OffsetDateTime::now_utc() + expires_in,
        }
    }

    #[tokio::test]
    async fn expired_records_are_gone() {
        let store = memory_store();
        let mut live = record(TimeDuration::minutes(5));
        let mut dead = record(TimeDuration::seconds(-1));
        let mut soon = record(TimeDuration::milliseconds(300));
        for r in [&mut live, &mut dead, &mut soon] {
            store.create(r).await.unwrap();
        }
        assert!(store.load(&live.id).await.unwrap().is_some());
        assert!(store.load(&dead.id).await.unwrap().is_none());
        assert!(store.load(&soon.id).await.unwrap().is_some());
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(
            store.load(&soon.id).await.unwrap().is_none(),
            "expired on its own"
        );
        assert!(store.load(&live.id).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn the_store_is_bounded_by_bytes_not_only_by_number() {
        // Room for 64 KiB: a thousand records of 1 KiB do not all stay.
        let store = MemoryStore::new(64 * 1024);
        let mut ids = Vec::new();
        for i in 0..1_000 {
            let mut r = record(TimeDuration::minutes(5));
            r.data
                .insert("v".into(), serde_json::json!("x".repeat(1000 + i % 7)));
            store.create(&mut r).await.unwrap();
            ids.push(r.id);
        }
        assert!(
            store.weight().await <= 64 * 1024,
            "{}",
            store.weight().await
        );
        let mut kept = 0;
        for id in &ids {
            kept += usize::from(store.load(id).await.unwrap().is_some());
        }
        assert!(kept <= 64, "{kept} of 1000 records of 1 KiB kept in 64 KiB");
    }

    #[tokio::test]
    async fn a_record_over_its_bound_is_refused() {
        let store = memory_store();
        let mut r = record(TimeDuration::minutes(5));
        r.data
            .insert("v".into(), serde_json::json!("x".repeat(MAX_RECORD_BYTES)));
        assert!(store.create(&mut r).await.is_err());
        assert!(store.load(&r.id).await.unwrap().is_none());
    }
}
