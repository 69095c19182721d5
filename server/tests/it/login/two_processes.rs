//! Two real `datong` processes on one PostgreSQL database, as a multi-instance deployment runs
//! them. A mini-program code ticket is created and followed on the first; the phone scans and
//! confirms through the second; the first's page hears both changes live (the second process
//! announces them with `NOTIFY`, the first's listener publishes them) and finishes the login;
//! the application redeems the code at the second. Then the catalog each process keeps in memory:
//! an application and a source changed through the first are seen by the second within a
//! second (`NOTIFY` on `datong_catalog`). Skipped without a test PostgreSQL server.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

use super::harness::{Browser, REDIRECT, VERIFIER, challenge, param};

/// A fixed master key: both processes must open each other's sealed secrets.
pub(super) const MASTER_KEY: &str = "dHdvLXByb2Nlc3Nlcy10d28tcHJvY2Vzc2VzLXR3by0=";

const METRICS_TOKEN: &str = "two-processes-metrics-token-0123";

/// How many SELECT statements `base` has run so far.
async fn selects(base: &str) -> f64 {
    let text = reqwest::Client::new()
        .get(format!("{base}/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("datong_db_statements_total{kind=\"select\"} "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no select count in\n{text}"))
}

/// A `datong serve` child, killed when dropped.
pub(super) struct Datong {
    pub(super) child: Child,
    pub(super) base: String,
}

impl Drop for Datong {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) fn command(args: &[&str], envs: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_datong"));
    cmd.args(args)
        .env("NO_COLOR", "1")
        .env_remove("DATONG_TEST_DATABASE_URL")
        .env_remove("DATONG_TEST_REQUIRE_POSTGRES")
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())));
    cmd
}

/// Sends `request` and answers its JSON body.
pub(super) async fn json_of(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// Starts `datong serve` on a free port and waits for its "listening" line.
pub(super) fn serve(envs: &[(&str, String)]) -> Datong {
    serve_at(envs, "127.0.0.1:0")
}

/// [`serve`] on address `addr`.
pub(super) fn serve_at(envs: &[(&str, String)], addr: &str) -> Datong {
    let mut child = command(&["serve", "--addr", addr], envs)
        .env("DATONG_LOG", "warn,datong::serve=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("datong serve exited before listening")
            .unwrap();
        if let Some(at) = line.find("listening on http://") {
            break line[at + "listening on ".len()..].trim().to_string();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    Datong { child, base }
}

/// The statuses a page's stream tells until a final one (or 15 s). Returns once the first has
/// arrived, so nothing done afterwards can be missed.
async fn follow(url: String, cookie: String) -> tokio::task::JoinHandle<Vec<String>> {
    let (opened, is_open) = tokio::sync::oneshot::channel();
    let mut opened = Some(opened);
    let handle = tokio::spawn(async move {
        let mut r = reqwest::Client::new()
            .get(url)
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let (mut text, mut seen) = (String::new(), Vec::new());
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, r.chunk()).await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = text.find("\n\n") {
                let event: String = text.drain(..end + 2).collect();
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                    let v: Value = serde_json::from_str(data).unwrap();
                    let status = v["status"].as_str().unwrap().to_string();
                    if seen.last() != Some(&status) {
                        seen.push(status.clone());
                    }
                    if let Some(opened) = opened.take() {
                        let _ = opened.send(());
                    }
                    if !matches!(status.as_str(), "waiting" | "scanned") {
                        return seen;
                    }
                }
            }
        }
        seen
    });
    let _ = tokio::time::timeout(Duration::from_secs(15), is_open).await;
    handle
}

/// An application enabling a mini-program-code source `identifier`, made through `base`'s API.
pub(super) struct MpApp {
    pub(super) source: Value,
    pub(super) app: Value,
    pub(super) client_id: String,
    pub(super) client_secret: String,
}

pub(super) async fn mp_app(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    identifier: &str,
) -> MpApp {
    let api = |path: &str, body: Value| {
        let r = http
            .post(format!("{base}{path}"))
            .bearer_auth(token)
            .json(&body)
            .send();
        async move { r.await.unwrap().json::<Value>().await.unwrap() }
    };
    let source = api(
        "/api/v1/sources",
        json!({"identifier": identifier, "mode": "pc_miniprogram_qrcode",
               "display_name": identifier, "callback_url": "https://rp.example.com/after",
               "enabled": true}),
    )
    .await;
    let app = api(
        "/api/v1/applications",
        json!({"name": format!("{identifier} RP"), "app_type": "web",
               "redirect_uris": [REDIRECT], "sources": [source["id"]]}),
    )
    .await;
    let client_id = app["application"]["client_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{source}\n{app}"))
        .to_string();
    let client_secret = app["client_secret"].as_str().unwrap().to_string();
    MpApp {
        source,
        app,
        client_id,
        client_secret,
    }
}

