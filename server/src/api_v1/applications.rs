//! `/api/v1/applications` and the association with sources.

use app::model::{ApplicationInput, ApplicationView, ApplicationWithSecret};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::auth::Caller;
use super::body;
use super::openapi::ErrorBody;
use crate::state::AppState;
use crate::web::ApiError;

#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", security(("token" = [])), responses((status = 200, body = [ApplicationView]), (status = 401, description = "no or invalid credentials", body = ErrorBody)))]
pub async fn list(
    _c: Caller,
    State(s): State<AppState>,
) -> Result<Json<Vec<ApplicationView>>, ApiError> {
    Ok(Json(s.catalog.list_applications().await?))
}

#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", security(("token" = [])), params(("id" = i64, Path)), responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody)))]
pub async fn get(
    _c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(s.catalog.get_application(id).await?))
}

/// 201 with the application and its client secret, shown this once.
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", security(("token" = [])), request_body = ApplicationInput, responses((status = 201, description = "the client secret is shown only here", body = ApplicationWithSecret), (status = 422, body = ErrorBody)))]
pub async fn create(
    c: Caller,
    State(s): State<AppState>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let input: ApplicationInput = body(&bytes)?;
    let created = s.catalog.create_application(&c.actor, input).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[utoipa::path(patch, path = "/api/v1/applications/{id}", tag = "applications", security(("token" = [])), params(("id" = i64, Path)), request_body = ApplicationInput, responses((status = 200, body = ApplicationView), (status = 422, body = ErrorBody)))]
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

#[utoipa::path(delete, path = "/api/v1/applications/{id}", tag = "applications", security(("token" = [])), params(("id" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    s.catalog.delete_application(&c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/applications/{id}/rotate_secret", tag = "applications", security(("token" = [])), params(("id" = i64, Path)), responses((status = 200, body = ApplicationWithSecret)))]
pub async fn rotate_secret(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ApplicationWithSecret>, ApiError> {
    Ok(Json(s.catalog.rotate_client_secret(&c.actor, id).await?))
}

#[utoipa::path(put, path = "/api/v1/applications/{id}/sources/{source_id}", tag = "applications", security(("token" = [])), params(("id" = i64, Path), ("source_id" = i64, Path)), responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody)))]
pub async fn enable_source(
    c: Caller,
    State(s): State<AppState>,
    Path((id, source_id)): Path<(i64, i64)>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(
        s.catalog.associate(&c.actor, id, source_id, true).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/applications/{id}/sources/{source_id}", tag = "applications", security(("token" = [])), params(("id" = i64, Path), ("source_id" = i64, Path)), responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody)))]
pub async fn disable_source(
    c: Caller,
    State(s): State<AppState>,
    Path((id, source_id)): Path<(i64, i64)>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(
        s.catalog.associate(&c.actor, id, source_id, false).await?,
    ))
}

/// The logo as stored (PNG).
#[utoipa::path(get, path = "/api/v1/applications/{id}/logo", tag = "applications", security(("token" = [])), params(("id" = i64, Path)), responses((status = 200, content_type = "image/png", description = "the logo as PNG"), (status = 404, body = ErrorBody)))]
pub async fn logo(
    _c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    crate::web::png(s.catalog.application_logo(id).await?, "application")
}

/// Sets the logo from the raw bytes of a PNG or JPEG file (up to 1 MB).
#[utoipa::path(put, path = "/api/v1/applications/{id}/logo", tag = "applications", security(("token" = [])), params(("id" = i64, Path)), request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "a PNG or JPEG file, at most 1 MB"), responses((status = 200, body = ApplicationView), (status = 422, body = ErrorBody)))]
pub async fn set_logo(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(
        s.catalog
            .set_application_logo(&c.actor, id, Some(&bytes))
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/applications/{id}/logo", tag = "applications", security(("token" = [])), params(("id" = i64, Path)), responses((status = 200, body = ApplicationView)))]
pub async fn remove_logo(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(
        s.catalog.set_application_logo(&c.actor, id, None).await?,
    ))
}
