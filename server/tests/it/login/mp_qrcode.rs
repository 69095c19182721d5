//! PC login by scanning a mini-program code: the page's ticket, the sandbox phone scanning and
//! confirming through the mini program's page, the live status stream, the single-use finish,
//! and the same person as the website QR login.

use std::time::Duration;

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use super::harness::{Answer, Browser, Rp, param};
use crate::support::each_database;

pub(super) const MP_SOURCE: &str = "wechat-mp";

/// Adds a mini-program code source (the instance's default mini program) to the application.
pub(super) async fn with_mp_source(rp: &Rp, extra: Value) -> i64 {
    let mut body = json!({"identifier": MP_SOURCE, "mode": "pc_miniprogram_qrcode",
        "display_name": "小程序扫码", "callback_url": "https://rp.example.com/after", "enabled": true});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let source = rp.api("POST", "/api/v1/sources", body).await;
    let id = source["id"].as_i64().unwrap();
    let apps = rp.api("GET", "/api/v1/applications", Value::Null).await;
    let app = apps["applications"]
        .as_array()
        .or(apps.as_array())
        .unwrap()
        .iter()
        .find(|a| a["client_id"] == rp.client_id.as_str())
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    rp.api(
        "PUT",
        &format!("/api/v1/applications/{app}/sources/{id}"),
        Value::Null,
    )
    .await;
    id
}

/// The login page's ticket: authorize, open the source's page, ask for a ticket.
async fn new_ticket(rp: &Rp, browser: &mut Browser) -> Value {
    let auth = rp.authorize(browser, &[]).await;
    let login_page = auth.location.unwrap();
    let request = param(&rp.url(&login_page), "request").unwrap();
    let page = browser
        .get(&rp.url(&format!("/login/wechat/{MP_SOURCE}?request={request}")))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("data-testid=\"mp-code\""));
    assert!(page.body.contains("mp-config"));
    let created = browser
        .post_json(
            &rp.url("/api/v1/login/mp-qrcode"),
            &rp.sb.base,
            &json!({"request": request, "source": MP_SOURCE}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.json()
}

/// The statuses a page's event stream delivers, until a final one (or 10 s). The stream has a
/// connection of its own, so it is answered beside axum (`mp_qrcode::direct`).
async fn follow(
    rp: &Rp,
    browser: &Browser,
    events_url: &str,
) -> tokio::task::JoinHandle<Vec<String>> {
    follow_on(reqwest::Client::new(), rp, browser, events_url, true).await
}

/// `follow` on `client`; `own` says whether the stream should have its connection to itself.
/// Returns once the stream has told its first status, so nothing after it can come first.
async fn follow_on(
    client: reqwest::Client,
    rp: &Rp,
    browser: &Browser,
    events_url: &str,
    own: bool,
) -> tokio::task::JoinHandle<Vec<String>> {
    let url = rp.url(events_url);
    let cookie = browser.cookie_header();
    let (opened, is_open) = tokio::sync::oneshot::channel();
    let mut opened = Some(opened);
    let handle = tokio::spawn(async move {
        let mut r = client
            .get(url)
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "text/event-stream");
        assert_eq!(r.headers()["cache-control"], "no-cache");
        // Only the stream that owns its connection closes it at the end.
        assert_eq!(
            r.headers().get("connection").is_some(),
            own,
            "{:?}",
            r.headers()
        );
        let mut text = String::new();
        let mut seen = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, r.chunk()).await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = text.find("\n\n") {
                let event: String = text.drain(..end + 2).collect();
                if let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) {
                    let v: Value = serde_json::from_str(data).unwrap();
                    let status = v["status"].as_str().unwrap().to_string();
                    let reason = v["reason"]
                        .as_str()
                        .map(|r| format!(":{r}"))
                        .unwrap_or_default();
                    seen.push(format!("{status}{reason}"));
                    if let Some(opened) = opened.take() {
                        let _ = opened.send(());
                    }
                }
            }
        }
        seen
    });
    // A stream that fails before its first status fails the test when `handle` is awaited.
    let _ = is_open.await;
    handle
}

