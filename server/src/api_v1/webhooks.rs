//! `/api/v1/webhooks`: endpoints that receive signed events about users, their recent
//! deliveries, resending one, and a test event.

use app::model::{DeliveryView, WebhookInput, WebhookView, WebhookWithSecret};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::auth::Caller;
use super::openapi::ErrorBody;
use crate::state::AppState;
use crate::web::{ApiError, json_body};

#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("token" = [])), responses((status = 200, body = Vec<WebhookView>), (status = 401, body = ErrorBody)))]
pub async fn list(
    _c: Caller,
    State(s): State<AppState>,
) -> Result<Json<Vec<WebhookView>>, ApiError> {
    Ok(Json(s.webhooks.list().await?))
}

/// A new endpoint; the answer holds its signing secret, shown this once.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", security(("token" = [])), request_body = WebhookInput, responses((status = 201, body = WebhookWithSecret), (status = 400, description = "not JSON of this shape", body = ErrorBody), (status = 422, description = "a field breaks a rule (URL scheme, credentials, this instance's own address, unknown event)", body = ErrorBody)))]
pub async fn create(
    c: Caller,
    State(s): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<WebhookWithSecret>), ApiError> {
    let input: WebhookInput = json_body(&body, "invalid_json")?;
    Ok((
        StatusCode::CREATED,
        Json(s.webhooks.create(&c.actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("token" = [])), params(("id" = i64, Path)), responses((status = 200, body = WebhookView), (status = 404, body = ErrorBody)))]
pub async fn get(
    _c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<WebhookView>, ApiError> {
    Ok(Json(s.webhooks.get(id).await?))
}

/// Replaces the endpoint's URL, description, events and switch (the secret stays).
#[utoipa::path(put, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("token" = [])), params(("id" = i64, Path)), request_body = WebhookInput, responses((status = 200, body = WebhookView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<WebhookView>, ApiError> {
    let input: WebhookInput = json_body(&body, "invalid_json")?;
    Ok(Json(s.webhooks.update(&c.actor, id, input).await?))
}

#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("token" = [])), params(("id" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    s.webhooks.delete(&c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The endpoint's newest 50 deliveries: status, attempts, the receiver's last answer.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", security(("token" = [])), params(("id" = i64, Path)), responses((status = 200, body = Vec<DeliveryView>), (status = 404, body = ErrorBody)))]
pub async fn deliveries(
    _c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<DeliveryView>>, ApiError> {
    Ok(Json(s.webhooks.deliveries(id).await?))
}

/// Sends one delivery again from its first attempt, with the same `webhook-id`.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/resend", tag = "webhooks", security(("token" = [])), params(("id" = i64, Path), ("delivery_id" = i64, Path)), responses((status = 202), (status = 404, body = ErrorBody)))]
pub async fn resend(
    _c: Caller,
    State(s): State<AppState>,
    Path((id, delivery)): Path<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    s.webhooks.resend(id, delivery).await?;
    Ok(StatusCode::ACCEPTED)
}

/// A `webhook.test` event to this endpoint only; answers its `webhook-id`.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks", security(("token" = [])), params(("id" = i64, Path)), responses((status = 202), (status = 404, body = ErrorBody)))]
pub async fn test(
    _c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let event = s.webhooks.send_test(id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({"event_id": event})),
    ))
}
