//! Benchmark (a program, not a test): the console's and the management API's reads at scale.
//! Seeds 1,000,000 users with 1.5 WeChat identities each and 5,000,000 login-log lines over
//! the last 30 days into a running `datong`'s database, then times through the management API:
//! the user list, searches (name, phone, OpenID, UnionID, user ID), filters, a user's detail,
//! the Overview, and webhook deliveries per second to a local receiver.
//!
//! `cargo run --release -p server --example users_bench -- [users] [database_url]`
//!
//! Build the binary first (`cargo build --release -p server --bin datong`). Without a database
//! URL Datong uses SQLite in a scratch directory. Rows are seeded by SQL from one real login's
//! rows (same profile JSON and time format), so Datong reads exactly what it writes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::qr_login::{self, login};

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};

const APPID: &str = "wx0be0c0000000b0b1";
const SECRET: &str = "bench-users-secret";
const SAMPLES: usize = 200;
const BUDGET: Duration = Duration::from_secs(15);

async fn exec(db: &DatabaseConnection, sql: &str) {
    let started = Instant::now();
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
    eprintln!(
        "  {:>7.1} s  {}",
        started.elapsed().as_secs_f64(),
        &sql[..sql.len().min(70)]
    );
}

async fn one(db: &DatabaseConnection, sql: &str) -> Vec<Option<String>> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no row: {sql}"));
    (0..8)
        .map_while(|i| row.try_get_by_index::<Option<String>>(i).ok())
        .collect()
}

/// `n` rows numbered 1..=n: PostgreSQL's generate_series, SQLite's recursive count.
fn series(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("(SELECT g FROM generate_series(1, {n}) AS g) AS s"),
        _ => format!(
            "(WITH RECURSIVE c(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM c WHERE g < {n}) SELECT g FROM c) AS s"
        ),
    }
}

/// A time `secs` (an SQL expression) seconds before now, in the database's own format.
fn ago(backend: DbBackend, secs: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("(now() - ({secs}) * interval '1 second')"),
        _ => format!("strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '-' || ({secs}) || ' seconds')"),
    }
}

fn pad(backend: DbBackend, expr: &str, width: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("lpad(({expr})::text, {width}, '0')"),
        _ => format!(
            "substr('{zeros}' || ({expr}), -{width}, {width})",
            zeros = "0".repeat(width)
        ),
    }
}

async fn seed(db: &DatabaseConnection, users: usize, template: &[Option<String>]) {
    let b = db.get_database_backend();
    let q = |s: &Option<String>| s.clone().unwrap_or_default().replace('\'', "''");
    let (user_profile, provider, identity_profile) =
        (q(&template[0]), q(&template[1]), q(&template[2]));
    let month = 30 * 86_400;
    exec(
        db,
        &format!(
            "INSERT INTO users (id, profile, phone_number, created_at, updated_at, last_login_at, nickname) \
             SELECT 'bu' || g, '{user_profile}', '+86138' || {phone}, {created}, {created}, {last}, 'Person ' || g FROM {s}",
            phone = pad(b, "g", 8),
            created = ago(b, &format!("(g * 5) % (2 * {month})")),
            last = ago(b, &format!("g % {month}")),
            s = series(b, users),
        ),
    )
    .await;
    for (appid, prefix, every) in [(APPID, "ob", 1), ("wx0be0c0000000b0b2", "mb", 2)] {
        exec(
            db,
            &format!(
                "INSERT INTO identities (user_id, provider, appid, openid, unionid, profile, first_seen, last_seen) \
                 SELECT 'bu' || g, '{provider}', '{appid}', '{prefix}' || g, 'unb' || g, '{identity_profile}', {first}, {first} \
                 FROM {s} WHERE g % {every} = 0",
                first = ago(b, &format!("(g * 5) % (2 * {month})")),
                s = series(b, users),
            ),
        )
        .await;
    }
    exec(
        db,
        &format!(
            "INSERT INTO user_unionids (unionid, user_id) SELECT 'unb' || g, 'bu' || g FROM {s}",
            s = series(b, users)
        ),
    )
    .await;
    // Five lines per user over the last 30 days: most logins succeed, in three modes.
    exec(
        db,
        &format!(
            "INSERT INTO login_log (at, outcome, source_identifier, mode, client_id, user_id, ip) \
             SELECT {at}, CASE WHEN g % 20 = 0 THEN 'invalid_code' WHEN g % 33 = 0 THEN 'state_unknown' ELSE 'success' END, \
             'bench-qr', CASE g % 3 WHEN 0 THEN 'pc_qrcode' WHEN 1 THEN 'webpage' ELSE 'miniprogram' END, 'bench', \
             'bu' || (g % {users} + 1), '127.0.0.1' FROM {s}",
            at = ago(b, &format!("(g * 7) % {month}")),
            s = series(b, users * 5),
        ),
    )
    .await;
    exec(db, "ANALYZE").await;
}

