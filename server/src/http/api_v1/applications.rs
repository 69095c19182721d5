//! `/api/v1/applications` and the association with sources.

use app::model::{ApplicationInput, ApplicationView, ApplicationWithSecret};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::auth::Caller;
use super::body;
use crate::http::ApiError;
use crate::state::AppState;

pub async fn list(
    _c: Caller,
    State(s): State<AppState>,
) -> Result<Json<Vec<ApplicationView>>, ApiError> {
    Ok(Json(s.catalog.list_applications().await?))
}

pub async fn get(
    _c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(s.catalog.get_application(id).await?))
}

/// 201 with the application and its client secret, shown this once.
pub async fn create(
    c: Caller,
    State(s): State<AppState>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let input: ApplicationInput = body(&bytes)?;
    let created = s.catalog.create_application(&c.actor, input).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

pub async fn update(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<ApplicationView>, ApiError> {
    let input: ApplicationInput = body(&bytes)?;
    Ok(Json(
        s.catalog.update_application(&c.actor, id, input).await?,
    ))
}

pub async fn delete(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    s.catalog.delete_application(&c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn rotate_secret(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ApplicationWithSecret>, ApiError> {
    Ok(Json(s.catalog.rotate_client_secret(&c.actor, id).await?))
}

pub async fn enable_source(
    c: Caller,
    State(s): State<AppState>,
    Path((id, source_id)): Path<(i64, i64)>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(
        s.catalog.associate(&c.actor, id, source_id, true).await?,
    ))
}

pub async fn disable_source(
    c: Caller,
    State(s): State<AppState>,
    Path((id, source_id)): Path<(i64, i64)>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(
        s.catalog.associate(&c.actor, id, source_id, false).await?,
    ))
}
