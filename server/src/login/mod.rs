//! The end user's side of a login, one shape for every mode (see `server/docs/login.md`):
//! [`flow`] opens a login and checks it again later; a proof turns WeChat's codes into a
//! sighting ([`proof`]); identity resolution names the user ([`resolve`]); and [`finish`] ends
//! it (log line, single sign-on session, code for the application). Refusals are one type
//! ([`refusal`]) shown in one layout ([`page`]) with one text catalogue ([`texts`]). Each mode is
//! a match arm of [`start`] and a small module; mini-program codes share [`ticket`].

pub mod app_launch;
pub mod binding;
pub mod flow;
pub mod grant;
pub mod hosted;
pub mod mp_qrcode;
pub mod page;
pub mod pc_qrcode;
pub mod proof;
pub mod redirect;
pub mod refusal;
pub mod sso;
pub mod start;
pub mod texts;
pub mod ticket;
pub mod webpage;

use app::backend::RequestMeta;
use app::model::{ApplicationView, SourceMode};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};

use crate::crypto::token::{random_token, token_hash};
use crate::identity::{Outcome, Policy, Sighting};
use crate::state::AppState;
use crate::store::entities::auth_request;
use crate::store::logins::{self, LogLine};
use crate::tokens::grants::CodeRequest;
use refusal::{Reason, Refusal};

/// The cookie that binds a WeChat `state` to the browser that started the login.
pub const BROWSER_COOKIE: &str = "datong_login";

/// The browser a login is bound to: the one its `datong_login` cookie names, or a new one. A
/// login's rows keep [`token_hash`] of it; [`Browser::cookie`] sets it.
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

/// How a login went, as the log names it: a source's mode, or a single sign-on session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Mode(SourceMode),
    Sso,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Mode(m) => m.as_str(),
            Via::Sso => "sso",
        }
    }
}

/// Who is logging in, for the login log: the line each outcome completes.
#[derive(Clone, Debug, Default)]
pub struct Attempt {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub source_identifier: Option<String>,
    pub mode: Option<Via>,
    pub client_id: Option<String>,
    /// When the request that may end the login arrived (for the latency metric).
    pub started: Option<std::time::Instant>,
}

/// How a login attempt ended, as the log and the attempt rows keep it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginOutcome {
    Success,
    Refused(Reason),
    /// A web-page attempt that went on to a `snsapi_userinfo` round (attempts only, not logged).
    Escalated,
    /// A new identity joined the existing account the person logged in to (ask-to-bind).
    Bound,
    /// The person declined to bind and got a new account (ask-to-bind).
    Declined,
}

impl LoginOutcome {
    pub fn code(self) -> &'static str {
        match self {
            LoginOutcome::Success => "success",
            LoginOutcome::Refused(r) => r.code(),
            LoginOutcome::Escalated => "escalated",
            LoginOutcome::Bound => "bound",
            LoginOutcome::Declined => "bind_declined",
        }
    }

    /// A stored outcome; a code this version does not know reads as a WeChat error.
    pub fn parse(code: &str) -> LoginOutcome {
        match code {
            "success" => LoginOutcome::Success,
            "escalated" => LoginOutcome::Escalated,
            "bound" => LoginOutcome::Bound,
            "bind_declined" => LoginOutcome::Declined,
            other => LoginOutcome::Refused(Reason::from_code(other).unwrap_or(Reason::WeChatError)),
        }
    }
}

