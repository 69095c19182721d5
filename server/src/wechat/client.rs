//! The HTTP side of the WeChat client: base URLs (real WeChat or the sandbox), a timeout on
//! every call, a bound on the calls one AppID may have waiting, credentials as query parameters
//! (§1.6), and transport errors that never carry a URL (URLs hold appids, secrets, codes and
//! tokens).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::envelope::decode;
use super::error::WeChatError;
use super::media::{Image, image_or_error};

/// WeChat's real hosts.
pub const WECHAT_API: &str = "https://api.weixin.qq.com";
pub const WECHAT_OPEN: &str = "https://open.weixin.qq.com";

/// How long one call may take, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(8);

/// Calls naming one AppID that may wait on WeChat at once. More fail at once as "busy" instead
/// of queueing, so a slow WeChat (or one slow app) cannot hold every request of the instance.
pub const PER_APPID: usize = 32;

#[derive(Clone, Debug)]
pub struct WeChatClient {
    http: reqwest::Client,
    api: String,
    open: String,
    /// One semaphore per AppID (AppIDs come from the configured sources, so the map stays
    /// small).
    waiting: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

impl WeChatClient {
    /// `api` and `open` are base URLs without a trailing slash, e.g. `https://api.weixin.qq.com`
    /// or `http://127.0.0.1:3000/sandbox/wechat/api`.
    pub fn new(api: &str, open: &str, timeout: Duration) -> WeChatClient {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .pool_max_idle_per_host(64)
            .user_agent(concat!("datong/", env!("CARGO_PKG_VERSION")))
            .build()
            // Only a TLS back-end that cannot start fails here; the plain client would fail
            // the same way on its first call, with the error in that call's result.
            .unwrap_or_default();
        WeChatClient {
            http,
            api: api.trim_end_matches('/').to_string(),
            open: open.trim_end_matches('/').to_string(),
            waiting: Arc::default(),
        }
    }

    /// A place among the calls of the AppID this query names (none needed without one).
    fn place(&self, query: &[(&str, &str)]) -> Result<Option<OwnedSemaphorePermit>, WeChatError> {
        let Some((_, appid)) = query.iter().find(|(k, _)| *k == "appid") else {
            return Ok(None);
        };
        let gate = self
            .waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry((*appid).to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(PER_APPID)))
            .clone();
        gate.try_acquire_owned()
            .map(Some)
            .map_err(|_| WeChatError::Crowded)
    }

    /// The browser-facing host (`open.weixin.qq.com` or the sandbox's stand-in).
    pub fn open_base(&self) -> &str {
        &self.open
    }

    pub fn api_base(&self) -> &str {
        &self.api
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.api, path.trim_start_matches('/'))
    }

    /// GET a JSON endpoint.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, WeChatError> {
        let started = Instant::now();
        let result = async {
            let _place = self.place(query)?;
            let response = self
                .http
                .get(self.url(path))
                .query(query)
                .send()
                .await
                .map_err(transport)?;
            let bytes = response.bytes().await.map_err(transport)?;
            decode(&bytes)
        }
        .await;
        measured(path, started, result)
    }

    /// POST JSON to a JSON endpoint.
    pub async fn post_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        body: &Value,
    ) -> Result<T, WeChatError> {
        let started = Instant::now();
        let result = async {
            let _place = self.place(query)?;
            let response = self.post(path, query, body).await?;
            let bytes = response.bytes().await.map_err(transport)?;
            decode(&bytes)
        }
        .await;
        measured(path, started, result)
    }

    /// POST JSON to an endpoint that answers an image, or JSON on failure (§6, §12.4).
    pub async fn post_for_image(
        &self,
        path: &str,
        query: &[(&str, &str)],
        body: &Value,
    ) -> Result<Image, WeChatError> {
        let started = Instant::now();
        let result = async {
            let _place = self.place(query)?;
            let response = self.post(path, query, body).await?;
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let bytes = response.bytes().await.map_err(transport)?;
            image_or_error(content_type.as_deref(), bytes.to_vec())
        }
        .await;
        measured(path, started, result)
    }
}

impl WeChatClient {
    async fn post(
        &self,
        path: &str,
        query: &[(&str, &str)],
        body: &Value,
    ) -> Result<reqwest::Response, WeChatError> {
        self.http
            .post(self.url(path))
            .query(query)
            .json(body)
            .send()
            .await
            .map_err(transport)
    }
}

/// Counts the call by endpoint and outcome: `0`, WeChat's errcode, or `timeout`, `network`,
/// `snapshot_user`, `bad_response`.
fn measured<T>(
    path: &str,
    started: Instant,
    result: Result<T, WeChatError>,
) -> Result<T, WeChatError> {
    let errcode = match &result {
        Ok(_) => "0".to_string(),
        Err(e) => match e.errcode() {
            Some(code) => code.to_string(),
            None => match e {
                WeChatError::Timeout => "timeout".into(),
                WeChatError::Network(_) => "network".into(),
                WeChatError::Crowded => "crowded".into(),
                WeChatError::SnapshotUser => "snapshot_user".into(),
                _ => "bad_response".into(),
            },
        },
    };
    crate::metrics::wechat(path, &errcode, started.elapsed());
    result
}

/// A transport failure, without the URL (it may hold a secret).
fn transport(err: reqwest::Error) -> WeChatError {
    if err.is_timeout() {
        return WeChatError::Timeout;
    }
    let err = err.without_url();
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    WeChatError::Network(text)
}
