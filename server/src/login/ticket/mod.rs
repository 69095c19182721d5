//! The routes of tickets (the rules and the hub are `crate::tickets`'): the mini program's
//! scan, confirm and cancel ([`phone`]), and the holder's status, as one answer or a stream
//! ([`follow`], and [`direct`] for connections that carry nothing but a stream).

pub mod direct;
pub mod follow;
pub mod phone;

pub use crate::tickets::*;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use sea_orm::Set;

use crate::crypto::token::token_hash;
use crate::login::refusal::{Reason, Refusal};
use crate::state::AppState;
use crate::store::entities::mp_ticket;
use crate::store::mp_tickets;
use crate::web::ApiError;

/// A new waiting ticket of request `request_id` with source `source_id`, held by `holder` (the
/// hash of the browser that shows the code, or an app's PKCE binding): the ticket and its
/// expiry. At most the instance's limit of tickets per minute from one address.
pub async fn open(
    state: &AppState,
    ip: &str,
    request_id: &str,
    source_id: i64,
    holder: &str,
) -> Result<(String, DateTime<Utc>), Refusal> {
    let now = state.clock.now();
    let recent =
        mp_tickets::created_from(&state.db, ip, now - chrono::Duration::minutes(1)).await?;
    if recent >= u64::from(state.ticket_limit) {
        return Err(Reason::RateLimited.into());
    }
    let ticket = new_ticket();
    let expires_at = now + lifetime();
    mp_tickets::insert(
        &state.db,
        mp_ticket::ActiveModel {
            id: Set(token_hash(&ticket)),
            request_id: Set(request_id.to_string()),
            source_id: Set(source_id),
            browser_hash: Set(holder.to_string()),
            ip: Set(ip.to_string()),
            status: Set(Status::Waiting.as_str().into()),
            reason: Set(None),
            user_id: Set(None),
            created_at: Set(now),
            expires_at: Set(expires_at),
            updated_at: Set(now),
            image: Set(None),
        },
    )
    .await?;
    Ok((ticket, expires_at))
}

/// The API answer of a refused ticket creation (`Retry-After` when rate limited).
pub fn refused(r: Refusal) -> Response {
    let limited = r.reason == Reason::RateLimited;
    let mut response = ApiError::from(r).into_response();
    if limited {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    }
    response
}

/// The followers' and the phone's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/login/mp-qrcode/{ticket}", get(follow::status))
        .route(
            "/api/v1/login/mp-qrcode/{ticket}/events",
            get(follow::events),
        )
        .route("/api/v1/login/mp-qrcode/{ticket}/scan", post(phone::scan))
        .route(
            "/api/v1/login/mp-qrcode/{ticket}/confirm",
            post(phone::confirm),
        )
        .route(
            "/api/v1/login/mp-qrcode/{ticket}/cancel",
            post(phone::cancel),
        )
}
