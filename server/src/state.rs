//! What every request handler can reach.

use std::sync::Arc;

use app::backend::SharedBackend;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::console::ConsoleService;
use crate::crypto::secret_box::SecretBox;

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
        let console: SharedBackend = Arc::new(ConsoleService::new(
            db.clone(),
            clock.clone(),
            session_hours,
        ));
        AppState {
            db,
            clock,
            secrets: SecretBox::new(master_key),
            console,
            http,
            leptos,
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
