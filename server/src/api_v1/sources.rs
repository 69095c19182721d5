//! `/api/v1/sources`.

use app::model::{SourceInput, SourceView};
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

#[utoipa::path(get, path = "/api/v1/sources", tag = "sources", security(("token" = [])), responses((status = 200, body = [SourceView]), (status = 401, description = "no or invalid credentials", body = ErrorBody)))]
pub async fn list(
    _c: Caller,
    State(s): State<AppState>,
) -> Result<Json<Vec<SourceView>>, ApiError> {
    Ok(Json(s.catalog.list_sources().await?))
}

#[utoipa::path(get, path = "/api/v1/sources/{id}", tag = "sources", security(("token" = [])), params(("id" = i64, Path)), responses((status = 200, body = SourceView), (status = 404, body = ErrorBody), (status = 401, description = "no or invalid credentials", body = ErrorBody)))]
pub async fn get(
    _c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<SourceView>, ApiError> {
    Ok(Json(s.catalog.get_source(id).await?))
}

#[utoipa::path(post, path = "/api/v1/sources", tag = "sources", security(("token" = [])), request_body = SourceInput, responses((status = 201, body = SourceView), (status = 422, description = "a field rule broke", body = ErrorBody), (status = 401, description = "no or invalid credentials", body = ErrorBody)))]
pub async fn create(
    c: Caller,
    State(s): State<AppState>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let input: SourceInput = body(&bytes)?;
    let view = s.catalog.create_source(&c.actor, input).await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

#[utoipa::path(patch, path = "/api/v1/sources/{id}", tag = "sources", security(("token" = [])), params(("id" = i64, Path)), request_body = SourceInput, responses((status = 200, body = SourceView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody), (status = 401, description = "no or invalid credentials", body = ErrorBody)))]
pub async fn update(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<SourceView>, ApiError> {
    let input: SourceInput = body(&bytes)?;
    Ok(Json(s.catalog.update_source(&c.actor, id, input).await?))
}

#[utoipa::path(delete, path = "/api/v1/sources/{id}", tag = "sources", security(("token" = [])), params(("id" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody), (status = 401, description = "no or invalid credentials", body = ErrorBody)))]
pub async fn delete(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    s.catalog.delete_source(&c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The logo as stored (PNG).
#[utoipa::path(get, path = "/api/v1/sources/{id}/logo", tag = "sources", security(("token" = [])), params(("id" = i64, Path)), responses((status = 200, content_type = "image/png", description = "the logo as PNG"), (status = 404, body = ErrorBody)))]
pub async fn logo(
    _c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    crate::web::png(s.catalog.source_logo(id).await?, "source")
}

/// Sets the logo from the raw bytes of a PNG or JPEG file (up to 1 MB).
#[utoipa::path(put, path = "/api/v1/sources/{id}/logo", tag = "sources", security(("token" = [])), params(("id" = i64, Path)), request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "a PNG or JPEG file, at most 1 MB"), responses((status = 200, body = SourceView), (status = 422, body = ErrorBody)))]
pub async fn set_logo(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    bytes: Bytes,
) -> Result<Json<SourceView>, ApiError> {
    Ok(Json(
        s.catalog
            .set_source_logo(&c.actor, id, Some(&bytes))
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/sources/{id}/logo", tag = "sources", security(("token" = [])), params(("id" = i64, Path)), responses((status = 200, body = SourceView)))]
pub async fn remove_logo(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<SourceView>, ApiError> {
    Ok(Json(s.catalog.set_source_logo(&c.actor, id, None).await?))
}
