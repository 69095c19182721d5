//! The WeChat sandbox: a stand-in for WeChat's servers and for the user's phone that speaks
//! WeChat's wire protocol, so Datong (and any WeChat SDK) can be pointed at it instead of
//! `api.weixin.qq.com` / `open.weixin.qq.com`. Mounted under `/sandbox/wechat/`:
//!
//! - `api/…` mirrors `https://api.weixin.qq.com/…` path for path;
//! - `open/…` mirrors `https://open.weixin.qq.com/…` (the QR login and in-WeChat consent pages);
//! - `phone` plays the WeChat app, `phone/api/…` does the same in JSON for programs;
//! - `admin/api/…` holds the world (accounts, apps, personas) and the fault knobs.
//!
//! It keeps its own tables and in-memory state and shares nothing else with Datong: Datong
//! reaches it over HTTP only, exactly as it reaches WeChat.

mod admin;
mod api;
pub mod entities;
pub mod faults;
mod html;
pub mod ids;
pub mod image;
pub mod launch;
pub mod live;
mod open;
mod pages;
mod phone;
pub mod reply;
pub mod world;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use live::Live;
use reply::{Dress, Family};
use world::World;

/// Where the sandbox is mounted.
pub const MOUNT: &str = "/sandbox/wechat";

pub struct Sandbox {
    pub world: World,
    pub clock: Arc<dyn Clock>,
    live: Mutex<Live>,
    /// The simulated mini programs' own requests to their backends.
    pub http: reqwest::Client,
}

pub type SharedSandbox = Arc<Sandbox>;

impl Sandbox {
    /// `master_key` only seeds the derivation of openids and unionids, so they stay the same
    /// across restarts of one installation and differ between installations.
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>, master_key: &[u8; 32]) -> Sandbox {
        let mut hasher = Sha256::new();
        hasher.update(b"datong sandbox identifiers\n");
        hasher.update(master_key);
        let key: [u8; 32] = hasher.finalize().into();
        Sandbox {
            world: World::new(db, key),
            clock,
            live: Mutex::new(Live::default()),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The in-memory state. Never held across an `.await`.
    pub fn live(&self) -> MutexGuard<'_, Live> {
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn dress(&self) -> Dress {
        self.live().faults.dress()
    }

    /// Applies the knobs of `endpoint`: waits out its added latency, and returns the errcode
    /// it must fail with, if any.
    pub async fn knobs(&self, endpoint: &str) -> Option<i64> {
        let latency = self.live().faults.latency(endpoint);
        if let Some(wait) = latency {
            tokio::time::sleep(wait).await;
        }
        self.live().faults.take_failure(endpoint)
    }

    /// WeChat's error answer for `code`.
    pub fn fail(&self, code: i64, family: Family) -> Response {
        reply::error(code, family, self.dress(), self.now())
    }
}

/// Mounts the sandbox on `router` under [`MOUNT`] (with and without the trailing slash).
impl Sandbox {
    /// Registers mini program `appid` (if new) with `backend` as its server, unless somebody set
    /// another server for it (one Datong set, with an older address, is replaced): the
    /// sandbox's stand-in for a mini program whose pages call Datong.
    pub async fn use_as_backend(&self, appid: &str, backend: &str) -> Result<(), sea_orm::DbErr> {
        let app = self
            .world
            .ensure_app(appid, world::AppKind::MiniProgram, self.clock.now())
            .await?;
        let ours = |u: &str| u.ends_with("/api/v1/login/mp-qrcode");
        if app.server_url.as_deref().is_none_or(ours) && app.server_url.as_deref() != Some(backend)
        {
            let change = world::AppChange {
                server_url: Some(Some(backend.to_string())),
                ..Default::default()
            };
            self.world.update_app(appid, change).await?;
        }
        Ok(())
    }
}

/// What the phone opens when it scans a mini-program code of this sandbox.
pub fn mini_program_code_url(
    origin: &str,
    appid: &str,
    scene: &str,
    page: &str,
    env: &str,
) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("appid", appid)
        .append_pair("scene", scene)
        .append_pair("page", page)
        .append_pair("env_version", env)
        .finish();
    format!("{origin}{MOUNT}/phone/mp?{query}")
}

pub fn mount<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    sandbox: SharedSandbox,
) -> Router<S> {
    // As a nested service the sandbox sees `/sandbox/wechat/` as its own `/`.
    router.nest_service(MOUNT, self::router(sandbox))
}

/// The sandbox's routes, to be nested under [`MOUNT`].
pub fn router(sandbox: SharedSandbox) -> Router {
    Router::new()
        .nest("/api", api::router())
        .nest("/open", open::router())
        .merge(phone::router().route_layer(axum::middleware::from_fn(json_posts_only)))
        .merge(launch::router().route_layer(axum::middleware::from_fn(json_posts_only)))
        .merge(admin::router().route_layer(axum::middleware::from_fn(json_posts_only)))
        .merge(pages::router())
        .with_state(sandbox)
}

/// The phone and admin APIs take JSON only. A cross-site page can POST a form or plain text
/// without asking, but not `application/json` (that needs a CORS preflight, which we never
/// grant), so this keeps other sites from pressing the phone's buttons.
async fn json_posts_only(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use axum::response::IntoResponse;
    let is_json = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.trim()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if req.method() == axum::http::Method::POST && !is_json {
        return crate::web::ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "json_required",
            "send a JSON body with Content-Type: application/json",
        )
        .into_response();
    }
    next.run(req).await
}

/// The origin the caller used to reach us (`http://127.0.0.1:3000`), for URLs the sandbox
/// hands out (avatars, QR contents).
pub fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get("x-forwarded-host")
        .or_else(|| headers.get(axum::http::header::HOST))
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
        .unwrap_or("127.0.0.1");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}
