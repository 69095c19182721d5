//! Benchmark (a program, not a test): Datong beside node-oidc-provider 9 (OpenID Certified,
//! Node.js, in-memory storage) in one run, on the same machine, driven by the same client.
//!
//! For each server it times complete logins and refresh grants and reads each server's CPU
//! time from /proc, so the figures compare work per operation rather than wall time, which
//! drifts on a shared machine. Datong's login includes WeChat (the standalone sandbox, in its
//! own process and not counted); the peer's login completes by itself (no upstream login).
//! Both issue RS256 ID tokens and rotate refresh tokens.
//!
//! `cargo run --release -p server --example peer_bench -- [operations] [concurrency] [database_url]`
//!
//! Needs `target/release/datong` and the peer installed in `target/peer-bench` (`make bench`
//! copies `server/examples/peer/` there and runs `npm install`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::qr_login::{self, REDIRECT, VERIFIER};

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

const APPID: &str = "wx0be0c0000000b0a1";
const SECRET: &str = "bench-login-secret";
const PERSONAS: usize = 200;
const SCOPE: &str = "openid profile offline_access";
const PEER_CLIENT: &str = "peer-bench";
const PEER_SECRET: &str = "peer-bench-secret-peer-bench-secret";

/// What one timed run of one operation cost.
struct Figures {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// CPU per operation: the server process, and its database server (PostgreSQL).
    server_ms: f64,
    database_ms: f64,
}

impl Figures {
    fn cpu_ms(&self) -> f64 {
        self.server_ms + self.database_ms
    }
}

/// Runs `count` jobs on `concurrency` tasks and reads the CPU `server` (and PostgreSQL, when
/// `postgres`) spent meanwhile.
async fn measure<F, Fut>(
    server: u32,
    postgres: bool,
    count: usize,
    concurrency: usize,
    job: F,
) -> Figures
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let db = || {
        if postgres {
            common::cpu_time_of_all("postgres")
        } else {
            Duration::ZERO
        }
    };
    let (server_before, db_before) = (common::cpu_time(server), db());
    let (latencies, elapsed) = common::timed(count, concurrency, job).await;
    let (server_after, db_after) = (common::cpu_time(server), db());
    let per = |d: Duration| common::ms(d) / latencies.len() as f64;
    Figures {
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: common::ms(common::percentile(&latencies, 0.50)),
        p99_ms: common::ms(common::percentile(&latencies, 0.99)),
        server_ms: per(server_after.saturating_sub(server_before)),
        database_ms: per(db_after.saturating_sub(db_before)),
    }
}

/// Refresh tokens, one per chain; a chain is used by one job at a time (a refresh token is
/// spent by its refresh, and spending one twice ends the grant).
type Chains = Arc<Vec<Mutex<Option<String>>>>;

fn chains(tokens: Vec<String>) -> Chains {
    Arc::new(tokens.into_iter().map(|t| Mutex::new(Some(t))).collect())
}

