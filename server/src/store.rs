//! Where sessions and rate-limit counters live: this process's memory (one instance), or
//! Redis (shared by every instance). tower-sessions' own `MemoryStore` keeps expired records
//! for ever; ours drops them every minute, so a long-running single instance stays small.

use std::{collections::HashMap, sync::Arc, time::Duration};

use tokio::sync::Mutex;
use tower_sessions::{
    cookie::time::OffsetDateTime,
    session::{Id, Record},
    session_store, SessionStore,
};

/// Sessions in this process's memory (one instance only).
#[derive(Clone, Debug, Default)]
pub struct MemoryStore(Arc<Mutex<HashMap<Id, Record>>>);

fn is_active(r: &Record) -> bool {
    r.expiry_date > OffsetDateTime::now_utc()
}

impl MemoryStore {
    /// A store whose expired records are dropped every `period` by a background task (which
    /// ends when the last handle to the store is gone).
    pub fn with_purge_every(period: Duration) -> Self {
        let store = Self::default();
        let weak = Arc::downgrade(&store.0);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(map) = weak.upgrade() else { break };
                map.lock().await.retain(|_, r| is_active(r));
            }
        });
        store
    }

    /// Drops expired records now.
    pub async fn purge(&self) {
        self.0.lock().await.retain(|_, r| is_active(r));
    }

    /// How many records are held (expired ones included until the next purge).
    pub async fn len(&self) -> usize {
        self.0.lock().await.len()
    }

    /// The size of the largest record's data, as JSON bytes (what a record costs to hold).
    pub async fn largest_record(&self) -> usize {
        self.0
            .lock()
            .await
            .values()
            .map(|r| serde_json::to_vec(&r.data).map(|v| v.len()).unwrap_or(0))
            .max()
            .unwrap_or(0)
    }

    /// Whether no records are held.
    pub async fn is_empty(&self) -> bool {
        self.len().await == 0
    }
}

#[async_trait::async_trait]
impl SessionStore for MemoryStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let mut map = self.0.lock().await;
        while map.contains_key(&record.id) {
            record.id = Id::default();
        }
        map.insert(record.id, record.clone());
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.0.lock().await.insert(record.id, record.clone());
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        Ok(self
            .0
            .lock()
            .await
            .get(id)
            .filter(|r| is_active(r))
            .cloned())
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.0.lock().await.remove(id);
        Ok(())
    }
}

/// The session store chosen by `SESSION_STORE`.
#[derive(Clone, Debug)]
pub enum Backend {
    Memory(MemoryStore),
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_sessions::cookie::time::Duration as TimeDuration;

    fn record(expires_in: TimeDuration) -> Record {
        Record {
            id: Id::default(),
            data: Default::default(),
            expiry_date: OffsetDateTime::now_utc() + expires_in,
        }
    }

    #[tokio::test]
    async fn expired_records_are_not_loaded_and_are_purged() {
        let store = MemoryStore::default();
        let mut live = record(TimeDuration::minutes(5));
        let mut dead = record(TimeDuration::seconds(-1));
        store.create(&mut live).await.unwrap();
        store.create(&mut dead).await.unwrap();
        assert!(store.load(&live.id).await.unwrap().is_some());
        assert!(store.load(&dead.id).await.unwrap().is_none());
        assert_eq!(store.len().await, 2);
        store.purge().await;
        assert_eq!(store.len().await, 1);
    }

    #[tokio::test]
    async fn the_background_task_purges_on_its_own() {
        let store = MemoryStore::with_purge_every(Duration::from_millis(20));
        let mut dead = record(TimeDuration::seconds(-1));
        store.create(&mut dead).await.unwrap();
        for _ in 0..50 {
            if store.is_empty().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the expired record was never purged");
    }
}
