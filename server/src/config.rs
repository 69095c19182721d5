//! Layered configuration: built-in defaults, then `datong.toml` (or `--config` / `DATONG_CONFIG`),
//! then `DATONG_*` environment variables, then command-line flags. Every key, its default and its
//! environment name are listed in `datong.example.toml`. Unknown keys and malformed values stop
//! start-up with a message that names the key and where it came from.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde::Deserialize;

use crate::crypto::Secret;

/// Every configuration key, in the order the example file documents them.
pub const KEYS: &[&str] = &[
    "addr",
    "data_dir",
    "database_url",
    "master_key",
    "admin_password",
    "public_url",
    "behind_proxy",
    "site_dir",
    "session_hours",
    "log",
    "log_format",
    "sandbox",
    "wechat_api_url",
    "wechat_open_url",
    "default_miniprogram_appid",
    "default_miniprogram_secret",
    "mp_ticket_limit",
    "retention_days",
    "access_token_alg",
    "metrics_token",
    "metrics_addr",
];

pub const ENV_PREFIX: &str = "DATONG_";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: Secret<String>,
    pub master_key: Option<Secret<[u8; 32]>>,
    pub admin_password: Option<Secret<String>>,
    pub public_url: Option<String>,
    pub behind_proxy: bool,
    pub site_dir: PathBuf,
    pub session_hours: u32,
    pub log: String,
    pub log_format: LogFormat,
    /// Serve the WeChat sandbox under /sandbox/wechat/.
    pub sandbox: bool,
    /// Base of WeChat's server APIs (`https://api.weixin.qq.com`, or the sandbox's).
    pub wechat_api_url: String,
    /// Base of WeChat's browser pages (`https://open.weixin.qq.com`, or the sandbox's).
    pub wechat_open_url: String,
    /// The instance's default mini program (AppID, AppSecret): it shows the code for
    /// `pc_miniprogram_qrcode` sources without private deployment. With the sandbox on and none
    /// configured, a sandbox mini program is derived from the master key.
    pub default_miniprogram: Option<(String, Secret<String>)>,
    /// Mini-program code tickets one address may create per minute.
    pub mp_ticket_limit: u32,
    /// Days of login-log and audit lines kept (older ones are swept).
    pub retention_days: u32,
    /// Access tokens signed ES256 (true, the default) or RS256.
    pub access_tokens_es256: bool,
    /// The bearer token `/metrics` on the main address asks for (none: not served there).
    pub metrics_token: Option<Secret<String>>,
    /// A separate address serving only `/metrics`, without a token (keep it private).
    pub metrics_addr: Option<SocketAddr>,
}

impl Config {
    /// Where browsers and WeChat reach this instance: `public_url`, else `http://addr`
    /// (127.0.0.1 for an unspecified address).
    pub fn local_url(&self) -> String {
        local_url(self.public_url.as_deref(), self.addr)
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.expose().starts_with("sqlite:")
    }
}

/// Values from the command line, the highest layer.
#[derive(Clone, Debug, Default)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub addr: Option<String>,
    pub data_dir: Option<String>,
}

// No `Debug`: it holds secrets in clear before they are wrapped.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    addr: Option<String>,
    data_dir: Option<String>,
    database_url: Option<String>,
    master_key: Option<String>,
    admin_password: Option<String>,
    public_url: Option<String>,
    behind_proxy: Option<bool>,
    site_dir: Option<String>,
    session_hours: Option<u32>,
    log: Option<String>,
    log_format: Option<String>,
    sandbox: Option<bool>,
    wechat_api_url: Option<String>,
    wechat_open_url: Option<String>,
    default_miniprogram_appid: Option<String>,
    default_miniprogram_secret: Option<String>,
    mp_ticket_limit: Option<u32>,
    retention_days: Option<u32>,
    access_token_alg: Option<String>,
    metrics_token: Option<String>,
    metrics_addr: Option<String>,
}

/// Loads the configuration from the process environment and the file system.
pub fn load(flags: &Flags) -> Result<Config, String> {
    let mut env = Vec::new();
    for (key, value) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if !key.starts_with(ENV_PREFIX) {
            continue;
        }
        let value = value
            .into_string()
            .map_err(|_| format!("environment variable {key} is not valid UTF-8"))?;
        env.push((key, value));
    }
    load_from(flags, env)
}

