//! The end user's side of a login: one module per WeChat mode (each with its start and its
//! finish), the single sign-on session, and the step every mode ends with: a code for the
//! application, sent to its redirect URI with `state` and `iss`.

mod finish;
pub mod mp_qrcode;
pub mod page;
pub mod pc_qrcode;
pub mod sso;

use app::backend::RequestMeta;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};

use crate::crypto::token::{random_token, token_hash};
use crate::identity::{Outcome, Policy, Sighting};
use crate::oidc::grants::CodeRequest;
use crate::state::AppState;
use crate::store::entities::auth_request;
use crate::store::logins::{self, LogLine};

/// The cookie that binds a WeChat `state` to the browser that started the login.
pub const BROWSER_COOKIE: &str = "datong_login";

/// The browser a login is bound to: the one its `datong_login` cookie names, or a new one. A
/// login's rows keep [`token_hash`] of it; [`browser_cookie`] sets it.
pub struct Browser {
    id: String,
}

impl Browser {
    pub fn of(headers: &HeaderMap) -> Browser {
        Browser {
            id: app::cookies::get(headers, BROWSER_COOKIE).unwrap_or_else(random_token),
        }
    }

    /// What the database keeps of it.
    pub fn hash(&self) -> String {
        token_hash(&self.id)
    }

    /// The cookie that binds later requests of this browser to the login.
    pub fn cookie(&self, state: &AppState) -> String {
        app::cookies::set(
            BROWSER_COOKIE,
            &self.id,
            86_400,
            true,
            secure_cookies(state),
        )
    }
}

/// The hash of the browser a request comes from, if it has our cookie.
pub fn browser_hash(headers: &HeaderMap) -> Option<String> {
    app::cookies::get(headers, BROWSER_COOKIE).map(|b| token_hash(&b))
}

/// Who is logging in, for the login log: the line each outcome completes.
pub type Attempt = LogLine;

/// The log line of a request: its address and user agent.
pub fn attempt(meta: &RequestMeta, headers: &HeaderMap) -> Attempt {
    LogLine {
        ip: Some(meta.ip.clone()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        ..LogLine::default()
    }
}

/// Writes `who`'s login-log line with its outcome; a failure to write is logged, never shown
/// to the person.
pub async fn record(
    state: &AppState,
    who: &Attempt,
    outcome: &str,
    detail: Option<String>,
    user_id: Option<&str>,
) {
    let line = LogLine {
        outcome: outcome.to_string(),
        detail,
        user_id: user_id.map(str::to_string),
        ..who.clone()
    };
    if let Err(e) = logins::log(&state.db, state.clock.now(), line).await {
        tracing::error!(error = %e, outcome, "login log: cannot write");
    }
}

/// The "storage is down" page.
pub fn unavailable(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "login: storage unavailable");
    page::problem(
        StatusCode::SERVICE_UNAVAILABLE,
        "Datong cannot reach its database; try again shortly.",
        "大同暂时无法访问数据库，请稍后再试。",
        None,
    )
}

/// Where the person goes back to: the application's redirect URI with the code (or an error),
/// `state` and `iss`.
pub fn back_to_app(
    req: &auth_request::Model,
    issuer: &str,
    params: &[(&str, &str)],
) -> Result<Response, url::ParseError> {
    let mut url = url::Url::parse(&req.redirect_uri)?;
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
        if let Some(s) = &req.state {
            q.append_pair("state", s);
        }
        q.append_pair("iss", issuer);
    }
    Ok(Redirect::to(url.as_str()).into_response())
}

/// The last step of every login: a code for the request's application, and the person back
/// at its redirect URI. `sso_cookie` (a new single sign-on session) is set on the way.
pub async fn complete(
    state: &AppState,
    req: &auth_request::Model,
    user_id: &str,
    auth_time: DateTime<Utc>,
    sso_cookie: Option<String>,
) -> Response {
    let app = match state.catalog.get_application(req.application_id).await {
        Ok(app) => app,
        Err(e) => return unavailable(e),
    };
    let code = state
        .grants
        .issue_code(
            &app,
            CodeRequest {
                user_id,
                redirect_uri: &req.redirect_uri,
                scope: &req.scope,
                nonce: req.nonce.as_deref(),
                code_challenge: req.code_challenge.as_deref(),
                auth_time,
            },
        )
        .await;
    let code = match code {
        Ok(c) => c,
        Err(e) => return unavailable(e),
    };
    match back_to_app(req, &state.issuer, &[("code", &code)]) {
        Ok(r) => match sso_cookie {
            Some(cookie) => with_cookie(r, &cookie),
            None => r,
        },
        Err(e) => unavailable(e),
    }
}

/// `response` with a `Set-Cookie` header added.
pub fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// Whether cookies get `Secure`: when people reach Datong over https.
pub fn secure_cookies(state: &AppState) -> bool {
    state.issuer.starts_with("https://")
}

/// Resolves the person behind a sighting with the source's policy: the user (and whether it was
/// created just now), or the login log's reason for refusing, with a detail.
pub async fn resolve(
    state: &AppState,
    sighting: &Sighting,
    source: &app::model::SourceView,
) -> Result<(String, bool), (&'static str, Option<String>)> {
    let policy = Policy {
        login_only: source.login_only,
        linking: source.linking,
        link_field: source.link_field,
    };
    let resolved = state.grants.identities().resolve(sighting, &policy).await;
    match resolved {
        Ok(Outcome::Resolved { user_id, created }) => Ok((user_id, created)),
        Ok(Outcome::LoginOnly) => Err(("login_only", None)),
        Ok(Outcome::AskToBind) => Err(("ask_to_bind", None)),
        Err(e) => Err(("storage_error", Some(e.to_string()))),
    }
}
