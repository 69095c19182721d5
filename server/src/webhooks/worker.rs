//! The delivery worker, one per instance. Each round: fan new events out into deliveries (one
//! per subscribed endpoint), take the due deliveries under a lease, and send them. A delivery
//! that fails waits longer each time (`SCHEDULE`, about a day in all) and is then marked
//! failed. A receiver that hangs is cut off by the timeout; a redirect is a failure (the
//! signed body is not carried elsewhere).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};

use super::outbox::Outbox;
use super::sign;
use crate::clock::Clock;
use crate::crypto::secret_box::SecretBox;
use crate::store::entities::{webhook_delivery, webhook_endpoint, webhook_event};
use crate::store::{StoreError, webhooks as db};

/// How long to wait before each retry: the first attempt is at once, the last about 23 hours
/// after it.
pub const SCHEDULE: [i64; 7] = [5, 60, 600, 3_600, 3 * 3_600, 6 * 3_600, 13 * 3_600];

/// How long an instance holds a delivery it took; one that died leaves it to run out.
pub const LEASE_SECONDS: i64 = 60;

/// How many deliveries one round takes.
const BATCH: u64 = 20;

/// What the worker answers, cut to this length (receivers' pages do not fill the database).
const ERROR_CHARS: usize = 300;

pub(super) const SECRET_AAD: &[u8] = b"webhook-secret";

#[derive(Clone)]
pub struct Worker {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    secrets: SecretBox,
    outbox: Outbox,
    http: reqwest::Client,
}

/// What became of one round.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub delivered: usize,
    pub retried: usize,
    pub failed: usize,
}

fn subscribed(e: &webhook_endpoint::Model, kind: &str) -> bool {
    e.enabled && e.events.split_whitespace().any(|k| k == kind)
}

impl Worker {
    pub fn new(
        db: DatabaseConnection,
        clock: Arc<dyn Clock>,
        secrets: SecretBox,
        outbox: Outbox,
    ) -> Worker {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Datong-Webhooks/1")
            .build()
            .unwrap_or_default();
        Worker {
            db,
            clock,
            secrets,
            outbox,
            http,
        }
    }

