//! `kill -9` of a real `datong serve` on its default SQLite file, with a mini-program code ticket
//! pending: the restarted process on the same data still has the ticket, the phone confirms it,
//! the browser that created it finishes the login and the application redeems the code. Then the
//! file passes SQLite's integrity check. (Under login load the same is run by `make soak`.)

use serde_json::Value;

use super::harness::Browser;
use super::two_processes::{
    MASTER_KEY, command, confirmation, finish_and_redeem, json_of, mp_app, mp_ticket, serve_at,
};

#[tokio::test]
async fn a_pending_mini_program_ticket_survives_kill_9_and_is_confirmed_after_the_restart() {
    let data = std::env::temp_dir().join(format!("datong-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    // A fixed address, the same after the restart: the process reaches its own sandbox there.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let env = vec![
        ("DATONG_PUBLIC_URL", format!("http://{addr}")),
        ("DATONG_MASTER_KEY", MASTER_KEY.to_string()),
        ("DATONG_SANDBOX", "true".to_string()),
        ("DATONG_DATA_DIR", data.to_str().unwrap().to_string()),
    ];
    let out = command(&["admin", "token", "create", "kill"], &env)
        .env("DATONG_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let token = String::from_utf8(out.stdout).unwrap();
    let token = token.lines().last().unwrap().trim().to_string();

    let mut first = serve_at(&env, &addr);
    let one = first.base.clone();
    // No kept-alive connections: the restarted process listens on the same address.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let mp = mp_app(&http, &one, &token, "mp-kill").await;

    // The browser asks the first process for a mini-program code; the phone scans it.
    let mut browser = Browser::default();
    let ticket = mp_ticket(&mut browser, &one, &mp.client_id, "mp-kill").await;
    let t = ticket["ticket"].as_str().unwrap().to_string();
    let scanned = http
        .post(format!("{one}/api/v1/login/mp-qrcode/{t}/scan"))
        .send()
        .await
        .unwrap();
    assert_eq!(scanned.status(), 200);

    // SIGKILL: no shutdown, nothing flushed by the process itself.
    first.child.kill().unwrap();
    first.child.wait().unwrap();

    let second = serve_at(&env, &addr);
    let two = second.base.clone();
    let status: Value = json_of(
        http.get(format!("{two}/api/v1/login/mp-qrcode/{t}"))
            .header("cookie", browser.cookie_header()),
    )
    .await;
    assert_eq!(status["status"], "scanned", "{status}");

    let body = confirmation(&http, &two, "Killed").await;
    let confirmed = http
        .post(format!("{two}/api/v1/login/mp-qrcode/{t}/confirm"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        confirmed.status(),
        200,
        "{}",
        confirmed.text().await.unwrap()
    );

    // The browser that created the ticket finishes; the application redeems the code.
    let tokens = finish_and_redeem(&mut browser, &http, &ticket, &two, &two, &mp).await;
    assert!(tokens["id_token"].is_string(), "{tokens}");
    drop(second);

    // The file the killed process was writing is sound.
    let file = std::fs::read_dir(&data)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "db" || x == "sqlite"))
        .expect("the SQLite file in the data folder");
    let db = sea_orm::Database::connect(format!("sqlite://{}?mode=rw", file.display()))
        .await
        .unwrap();
    use sea_orm::ConnectionTrait;
    let check = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(check.try_get_by_index::<String>(0).unwrap(), "ok");
    drop(db);
    let _ = std::fs::remove_dir_all(&data);
}
