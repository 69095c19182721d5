//! `/oauth/authorize` and the hosted login page: the client and its exact redirect URI are
//! checked before any redirect; other errors go back to the application with `state` and
//! `iss`; a valid request leads to `/login`, which shows only the application's enabled
//! sources.

use axum::body::Body;
use axum::http::{Request, header};
use chrono::Duration;
use serde_json::{Value, json};

use crate::support::{HOST, Reply, TestApp, api_call, test_app, with_api_token};

const REDIRECT: &str = "https://shop.example.com/oidc/callback";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

async fn api(app: &TestApp, method: &str, path: &str, body: Value) -> Value {
    let reply = api_call(app, method, path, Some(body)).await;
    assert!(reply.status.is_success(), "{path}: {}", reply.body);
    if reply.body.is_empty() {
        Value::Null
    } else {
        reply.json()
    }
}

fn source(identifier: &str, mode: &str, name: &str, enabled: bool) -> Value {
    let mut s = json!({
        "identifier": identifier, "mode": mode, "display_name": name,
        "callback_url": "https://shop.example.com/after", "enabled": enabled,
        "appid": "wx1000000000000001", "app_secret": "s3cret",
    });
    if mode == "webpage" {
        s["scope"] = json!("snsapi_userinfo");
    }
    s
}

