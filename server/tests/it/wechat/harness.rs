//! A Datong with its sandbox listening on 127.0.0.1, a client pointed at it, and the phone's
//! JSON API as helpers.

use std::sync::Arc;

use chrono::Duration;
use datong::clock::{Clock, ManualClock};
use datong::crypto::Secret;
use datong::state::{AppState, HttpSettings};
use datong::wechat::{TokenService, WeChatClient};
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use crate::support::{memory_db, start_time};

pub const WEBSITE: &str = "wx1000000000000001";
pub const OFFICIAL: &str = "wx2000000000000002";
pub const MINI: &str = "wx3000000000000003";
pub const MOBILE: &str = "wx4000000000000004";
pub const SECRET: &str = "sandbox-app-secret-1";

pub struct Sandboxed {
    pub base: String,
    pub clock: Arc<ManualClock>,
    pub state: AppState,
    pub http: reqwest::Client,
}

pub fn secret() -> Secret<String> {
    Secret::new(SECRET.to_string())
}

impl Sandboxed {
    pub async fn start() -> Sandboxed {
        Self::start_on(memory_db().await).await
    }

    pub async fn start_on(db: DatabaseConnection) -> Sandboxed {
        Sandboxed::start_with(db, HttpSettings::default()).await
    }

    /// Like `start_on`, with these HTTP settings (a metrics token, for one).
    pub async fn start_with(db: DatabaseConnection, http: HttpSettings) -> Sandboxed {
        Sandboxed::start_split(db.clone(), db, http).await
    }

