//! `/.well-known/openid-configuration` and `/oauth/jwks`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::state::AppState;
use crate::web::ApiError;

/// The provider's metadata (OpenID Connect Discovery 1.0), every URL under the issuer.
pub fn metadata(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth/authorize"),
        "token_endpoint": format!("{issuer}/oauth/token"),
        "userinfo_endpoint": format!("{issuer}/oauth/userinfo"),
        "jwks_uri": format!("{issuer}/oauth/jwks"),
        "revocation_endpoint": format!("{issuer}/oauth/revoke"),
        "end_session_endpoint": format!("{issuer}/oauth/logout"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", crate::login::grant::GRANT_TYPE],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile", "phone", "offline_access"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "name", "nickname",
            "picture", "gender", "phone_number", "phone_number_verified", "locale", "updated_at",
            "unionid", crate::tokens::claims::WECHAT_IDENTITIES,
        ],
        "prompt_values_supported": ["none", "login"],
        "authorization_response_iss_parameter_supported": true,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "claims_parameter_supported": false,
    })
}

fn cacheable(mut response: Response, max_age: &'static str) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(max_age));
    response
}

pub async fn openid_configuration(State(state): State<AppState>) -> Response {
    cacheable(
        Json(metadata(&state.issuer)).into_response(),
        "public, max-age=3600",
    )
}

pub async fn jwks(State(state): State<AppState>) -> Result<Response, ApiError> {
    let keys = state.signing_keys.jwks().await.map_err(|e| {
        tracing::error!(error = %e, "cannot read the signing keys");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the signing keys cannot be read; try again shortly",
        )
    })?;
    // Short: a rotation must reach relying parties well before the old key retires.
    Ok(cacheable(Json(keys).into_response(), "public, max-age=300"))
}
