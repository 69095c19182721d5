//! Benchmark (a program, not a test): complete PC QR logins per second through a running
//! `datong`, with the standalone sandbox as WeChat in another process. One login is what a
//! browser, a phone and an application do together: `/oauth/authorize` → the source's button →
//! the sandbox's QR page → scan and confirm through the phone API → Datong's callback (code
//! exchange, userinfo, identity resolution, SSO session, authorization code) → `/oauth/token`
//! → `/oauth/userinfo`.
//!
//! `cargo run --release -p server --example login_bench -- [logins] [concurrency] [database_url]`
//!
//! Without a database URL Datong uses SQLite in a scratch directory. Build the binary first
//! (`cargo build --release -p server --bin datong`). Personas are created before timing; each
//! logs in several times (first logins and returning ones).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use serde_json::{Value, json};

const APPID: &str = "wx0be0c0000000b0a1";
const SECRET: &str = "bench-login-secret";
const REDIRECT: &str = "https://rp.example.com/cb";
const VERIFIER: &str = "bench-verifier-bench-verifier-bench-verifier-0001";
const PERSONAS: usize = 200;

fn param(url: &str, key: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no {key} in {url}"))
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

struct Setup {
    datong: String,
    sandbox: String,
    client_id: String,
    client_secret: String,
    personas: Vec<i64>,
}

/// One complete login as `persona`; panics on any unexpected answer.
async fn login(http: &reqwest::Client, s: &Setup, persona: i64) {
    let challenge = datong::tokens::grants::s256(VERIFIER);
    let q = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &s.client_id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid profile")
        .append_pair("state", "bench")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    let r = http
        .get(format!("{}/oauth/authorize?{q}", s.datong))
        .send()
        .await
        .unwrap();
    let request = param(&format!("http://x{}", location(&r)), "request");
    let r = http
        .get(format!(
            "{}/login/wechat/bench-qr?request={request}",
            s.datong
        ))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let qr = location(&r);
    let state = param(&qr, "state");
    let page = http.get(&qr).send().await.unwrap().text().await.unwrap();
    let scan = page
        .split("data-scan-url=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let uuid = param(&scan, "uuid");
    let phone = |path: &str, body: Value| {
        http.post(format!("{}/sandbox/wechat/phone/api/{path}", s.sandbox))
            .json(&body)
            .send()
    };
    assert!(
        phone("scan", json!({"persona_id": persona, "url": scan}))
            .await
            .unwrap()
            .status()
            .is_success()
    );
    assert!(
        phone("confirm", json!({"persona_id": persona, "uuid": uuid}))
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let poll = http
        .get(format!(
            "{}/sandbox/wechat/open/connect/l/qrconnect?uuid={uuid}",
            s.sandbox
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let wx_code = poll
        .split("wx_code='")
        .nth(1)
        .unwrap()
        .trim_end_matches("';");
    let r = http
        .get(format!(
            "{}/login/wechat/bench-qr/callback?code={wx_code}&state={state}",
            s.datong
        ))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let code = param(&location(&r), "code");
    let tokens: Value = common::json_of(
        http.post(format!("{}/oauth/token", s.datong))
            .basic_auth(&s.client_id, Some(&s.client_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ]),
    )
    .await;
    let access = tokens["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{tokens}"));
    let info: Value = common::json_of(
        http.get(format!("{}/oauth/userinfo", s.datong))
            .bearer_auth(access),
    )
    .await;
    assert!(info["sub"].as_str().unwrap().starts_with("u_"));
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let logins: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(32);
    let database_url = args.next();

    let bin = common::datong_binary();
    let pair = common::start_pair(&bin, "login-bench", database_url.as_deref());
    let (datong, sandbox, api_token) = (
        pair.datong.clone(),
        pair.sandbox_url.clone(),
        pair.api_token.clone(),
    );

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(256)
        .build()
        .unwrap();
    let api = |path: &str, body: Value| {
        let r = http
            .post(format!("{datong}{path}"))
            .bearer_auth(&api_token)
            .json(&body)
            .send();
        async move { r.await.unwrap().json::<Value>().await.unwrap() }
    };
    let identifier = "bench-qr";
    let source = api(
        "/api/v1/sources",
        json!({"identifier": identifier, "mode": "pc_qrcode", "display_name": "Bench",
               "callback_url": "https://rp.example.com/after", "appid": APPID, "app_secret": SECRET}),
    )
    .await;
    let app = api(
        "/api/v1/applications",
        json!({"name": "Bench RP", "app_type": "web", "redirect_uris": [REDIRECT],
               "sources": [source["id"]]}),
    )
    .await;
    let personas = common::personas(
        &http,
        &format!("{sandbox}/sandbox/wechat/phone/api"),
        PERSONAS,
    )
    .await;
    let setup = Arc::new(Setup {
        datong,
        sandbox,
        client_id: app["application"]["client_id"]
            .as_str()
            .unwrap_or_else(|| panic!("{app}"))
            .into(),
        client_secret: app["client_secret"].as_str().unwrap().into(),
        personas,
    });
    // Warm-up (not timed): the first login of a few personas.
    for p in setup.personas.iter().take(4) {
        login(&http, &setup, *p).await;
    }

    // CPU used during the timed part, per process: where the time of a login goes.
    let me = std::process::id();
    let cpu = |pid: u32| common::cpu_time(pid);
    let cpu_before = [
        cpu(pair.server.id()),
        cpu(pair.sandbox.id()),
        common::cpu_time_of_all("postgres"),
        cpu(me),
    ];
    let (latencies, elapsed) = common::timed(logins, concurrency, move |i| {
        let (http, setup) = (http.clone(), setup.clone());
        async move { login(&http, &setup, setup.personas[i % setup.personas.len()]).await }
    })
    .await;
    let cpu_after = [
        cpu(pair.server.id()),
        cpu(pair.sandbox.id()),
        common::cpu_time_of_all("postgres"),
        cpu(me),
    ];
    let pct = |p: f64| common::percentile(&latencies, p);
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    println!(
        "machine: {cores} cores; bench, datong and the standalone sandbox on the same machine"
    );
    println!(
        "database: {}",
        if database_url.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    println!(
        "complete logins: {} ({} personas), concurrency {concurrency}",
        latencies.len(),
        PERSONAS
    );
    println!("elapsed: {:.2} s", elapsed.as_secs_f64());
    println!(
        "throughput: {:.0} logins/s",
        latencies.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latency per login: p50 {:.1} ms, p99 {:.1} ms",
        common::ms(pct(0.50)),
        common::ms(pct(0.99))
    );
    let per_login: Vec<f64> = cpu_after
        .iter()
        .zip(cpu_before)
        .map(|(after, before)| common::ms(after.saturating_sub(before)) / latencies.len() as f64)
        .collect();
    // SQLite runs inside datong; PostgreSQL's server processes are counted on their own.
    let postgres = if database_url.is_some() {
        per_login[2]
    } else {
        0.0
    };
    let total = per_login[0] + per_login[1] + postgres + per_login[3];
    println!(
        "CPU per login: datong {:.2} ms, sandbox {:.2} ms, PostgreSQL {postgres:.2} ms, this client {:.2} ms; \
         total {total:.2} ms, so {cores} cores allow at most {:.0} logins/s",
        per_login[0],
        per_login[1],
        per_login[3],
        cores as f64 * 1000.0 / total
    );
    println!(
        "datong peak memory (VmHWM): {}; sandbox: {}",
        common::peak_memory(pair.server.id()),
        common::peak_memory(pair.sandbox.id())
    );
    pair.stop();
}
