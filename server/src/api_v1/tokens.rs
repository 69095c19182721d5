//! `/api/v1/tokens`: admin API tokens, managed from a console session only (a token cannot
//! mint or revoke tokens).

use app::model::{ApiTokenView, NewApiToken};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::auth::Caller;
use super::body;
use crate::state::AppState;
use crate::web::ApiError;

fn session_only(c: &Caller) -> Result<(), ApiError> {
    if c.session {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "session_required",
            "API tokens are managed from a signed-in console session",
        ))
    }
}

pub async fn list(
    c: Caller,
    State(s): State<AppState>,
) -> Result<Json<Vec<ApiTokenView>>, ApiError> {
    session_only(&c)?;
    Ok(Json(s.catalog.list_tokens().await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: String,
}

/// 201 with the token, shown this once.
pub async fn create(
    c: Caller,
    State(s): State<AppState>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    session_only(&c)?;
    let req: NewToken = body(&bytes)?;
    let created: NewApiToken = s.catalog.create_token(&c.actor, &req.name).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

pub async fn revoke(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    session_only(&c)?;
    s.catalog.revoke_token(&c.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