/// Times `paths` (cycled) one at a time, `SAMPLES` requests or as many as fit in `BUDGET`
/// (at least 10); prints p50 and p99.
async fn time_gets(http: &reqwest::Client, base: &str, token: &str, what: &str, paths: &[String]) {
    let mut took = Vec::with_capacity(SAMPLES);
    let started_all = Instant::now();
    for i in 0..SAMPLES {
        if i >= 10 && started_all.elapsed() > BUDGET {
            break;
        }
        let path = &paths[i % paths.len()];
        let started = Instant::now();
        let r = http
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body = r.bytes().await.unwrap();
        took.push(started.elapsed());
        assert!(
            status.is_success(),
            "{path}: {status} {}",
            String::from_utf8_lossy(&body)
        );
    }
    took.sort();
    println!(
        "{what:<34} p50 {:>8.2} ms  p99 {:>8.2} ms  ({} requests)",
        common::ms(common::percentile(&took, 0.50)),
        common::ms(common::percentile(&took, 0.99)),
        took.len(),
    );
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let users: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let database_url = args.next();
    let bin = common::datong_binary();
    let pair = common::start_pair(&bin, "users-bench", database_url.as_deref());
    let (base, token) = (pair.datong.clone(), pair.api_token.clone());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let api = |method: &str, path: &str, body: Value| {
        let r = http
            .request(method.parse().unwrap(), format!("{base}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send();
        async move {
            r.await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap_or(Value::Null)
        }
    };
    let url = database_url.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            pair.scratch.join("datong/datong.db").display()
        )
    });
    let db = Database::connect(&url).await.unwrap();
    // One real user's rows (through a login) give the formats every seeded row copies.
    let setup = qr_login::setup(&http, &pair, APPID, SECRET, 1).await;
    login(&http, &setup, setup.personas[0]).await;
    let template = one(
        &db,
        "SELECT u.profile, i.provider, i.profile FROM users u JOIN identities i ON i.user_id = u.id LIMIT 1",
    )
    .await;
    eprintln!(
        "seeding {users} users, {} identities, {} log lines…",
        users * 3 / 2,
        users * 5
    );
    let started = Instant::now();
    seed(&db, users, &template).await;
    let seeding = started.elapsed();
    // Lines were written with past times, which a running instance never does: its counts may
    // have moved past them meanwhile. Count from scratch, as after an upgrade.
    exec(&db, "DELETE FROM stats_hourly").await;
    exec(
        &db,
        "UPDATE stats_rollup SET rolled_until_ms = 0 WHERE id = 1",
    )
    .await;

    // The Overview reads hourly counts once Datong's background task has caught up.
    let rolled = Instant::now();
    loop {
        let mark = one(
            &db,
            "SELECT CAST(rolled_until_ms AS TEXT) FROM stats_rollup WHERE id = 1",
        )
        .await;
        let ms: i64 = mark[0].as_deref().unwrap_or("0").parse().unwrap_or(0);
        if ms > chrono::Utc::now().timestamp_millis() - 4 * 60_000 {
            break;
        }
        assert!(
            rolled.elapsed() < Duration::from_secs(900),
            "the hourly counts did not catch up"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let catch_up = rolled.elapsed();

    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    println!("machine: {cores} cores; bench, datong and the database on the same machine");
    println!(
        "database: {}; {users} users, {} identities, {} login-log lines (seeded in {:.0} s; hourly counts caught up {:.0} s later)",
        if database_url.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        users * 3 / 2,
        users * 5,
        seeding.as_secs_f64(),
        catch_up.as_secs_f64(),
    );
    println!(
        "each figure: up to {SAMPLES} requests (or {} s) one after another through the management API",
        BUDGET.as_secs()
    );
    let pick = |i: usize| (i * 7919) % users + 1;
    let many = |f: &dyn Fn(usize) -> String| (0..50).map(|i| f(pick(i))).collect::<Vec<_>>();
    let get = |what: &'static str, paths: Vec<String>| {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        async move { time_gets(&http, &base, &token, what, &paths).await }
    };
    get("list, first page", vec!["/api/v1/users".into()]).await;
    let page = api("GET", "/api/v1/users?limit=50", Value::Null).await;
    let cursor = page["next_cursor"].as_str().unwrap_or_default().to_string();
    get(
        "list, next page (keyset)",
        vec![format!("/api/v1/users?limit=50&cursor={cursor}")],
    )
    .await;
    get(
        "search: name (contains)",
        many(&|g| format!("/api/v1/users?q=Person%20{g}")),
    )
    .await;
    get(
        "search: name, 111,111 match",
        vec!["/api/v1/users?q=Person%201".into()],
    )
    .await;
    get(
        "search: name, 2 characters, common",
        many(&|g| format!("/api/v1/users?q={}", g % 90 + 10)),
    )
    .await;
    get(
        "search: name, 2 characters, nobody",
        vec!["/api/v1/users?q=zq".into()],
    )
    .await;
    get(
        "search: phone",
        many(&|g| format!("/api/v1/users?q=%2B86138{g:08}")),
    )
    .await;
    get(
        "search: OpenID",
        many(&|g| format!("/api/v1/users?q=ob{g}")),
    )
    .await;
    get(
        "search: UnionID",
        many(&|g| format!("/api/v1/users?q=unb{g}")),
    )
    .await;
    get(
        "search: user ID",
        many(&|g| format!("/api/v1/users?q=bu{g}")),
    )
    .await;
    get(
        "filter: source",
        vec!["/api/v1/users?source=bench-qr".into()],
    )
    .await;
    get("filter: blocked", vec!["/api/v1/users?blocked=true".into()]).await;
    get("user detail", many(&|g| format!("/api/v1/users/bu{g}"))).await;
    get("overview (30 days)", vec!["/api/v1/overview".into()]).await;

    webhooks(&http, &base, &token, &db, 2_000).await;
    pair.stop();
}

