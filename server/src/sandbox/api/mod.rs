//! `api.weixin.qq.com`, path for path. Every answer is HTTP 200 (§1.1); parameters are read
//! leniently so that a missing one gets WeChat's errcode, not a framework 400.

mod cgi;
mod sns;
mod wxa;

use std::collections::HashMap;

use axum::Router;
use axum::routing::{any, get};

use super::entities::{app, persona};
use super::world::AppKind;
use super::{Sandbox, SharedSandbox};

pub fn router() -> Router<SharedSandbox> {
    Router::new()
        .route("/sns/oauth2/access_token", get(sns::access_token))
        .route("/sns/oauth2/refresh_token", get(sns::refresh_token))
        .route("/sns/userinfo", get(sns::userinfo))
        .route("/sns/auth", get(sns::auth))
        .route("/sns/jscode2session", get(sns::jscode2session))
        .route("/cgi-bin/token", get(cgi::token))
        .route("/cgi-bin/stable_token", any(cgi::stable_token))
        .route(
            "/wxa/business/getuserphonenumber",
            any(wxa::get_user_phone_number),
        )
        .route("/wxa/getwxacodeunlimit", any(wxa::get_wxacode_unlimit))
}

/// Query parameters; a missing one reads as empty.
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn new(map: HashMap<String, String>) -> Params {
        Params(map)
    }

    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map(|s| s.as_str()).unwrap_or("")
    }
}

/// The app behind an AppID and AppSecret, checked in WeChat's order: a missing appid is 41002,
/// a malformed one 40013, a missing secret 41004, a wrong one 40125.
pub async fn credentials(
    sb: &Sandbox,
    appid: &str,
    secret: &str,
    kind: AppKind,
) -> Result<app::Model, i64> {
    if appid.is_empty() {
        return Err(41002);
    }
    sb.world
        .authenticate(appid, secret, kind, sb.now())
        .await
        .unwrap_or(Err(-1))
}

/// The app and persona a grant names; `missing` is the errcode when either is gone.
pub async fn app_and_persona(
    sb: &Sandbox,
    appid: &str,
    persona: i64,
    missing: i64,
) -> Result<(app::Model, persona::Model), i64> {
    match (sb.world.app(appid).await, sb.world.persona(persona).await) {
        (Ok(Some(a)), Ok(Some(p))) => Ok((a, p)),
        (Ok(_), Ok(_)) => Err(missing),
        _ => Err(-1),
    }
}
