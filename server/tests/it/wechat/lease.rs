//! One server token per AppID across callers and instances: many concurrent callers with an
//! expired token cause exactly one refresh, on SQLite and on PostgreSQL.

use std::sync::Arc;

use chrono::Duration;
use datong::state::AppState;
use datong::store;
use datong::wechat::TokenService;
use sea_orm::DatabaseConnection;

use super::harness::*;

/// A file-backed SQLite database with a pool of several connections, like a real instance.
async fn sqlite_file() -> (DatabaseConnection, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "datong-lease-{}-{:x}",
        std::process::id(),
        rand_id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("datong.db").display());
    let db = store::connect(&url, 8).await.unwrap();
    store::migrate(&db).await.unwrap();
    (db, dir)
}

fn rand_id() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// A second "instance": its own token service (own lease-holder name) on the same database.
fn second_instance(state: &AppState) -> TokenService {
    TokenService::new(
        state.db.clone(),
        state.secrets.clone(),
        state.clock.clone(),
        state.wechat.client().clone(),
    )
}

async fn fifty_callers_one_refresh(db: DatabaseConnection, name: &str) {
    let sb = Sandboxed::start_on(db).await;
    let first = sb.wechat().token(MINI, &secret()).await.unwrap();
    assert_eq!(sb.token_issues(MINI).await, 1, "{name}");
    assert_eq!(sb.token_calls(MINI).await, 1, "{name}");
    // Within its life the token is reused, not fetched again.
    sb.advance(Duration::minutes(30));
    assert_eq!(
        sb.wechat().token(MINI, &secret()).await.unwrap().expose(),
        first.expose()
    );
    assert_eq!(sb.token_calls(MINI).await, 1, "{name}");

    // Expired: fifty callers on two instances at once.
    sb.advance(Duration::hours(2));
    let other = Arc::new(second_instance(&sb.state));
    let mine = Arc::new(sb.wechat().clone());
    let mut tasks = Vec::new();
    for i in 0..50 {
        let service = if i % 2 == 0 {
            mine.clone()
        } else {
            other.clone()
        };
        tasks.push(tokio::spawn(async move {
            service
                .token(MINI, &secret())
                .await
                .map(|t| t.expose().clone())
        }));
    }
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.push(t.await.unwrap().unwrap());
    }
    assert_eq!(
        sb.token_calls(MINI).await,
        2,
        "{name}: exactly one refresh call for 50 callers"
    );
    assert_eq!(sb.token_issues(MINI).await, 2, "{name}");
    assert!(
        tokens.iter().all(|t| t == &tokens[0]),
        "{name}: everyone got the same token"
    );
    assert_ne!(tokens[0], *first.expose());

    // At rest the token is sealed: the row does not contain it in clear.
    let row = datong::store::wechat_tokens::find(&sb.state.db, MINI)
        .await
        .unwrap()
        .unwrap();
    let sealed = row.token_sealed.unwrap();
    assert!(
        !sealed
            .windows(tokens[0].len())
            .any(|w| w == tokens[0].as_bytes()),
        "{name}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_callers_cause_one_refresh_on_sqlite() {
    let (db, dir) = sqlite_file().await;
    fifty_callers_one_refresh(db, "sqlite").await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_callers_cause_one_refresh_on_postgres() {
    match crate::support::postgres_db().await {
        Some(db) => fifty_callers_one_refresh(db, "postgres").await,
        None => eprintln!("note: DATONG_TEST_DATABASE_URL not set, PostgreSQL half skipped"),
    }
}

#[tokio::test]
async fn a_failed_refresh_releases_the_lease() {
    let sb = Sandboxed::start().await;
    sb.fail_next("cgi-bin/stable_token", -1, 1).await;
    let busy = sb.wechat().token(MINI, &secret()).await;
    assert!(
        matches!(busy, Err(datong::wechat::WeChatError::SystemBusy(_))),
        "{busy:?}"
    );
    // The lease is given back, so the next caller refreshes at once instead of waiting.
    let row = datong::store::wechat_tokens::find(&sb.state.db, MINI)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.lease_holder, None);
    assert_eq!(row.lease_until, None);
    assert!(row.token_sealed.is_none());
    sb.wechat().token(MINI, &secret()).await.unwrap();
    assert_eq!(sb.token_issues(MINI).await, 1);
}
