//! Signing in and out of the console, throttling, and the gate in front of pages and functions.

use axum::http::StatusCode;
use chrono::Duration;
use datong::console::admins;
use datong::state::HttpSettings;

use crate::support::*;

#[tokio::test]
async fn right_password_opens_a_session_that_reaches_protected_functions_and_pages() {
    let app = test_app().await;
    let r = app.sign_in("admin", ADMIN_PASSWORD, "10.0.0.1").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["outcome"], "signed");
    let set = r.session_cookie().expect("session cookie");
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Lax"), "{set}");
    assert!(
        !set.contains("Secure"),
        "plain http must not set Secure: {set}"
    );
    let cookie = cookie_pair(&set);

    let s = app
        .call_fn("/api/console/session", "", Some(&cookie), "10.0.0.1")
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.body);
    assert_eq!(s.json()["admin_name"], "admin");

    let page = app.get("/console/users", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("data-testid=\"console-nav\""),
        "{}",
        page.body
    );

    // Signed in: the sign-in page sends you to the console.
    let signin = app.get("/signin", Some(&cookie)).await;
    assert!(signin.status.is_redirection());
    assert_eq!(signin.header("location").as_deref(), Some("/console"));
}

#[tokio::test]
async fn wrong_password_and_unknown_account_look_the_same() {
    let app = test_app().await;
    let wrong = app.sign_in("admin", "not the password", "10.0.0.1").await;
    let unknown = app.sign_in("nobody", "not the password", "10.0.0.2").await;
    for r in [&wrong, &unknown] {
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json(), serde_json::json!({ "outcome": "rejected" }));
        assert!(r.session_cookie().is_none());
    }
}

#[tokio::test]
async fn oversized_input_is_rejected_without_being_stored_whole() {
    use datong::store::entities::sign_in_failure;
    use sea_orm::EntityTrait;
    let app = test_app().await;
    let huge_name = "a".repeat(100_000);
    let huge_password = "p".repeat(100_000);
    for (name, password) in [(huge_name.as_str(), "x"), ("admin", huge_password.as_str())] {
        let r = app.sign_in(name, password, "10.0.7.1").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["outcome"], "rejected");
    }
    let rows = sign_in_failure::Entity::find().all(&app.db).await.unwrap();
    assert!(
        rows.iter().all(|r| r.subject.len() <= 80),
        "subjects are bounded"
    );
}

#[tokio::test]
async fn five_failures_lock_the_account_until_they_age_out() {
    let app = test_app().await;
    for i in 0..5 {
        // different addresses, so only the per-account rule can trigger
        let r = app.sign_in("admin", "wrong", &format!("10.0.1.{i}")).await;
        assert_eq!(r.json()["outcome"], "rejected");
        app.clock.advance(Duration::seconds(10));
    }
    // Even the right password is refused while locked, with the wait in seconds.
    let r = app.sign_in("admin", ADMIN_PASSWORD, "10.0.1.99").await;
    assert_eq!(r.json()["outcome"], "throttled", "{}", r.body);
    let wait = r.json()["retry_after_secs"].as_u64().unwrap();
    assert_eq!(wait, 300 - 50, "first failure at t=0, now t=50");
    assert!(r.session_cookie().is_none());

    app.clock.advance(Duration::seconds(wait as i64));
    let r = app.sign_in("admin", ADMIN_PASSWORD, "10.0.1.99").await;
    assert_eq!(r.json()["outcome"], "signed", "{}", r.body);
}

#[tokio::test]
async fn five_failures_from_one_address_lock_that_address_only() {
    let app = test_app().await;
    for i in 0..5 {
        let r = app
            .sign_in(&format!("guess{i}"), "wrong", "192.0.2.7")
            .await;
        assert_eq!(r.json()["outcome"], "rejected");
    }
    let r = app.sign_in("admin", ADMIN_PASSWORD, "192.0.2.7").await;
    assert_eq!(r.json()["outcome"], "throttled");
    assert_eq!(r.json()["retry_after_secs"], 300);
    let r = app.sign_in("admin", ADMIN_PASSWORD, "192.0.2.8").await;
    assert_eq!(r.json()["outcome"], "signed");
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = test_app().await;
    let cookie = app.admin_cookie().await;
    let out = app
        .call_fn("/api/session/sign_out", "", Some(&cookie), "10.0.0.1")
        .await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    let cleared = out.session_cookie().expect("cookie cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");

    let after = app
        .call_fn("/api/console/session", "", Some(&cookie), "10.0.0.1")
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after.json()["error"]["code"], "unauthenticated");
}

#[tokio::test]
async fn anonymous_or_forged_calls_to_console_functions_get_401_json() {
    let app = test_app().await;
    for cookie in [None, Some("datong_console=forged-token")] {
        let r = app
            .call_fn("/api/console/session", "", cookie, "10.0.0.1")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/json")
        );
        assert_eq!(r.json()["error"]["code"], "unauthenticated");
    }
}

