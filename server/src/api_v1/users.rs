//! `/api/v1/users`: search, read, block, unblock and delete users, and revoke their grants.

use app::model::{UserDetail, UserPage, UserQuery};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use super::auth::Caller;
use super::openapi::ErrorBody;
use crate::state::AppState;
use crate::web::ApiError;

/// Users, newest login first, a page at a time (`next_cursor`).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("token" = [])), params(UserQuery), responses((status = 200, body = UserPage), (status = 400, description = "a bad cursor or limit", body = ErrorBody), (status = 401, description = "no or invalid credentials", body = ErrorBody)))]
pub async fn list(
    _c: Caller,
    State(s): State<AppState>,
    query: Result<Query<UserQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<UserPage>, ApiError> {
    let Query(query) = query
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()))?;
    Ok(Json(s.people.list(query).await?))
}

/// One user; a deleted or merged user answers 410 with `user_deleted` or `user_merged`.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("token" = [])), params(("id" = String, Path)), responses((status = 200, body = UserDetail), (status = 404, body = ErrorBody), (status = 410, description = "deleted or merged", body = ErrorBody)))]
pub async fn get(
    _c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<UserDetail>, ApiError> {
    Ok(Json(s.people.detail(&id).await?))
}

/// Blocks the user: no login by any mode; their grants and single sign-on sessions end now.
#[utoipa::path(post, path = "/api/v1/users/{id}/block", tag = "users", security(("token" = [])), params(("id" = String, Path)), responses((status = 200, body = UserDetail), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn block(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<UserDetail>, ApiError> {
    s.people.block(&c.actor, &id).await?;
    Ok(Json(s.people.detail(&id).await?))
}

#[utoipa::path(post, path = "/api/v1/users/{id}/unblock", tag = "users", security(("token" = [])), params(("id" = String, Path)), responses((status = 200, body = UserDetail), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn unblock(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<UserDetail>, ApiError> {
    s.people.unblock(&c.actor, &id).await?;
    Ok(Json(s.people.detail(&id).await?))
}

/// Deletes the user with identities, grants, tokens and sessions (the login log keeps the ID).
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", security(("token" = [])), params(("id" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn delete(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.people.delete(&c.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes one grant: the application's refresh and access tokens for this user stop working.
#[utoipa::path(delete, path = "/api/v1/users/{id}/grants/{grant_id}", tag = "users", security(("token" = [])), params(("id" = String, Path), ("grant_id" = String, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_grant(
    c: Caller,
    State(s): State<AppState>,
    Path((id, grant_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    s.people.revoke_grant(&c.actor, &id, &grant_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
