//! Benchmark (a program, not a test): logins inside a mini program through the WeChat grant,
//! against a running `datong` with the standalone sandbox as WeChat in another process. One
//! login is what the mini program does: `wx.login` (a code from the sandbox phone), then
//! `POST /oauth/token` with `urn:datong:params:oauth:grant-type:wechat` (Datong calls
//! `jscode2session`, resolves the person and answers the tokens).
//!
//! `cargo run --release -p server --example grant_bench -- [logins per level] [database_url]`
//!
//! Runs at concurrency 1, 8 and 32 and prints, per level, logins/s, p50/p99 and the CPU per login
//! of datong, of the sandbox and (PostgreSQL) of the database, and the statements datong sent
//! per login (its `/metrics`). Build the binary first
//! (`cargo build --release -p server --bin datong`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use serde_json::{Value, json};

const APPID: &str = "wx0be0c0000000b0b2";
const SECRET: &str = "bench-grant-secret";
const GRANT: &str = "urn:datong:params:oauth:grant-type:wechat";
const PERSONAS: usize = 200;

struct Setup {
    datong: String,
    phone: String,
    client_id: String,
    personas: Vec<i64>,
}

/// One login inside the mini program as `persona`; panics on any unexpected answer.
async fn login(http: &reqwest::Client, s: &Setup, persona: i64) {
    let code: Value = http
        .post(format!("{}/wx_login", s.phone))
        .json(&json!({"persona_id": persona, "appid": APPID}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = code["code"].as_str().unwrap();
    let r = http
        .post(format!("{}/oauth/token", s.datong))
        .form(&[
            ("grant_type", GRANT),
            ("client_id", s.client_id.as_str()),
            ("source", "bench-mp"),
            ("code", code),
            ("scope", "openid profile"),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert!(
        status.is_success() && body["id_token"].is_string(),
        "{status} {body}"
    );
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let logins: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let database_url = args.next();

    let bin = common::datong_binary();
    let pair = common::start_pair(&bin, "grant-bench", database_url.as_deref());
    let (datong, sandbox, api_token) = (
        pair.datong.clone(),
        pair.sandbox_url.clone(),
        pair.api_token.clone(),
    );
    let http = reqwest::Client::builder()
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
    let source = api(
        "/api/v1/sources",
        json!({"identifier": "bench-mp", "mode": "miniprogram", "display_name": "Bench",
               "callback_url": "https://rp.example.com/after", "appid": APPID, "app_secret": SECRET}),
    )
    .await;
    let app = api(
        "/api/v1/applications",
        json!({"name": "Bench MP", "app_type": "mini_program", "sources": [source["id"]]}),
    )
    .await;
    let phone = format!("{sandbox}/sandbox/wechat/phone/api");
    let personas = common::personas(&http, &phone, PERSONAS).await;
    let setup = Arc::new(Setup {
        datong,
        phone,
        client_id: app["application"]["client_id"]
            .as_str()
            .unwrap_or_else(|| panic!("{app}"))
            .into(),
        personas,
    });
    for p in setup.personas.iter().take(4) {
        login(&http, &setup, *p).await;
    }
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    println!(
        "machine: {cores} cores; bench, datong and the standalone sandbox on the same machine"
    );
    println!(
        "database: {}; {logins} grant logins per level ({PERSONAS} personas)",
        if database_url.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    for concurrency in [1, 8, 32] {
        let sent_before = common::statements(&http, &setup.datong).await;
        let before = [
            common::cpu_time(pair.server.id()),
            common::cpu_time(pair.sandbox.id()),
            common::cpu_time_of_all("postgres"),
        ];
        let (http2, setup2) = (http.clone(), setup.clone());
        let (latencies, elapsed) = common::timed(logins, concurrency, move |i| {
            let (http, setup) = (http2.clone(), setup2.clone());
            async move { login(&http, &setup, setup.personas[i % setup.personas.len()]).await }
        })
        .await;
        let after = [
            common::cpu_time(pair.server.id()),
            common::cpu_time(pair.sandbox.id()),
            common::cpu_time_of_all("postgres"),
        ];
        let per: Vec<f64> = after
            .iter()
            .zip(before)
            .map(|(a, b)| common::ms(a.saturating_sub(b)) / latencies.len() as f64)
            .collect();
        let sent = common::statements_per(
            &sent_before,
            &common::statements(&http, &setup.datong).await,
            latencies.len(),
        );
        let postgres = if database_url.is_some() { per[2] } else { 0.0 };
        println!(
            "concurrency {concurrency:>2}: {:.0} logins/s, p50 {:.1} ms, p99 {:.1} ms; CPU per login: datong {:.2} ms, PostgreSQL {postgres:.2} ms, sandbox {:.2} ms",
            latencies.len() as f64 / elapsed.as_secs_f64(),
            common::ms(common::percentile(&latencies, 0.50)),
            common::ms(common::percentile(&latencies, 0.99)),
            per[0],
            per[1],
        );
        println!("  statements per login: {sent}");
    }
    println!(
        "datong peak memory (VmHWM): {}",
        common::peak_memory(pair.server.id())
    );
    pair.stop();
}
