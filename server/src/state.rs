//! What every request handler can reach.

use std::sync::Arc;

use app::backend::SharedBackend;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::console::ConsoleService;
use crate::crypto::secret_box::SecretBox;
use crate::sandbox::{Sandbox, SharedSandbox};
use crate::wechat::client::{DEFAULT_TIMEOUT, WECHAT_API, WECHAT_OPEN};
use crate::wechat::{TokenService, WeChatClient};

/// Settings the HTTP edge needs from the configuration.
#[derive(Clone, Debug, Default)]
pub struct HttpSettings {
    /// The public origin (`https://id.example.com`), when known.
    pub public_url: Option<String>,
    /// Trust `X-Forwarded-For` / `X-Forwarded-Proto` from a reverse proxy.
    pub behind_proxy: bool,
}

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: Arc<dyn Clock>,
    /// Seals secrets at rest under the master key.
    pub secrets: SecretBox,
    pub console: SharedBackend,
    pub http: HttpSettings,
    pub leptos: LeptosOptions,
    /// WeChat's APIs (or the sandbox's) and the shared server access tokens.
    pub wechat: TokenService,
    /// Identity sources, applications and their associations.
    pub catalog: Catalog,
    /// The WeChat sandbox, when this instance serves it.
    pub sandbox: Option<SharedSandbox>,
    master_key: [u8; 32],
}

impl AppState {
    pub fn new(
        db: DatabaseConnection,
        clock: Arc<dyn Clock>,
        master_key: &[u8; 32],
        session_hours: u32,
        http: HttpSettings,
        leptos: LeptosOptions,
    ) -> AppState {
        let secrets = SecretBox::new(master_key);
        let catalog = Catalog::new(db.clone(), secrets.clone(), clock.clone());
        let console: SharedBackend = Arc::new(ConsoleService::new(
            db.clone(),
            clock.clone(),
            session_hours,
            catalog.clone(),
        ));
        let wechat = TokenService::new(
            db.clone(),
            secrets.clone(),
            clock.clone(),
            WeChatClient::new(WECHAT_API, WECHAT_OPEN, DEFAULT_TIMEOUT),
        );
        AppState {
            catalog,
            db,
            clock,
            secrets,
            console,
            http,
            leptos,
            wechat,
            sandbox: None,
            master_key: *master_key,
        }
    }

    /// Points the WeChat client at `api` / `open` and, with `sandbox`, serves the sandbox.
    pub fn with_wechat(mut self, api: &str, open: &str, sandbox: bool) -> AppState {
        let client = WeChatClient::new(api, open, DEFAULT_TIMEOUT);
        self.wechat = TokenService::new(
            self.db.clone(),
            self.secrets.clone(),
            self.clock.clone(),
            client,
        );
        self.sandbox = sandbox.then(|| {
            std::sync::Arc::new(Sandbox::new(
                self.db.clone(),
                self.clock.clone(),
                &self.master_key,
            ))
        });
        self
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
