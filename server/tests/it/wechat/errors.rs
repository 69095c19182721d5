//! The remaining §10 errors the sandbox produces on its own, each seen by the client as its
//! typed error; quotas; the JSON-only rule of the phone and admin APIs; the mini program's
//! post to its backend.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::routing::post;
use datong::crypto::Secret;
use datong::wechat::WeChatError;
use serde_json::{Value, json};

use super::harness::*;

fn errcode<T: std::fmt::Debug>(r: Result<T, WeChatError>) -> i64 {
    r.unwrap_err().errcode().unwrap()
}

#[tokio::test]
async fn missing_parameters_and_unknown_tokens() {
    let sb = Sandboxed::start().await;
    let c = sb.client();
    let empty = Secret::new(String::new());
    assert_eq!(errcode(c.exchange_code("", &secret(), "x").await), 41002);
    assert!(
        matches!(c.exchange_code(WEBSITE, &empty, "x").await, Err(WeChatError::InvalidCredentials(ref r)) if r.errcode == 41004)
    );
    assert!(
        matches!(c.exchange_code(WEBSITE, &secret(), "").await, Err(WeChatError::InvalidCode(ref r)) if r.errcode == 41008)
    );
    assert!(
        matches!(c.code_to_session(MINI, &secret(), "").await, Err(WeChatError::InvalidCode(ref r)) if r.errcode == 41008)
    );
    let ghost = Secret::new("86_unknown".to_string());
    assert!(
        matches!(c.user_info(&ghost, "o").await, Err(WeChatError::AccessTokenInvalid(ref r)) if r.errcode == 40001)
    );
    assert!(
        matches!(c.check_user_token(&ghost, "o").await, Err(WeChatError::AccessTokenInvalid(ref r)) if r.errcode == 40014)
    );
    assert_eq!(
        errcode(c.user_info(&Secret::new(String::new()), "o").await),
        41001
    );
    let ann = sb.persona("Ann").await;
    let (code, _) = sb.qr_login(ann, WEBSITE, "s").await;
    let token = c.exchange_code(WEBSITE, &secret(), &code).await.unwrap();
    assert!(
        matches!(c.user_info(&token.access_token, "").await, Err(WeChatError::InvalidOpenId(ref r)) if r.errcode == 41009)
    );
    let missing_refresh = Secret::new(String::new());
    assert!(
        matches!(c.refresh_user_token(WEBSITE, &missing_refresh).await, Err(WeChatError::RefreshTokenInvalid(ref r)) if r.errcode == 41003)
    );
    assert_eq!(
        errcode(c.phone_number(&Secret::new(String::new()), "x", None).await),
        41001
    );
    let server = sb.wechat().token(MINI, &secret()).await.unwrap();
    assert!(
        matches!(c.phone_number(&server, "", None).await, Err(WeChatError::InvalidCode(ref r)) if r.errcode == 41008)
    );

    // What only a hand-made request can get wrong.
    let t = server.expose();
    let raw = |path: String, body: &'static str| {
        let http = sb.http.clone();
        async move {
            http.post(path)
                .body(body)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()["errcode"]
                .clone()
        }
    };
    let wxa = sb.url(&format!("api/wxa/getwxacodeunlimit?access_token={t}"));
    assert_eq!(
        raw(wxa.clone(), r#"{"scene":"a","scancode_time":1}"#).await,
        85096
    );
    assert_eq!(raw(wxa.clone(), "scene=a").await, 47001);
    let (_, _, get) = sb
        .get(&format!("api/wxa/getwxacodeunlimit?access_token={t}"))
        .await;
    assert!(get.contains("43002"), "{get}");
    let (_, _, grant) = sb
        .get(&format!(
            "api/sns/oauth2/access_token?appid={WEBSITE}&secret={SECRET}&code=x&grant_type=password"
        ))
        .await;
    assert!(grant.contains("40002"), "{grant}");
}

#[tokio::test]
async fn quotas() {
    let sb = Sandboxed::start().await;
    let bo = sb.persona("Bo").await;
    // jscode2session: 100 per minute per user.
    for _ in 0..100 {
        let code = sb.js_code(bo, MINI).await;
        sb.client()
            .code_to_session(MINI, &secret(), &code)
            .await
            .unwrap();
    }
    let code = sb.js_code(bo, MINI).await;
    let limited = sb.client().code_to_session(MINI, &secret(), &code).await;
    assert!(
        matches!(limited, Err(WeChatError::RateLimited(ref r)) if r.errcode == 45011),
        "{limited:?}"
    );
    sb.advance(chrono::Duration::minutes(1));
    let code = sb.js_code(bo, MINI).await;
    sb.client()
        .code_to_session(MINI, &secret(), &code)
        .await
        .unwrap();

    // cgi-bin/token: 2000 a day.
    for _ in 0..2000 {
        sb.client().classic_token(MOBILE, &secret()).await.unwrap();
    }
    let spent = sb.client().classic_token(MOBILE, &secret()).await;
    assert!(
        matches!(spent, Err(WeChatError::QuotaExhausted(ref r)) if r.errcode == 45009),
        "{spent:?}"
    );
    sb.advance(chrono::Duration::days(1));
    sb.client().classic_token(MOBILE, &secret()).await.unwrap();
}