/// The phone scans the code shown with `ticket` as `persona`, in the sandbox's mini program.
async fn phone_scans(rp: &Rp, persona: i64, ticket: &Value) -> (String, String) {
    let scan_url = ticket["sandbox_scan_url"].as_str().unwrap();
    let content = param(&rp.url(scan_url), "scan").unwrap();
    let (s, opened) = rp
        .sb
        .post(
            "phone/api/scan",
            json!({"persona_id": persona, "url": content}),
        )
        .await;
    assert_eq!(s, 200, "{opened}");
    assert_eq!(opened["kind"], "mini_program");
    assert_eq!(opened["scene"], ticket["ticket"]);
    let appid = opened["appid"].as_str().unwrap().to_string();
    let scene = opened["scene"].as_str().unwrap().to_string();
    let (s, v) = rp
        .sb
        .post(
            "phone/api/mp_scan",
            json!({"persona_id": persona, "appid": appid, "scene": scene}),
        )
        .await;
    assert_eq!((s, v["status"].clone()), (200, json!(200)), "{v}");
    (appid, scene)
}

async fn status(rp: &Rp, browser: &mut Browser, ticket: &Value) -> Value {
    browser
        .get(&rp.url(ticket["status_url"].as_str().unwrap()))
        .await
        .json()
}

async fn finish(rp: &Rp, browser: &mut Browser, ticket: &Value) -> Answer {
    browser
        .post_form(&rp.url(ticket["finish_url"].as_str().unwrap()), &[])
        .await
}

async fn users(db: &DatabaseConnection) -> u64 {
    datong::store::entities::user::Entity::find()
        .count(db)
        .await
        .unwrap()
}