    /// Datong on `db`, the sandbox (WeChat) on `sandbox_db`: a test can take Datong's database
    /// away without taking WeChat with it.
    pub async fn start_split(
        db: DatabaseConnection,
        sandbox_db: DatabaseConnection,
        http: HttpSettings,
    ) -> Sandboxed {
        let clock = Arc::new(ManualClock::new(start_time()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let leptos = LeptosOptions::builder().output_name("datong").build();
        let state = AppState::new(
            db,
            clock.clone() as Arc<dyn Clock>,
            &[9u8; 32],
            12,
            http,
            leptos,
        )
        .with_wechat(
            &format!("{base}/sandbox/wechat/api"),
            &format!("{base}/sandbox/wechat/open"),
            true,
        )
        .with_default_miniprogram(None)
        .with_issuer(&base);
        let mut state = state;
        state.sandbox = Some(Arc::new(datong::sandbox::Sandbox::new(
            sandbox_db,
            clock.clone() as Arc<dyn Clock>,
            &[9u8; 32],
        )));
        state.start_background().await;
        let serving = datong::serve::serve_app(listener, state.clone(), std::future::pending());
        tokio::spawn(async move { serving.await.unwrap() });
        Sandboxed {
            base,
            clock,
            state,
            http: reqwest::Client::new(),
        }
    }

    pub fn wechat(&self) -> &TokenService {
        &self.state.wechat
    }

    pub fn client(&self) -> &WeChatClient {
        self.state.wechat.client()
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    pub fn url(&self, path: &str) -> String {
        format!(
            "{}/sandbox/wechat/{}",
            self.base,
            path.trim_start_matches('/')
        )
    }

    /// POST JSON to a sandbox endpoint; returns the status and the JSON answer.
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .patch(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// GET a sandbox endpoint: status, Content-Type, body text.
    pub async fn get(&self, path_and_query: &str) -> (u16, String, String) {
        let r = self
            .http
            .get(self.url(path_and_query))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let ct = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, ct, r.text().await.unwrap())
    }

    pub async fn persona(&self, nickname: &str) -> i64 {
        let (status, p) = self
            .post(
                "phone/api/personas",
                json!({"nickname": nickname, "phone": "13800138000"}),
            )
            .await;
        assert_eq!(status, 201, "{p}");
        p["id"].as_i64().unwrap()
    }

    pub async fn register(&self, appid: &str, kind: &str, account: Option<Option<i64>>) {
        let mut body = json!({"appid": appid, "kind": kind, "secret": SECRET});
        if let Some(a) = account {
            body["account_id"] = json!(a);
        }
        let (status, v) = self.post("admin/api/apps", body).await;
        assert_eq!(status, 201, "{v}");
    }

    pub async fn js_code(&self, persona: i64, appid: &str) -> String {
        let (status, v) = self
            .post(
                "phone/api/wx_login",
                json!({"persona_id": persona, "appid": appid}),
            )
            .await;
        assert_eq!(status, 200, "{v}");
        v["code"].as_str().unwrap().to_string()
    }

    pub async fn phone_code(&self, persona: i64, appid: &str) -> String {
        let (status, v) = self
            .post(
                "phone/api/phone_code",
                json!({"persona_id": persona, "appid": appid}),
            )
            .await;
        assert_eq!(status, 200, "{v}");
        v["code"].as_str().unwrap().to_string()
    }

    /// Walks a website QR login as `persona` up to the redirect; returns its code and state.
    pub async fn qr_login(&self, persona: i64, appid: &str, state: &str) -> (String, String) {
        let redirect = "https://rp.example.com/callback?from=qr";
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("appid", appid)
            .append_pair("redirect_uri", redirect)
            .append_pair("response_type", "code")
            .append_pair("scope", "snsapi_login")
            .append_pair("state", state)
            .finish();
        let (status, _, page) = self.get(&format!("open/connect/qrconnect?{query}")).await;
        assert_eq!(status, 200);
        let scan_url = scan_url(&page);
        let uuid = scan_url.split("uuid=").nth(1).unwrap().to_string();
        let poll = format!("open/connect/l/qrconnect?uuid={uuid}");
        assert!(self.get(&poll).await.2.contains("wx_errcode=408"));
        let (s, v) = self
            .post(
                "phone/api/scan",
                json!({"persona_id": persona, "url": scan_url}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["kind"], "qrconnect");
        assert!(self.get(&poll).await.2.contains("wx_errcode=404"));
        let (s, v) = self
            .post(
                "phone/api/confirm",
                json!({"persona_id": persona, "uuid": uuid}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let answer = self.get(&poll).await.2;
        assert!(answer.contains("wx_errcode=405"), "{answer}");
        let code = answer
            .split("wx_code='")
            .nth(1)
            .unwrap()
            .trim_end_matches("';")
            .to_string();
        assert_eq!(code.len(), 32);
        (code, state.to_string())
    }

    /// Answers an in-WeChat authorize URL as `persona`; returns the redirect, if any.
    pub async fn authorize(
        &self,
        persona: i64,
        appid: &str,
        scope: &str,
        allow: bool,
    ) -> Result<Option<String>, Value> {
        let url = format!(
            "{}?appid={appid}&redirect_uri={}&response_type=code&scope={scope}&state=xyz123",
            self.url("open/connect/oauth2/authorize"),
            form_urlencoded::byte_serialize(b"https://oa.example.com/cb").collect::<String>(),
        );
        let (status, v) = self
            .post(
                "phone/api/authorize",
                json!({"persona_id": persona, "url": url, "allow": allow}),
            )
            .await;
        if status != 200 {
            return Err(v);
        }
        Ok(v["redirect"].as_str().map(str::to_string))
    }

    pub async fn token_issues(&self, appid: &str) -> i64 {
        let (_, _, body) = self.get(&format!("admin/api/token_issues/{appid}")).await;
        serde_json::from_str::<Value>(&body).unwrap()["count"]
            .as_i64()
            .unwrap()
    }

    /// Successful server-token calls the sandbox answered for `appid`.
    pub async fn token_calls(&self, appid: &str) -> i64 {
        let (_, _, body) = self.get(&format!("admin/api/token_issues/{appid}")).await;
        serde_json::from_str::<Value>(&body).unwrap()["calls"]
            .as_i64()
            .unwrap()
    }

    pub async fn fail_next(&self, endpoint: &str, errcode: i64, count: u32) {
        let (s, v) = self
            .post(
                "admin/api/faults",
                json!({"endpoint": endpoint, "errcode": errcode, "count": count}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }
}

/// The URL the QR code on a qrconnect page encodes.
pub fn scan_url(page: &str) -> String {
    let raw = page
        .split("data-scan-url=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    raw.replace("&amp;", "&")
}

/// A query parameter of a URL.
pub fn param(url: &str, key: &str) -> Option<String> {
    let parsed = url::Url::parse(url).unwrap();
    parsed
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}
