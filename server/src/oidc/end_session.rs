//! `/oauth/logout` (OpenID Connect RP-initiated logout): ends the browser's single sign-on
//! session, then returns to the application's registered post-logout URI (exact match) with
//! `state`, or shows a "signed out" page. An unregistered URI is never followed. Without an
//! `id_token_hint` for the signed-in user the person confirms first (a POST carrying a token
//! derived from their session cookie), so another site cannot sign them out.

use std::collections::HashMap;

use app::cookies;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use crate::crypto::token::token_hash;
use crate::login::texts::{Said, lang_of, said};
use crate::login::{page, sso, unavailable, with_cookie};
use crate::state::AppState;
use crate::web::escape_html as esc;

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

/// The claims of `id_token_hint` if it is one of our ID tokens (an expired one is fine: logout
/// comes late).
async fn hint(state: &AppState, q: &HashMap<String, String>) -> Option<Value> {
    let hint = q.get("id_token_hint").filter(|h| !h.is_empty())?;
    state.grants.signed_by_us(hint).await.ok().flatten()
}

/// What the confirmation form must send back: only this browser's session cookie yields it.
fn confirmation(headers: &HeaderMap) -> Option<String> {
    cookies::get(headers, sso::SSO_COOKIE).map(|c| token_hash(&format!("{c}:logout")))
}

fn refused(headers: &HeaderMap, what: Said) -> Response {
    page::said(headers, StatusCode::BAD_REQUEST, what, None)
}

async fn handle(state: AppState, headers: HeaderMap, q: HashMap<String, String>) -> Response {
    let hint = hint(&state, &q).await;
    let hinted_client = hint
        .as_ref()
        .and_then(|h| h["aud"].as_str().map(str::to_string));
    let client_id = match (q.get("client_id").filter(|c| !c.is_empty()), &hinted_client) {
        (Some(c), Some(h)) if c != h => {
            return refused(&headers, Said::LogoutMismatch);
        }
        (Some(c), _) => Some(c.clone()),
        (None, h) => h.clone(),
    };
    let target = match q.get("post_logout_redirect_uri").filter(|s| !s.is_empty()) {
        None => None,
        Some(uri) => {
            let app = match &client_id {
                Some(id) => state
                    .catalog
                    .application_by_client_id(id)
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
                    return refused(&headers, Said::UnregisteredLogoutRedirect);
                }
            }
        }
    };
    let session = match sso::current(&state, &headers).await {
        Ok(s) => s,
        Err(e) => return unavailable(e),
    };
    if let Some(session) = &session {
        let hinted_user = hint
            .as_ref()
            .is_some_and(|h| h["sub"] == session.user_id.as_str());
        let confirmed =
            q.contains_key("confirm") && q.get("confirm") == confirmation(&headers).as_ref();
        if !hinted_user && !confirmed {
            let token = confirmation(&headers).unwrap_or_default();
            return confirm_page(&headers, &q, token, client_id);
        }
    }
    let cookie = match sso::end(&state, &headers).await {
        Ok(c) => c,
        Err(e) => return unavailable(e),
    };
    let response = match target {
        Some(uri) => match url::Url::parse(&uri) {
            Ok(mut url) => {
                if let Some(s) = q.get("state") {
                    url.query_pairs_mut().append_pair("state", s);
                }
                Redirect::to(url.as_str()).into_response()
            }
            Err(e) => return unavailable(e),
        },
        None => page::notice(&headers, Said::SignedOutTitle, Said::SignedOut),
    };
    with_cookie(response, &cookie)
}

/// "Sign out of Datong?" with a form that posts the request back with the confirmation.
fn confirm_page(
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    token: String,
    client_id: Option<String>,
) -> Response {
    let lang = lang_of(headers);
    let mut fields = format!(
        "<input type=\"hidden\" name=\"confirm\" value=\"{}\">",
        esc(&token)
    );
    for key in ["post_logout_redirect_uri", "state"] {
        if let Some(v) = q.get(key) {
            fields.push_str(&format!(
                "<input type=\"hidden\" name=\"{key}\" value=\"{}\">",
                esc(v)
            ));
        }
    }
    if let Some(c) = client_id {
        fields.push_str(&format!(
            "<input type=\"hidden\" name=\"client_id\" value=\"{}\">",
            esc(&c)
        ));
    }
    let question = said(Said::SignOutQuestion, lang);
    let body = format!(
        "<h1>{question}</h1>\
<form method=\"post\" action=\"/oauth/logout\" data-testid=\"logout-form\">{fields}\
<button type=\"submit\" data-testid=\"logout-confirm\">{}</button></form>",
        said(Said::SignOutButton, lang)
    );
    page::document(lang, question, &body, None).into_response()
}
