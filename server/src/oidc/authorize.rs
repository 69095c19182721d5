//! `/oauth/authorize`: checks what the application asks for and keeps it while the person logs
//! in at `/login`. The client and its redirect URI are checked before anything else, and a
//! mismatch is an error page: Datong never redirects to a URI it has not been given. Other
//! errors go back to the application as RFC 6749 errors, with `state` and `iss` (RFC 9207).

use std::collections::HashMap;

use app::backend::RequestMeta;
use app::model::{AppType, ApplicationView};
use axum::Extension;
use axum::extract::{Form, Query, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;

use crate::crypto::token::random_token;
use crate::login::texts::Said;
use crate::state::AppState;
use crate::store::{self, entities::auth_request};

/// How long a person has to log in.
pub fn request_ttl() -> Duration {
    Duration::minutes(10)
}

/// The scopes Datong knows; others are ignored, as OpenID Connect asks.
pub const SCOPES: [&str; 4] = ["openid", "profile", "phone", "offline_access"];

/// The scopes of a `scope` parameter that Datong knows, in order (others are ignored).
pub fn known_scopes(raw: &str) -> Vec<&str> {
    raw.split(' ').filter(|s| SCOPES.contains(s)).collect()
}

/// A page for errors that must not redirect (unknown client, unregistered redirect URI).
fn error_page(headers: &HeaderMap, status: StatusCode, what: Said) -> Response {
    crate::login::page::said(headers, status, what, None)
}

/// Back to the application with an error (`state` and `iss` included).
fn error_redirect(
    headers: &HeaderMap,
    redirect_uri: &str,
    issuer: &str,
    state: Option<&str>,
    error: &str,
    description: &str,
) -> Response {
    let mut url = match url::Url::parse(redirect_uri) {
        Ok(u) => u,
        Err(_) => {
            return error_page(headers, StatusCode::BAD_REQUEST, Said::BadRedirectUrl);
        }
    };
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("error", error);
        q.append_pair("error_description", description);
        if let Some(s) = state {
            q.append_pair("state", s);
        }
        q.append_pair("iss", issuer);
    }
    Redirect::to(url.as_str()).into_response()
}

pub fn is_public(app: &ApplicationView) -> bool {
    matches!(
        app.app_type,
        AppType::Spa | AppType::Native | AppType::MiniProgram
    )
}

/// A PKCE S256 challenge: the base64url SHA-256 of a verifier, 43 characters.
pub fn valid_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `GET /oauth/authorize`.
pub async fn authorize(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    handle(state, &meta, &headers, q).await
}

/// `POST /oauth/authorize` (form-encoded, as OpenID Connect allows).
pub async fn authorize_post(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    headers: HeaderMap,
    Form(q): Form<HashMap<String, String>>,
) -> Response {
    handle(state, &meta, &headers, q).await
}

