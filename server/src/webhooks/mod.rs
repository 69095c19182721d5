//! Webhooks: endpoints configured by administrators receive signed JSON events about users
//! (created, logged in, failed to log in, merged, linked, unlinked, blocked, deleted). Events
//! are written to an outbox in the transaction of the change they report (`outbox`), and a
//! worker on each instance delivers them with retries (`worker`), signed the Standard Webhooks
//! way (`sign`).

pub mod outbox;
pub mod sign;
pub mod worker;

use std::sync::Arc;

use app::model::{
    DeliveryView, FieldError, WEBHOOK_EVENTS, WebhookInput, WebhookView, WebhookWithSecret,
};
use sea_orm::{DatabaseConnection, Set, TransactionTrait};

use crate::catalog::Actor;

use crate::clock::Clock;
use crate::crypto::secret_box::SecretBox;
use crate::people::rfc3339;
use crate::store::entities::webhook_endpoint;
use crate::store::{StoreError, webhooks as db};
pub use outbox::Outbox;
pub use worker::Worker;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("{}", .0.first().map(|e| e.message.as_str()).unwrap_or("invalid"))]
    Invalid(Vec<FieldError>),
    #[error("no such webhook endpoint")]
    NotFound,
    #[error("no such delivery of this endpoint, or it is being sent right now")]
    DeliveryNotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for WebhookError {
    fn from(e: sea_orm::DbErr) -> WebhookError {
        WebhookError::Store(StoreError::from(e))
    }
}

#[derive(Clone)]
pub struct Webhooks {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    secrets: SecretBox,
    outbox: Outbox,
    /// This instance's public origin: endpoints may not point back at it.
    own_origin: Option<String>,
}

/// The origin (`scheme://host:port`) of a URL, ports spelled out.
fn origin(url: &reqwest::Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or_default().to_ascii_lowercase(),
        url.port_or_known_default().unwrap_or_default()
    )
}

/// The rules an endpoint's fields follow; every broken one is reported.
pub fn validate(input: &WebhookInput, own_origin: Option<&str>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    match reqwest::Url::parse(input.url.trim()) {
        Err(_) => errors.push(FieldError::new("url", "invalid_url", "not a URL")),
        Ok(url) => {
            let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
            let local = matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]");
            if !(url.scheme() == "https" || (url.scheme() == "http" && local)) {
                errors.push(FieldError::new(
                    "url",
                    "scheme_not_allowed",
                    "use https (http only to 127.0.0.1 or localhost)",
                ));
            } else if !url.username().is_empty() || url.password().is_some() {
                errors.push(FieldError::new(
                    "url",
                    "credentials_in_url",
                    "no user name or password in the URL",
                ));
            } else if input.url.len() > 2000 {
                errors.push(FieldError::new(
                    "url",
                    "too_long",
                    "at most 2000 characters",
                ));
            } else if own_origin.is_some_and(|own| {
                reqwest::Url::parse(own).is_ok_and(|o| origin(&o) == origin(&url))
            }) {
                errors.push(FieldError::new(
                    "url",
                    "own_origin",
                    "the URL points at this Datong instance",
                ));
            }
        }
    }
    if input.events.is_empty() {
        errors.push(FieldError::new(
            "events",
            "no_events",
            "choose at least one event",
        ));
    }
    for e in &input.events {
        if !WEBHOOK_EVENTS.contains(&e.as_str()) {
            errors.push(FieldError::new(
                "events",
                "unknown_event",
                format!("no event {e:?}"),
            ));
        }
    }
    if input
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 200)
    {
        errors.push(FieldError::new(
            "description",
            "too_long",
            "at most 200 characters",
        ));
    }
    errors
}

fn view(e: webhook_endpoint::Model) -> WebhookView {
    WebhookView {
        id: e.id,
        url: e.url,
        description: e.description,
        events: e.events.split_whitespace().map(str::to_string).collect(),
        enabled: e.enabled,
        created_at: rfc3339(e.created_at),
        updated_at: rfc3339(e.updated_at),
    }
}

