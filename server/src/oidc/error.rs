//! OAuth 2.0 errors as the token, userinfo and revocation endpoints return them (RFC 6749 §5.2,
//! RFC 6750 §3): a JSON body with a standard `error` code and a description, never cached.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::tokens::grants::GrantError;

#[derive(Debug)]
pub struct OAuthError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
    /// The `WWW-Authenticate` challenge to send with a 401.
    pub challenge: Option<String>,
    /// Datong's stable reason (`datong_reason`), where the standard code is too coarse.
    pub reason: Option<&'static str>,
    /// More members of the body (the binding handle of `interaction_required`).
    pub extra: Vec<(&'static str, String)>,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> OAuthError {
        OAuthError {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
            challenge: None,
            reason: None,
            extra: Vec::new(),
        }
    }

    /// 401 `invalid_client`; with `basic`, the Basic challenge RFC 6749 asks for.
    pub fn invalid_client(basic: bool) -> OAuthError {
        OAuthError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "client authentication failed".into(),
            challenge: basic.then(|| "Basic realm=\"datong\"".to_string()),
            reason: None,
            extra: Vec::new(),
        }
    }

    /// 401 `invalid_token` for a bearer token (RFC 6750).
    pub fn invalid_token(description: &str) -> OAuthError {
        OAuthError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_token",
            description: description.into(),
            challenge: Some(format!(
                "Bearer error=\"invalid_token\", error_description=\"{description}\""
            )),
            reason: None,
            extra: Vec::new(),
        }
    }

    pub fn unavailable() -> OAuthError {
        OAuthError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            error: "temporarily_unavailable",
            description: "try again shortly".into(),
            challenge: None,
            reason: None,
            extra: Vec::new(),
        }
    }
}

impl From<GrantError> for OAuthError {
    fn from(e: GrantError) -> OAuthError {
        match e {
            GrantError::Invalid(why) => OAuthError::new("invalid_grant", why),
            GrantError::Foreign => OAuthError::new(
                "unauthorized_client",
                "the token was issued to another client",
            ),
            other => {
                tracing::error!(error = %other, "token endpoint: storage or signing failed");
                OAuthError::unavailable()
            }
        }
    }
}

/// Token answers must not be cached (RFC 6749 §5.1).
pub fn no_store(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": self.error, "error_description": self.description});
        if let Some(r) = self.reason {
            body["datong_reason"] = json!(r);
        }
        for (k, v) in self.extra {
            body[k] = json!(v);
        }
        let mut response = (self.status, Json(body)).into_response();
        if let Some(c) = self.challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, c);
        }
        no_store(response)
    }
}