async fn phone_of(rp: &Rp, persona: i64) -> String {
    let (_, _, body) = rp.sb.get("phone/api/personas").await;
    let v: Value = serde_json::from_str(&body).unwrap();
    let p = v["personas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == persona)
        .unwrap()
        .clone();
    format!(
        "+{}{}",
        p["country_code"].as_str().unwrap(),
        p["phone"].as_str().unwrap()
    )
}

#[tokio::test]
async fn a_mini_program_code_logs_in_the_same_person_as_the_website_qr() {
    each_database(|db, label| async move {
        let rp = Rp::start(db.clone()).await;
        with_mp_source(&rp, json!({})).await;
        let p = rp.sb.persona("P").await;
        // The website QR first: user X.
        let code = rp.login(&mut Browser::default(), p, &[]).await;
        let tokens = rp.redeem(&code).await.json();
        let x = rp.verified(tokens["id_token"].as_str().unwrap()).await["sub"].clone();

        let mut browser = Browser::default();
        let ticket = new_ticket(&rp, &mut browser).await;
        assert_eq!(ticket["expires_in"], 120, "{label}");
        assert_eq!(ticket["ticket"].as_str().unwrap().len(), 32);
        let image = browser
            .get(&rp.url(ticket["image_url"].as_str().unwrap()))
            .await;
        assert_eq!(image.status, 200, "{label}: {}", image.body);
        assert!(
            image.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("image/")
        );
        let events = follow(&rp, &browser, ticket["events_url"].as_str().unwrap()).await;
        tokio::time::sleep(Duration::from_millis(100)).await;

        let (appid, scene) = phone_scans(&rp, p, &ticket).await;
        assert_eq!(
            status(&rp, &mut browser, &ticket).await["status"],
            "scanned"
        );
        let (s, v) = rp
            .sb
            .post(
                "phone/api/mp_login",
                json!({"persona_id": p, "appid": appid, "scene": scene, "phone": true}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["status"], 200, "{label}: {v}");
        assert_eq!(v["response"]["status"], "confirmed");
        assert_eq!(
            events.await.unwrap(),
            ["waiting", "scanned", "confirmed"],
            "{label}"
        );

        // Another browser cannot see or spend it.
        let mut other = Browser::default();
        let peek = other
            .get(&rp.url(ticket["status_url"].as_str().unwrap()))
            .await;
        assert_eq!(
            (peek.status, peek.json()["error"]["code"].clone()),
            (403, json!("other_browser"))
        );
        assert_eq!(finish(&rp, &mut other, &ticket).await.status, 400);

        let back = finish(&rp, &mut browser, &ticket).await;
        assert_eq!(back.status, 303, "{label}: {}", back.body);
        let tokens = rp.redeem(&rp.code_from(&back)).await.json();
        let claims = rp.verified(tokens["id_token"].as_str().unwrap()).await;
        assert_eq!(
            claims["sub"], x,
            "{label}: the same person is the same user"
        );
        let info = rp
            .userinfo(tokens["access_token"].as_str().unwrap())
            .await
            .json();
        assert_eq!(
            info["phone_number"],
            phone_of(&rp, p).await.as_str(),
            "{label}: {info}"
        );
        assert_eq!(info["phone_number_verified"], true);
        assert_eq!(users(&db).await, 1);
        // Single use.
        assert_eq!(finish(&rp, &mut browser, &ticket).await.status, 400);
        assert_eq!(status(&rp, &mut browser, &ticket).await["status"], "used");
        let log = rp.log_outcomes().await;
        assert_eq!(
            log.first().map(String::as_str),
            Some("ticket_refused"),
            "{log:?}"
        );
        assert!(log.contains(&"success".to_string()));
    })
    .await;
}

#[tokio::test]
async fn refusals_end_the_ticket_visibly_log_it_and_create_nobody() {
    each_database(|db, label| async move {
        let rp = Rp::start(db.clone()).await;
        let mp_source = with_mp_source(&rp, json!({})).await;
        let q = rp.sb.persona("Q").await;
        let mut browser = Browser::default();
        let confirm = |ticket: &Value, body: Value| {
            let url = rp.url(&format!(
                "/api/v1/login/mp-qrcode/{}/confirm",
                ticket["ticket"].as_str().unwrap()
            ));
            async move {
                let r = reqwest::Client::new()
                    .post(url)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                (status, r.json::<Value>().await.unwrap())
            }
        };

        // A wx.login code WeChat does not know (40029).
        let t = new_ticket(&rp, &mut browser).await;
        let events = follow(&rp, &browser, t["events_url"].as_str().unwrap()).await;
        let (s, v) = confirm(&t, json!({"code": "not-a-real-code"})).await;
        assert_eq!(
            (s, v["error"]["code"].clone()),
            (400, json!("invalid_code")),
            "{label}: {v}"
        );
        assert_eq!(events.await.unwrap(), ["waiting", "failed:invalid_code"]);
        assert_eq!(
            finish(&rp, &mut browser, &t).await.status,
            400,
            "not redeemable"
        );
        let (s, v) = confirm(&t, json!({"code": "again"})).await;
        assert_eq!(
            (s, v["error"]["code"].clone()),
            (409, json!("ticket_finished"))
        );

        // A phone code issued to another mini program (40013).
        let t = new_ticket(&rp, &mut browser).await;
        let (appid, _) = phone_scans(&rp, q, &t).await;
        let other_mp = "wx5e2e00000000ffff";
        let js = rp.mini_code("wx_login", q, &appid).await;
        let ph = rp.mini_code("phone_code", q, other_mp).await;
        let (s, v) = confirm(&t, json!({"code": js, "phone_code": ph})).await;
        assert_eq!(
            (s, v["error"]["code"].clone()),
            (400, json!("foreign_phone_code")),
            "{label}: {v}"
        );
        assert_eq!(
            status(&rp, &mut browser, &t).await["reason"],
            "foreign_phone_code"
        );

        // The same wx.login code again: WeChat spent it above (40163).
        let t = new_ticket(&rp, &mut browser).await;
        let (s, v) = confirm(&t, json!({"code": js})).await;
        assert_eq!(
            (s, v["error"]["code"].clone()),
            (400, json!("invalid_code")),
            "{label}: {v}"
        );
        assert_eq!(
            status(&rp, &mut browser, &t).await["reason"],
            "invalid_code"
        );

        // WeChat busy (-1): no retry, the ticket fails.
        let t = new_ticket(&rp, &mut browser).await;
        rp.sb.fail_next("sns/jscode2session", -1, 1).await;
        let (s, v) = rp
            .sb
            .post(
                "phone/api/mp_login",
                json!({"persona_id": q, "appid": appid, "scene": t["ticket"], "phone": true}),
            )
            .await;
        assert_eq!((s, v["status"].clone()), (200, json!(502)), "{v}");
        assert_eq!(v["response"]["error"]["code"], "wechat_busy");
        assert_eq!(status(&rp, &mut browser, &t).await["reason"], "wechat_busy");

        // WeChat blocks the person (40226): `blocked`, 403, as on the website QR.
        let t = new_ticket(&rp, &mut browser).await;
        rp.sb.fail_next("sns/jscode2session", 40226, 1).await;
        let js = rp.mini_code("wx_login", q, &appid).await;
        let (s, v) = confirm(&t, json!({"code": js})).await;
        assert_eq!(
            (s, v["error"]["code"].clone()),
            (403, json!("blocked")),
            "{label}: {v}"
        );
        assert_eq!(status(&rp, &mut browser, &t).await["reason"], "blocked");

        // The source is switched off for the application while the code is shown: the
        // confirmation stops before WeChat is asked.
        let t = new_ticket(&rp, &mut browser).await;
        let app = rp.app_id().await;
        let link = format!("/api/v1/applications/{app}/sources/{mp_source}");
        rp.api("DELETE", &link, Value::Null).await;
        let js = rp.mini_code("wx_login", q, &appid).await;
        let (s, v) = confirm(&t, json!({"code": js.clone()})).await;
        assert_eq!(
            (s, v["error"]["code"].clone()),
            (403, json!("source_unavailable")),
            "{label}: {v}"
        );
        rp.api("PUT", &link, Value::Null).await;
        // The code was not spent on WeChat: it still logs in on a new ticket.
        let t = new_ticket(&rp, &mut browser).await;
        let (s, v) = confirm(&t, json!({"code": js})).await;
        assert_eq!(s, 200, "{label}: {v}");
        let db_users = users(&db).await;
        assert_eq!(db_users, 1, "{label}");

        // Cancelled on the phone; confirming afterwards is refused.
        let t = new_ticket(&rp, &mut browser).await;
        let events = follow(&rp, &browser, t["events_url"].as_str().unwrap()).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        phone_scans(&rp, q, &t).await;
        let scan = |t: &Value| {
            rp.sb.post(
                "phone/api/mp_scan",
                json!({"persona_id": q, "appid": appid, "scene": t["ticket"]}),
            )
        };
        // Opening the same live code again is fine.
        let (_, v) = scan(&t).await;
        assert_eq!(v["status"], 200, "{v}");
        let (s, v) = rp
            .sb
            .post(
                "phone/api/mp_cancel",
                json!({"persona_id": q, "appid": appid, "scene": t["ticket"]}),
            )
            .await;
        assert_eq!((s, v["status"].clone()), (200, json!(200)), "{v}");
        assert_eq!(events.await.unwrap(), ["waiting", "scanned", "cancelled"]);
        let (_, v) = scan(&t).await;
        assert_eq!(
            (v["status"].clone(), v["response"]["error"]["code"].clone()),
            (json!(409), json!("ticket_finished")),
            "{v}"
        );
        let js = rp.mini_code("wx_login", q, &appid).await;
        let (s, _) = confirm(&t, json!({"code": js})).await;
        assert_eq!(s, 409);

        // Expired: nobody scanned it within 120 s.
        let t = new_ticket(&rp, &mut browser).await;
        rp.sb.advance(chrono::Duration::seconds(121));
        assert_eq!(status(&rp, &mut browser, &t).await["status"], "expired");
        let (s, v) = rp
            .sb
            .post(
                "phone/api/mp_scan",
                json!({"persona_id": q, "appid": appid, "scene": t["ticket"]}),
            )
            .await;
        assert_eq!(
            (v["status"].clone(), v["response"]["error"]["code"].clone()),
            (json!(410), json!("ticket_expired")),
            "{s} {v}"
        );

        // An unknown ticket, and no code at all.
        let unknown = json!({"ticket": "A".repeat(32)});
        let (s, v) = confirm(&unknown, json!({"code": "x"})).await;
        assert_eq!(
            (s, v["error"]["code"].clone()),
            (404, json!("ticket_unknown"))
        );
        let t = new_ticket(&rp, &mut browser).await;
        let (s, v) = confirm(&t, json!({})).await;
        assert_eq!(
            (s, v["error"]["code"].clone()),
            (400, json!("invalid_request"))
        );

        assert_eq!(
            users(&db).await,
            1,
            "{label}: nobody but the one confirmation"
        );
        let log = rp.log_outcomes().await;
        for outcome in [
            "invalid_code",
            "foreign_phone_code",
            "wechat_busy",
            "blocked",
            "source_unavailable",
            "cancelled",
        ] {
            assert!(
                log.contains(&outcome.to_string()),
                "{label}: {outcome} in {log:?}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn ticket_creation_is_limited_per_address_and_checks_its_request() {
    let rp = Rp::start(crate::support::memory_db().await).await;
    with_mp_source(&rp, json!({})).await;
    let mut browser = Browser::default();
    let auth = rp.authorize(&mut browser, &[]).await;
    let request = param(&rp.url(&auth.location.unwrap()), "request").unwrap();
    let create = |browser: &mut Browser, body: Value| {
        let url = rp.url("/api/v1/login/mp-qrcode");
        let origin = rp.sb.base.clone();
        let mut b = browser.clone();
        async move { b.post_json(&url, &origin, &body).await }
    };
    let bad = create(
        &mut browser,
        json!({"request": "nope", "source": MP_SOURCE}),
    )
    .await;
    assert_eq!(
        (bad.status, bad.json()["error"]["code"].clone()),
        (404, json!("request_expired"))
    );
    let bad = create(
        &mut browser,
        json!({"request": request, "source": super::harness::SOURCE}),
    )
    .await;
    assert_eq!(
        (bad.status, bad.json()["error"]["code"].clone()),
        (403, json!("source_unavailable"))
    );
    // From another site: refused before anything happens.
    let cross = browser
        .post_json(
            &rp.url("/api/v1/login/mp-qrcode"),
            "https://evil.example",
            &json!({"request": request, "source": MP_SOURCE}),
        )
        .await;
    assert_eq!(cross.status, 403);
    for i in 0..datong::state::DEFAULT_TICKET_LIMIT {
        let ok = create(
            &mut browser,
            json!({"request": request, "source": MP_SOURCE}),
        )
        .await;
        assert_eq!(ok.status, 201, "ticket {i}: {}", ok.body);
    }
    let limited = create(
        &mut browser,
        json!({"request": request, "source": MP_SOURCE}),
    )
    .await;
    assert_eq!(
        (limited.status, limited.json()["error"]["code"].clone()),
        (429, json!("rate_limited"))
    );
    assert_eq!(limited.headers["retry-after"], "60");
    rp.sb.advance(chrono::Duration::seconds(61));
    let again = create(
        &mut browser,
        json!({"request": request, "source": MP_SOURCE}),
    )
    .await;
    assert_eq!(again.status, 201, "a minute later");
}

/// A second Datong on the same database, using the first one's sandbox as its WeChat.
async fn second_instance(rp: &Rp) -> String {
    use std::sync::Arc;
    let first = &rp.sb.state;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let leptos = leptos::config::LeptosOptions::builder()
        .output_name("datong")
        .build();
    let mut state = datong::AppState::new(
        first.db.clone(),
        rp.sb.clock.clone() as Arc<dyn datong::clock::Clock>,
        &[9u8; 32],
        12,
        datong::state::HttpSettings::default(),
        leptos,
    )
    .with_wechat(&rp.sb.url("api"), &rp.sb.url("open"), false)
    .with_issuer(&base);
    state.default_miniprogram = first.default_miniprogram.clone();
    state.start_background().await;
    let serving = datong::serve::serve_app(listener, state, std::future::pending());
    tokio::spawn(async move { serving.await.unwrap() });
    base
}

#[tokio::test]
async fn a_ticket_confirmed_through_another_instance_reaches_the_page_live() {
    let Some(db) = crate::support::postgres_db().await else {
        eprintln!("note: DATONG_TEST_DATABASE_URL not set, two-instance test skipped");
        return;
    };
    let rp = Rp::start(db.clone()).await;
    with_mp_source(&rp, json!({})).await;
    let other = second_instance(&rp).await;
    // The listeners are up before anything is confirmed.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let p = rp.sb.persona("P").await;
    let mut browser = Browser::default();
    let ticket = new_ticket(&rp, &mut browser).await;
    let events = follow(&rp, &browser, ticket["events_url"].as_str().unwrap()).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let appid = rp.sb.state.default_miniprogram.clone().unwrap().0;
    let t = ticket["ticket"].as_str().unwrap();
    let http = reqwest::Client::new();
    let scanned = http
        .post(format!("{other}/api/v1/login/mp-qrcode/{t}/scan"))
        .send()
        .await
        .unwrap();
    assert_eq!(scanned.status(), 200);
    let js = rp.mini_code("wx_login", p, &appid).await;
    let ph = rp.mini_code("phone_code", p, &appid).await;
    let confirmed = http
        .post(format!("{other}/api/v1/login/mp-qrcode/{t}/confirm"))
        .json(&json!({"code": js, "phone_code": ph}))
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
    let back = finish(&rp, &mut browser, &ticket).await;
    assert_eq!(back.status, 303, "{}", back.body);
}

/// A stream asked for on a connection of its own and one asked for on a connection that already
/// carried a request tell the same statuses; a head that arrives in pieces is still a stream;
/// another browser's stream request is refused as usual.
#[tokio::test]
async fn streams_are_the_same_on_their_own_connection_and_on_a_shared_one() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rp = Rp::start(crate::support::memory_db().await).await;
    with_mp_source(&rp, json!({})).await;
    let p = rp.sb.persona("P").await;
    let mut browser = Browser::default();
    let ticket = new_ticket(&rp, &mut browser).await;
    let events_url = ticket["events_url"].as_str().unwrap();

    let own = follow(&rp, &browser, events_url).await;
    let shared_client = reqwest::Client::new();
    let warm = shared_client.get(rp.url("/healthz")).send().await.unwrap();
    assert_eq!(warm.status(), 200);
    warm.bytes().await.unwrap();
    // The client puts the connection back in its pool in the background.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let shared = follow_on(shared_client, &rp, &browser, events_url, false).await;

    // The head in two pieces, 50 ms apart, on a raw connection.
    let addr = rp.sb.base.trim_start_matches("http://").to_string();
    let mut raw = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let t = ticket["ticket"].as_str().unwrap();
    raw.write_all(format!("GET /api/v1/login/mp-qrcode/{t}/events HTTP/1.1\r\n").as_bytes())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    raw.write_all(
        format!(
            "host: {addr}\r\ncookie: {}\r\n\r\n",
            browser.cookie_header()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let pieces = tokio::spawn(async move {
        let mut all = Vec::new();
        // Only the stream that owns its connection closes it after the final status.
        tokio::time::timeout(Duration::from_secs(10), raw.read_to_end(&mut all))
            .await
            .expect("the stream closes its connection")
            .unwrap();
        String::from_utf8_lossy(&all).to_string()
    });

    // Another browser, on a connection of its own: the usual refusal.
    let stranger = reqwest::Client::new()
        .get(rp.url(events_url))
        .header("cookie", "datong_login=someone-else")
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), 403);
    let body: Value = stranger.json().await.unwrap();
    assert_eq!(body["error"]["code"], "other_browser");

    tokio::time::sleep(Duration::from_millis(100)).await;
    let (appid, scene) = phone_scans(&rp, p, &ticket).await;
    let (s, v) = rp
        .sb
        .post(
            "phone/api/mp_login",
            json!({"persona_id": p, "appid": appid, "scene": scene, "phone": true}),
        )
        .await;
    assert_eq!((s, v["status"].clone()), (200, json!(200)), "{v}");
    let expected = ["waiting", "scanned", "confirmed"];
    assert_eq!(own.await.unwrap(), expected);
    assert_eq!(shared.await.unwrap(), expected);
    let raw = pieces.await.unwrap();
    assert!(raw.starts_with("HTTP/1.1 200 OK\r\n"), "{raw}");
    assert!(raw.contains("transfer-encoding: chunked\r\n"), "{raw}");
    assert!(raw.contains("connection: close\r\n"), "{raw}");
    let order: Vec<usize> = ["\"waiting\"", "\"scanned\"", "\"confirmed\""]
        .iter()
        .map(|s| raw.find(s).unwrap_or_else(|| panic!("{s} in {raw}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{raw}");
    assert!(raw.ends_with("0\r\n\r\n"), "the body ends: {raw}");
}
