//! The console's server functions for webhook endpoints and their deliveries.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::{ConsoleError, DeliveryView, WebhookInput, WebhookView, WebhookWithSecret};

#[cfg(feature = "ssr")]
use crate::backend::{backend, require_admin};

#[cfg(feature = "ssr")]
fn session() -> Result<crate::backend::SharedBackend, ConsoleError> {
    signed_in().map(|(_, b)| b)
}

/// The signed-in administrator (who the audit log names) and the backend.
#[cfg(feature = "ssr")]
fn signed_in() -> Result<(crate::backend::Admin, crate::backend::SharedBackend), ConsoleError> {
    let admin = require_admin().map_err(|_| ConsoleError::Unauthenticated)?;
    let b = backend().map_err(|e| ConsoleError::Failed(e.to_string()))?;
    Ok((admin, b))
}

#[server(prefix = "/api/console", endpoint = "webhooks", input = Json)]
pub async fn list_webhooks() -> Result<Vec<WebhookView>, ConsoleError> {
    session()?.list_webhooks().await
}

#[server(prefix = "/api/console", endpoint = "webhook_create", input = Json)]
pub async fn create_webhook(input: WebhookInput) -> Result<WebhookWithSecret, ConsoleError> {
    let (admin, b) = signed_in()?;
    b.create_webhook(&admin, input).await
}

#[server(prefix = "/api/console", endpoint = "webhook_enabled", input = Json)]
pub async fn set_webhook_enabled(id: i64, enabled: bool) -> Result<(), ConsoleError> {
    let (admin, b) = signed_in()?;
    b.set_webhook_enabled(&admin, id, enabled).await
}

#[server(prefix = "/api/console", endpoint = "webhook_delete", input = Json)]
pub async fn delete_webhook(id: i64) -> Result<(), ConsoleError> {
    let (admin, b) = signed_in()?;
    b.delete_webhook(&admin, id).await
}

#[server(prefix = "/api/console", endpoint = "webhook_deliveries", input = Json)]
pub async fn webhook_deliveries(id: i64) -> Result<Vec<DeliveryView>, ConsoleError> {
    session()?.webhook_deliveries(id).await
}

#[server(prefix = "/api/console", endpoint = "webhook_resend", input = Json)]
pub async fn resend_delivery(id: i64, delivery: i64) -> Result<(), ConsoleError> {
    session()?.resend_delivery(id, delivery).await
}

#[server(prefix = "/api/console", endpoint = "webhook_test", input = Json)]
pub async fn send_test_event(id: i64) -> Result<(), ConsoleError> {
    session()?.send_test_event(id).await
}
