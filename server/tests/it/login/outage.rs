//! PostgreSQL goes silent under a running instance (a proxy between them stops relaying and
//! answers nothing, as in a network partition): readiness says so within a second, a person mid-login gets the readable "try again" page at once and nothing
//! is spent, the management API answers a JSON error, and once the database is back the same
//! callback finishes the login without restarting anything.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use datong::login::refusal::Reason;
use datong::login::texts::{Lang, reason};
use sea_orm::{ConnectOptions, Database};
use tokio::net::{TcpListener, TcpStream};

use super::harness::{Browser, Rp, TOKEN};
use crate::support::postgres_schema;

/// A TCP relay that can go silent, like a database behind a network partition: links stop
/// carrying bytes and new ones are accepted and never answered (no error comes back, so only
/// timeouts end the waits). `restore` drops the silent links and relays again.
struct Proxy {
    addr: SocketAddr,
    silent: Arc<AtomicBool>,
    hush: Arc<tokio::sync::Notify>,
    links: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let silent = Arc::new(AtomicBool::new(false));
        let hush = Arc::new(tokio::sync::Notify::new());
        let links = Arc::new(Mutex::new(Vec::new()));
        let (is_silent, hushed, all) = (silent.clone(), hush.clone(), links.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                let (target, is_silent, hushed) =
                    (target.clone(), is_silent.clone(), hushed.clone());
                let link = tokio::spawn(async move {
                    if is_silent.load(Ordering::SeqCst) {
                        // Held open, never answered.
                        std::future::pending::<()>().await;
                    }
                    let Ok(mut outbound) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = hushed.notified() => std::future::pending::<()>().await,
                    }
                    drop(inbound);
                });
                all.lock().unwrap().push(link.abort_handle());
            }
        });
        Proxy {
            addr,
            silent,
            hush,
            links,
        }
    }

    fn go_silent(&self) {
        self.silent.store(true, Ordering::SeqCst);
        self.hush.notify_waiters();
    }

    fn restore(&self) {
        self.silent.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }
}

