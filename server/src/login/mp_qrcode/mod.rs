//! PC login by scanning a mini-program code (`pc_miniprogram_qrcode`). The login page asks for
//! a ticket; the code carries the ticket as its scene; the mini program opens, reports the scan,
//! and confirms with `wx.login` and the phone-number button; Datong resolves the person; the page,
//! following the ticket's status live, spends the ticket once and the login goes on to the
//! application. Tickets are rows (they survive a restart); status changes reach every instance
//! through the hub.

mod browser;
mod confirm;
pub mod direct;
mod follow;
pub mod hub;
pub mod image;
mod page;
mod phone;
pub mod ticket;

use app::model::SourceView;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};

use crate::catalog::Credentials;
use crate::http::ApiError;
use crate::state::AppState;

pub use page::page;

/// The ticket API, the page's form target and nothing else.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/login/mp-qrcode", post(browser::create))
        .route("/api/v1/login/mp-qrcode/{ticket}", get(browser::status))
        .route(
            "/api/v1/login/mp-qrcode/{ticket}/events",
            get(browser::events),
        )
        .route(
            "/api/v1/login/mp-qrcode/{ticket}/image",
            get(browser::image),
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
        .route("/login/mp-qrcode/{ticket}/finish", post(browser::finish))
}

/// The mini program a source's code belongs to: its own with private deployment, else the
/// instance's default.
pub async fn credentials(
    state: &AppState,
    source: &SourceView,
) -> Result<Option<Credentials>, ApiError> {
    if !source.private_deployment {
        return Ok(state.default_miniprogram.clone());
    }
    Ok(state
        .catalog
        .source_for_login(&source.identifier)
        .await
        .map_err(storage)?
        .and_then(|(_, c)| c))
}

fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "ticket_unknown",
        "no such code; refresh it on the computer",
    )
}

fn storage(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "mini-program code login: storage unavailable");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "Datong cannot reach its database; try again shortly",
    )
}
