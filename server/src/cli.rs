//! `datong serve | sandbox | migrate | sweep | admin … | wechat … | oidc rotate-key`.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, anyhow};
use clap::{Parser, Subcommand};

use crate::clock::{Clock, SystemClock};
use crate::config::{self, Flags};
use crate::console::admins;
use crate::crypto::token;

#[derive(Parser, Debug)]
#[command(
    name = "datong",
    version,
    about = "Datong: one account system for the WeChat ecosystem"
)]
struct Cli {
    /// Configuration file (default: ./datong.toml when present; env DATONG_CONFIG)
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Data directory for the SQLite database and the generated master key (env DATONG_DATA_DIR)
    #[arg(long, global = true)]
    data_dir: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the console, login endpoints and APIs (the default)
    Serve {
        /// Address to listen on, for example 127.0.0.1:3000 (env DATONG_ADDR)
        #[arg(long)]
        addr: Option<String>,
    },
    /// Serve only the WeChat sandbox (for load tests that keep WeChat out of Datong's process)
    Sandbox {
        /// Address to listen on, for example 127.0.0.1:4000
        #[arg(long, default_value = "127.0.0.1:4000")]
        addr: String,
    },
    /// Apply database migrations and exit
    Migrate,
    /// Delete expired rows and log lines past `retention_days` now, as every instance does every
    /// 10 minutes, and print how many went from each table (JSON)
    Sweep,
    /// Talk to WeChat (or the configured sandbox) with Datong's own client, to check an app
    #[command(name = "wechat")]
    WeChat {
        #[command(subcommand)]
        action: WeChatAction,
    },
    /// Manage console administrators
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// OpenID Connect signing keys
    Oidc {
        #[command(subcommand)]
        action: OidcAction,
    },
}

#[derive(Subcommand, Debug)]
enum OidcAction {
    /// Add a new signing key; the old ones stay in the JWKS until their tokens have expired
    RotateKey,
}

#[derive(Subcommand, Debug)]
enum WeChatAction {
    /// Exchange an authorization code (website, official account or mobile app) and print the
    /// user's openid, unionid and nickname as JSON. The AppSecret is read from standard input.
    Exchange {
        #[arg(long)]
        appid: String,
        #[arg(long)]
        code: String,
    },
}

#[derive(Subcommand, Debug)]
enum AdminAction {
    /// Create an administrator; prints a generated password unless --password-stdin is given
    Create {
        name: String,
        /// Read the password from the first line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (ends the administrator's sessions and lifts a sign-in lock)
    ResetPassword {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Admin API tokens for the management API (/api/v1/)
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
}

#[derive(Subcommand, Debug)]
enum TokenAction {
    /// Create a token and print it once (only its hash is kept)
    Create { name: String },
}

pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let addr = match &cli.command {
        Some(Command::Serve { addr }) => addr.clone(),
        _ => None,
    };
    let flags = Flags {
        config: cli.config.clone(),
        addr,
        data_dir: cli.data_dir.clone(),
    };
    let cfg = config::load(&flags).map_err(|e| anyhow!(e))?;
    crate::telemetry::init(&cfg.log, cfg.log_format).map_err(|e| anyhow!(e))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve { addr: None }) {
            Command::Serve { .. } => {
                let state = crate::startup::build_state(&cfg).await?;
                if let Some(addr) = cfg.metrics_addr {
                    let listener = tokio::net::TcpListener::bind(addr)
                        .await
                        .with_context(|| format!("cannot listen on {addr} (metrics_addr)"))?;
                    tracing::info!("metrics are served on http://{addr}/metrics");
                    let router = crate::http::ops::metrics_router(state.db.clone());
                    tokio::spawn(async move {
                        if let Err(e) = axum::serve(listener, router).await {
                            tracing::error!(error = %e, "metrics listener stopped");
                        }
                    });
                }
                crate::serve::serve(state, cfg.addr).await
            }
            Command::Sandbox { addr } => {
                let addr = addr
                    .trim()
                    .parse()
                    .map_err(|_| anyhow!("`{addr}` is not an address like 127.0.0.1:4000"))?;
                let router = crate::startup::sandbox_router(&cfg).await?;
                crate::serve::serve_router(router, addr, "WeChat sandbox").await
            }
            Command::Migrate => {
                crate::startup::open_database(&cfg).await?;
                println!("database is up to date");
                Ok(())
            }
            Command::Sweep => {
                let db = crate::startup::open_database(&cfg).await?;
                let now = SystemClock.now();
                match crate::store::sweep::round_now(&db, now, cfg.retention_days).await? {
                    Some(swept) => {
                        let counts: serde_json::Map<String, serde_json::Value> = swept
                            .into_iter()
                            .map(|(table, n)| (table.to_string(), n.into()))
                            .collect();
                        println!("{}", serde_json::Value::Object(counts));
                        Ok(())
                    }
                    None => Err(anyhow!(
                        "another instance is sweeping now (it holds the sweep for up to 10 minutes); try again later"
                    )),
                }
            }
            Command::Admin { action } => admin(&cfg, action).await,
            Command::WeChat { action } => wechat(&cfg, action).await,
            Command::Oidc {
                action: OidcAction::RotateKey,
            } => {
                // The key first: a misconfigured instance must not touch the database.
                let key =
                    crate::crypto::master_key::load_or_create(&cfg).map_err(|e| anyhow!(e))?;
                let db = crate::startup::open_database(&cfg).await?;
                let keys = crate::tokens::SigningKeys::new(
                    db,
                    crate::crypto::secret_box::SecretBox::new(key.expose()),
                    Arc::new(SystemClock),
                );
                let kid = keys.rotate().await?;
                println!("new signing key {kid}; the previous keys stay published for 25 hours");
                Ok(())
            }
        }
    })
}