async fn handle(
    state: AppState,
    meta: &RequestMeta,
    headers: &HeaderMap,
    q: HashMap<String, String>,
) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(client_id) = get("client_id") else {
        return error_page(headers, StatusCode::BAD_REQUEST, Said::NoClientId);
    };
    let app = match state.catalog.application_by_client_id(client_id).await {
        Ok(Some(app)) => app,
        Ok(None) => {
            return error_page(headers, StatusCode::BAD_REQUEST, Said::UnknownClient);
        }
        Err(e) => {
            tracing::error!(error = %e, "authorize: catalog unavailable");
            return error_page(headers, StatusCode::SERVICE_UNAVAILABLE, Said::StorageDown);
        }
    };
    let Some(redirect_uri) = get("redirect_uri") else {
        return error_page(headers, StatusCode::BAD_REQUEST, Said::NoRedirectUri);
    };
    if !app.redirect_uris.iter().any(|u| u == redirect_uri) {
        return error_page(headers, StatusCode::BAD_REQUEST, Said::UnregisteredRedirect);
    }
    let client_state = get("state");
    let back = |error: &str, description: &str| {
        error_redirect(
            headers,
            redirect_uri,
            &state.issuer,
            client_state,
            error,
            description,
        )
    };
    match get("response_type") {
        None => return back("invalid_request", "response_type is missing"),
        Some("code") => {}
        Some(_) => {
            return back(
                "unsupported_response_type",
                "only the authorization code flow (response_type=code) is supported",
            );
        }
    }
    let scopes = known_scopes(get("scope").unwrap_or(""));
    if !scopes.contains(&"openid") {
        return back("invalid_scope", "the openid scope is required");
    }
    let challenge = get("code_challenge");
    match (challenge, get("code_challenge_method")) {
        (None, None) if is_public(&app) => {
            return back(
                "invalid_request",
                "PKCE (code_challenge with S256) is required for this application",
            );
        }
        (None, None) => {}
        (Some(c), Some("S256")) if valid_challenge(c) => {}
        (Some(_), Some("S256")) => {
            return back(
                "invalid_request",
                "code_challenge must be 43 base64url characters",
            );
        }
        (Some(_), None | Some(_)) | (None, Some(_)) => {
            return back(
                "invalid_request",
                "only code_challenge_method=S256 is supported, with a code_challenge",
            );
        }
    }
    let prompt = get("prompt");
    let prompts: Vec<&str> = prompt.unwrap_or("").split(' ').collect();
    if prompts.contains(&"none") && prompts.len() > 1 {
        return back(
            "invalid_request",
            "prompt=none cannot be combined with other values",
        );
    }
    let max_age = match get("max_age").map(str::parse::<i64>) {
        None => None,
        Some(Ok(m)) if m >= 0 => Some(m),
        Some(_) => return back("invalid_request", "max_age must be a number of seconds"),
    };
    let now = state.clock.now();
    let id = random_token();
    let row = auth_request::Model {
        id: id.clone(),
        application_id: app.id,
        redirect_uri: redirect_uri.to_string(),
        scope: scopes.join(" "),
        state: client_state.map(str::to_string),
        nonce: get("nonce").map(str::to_string),
        code_challenge: challenge.map(str::to_string),
        prompt: prompt.map(str::to_string),
        created_at: now,
        expires_at: now + request_ttl(),
    };
    // A browser already signed in gets its code at once, unless the application wants a fresh
    // login (prompt=login, or a max_age the session is older than) or does not enable the
    // source the session began with.
    let session = if prompts.contains(&"login") {
        None
    } else {
        crate::login::sso::reusable(&state, headers, &app, max_age).await
    };
    if let Some(session) = session {
        let mut who = crate::login::attempt(meta, headers);
        who.client_id = Some(app.client_id.clone());
        who.mode = Some(crate::login::Via::Sso);
        crate::login::record(
            &state,
            &who,
            crate::login::LoginOutcome::Success,
            Some("single sign-on session".into()),
            Some(&session.user_id),
        )
        .await;
        let sent = crate::login::code_for_app(
            &state,
            &row,
            &app,
            &session.user_id,
            session.auth_time,
            None,
        )
        .await;
        return sent.unwrap_or_else(|r| crate::login::refused_page(headers, &r, None));
    }
    if prompts.contains(&"none") {
        return back("login_required", "the person must log in");
    }
    let row = auth_request::ActiveModel::from(row);
    if let Err(e) = store::auth_requests::insert(&state.db, row).await {
        tracing::error!(error = %e, "authorize: cannot store the request");
        return back("temporarily_unavailable", "try again shortly");
    }
    // Inside WeChat, an application with exactly one web-page source goes straight to it
    // (`chooser=1` asks for the list instead).
    if get("chooser") != Some("1")
        && let Some(source) = crate::login::webpage::only_source(&state, &app, headers).await
    {
        let q: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("request", &id)
            .finish();
        return Redirect::to(&format!("/login/wechat/{source}?{q}")).into_response();
    }
    Redirect::to(&format!("/login?request={id}")).into_response()
}
