//! `kill -9` of a real `datong serve` on its default SQLite file, with a mini-program code ticket
//! pending: the restarted process on the same data still has the ticket, the phone confirms it,
//! the browser that created it finishes the login and the application redeems the code. Then the
//! file passes SQLite's integrity check. (Under login load the same is run by `make soak`.)

use serde_json::{Value, json};

use super::harness::{Browser, REDIRECT, VERIFIER, challenge, param};
use super::two_processes::{MASTER_KEY, command, json_of, serve_at};

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
    let api = |path: &str, body: Value| {
        let r = http
            .post(format!("{one}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send();
        async move { r.await.unwrap().json::<Value>().await.unwrap() }
    };
    let source = api(
        "/api/v1/sources",
        json!({"identifier": "mp-kill", "mode": "pc_miniprogram_qrcode", "display_name": "Kill",
               "callback_url": "https://rp.example.com/after", "enabled": true}),
    )
    .await;
    let app = api(
        "/api/v1/applications",
        json!({"name": "Kill RP", "app_type": "web", "redirect_uris": [REDIRECT],
               "sources": [source["id"]]}),
    )
    .await;
    let client_id = app["application"]["client_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{source}\n{app}"))
        .to_string();
    let client_secret = app["client_secret"].as_str().unwrap().to_string();

    // The browser asks the first process for a mini-program code; the phone scans it.
    let mut browser = Browser::default();
    let q: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid phone"),
            ("code_challenge", challenge().as_str()),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    let auth = browser.get(&format!("{one}/oauth/authorize?{q}")).await;
    let login = auth
        .location
        .expect("authorize redirects to the login page");
    let request = param(&format!("{one}{login}"), "request").unwrap();
    let created = browser
        .post_json(
            &format!("{one}/api/v1/login/mp-qrcode"),
            &one,
            &json!({"request": request, "source": "mp-kill"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let ticket = created.json();
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

    let phone = format!("{two}/sandbox/wechat/phone/api");
    let persona: Value = json_of(
        http.post(format!("{phone}/personas"))
            .json(&json!({"nickname": "Killed"})),
    )
    .await;
    let state: Value = json_of(http.get(format!("{two}/sandbox/wechat/admin/api/state"))).await;
    let appid = state["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "mini_program")
        .unwrap()["appid"]
        .clone();
    let code = |kind: &'static str| {
        let r = http
            .post(format!("{phone}/{kind}"))
            .json(&json!({"persona_id": persona["id"], "appid": appid}))
            .send();
        async move { r.await.unwrap().json::<Value>().await.unwrap()["code"].clone() }
    };
    let body = json!({"code": code("wx_login").await, "phone_code": code("phone_code").await});
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
    let finish = browser
        .post_form(
            &format!("{two}{}", ticket["finish_url"].as_str().unwrap()),
            &[],
        )
        .await;
    assert_eq!(finish.status, 303, "{}", finish.body);
    let back = finish.location.unwrap();
    assert!(back.starts_with(REDIRECT), "{back}");
    let code = param(&back, "code").unwrap();
    let tokens: Value = json_of(
        http.post(format!("{two}/oauth/token"))
            .basic_auth(&client_id, Some(&client_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ]),
    )
    .await;
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