/// The log line of a request: its address and user agent.
pub fn attempt(meta: &RequestMeta, headers: &HeaderMap) -> Attempt {
    Attempt {
        ip: Some(meta.ip.clone()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        started: Some(std::time::Instant::now()),
        ..Attempt::default()
    }
}

/// Writes `who`'s login-log line with its outcome; a failure to write is logged, never shown
/// to the person.
pub async fn record(
    state: &AppState,
    who: &Attempt,
    outcome: LoginOutcome,
    detail: Option<String>,
    user_id: Option<&str>,
) {
    let line = LogLine {
        outcome: outcome.code().to_string(),
        detail,
        user_id: user_id.map(str::to_string),
        source_identifier: who.source_identifier.clone(),
        mode: who.mode.map(|m| m.as_str().to_string()),
        client_id: who.client_id.clone(),
        ip: who.ip.clone(),
        user_agent: who.user_agent.clone(),
    };
    // A source identifier comes from the address or a form: only one that passed the source
    // check names a label (random ones must not grow the metrics without bound).
    let checked = !matches!(
        outcome,
        LoginOutcome::Refused(
            Reason::SourceUnavailable
                | Reason::RequestExpired
                | Reason::InvalidRequest
                | Reason::RateLimited
                | Reason::StateMissing
                | Reason::StateUnknown
                | Reason::StateMismatch
        )
    );
    let source = line
        .source_identifier
        .as_deref()
        .filter(|id| checked && app::model::validate::identifier(id).is_ok())
        .unwrap_or("unknown");
    crate::metrics::login(
        line.mode.as_deref().unwrap_or("none"),
        source,
        &line.outcome,
        who.started.map(|s| s.elapsed()),
    );
    if let Err(e) = log_with_event(state, line).await {
        tracing::error!(error = %e, outcome = outcome.code(), "login log: cannot write");
    }
}

/// The log line, and (while webhooks are on) its `user.login` or `user.login_failed` event in
/// the same transaction.
async fn log_with_event(state: &AppState, line: LogLine) -> Result<(), crate::store::StoreError> {
    let now = state.clock.now();
    if !state.outbox.active() {
        return logins::log(&state.db, now, line).await;
    }
    let admitted = crate::stats::admitted(&line.outcome);
    let (kind, data) = if admitted {
        let data = serde_json::json!({
            "user_id": line.user_id, "outcome": line.outcome, "mode": line.mode,
            "source": line.source_identifier, "client_id": line.client_id, "ip": line.ip,
        });
        ("user.login", data)
    } else {
        let data = serde_json::json!({
            "user_id": line.user_id, "reason": line.outcome, "mode": line.mode,
            "source": line.source_identifier, "client_id": line.client_id, "ip": line.ip,
        });
        ("user.login_failed", data)
    };
    use sea_orm::TransactionTrait;
    let txn = state.db.begin().await?;
    logins::log(&txn, now, line).await?;
    state.outbox.emit(&txn, kind, data, now).await?;
    txn.commit().await?;
    Ok(())
}

/// A refused login: its log line, and the page in the person's language (with `back` when the
/// person can choose again).
pub async fn refuse(
    state: &AppState,
    who: &Attempt,
    headers: &HeaderMap,
    refusal: Refusal,
    back: Option<&str>,
) -> Response {
    let outcome = LoginOutcome::Refused(refusal.reason);
    let (detail, user_id) = (refusal.detail.clone(), refusal.user_id.clone());
    if refusal.reason == Reason::StorageError {
        tracing::error!(detail = ?refusal.detail, "login: storage unavailable");
        // The log line waits for the same database: the person does not.
        let (state, who) = (state.clone(), who.clone());
        tokio::spawn(
            async move { record(&state, &who, outcome, detail, user_id.as_deref()).await },
        );
    } else {
        record(state, who, outcome, detail, user_id.as_deref()).await;
    }
    page::refused(texts::lang_of(headers), &refusal, back)
}

/// The "storage is down" page (for pages outside a login flow: the experience client, logout).
pub fn unavailable(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "storage unavailable");
    page::refused(texts::Lang::En, &Refusal::new(Reason::StorageError), None)
}

/// A refusal that is not logged (it names no login: storage down, a page asked for twice).
pub fn refused_page(headers: &HeaderMap, refusal: &Refusal, back: Option<&str>) -> Response {
    if refusal.reason == Reason::StorageError {
        tracing::error!(detail = ?refusal.detail, "login: storage unavailable");
    }
    page::refused(texts::lang_of(headers), refusal, back)
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

/// What the code of authorization request `req` carries for `user_id`.
pub fn code_request<'a>(
    req: &'a auth_request::Model,
    user_id: &'a str,
    auth_time: DateTime<Utc>,
) -> CodeRequest<'a> {
    CodeRequest {
        user_id,
        redirect_uri: &req.redirect_uri,
        scope: &req.scope,
        nonce: req.nonce.as_deref(),
        code_challenge: req.code_challenge.as_deref(),
        auth_time,
    }
}