async fn admin(cfg: &config::Config, action: AdminAction) -> anyhow::Result<()> {
    let db = crate::startup::open_database(cfg).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let (name, from_stdin, create) = match action {
        AdminAction::Token {
            action: TokenAction::Create { name },
        } => {
            app::model::validate::name("name", &name).map_err(|e| anyhow!("{}", e.message))?;
            let token = crate::catalog::new_token();
            let now = clock.now();
            crate::store::api_tokens::insert(
                &db,
                name.trim(),
                &token::token_hash(&token),
                "cli",
                now,
            )
            .await?;
            crate::store::audit::record(
                &db,
                now,
                "cli",
                "token.create",
                &format!("token:{}", name.trim()),
                None,
                None,
            )
            .await?;
            println!("created API token `{}`; it is shown only now:", name.trim());
            println!("{token}");
            return Ok(());
        }
        AdminAction::Create {
            name,
            password_stdin,
        } => (name, password_stdin, true),
        AdminAction::ResetPassword {
            name,
            password_stdin,
        } => (name, password_stdin, false),
    };
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        token::random_password()
    };
    if create {
        admins::create(&db, clock.as_ref(), &name, &password).await?;
        println!("created administrator `{name}`");
    } else {
        admins::reset_password(&db, clock.as_ref(), &name, &password).await?;
        println!("new password set for `{name}`; their sessions have ended");
    }
    if !from_stdin {
        println!("password: {password}");
    }
    Ok(())
}

async fn wechat(cfg: &config::Config, action: WeChatAction) -> anyhow::Result<()> {
    let WeChatAction::Exchange { appid, code } = action;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the AppSecret from standard input")?;
    let secret = crate::crypto::Secret::new(line.trim().to_string());
    let client = crate::wechat::WeChatClient::new(
        &cfg.wechat_api_url,
        &cfg.wechat_open_url,
        crate::wechat::client::DEFAULT_TIMEOUT,
    );
    let token = client.exchange_code(&appid, &secret, &code).await?;
    let nickname = if token.scope == "snsapi_base" {
        None
    } else {
        Some(
            client
                .user_info(&token.access_token, &token.openid)
                .await?
                .nickname,
        )
    };
    let out = serde_json::json!({
        "openid": token.openid,
        "unionid": token.unionid,
        "scope": token.scope,
        "nickname": nickname,
    });
    println!("{out}");
    Ok(())
}

/// An error chain on one line: "outer: inner: root".
pub fn one_line(err: &anyhow::Error) -> String {
    format!("{err:#}").replace('\n', " ")
}
