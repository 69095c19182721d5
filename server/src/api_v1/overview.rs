//! `/api/v1/overview`: the figures behind the console's Overview (logins by day and mode, new
//! users by day, failed logins by reason, totals), for dashboards of one's own.

use app::model::Overview;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;

use super::auth::Caller;
use super::openapi::ErrorBody;
use crate::state::AppState;
use crate::web::ApiError;

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OverviewQuery {
    /// How many days, today included (1 to 366; 30 when left out).
    days: Option<u32>,
}

/// The last days' figures; days are counted in China Standard Time (UTC+8).
#[utoipa::path(get, path = "/api/v1/overview", tag = "overview", security(("token" = [])), params(OverviewQuery), responses((status = 200, body = Overview), (status = 400, description = "days out of range", body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn get(
    _c: Caller,
    State(s): State<AppState>,
    query: Result<Query<OverviewQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Overview>, ApiError> {
    let Query(query) = query
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.body_text()))?;
    let days = query.days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "days must be between 1 and 366",
        ));
    }
    let figures =
        crate::stats::overview(&s.db, s.clock.now(), crate::stats::UTC_OFFSET_HOURS, days)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "overview: storage unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database is unavailable; try again",
                )
            })?;
    Ok(Json(figures))
}
