//! `api.weixin.qq.com`, path for path. Every answer is HTTP 200 (§1.1); parameters are read
//! leniently so that a missing one gets WeChat's errcode, not a framework 400.

mod cgi;
mod sns;
mod wxa;

use std::collections::HashMap;

use axum::Router;
use axum::routing::{any, get};

use super::SharedSandbox;

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
