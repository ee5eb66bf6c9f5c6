//! The in-memory session store. tower-sessions' own `MemoryStore` keeps expired records for
//! ever; this one drops them every minute, so a long-running single instance stays small.

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
