//! Benchmark (a program, not a test): how many `sns/oauth2/access_token` + `sns/userinfo`
//! pairs per second Datong's WeChat client completes against the standalone sandbox.
//!
//! `cargo run --release -p server --example wechat_bench -- [pairs] [concurrency]`
//!
//! It starts `target/release/datong sandbox` on a free port with a scratch data directory
//! (build it first: `cargo build --release -p server`), prepares one code per pair through the
//! phone API (not timed), then times the pairs and prints throughput, latency percentiles and
//! the sandbox's peak memory.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use datong::crypto::Secret;
use datong::wechat::WeChatClient;
use serde_json::{Value, json};

const APPID: &str = "wx0be0c0000000b001";
const SECRET: &str = "bench-secret";

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let pairs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(32);

    let bin = common::datong_binary();
    let data = std::env::temp_dir().join(format!("datong-bench-{}", std::process::id()));
    let data_dir = data.to_string_lossy().to_string();
    let (mut child, addr) = common::spawn_listening(
        &bin,
        &["sandbox", "--addr", "127.0.0.1:0", "--data-dir", &data_dir],
        &[("DATONG_LOG", "info".to_string())],
    );
    let base = format!("http://{addr}/sandbox/wechat");

    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        let http = http.clone();
        let url = format!("{base}/{path}");
        async move {
            http.post(url)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    post(
        "admin/api/apps",
        json!({"appid": APPID, "kind": "mobile_app", "secret": SECRET}),
    )
    .await;
    let persona = post("phone/api/personas", json!({"nickname": "Bench"})).await["id"]
        .as_i64()
        .unwrap();

    // One code per pair, made before timing starts.
    let prepared = Instant::now();
    let mut codes = Vec::with_capacity(pairs);
    let mut makers = Vec::new();
    for i in 0..concurrency {
        let http = http.clone();
        let url = format!("{base}/phone/api/app_auth");
        let share = pairs / concurrency + usize::from(i < pairs % concurrency);
        makers.push(tokio::spawn(async move {
            let mut mine = Vec::with_capacity(share);
            for _ in 0..share {
                let v: Value = common::json_of(
                    http.post(&url)
                        .json(&json!({"persona_id": persona, "appid": APPID})),
                )
                .await;
                mine.push(v["code"].as_str().unwrap().to_string());
            }
            mine
        }));
    }
    for m in makers {
        codes.extend(m.await.unwrap());
    }
    eprintln!(
        "prepared {pairs} codes in {:.1} s",
        prepared.elapsed().as_secs_f64()
    );

    let client = WeChatClient::new(
        &format!("{base}/api"),
        &format!("{base}/open"),
        Duration::from_secs(10),
    );
    let secret = Secret::new(SECRET.to_string());
    let codes = Arc::new(codes);
    let (latencies, elapsed) = common::timed(codes.len(), concurrency, move |i| {
        let (client, secret, codes) = (client.clone(), secret.clone(), codes.clone());
        async move {
            let token = client
                .exchange_code(APPID, &secret, &codes[i])
                .await
                .unwrap();
            let info = client
                .user_info(&token.access_token, &token.openid)
                .await
                .unwrap();
            assert_eq!(info.nickname, "Bench");
        }
    })
    .await;
    let pct = |p: f64| common::percentile(&latencies, p);
    let peak = common::peak_memory(child.id());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    println!("machine: {cores} cores; client and standalone sandbox on the same machine");
    println!(
        "pairs (sns/oauth2/access_token + sns/userinfo): {}",
        latencies.len()
    );
    println!("concurrency: {concurrency}");
    println!("elapsed: {:.2} s", elapsed.as_secs_f64());
    println!(
        "throughput: {:.0} pairs/s",
        latencies.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latency per pair: p50 {:.2} ms, p99 {:.2} ms",
        common::ms(pct(0.50)),
        common::ms(pct(0.99))
    );
    println!("sandbox peak memory (VmHWM): {peak}");
    common::stop(&mut child);
    let _ = std::fs::remove_dir_all(&data);
}