/// Loads the configuration from the given environment (tests pass their own).
pub fn load_from(
    flags: &Flags,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, String> {
    let env: BTreeMap<String, String> = env
        .into_iter()
        .filter(|(k, _)| k.starts_with(ENV_PREFIX))
        .collect();
    let mut origin: BTreeMap<&'static str, String> = BTreeMap::new();

    let (mut raw, file_name) = read_file(flags, &env)?;
    if let Some(name) = &file_name {
        for key in KEYS {
            if raw_has(&raw, key) {
                origin.insert(key, name.clone());
            }
        }
    }
    for (name, value) in &env {
        let key = name[ENV_PREFIX.len()..].to_ascii_lowercase();
        // DATONG_CONFIG names the file; DATONG_TEST_* belong to the test suite.
        if key == "config" || key.starts_with("test_") {
            continue;
        }
        let key: &'static str = KEYS.iter().find(|k| **k == key).ok_or_else(|| {
            format!("unknown configuration key `{key}` (environment variable {name})")
        })?;
        set_from_text(&mut raw, key, value, name)?;
        origin.insert(key, format!("environment variable {name}"));
    }
    if let Some(v) = &flags.addr {
        raw.addr = Some(v.clone());
        origin.insert("addr", "--addr".into());
    }
    if let Some(v) = &flags.data_dir {
        raw.data_dir = Some(v.clone());
        origin.insert("data_dir", "--data-dir".into());
    }
    validate(raw, &origin)
}

fn read_file(
    flags: &Flags,
    env: &BTreeMap<String, String>,
) -> Result<(Raw, Option<String>), String> {
    let explicit = flags
        .config
        .clone()
        .or_else(|| env.get("DATONG_CONFIG").map(PathBuf::from));
    let path = match explicit {
        Some(p) => {
            if !p.is_file() {
                return Err(format!("configuration file {} does not exist", p.display()));
            }
            p
        }
        None => {
            let p = PathBuf::from("datong.toml");
            if !p.is_file() {
                return Ok((Raw::default(), None));
            }
            p
        }
    };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read configuration file {name}: {e}"))?;
    let raw = parse_toml(&text).map_err(|e| format!("{name} {e}"))?;
    Ok((raw, Some(name)))
}

fn parse_toml(text: &str) -> Result<Raw, String> {
    toml::from_str::<Raw>(text).map_err(|e| {
        let Some(span) = e.span() else {
            return e.message().trim().to_string();
        };
        let start = span.start.min(text.len());
        let line_no = text[..start].matches('\n').count() + 1;
        // Name the key of the offending line (`key = value`) when the message does not.
        let line = text.lines().nth(line_no - 1).unwrap_or("");
        let key = line
            .split_once('=')
            .map(|(k, _)| k.trim().trim_matches('"'));
        match key {
            Some(k) if !k.is_empty() && !e.message().contains(k) => {
                format!(
                    "line {line_no}: invalid value for `{k}`: {}",
                    e.message().trim()
                )
            }
            _ => format!("line {line_no}: {}", e.message().trim()),
        }
    })
}

fn raw_has(raw: &Raw, key: &str) -> bool {
    match key {
        "addr" => raw.addr.is_some(),
        "data_dir" => raw.data_dir.is_some(),
        "database_url" => raw.database_url.is_some(),
        "master_key" => raw.master_key.is_some(),
        "admin_password" => raw.admin_password.is_some(),
        "public_url" => raw.public_url.is_some(),
        "behind_proxy" => raw.behind_proxy.is_some(),
        "site_dir" => raw.site_dir.is_some(),
        "session_hours" => raw.session_hours.is_some(),
        "log" => raw.log.is_some(),
        "log_format" => raw.log_format.is_some(),
        "sandbox" => raw.sandbox.is_some(),
        "wechat_api_url" => raw.wechat_api_url.is_some(),
        "wechat_open_url" => raw.wechat_open_url.is_some(),
        "default_miniprogram_appid" => raw.default_miniprogram_appid.is_some(),
        "default_miniprogram_secret" => raw.default_miniprogram_secret.is_some(),
        "mp_ticket_limit" => raw.mp_ticket_limit.is_some(),
        "retention_days" => raw.retention_days.is_some(),
        "access_token_alg" => raw.access_token_alg.is_some(),
        "metrics_token" => raw.metrics_token.is_some(),
        "metrics_addr" => raw.metrics_addr.is_some(),
        _ => false,
    }
}

