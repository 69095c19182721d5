//! Where ticket status changes meet the pages waiting for them. Each instance keeps one watch
//! channel per ticket that somebody on it is following. A change made here is published at once;
//! with PostgreSQL it is also sent with `NOTIFY`, and every instance's listener publishes what it
//! hears, so a ticket confirmed through one instance reaches a page streaming from another. After
//! a lost listener connection every followed ticket is read again, so nothing missed stays missed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::Status;
use crate::store::mp_tickets;
use crate::store::notify::{self, Heard, Listener};

pub const CHANNEL: &str = "datong_mp_tickets";

/// A ticket's stored status and the reason it ended, as published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Update {
    /// The ticket's id (the hash of the ticket).
    pub id: String,
    pub status: Status,
    #[serde(default)]
    pub reason: Option<String>,
}

type Channels = HashMap<String, watch::Sender<Option<Update>>>;

#[derive(Clone, Default)]
pub struct Hub {
    channels: Arc<Mutex<Channels>>,
}

/// A page following one ticket; leaving drops the channel when nobody else follows it.
pub struct Subscription {
    pub rx: watch::Receiver<Option<Update>>,
    id: String,
    hub: Hub,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut channels = self.hub.lock();
        if channels
            .get(&self.id)
            .is_some_and(|tx| tx.receiver_count() <= 1)
        {
            channels.remove(&self.id);
        }
    }
}

impl Hub {
    fn lock(&self) -> MutexGuard<'_, Channels> {
        // A panic while holding the lock cannot leave the map half-changed: keep using it.
        self.channels.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn subscribe(&self, id: &str) -> Subscription {
        let rx = self
            .lock()
            .entry(id.to_string())
            .or_insert_with(|| watch::channel(None).0)
            .subscribe();
        Subscription {
            rx,
            id: id.to_string(),
            hub: self.clone(),
        }
    }

    /// Hands `update` to this instance's followers of the ticket (a repeat is not re-sent).
    pub fn publish(&self, update: Update) {
        if let Some(tx) = self.lock().get(&update.id) {
            tx.send_if_modified(|current| {
                if current.as_ref() == Some(&update) {
                    false
                } else {
                    *current = Some(update.clone());
                    true
                }
            });
        }
    }

    /// Publishes here and tells the other instances.
    pub async fn announce(&self, db: &DatabaseConnection, update: Update) {
        self.publish(update.clone());
        let payload = serde_json::to_string(&update).unwrap_or_default();
        if let Err(e) = notify::notify(db, CHANNEL, &payload).await {
            tracing::warn!(error = %e, "ticket status: cannot notify other instances");
        }
    }

    /// Reads every followed ticket again (after a gap in the notifications).
    async fn resync(&self, db: &DatabaseConnection) {
        let ids: Vec<String> = self.lock().keys().cloned().collect();
        for id in ids {
            if let Ok(Some(row)) = mp_tickets::get(db, &id).await {
                self.publish(Update {
                    id,
                    status: Status::parse(&row.status),
                    reason: row.reason,
                });
            }
        }
    }

    /// With PostgreSQL, listens for other instances' changes for as long as the process runs.
    pub fn spawn_listener(&self, db: DatabaseConnection) {
        if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
            return;
        }
        let hub = self.clone();
        tokio::spawn(async move {
            loop {
                match Listener::open(&db, CHANNEL).await {
                    Ok(Some(listener)) => hub.listen(&db, listener).await,
                    Ok(None) => return,
                    Err(e) => tracing::warn!(error = %e, "ticket status: cannot listen"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                hub.resync(&db).await;
            }
        });
    }

    async fn listen(&self, db: &DatabaseConnection, mut listener: Listener) {
        loop {
            match listener.next().await {
                Ok(Heard::Message(text)) => match serde_json::from_str::<Update>(&text) {
                    Ok(update) => self.publish(update),
                    Err(_) => tracing::warn!("ticket status: unreadable notification"),
                },
                Ok(Heard::Gap) => self.resync(db).await,
                Err(e) => {
                    tracing::warn!(error = %e, "ticket status: listener failed");
                    return;
                }
            }
        }
    }
}
