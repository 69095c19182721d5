//! `/oauth/logout` (OpenID Connect RP-initiated logout): ends the browser's single sign-on
//! session, then returns to the application's registered post-logout URI (exact match) with
//! `state`, or shows a "signed out" page. An unregistered URI is never followed.

use std::collections::HashMap;

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::login::{page, sso, unavailable};
use crate::state::AppState;

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    handle(state, headers, q).await
}

pub async fn logout_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(q): Form<HashMap<String, String>>,
) -> Response {
    handle(state, headers, q).await
}

/// The client the request names: `client_id`, else the audience of `id_token_hint` (its
/// signature must verify; an expired hint is fine, as logout comes late).
async fn client_id(state: &AppState, q: &HashMap<String, String>) -> Option<String> {
    if let Some(id) = q.get("client_id").filter(|s| !s.is_empty()) {
        return Some(id.clone());
    }
    let hint = q.get("id_token_hint")?;
    let jwks = state.signing_keys.jwks().await.ok()?;
    let claims = super::jwt::verify(hint, &jwks.keys).ok()?;
    (claims["iss"] == state.issuer.as_str())
        .then(|| claims["aud"].as_str().map(str::to_string))
        .flatten()
}

async fn handle(state: AppState, headers: HeaderMap, q: HashMap<String, String>) -> Response {
    let target = match q.get("post_logout_redirect_uri").filter(|s| !s.is_empty()) {
        None => None,
        Some(uri) => {
            let app = match client_id(&state, &q).await {
                Some(id) => state
                    .catalog
                    .application_by_client_id(&id)
                    .await
                    .ok()
                    .flatten(),
                None => None,
            };
            match app {
                Some(app) if app.post_logout_redirect_uris.iter().any(|u| u == uri) => {
                    Some(uri.clone())
                }
                _ => {
                    return page::problem(
                        StatusCode::BAD_REQUEST,
                        "This post_logout_redirect_uri is not registered for the application (it must match exactly, and the application must be named by client_id or id_token_hint). You were not signed out.",
                        "此 post_logout_redirect_uri 未在应用中登记（须完全一致，且须以 client_id 或 id_token_hint 指明应用）。未执行退出。",
                        None,
                    );
                }
            }
        }
    };
    let cookie = match sso::end(&state, &headers).await {
        Ok(c) => c,
        Err(e) => return unavailable(e),
    };
    let mut response = match target {
        Some(uri) => match url::Url::parse(&uri) {
            Ok(mut url) => {
                if let Some(s) = q.get("state") {
                    url.query_pairs_mut().append_pair("state", s);
                }
                Redirect::to(url.as_str()).into_response()
            }
            Err(e) => return unavailable(e),
        },
        None => page::notice(
            "Signed out",
            "You are signed out of Datong. Applications you used may keep you signed in until you sign out there too.",
            "你已退出大同。已登录的应用可能仍保持登录，需在应用中单独退出。",
        ),
    };
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}