fn set_from_text(raw: &mut Raw, key: &str, value: &str, name: &str) -> Result<(), String> {
    let bad = |expected: &str| {
        format!("invalid value for `{key}` (environment variable {name}): expected {expected}")
    };
    let text = Some(value.to_string());
    match key {
        "addr" => raw.addr = text,
        "data_dir" => raw.data_dir = text,
        "database_url" => raw.database_url = text,
        "master_key" => raw.master_key = text,
        "admin_password" => raw.admin_password = text,
        "public_url" => raw.public_url = text,
        "site_dir" => raw.site_dir = text,
        "log" => raw.log = text,
        "log_format" => raw.log_format = text,
        "wechat_api_url" => raw.wechat_api_url = text,
        "wechat_open_url" => raw.wechat_open_url = text,
        "default_miniprogram_appid" => raw.default_miniprogram_appid = text,
        "default_miniprogram_secret" => raw.default_miniprogram_secret = text,
        "behind_proxy" => {
            raw.behind_proxy = Some(parse_bool(value).ok_or_else(|| bad("true or false"))?)
        }
        "sandbox" => raw.sandbox = Some(parse_bool(value).ok_or_else(|| bad("true or false"))?),
        "metrics_token" => raw.metrics_token = text,
        "metrics_addr" => raw.metrics_addr = text,
        "access_token_alg" => raw.access_token_alg = text,
        "mp_ticket_limit" => {
            raw.mp_ticket_limit = Some(
                value
                    .trim()
                    .parse()
                    .map_err(|_| bad("a whole number of tickets per minute"))?,
            )
        }
        "retention_days" => {
            raw.retention_days = Some(
                value
                    .trim()
                    .parse()
                    .map_err(|_| bad("a whole number of days"))?,
            )
        }
        "session_hours" => {
            raw.session_hours = Some(
                value
                    .trim()
                    .parse()
                    .map_err(|_| bad("a whole number of hours"))?,
            )
        }
        _ => return Err(format!("unknown configuration key `{key}`")),
    }
    Ok(())
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// An http(s) base URL without its trailing slash.
fn base_url(text: &str) -> Result<String, String> {
    let text = text.trim().trim_end_matches('/');
    if (text.starts_with("http://") || text.starts_with("https://"))
        && !text.contains(['?', '#', ' '])
    {
        Ok(text.to_string())
    } else {
        Err("expected an http:// or https:// base URL without query".into())
    }
}

fn validate(raw: Raw, origin: &BTreeMap<&'static str, String>) -> Result<Config, String> {
    let bad = |key: &str, why: String| match origin.get(key) {
        Some(from) => format!("invalid value for `{key}` (from {from}): {why}"),
        None => format!("invalid value for `{key}`: {why}"),
    };

    let addr_text = raw.addr.unwrap_or_else(|| "127.0.0.1:3000".into());
    let addr: SocketAddr = addr_text.trim().parse().map_err(|_| {
        bad(
            "addr",
            format!("`{addr_text}` is not an address like 127.0.0.1:3000"),
        )
    })?;

    let data_dir = PathBuf::from(raw.data_dir.unwrap_or_else(|| "data".into()));
    if data_dir.as_os_str().is_empty() {
        return Err(bad("data_dir", "must not be empty".into()));
    }

    // The embedded default (no database configured) runs the WeChat sandbox; anything else
    // runs it only when asked to.
    let sandbox = raw.sandbox.unwrap_or(raw.database_url.is_none());
    let database_url = match raw.database_url {
        Some(url) => {
            let url = url.trim().to_string();
            let known = ["sqlite:", "postgres://", "postgresql://"];
            if !known.iter().any(|p| url.starts_with(p)) {
                return Err(bad(
                    "database_url",
                    "expected sqlite://PATH or postgres://USER:PASSWORD@HOST/DB".into(),
                ));
            }
            url
        }
        None => default_sqlite_url(&data_dir),
    };

    let master_key = match raw.master_key {
        None => None,
        Some(text) => Some(Secret::new(
            decode_master_key(&text).map_err(|why| bad("master_key", why))?,
        )),
    };

    let admin_password = match raw.admin_password {
        None => None,
        Some(p) if p.chars().count() < crate::crypto::password::MIN_PASSWORD_LEN => {
            return Err(bad(
                "admin_password",
                format!(
                    "must be at least {} characters",
                    crate::crypto::password::MIN_PASSWORD_LEN
                ),
            ));
        }
        Some(p) => Some(Secret::new(p)),
    };

    let public_url = match raw.public_url {
        None => None,
        Some(u) if u.starts_with("http://") || u.starts_with("https://") => {
            Some(u.trim_end_matches('/').to_string())
        }
        Some(_) => {
            return Err(bad(
                "public_url",
                "expected an http:// or https:// URL".into(),
            ));
        }
    };

    let session_hours = raw.session_hours.unwrap_or(12);
    if !(1..=720).contains(&session_hours) {
        return Err(bad("session_hours", "expected 1 to 720".into()));
    }

    let log_format = match raw.log_format.as_deref().map(str::trim) {
        None | Some("text") => LogFormat::Text,
        Some("json") => LogFormat::Json,
        Some(other) => return Err(bad("log_format", format!("`{other}` is not text or json"))),
    };

    // Datong reaches its own sandbox over HTTP, as it would reach WeChat.
    let local = local_url(public_url.as_deref(), addr);
    let wechat_api_url = match raw.wechat_api_url {
        Some(u) => base_url(&u).map_err(|why| bad("wechat_api_url", why))?,
        None if sandbox => format!("{local}/sandbox/wechat/api"),
        None => crate::wechat::client::WECHAT_API.to_string(),
    };
    let wechat_open_url = match raw.wechat_open_url {
        Some(u) => base_url(&u).map_err(|why| bad("wechat_open_url", why))?,
        None if sandbox => format!("{local}/sandbox/wechat/open"),
        None => crate::wechat::client::WECHAT_OPEN.to_string(),
    };

    let default_miniprogram = match (
        raw.default_miniprogram_appid,
        raw.default_miniprogram_secret,
    ) {
        (None, None) => None,
        (Some(appid), Some(secret)) => {
            let appid = appid.trim().to_string();
            app::model::validate::appid(&appid)
                .map_err(|e| bad("default_miniprogram_appid", e.message))?;
            app::model::validate::app_secret(secret.trim())
                .map_err(|e| bad("default_miniprogram_secret", e.message))?;
            Some((appid, Secret::new(secret.trim().to_string())))
        }
        (Some(_), None) => {
            return Err(bad(
                "default_miniprogram_secret",
                "required with default_miniprogram_appid".into(),
            ));
        }
        (None, Some(_)) => {
            return Err(bad(
                "default_miniprogram_appid",
                "required with default_miniprogram_secret".into(),
            ));
        }
    };

    let mp_ticket_limit = raw
        .mp_ticket_limit
        .unwrap_or(crate::state::DEFAULT_TICKET_LIMIT);
    if mp_ticket_limit == 0 {
        return Err(bad("mp_ticket_limit", "expected at least 1".into()));
    }

    let retention_days = raw
        .retention_days
        .unwrap_or(crate::store::sweep::DEFAULT_RETENTION_DAYS);
    if !(1..=crate::store::sweep::MAX_RETENTION_DAYS).contains(&retention_days) {
        return Err(bad(
            "retention_days",
            format!(
                "expected 1 to {} days",
                crate::store::sweep::MAX_RETENTION_DAYS
            ),
        ));
    }

    let access_tokens_es256 = match raw.access_token_alg.as_deref().map(str::trim) {
        None | Some("ES256") => true,
        Some("RS256") => false,
        Some(other) => {
            return Err(bad(
                "access_token_alg",
                format!("`{other}` is not ES256 or RS256"),
            ));
        }
    };

    let metrics_token = match raw.metrics_token {
        None => None,
        Some(t) if t.trim().len() < 16 || t.trim().contains(char::is_whitespace) => {
            return Err(bad(
                "metrics_token",
                "expected at least 16 characters without spaces".into(),
            ));
        }
        Some(t) => Some(Secret::new(t.trim().to_string())),
    };
    let metrics_addr = match raw.metrics_addr {
        None => None,
        Some(text) => {
            let parsed: SocketAddr = text.trim().parse().map_err(|_| {
                bad(
                    "metrics_addr",
                    format!("`{text}` is not an address like 127.0.0.1:9100"),
                )
            })?;
            if parsed == addr {
                return Err(bad("metrics_addr", "must differ from `addr`".into()));
            }
            Some(parsed)
        }
    };

    Ok(Config {
        addr,
        data_dir,
        database_url: Secret::new(database_url),
        master_key,
        admin_password,
        public_url,
        behind_proxy: raw.behind_proxy.unwrap_or(false),
        site_dir: PathBuf::from(raw.site_dir.unwrap_or_else(|| "target/site".into())),
        session_hours,
        log: raw.log.unwrap_or_else(|| "info".into()),
        log_format,
        sandbox,
        wechat_api_url,
        wechat_open_url,
        default_miniprogram,
        mp_ticket_limit,
        retention_days,
        access_tokens_es256,
        metrics_token,
        metrics_addr,
    })
}

fn local_url(public_url: Option<&str>, addr: SocketAddr) -> String {
    match public_url {
        Some(u) => u.to_string(),
        None if addr.ip().is_unspecified() => format!("http://127.0.0.1:{}", addr.port()),
        None => format!("http://{addr}"),
    }
}

pub fn default_sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("datong.db").display())
}

pub fn decode_master_key(text: &str) -> Result<[u8; 32], String> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| {
            "expected 32 random bytes in base64 (for example `openssl rand -base64 32`)".into()
        })
}

/// A database URL fit for messages: the password, if any, replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    // The user info ends at the last `@` before the query: a password may hold `/` or `@`.
    let query = rest.find('?').unwrap_or(rest.len());
    let authority = &rest[..query];
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            let user = userinfo.split(':').next().unwrap_or("");
            let masked = if userinfo.contains(':') {
                format!("{user}:***")
            } else {
                user.to_string()
            };
            format!("{}{}{}", &url[..scheme_end + 3], masked, &rest[at..])
        }
        None => url.to_string(),
    }
}