/// The events in a fixed order, each once.
fn events_text(events: &[String]) -> String {
    WEBHOOK_EVENTS
        .iter()
        .filter(|k| events.iter().any(|e| e == *k))
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// An endpoint as the audit log keeps it (never the secret).
fn shown(e: &webhook_endpoint::Model) -> serde_json::Value {
    serde_json::json!({"url": e.url, "events": e.events, "enabled": e.enabled, "description": e.description})
}

async fn audit(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    action: &str,
    row: &webhook_endpoint::Model,
    before: Option<serde_json::Value>,
) -> Result<(), StoreError> {
    crate::store::audit::record(
        txn,
        row.updated_at,
        &actor.label(),
        action,
        &format!("webhook:{}", row.id),
        before.map(|b| b.to_string()),
        Some(shown(row).to_string()),
    )
    .await
}

impl Webhooks {
    pub fn new(
        db: DatabaseConnection,
        clock: Arc<dyn Clock>,
        secrets: SecretBox,
        outbox: Outbox,
        own_origin: Option<String>,
    ) -> Webhooks {
        Webhooks {
            db,
            clock,
            secrets,
            outbox,
            own_origin,
        }
    }

    /// The same, refusing endpoints on this origin (the instance's public URL).
    pub fn with_own_origin(mut self, own_origin: Option<String>) -> Webhooks {
        self.own_origin = own_origin;
        self
    }

    pub fn worker(&self) -> Worker {
        Worker::new(
            self.db.clone(),
            self.clock.clone(),
            self.secrets.clone(),
            self.outbox.clone(),
        )
    }

    fn check(&self, input: &WebhookInput) -> Result<(), WebhookError> {
        let errors = validate(input, self.own_origin.as_deref());
        if errors.is_empty() {
            Ok(())
        } else {
            Err(WebhookError::Invalid(errors))
        }
    }

    async fn learn_active(&self) -> Result<(), WebhookError> {
        self.outbox.set_active(db::any_enabled(&self.db).await?);
        Ok(())
    }

    pub async fn list(&self) -> Result<Vec<WebhookView>, WebhookError> {
        Ok(db::endpoints(&self.db)
            .await?
            .into_iter()
            .map(view)
            .collect())
    }

    pub async fn get(&self, id: i64) -> Result<WebhookView, WebhookError> {
        Ok(view(
            db::endpoint(&self.db, id)
                .await?
                .ok_or(WebhookError::NotFound)?,
        ))
    }

    /// A new endpoint and its signing secret (shown this once).
    pub async fn create(
        &self,
        actor: &Actor,
        input: WebhookInput,
    ) -> Result<WebhookWithSecret, WebhookError> {
        self.check(&input)?;
        let secret = sign::new_secret();
        let sealed = self
            .secrets
            .seal(secret.as_bytes(), worker::SECRET_AAD)
            .map_err(|_| StoreError::Db(sea_orm::DbErr::Custom("cannot seal".into())))?;
        let now = self.clock.now();
        let txn = self.db.begin().await?;
        let row = db::insert_endpoint(
            &txn,
            webhook_endpoint::ActiveModel {
                url: Set(input.url.trim().to_string()),
                description: Set(input.description.filter(|d| !d.trim().is_empty())),
                events: Set(events_text(&input.events)),
                enabled: Set(input.enabled),
                secret_sealed: Set(sealed),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            },
        )
        .await?;
        audit(&txn, actor, "webhook.create", &row, None).await?;
        txn.commit().await?;
        self.learn_active().await?;
        Ok(WebhookWithSecret {
            endpoint: view(row),
            secret,
        })
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: i64,
        input: WebhookInput,
    ) -> Result<WebhookView, WebhookError> {
        self.check(&input)?;
        let txn = self.db.begin().await?;
        let current = db::endpoint(&txn, id)
            .await?
            .ok_or(WebhookError::NotFound)?;
        let before = shown(&current);
        let mut row: webhook_endpoint::ActiveModel = current.into();
        row.url = Set(input.url.trim().to_string());
        row.description = Set(input.description.filter(|d| !d.trim().is_empty()));
        row.events = Set(events_text(&input.events));
        row.enabled = Set(input.enabled);
        row.updated_at = Set(self.clock.now());
        let row = db::update_endpoint(&txn, row).await?;
        audit(&txn, actor, "webhook.update", &row, Some(before)).await?;
        txn.commit().await?;
        self.learn_active().await?;
        Ok(view(row))
    }

    pub async fn delete(&self, actor: &Actor, id: i64) -> Result<(), WebhookError> {
        let txn = self.db.begin().await?;
        let current = db::endpoint(&txn, id)
            .await?
            .ok_or(WebhookError::NotFound)?;
        if !db::delete_endpoint(&txn, id).await? {
            return Err(WebhookError::NotFound);
        }
        crate::store::audit::record(
            &txn,
            self.clock.now(),
            &actor.label(),
            "webhook.delete",
            &format!("webhook:{id}"),
            Some(shown(&current).to_string()),
            None,
        )
        .await?;
        txn.commit().await?;
        self.learn_active().await
    }

    /// The endpoint's newest 50 deliveries.
    pub async fn deliveries(&self, id: i64) -> Result<Vec<DeliveryView>, WebhookError> {
        self.get(id).await?;
        Ok(db::deliveries_of(&self.db, id, 50)
            .await?
            .into_iter()
            .map(|(d, e)| DeliveryView {
                id: d.id,
                event_type: e.map(|e| e.kind).unwrap_or_default(),
                event_id: d.event_id,
                next_attempt_at: (d.status == "pending").then(|| rfc3339(d.next_attempt_at)),
                status: d.status,
                attempts: d.attempts,
                last_status: d.last_status,
                last_error: d.last_error,
                last_attempt_at: d.last_attempt_at.map(rfc3339),
                created_at: rfc3339(d.created_at),
            })
            .collect())
    }

    /// Sends the delivery again (same `webhook-id`), from its first attempt.
    pub async fn resend(&self, id: i64, delivery: i64) -> Result<(), WebhookError> {
        self.get(id).await?;
        if !db::resend(&self.db, id, delivery, self.clock.now()).await? {
            return Err(WebhookError::DeliveryNotFound);
        }
        Ok(())
    }

    /// A `webhook.test` event to this endpoint only.
    pub async fn send_test(&self, id: i64) -> Result<String, WebhookError> {
        self.get(id).await?;
        let now = self.clock.now();
        let event = outbox::new_event_id();
        let body = outbox::payload("webhook.test", serde_json::json!({"endpoint_id": id}), now);
        db::insert_event(&self.db, &event, "webhook.test", &body, Some(id), now).await?;
        Ok(event)
    }
}

impl From<WebhookError> for crate::web::ApiError {
    fn from(err: WebhookError) -> crate::web::ApiError {
        use crate::web::ApiError;
        use axum::http::StatusCode;
        match err {
            WebhookError::Invalid(errors) => ApiError::validation(errors),
            WebhookError::NotFound => ApiError::new(
                StatusCode::NOT_FOUND,
                "webhook_not_found",
                "no such webhook endpoint",
            ),
            WebhookError::DeliveryNotFound => ApiError::new(
                StatusCode::NOT_FOUND,
                "delivery_not_found",
                "no such delivery of this endpoint, or it is being sent right now",
            ),
            WebhookError::Store(e) => {
                tracing::error!(error = %e, "webhook operation failed");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database is unavailable; try again",
                )
            }
        }
    }
}

impl From<WebhookError> for app::model::ConsoleError {
    fn from(err: WebhookError) -> app::model::ConsoleError {
        use app::model::ConsoleError;
        match err {
            WebhookError::Invalid(errors) => ConsoleError::Invalid(errors),
            WebhookError::NotFound | WebhookError::DeliveryNotFound => ConsoleError::NotFound,
            WebhookError::Store(e) => {
                tracing::error!(error = %e, "webhook operation failed");
                ConsoleError::Failed("storage unavailable".into())
            }
        }
    }
}
