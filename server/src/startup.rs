//! From configuration to a ready `AppState`: data directory, master key, database, first admin.
//! Each failure is one sentence naming the path or URL at fault.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use leptos::config::LeptosOptions;
use sea_orm::DatabaseConnection;

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, redact_url};
use crate::console::admins;
use crate::crypto::master_key;
use crate::state::{AppState, HttpSettings};
use crate::store;

/// Makes sure the data directory exists and is writable. Like `mkdir` without `-p`, a missing
/// directory is created when its parent exists; a missing parent is an error (a typo in the
/// path should not silently scatter data somewhere new).
pub fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if !parent.is_dir() {
            return Err(anyhow!(
                "data directory {} does not exist, nor does its parent {}",
                dir.display(),
                parent.display()
            ));
        }
        match std::fs::create_dir(dir) {
            Ok(()) => {}
            // Another instance starting at the same moment made it first.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot create data directory {}", dir.display()));
            }
        }
    }
    if !dir.is_dir() {
        return Err(anyhow!(
            "data directory {} is not a directory",
            dir.display()
        ));
    }
    // A name of its own: several instances may start on one directory at the same moment.
    let probe = dir.join(format!(
        ".datong-write-check-{}-{:x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::write(&probe, b"ok")
        .and_then(|_| std::fs::remove_file(&probe))
        .with_context(|| format!("data directory {} is not writable", dir.display()))?;
    Ok(())
}

/// Prepares the data directory (SQLite), opens the configured database and applies migrations.
pub async fn open_database(cfg: &Config) -> anyhow::Result<DatabaseConnection> {
    if cfg.is_sqlite() {
        prepare_data_dir(&cfg.data_dir)?;
    }
    connect_and_migrate(cfg).await
}

async fn connect_and_migrate(cfg: &Config) -> anyhow::Result<DatabaseConnection> {
    let url = cfg.database_url.expose();
    let shown = redact_url(url);
    let db = store::connect(url, 10)
        .await
        .map_err(|e| anyhow!("cannot open database {shown}: {}", store::describe(&e)))?;
    store::migrate(&db)
        .await
        .map_err(|e| anyhow!("cannot migrate database {shown}: {}", store::describe(&e)))?;
    Ok(db)
}

pub fn leptos_options(cfg: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("datong")
        .site_root(cfg.site_dir.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(cfg.addr)
        .build()
}

/// The standalone sandbox (`datong sandbox`): its tables in the configured database, its
/// identifiers keyed by this installation's master key, and nothing of Datong's.
pub async fn sandbox_router(cfg: &Config) -> anyhow::Result<axum::Router> {
    if cfg.is_sqlite() {
        prepare_data_dir(&cfg.data_dir)?;
    }
    let key = master_key::load_or_create(cfg).map_err(|e| anyhow!(e))?;
    let db = connect_and_migrate(cfg).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let sandbox = Arc::new(crate::sandbox::Sandbox::new(db, clock, key.expose()));
    tracing::warn!("WeChat is simulated: serving only the sandbox at /sandbox/wechat/");
    let router = axum::Router::new().route("/healthz", axum::routing::get(|| async { "ok" }));
    Ok(crate::sandbox::mount(router, sandbox))
}

pub async fn build_state(cfg: &Config) -> anyhow::Result<AppState> {
    // The key first: a misconfigured instance must not touch the database at all.
    if cfg.is_sqlite() {
        prepare_data_dir(&cfg.data_dir)?;
    }
    let key = master_key::load_or_create(cfg).map_err(|e| anyhow!(e))?;
    let db = connect_and_migrate(cfg).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    admins::ensure_first_admin(&db, clock.as_ref(), cfg.admin_password.as_ref())
        .await
        .context("cannot create the first administrator")?;
    let site_js = cfg.site_dir.join("pkg").join("datong.js");
    if !site_js.exists() {
        tracing::warn!(
            site_dir = %cfg.site_dir.display(),
            "console assets not found: run `make build` (pages render without styles or interactivity)"
        );
    }
    let http = HttpSettings {
        public_url: cfg.public_url.clone(),
        behind_proxy: cfg.behind_proxy,
        metrics_token: cfg.metrics_token.clone(),
        no_webhook_worker: false,
    };
    if cfg.sandbox {
        tracing::warn!(
            api = %cfg.wechat_api_url,
            "WeChat is simulated: the sandbox is on at /sandbox/wechat/ (set `sandbox = false` in production)"
        );
    }
    let state = AppState::new(
        db,
        clock,
        key.expose(),
        cfg.session_hours,
        http,
        leptos_options(cfg),
    )
    .with_wechat(&cfg.wechat_api_url, &cfg.wechat_open_url, cfg.sandbox)
    .with_default_miniprogram(cfg.default_miniprogram.clone())
    .with_issuer(&cfg.local_url());
    let mut state = state;
    state.ticket_limit = cfg.mp_ticket_limit;
    state.retention_days = cfg.retention_days;
    state.signing_keys.set_es256_access(cfg.access_tokens_es256);
    // The first start creates the OpenID Connect signing key (a few hundred milliseconds).
    state
        .signing_keys
        .ensure()
        .await
        .context("cannot create the OpenID Connect signing key")?;
    Ok(state)
}