/// A code for the request's application, and the person back at its redirect URI.
/// `sso_cookie` (a new single sign-on session) is set on the way.
pub async fn code_for_app(
    state: &AppState,
    req: &auth_request::Model,
    app: &ApplicationView,
    user_id: &str,
    auth_time: DateTime<Utc>,
    sso_cookie: Option<String>,
) -> Result<Response, Refusal> {
    let code = state
        .grants
        .issue_code(app, code_request(req, user_id, auth_time))
        .await?;
    let r = back_to_app(req, &state.issuer, &[("code", &code)])
        .map_err(|e| Refusal::with(Reason::StorageError, e.to_string()))?;
    Ok(match sso_cookie {
        Some(cookie) => with_cookie(r, &cookie),
        None => r,
    })
}

/// The end of every login in this browser: the success line in the log (when `who` is given;
/// a replay was logged the first time), a new single sign-on session begun with `source`, and
/// then the target: the application's code, or, for the direct login link, the source's
/// callback URL as an OpenID Connect third-party-initiated login (`iss` and `target_link_uri`
/// only, never a code or token), after which the business page starts an ordinary
/// authorization request that the new session answers without a scan.
pub async fn finish(
    state: &AppState,
    who: Option<&Attempt>,
    target: &flow::Target,
    source: &app::model::SourceView,
    user_id: &str,
) -> Result<Response, Refusal> {
    if let Some(who) = who {
        let detail = matches!(target, flow::Target::Direct).then(|| "direct login link".into());
        record(state, who, LoginOutcome::Success, detail, Some(user_id)).await;
    }
    if let flow::Target::Device { app, .. } = target {
        // The app's next grant finds the account: say so, and send the person back to it.
        return Ok(device_done(&app.name));
    }
    let now = state.clock.now();
    let cookie = sso::start(state, user_id, source.id, now).await?;
    match target {
        flow::Target::App { req, app } => {
            code_for_app(state, req, app, user_id, now, Some(cookie)).await
        }
        flow::Target::Direct => {
            let mut url = url::Url::parse(&source.callback_url)
                .map_err(|e| Refusal::with(Reason::SourceUnconfigured, e.to_string()))?;
            url.query_pairs_mut()
                .append_pair("iss", &state.issuer)
                .append_pair("target_link_uri", &source.callback_url);
            Ok(with_cookie(
                Redirect::to(url.as_str()).into_response(),
                &cookie,
            ))
        }
        flow::Target::Device { .. } => Err(Refusal::new(Reason::RequestExpired)),
    }
}

/// The end of a device login's binding in the browser: back to the app.
fn device_done(app_name: &str) -> Response {
    // The browser of an app's binding page has no language cookie of ours: both languages.
    let (en, zh) = (
        texts::texts(texts::Lang::En),
        texts::texts(texts::Lang::ZhCn),
    );
    let body = format!(
        "<div data-testid=\"device-done\"><h1>{}</h1><p>{}</p><p class=\"muted\">{} · {}</p></div>",
        zh.device_done_title,
        crate::web::escape_html(&zh.device_done.replace("{}", app_name)),
        en.device_done_title,
        crate::web::escape_html(&en.device_done.replace("{}", app_name)),
    );
    page::document(texts::Lang::ZhCn, zh.device_done_title, &body, None).into_response()
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
/// created just now), or the refusal.
pub async fn resolve(
    state: &AppState,
    sighting: &Sighting,
    source: &app::model::SourceView,
) -> Result<(String, bool), Refusal> {
    let policy = Policy {
        login_only: source.login_only,
        linking: source.linking,
        link_field: source.link_field,
    };
    match state.grants.identities().resolve(sighting, &policy).await {
        Ok(Outcome::Resolved { user_id, created }) => Ok((user_id, created)),
        Ok(Outcome::LoginOnly) => Err(Reason::LoginOnly.into()),
        Ok(Outcome::AskToBind) => Err(Reason::AskToBind.into()),
        Ok(Outcome::Blocked { user_id }) => Err(Refusal::blocked_user(user_id)),
        Err(e) => Err(Refusal::with(Reason::StorageError, e.to_string())),
    }
}