#[tokio::test]
async fn phone_and_admin_apis_take_json_only() {
    let sb = Sandboxed::start().await;
    for path in ["phone/api/personas", "admin/api/faults"] {
        let r = sb
            .http
            .post(sb.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("nickname=Mallory")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 415, "{path}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "json_required");
    }
    let (_, personas, _) = sb
        .get("phone/api/personas")
        .await
        .2
        .parse::<Value>()
        .map(|v| ((), v, ()))
        .unwrap();
    assert_eq!(personas["personas"], json!([]), "nothing was created");
}

#[tokio::test]
async fn a_scanned_mini_program_posts_its_codes_to_its_backend() {
    let sb = Sandboxed::start().await;
    let cy = sb.persona("Cy").await;
    // A stand-in for the mini program's backend that records what it gets.
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let record = seen.clone();
    let backend = axum::Router::new().route(
        "/mp/login/{scene}/{action}",
        post(
            move |axum::extract::Path((scene, action)): axum::extract::Path<(String, String)>,
                  Json(body): Json<Value>| {
                let record = record.clone();
                async move {
                    record
                        .lock()
                        .unwrap()
                        .push(json!({"scene": scene, "action": action, "body": body}));
                    Json(json!({"status": action}))
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend_url = format!("http://{}/mp/login", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, backend).await.unwrap() });

    sb.register(MINI, "mini_program", None).await;
    let (s, v) = sb
        .patch(
            &format!("admin/api/apps/{MINI}"),
            json!({"server_url": backend_url}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    for elsewhere in [
        "file:///etc/passwd",
        "http://169.254.169.254/latest",
        "https://other.example.com/login",
    ] {
        let (s, v) = sb
            .patch(
                &format!("admin/api/apps/{MINI}"),
                json!({"server_url": elsewhere}),
            )
            .await;
        assert_eq!(s, 400, "{elsewhere}: {v}");
    }

    // The code Datong would have generated, scanned by the phone.
    let token = sb.wechat().token(MINI, &secret()).await.unwrap();
    let request = datong::wechat::miniprogram::CodeRequest {
        scene: "t=Ab12".into(),
        page: Some("pages/login/index".into()),
        check_path: false,
        env_version: "release".into(),
        width: 430,
        is_hyaline: false,
    };
    sb.client().unlimited_code(&token, &request).await.unwrap();
    let mp_url = format!(
        "{}?appid={MINI}&scene=t%3DAb12&page=pages%2Flogin%2Findex&env_version=release",
        sb.url("phone/mp")
    );
    let (s, scanned) = sb
        .post("phone/api/scan", json!({"persona_id": cy, "url": mp_url}))
        .await;
    assert_eq!(s, 200, "{scanned}");
    assert_eq!(scanned["kind"], "mini_program");
    assert_eq!(scanned["scene"], "t=Ab12");

    // The page reports the scan, then logs in with both codes, or cancels.
    let mp = json!({"persona_id": cy, "appid": MINI, "scene": scanned["scene"], "phone": true});
    for action in ["mp_scan", "mp_login", "mp_cancel"] {
        let (s, answer) = sb.post(&format!("phone/api/{action}"), mp.clone()).await;
        assert_eq!(s, 200, "{answer}");
        assert_eq!(answer["status"], 200, "{answer}");
    }
    let got = seen.lock().unwrap().clone();
    let actions: Vec<_> = got.iter().map(|g| g["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["scan", "confirm", "cancel"]);
    assert!(got.iter().all(|g| g["scene"] == "t=Ab12"), "{got:?}");
    let codes = &got[1]["body"];
    // The backend can use both codes.
    let session = sb
        .client()
        .code_to_session(MINI, &secret(), codes["code"].as_str().unwrap())
        .await
        .unwrap();
    let phone = sb
        .client()
        .phone_number(
            &token,
            codes["phone_code"].as_str().unwrap(),
            Some(&session.openid),
        )
        .await
        .unwrap();
    assert_eq!(phone.pure_phone_number, "13800138000");
}

#[tokio::test]
async fn the_phone_opens_web_addresses_of_this_sandbox_only() {
    let sb = Sandboxed::start().await;
    let eve = sb.persona("Eve").await;
    // Text that ends like an authorize URL but is script.
    let script = format!(
        "javascript:alert(document.domain)//open/connect/oauth2/authorize?appid={OFFICIAL}&redirect_uri=http%3A%2F%2Fx%2F&response_type=code&scope=snsapi_base"
    );
    let (s, v) = sb
        .post("phone/api/scan", json!({"persona_id": eve, "url": script}))
        .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(v["error"]["code"], "unknown_url");
}

#[tokio::test]
async fn an_app_keeps_the_callback_domain_it_was_first_used_with() {
    let sb = Sandboxed::start().await;
    let qr = |redirect: &str| {
        format!(
            "open/connect/qrconnect?appid={WEBSITE}&redirect_uri={}&response_type=code&scope=snsapi_login",
            form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
        )
    };
    let (_, _, first) = sb.get(&qr("https://shop.example.com:8443/cb")).await;
    assert!(first.contains("data-scan-url"), "{first}");
    let (_, _, same) = sb.get(&qr("https://shop.example.com:8443/other")).await;
    assert!(same.contains("data-scan-url"));
    let (_, _, elsewhere) = sb.get(&qr("https://attacker.example.net/steal")).await;
    assert!(elsewhere.contains("该链接无法访问"), "{elsewhere}");
    let state: Value = serde_json::from_str(&sb.get("admin/api/state").await.2).unwrap();
    let app = state["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["appid"] == WEBSITE)
        .unwrap()
        .clone();
    assert_eq!(app["redirect_domain"], "shop.example.com:8443");
}