/// A web and a single-page application; the web one enables an enabled pc_qrcode source, a
/// disabled one and an in-WeChat one; a fourth source is not associated.
async fn world() -> (TestApp, String, String) {
    let app = test_app().await;
    with_api_token(&app).await;
    let mut ids = Vec::new();
    for s in [
        source("wechat-web", "pc_qrcode", "微信扫码登录", true),
        source("wechat-off", "pc_qrcode", "Disabled source", false),
        source("wechat-oa", "webpage", "微信内登录", true),
        source("wechat-other", "pc_qrcode", "Unassociated source", true),
    ] {
        ids.push(
            api(&app, "POST", "/api/v1/sources", s).await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let web = api(
        &app,
        "POST",
        "/api/v1/applications",
        json!({"name": "Shop", "app_type": "web", "redirect_uris": [REDIRECT],
               "sources": [ids[0], ids[1], ids[2]]}),
    )
    .await;
    let spa = api(
        &app,
        "POST",
        "/api/v1/applications",
        json!({"name": "Shop SPA", "app_type": "spa", "redirect_uris": [REDIRECT]}),
    )
    .await;
    (
        app,
        web["application"]["client_id"]
            .as_str()
            .unwrap()
            .to_string(),
        spa["application"]["client_id"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

async fn authorize(app: &TestApp, params: &[(&str, &str)]) -> Reply {
    let q: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    app.get(&format!("/oauth/authorize?{q}"), None).await
}

fn location(reply: &Reply) -> url::Url {
    let loc = reply.header("location").expect("a redirect");
    url::Url::parse(&loc)
        .or_else(|_| url::Url::parse(&format!("http://{HOST}{loc}")))
        .unwrap()
}

fn param(url: &url::Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn the_client_and_its_exact_redirect_uri_come_before_any_redirect() {
    let (app, web, _) = world().await;
    let unknown = authorize(
        &app,
        &[
            ("client_id", "dt_nope"),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid"),
        ],
    )
    .await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.header("location").is_none());
    assert!(unknown.body.contains("No application has this client_id."));

    for wrong in [
        "https://shop.example.com/oidc/callback/",
        "https://shop.example.com/oidc/callback?x=1",
        "https://shop.example.com.evil.example/oidc/callback",
        "http://shop.example.com/oidc/callback",
        "https://SHOP.example.com/oidc/callback",
    ] {
        let reply = authorize(
            &app,
            &[
                ("client_id", &web),
                ("redirect_uri", wrong),
                ("response_type", "code"),
                ("scope", "openid"),
                ("state", "s1"),
            ],
        )
        .await;
        assert_eq!(reply.status, 400, "{wrong}");
        assert!(
            reply.header("location").is_none(),
            "{wrong} was redirected to"
        );
        assert!(reply.body.contains("not registered"), "{wrong}");
    }
    // Escaped, not echoed as markup.
    let reply = authorize(&app, &[("redirect_uri", "<script>")]).await;
    assert!(!reply.body.contains("<script>"));
}

/// A client id, the request's other parameters, and the error expected back.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);

#[tokio::test]
async fn other_errors_return_to_the_application_with_state_and_issuer() {
    let (app, web, spa) = world().await;
    let cases: [Case; 7] = [
        (&web, vec![("scope", "openid")], "invalid_request"),
        (
            &web,
            vec![("response_type", "token"), ("scope", "openid")],
            "unsupported_response_type",
        ),
        (
            &web,
            vec![("response_type", "code"), ("scope", "profile")],
            "invalid_scope",
        ),
        (
            &spa,
            vec![("response_type", "code"), ("scope", "openid")],
            "invalid_request",
        ),
        (
            &spa,
            vec![
                ("response_type", "code"),
                ("scope", "openid"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "plain"),
            ],
            "invalid_request",
        ),
        (
            &web,
            vec![
                ("response_type", "code"),
                ("scope", "openid"),
                ("code_challenge", "short"),
                ("code_challenge_method", "S256"),
            ],
            "invalid_request",
        ),
        (
            &web,
            vec![
                ("response_type", "code"),
                ("scope", "openid"),
                ("prompt", "none"),
            ],
            "login_required",
        ),
    ];
    for (client, extra, error) in cases {
        let mut params = vec![
            ("client_id", client),
            ("redirect_uri", REDIRECT),
            ("state", "xyz"),
        ];
        params.extend(extra.iter().copied());
        let reply = authorize(&app, &params).await;
        assert_eq!(reply.status, 303, "{error}: {}", reply.body);
        let to = location(&reply);
        assert!(to.as_str().starts_with(REDIRECT), "{to}");
        assert_eq!(param(&to, "error").as_deref(), Some(error), "{to}");
        assert_eq!(param(&to, "state").as_deref(), Some("xyz"));
        assert_eq!(param(&to, "iss").as_deref(), Some("http://127.0.0.1:3000"));
    }
}

#[tokio::test]
async fn a_valid_request_leads_to_the_login_page_with_the_applications_sources() {
    let (app, web, spa) = world().await;
    // POST works as GET does (OpenID Connect allows both).
    let form: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("client_id", web.as_str()),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid"),
        ])
        .finish();
    let posted = app
        .send(
            Request::post("/oauth/authorize")
                .header(header::HOST, HOST)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form))
                .unwrap(),
        )
        .await;
    assert_eq!(location(&posted).path(), "/login", "{}", posted.body);

    // A public client with PKCE S256 is admitted.
    let reply = authorize(
        &app,
        &[
            ("client_id", &spa),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    assert!(
        location(&reply).path() == "/login",
        "{:?}",
        reply.header("location")
    );

    let reply = authorize(
        &app,
        &[
            ("client_id", &web),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid profile unknown"),
            ("state", "abc"),
            ("nonce", "n-1"),
        ],
    )
    .await;
    let to = location(&reply);
    assert_eq!(to.path(), "/login");
    let request = param(&to, "request").unwrap();

    let page = app.get(&format!("/login?request={request}"), None).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Shop"), "{}", page.body);
    assert!(page.body.contains("微信扫码登录"));
    assert!(page.body.contains("微信内登录"));
    assert!(
        page.body
            .contains(&format!("/login/wechat/wechat-web?request={request}"))
    );
    assert!(
        !page.body.contains("Disabled source"),
        "a disabled source is shown"
    );
    assert!(
        !page.body.contains("Unassociated source"),
        "an unassociated source is shown"
    );
    // On a computer both show; in WeChat's browser (where nobody can scan their own screen)
    // the QR login is hidden and the in-WeChat mode remains. WeCom's browser is not WeChat.
    let qr = page.body.find("微信扫码登录").unwrap();
    let oa = page.body.find("微信内登录").unwrap();
    assert!(qr < oa, "on a computer the QR login comes first");
    let with_ua = |ua: &'static str| {
        app.send(
            Request::get(format!("/login?request={request}"))
                .header(header::HOST, HOST)
                .header(header::USER_AGENT, ua)
                .body(Body::empty())
                .unwrap(),
        )
    };
    let in_wechat = with_ua("Mozilla/5.0 (iPhone) MicroMessenger/8.0.50").await;
    assert!(in_wechat.body.contains("微信内登录"), "{}", in_wechat.body);
    assert!(!in_wechat.body.contains("微信扫码登录"));
    let wecom = with_ua("Mozilla/5.0 (iPhone) MicroMessenger/8.0.50 wxwork/4.1.0").await;
    assert!(wecom.body.contains("微信扫码登录"));

    // After ten minutes the request is gone: a readable page, no buttons.
    app.clock.advance(Duration::minutes(11));
    let expired = app.get(&format!("/login?request={request}"), None).await;
    assert!(expired.body.contains("expired"), "{}", expired.body);
    assert!(!expired.body.contains("微信扫码登录"));
}
