//! The routes of tickets (the rules and the hub are `crate::tickets`'): the mini program's
//! scan, confirm and cancel ([`phone`]), and the holder's status, as one answer or a stream
//! ([`follow`], and [`direct`] for connections that carry nothing but a stream).

pub mod direct;
pub mod follow;
pub mod phone;

pub use crate::tickets::*;
use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

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
