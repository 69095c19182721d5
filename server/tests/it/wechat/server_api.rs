//! Server access tokens (classic and stable), the refresh-once-and-retry rule, fault knobs,
//! timeouts.

use std::time::Duration as StdDuration;

use chrono::Duration;
use datong::wechat::{WeChatClient, WeChatError};
use serde_json::json;

use super::harness::*;

#[tokio::test]
async fn classic_tokens_rotate_with_a_five_minute_grace() {
    let sb = Sandboxed::start().await;
    let first = sb.client().classic_token(MINI, &secret()).await.unwrap();
    assert_eq!(first.expires_in, 7200);
    assert!(first.access_token.expose().len() >= 100);
    let second = sb.client().classic_token(MINI, &secret()).await.unwrap();
    assert_ne!(first.access_token.expose(), second.access_token.expose());
    let code = datong::wechat::miniprogram::CodeRequest {
        scene: "a=1".into(),
        page: None,
        check_path: false,
        env_version: "release".into(),
        width: 280,
        is_hyaline: false,
    };
    sb.advance(Duration::minutes(4));
    sb.client()
        .unlimited_code(&first.access_token, &code)
        .await
        .unwrap();
    sb.advance(Duration::minutes(2));
    let old = sb.client().unlimited_code(&first.access_token, &code).await;
    match old {
        Err(WeChatError::AccessTokenInvalid(r)) => {
            assert_eq!(r.errcode, 40001);
            assert!(
                r.errmsg.contains("getStableAccessToken"),
                "long cgi-bin text: {}",
                r.errmsg
            );
        }
        other => panic!("{other:?}"),
    }
    sb.client()
        .unlimited_code(&second.access_token, &code)
        .await
        .unwrap();
    sb.advance(Duration::hours(2));
    let expired = sb
        .client()
        .unlimited_code(&second.access_token, &code)
        .await;
    assert!(
        matches!(expired, Err(WeChatError::AccessTokenInvalid(ref r)) if r.errcode == 42001),
        "{expired:?}"
    );
}

#[tokio::test]
async fn stable_tokens_are_shared_and_force_refresh_is_limited() {
    let sb = Sandboxed::start().await;
    let a = sb.client().stable_token(MINI, &secret()).await.unwrap();
    sb.advance(Duration::seconds(100));
    let b = sb.client().stable_token(MINI, &secret()).await.unwrap();
    assert_eq!(a.access_token.expose(), b.access_token.expose());
    assert_eq!(b.expires_in, 7100, "the remaining lifetime");
    // Five minutes before expiry the platform hands out a new one.
    sb.advance(Duration::seconds(6900));
    let c = sb.client().stable_token(MINI, &secret()).await.unwrap();
    assert_ne!(c.access_token.expose(), a.access_token.expose());
    assert_eq!(c.expires_in, 7200);

    let force = |force: bool| json!({"grant_type": "client_credential", "appid": MINI, "secret": SECRET, "force_refresh": force});
    let (_, forced) = sb.post("api/cgi-bin/stable_token", force(true)).await;
    assert_ne!(forced["access_token"], json!(c.access_token.expose()));
    let (_, again) = sb.post("api/cgi-bin/stable_token", force(true)).await;
    assert_eq!(again["errcode"], 45011, "30 s apart: {again}");
    let (_, get) = sb
        .get("api/cgi-bin/stable_token")
        .await
        .2
        .parse::<serde_json::Value>()
        .map(|v| ((), v))
        .unwrap();
    assert_eq!(get["errcode"], 43002, "POST only");
    let (_, bad) = sb
        .post(
            "api/cgi-bin/stable_token",
            json!({"appid": "nope", "secret": "x"}),
        )
        .await;
    assert_eq!(bad["errcode"], 40013, "the appid is checked first");
}

