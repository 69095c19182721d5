use axum::http::StatusCode;

use crate::support::*;

#[tokio::test]
async fn health_and_readiness() {
    let app = test_app().await;
    let h = app.get("/healthz", None).await;
    assert_eq!(h.status, StatusCode::OK);
    assert_eq!(h.json()["status"], "ok");
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["status"], "ready");
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = test_app().await;
    app.db.clone().close().await.unwrap();
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json()["error"]["code"], "database_unreachable");
    // The process itself is still up.
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = test_app().await;
    let a = app
        .get("/healthz", None)
        .await
        .header("x-request-id")
        .expect("request id");
    let b = app
        .get("/healthz", None)
        .await
        .header("x-request-id")
        .expect("request id");
    assert_ne!(a, b);
    assert_eq!(a.len(), 36, "uuid: {a}");
}

#[tokio::test]
async fn unknown_pages_are_404_and_root_goes_to_the_console() {
    let app = test_app().await;
    let r = app.get("/no/such/page", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let root = app.get("/", None).await;
    assert!(root.status.is_redirection());
    assert_eq!(root.header("location").as_deref(), Some("/console"));
}

#[tokio::test]
async fn server_shuts_down_gracefully() {
    use datong::state::HttpSettings;
    let db = memory_db().await;
    let clock = std::sync::Arc::new(datong::clock::ManualClock::new(start_time()));
    let leptos = leptos::config::LeptosOptions::builder()
        .output_name("datong")
        .build();
    let state = datong::AppState::new(db, clock, &[2u8; 32], 12, HttpSettings::default(), leptos);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(datong::serve::serve_on(listener, state, async move {
        let _ = stop_rx.await;
    }));
    let body = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("ok"));
    stop_tx.send(()).unwrap();
    let done = tokio::time::timeout(std::time::Duration::from_secs(10), server).await;
    assert!(
        matches!(done, Ok(Ok(Ok(())))),
        "server did not stop cleanly: {done:?}"
    );
    assert!(
        reqwest::get(format!("http://{addr}/healthz"))
            .await
            .is_err(),
        "still listening"
    );
}
