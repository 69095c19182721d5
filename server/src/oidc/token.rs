//! `/oauth/token`: client authentication (client_secret_basic, client_secret_post, or none for
//! public clients, which PKCE protects), then the grant: `authorization_code`, `refresh_token`
//! or the WeChat grant (`login::grant`).

use std::collections::HashMap;

use app::backend::RequestMeta;
use app::model::ApplicationView;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::authorize::is_public;
use super::error::{OAuthError, no_store};
use crate::login::grant;
use crate::state::AppState;

/// `client_id:client_secret` from a Basic header, each form-urlencoded (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), ()>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decode = || -> Option<(String, String)> {
        let raw = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
        let (id, secret) = raw.split_once(':')?;
        let unescape = |s: &str| {
            form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        Some((unescape(id)?, unescape(secret)?))
    };
    Some(decode().ok_or(()))
}

/// The calling application, authenticated as its type requires.
pub async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<ApplicationView, OAuthError> {
    let posted_secret = form.get("client_secret").filter(|s| !s.is_empty());
    let (client_id, secret, basic) = match basic_credentials(headers) {
        Some(Err(())) => return Err(OAuthError::invalid_client(true)),
        Some(Ok(_)) if posted_secret.is_some() => {
            return Err(OAuthError::new(
                "invalid_request",
                "use one client authentication method, not two",
            ));
        }
        Some(Ok((id, secret))) => (id, Some(secret), true),
        None => match form.get("client_id").filter(|s| !s.is_empty()) {
            Some(id) => (id.clone(), posted_secret.cloned(), false),
            None => return Err(OAuthError::invalid_client(false)),
        },
    };
    if let Some(id) = form.get("client_id")
        && *id != client_id
    {
        return Err(OAuthError::new(
            "invalid_request",
            "client_id differs from the authenticated client",
        ));
    }
    let found = match &secret {
        Some(s) => state.catalog.authenticate_client(&client_id, s).await,
        None => state
            .catalog
            .application_by_client_id(&client_id)
            .await
            .map(|app| app.filter(is_public)),
    };
    match found {
        Ok(Some(app)) => Ok(app),
        Ok(None) => Err(OAuthError::invalid_client(basic)),
        Err(e) => {
            tracing::error!(error = %e, "token endpoint: catalog unavailable");
            Err(OAuthError::unavailable())
        }
    }
}

/// `POST /oauth/token`.
pub async fn token(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, OAuthError> {
    let app = authenticate(&state, &headers, &form).await?;
    let get = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let issued = match get("grant_type") {
        Some("authorization_code") => {
            let code =
                get("code").ok_or_else(|| OAuthError::new("invalid_request", "code is missing"))?;
            state
                .grants
                .redeem_code(&app, code, get("redirect_uri"), get("code_verifier"))
                .await?
        }
        Some("refresh_token") => {
            let token = get("refresh_token")
                .ok_or_else(|| OAuthError::new("invalid_request", "refresh_token is missing"))?;
            state.grants.refresh(&app, token).await?
        }
        Some(grant::GRANT_TYPE) => {
            let who = crate::login::attempt(&meta, &headers);
            grant::grant(&state, &app, &form, who).await?
        }
        Some(_) => {
            return Err(OAuthError::new(
                "unsupported_grant_type",
                "supported: authorization_code, refresh_token and the WeChat grant",
            ));
        }
        None => return Err(OAuthError::new("invalid_request", "grant_type is missing")),
    };
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "id_token": issued.id_token,
        "scope": issued.scope,
    });
    if let Some(r) = issued.refresh_token {
        body["refresh_token"] = json!(r);
    }
    Ok(no_store(Json(body).into_response()))
}