/// The browser's authorization request at `base` for `client_id`, then a mini-program code
/// ticket of source `identifier` for it (the create answer: ticket, URLs).
pub(super) async fn mp_ticket(
    browser: &mut Browser,
    base: &str,
    client_id: &str,
    identifier: &str,
) -> Value {
    let q: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", client_id),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid phone"),
            ("code_challenge", challenge().as_str()),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    let auth = browser.get(&format!("{base}/oauth/authorize?{q}")).await;
    let login = auth
        .location
        .expect("authorize redirects to the login page");
    let request = param(&format!("{base}{login}"), "request").unwrap();
    let created = browser
        .post_json(
            &format!("{base}/api/v1/login/mp-qrcode"),
            base,
            &json!({"request": request, "source": identifier}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.json()
}

/// What the mini program sends to confirm a ticket: a new sandbox persona's `wx.login` and
/// phone-number codes for the default mini program, from the sandbox at `base`.
pub(super) async fn confirmation(http: &reqwest::Client, base: &str, nickname: &str) -> Value {
    let phone = format!("{base}/sandbox/wechat/phone/api");
    let persona: Value = json_of(
        http.post(format!("{phone}/personas"))
            .json(&json!({"nickname": nickname})),
    )
    .await;
    let state: Value = json_of(http.get(format!("{base}/sandbox/wechat/admin/api/state"))).await;
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
    json!({"code": code("wx_login").await, "phone_code": code("phone_code").await})
}

/// The browser finishes a confirmed ticket at `base`; the application redeems the code at
/// `redeem_at`. The token response.
pub(super) async fn finish_and_redeem(
    browser: &mut Browser,
    http: &reqwest::Client,
    ticket: &Value,
    base: &str,
    redeem_at: &str,
    app: &MpApp,
) -> Value {
    let finish = browser
        .post_form(
            &format!("{base}{}", ticket["finish_url"].as_str().unwrap()),
            &[],
        )
        .await;
    assert_eq!(finish.status, 303, "{}", finish.body);
    let back = finish.location.unwrap();
    assert!(back.starts_with(REDIRECT), "{back}");
    let code = param(&back, "code").unwrap();
    json_of(
        http.post(format!("{redeem_at}/oauth/token"))
            .basic_auth(&app.client_id, Some(&app.client_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ]),
    )
    .await
}

#[tokio::test]
async fn a_ticket_confirmed_through_a_second_process_reaches_the_first_live() {
    let Ok(admin_url) = std::env::var("DATONG_TEST_DATABASE_URL") else {
        assert!(
            std::env::var_os("DATONG_TEST_REQUIRE_POSTGRES").is_none(),
            "DATONG_TEST_REQUIRE_POSTGRES is set but DATONG_TEST_DATABASE_URL is not"
        );
        eprintln!("note: DATONG_TEST_DATABASE_URL not set, two-process test skipped");
        return;
    };
    // A database of its own (the processes cannot be given a schema), dropped at the end. Its
    // name starts like the runs' databases, so `.ci/postgres.sh` sweeps it if the test dies.
    let name = format!("datong_test_two_{}", std::process::id());
    let admin = Database::connect(admin_url.clone()).await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (server, _) = admin_url.rsplit_once('/').unwrap();
    let url = format!("{server}/{name}");
    let data = std::env::temp_dir().join(format!("datong-two-{}", std::process::id()));
    std::fs::create_dir_all(&data).unwrap();
    let mut env = vec![
        ("DATONG_DATABASE_URL", url),
        ("DATONG_MASTER_KEY", MASTER_KEY.to_string()),
        ("DATONG_SANDBOX", "true".to_string()),
        ("DATONG_DATA_DIR", data.to_str().unwrap().to_string()),
        ("DATONG_METRICS_TOKEN", METRICS_TOKEN.to_string()),
    ];
    let out = command(&["admin", "token", "create", "two"], &env)
        .env("DATONG_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let token = String::from_utf8(out.stdout).unwrap();
    let token = token.lines().last().unwrap().trim().to_string();

    let first = serve(&env);
    env.push((
        "DATONG_WECHAT_API_URL",
        format!("{}/sandbox/wechat/api", first.base),
    ));
    let second = serve(&env);
    let (one, two) = (first.base.clone(), second.base.clone());

    let http = reqwest::Client::new();
    let mp = mp_app(&http, &one, &token, "mp-two").await;
    let (source, app, client_id) = (&mp.source, &mp.app, mp.client_id.clone());

    // The browser starts on the first process and asks it for a code.
    let mut browser = Browser::default();
    let ticket = mp_ticket(&mut browser, &one, &client_id, "mp-two").await;
    let t = ticket["ticket"].as_str().unwrap();
    let events = follow(
        format!("{one}{}", ticket["events_url"].as_str().unwrap()),
        browser.cookie_header(),
    )
    .await;

    // The phone, with codes from the sandbox, talks to the second process only.
    let scanned = http
        .post(format!("{two}/api/v1/login/mp-qrcode/{t}/scan"))
        .send()
        .await
        .unwrap();
    assert_eq!(scanned.status(), 200);
    let body = confirmation(&http, &one, "Two").await;
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
    assert_eq!(events.await.unwrap(), ["waiting", "scanned", "confirmed"]);

    // The first process finishes the login; the application redeems its code at the second.
    let tokens = finish_and_redeem(&mut browser, &http, &ticket, &one, &two, &mp).await;
    let info: Value = json_of(
        http.get(format!("{two}/oauth/userinfo"))
            .bearer_auth(tokens["access_token"].as_str().unwrap()),
    )
    .await;
    assert!(
        info["phone_number"]
            .as_str()
            .is_some_and(|p| p.starts_with("+86")),
        "{info}"
    );
    assert_eq!(info["phone_number_verified"], true, "{info}");

    // Catalog changes made through the first process reach the second's memory within 1 s.
    let other = "https://rp.example.com/elsewhere";
    let authorize_at = |redirect: &str| {
        let q: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("client_id", client_id.as_str()),
                ("redirect_uri", redirect),
                ("response_type", "code"),
                ("scope", "openid"),
                ("code_challenge", challenge().as_str()),
                ("code_challenge_method", "S256"),
            ])
            .finish();
        let r = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(format!("{two}/oauth/authorize?{q}"))
            .send();
        async move { r.await.unwrap().status().as_u16() }
    };
    // The second has the application in memory (it just redeemed a code for it).
    assert_eq!(authorize_at(REDIRECT).await, 303);
    assert_eq!(authorize_at(other).await, 400);
    let patch = |path: String, body: Value| {
        let r = http
            .patch(format!("{one}{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send();
        async move { r.await.unwrap().status().as_u16() }
    };
    let app_id = app["application"]["id"].as_i64().unwrap();
    let changed = tokio::time::Instant::now();
    let status = patch(
        format!("/api/v1/applications/{app_id}"),
        json!({"redirect_uris": [other]}),
    )
    .await;
    assert_eq!(status, 200);
    while authorize_at(other).await != 303 {
        assert!(
            changed.elapsed() < Duration::from_secs(1),
            "the second process still refuses the new redirect URI after 1 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(authorize_at(REDIRECT).await, 400, "the old one is refused");
    let source_id = source["id"].as_i64().unwrap();
    let changed = tokio::time::Instant::now();
    let status = patch(
        format!("/api/v1/sources/{source_id}"),
        json!({"display_name": "Renamed", "enabled": false}),
    )
    .await;
    assert_eq!(status, 200);
    loop {
        let seen: Value = json_of(
            http.get(format!("{two}/api/v1/sources/{source_id}"))
                .bearer_auth(&token),
        )
        .await;
        if seen["display_name"] == "Renamed" {
            assert_eq!(seen["enabled"], false, "{seen}");
            break;
        }
        assert!(
            changed.elapsed() < Duration::from_secs(1),
            "the second process still shows the old source after 1 s: {seen}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // And reads it from memory: asking again reads no application or source from the database.
    let before = selects(&two).await;
    for _ in 0..10 {
        assert_eq!(authorize_at(other).await, 303);
    }
    let read = selects(&two).await - before;
    assert!(read < 10.0, "{read} selects for 10 authorization requests");

    drop((first, second));
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&data);
}
