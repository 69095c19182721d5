//! What every request handler can reach.

use std::sync::Arc;

use app::backend::SharedBackend;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::console::ConsoleService;
use crate::crypto::secret::Secret;
use crate::crypto::secret_box::SecretBox;
use crate::sandbox::{Sandbox, SharedSandbox};
use crate::tokens::SigningKeys;
use crate::tokens::grants::Grants;
use crate::wechat::client::{DEFAULT_TIMEOUT, WECHAT_API, WECHAT_OPEN};
use crate::wechat::{TokenService, WeChatClient};

/// Settings the HTTP edge needs from the configuration.
#[derive(Clone, Debug, Default)]
pub struct HttpSettings {
    /// The public origin (`https://id.example.com`), when known.
    pub public_url: Option<String>,
    /// Trust `X-Forwarded-For` / `X-Forwarded-Proto` from a reverse proxy.
    pub behind_proxy: bool,
    /// The bearer token `/metrics` on the main address asks for; without one it is not served
    /// there (only on `metrics_addr`, when configured).
    pub metrics_token: Option<Secret<String>>,
    /// Tests only: no background webhook worker (the test runs its rounds itself).
    pub no_webhook_worker: bool,
}

/// Mini-program code tickets per address and minute, unless configured.
pub const DEFAULT_TICKET_LIMIT: u32 = 30;

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
    /// The users, as administrators manage them.
    pub people: crate::people::People,
    /// Where changes write the events webhooks deliver.
    pub outbox: crate::webhooks::Outbox,
    /// Webhook endpoints and their deliveries.
    pub webhooks: crate::webhooks::Webhooks,
    /// The WeChat sandbox, when this instance serves it.
    pub sandbox: Option<SharedSandbox>,
    /// The OpenID Connect issuer: this instance's public URL.
    pub issuer: String,
    /// The OpenID Connect signing keys.
    pub signing_keys: SigningKeys,
    /// Authorization codes, tokens and the grants behind them.
    pub grants: Grants,
    /// The default mini program (AppID, AppSecret) of `pc_miniprogram_qrcode` sources without
    /// private deployment.
    pub default_miniprogram: Option<(String, Secret<String>)>,
    /// Where mini-program code tickets' status changes meet the pages following them.
    pub tickets: crate::tickets::hub::Hub,
    /// Mini-program code tickets one address may create per minute.
    pub ticket_limit: u32,
    /// Days of login-log and audit lines kept.
    pub retention_days: u32,
    master_key: [u8; 32],
    session_hours: u32,
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
        // Installed before anything is counted (once per process).
        crate::metrics::handle();
        let secrets = SecretBox::new(master_key);
        let catalog = Catalog::new(db.clone(), secrets.clone(), clock.clone());
        let outbox = crate::webhooks::Outbox::default();
        let issuer = http
            .public_url
            .clone()
            .unwrap_or_else(|| "http://127.0.0.1:3000".into());

        let people =
            crate::people::People::new(db.clone(), clock.clone(), catalog.clone(), outbox.clone());
        let webhooks = crate::webhooks::Webhooks::new(
            db.clone(),
            clock.clone(),
            secrets.clone(),
            outbox.clone(),
            Some(issuer.clone()),
        );
        let console: SharedBackend = Arc::new(ConsoleService::new(
            db.clone(),
            clock.clone(),
            session_hours,
            catalog.clone(),
            people.clone(),
            webhooks.clone(),
        ));
        let wechat = TokenService::new(
            db.clone(),
            secrets.clone(),
            clock.clone(),
            WeChatClient::new(WECHAT_API, WECHAT_OPEN, DEFAULT_TIMEOUT),
        );
        let signing_keys = SigningKeys::new(db.clone(), secrets.clone(), clock.clone());
        let grants = Grants::new(
            db.clone(),
            signing_keys.clone(),
            clock.clone(),
            issuer.clone(),
            outbox.clone(),
        );
        AppState {
            grants,
            people,
            outbox,
            webhooks,
            catalog,
            db,
            clock,
            secrets,
            console,
            http,
            leptos,
            wechat,
            sandbox: None,
            default_miniprogram: None,
            tickets: Default::default(),
            ticket_limit: DEFAULT_TICKET_LIMIT,
            retention_days: crate::store::sweep::DEFAULT_RETENTION_DAYS,
            issuer,
            signing_keys,
            master_key: *master_key,
            session_hours,
        }
    }

    /// The issuer (this instance's public URL, without a trailing slash).
    pub fn with_issuer(mut self, issuer: &str) -> AppState {
        self.issuer = issuer.trim_end_matches('/').to_string();
        self.grants = Grants::new(
            self.db.clone(),
            self.signing_keys.clone(),
            self.clock.clone(),
            self.issuer.clone(),
            self.outbox.clone(),
        );
        self.webhooks = self
            .webhooks
            .clone()
            .with_own_origin(Some(self.issuer.clone()));
        self.with_instance()
    }

    /// Tells the catalog's rules and the console what this instance is (its default mini
    /// program, whether WeChat is simulated, its public URL).
    fn with_instance(mut self) -> AppState {
        let instance = app::model::InstanceInfo {
            default_miniprogram_appid: self.default_miniprogram.as_ref().map(|(a, _)| a.clone()),
            wechat_simulated: self.sandbox.is_some(),
            public_url: self.issuer.clone(),
        };
        self.catalog = self.catalog.clone().with_instance(instance);
        self.people = crate::people::People::new(
            self.db.clone(),
            self.clock.clone(),
            self.catalog.clone(),
            self.outbox.clone(),
        );
        self.console = Arc::new(ConsoleService::new(
            self.db.clone(),
            self.clock.clone(),
            self.session_hours,
            self.catalog.clone(),
            self.people.clone(),
            self.webhooks.clone(),
        ));
        self
    }

    /// Sets the default mini program: the configured one, else (sandbox on) the sandbox's
    /// derived one, else none. The catalog's rules and the console learn about it.
    pub fn with_default_miniprogram(
        mut self,
        configured: Option<(String, Secret<String>)>,
    ) -> AppState {
        let simulated = self.sandbox.is_some();
        self.default_miniprogram = configured.or_else(|| {
            simulated.then(|| {
                let (appid, secret) = crate::sandbox::ids::default_mini_program(&self.master_key);
                (appid, Secret::new(secret))
            })
        });
        self.with_instance()
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

impl AppState {
    /// What runs beside the requests: the ticket status listener (PostgreSQL), the sweep of
    /// old tickets, and, in the embedded default, the sandbox's default mini program pointed at
    /// this instance's ticket API. Call once per instance.
    pub async fn start_background(&self) {
        self.tickets.spawn_listener(self.db.clone());
        self.catalog.spawn_listener();
        if !self.http.no_webhook_worker {
            self.webhooks.worker().spawn();
        }
        crate::stats::spawn_roller(self.db.clone(), self.clock.clone());
        let (db, clock, days) = (self.db.clone(), self.clock.clone(), self.retention_days);
        tokio::spawn(async move {
            loop {
                match crate::store::sweep::round(&db, clock.now(), days).await {
                    Ok(Some(swept)) if !swept.is_empty() => {
                        tracing::info!(?swept, "swept expired rows");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot sweep expired rows"),
                }
                tokio::time::sleep(crate::store::sweep::EVERY).await;
            }
        });
        tokio::spawn(async {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(10)).await;
                crate::metrics::upkeep();
            }
        });
        if let (Some(sandbox), Some((appid, _))) = (&self.sandbox, &self.default_miniprogram) {
            let backend = format!("{}/api/v1/login/mp-qrcode", self.issuer);
            if let Err(e) = sandbox.use_as_backend(appid, &backend).await {
                tracing::warn!(error = %e, "sandbox: cannot register the default mini program");
            }
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