async fn get(url: &str, token: bool) -> (u16, String) {
    let mut r = reqwest::Client::new().get(url);
    if token {
        r = r.bearer_auth(TOKEN);
    }
    let r = r.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Datong on PostgreSQL through a [`Proxy`], with the pool settings it runs with; WeChat (the
/// sandbox) on a direct connection, since the real one does not share Datong's database.
/// `None` when no PostgreSQL server is configured.
async fn behind_a_proxy() -> Option<(Proxy, Rp, sea_orm::DatabaseConnection)> {
    let Some((url, schema)) = postgres_schema().await else {
        eprintln!("note: DATONG_TEST_DATABASE_URL not set, outage test skipped");
        return None;
    };
    let server = url::Url::parse(&url).unwrap();
    let target = format!(
        "{}:{}",
        server.host_str().unwrap(),
        server.port().unwrap_or(5432)
    );
    let proxy = Proxy::start(target).await;
    let mut proxied = server.clone();
    proxied.set_host(Some("127.0.0.1")).unwrap();
    proxied.set_port(Some(proxy.addr.port())).unwrap();
    proxied
        .query_pairs_mut()
        .append_pair("options", &format!("-c search_path={schema}"));
    let db = datong::store::connect(proxied.as_str(), 5).await.unwrap();
    datong::store::migrate(&db).await.unwrap();
    let mut direct = ConnectOptions::new(url.clone());
    direct.set_schema_search_path(schema).sqlx_logging(false);
    let sandbox_db = Database::connect(direct).await.unwrap();
    let rp = Rp::start_split(db, sandbox_db.clone(), Default::default()).await;
    Some((proxy, rp, sandbox_db))
}

#[tokio::test]
async fn a_login_whose_code_was_spent_when_the_database_failed_says_start_again() {
    let Some((proxy, rp, direct)) = behind_a_proxy().await else {
        return;
    };
    let persona = rp.sb.persona("中断").await;
    let mut browser = Browser::default();
    let auth = rp.authorize(&mut browser, &[]).await;
    let (state, scan) = rp.click_button(&mut browser, &auth.location.unwrap()).await;
    let code = rp.scan(persona, &scan).await;
    // WeChat takes 1.5 s to exchange the code; the database goes silent meanwhile, once
    // Datong has claimed the code and before it can record who the person is.
    let (s, v) = rp
        .sb
        .post(
            "admin/api/latency",
            serde_json::json!({"endpoint": "sns/oauth2/access_token", "ms": 1500}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let callback = rp.callback(&mut browser, Some(&code), Some(&state));
    let silence = async {
        // Read past the proxy: the moment the attempt holds the code, the code is spent.
        use sea_orm::ConnectionTrait;
        let claimed = "SELECT count(*) FROM login_attempts WHERE code_hash IS NOT NULL";
        loop {
            let row = direct
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    claimed,
                ))
                .await
                .unwrap()
                .unwrap();
            if row.try_get_by_index::<i64>(0).unwrap() > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        proxy.go_silent();
    };
    let (back, ()) = tokio::join!(callback, silence);
    assert_eq!(back.status, 503, "{}", back.body);
    let told = [Lang::En, Lang::ZhCn].map(|l| reason(Reason::StorageError, l));
    assert!(told.iter().any(|t| back.body.contains(t)), "{}", back.body);

    // Back: the attempt is marked interrupted within seconds, and a reload says so (409, with
    // the way back to the login page) instead of "try again" or WeChat's "code used".
    proxy.restore();
    let marked = Instant::now();
    loop {
        use sea_orm::ConnectionTrait;
        let row = direct
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT count(*) FROM login_attempts WHERE outcome = 'login_interrupted'",
            ))
            .await
            .unwrap()
            .unwrap();
        if row.try_get_by_index::<i64>(0).unwrap() == 1 {
            break;
        }
        assert!(marked.elapsed() < Duration::from_secs(15), "never marked");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let again = rp.callback(&mut browser, Some(&code), Some(&state)).await;
    assert_eq!(again.status, 409, "{}", again.body);
    let told = [Lang::En, Lang::ZhCn].map(|l| reason(Reason::Interrupted, l));
    assert!(
        told.iter().any(|t| again.body.contains(t)),
        "{}",
        again.body
    );
    assert_eq!(rp.users().await, 0, "nobody was made");
}

#[tokio::test]
async fn a_database_outage_is_answered_at_once_and_the_login_resumes_after_it() {
    let Some((proxy, rp, _)) = behind_a_proxy().await else {
        return;
    };
    let persona = rp.sb.persona("断线测试").await;
    rp.login(&mut Browser::default(), persona, &[]).await;

    // Mid-login: the QR code is scanned and WeChat is sending the browser back.
    let mut browser = Browser::default();
    let auth = rp.authorize(&mut browser, &[]).await;
    let login_page = auth.location.unwrap();
    let (state, scan) = rp.click_button(&mut browser, &login_page).await;
    let code = rp.scan(persona, &scan).await;
    proxy.go_silent();

    let t = Instant::now();
    let (s, body) = get(&rp.url("/readyz"), false).await;
    assert_eq!(s, 503, "{body}");
    assert!(body.contains("database_unreachable"), "{body}");
    assert!(
        t.elapsed() < Duration::from_millis(1800),
        "{:?}",
        t.elapsed()
    );

    let t = Instant::now();
    let back = rp.callback(&mut browser, Some(&code), Some(&state)).await;
    assert_eq!(back.status, 503, "{}", back.body);
    let told = [Lang::En, Lang::ZhCn].map(|l| reason(Reason::StorageError, l));
    assert!(
        told.iter().any(|t| back.body.contains(t)),
        "a readable page: {}",
        back.body
    );
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());

    let (s, body) = get(&rp.url("/api/v1/users"), true).await;
    assert_eq!(s, 503, "{body}");
    let error: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(error["error"]["code"].is_string(), "{body}");
    for internal in ["sqlx", "Pool", "pool", "Connection refused", "os error"] {
        assert!(!body.contains(internal), "no internals: {body}");
    }

    // Back: ready within 5 s, and the same callback finishes the login (WeChat's code was
    // never spent).
    proxy.restore();
    let back_at = Instant::now();
    loop {
        if get(&rp.url("/readyz"), false).await.0 == 200 {
            break;
        }
        assert!(
            back_at.elapsed() < Duration::from_secs(5),
            "not ready again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let back = rp.callback(&mut browser, Some(&code), Some(&state)).await;
    assert_eq!(back.status, 303, "{}", back.body);
    let tokens = rp.redeem(&rp.code_from(&back)).await.json();
    assert!(tokens["id_token"].is_string(), "{tokens}");
    assert!(
        back_at.elapsed() < Duration::from_secs(5),
        "{:?}",
        back_at.elapsed()
    );
}
