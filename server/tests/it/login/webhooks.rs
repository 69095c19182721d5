//! Webhooks through `/api/v1/webhooks` and a local receiver: events written with the changes
//! they report, signed the Standard Webhooks way, retried with the same `webhook-id`,
//! delivered once by two workers, taken again after a killed worker's lease, and bad
//! endpoints or receivers refused or recorded.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::harness::{Browser, Rp, TOKEN};
use crate::support::each_database;

#[derive(Clone, Debug)]
struct Received {
    path: String,
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Serves on a free port: `/ok` answers 200, `/flaky` 500 to the first two attempts of
    /// each event, `/redirect` 302, `/hang` never in time.
    async fn start() -> (Receiver, String) {
        let r = Receiver::default();
        let app = axum::Router::new().fallback(handle).with_state(r.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, base)
    }

    fn all(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    fn of(&self, id: &str) -> Vec<Received> {
        self.all().into_iter().filter(|r| r.id == id).collect()
    }

    fn kinds(&self) -> Vec<String> {
        self.all()
            .iter()
            .map(|r| {
                serde_json::from_str::<Value>(&r.body).unwrap()["type"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }
}

async fn handle(
    State(r): State<Receiver>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: String,
) -> axum::response::Response {
    let h = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let got = Received {
        path: uri.path().to_string(),
        id: h("webhook-id"),
        timestamp: h("webhook-timestamp"),
        signature: h("webhook-signature"),
        body,
    };
    let before = r.of(&got.id).len();
    let path = got.path.clone();
    r.got.lock().unwrap().push(got);
    match path.as_str() {
        "/flaky" if before < 2 => (StatusCode::INTERNAL_SERVER_ERROR, "not yet").into_response(),
        "/redirect" => (
            StatusCode::FOUND,
            [("location", "https://elsewhere.example/")],
        )
            .into_response(),
        "/hang" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            StatusCode::OK.into_response()
        }
        _ => StatusCode::OK.into_response(),
    }
}

/// The signature a receiver computes from the secret, as the convention describes it.
fn expected_signature(secret: &str, r: &Received) -> String {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

async fn send(rp: &Rp, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut r = reqwest::Client::new()
        .request(method.parse().unwrap(), rp.url(path))
        .bearer_auth(TOKEN);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn endpoint(rp: &Rp, url: &str, events: &[&str]) -> (i64, String) {
    let (s, v) = send(
        rp,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": url, "events": events})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    (
        v["endpoint"]["id"].as_i64().unwrap(),
        v["secret"].as_str().unwrap().to_string(),
    )
}

/// A test instance without its background worker: the test runs the rounds.
async fn start(db: sea_orm::DatabaseConnection) -> Rp {
    let http = datong::state::HttpSettings {
        no_webhook_worker: true,
        ..Default::default()
    };
    Rp::start_with(db, http).await
}

/// Runs rounds until `done`.
async fn until(rp: &Rp, what: &str, done: impl Fn() -> bool) {
    let worker = rp.sb.state.webhooks.worker();
    for _ in 0..100 {
        worker.tick().await.unwrap();
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never: {what}");
}

async fn log_in(rp: &Rp, persona: i64) -> String {
    let code = rp.login(&mut Browser::default(), persona, &[]).await;
    let tokens = rp.redeem(&code).await.json();
    rp.verified(tokens["id_token"].as_str().unwrap()).await["sub"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn events_are_signed_and_a_receiver_that_fails_twice_gets_the_same_id_on_the_third_attempt() {
    each_database(|db, label| async move {
        let rp = start(db).await;
        let (receiver, base) = Receiver::start().await;
        let (id, secret) = endpoint(
            &rp,
            &format!("{base}/flaky"),
            &["user.created", "user.login", "user.blocked"],
        )
        .await;
        assert!(secret.starts_with("whsec_"), "{label}");
        let (_, shown) = send(&rp, "GET", &format!("/api/v1/webhooks/{id}"), None).await;
        assert!(
            !shown.to_string().contains(&secret[6..]),
            "{label}: the secret is shown once"
        );
        let audit = datong::store::audit::recent(&rp.sb.state.db, 1)
            .await
            .unwrap();
        assert_eq!(audit[0].action, "webhook.create", "{label}");
        assert_eq!(audit[0].target, format!("webhook:{id}"), "{label}");
        assert!(
            audit[0].actor.starts_with("token:"),
            "{label}: who added a receiver of user data"
        );
        assert!(
            !audit[0]
                .after
                .as_deref()
                .unwrap_or_default()
                .contains(&secret[6..]),
            "{label}: never the secret"
        );

        let p = rp.sb.persona("Hooked").await;
        let sub = log_in(&rp, p).await;
        until(&rp, "two first attempts", || receiver.all().len() >= 2).await;
        let created = receiver
            .all()
            .into_iter()
            .find(|r| r.body.contains("user.created"))
            .expect("user.created");
        let body: Value = serde_json::from_str(&created.body).unwrap();
        assert_eq!(body["data"]["user_id"], sub.as_str(), "{label}: {body}");
        assert!(created.id.starts_with("msg_"), "{label}");

        // Retries wait: 5 s, then a minute.
        rp.sb.advance(chrono::Duration::seconds(6));
        until(&rp, "second attempt", || {
            receiver.of(&created.id).len() >= 2
        })
        .await;
        rp.sb.advance(chrono::Duration::seconds(61));
        until(&rp, "third attempt", || receiver.of(&created.id).len() >= 3).await;
        let attempts = receiver.of(&created.id);
        assert_eq!(attempts.len(), 3, "{label}: no attempt after success");
        for a in &attempts {
            assert_eq!(
                a.signature,
                expected_signature(&secret, a),
                "{label}: each attempt is signed"
            );
            assert_eq!(a.body, created.body, "{label}: the same body");
        }
        let (_, deliveries) = send(
            &rp,
            "GET",
            &format!("/api/v1/webhooks/{id}/deliveries"),
            None,
        )
        .await;
        let d = deliveries
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["event_id"] == created.id.as_str())
            .unwrap();
        assert_eq!(
            (
                d["status"].as_str(),
                d["attempts"].as_i64(),
                d["last_status"].as_i64()
            ),
            (Some("delivered"), Some(3), Some(200)),
            "{label}: {d}"
        );
        let kinds = receiver.kinds();
        assert!(
            kinds.contains(&"user.login".to_string()),
            "{label}: {kinds:?}"
        );

        // An administrator's block is reported; resend repeats the same webhook-id.
        let (s, _) = send(&rp, "POST", &format!("/api/v1/users/{sub}/block"), None).await;
        assert_eq!(s, 200);
        until(&rp, "user.blocked", || {
            receiver.kinds().contains(&"user.blocked".to_string())
        })
        .await;
        let delivery = d["id"].as_i64().unwrap();
        let (s, _) = send(
            &rp,
            "POST",
            &format!("/api/v1/webhooks/{id}/deliveries/{delivery}/resend"),
            None,
        )
        .await;
        assert_eq!(s, 202, "{label}");
        // /flaky now accepts this id at once.
        until(&rp, "resent", || receiver.of(&created.id).len() >= 4).await;
        let (s, test) = send(&rp, "POST", &format!("/api/v1/webhooks/{id}/test"), None).await;
        assert_eq!(s, 202, "{label}");
        let test_id = test["event_id"].as_str().unwrap().to_string();
        until(&rp, "the test event", || !receiver.of(&test_id).is_empty()).await;
        assert!(
            receiver.of(&test_id)[0].body.contains("webhook.test"),
            "{label}"
        );
    })
    .await;
}

#[tokio::test]
async fn two_workers_deliver_each_event_once_and_a_killed_workers_delivery_comes_again() {
    each_database(|db, label| async move {
        let rp = start(db).await;
        let (receiver, base) = Receiver::start().await;
        let (id, _) = endpoint(&rp, &format!("{base}/ok"), &["user.created"]).await;
        for i in 0..8 {
            send(&rp, "POST", &format!("/api/v1/webhooks/{id}/test"), None).await;
            let _ = i;
        }
        let (a, b) = (rp.sb.state.webhooks.worker(), rp.sb.state.webhooks.worker());
        for _ in 0..20 {
            let (x, y) = tokio::join!(a.round(), b.round());
            x.unwrap();
            y.unwrap();
            if receiver.all().len() >= 8 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut ids: Vec<String> = receiver.all().into_iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), 8, "{label}: {ids:?}");
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 8, "{label}: each event exactly once");

        // A worker takes a delivery and dies: nobody sends it while the lease holds…
        let (s, test) = send(&rp, "POST", &format!("/api/v1/webhooks/{id}/test"), None).await;
        assert_eq!(s, 202);
        let event = test["event_id"].as_str().unwrap().to_string();
        assert_eq!(a.take_and_die().await.unwrap(), 1, "{label}");
        b.round().await.unwrap();
        a.round().await.unwrap();
        assert!(receiver.of(&event).is_empty(), "{label}: the lease holds");
        // …and once it runs out, the delivery comes with the same webhook-id.
        rp.sb.advance(chrono::Duration::seconds(61));
        until(&rp, "redelivery", || !receiver.of(&event).is_empty()).await;
        assert_eq!(receiver.of(&event).len(), 1, "{label}");
    })
    .await;
}

#[tokio::test]
async fn bad_endpoints_are_refused_and_bad_receivers_are_recorded_attempts() {
    let rp = start(crate::support::memory_db().await).await;
    for (url, events, field, code) in [
        (
            "ftp://hooks.example.com/x",
            json!(["user.login"]),
            "url",
            "scheme_not_allowed",
        ),
        (
            "http://hooks.example.com/x",
            json!(["user.login"]),
            "url",
            "scheme_not_allowed",
        ),
        (
            "https://user:pw@hooks.example.com/x",
            json!(["user.login"]),
            "url",
            "credentials_in_url",
        ),
        ("not a url", json!(["user.login"]), "url", "invalid_url"),
        (
            "https://hooks.example.com/x",
            json!(["user.exploded"]),
            "events",
            "unknown_event",
        ),
        (
            "https://hooks.example.com/x",
            json!([]),
            "events",
            "no_events",
        ),
    ] {
        let (s, e) = send(
            &rp,
            "POST",
            "/api/v1/webhooks",
            Some(json!({"url": url, "events": events})),
        )
        .await;
        assert_eq!(s, 422, "{url}: {e}");
        assert!(
            e["error"]["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["field"] == field && f["code"] == code),
            "{url}: {e}"
        );
    }
    // This instance's own admin API.
    let own = rp.url("/api/v1/users");
    let (s, e) = send(
        &rp,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": own, "events": ["user.login"]})),
    )
    .await;
    assert_eq!(
        (s, e["error"]["errors"][0]["code"].as_str()),
        (422, Some("own_origin")),
        "{e}"
    );
    let (s, e) = send(
        &rp,
        "POST",
        "/api/v1/webhooks",
        Some(json!({"url": "https://x.example", "events": ["user.login"], "secret": "mine"})),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (400, Some("invalid_json")),
        "{e}"
    );
    assert_eq!(
        send(&rp, "GET", "/api/v1/webhooks", None).await.1,
        json!([]),
        "nothing was made"
    );

    // A redirecting receiver and a hanging one: failed attempts with their reasons, retried later.
    let (receiver, base) = Receiver::start().await;
    let (redirect, _) = endpoint(&rp, &format!("{base}/redirect"), &["user.created"]).await;
    let (hang, _) = endpoint(&rp, &format!("{base}/hang"), &["user.created"]).await;
    send(
        &rp,
        "POST",
        &format!("/api/v1/webhooks/{redirect}/test"),
        None,
    )
    .await;
    send(&rp, "POST", &format!("/api/v1/webhooks/{hang}/test"), None).await;
    let worker = rp.sb.state.webhooks.worker();
    let mut last = (Value::Null, Value::Null);
    for _ in 0..40 {
        worker.tick().await.unwrap();
        let r = send(
            &rp,
            "GET",
            &format!("/api/v1/webhooks/{redirect}/deliveries"),
            None,
        )
        .await
        .1;
        let h = send(
            &rp,
            "GET",
            &format!("/api/v1/webhooks/{hang}/deliveries"),
            None,
        )
        .await
        .1;
        last = (r[0].clone(), h[0].clone());
        if last.0["attempts"] == 1 && last.1["attempts"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (r, h) = last;
    assert_eq!(
        (r["status"].as_str(), r["last_status"].as_i64()),
        (Some("pending"), Some(302)),
        "{r}"
    );
    assert_eq!(r["last_error"], "redirects are not followed", "{r}");
    assert_eq!(
        (h["status"].as_str(), h["last_error"].as_str()),
        (Some("pending"), Some("timed out")),
        "{h}"
    );
    assert!(h["next_attempt_at"].is_string());
    assert!(
        receiver.all().iter().all(|x| x.path != "/elsewhere"),
        "the redirect was not followed"
    );
}
