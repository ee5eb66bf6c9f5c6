//! Where sessions and rate-limit counters live: this process's memory (one instance), or
//! Redis (shared by every instance). In memory, sessions are kept by
//! `tower-sessions-moka-store`: a concurrent cache that drops each record when it expires and
//! holds at most [`MEMORY_MAX_SESSIONS`].

use std::time::Duration;

use tower_sessions::{
    session::{Id, Record},
    session_store, SessionStore,
};
pub use tower_sessions_moka_store::MokaStore;

/// The most sessions one instance keeps in memory; past it the least used go first. At about
/// 1 KB a record (bounded fields, see `app::forms::bounded_fields`) this is about 100 MB.
pub const MEMORY_MAX_SESSIONS: u64 = 100_000;

/// Sessions in this process's memory (one instance only).
pub fn memory_store() -> MokaStore {
    MokaStore::new(Some(MEMORY_MAX_SESSIONS))
}

/// The session store chosen by `SESSION_STORE`.
#[derive(Clone, Debug)]
pub enum Backend {
    Memory(MokaStore),
    Redis(tower_sessions_redis_store::RedisStore<fred::clients::Pool>),
}

#[async_trait::async_trait]
impl SessionStore for Backend {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Backend::Memory(s) => s.create(record).await,
            Backend::Redis(s) => s.create(record).await,
        }
    }
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Backend::Memory(s) => s.save(record).await,
            Backend::Redis(s) => s.save(record).await,
        }
    }
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Backend::Memory(s) => s.load(id).await,
            Backend::Redis(s) => s.load(id).await,
        }
    }
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
    fn hit<'a>(&'a self, key: &'a str, limit: app::config::Limit) -> app::limits::LimitFuture<'a> {
        use fred::prelude::*;
        Box::pin(async move {
            let per = limit.per.as_millis() as i64;
            let interval = (per / limit.max as i64).max(1);
            let wait: i64 = self
                .0
                .next()
                .eval(GCRA, vec![key.to_string()], vec![interval, per])
                .await
                .map_err(|e| app::limits::StoreError(e.to_string()))?;
            Ok((wait > 0).then(|| Duration::from_millis(wait as u64)))
        })
    }

    fn put<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
    ) -> app::limits::RecordFuture<'a, ()> {
        use fred::prelude::*;
        Box::pin(async move {
            let ms = (ttl.as_millis() as i64).max(1);
            self.0
                .next()
                .set::<(), _, _>(key, value, Some(Expiration::PX(ms)), None, false)
                .await
                .map_err(|e| app::limits::StoreError(e.to_string()))
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> app::limits::RecordFuture<'a, Option<String>> {
        use fred::prelude::*;
        Box::pin(async move {
            self.0
                .next()
                .get::<Option<String>, _>(key)
                .await
                .map_err(|e| app::limits::StoreError(e.to_string()))
        })
    }

    fn take<'a>(&'a self, key: &'a str) -> app::limits::RecordFuture<'a, Option<String>> {
        use fred::prelude::*;
        Box::pin(async move {
            // GETDEL (Redis 6.2+): one caller gets the value.
            self.0
                .next()
                .getdel::<Option<String>, _>(key)
                .await
                .map_err(|e| app::limits::StoreError(e.to_string()))
        })
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
    async fn the_store_is_bounded() {
        let store = MokaStore::new(Some(100));
        let mut ids = Vec::new();
        for _ in 0..2_000 {
            let mut r = record(TimeDuration::minutes(5));
            store.create(&mut r).await.unwrap();
            ids.push(r.id);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut kept = 0;
        for id in &ids {
            kept += usize::from(store.load(id).await.unwrap().is_some());
        }
        assert!(kept <= 200, "{kept} of 2000 records kept with room for 100");
    }
}