/// Webhook deliveries per second: `n` events put in the outbox at once, delivered to a local
/// receiver that answers 204.
async fn webhooks(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    db: &DatabaseConnection,
    n: usize,
) {
    let got = Arc::new(AtomicUsize::new(0));
    let counter = got.clone();
    let app = axum::Router::new().fallback(move || {
        let c = counter.clone();
        async move {
            c.fetch_add(1, Ordering::Relaxed);
            axum::http::StatusCode::NO_CONTENT
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let r = http
        .post(format!("{base}/api/v1/webhooks"))
        .bearer_auth(token)
        .json(&json!({"url": format!("http://127.0.0.1:{}/hook", addr.port()), "events": ["user.blocked"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let b = db.get_database_backend();
    let started = Instant::now();
    exec(
        db,
        &format!(
            "INSERT INTO webhook_events (id, kind, payload, created_at) \
             SELECT 'msg_bench' || g, 'user.blocked', '{{\"type\":\"user.blocked\",\"data\":{{\"user_id\":\"bu' || g || '\"}}}}', {now} FROM {s}",
            now = ago(b, "0"),
            s = series(b, n),
        ),
    )
    .await;
    while got.load(Ordering::Relaxed) < n {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "deliveries stalled at {}",
            got.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let took = started.elapsed();
    println!(
        "webhook deliveries: {n} events to a local receiver in {:.1} s: {:.0} deliveries/s",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
}
