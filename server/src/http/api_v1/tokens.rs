//! `/api/v1/tokens`: admin API tokens, managed from a console session only (a token cannot
//! mint or revoke tokens).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::auth::{Caller, new_token};
use super::body;
use crate::crypto::token::token_hash;
use crate::http::ApiError;
use crate::state::AppState;
use crate::store;

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

fn db(_: store::StoreError) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "the database is unavailable",
    )
}

#[derive(Serialize)]
pub struct TokenView {
    id: i64,
    name: String,
    created_by: String,
    created_at: String,
    revoked_at: Option<String>,
    last_used_at: Option<String>,
}

pub async fn list(c: Caller, State(s): State<AppState>) -> Result<Json<Vec<TokenView>>, ApiError> {
    session_only(&c)?;
    let rows = store::api_tokens::list(&s.db).await.map_err(db)?;
    Ok(Json(
        rows.into_iter()
            .map(|t| TokenView {
                id: t.id,
                name: t.name,
                created_by: t.created_by,
                created_at: t.created_at.to_rfc3339(),
                revoked_at: t.revoked_at.map(|d| d.to_rfc3339()),
                last_used_at: t.last_used_at.map(|d| d.to_rfc3339()),
            })
            .collect(),
    ))
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
    app::model::validate::name("name", &req.name).map_err(|e| ApiError::validation(vec![e]))?;
    let token = new_token();
    let row = store::api_tokens::insert(
        &s.db,
        req.name.trim(),
        &token_hash(&token),
        &c.actor.label(),
        s.clock.now(),
    )
    .await
    .map_err(db)?;
    store::audit::record(
        &s.db,
        s.clock.now(),
        &c.actor.label(),
        "token.create",
        &format!("token:{}", row.name),
        None,
        None,
    )
    .await
    .map_err(db)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": row.id, "name": row.name, "token": token})),
    )
        .into_response())
}

pub async fn revoke(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    session_only(&c)?;
    if !store::api_tokens::revoke(&s.db, id, s.clock.now())
        .await
        .map_err(db)?
    {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no live token has this id",
        ));
    }
    store::audit::record(
        &s.db,
        s.clock.now(),
        &c.actor.label(),
        "token.revoke",
        &format!("token:{id}"),
        None,
        None,
    )
    .await
    .map_err(db)?;
    Ok(StatusCode::NO_CONTENT)
}
