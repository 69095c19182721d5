//! `/api/v1/users`: search, read, block, unblock and delete users, revoke their grants, and
//! merge, link and unlink.

use app::model::{
    IdentityRef, MergePreview, MergeRequest, Unlinked, UserDetail, UserPage, UserQuery,
};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use super::auth::Caller;
use super::openapi::ErrorBody;
use crate::state::AppState;
use crate::web::{ApiError, json_body};

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

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct MergeFrom {
    /// The user that would be merged into this one.
    pub from: String,
}

/// What merging `from` into this user would do: both users, the profile fields side by side
/// (conflicts marked) and whether it would be refused.
#[utoipa::path(get, path = "/api/v1/users/{id}/merge", tag = "users", security(("token" = [])), params(("id" = String, Path), MergeFrom), responses((status = 200, body = MergePreview), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "the other user is gone", body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn merge_preview(
    _c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<MergeFrom>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<MergePreview>, ApiError> {
    let Query(q) = query
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()))?;
    Ok(Json(s.people.merge_preview(&id, q.from.trim()).await?))
}

/// Merges the user `from` into this one in one transaction: identities, unionid claims and
/// grants (revoked) move; conflicting profile fields keep this user's value unless named in
/// `use_from`; `from` answers 410 `user_merged` from then on.
#[utoipa::path(post, path = "/api/v1/users/{id}/merge", tag = "users", security(("token" = [])), params(("id" = String, Path)), request_body = MergeRequest, responses((status = 200, body = UserDetail), (status = 400, description = "merging into itself, an unknown field", body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "refused: two unionids, or the other user is gone", body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn merge(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<UserDetail>, ApiError> {
    let req: MergeRequest = json_body(&body, "invalid_json")?;
    s.people.merge(&c.actor, &id, &req).await?;
    Ok(Json(s.people.detail(&id).await?))
}

/// Moves an identity of another user to this one. The other user is merged into this one if
/// it is left with no identity.
#[utoipa::path(post, path = "/api/v1/users/{id}/link", tag = "users", security(("token" = [])), params(("id" = String, Path)), request_body = IdentityRef, responses((status = 200, body = UserDetail), (status = 404, description = "no such user or identity", body = ErrorBody), (status = 409, description = "refused: already linked, two unionids, a shared unionid", body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn link(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<UserDetail>, ApiError> {
    let req: IdentityRef = json_body(&body, "invalid_json")?;
    s.people.link(&c.actor, &id, req.identity_id).await?;
    Ok(Json(s.people.detail(&id).await?))
}

/// Moves one of this user's identities into a new user of its own.
#[utoipa::path(post, path = "/api/v1/users/{id}/unlink", tag = "users", security(("token" = [])), params(("id" = String, Path)), request_body = IdentityRef, responses((status = 201, body = Unlinked), (status = 404, description = "no such user or identity of it", body = ErrorBody), (status = 409, description = "refused: the last identity, a shared unionid", body = ErrorBody), (status = 410, body = ErrorBody)))]
pub async fn unlink(
    c: Caller,
    State(s): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<Unlinked>), ApiError> {
    let req: IdentityRef = json_body(&body, "invalid_json")?;
    let user_id = s.people.unlink(&c.actor, &id, req.identity_id).await?;
    Ok((StatusCode::CREATED, Json(Unlinked { user_id })))
}
