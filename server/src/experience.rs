//! "Experience login": Datong acts as a built-in client of the chosen application, with its
//! redirect URI inside the console. The start creates the authorization request directly (the
//! redirect URI is ours, not one of the application's) and opens the hosted login page; the
//! callback checks `state` against the console browser's cookie, redeems the code like any
//! client would, and shows the user. Only a signed-in administrator reaches these routes.

pub mod device;

use std::collections::HashMap;

use app::cookies;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use crate::crypto::token::random_token;
use crate::login::texts::Said;
use crate::login::{page, secure_cookies, sso, unavailable, with_cookie};
use crate::oidc::authorize::request_ttl;
use crate::state::AppState;
use crate::store::{self, entities::auth_request};

const STATE_COOKIE: &str = "datong_experience";
pub const CALLBACK: &str = "/console/experience/callback";

/// `GET /console/experience/{client_id}`: a login for the application, through `/login`; for a
/// mini-program or native application, the phone page first (`?browser=1` skips it).
pub async fn start(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if q.get("browser").map(String::as_str) != Some("1")
        && let Ok(Some(app)) = state.catalog.application_by_client_id(&client_id).await
        && device::is_device_app(&app)
    {
        return Redirect::to(&format!("/console/experience/{client_id}/device")).into_response();
    }
    begin(&state, &client_id, &headers, true).await
}

/// `GET /console/experience/{client_id}/initiate?iss=…&target_link_uri=…`: the experience
/// client's OpenID Connect third-party login initiation, so that a source's callback URL can
/// point here: a login started by Datong (the direct login link) continues as an ordinary
/// authorization request, which the single sign-on session answers without a second scan.
pub async fn initiate(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if q.get("iss").map(|i| i.trim_end_matches('/')) != Some(state.issuer.as_str()) {
        return page::said(&headers, StatusCode::BAD_REQUEST, Said::OtherIssuer, None);
    }
    begin(&state, &client_id, &headers, false).await
}

async fn begin(state: &AppState, client_id: &str, headers: &HeaderMap, fresh: bool) -> Response {
    let state = state.clone();
    let client_id = client_id.to_string();
    let app = match state.catalog.application_by_client_id(&client_id).await {
        Ok(Some(app)) => app,
        Ok(None) => {
            return page::said(headers, StatusCode::NOT_FOUND, Said::UnknownClient, None);
        }
        Err(e) => return unavailable(e),
    };
    let now = state.clock.now();
    let id = random_token();
    let client_state = random_token();
    // PKCE and a nonce, as any client should: whoever sees the callback URL cannot redeem its
    // code, even for a public application.
    let verifier = random_token();
    let nonce = random_token();
    let row = auth_request::Model {
        id: id.clone(),
        application_id: app.id,
        redirect_uri: format!("{}{CALLBACK}", state.issuer),
        scope: "openid profile phone".into(),
        state: Some(client_state.clone()),
        nonce: Some(nonce.clone()),
        code_challenge: Some(crate::tokens::grants::s256(&verifier)),
        prompt: fresh.then(|| "login".into()),
        created_at: now,
        expires_at: now + request_ttl(),
    };
    // An initiated login continues the single sign-on session the direct link began.
    let session = match fresh {
        true => None,
        false => crate::login::sso::reusable(&state, headers, &app, None).await,
    };
    let sent = match session {
        Some(s) => {
            let sent =
                crate::login::code_for_app(&state, &row, &app, &s.user_id, s.auth_time, None);
            Some(sent.await)
        }
        None => None,
    };
    if sent.is_none()
        && let Err(e) = store::auth_requests::insert(&state.db, row.into()).await
    {
        return unavailable(e);
    }
    let cookie = cookies::set(
        STATE_COOKIE,
        &format!("{client_state}.{client_id}.{verifier}.{nonce}"),
        request_ttl().num_seconds(),
        true,
        secure_cookies(&state),
    );
    if let Some(sent) = sent {
        let response = sent.unwrap_or_else(|r| crate::login::refused_page(headers, &r, None));
        return with_cookie(response, &cookie);
    }
    // As for any application: inside WeChat its only web-page source opens directly.
    let to = match crate::login::webpage::only_source(&state, &app, headers).await {
        Some(source) => format!("/login/wechat/{source}?request={id}"),
        None => format!("/login?request={id}"),
    };
    with_cookie(Redirect::to(&to).into_response(), &cookie)
}

/// `GET /console/experience/callback`: the code, redeemed; then the result page.
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let expected = cookies::get(&headers, STATE_COOKIE).unwrap_or_default();
    let parts: Vec<&str> = expected.split('.').collect();
    let [cookie_state, client_id, verifier, nonce] = parts[..] else {
        return mismatch(&headers);
    };
    if q.get("state").map(String::as_str) != Some(cookie_state) {
        return mismatch(&headers);
    }
    if let Some(error) = q.get("error") {
        tracing::info!(error, "experience login: the application received an error");
        let again = format!("/console/experience/{client_id}");
        return page::said(
            &headers,
            StatusCode::OK,
            Said::ExperienceNoUser,
            Some(&again),
        );
    }
    let app = match state.catalog.application_by_client_id(client_id).await {
        Ok(Some(app)) => app,
        Ok(None) => return mismatch(&headers),
        Err(e) => return unavailable(e),
    };
    let code = q.get("code").map(String::as_str).unwrap_or("");
    let redirect = format!("{}{CALLBACK}", state.issuer);
    let issued = match state
        .grants
        .redeem_code(&app, code, Some(&redirect), Some(verifier))
        .await
    {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(error = %e, "experience login: the code was refused");
            let again = format!("/console/experience/{client_id}");
            let what = Said::ExperienceCodeRefused;
            return page::said(&headers, StatusCode::BAD_REQUEST, what, Some(&again));
        }
    };
    let sub = match id_token_subject(&state, &issued.id_token, client_id, nonce).await {
        Some(sub) => sub,
        None => return unavailable("the ID token did not verify"),
    };
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("user", &sub)
        .append_pair("app", client_id)
        .finish();
    let clear = cookies::set(STATE_COOKIE, "", 0, true, false);
    with_cookie(
        Redirect::to(&format!("/console/experience/result?{query}")).into_response(),
        &clear,
    )
}

fn mismatch(headers: &HeaderMap) -> Response {
    page::said(
        headers,
        StatusCode::BAD_REQUEST,
        Said::ExperienceMismatch,
        None,
    )
}

/// `GET /console/experience/{client_id}/logout`: ends the single sign-on session and starts
/// a fresh experience login.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(client_id): Path<String>,
) -> Response {
    match sso::end(&state, &headers).await {
        Ok(cookie) => with_cookie(
            Redirect::to(&format!("/console/experience/{client_id}")).into_response(),
            &cookie,
        ),
        Err(e) => unavailable(e),
    }
}

/// The `sub` of an ID token this client just received, once its signature, audience and nonce
/// check out.
async fn id_token_subject(
    state: &AppState,
    id_token: &str,
    client_id: &str,
    nonce: &str,
) -> Option<String> {
    let claims = state.grants.signed_by_us(id_token).await.ok()??;
    let ours = claims["aud"] == client_id && claims["nonce"] == nonce;
    ours.then(|| claims["sub"].as_str().map(str::to_string))
        .flatten()
}
