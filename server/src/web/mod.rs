//! The small web helpers every handler shares: the JSON error type and body extractor, HTML
//! escaping and image answers. A leaf: it imports nothing else of this crate (only `app`), so any layer may
//! use it without pulling in the router or the state.

mod error;
pub mod qr;

pub use error::{ApiError, json_body};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Escapes text for HTML content and attribute values (the console's charts use it too).
pub use app::html::escape_html;

/// A stored PNG logo, or 404 `not_found` naming its `owner` ("application", "source").
pub fn png(logo: Option<Vec<u8>>, owner: &str) -> Result<Response, ApiError> {
    match logo {
        Some(png) => {
            let mut r = png.into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
            Ok(r)
        }
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("this {owner} has no logo"),
        )),
    }
}

/// An image made here (PNG or JPEG, told by its first bytes), cached privately for `max_age`
/// seconds.
pub fn image(bytes: Vec<u8>, max_age: u32) -> Response {
    let kind = if bytes.starts_with(&[0xFF, 0xD8]) {
        "image/jpeg"
    } else {
        "image/png"
    };
    let cache = HeaderValue::from_str(&format!("private, max-age={max_age}"))
        .unwrap_or(HeaderValue::from_static("private"));
    let mut r = bytes.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    r.headers_mut().insert(header::CACHE_CONTROL, cache);
    r
}