#[tokio::test]
async fn a_rejected_server_token_is_refreshed_once_and_the_call_retried() {
    let sb = Sandboxed::start().await;
    let token = sb.wechat().token(MINI, &secret()).await.unwrap();
    assert_eq!(sb.token_issues(MINI).await, 1);
    // Someone force-refreshes the stable token: ours is void at once.
    sb.post(
        "api/cgi-bin/stable_token",
        json!({"grant_type": "client_credential", "appid": MINI, "secret": SECRET, "force_refresh": true}),
    )
    .await;
    assert_eq!(sb.token_issues(MINI).await, 2);
    let attempts = std::sync::atomic::AtomicU32::new(0);
    let client = sb.client().clone();
    let request = datong::wechat::miniprogram::CodeRequest {
        scene: "a=1".into(),
        page: None,
        check_path: false,
        env_version: "release".into(),
        width: 280,
        is_hyaline: false,
    };
    let image = sb
        .wechat()
        .with_token(MINI, &secret(), |t| {
            attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let client = client.clone();
            let request = request.clone();
            async move { client.unlimited_code(&t, &request).await }
        })
        .await
        .unwrap();
    assert!(!image.bytes.is_empty());
    assert_eq!(
        attempts.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "one retry"
    );
    let now = sb.wechat().token(MINI, &secret()).await.unwrap();
    assert_ne!(now.expose(), token.expose());

    // A token that keeps failing is retried once only.
    sb.fail_next("wxa/getwxacodeunlimit", 40001, 5).await;
    let calls = std::sync::atomic::AtomicU32::new(0);
    let failed = sb
        .wechat()
        .with_token(MINI, &secret(), |t| {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let client = client.clone();
            let request = request.clone();
            async move { client.unlimited_code(&t, &request).await }
        })
        .await;
    assert!(
        matches!(failed, Err(WeChatError::AccessTokenInvalid(_))),
        "{failed:?}"
    );
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test]
async fn fault_knobs_produce_typed_errors() {
    let sb = Sandboxed::start().await;
    let lee = sb.persona("Lee").await;
    type Check = fn(&WeChatError) -> bool;
    let cases: &[(i64, Check)] = &[
        (-1, |e| matches!(e, WeChatError::SystemBusy(_))),
        (45011, |e| matches!(e, WeChatError::RateLimited(_))),
        (40226, |e| matches!(e, WeChatError::CodeBlocked(_))),
        (40029, |e| matches!(e, WeChatError::InvalidCode(_))),
        (45009, |e| matches!(e, WeChatError::QuotaExhausted(_))),
        (40164, |e| matches!(e, WeChatError::IpNotAllowed(_))),
        (89503, |e| matches!(e, WeChatError::IpNotAllowed(_))),
        (42007, |e| matches!(e, WeChatError::RefreshTokenInvalid(_))),
    ];
    for (errcode, is_expected) in cases {
        sb.fail_next("sns/jscode2session", *errcode, 1).await;
        let code = sb.js_code(lee, MINI).await;
        let err = sb
            .client()
            .code_to_session(MINI, &secret(), &code)
            .await
            .unwrap_err();
        assert!(is_expected(&err), "{errcode}: {err:?}");
        assert_eq!(err.errcode(), Some(*errcode));
        // The knob is used up: the same code still works.
        sb.client()
            .code_to_session(MINI, &secret(), &code)
            .await
            .unwrap();
    }
    // A wildcard knob, counted.
    sb.fail_next("*", -1, 2).await;
    assert!(sb.client().stable_token(MINI, &secret()).await.is_err());
    assert!(sb.client().classic_token(MINI, &secret()).await.is_err());
    assert!(sb.client().stable_token(MINI, &secret()).await.is_ok());
}

#[tokio::test]
async fn slow_answers_time_out_and_unreachable_hosts_do_not_leak_secrets() {
    let sb = Sandboxed::start().await;
    sb.post(
        "admin/api/latency",
        json!({"endpoint": "cgi-bin/stable_token", "ms": 1500}),
    )
    .await;
    let impatient = WeChatClient::new(
        &sb.url("api"),
        &sb.url("open"),
        StdDuration::from_millis(300),
    );
    let slow = impatient.stable_token(MINI, &secret()).await;
    assert!(matches!(slow, Err(WeChatError::Timeout)), "{slow:?}");

    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let nowhere = WeChatClient::new(
        &format!("http://{closed}"),
        "http://x",
        StdDuration::from_secs(2),
    );
    let secret_text = datong::crypto::Secret::new("TOP-SECRET-VALUE".to_string());
    let err = nowhere
        .exchange_code(MINI, &secret_text, "CODE-VALUE")
        .await
        .unwrap_err();
    let shown = format!("{err} / {err:?}");
    assert!(matches!(err, WeChatError::Network(_)), "{shown}");
    assert!(
        !shown.contains("TOP-SECRET-VALUE") && !shown.contains("CODE-VALUE"),
        "{shown}"
    );
}
