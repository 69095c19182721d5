//! The sandbox's own administration in JSON: its world (accounts, apps, personas' flags) and
//! the fault knobs. No Datong sign-in guards it: the sandbox is a development tool (on in the
//! embedded default, off as soon as a database is configured, and never meant for production)
//! and it holds no real secret. What it could be made to reach is limited: a mini program's
//! `server_url` must be on this computer or on the sandbox's own host.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::faults::{Failure, Switches};
use super::phone::{PersonaView, db_error, parse};
use super::world::{AppChange, AppKind};
use super::{SharedSandbox, ids};
use crate::web::ApiError;

pub fn router() -> Router<SharedSandbox> {
    Router::new()
        .route("/admin/api/state", get(state))
        .route("/admin/api/accounts", post(create_account))
        .route("/admin/api/apps", post(create_app))
        .route("/admin/api/apps/{appid}", patch(update_app))
        .route("/admin/api/personas/{id}", patch(update_persona))
        .route("/admin/api/faults", post(add_failure).delete(reset_faults))
        .route("/admin/api/latency", post(set_latency))
        .route("/admin/api/switches", post(set_switches))
        .route("/admin/api/session_keys/rotate", post(rotate_session_key))
        .route("/admin/api/token_issues/{appid}", get(token_issues))
}

fn invalid(message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
}

fn not_found(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no such {what}"),
    )
}

async fn state(State(sb): State<SharedSandbox>) -> Result<Response, ApiError> {
    let accounts = sb.world.accounts().await.map_err(|_| db_error())?;
    let apps = sb.world.apps().await.map_err(|_| db_error())?;
    let personas = sb.world.personas().await.map_err(|_| db_error())?;
    let (faults, issues) = {
        let live = sb.live();
        (live.faults.clone(), live.token_issues.clone())
    };
    Ok(Json(json!({
        "accounts": accounts.iter().map(|a| json!({"id": a.id, "name": a.name})).collect::<Vec<_>>(),
        "apps": apps.iter().map(|a| json!({
            "appid": a.appid,
            "name": a.name,
            "kind": a.kind,
            "account_id": a.account_id,
            "redirect_domain": a.redirect_domain,
            "server_url": a.server_url,
            "has_secret": !a.secret_hash.is_empty(),
        })).collect::<Vec<_>>(),
        "personas": personas.into_iter().map(PersonaView::from).collect::<Vec<_>>(),
        "faults": faults,
        "token_issues": issues,
    }))
    .into_response())
}

#[derive(Deserialize)]
struct NewAccount {
    name: String,
}

async fn create_account(
    State(sb): State<SharedSandbox>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: NewAccount = parse(&body)?;
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(invalid("name must be 1 to 64 characters"));
    }
    let id = sb
        .world
        .create_account(name, sb.now())
        .await
        .map_err(|_| db_error())?;
    Ok((StatusCode::CREATED, Json(json!({"id": id, "name": name}))).into_response())
}

#[derive(Deserialize)]
struct NewApp {
    appid: String,
    kind: AppKind,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    secret: Option<String>,
    /// Absent: the default account; null: no account (no unionid).
    #[serde(default)]
    account_id: Option<Option<i64>>,
}

async fn create_app(State(sb): State<SharedSandbox>, body: Bytes) -> Result<Response, ApiError> {
    let req: NewApp = parse(&body)?;
    if !ids::is_appid(&req.appid) {
        return Err(invalid(
            "an AppID is wx followed by 16 lowercase hex digits",
        ));
    }
    let now = sb.now();
    if sb
        .world
        .app(&req.appid)
        .await
        .map_err(|_| db_error())?
        .is_some()
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "this AppID is already registered",
        ));
    }
    let account = match req.account_id {
        None => Some(
            sb.world
                .default_account(now)
                .await
                .map_err(|_| db_error())?,
        ),
        Some(a) => a,
    };
    let name = req.name.unwrap_or_else(|| format!("App {}", req.appid));
    sb.world
        .create_app(
            &req.appid,
            req.secret.as_deref().filter(|s| !s.is_empty()),
            req.kind,
            &name,
            account,
            now,
        )
        .await
        .map_err(|_| db_error())?;
    Ok((StatusCode::CREATED, Json(json!({"appid": req.appid}))).into_response())
}

/// A mini program's backend must be local or on the sandbox's own host: the sandbox posts to
/// it and shows the answer, so it must not become a way to reach other machines.
fn server_url_allowed(raw: &str, headers: &axum::http::HeaderMap) -> bool {
    let Ok(url) = url::Url::parse(raw) else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    let Some(host) = url.host_str() else {
        return false;
    };
    if matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        return true;
    }
    let own = super::origin(headers);
    url::Url::parse(&own).is_ok_and(|o| o.host_str() == Some(host))
}

