//! The management API, JSON under `/api/v1/`: identity sources, applications, their
//! associations, users, the audit log and admin API tokens. The console calls the same catalog
//! operations, so answers and field errors are the same in both.

mod applications;
pub mod auth;
pub mod openapi;
mod overview;
mod sources;
mod tokens;
mod users;
mod webhooks;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};

use axum::routing::{get, post, put};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::catalog::AuditView;
use crate::state::AppState;
use crate::web::ApiError;
use auth::Caller;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/sources", get(sources::list).post(sources::create))
        .route(
            "/api/v1/sources/{id}",
            get(sources::get)
                .patch(sources::update)
                .delete(sources::delete),
        )
        .route(
            "/api/v1/sources/{id}/logo",
            get(sources::logo)
                .put(sources::set_logo)
                .delete(sources::remove_logo),
        )
        .route(
            "/api/v1/applications",
            get(applications::list).post(applications::create),
        )
        .route(
            "/api/v1/applications/{id}",
            get(applications::get)
                .patch(applications::update)
                .delete(applications::delete),
        )
        .route(
            "/api/v1/applications/{id}/logo",
            get(applications::logo)
                .put(applications::set_logo)
                .delete(applications::remove_logo),
        )
        .route(
            "/api/v1/applications/{id}/rotate_secret",
            post(applications::rotate_secret),
        )
        .route(
            "/api/v1/applications/{id}/sources/{source_id}",
            put(applications::enable_source).delete(applications::disable_source),
        )
        .route("/api/v1/users", get(users::list))
        .route("/api/v1/users/{id}", get(users::get).delete(users::delete))
        .route("/api/v1/users/{id}/block", post(users::block))
        .route("/api/v1/users/{id}/unblock", post(users::unblock))
        .route(
            "/api/v1/users/{id}/merge",
            get(users::merge_preview).post(users::merge),
        )
        .route("/api/v1/users/{id}/link", post(users::link))
        .route("/api/v1/users/{id}/unlink", post(users::unlink))
        .route(
            "/api/v1/webhooks",
            get(webhooks::list).post(webhooks::create),
        )
        .route(
            "/api/v1/webhooks/{id}",
            get(webhooks::get)
                .put(webhooks::update)
                .delete(webhooks::delete),
        )
        .route(
            "/api/v1/webhooks/{id}/deliveries",
            get(webhooks::deliveries),
        )
        .route(
            "/api/v1/webhooks/{id}/deliveries/{delivery_id}/resend",
            post(webhooks::resend),
        )
        .route("/api/v1/webhooks/{id}/test", post(webhooks::test))
        .route(
            "/api/v1/users/{id}/grants/{grant_id}",
            axum::routing::delete(users::revoke_grant),
        )
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/audit", get(audit))
        .route("/api/v1/overview", get(overview::get))
        .route("/api/v1/tokens", get(tokens::list).post(tokens::create))
        .route("/api/v1/tokens/{id}", axum::routing::delete(tokens::revoke))
}

/// A JSON body, with a readable error (unknown fields named) instead of a bare 4xx.
pub fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    crate::web::json_body(bytes, "invalid_json")
}

#[derive(Deserialize)]
struct AuditQuery {
    #[serde(default)]
    limit: Option<u64>,
}

async fn audit(
    _caller: Caller,
    State(state): State<AppState>,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditView>>, ApiError> {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(state.catalog.audit_log(limit).await?))
}