/// Refreshes chain `i % len` at `token_url` as `client` and keeps the new refresh token.
async fn refresh(
    http: &reqwest::Client,
    token_url: &str,
    client: (&str, &str),
    chains: &Chains,
    i: usize,
) {
    let chain = &chains[i % chains.len()];
    // Taken out for the call: another job on the same chain waits for it to come back.
    let token = loop {
        if let Some(t) = chain.lock().unwrap().take() {
            break t;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let answer: Value = common::json_of(
        http.post(token_url)
            .basic_auth(client.0, Some(client.1))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", &token)]),
    )
    .await;
    let next = answer["refresh_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"));
    assert!(answer["id_token"].is_string(), "{answer}");
    *chain.lock().unwrap() = Some(next.to_string());
}

/// The cookies a browser would hold for one origin.
#[derive(Default)]
struct Jar(HashMap<String, String>);

impl Jar {
    fn keep(&mut self, r: &reqwest::Response) {
        for v in r.headers().get_all("set-cookie") {
            let pair = v.to_str().unwrap().split(';').next().unwrap();
            if let Some((name, value)) = pair.split_once('=') {
                self.0.insert(name.trim().to_string(), value.to_string());
            }
        }
    }

    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// One complete login at the peer: authorize → interaction (signs in and consents) → resume →
/// token → userinfo. Returns the token response.
async fn peer_login(http: &reqwest::Client, peer: &str) -> Value {
    let challenge = datong::tokens::grants::s256(VERIFIER);
    let q = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", PEER_CLIENT)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("response_type", "code")
        .append_pair("scope", SCOPE)
        // The peer grants offline_access only with a consent prompt.
        .append_pair("prompt", "consent")
        .append_pair("state", "bench")
        .append_pair("nonce", "bench")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    let mut jar = Jar::default();
    let mut url = format!("{peer}/auth?{q}");
    let code = loop {
        let r = http
            .get(&url)
            .header("cookie", jar.header())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{url}: {}", r.text().await.unwrap());
        jar.keep(&r);
        let to = r.headers()["location"].to_str().unwrap().to_string();
        if to.starts_with(REDIRECT) {
            let back = url::Url::parse(&to).unwrap();
            break back
                .query_pairs()
                .find(|(k, _)| k == "code")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_else(|| panic!("{to}"));
        }
        url = if to.starts_with('/') {
            format!("{peer}{to}")
        } else {
            to
        };
    };
    let (tokens, info) = qr_login::redeem(
        http,
        &format!("{peer}/token"),
        &format!("{peer}/me"),
        (PEER_CLIENT, PEER_SECRET),
        &code,
    )
    .await;
    assert!(info["sub"].is_string(), "{info}");
    tokens
}

fn refresh_token_of(tokens: &Value) -> String {
    tokens["refresh_token"]
        .as_str()
        .unwrap_or_else(|| panic!("no refresh token: {tokens}"))
        .to_string()
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(32);
    let database_url = args.next();
    let postgres = database_url.is_some();
    let peer_script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/peer-bench/server.mjs");
    assert!(
        peer_script.exists() && peer_script.with_file_name("node_modules").exists(),
        "{} is missing: `make bench` installs it (server/examples/peer, npm install)",
        peer_script.display()
    );
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();

    // Datong, with WeChat (the sandbox) in its own process.
    let pair = common::start_pair(
        &common::datong_binary(),
        "peer-bench",
        database_url.as_deref(),
    );
    let setup = Arc::new(qr_login::setup(&http, &pair, APPID, SECRET, PERSONAS).await);
    for p in setup.personas.iter().take(4) {
        qr_login::login_with(&http, &setup, *p, SCOPE).await;
    }
    let sent_before = common::statements(&http, &pair.datong).await;
    let datong_logins = measure(pair.server.id(), postgres, count, concurrency, {
        let (http, setup) = (http.clone(), setup.clone());
        move |i| {
            let (http, setup) = (http.clone(), setup.clone());
            async move {
                let persona = setup.personas[i % setup.personas.len()];
                qr_login::login_with(&http, &setup, persona, SCOPE).await;
            }
        }
    })
    .await;
    let sent_logins = common::statements_per(
        &sent_before,
        &common::statements(&http, &pair.datong).await,
        count,
    );
    let mut tokens = Vec::new();
    for p in setup.personas.iter().take(concurrency) {
        tokens.push(refresh_token_of(
            &qr_login::login_with(&http, &setup, *p, SCOPE).await,
        ));
    }
    let datong_chains = chains(tokens);
    let refresh_before = common::statements(&http, &pair.datong).await;
    let datong_refreshes = measure(pair.server.id(), postgres, count, concurrency, {
        let (http, url) = (http.clone(), format!("{}/oauth/token", setup.datong));
        let client = (setup.client_id.clone(), setup.client_secret.clone());
        move |i| {
            let (http, url, client, chains) = (
                http.clone(),
                url.clone(),
                client.clone(),
                datong_chains.clone(),
            );
            async move { refresh(&http, &url, (&client.0, &client.1), &chains, i).await }
        }
    })
    .await;
    let sent_refreshes = common::statements_per(
        &refresh_before,
        &common::statements(&http, &pair.datong).await,
        count,
    );
    let datong_memory = common::peak_memory(pair.server.id());
    pair.stop();

    // The peer.
    let (mut node, addr) =
        common::spawn_listening(Path::new("node"), &[peer_script.to_str().unwrap()], &[]);
    let peer = format!("http://{addr}");
    for _ in 0..4 {
        peer_login(&http, &peer).await;
    }
    let peer_logins = measure(node.id(), false, count, concurrency, {
        let (http, peer) = (http.clone(), peer.clone());
        move |_| {
            let (http, peer) = (http.clone(), peer.clone());
            async move {
                peer_login(&http, &peer).await;
            }
        }
    })
    .await;
    let mut tokens = Vec::new();
    for _ in 0..concurrency {
        tokens.push(refresh_token_of(&peer_login(&http, &peer).await));
    }
    let peer_chains = chains(tokens);
    let peer_refreshes = measure(node.id(), false, count, concurrency, {
        let (http, url) = (http.clone(), format!("{peer}/token"));
        move |i| {
            let (http, url, chains) = (http.clone(), url.clone(), peer_chains.clone());
            async move { refresh(&http, &url, (PEER_CLIENT, PEER_SECRET), &chains, i).await }
        }
    })
    .await;
    let peer_memory = common::peak_memory(node.id());
    common::stop(&mut node);

    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    println!(
        "machine: {cores} cores; the client, both servers (one at a time) and the database on it"
    );
    println!(
        "Datong on {}; node-oidc-provider 9 (in memory); {count} operations each, concurrency {concurrency}",
        if postgres { "PostgreSQL" } else { "SQLite" }
    );
    println!(
        "{:<44} {:>9} {:>9} {:>9} {:>28}",
        "", "per s", "p50 ms", "p99 ms", "CPU per operation"
    );
    let row = |what: &str, f: &Figures| {
        let cpu = if postgres && what.starts_with("Datong") {
            format!(
                "{:.2} + PG {:.2} = {:.2} ms",
                f.server_ms,
                f.database_ms,
                f.cpu_ms()
            )
        } else {
            format!("{:.2} ms", f.cpu_ms())
        };
        println!(
            "{what:<44} {:>9.0} {:>9.1} {:>9.1} {cpu:>28}",
            f.per_second, f.p50_ms, f.p99_ms
        );
    };
    row("Datong: complete login (WeChat QR)", &datong_logins);
    row("node-oidc-provider: complete login", &peer_logins);
    row("Datong: refresh grant", &datong_refreshes);
    row("node-oidc-provider: refresh grant", &peer_refreshes);
    println!(
        "CPU ratio Datong / peer: login {:.2}, refresh {:.2}",
        datong_logins.cpu_ms() / peer_logins.cpu_ms(),
        datong_refreshes.cpu_ms() / peer_refreshes.cpu_ms()
    );
    println!("peak memory (VmHWM): Datong {datong_memory}, node-oidc-provider {peer_memory}");
    println!("Datong's statements per login: {sent_logins}");
    println!("Datong's statements per refresh: {sent_refreshes}");
}
