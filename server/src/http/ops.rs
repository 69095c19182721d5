use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::state::AppState;
use crate::web::ApiError;

/// The Prometheus scrape on the main address: only with the configured bearer token (compared
/// in constant time); without a configured token the endpoint does not exist here.
pub async fn metrics(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    let Some(token) = &state.http.metrics_token else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "metrics are served with `metrics_token` or on `metrics_addr`",
        ));
    };
    let sent = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let expected = token.expose().as_bytes();
    let same = sent.len() == expected.len()
        && sent
            .bytes()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "send the metrics token as `Authorization: Bearer …`",
        ));
    }
    Ok(scrape(&state.db))
}

/// The metrics text (for the main address's guarded route and the separate metrics address).
pub fn scrape(db: &sea_orm::DatabaseConnection) -> axum::response::Response {
    use axum::response::IntoResponse;
    match crate::metrics::render(db) {
        Some(text) => (
            [(
                axum::http::header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        None => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics_unavailable",
            "no metrics recorder is installed in this process",
        )
        .into_response(),
    }
}

/// A router serving only `GET /metrics`, for `metrics_addr` (a private address: no token).
pub fn metrics_router(db: sea_orm::DatabaseConnection) -> axum::Router {
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let db = db.clone();
            async move { scrape(&db) }
        }),
    )
}

/// The process is up.
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// How long readiness waits for the database: a balancer asks often and wants an answer, not
/// the pool's own wait.
const READY_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// The process can serve: its database answers within [`READY_WAIT`].
pub async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let answer = match tokio::time::timeout(READY_WAIT, state.db.ping()).await {
        Ok(answer) => answer.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {} ms", READY_WAIT.as_millis())),
    };
    match answer {
        Ok(()) => Ok(Json(json!({ "status": "ready" }))),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check: database unreachable");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unreachable",
                "the database does not answer",
            ))
        }
    }
}