    /// Runs rounds forever, one a second (sooner while there is more to send).
    pub fn spawn(self) {
        tokio::spawn(async move {
            loop {
                let busy = match self.tick().await {
                    Ok(r) => r.delivered + r.retried + r.failed > 0,
                    Err(e) => {
                        tracing::warn!(error = %e, "webhooks: round failed");
                        false
                    }
                };
                if !busy {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        });
    }

    /// Learns whether any endpoint is enabled, then (if so) runs a round.
    pub async fn tick(&self) -> Result<Round, StoreError> {
        let active = db::any_enabled(&self.db).await?;
        self.outbox.set_active(active);
        self.round().await
    }

    /// One round: fan out, take what is due, send it.
    pub async fn round(&self) -> Result<Round, StoreError> {
        self.dispatch().await?;
        let now = self.clock.now();
        let lease = now + chrono::Duration::seconds(LEASE_SECONDS);
        let taken = db::take_due(&self.db, now, lease, BATCH).await?;
        self.send_all(taken, lease).await
    }

    /// Takes due deliveries under a lease and does not send them: what an instance killed in
    /// the middle of a round leaves behind (for tests).
    pub async fn take_and_die(&self) -> Result<usize, StoreError> {
        self.dispatch().await?;
        let now = self.clock.now();
        let lease = now + chrono::Duration::seconds(LEASE_SECONDS);
        Ok(db::take_due(&self.db, now, lease, BATCH).await?.len())
    }

    /// New events become deliveries: one per enabled endpoint subscribed to the type (a test
    /// event: its one endpoint).
    async fn dispatch(&self) -> Result<(), StoreError> {
        let txn = self.db.begin().await?;
        let events = db::undispatched(&txn, 200).await?;
        if events.is_empty() {
            return Ok(());
        }
        let endpoints = db::endpoints(&txn).await?;
        let now = self.clock.now();
        for ev in &events {
            for e in &endpoints {
                let to_it = match ev.endpoint_id {
                    Some(id) => id == e.id,
                    None => subscribed(e, &ev.kind),
                };
                if to_it {
                    db::insert_delivery(&txn, &ev.id, e.id, now).await?;
                }
            }
        }
        db::mark_dispatched(&txn, events.iter().map(|e| e.id.clone()).collect(), now).await?;
        txn.commit().await?;
        Ok(())
    }

    async fn send_all(
        &self,
        taken: Vec<webhook_delivery::Model>,
        lease: DateTime<Utc>,
    ) -> Result<Round, StoreError> {
        let mut round = Round::default();
        if taken.is_empty() {
            return Ok(round);
        }
        let events =
            db::events_by_id(&self.db, taken.iter().map(|d| d.event_id.clone()).collect()).await?;
        let endpoints = db::endpoints(&self.db).await?;
        let mut sends = tokio::task::JoinSet::new();
        for d in taken {
            let event = events.iter().find(|e| e.id == d.event_id).cloned();
            let endpoint = endpoints.iter().find(|e| e.id == d.endpoint_id).cloned();
            let worker = self.clone();
            sends.spawn(async move {
                let result = worker.send(event, endpoint).await;
                (d, result)
            });
        }
        while let Some(joined) = sends.join_next().await {
            let Ok((d, result)) = joined else { continue };
            let attempts = d.attempts + 1;
            let now = self.clock.now();
            let (status, next, outcome) = match &result {
                Ok(_) => ("delivered", now, "delivered"),
                Err(_) if attempts as usize > SCHEDULE.len() => ("failed", now, "failed"),
                Err(_) => (
                    "pending",
                    now + chrono::Duration::seconds(SCHEDULE[attempts as usize - 1]),
                    "retry",
                ),
            };
            crate::metrics::webhook(outcome);
            match outcome {
                "delivered" => round.delivered += 1,
                "failed" => round.failed += 1,
                _ => round.retried += 1,
            }
            let (last_status, last_error) = match result {
                Ok(code) => (Some(code), None),
                Err((code, error)) => (code, Some(error)),
            };
            let recorded = db::record_attempt(
                &self.db,
                d.id,
                lease,
                db::Attempted {
                    status,
                    attempts,
                    next_attempt_at: next,
                    last_status,
                    last_error,
                    at: now,
                },
            )
            .await?;
            if !recorded {
                tracing::warn!(
                    delivery = d.id,
                    "webhooks: the lease ran out during the attempt"
                );
            }
        }
        Ok(round)
    }

    /// One attempt: the receiver's status on success (2xx), else its status (if it answered)
    /// and why.
    async fn send(
        &self,
        event: Option<webhook_event::Model>,
        endpoint: Option<webhook_endpoint::Model>,
    ) -> Result<i32, (Option<i32>, String)> {
        let (Some(event), Some(endpoint)) = (event, endpoint) else {
            return Err((None, "the event or the endpoint is gone".into()));
        };
        if !endpoint.enabled {
            return Err((None, "the endpoint is disabled".into()));
        }
        let secret = self
            .secrets
            .open(&endpoint.secret_sealed, SECRET_AAD)
            .ok()
            .and_then(|s| String::from_utf8(s).ok())
            .ok_or((None, "the signing secret cannot be opened".to_string()))?;
        let timestamp = self.clock.now().timestamp();
        let signature = sign::signature(&secret, &event.id, timestamp, &event.payload)
            .ok_or((None, "the signing secret is malformed".to_string()))?;
        let answer = self
            .http
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header("webhook-id", &event.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(event.payload.clone())
            .send()
            .await;
        match answer {
            Ok(r) if r.status().is_success() => Ok(i32::from(r.status().as_u16())),
            Ok(r) => {
                let code = i32::from(r.status().as_u16());
                let why = if r.status().is_redirection() {
                    "redirects are not followed".to_string()
                } else {
                    let text = r.text().await.unwrap_or_default();
                    text.chars().take(ERROR_CHARS).collect()
                };
                Err((Some(code), why))
            }
            Err(e) if e.is_timeout() => Err((None, "timed out".into())),
            Err(e) if e.is_connect() => Err((None, "cannot connect".into())),
            Err(_) => Err((None, "the request failed".into())),
        }
    }
}