#[tokio::test]
async fn anonymous_pages_redirect_to_sign_in() {
    let app = test_app().await;
    for path in ["/console", "/console/applications", "/console/logs"] {
        let r = app.get(path, None).await;
        assert!(r.status.is_redirection(), "{path}: {}", r.status);
        let want = format!("/signin?next={}", path.replace('/', "%2F"));
        assert_eq!(r.header("location").as_deref(), Some(want.as_str()));
    }
    let signin = app.get("/signin", None).await;
    assert_eq!(signin.status, StatusCode::OK);
    assert!(signin.body.contains("data-testid=\"signin-name\""));
}

#[tokio::test]
async fn sessions_expire() {
    let app = test_app().await;
    let cookie = app.admin_cookie().await;
    app.clock
        .advance(Duration::hours(12) - Duration::seconds(1));
    assert_eq!(
        app.call_fn("/api/console/session", "", Some(&cookie), "10.0.0.1")
            .await
            .status,
        StatusCode::OK
    );
    app.clock.advance(Duration::seconds(1));
    assert_eq!(
        app.call_fn("/api/console/session", "", Some(&cookie), "10.0.0.1")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn cross_site_calls_are_refused() {
    use axum::body::Body;
    use axum::http::{Request, header};
    let app = test_app().await;
    for origin in [Some("http://evil.test"), Some("null"), None] {
        let mut req = Request::post("/api/session/sign_in")
            .header(header::HOST, HOST)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        let body = format!("name=admin&password={}", ADMIN_PASSWORD.replace(' ', "+"));
        let r = app.send(req.body(Body::from(body)).unwrap()).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "origin {origin:?}");
        assert_eq!(r.json()["error"]["code"], "cross_site_request");
        assert!(r.session_cookie().is_none());
    }
}

#[tokio::test]
async fn cookies_are_secure_behind_an_https_proxy() {
    let app = test_app_with(HttpSettings {
        public_url: Some("https://id.example.com".into()),
        behind_proxy: true,
        ..HttpSettings::default()
    })
    .await;
    let proxy = [
        ("x-forwarded-proto", "https"),
        ("x-forwarded-for", "203.0.113.9, 10.1.1.2"),
    ];
    let r = app
        .sign_in_via_proxy(
            "admin",
            ADMIN_PASSWORD,
            "10.1.1.1:3000",
            "https://id.example.com",
            &proxy,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let set = r.session_cookie().unwrap();
    assert!(set.contains("; Secure"), "{set}");
}

#[tokio::test]
async fn password_reset_ends_sessions_and_lifts_the_lock() {
    let app = test_app().await;
    let cookie = app.admin_cookie().await;
    for i in 0..5 {
        app.sign_in("admin", "wrong", &format!("10.0.2.{i}")).await;
    }
    admins::reset_password(&app.db, app.clock.as_ref(), "admin", "a brand new password")
        .await
        .unwrap();
    assert_eq!(
        app.call_fn("/api/console/session", "", Some(&cookie), "10.0.0.1")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in("admin", ADMIN_PASSWORD, "10.0.3.1")
            .await
            .json()["outcome"],
        "rejected"
    );
    assert_eq!(
        app.sign_in("admin", "a brand new password", "10.0.3.1")
            .await
            .json()["outcome"],
        "signed"
    );
}

/// However guesses are sent, in parallel or one by one, no more than five passwords are
/// checked for one account within the window.
#[tokio::test]
async fn parallel_guesses_get_no_more_than_five_tries() {
    let app = std::sync::Arc::new(test_app().await);
    let outcome = |r: Reply| r.json()["outcome"].as_str().unwrap().to_string();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                app.sign_in("admin", &format!("guess-{i}"), &format!("10.9.0.{i}"))
                    .await
            })
        })
        .collect();
    let mut checked = 0;
    for t in tasks {
        match outcome(t.await.unwrap()).as_str() {
            "rejected" => checked += 1,
            "throttled" => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(checked <= 5, "{checked} passwords checked by the burst");
    // Then one by one, until refused: the total stays at five.
    for i in 0..10 {
        match outcome(app.sign_in("admin", "again", &format!("10.9.1.{i}")).await).as_str() {
            "rejected" => checked += 1,
            "throttled" => break,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(checked, 5, "passwords checked in one window");
    let last = app.sign_in("admin", ADMIN_PASSWORD, "10.9.2.1").await;
    assert_eq!(outcome(last), "throttled");
}

#[tokio::test]
async fn behind_a_proxy_the_address_is_the_one_the_proxy_saw() {
    let app = test_app_with(HttpSettings {
        public_url: None,
        behind_proxy: true,
        ..HttpSettings::default()
    })
    .await;
    let origin = format!("http://{HOST}");
    // The client forges the first X-Forwarded-For entry on every try; the proxy appends the
    // address it really saw, and that is what gets throttled.
    for i in 0..5 {
        let xff = format!("198.51.100.{i}, 203.0.113.50");
        let r = app
            .sign_in_via_proxy(
                &format!("nobody{i}"),
                "wrong",
                HOST,
                &origin,
                &[("x-forwarded-for", &xff)],
            )
            .await;
        assert_eq!(r.json()["outcome"], "rejected");
    }
    let xff = [("x-forwarded-for", "192.0.2.200, 203.0.113.50")];
    let r = app
        .sign_in_via_proxy("admin", ADMIN_PASSWORD, HOST, &origin, &xff)
        .await;
    assert_eq!(r.json()["outcome"], "throttled");
}
