//! Benchmark (a program, not a test): do the tables that grow with logins stay flat? Complete
//! website QR logins (200,000 by default) run in phases through a real `datong` with the
//! standalone sandbox as WeChat. Between phases both processes' wall clock jumps forward
//! (libfaketime, which reads the offset from a file; their monotonic clocks, and so timeouts
//! and schedules, are left alone) and `datong sweep` runs under the same clock, as one instance
//! does every 10 minutes. After each phase it prints every table's rows.
//!
//! `cargo run --release -p server --example flat_bench -- [logins] [phases] [days per phase] [concurrency] [database_url]`
//!
//! Needs libfaketime (`apt-get install faketime`; `make bench` installs it). Defaults: 200,000
//! logins in 20 phases of 3 days (60 days in all: past the 30-day refresh tokens), concurrency
//! 32, SQLite, and login-log retention of 14 days (`DATONG_RETENTION_DAYS`), so that every
//! table that grows with logins has reached its bound before the end.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::qr_login::{self, login_with};

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::Database;

const APPID: &str = "wx0be0c0000000b0a1";
const SECRET: &str = "bench-login-secret";
const PERSONAS: usize = 200;
const RETENTION_DAYS: u32 = 14;
/// Where Debian's `libfaketime` puts its thread-safe library, per architecture.
const LIBFAKETIME: &[&str] = &[
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
];

/// Every table a login writes, in the order printed.
const TABLES: &[&str] = &[
    "oidc_auth_requests",
    "login_attempts",
    "oidc_codes",
    "sso_sessions",
    "oidc_grants",
    "oidc_refresh_tokens",
    "login_log",
    "audit_log",
    "users",
    "identities",
];

fn short(table: &str) -> &str {
    table.trim_start_matches("oidc_")
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let logins: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let phases: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let days_per_phase: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(32);
    let database_url = args.next();
    let libfaketime = LIBFAKETIME
        .iter()
        .find(|p| Path::new(p).exists())
        .expect("libfaketime is missing: apt-get install faketime");

    // The offset both processes read: "+0d" now, "+3d" after the first phase, and so on.
    let clock_file =
        std::env::temp_dir().join(format!("datong-flat-{}.faketime", std::process::id()));
    std::fs::write(&clock_file, "+0d\n").unwrap();
    let faked = [
        ("LD_PRELOAD", libfaketime.to_string()),
        ("FAKETIME_TIMESTAMP_FILE", clock_file.display().to_string()),
        ("FAKETIME_CACHE_DURATION", "1".to_string()),
        ("FAKETIME_DONT_FAKE_MONOTONIC", "1".to_string()),
        ("DATONG_RETENTION_DAYS", RETENTION_DAYS.to_string()),
    ];

    let bin = common::datong_binary();
    let pair = common::start_pair_with(&bin, "flat-bench", database_url.as_deref(), &faked);
    let url = database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            pair.scratch.join("datong/datong.db").display()
        )
    });
    let db = Database::connect(&url).await.unwrap();

    let http = common::browser_client();
    let setup = Arc::new(qr_login::setup(&http, &pair, APPID, SECRET, PERSONAS).await);

    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    println!(
        "machine: {cores} cores; database: {}; {logins} complete logins of {PERSONAS} personas in \
         {phases} phases, the clock {days_per_phase} days on after each, then `datong sweep`; \
         login-log retention {RETENTION_DAYS} days",
        if database_url.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    let header: Vec<String> = TABLES.iter().map(|t| format!("{:>16}", short(t))).collect();
    println!(
        "{:>5} {:>8} {:>7} {}",
        "day",
        "logins",
        "s",
        header.join("")
    );

    let per_phase = logins.div_ceil(phases);
    let started = Instant::now();
    let mut done = 0;
    let mut peak = vec![0i64; TABLES.len()];
    let mut last = vec![0i64; TABLES.len()];
    for phase in 0..phases {
        let n = per_phase.min(logins - done);
        let offset = done;
        let job_setup = setup.clone();
        let job_http = http.clone();
        common::timed(n, concurrency, move |i| {
            let (http, setup) = (job_http.clone(), job_setup.clone());
            let persona = setup.personas[(offset + i) % setup.personas.len()];
            // With a refresh token, as an application that keeps people signed in does.
            async move {
                login_with(&http, &setup, persona, "openid profile offline_access").await;
            }
        })
        .await;
        done += n;

        // Days pass (each process reads the file again within a second), then the sweep.
        let day = (phase as u32 + 1) * days_per_phase;
        std::fs::write(&clock_file, format!("+{day}d\n")).unwrap();
        tokio::time::sleep(Duration::from_millis(2_500)).await;
        // The server's own sweep (every 10 minutes of real time) may have run at the new time
        // first; then it holds the sweep, and its round is the same one.
        if let Err(e) = pair.try_run(&["sweep"]) {
            assert!(e.contains("another instance is sweeping"), "{e}");
        }

        let mut row = Vec::new();
        for (i, table) in TABLES.iter().enumerate() {
            let n = common::count(&db, &format!("SELECT count(*) FROM {table}")).await;
            peak[i] = peak[i].max(n);
            last[i] = n;
            row.push(format!("{n:>16}"));
        }
        println!(
            "{day:>5} {done:>8} {:>7.0} {}",
            started.elapsed().as_secs_f64(),
            row.join("")
        );
    }

    println!("largest count seen, per table, against the logins run ({done}):");
    for (i, table) in TABLES.iter().enumerate() {
        println!(
            "  {:<22} peak {:>8}, at the end {:>8} ({:.3} rows per login at the peak)",
            table,
            peak[i],
            last[i],
            peak[i] as f64 / done as f64
        );
    }
    println!(
        "datong peak memory (VmHWM): {}",
        common::peak_memory(pair.server.id())
    );
    pair.stop();
    let _ = std::fs::remove_file(&clock_file);
}
