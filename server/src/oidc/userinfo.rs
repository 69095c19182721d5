//! `/oauth/userinfo` (GET or POST, bearer access token) and `/oauth/revoke` (RFC 7009).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::{OAuthError, no_store};
use crate::state::AppState;
use crate::tokens::claims::user_claims;
use crate::tokens::grants::GrantError;

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// `GET|POST /oauth/userinfo`: the claims the grant's scope allows.
pub async fn userinfo(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, OAuthError> {
    let Some(token) = bearer(&headers) else {
        let mut e = OAuthError::invalid_token("a bearer access token is required");
        e.challenge = Some("Bearer realm=\"datong\"".into());
        return Err(e);
    };
    let (person, scope) = match state.grants.userinfo(token).await {
        Ok(found) => found,
        Err(GrantError::Invalid(why)) => return Err(OAuthError::invalid_token(why)),
        Err(e) => return Err(e.into()),
    };
    Ok(no_store(Json(user_claims(&person, &scope)).into_response()))
}

/// `POST /oauth/revoke`: ends the grant behind a refresh or access token. Unknown tokens are
/// answered like known ones, as RFC 7009 asks.
pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, OAuthError> {
    let app = super::token::authenticate(&state, &headers, &form).await?;
    let Some(token) = form.get("token").filter(|t| !t.is_empty()) else {
        return Err(OAuthError::new("invalid_request", "token is missing"));
    };
    state.grants.revoke(&app, token).await?;
    Ok(no_store(StatusCode::OK.into_response()))
}
