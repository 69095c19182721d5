//! The outbox handle: a change that should be reported writes its event row inside its own
//! transaction, so the event exists exactly when the change does. While no endpoint is enabled
//! nothing is written (a login pays nothing for webhooks nobody receives); each instance
//! learns within a second that one was enabled elsewhere.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::ConnectionTrait;

use crate::crypto::token::random_token;
use crate::store::{StoreError, webhooks};

#[derive(Clone, Default)]
pub struct Outbox {
    active: Arc<AtomicBool>,
}

/// The body receivers get: `{"type", "timestamp", "data"}`.
pub fn payload(kind: &str, data: serde_json::Value, now: DateTime<Utc>) -> String {
    serde_json::json!({
        "type": kind,
        "timestamp": now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "data": data,
    })
    .to_string()
}

pub fn new_event_id() -> String {
    format!("msg_{}", &random_token()[..26])
}

impl Outbox {
    pub fn set_active(&self, on: bool) {
        self.active.store(on, Ordering::Relaxed);
    }

    pub fn active(&self) -> bool {
        self.active.load(Ordering::Relaxed)
    }

    /// Writes the event `kind` with `data`, in `db` (the change's transaction).
    pub async fn emit<C: ConnectionTrait>(
        &self,
        db: &C,
        kind: &str,
        data: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if !self.active() {
            return Ok(());
        }
        let body = payload(kind, data, now);
        webhooks::insert_event(db, &new_event_id(), kind, &body, None, now).await
    }
}