async fn update_app(
    State(sb): State<SharedSandbox>,
    Path(appid): Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: Value = parse(&body)?;
    let account = match req.get("account_id") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => {
            Some(Some(v.as_i64().ok_or_else(|| {
                invalid("account_id must be a number or null")
            })?))
        }
    };
    if let Some(Some(id)) = account {
        let known = sb.world.accounts().await.map_err(|_| db_error())?;
        if !known.iter().any(|a| a.id == id) {
            return Err(not_found("account"));
        }
    }
    let domain = match req.get("redirect_domain") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
        Some(_) => return Err(invalid("redirect_domain must be a string or null")),
    };
    let server_url = match req.get("server_url") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => {
            let s = s.trim();
            if s.is_empty() {
                Some(None)
            } else if server_url_allowed(s, &headers) {
                Some(Some(s.to_string()))
            } else {
                return Err(invalid(
                    "server_url must be an http(s) URL on 127.0.0.1, localhost or this sandbox's own host",
                ));
            }
        }
        Some(_) => return Err(invalid("server_url must be a string or null")),
    };
    let secret = match req.get("secret") {
        None => None,
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 128 => {
            Some(s.trim().to_string())
        }
        Some(_) => {
            return Err(invalid(
                "secret must be a non-empty string of at most 128 characters",
            ));
        }
    };
    let kind = match req.get("kind") {
        None => None,
        Some(v) => Some(serde_json::from_value::<AppKind>(v.clone()).map_err(|_| {
            invalid("kind must be website, official_account, mini_program or mobile_app")
        })?),
    };
    let found = sb
        .world
        .update_app(
            &appid,
            AppChange {
                account,
                redirect_domain: domain,
                server_url,
                kind,
                secret,
            },
        )
        .await
        .map_err(|_| db_error())?;
    if !found {
        return Err(not_found("app"));
    }
    Ok(Json(json!({"appid": appid})).into_response())
}

#[derive(Deserialize)]
struct PersonaFlags {
    #[serde(default)]
    snapshot: Option<bool>,
    #[serde(default)]
    blocked: Option<bool>,
}

async fn update_persona(
    State(sb): State<SharedSandbox>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: PersonaFlags = parse(&body)?;
    let updated = sb
        .world
        .set_persona_flags(id, req.snapshot, req.blocked)
        .await
        .map_err(|_| db_error())?
        .ok_or_else(|| not_found("persona"))?;
    Ok(Json(PersonaView::from(updated)).into_response())
}

#[derive(Deserialize)]
struct NewFailure {
    endpoint: String,
    errcode: i64,
    #[serde(default = "one")]
    count: u32,
}

fn one() -> u32 {
    1
}

async fn add_failure(State(sb): State<SharedSandbox>, body: Bytes) -> Result<Response, ApiError> {
    let req: NewFailure = parse(&body)?;
    if req.endpoint.trim().is_empty() || req.errcode == 0 || req.count == 0 {
        return Err(invalid(
            "give an endpoint (like sns/jscode2session, or *), a non-zero errcode and a count of at least 1",
        ));
    }
    let mut live = sb.live();
    live.faults.failures.push(Failure {
        endpoint: req.endpoint.trim().trim_start_matches('/').to_string(),
        errcode: req.errcode,
        remaining: req.count,
    });
    Ok(Json(json!({"faults": live.faults.clone()})).into_response())
}

#[derive(Deserialize)]
struct Latency {
    endpoint: String,
    ms: u64,
}

async fn set_latency(State(sb): State<SharedSandbox>, body: Bytes) -> Result<Response, ApiError> {
    let req: Latency = parse(&body)?;
    if req.ms > 60_000 {
        return Err(invalid("latency is limited to 60000 ms"));
    }
    let mut live = sb.live();
    let endpoint = req.endpoint.trim().trim_start_matches('/').to_string();
    if req.ms == 0 {
        live.faults.latency_ms.remove(&endpoint);
    } else {
        live.faults.latency_ms.insert(endpoint, req.ms);
    }
    Ok(Json(json!({"faults": live.faults.clone()})).into_response())
}

async fn set_switches(State(sb): State<SharedSandbox>, body: Bytes) -> Result<Response, ApiError> {
    let req: Switches = parse(&body)?;
    if req.grace_seconds.is_some_and(|g| !(0..=7200).contains(&g)) {
        return Err(invalid("grace_seconds must be 0 to 7200"));
    }
    let mut live = sb.live();
    live.faults.apply(req);
    Ok(Json(json!({"faults": live.faults.clone()})).into_response())
}

async fn reset_faults(State(sb): State<SharedSandbox>) -> Response {
    let mut live = sb.live();
    live.faults = Default::default();
    Json(json!({"faults": live.faults.clone()})).into_response()
}

#[derive(Deserialize)]
struct Rotate {
    appid: String,
    persona_id: i64,
}

/// Gives the persona a new session_key in the mini program, as `wx.login` sometimes does.
async fn rotate_session_key(
    State(sb): State<SharedSandbox>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: Rotate = parse(&body)?;
    sb.live()
        .session_keys
        .insert((req.appid, req.persona_id), ids::session_key());
    Ok(Json(json!({"rotated": true})).into_response())
}

async fn token_issues(State(sb): State<SharedSandbox>, Path(appid): Path<String>) -> Response {
    let live = sb.live();
    let count = live.token_issues.get(&appid).copied().unwrap_or(0);
    let calls = live.token_calls.get(&appid).copied().unwrap_or(0);
    Json(json!({"appid": appid, "count": count, "calls": calls})).into_response()
}
