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

use common::qr_login::{self, login};

use std::sync::Arc;

const APPID: &str = "wx0be0c0000000b0a1";
const SECRET: &str = "bench-login-secret";
const PERSONAS: usize = 200;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let logins: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(32);
    let database_url = args.next();

    let bin = common::datong_binary();
    let pair = common::start_pair(&bin, "login-bench", database_url.as_deref());

    let http = common::browser_client();
    let setup = Arc::new(qr_login::setup(&http, &pair, APPID, SECRET, PERSONAS).await);
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
