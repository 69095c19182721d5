//! Soak (a program, not a test): `datong` killed with SIGKILL in the middle of a login load,
//! then started again on the same data. Prints what was lost or duplicated, which must be
//! nothing:
//! - SQLite's `PRAGMA integrity_check` says ok (SQLite runs);
//! - no user without a WeChat identity, no identity without a user, no UnionID held by two
//!   users, and no person (persona) who became two users;
//! - every login after the restart succeeds, and the time until `/readyz` answers again;
//! - then, with WeChat taking 3 s per code exchange and 50 logins waiting on it, how long other
//!   requests (`/healthz`, the management API, discovery) take.
//!
//! `cargo run --release -p server --example soak -- [logins] [concurrency] [database_url]`
//! (build `--bin datong` first; `make soak` runs it on SQLite and PostgreSQL).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::qr_login::{self, login};

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::count;
use sea_orm::{ConnectionTrait, Database, Statement};

const APPID: &str = "wx0be0c0000000b0a1";
const SECRET: &str = "bench-login-secret";
const PERSONAS: usize = 100;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let logins: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(600);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(16);
    let database_url = args.next();

    let bin = common::datong_binary();
    let mut pair = common::start_pair(&bin, "soak", database_url.as_deref());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let setup = Arc::new(qr_login::setup(&http, &pair, APPID, SECRET, PERSONAS).await);

    // Logins in flight while datong is killed: some fail (refused, reset), which is expected.
    // A failed login panics inside its own task; those panics are counted, not printed.
    std::panic::set_hook(Box::new(|_| {}));
    let (done, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let load = {
        let (http, setup, done, failed) =
            (http.clone(), setup.clone(), done.clone(), failed.clone());
        tokio::spawn(async move {
            let next = Arc::new(AtomicUsize::new(0));
            let workers: Vec<_> = (0..concurrency)
                .map(|_| {
                    let (http, setup, done, failed, next) = (
                        http.clone(),
                        setup.clone(),
                        done.clone(),
                        failed.clone(),
                        next.clone(),
                    );
                    tokio::spawn(async move {
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= logins {
                                break;
                            }
                            let (http, setup) = (http.clone(), setup.clone());
                            let persona = setup.personas[i % setup.personas.len()];
                            let one =
                                tokio::spawn(async move { login(&http, &setup, persona).await });
                            if one.await.is_ok() {
                                done.fetch_add(1, Ordering::Relaxed);
                            } else {
                                failed.fetch_add(1, Ordering::Relaxed);
                                tokio::time::sleep(Duration::from_millis(50)).await;
                            }
                        }
                    })
                })
                .collect();
            for w in workers {
                let _ = w.await;
            }
        })
    };
    // Kill once a third of the logins are through, with the rest in flight.
    while done.load(Ordering::Relaxed) < logins / 3 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before_kill = done.load(Ordering::Relaxed);
    pair.kill_server();
    let killed = Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    pair.restart_server();
    let ready = loop {
        let up = http.get(format!("{}/readyz", pair.datong)).send().await;
        if matches!(up, Ok(r) if r.status() == 200) {
            break killed.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    load.await.unwrap();
    let _ = std::panic::take_hook();

    // After the restart every login goes through.
    let mut after = 0;
    for p in setup.personas.iter().take(50) {
        login(&http, &setup, *p).await;
        after += 1;
    }

    let url = database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            pair.scratch.join("datong/datong.db").display()
        )
    });
    let db = Database::connect(&url).await.unwrap();
    let integrity = if database_url.is_none() {
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "PRAGMA integrity_check",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<String>(0).unwrap()
    } else {
        "(PostgreSQL)".into()
    };
    let users = count(&db, "SELECT count(*) FROM users").await;
    let lonely = count(
        &db,
        "SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM identities i WHERE i.user_id = u.id)",
    )
    .await;
    let orphans = count(
        &db,
        "SELECT count(*) FROM identities i WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = i.user_id)",
    )
    .await;
    let shared = count(
        &db,
        "SELECT count(*) FROM (SELECT unionid FROM identities WHERE unionid IS NOT NULL \
         GROUP BY unionid HAVING count(DISTINCT user_id) > 1) t",
    )
    .await;
    // WeChat slow: 3 s on every code exchange while 50 logins wait on it. Other requests must
    // not queue behind them.
    let latency = |ms: u64| {
        http.post(format!(
            "{}/sandbox/wechat/admin/api/latency",
            pair.sandbox_url
        ))
        .json(&serde_json::json!({"endpoint": "sns/oauth2/access_token", "ms": ms}))
        .send()
    };
    assert!(latency(3000).await.unwrap().status().is_success());
    let waiting: Vec<_> = setup
        .personas
        .iter()
        .take(50)
        .map(|p| {
            let (http, setup, p) = (http.clone(), setup.clone(), *p);
            tokio::spawn(async move { login(&http, &setup, p).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let mut took = Vec::new();
    for i in 0..150 {
        let path = [
            "/healthz",
            "/api/v1/sources",
            "/.well-known/openid-configuration",
        ][i % 3];
        let t = Instant::now();
        let r = http
            .get(format!("{}{path}", pair.datong))
            .bearer_auth(&pair.api_token)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.bytes().await.unwrap();
        took.push(t.elapsed());
    }
    took.sort();
    let mut slow_ok = 0;
    for w in waiting {
        if w.await.is_ok() {
            slow_ok += 1;
        }
    }
    assert!(latency(0).await.unwrap().status().is_success());
    let pair_url = pair.datong.clone();
    pair.stop();

    println!(
        "database: {}",
        if database_url.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    println!(
        "logins: {} done before the kill, {} done in all, {} failed around the kill (in flight or refused while down); {after} of 50 after the restart",
        before_kill,
        done.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed)
    );
    println!(
        "SIGKILL to ready again at {pair_url}: {:.2} s (includes a 0.30 s pause before the restart)",
        ready.as_secs_f64()
    );
    println!("integrity_check: {integrity}");
    println!(
        "users: {users} for {PERSONAS} personas; users without an identity: {lonely}; identities without a user: {orphans}; UnionIDs held by two users: {shared}"
    );
    println!(
        "while 50 logins waited 3 s on WeChat: /healthz, /api/v1/sources and discovery p50 {:.1} ms, p99 {:.1} ms (150 requests); {slow_ok} of the 50 slow logins finished",
        common::ms(common::percentile(&took, 0.50)),
        common::ms(common::percentile(&took, 0.99)),
    );
    let anomalies = lonely + orphans + shared + i64::from(users > PERSONAS as i64);
    println!("anomalies: {anomalies}");
    assert!(
        anomalies == 0 && after == 50 && (database_url.is_some() || integrity == "ok"),
        "the soak found a problem"
    );
}
