//! PC login by scanning a mini-program code (`pc_miniprogram_qrcode`): the start shows the code
//! page; the page asks for a ticket ([`browser::create`]); the code carries the ticket as its
//! scene; the phone scans and confirms through the shared ticket routes; the page, following
//! the ticket live, spends it once ([`browser::finish`]) and the login goes on to the
//! application.

mod browser;
pub mod image;
mod page;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub use page::page;

/// The computer's routes: a ticket, its code image, and the form that finishes the login.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/login/mp-qrcode", post(browser::create))
        .route(
            "/api/v1/login/mp-qrcode/{ticket}/image",
            get(browser::image),
        )
        .route("/login/mp-qrcode/{ticket}/finish", post(browser::finish))
}
