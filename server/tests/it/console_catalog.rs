//! The console's catalog server functions: they run the management API's operations, so the
//! same input gives the same field errors; they need a session from the console's origin; a bad
//! logo changes nothing; secrets never come back.

use axum::body::Body;
use axum::http::{Request, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use datong::state::HttpSettings;

use crate::support::{
    API_TOKEN, DEFAULT_MINIPROGRAM, HOST, TestApp, api_call, build_app, start_time, test_app,
    with_api_token,
};

const TOKEN: &str = API_TOKEN;
const SECRET: &str = "CONSOLE-SECRET-c0ffee42";

async fn api_post(app: &TestApp, path: &str, body: &Value) -> (u16, Value) {
    let reply = api_call(app, "POST", path, Some(body.clone())).await;
    (reply.status.as_u16(), reply.json())
}

/// (field, code, message) of every error, from the API's body or the console's `Invalid`.
fn triples(errors: &Value) -> Vec<(String, String, String)> {
    errors
        .as_array()
        .unwrap_or_else(|| panic!("not a list of errors: {errors}"))
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn base(mode: &str) -> Value {
    json!({
        "identifier": "shop-login",
        "mode": mode,
        "display_name": "WeChat",
        "callback_url": "https://shop.example.com/after",
        "appid": "wx1000000000000001",
        "app_secret": SECRET,
    })
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

#[tokio::test]
async fn console_and_api_report_the_same_field_errors() {
    let app = test_app().await;
    with_api_token(&app).await;
    let cookie = app.admin_cookie().await;

    let sources = [
        with(base("pc_qrcode"), "identifier", json!("Shop_Login")),
        with(base("pc_qrcode"), "identifier", json!("a".repeat(32))),
        with(base("pc_qrcode"), "identifier", json!("")),
        with(
            base("pc_qrcode"),
            "callback_url",
            json!("ftp://shop.example.com"),
        ),
        with(base("pc_qrcode"), "callback_url", json!("/relative")),
        with(base("pc_qrcode"), "appid", json!("wxNOTHEX0000000000")),
        with(base("pc_qrcode"), "app_secret", Value::Null),
        with(base("webpage"), "scope", json!("snsapi_login")),
        with(base("miniprogram"), "page_path", json!("/pages/login")),
        with(base("miniprogram"), "env_version", json!("beta")),
        with(
            base("app_launch_miniprogram"),
            "original_id",
            json!("gh_123"),
        ),
        with(
            with(base("pc_qrcode"), "linking", json!("field_match")),
            "link_field",
            json!("phone"),
        ),
        with(base("nonsense"), "display_name", json!("")),
    ];
    for input in sources {
        let (status, api) = api_post(&app, "/api/v1/sources", &input).await;
        assert_eq!(status, 422, "API accepted {input}");
        let console = app
            .call_json_fn(
                "/api/console/create_source",
                &json!({ "input": input, "logo": null }),
                Some(&cookie),
            )
            .await;
        let body = console.json();
        assert_eq!(body["kind"], "invalid", "console: {body} for {input}");
        assert_eq!(
            triples(&body["detail"]),
            triples(&api["error"]["errors"]),
            "for {input}"
        );
    }

    let apps = [
        json!({"name": "Shop", "redirect_uris": ["http://shop.example.com/cb"]}),
        json!({"name": "Shop", "redirect_uris": ["https://shop.example.com/cb#x"]}),
        json!({"name": "", "access_token_ttl": 5}),
        json!({"name": "Shop", "app_type": "desktop", "refresh_token_ttl": -1}),
    ];
    for input in apps {
        let (status, api) = api_post(&app, "/api/v1/applications", &input).await;
        assert_eq!(status, 422, "API accepted {input}");
        let console = app
            .call_json_fn(
                "/api/console/create_application",
                &json!({ "input": input }),
                Some(&cookie),
            )
            .await;
        let body = console.json();
        assert_eq!(body["kind"], "invalid", "console: {body} for {input}");
        assert_eq!(triples(&body["detail"]), triples(&api["error"]["errors"]));
    }

    // Nothing was created by any of them.
    let list = app
        .call_json_fn("/api/console/sources", &json!({}), Some(&cookie))
        .await;
    assert_eq!(list.json(), json!([]));
}

#[tokio::test]
async fn console_functions_need_a_session_from_the_console() {
    let app = test_app().await;
    let input = json!({ "input": base("pc_qrcode"), "logo": null });
    let anonymous = app
        .call_json_fn("/api/console/create_source", &input, None)
        .await;
    assert_eq!(anonymous.status, 401);

    let cookie = app.admin_cookie().await;
    let cross = app
        .send(
            Request::post("/api/console/create_source")
                .header(header::HOST, HOST)
                .header(header::ORIGIN, "https://evil.example.com")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(input.to_string()))
                .unwrap(),
        )
        .await;
    assert_eq!(cross.status, 403);
    let list = app
        .call_json_fn("/api/console/sources", &json!({}), Some(&cookie))
        .await;
    assert_eq!(list.json(), json!([]), "a refused call created something");
}

fn png_b64() -> String {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbaImage::from_pixel(24, 24, image::Rgba([10, 200, 90, 255]))
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    STANDARD.encode(out.into_inner())
}

#[tokio::test]
async fn logos_are_checked_before_anything_is_saved_and_secrets_never_come_back() {
    let app = test_app().await;
    let cookie = app.admin_cookie().await;
    let svg = STANDARD.encode(br#"<svg xmlns="http://www.w3.org/2000/svg"/>"#);

    let refused = app
        .call_json_fn(
            "/api/console/check_logo",
            &json!({ "file": svg }),
            Some(&cookie),
        )
        .await;
    assert_eq!(refused.json()["kind"], "invalid");
    assert_eq!(refused.json()["detail"][0]["code"], "unsupported_image");

    let checked = app
        .call_json_fn(
            "/api/console/check_logo",
            &json!({ "file": png_b64() }),
            Some(&cookie),
        )
        .await;
    let png = STANDARD.decode(checked.json().as_str().unwrap()).unwrap();
    assert_eq!(
        image::guess_format(&png).unwrap(),
        image::ImageFormat::Png,
        "the preview is the server's PNG"
    );

    // A source with an SVG logo is not created at all.
    let mut input = base("pc_miniprogram_qrcode");
    input["private_deployment"] = json!(true);
    let bad = app
        .call_json_fn(
            "/api/console/create_source",
            &json!({ "input": input, "logo": svg }),
            Some(&cookie),
        )
        .await;
    assert_eq!(bad.json()["detail"][0]["field"], "logo");
    let list = app
        .call_json_fn("/api/console/sources", &json!({}), Some(&cookie))
        .await;
    assert_eq!(list.json(), json!([]));

    // With a PNG it is, the logo is stored, and the secret shows only as its hint.
    let created = app
        .call_json_fn(
            "/api/console/create_source",
            &json!({ "input": input, "logo": png_b64() }),
            Some(&cookie),
        )
        .await;
    let view = created.json();
    assert_eq!(view["has_logo"], true, "{view}");
    assert_eq!(view["secret_hint"], "••••ee42");
    assert!(!created.body.contains(SECRET));
    let id = view["id"].as_i64().unwrap();
    let logo = app
        .get(&format!("/api/v1/sources/{id}/logo"), Some(&cookie))
        .await;
    assert_eq!(logo.header("content-type").as_deref(), Some("image/png"));

    // Editing without a secret keeps the stored one; the identifier cannot change.
    let kept = app
        .call_json_fn(
            "/api/console/update_source",
            &json!({ "id": id, "input": {"display_name": "微信登录"}, "logo": null }),
            Some(&cookie),
        )
        .await;
    assert_eq!(kept.json()["display_name"], "微信登录");
    assert_eq!(kept.json()["secret_hint"], "••••ee42");
    let renamed = app
        .call_json_fn(
            "/api/console/update_source",
            &json!({ "id": id, "input": {"identifier": "other"}, "logo": null }),
            Some(&cookie),
        )
        .await;
    assert_eq!(renamed.json()["detail"][0]["code"], "immutable");
    // Removing the logo.
    let removed = app
        .call_json_fn(
            "/api/console/update_source",
            &json!({ "id": id, "input": {}, "logo": "" }),
            Some(&cookie),
        )
        .await;
    assert_eq!(removed.json()["has_logo"], false);
    let listed = app
        .call_json_fn("/api/console/sources", &json!({}), Some(&cookie))
        .await;
    assert!(!listed.body.contains(SECRET));
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_they_are_read() {
    let app = test_app().await;
    let cookie = app.admin_cookie().await;
    let huge = json!({ "file": "A".repeat(datong::http::MAX_BODY + 1) }).to_string();
    // A browser declares the length: refused at once.
    let declared = app
        .send(
            Request::post("/api/console/check_logo")
                .header(header::HOST, HOST)
                .header(header::ORIGIN, format!("http://{HOST}"))
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CONTENT_LENGTH, huge.len())
                .body(Body::from(huge.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(declared.status, 413);
    // A streamed body is cut off at the limit; the call fails without being processed.
    let streamed = app
        .call_json_fn(
            "/api/console/check_logo",
            &serde_json::from_str(&huge).unwrap(),
            Some(&cookie),
        )
        .await;
    assert!(streamed.status.is_client_error() || streamed.status.is_server_error());
    assert_eq!(streamed.json()["kind"], "failed");
    // Just under the limit, the logo rule answers (too large for a logo).
    let big = STANDARD.encode(vec![0u8; 1024 * 1024 + 1]);
    let reply = app
        .call_json_fn(
            "/api/console/check_logo",
            &json!({ "file": big }),
            Some(&cookie),
        )
        .await;
    assert_eq!(
        reply.json()["detail"][0]["code"],
        "too_large",
        "{}",
        &reply.body[..reply.body.len().min(300)]
    );
}

#[tokio::test]
async fn the_default_mini_program_decides_whether_private_deployment_is_needed() {
    let mut input = base("pc_miniprogram_qrcode");
    input["appid"] = Value::Null;
    input["app_secret"] = Value::Null;

    // Configured: the console shows it, and a source may use it.
    let app = test_app().await;
    let cookie = app.admin_cookie().await;
    let info = app
        .call_json_fn("/api/console/instance", &json!({}), Some(&cookie))
        .await;
    assert_eq!(
        info.json(),
        json!({"default_miniprogram_appid": DEFAULT_MINIPROGRAM, "wechat_simulated": false,
               "public_url": "http://127.0.0.1:3000"})
    );
    let created = app
        .call_json_fn(
            "/api/console/create_source",
            &json!({ "input": input, "logo": null }),
            Some(&cookie),
        )
        .await;
    assert_eq!(
        created.json()["private_deployment"],
        false,
        "{}",
        created.body
    );

    // None configured (production without one): only private deployment works.
    let bare = build_app(HttpSettings::default(), None).await;
    let cookie = bare.admin_cookie().await;
    let info = bare
        .call_json_fn("/api/console/instance", &json!({}), Some(&cookie))
        .await;
    assert_eq!(info.json()["default_miniprogram_appid"], Value::Null);
    let refused = bare
        .call_json_fn(
            "/api/console/create_source",
            &json!({ "input": input, "logo": null }),
            Some(&cookie),
        )
        .await;
    assert_eq!(refused.json()["detail"][0]["field"], "private_deployment");
    assert_eq!(refused.json()["detail"][0]["code"], "no_default");
    let mut private = base("pc_miniprogram_qrcode");
    private["private_deployment"] = json!(true);
    let ok = bare
        .call_json_fn(
            "/api/console/create_source",
            &json!({ "input": private, "logo": null }),
            Some(&cookie),
        )
        .await;
    assert_eq!(ok.json()["private_deployment"], true, "{}", ok.body);
}

#[tokio::test]
async fn with_the_sandbox_on_a_sandbox_mini_program_is_the_default() {
    let db = crate::support::memory_db().await;
    let clock = std::sync::Arc::new(datong::clock::ManualClock::new(start_time()));
    let leptos = leptos::config::LeptosOptions::builder()
        .output_name("datong")
        .build();
    let key = [9u8; 32];
    let state = datong::AppState::new(db, clock, &key, 12, HttpSettings::default(), leptos)
        .with_wechat("http://127.0.0.1:9/api", "http://127.0.0.1:9/open", true)
        .with_default_miniprogram(None);
    let (appid, _) = datong::sandbox::ids::default_mini_program(&key);
    assert_eq!(
        state.default_miniprogram.as_ref().map(|(a, _)| a.as_str()),
        Some(appid.as_str())
    );
    let info = state.catalog.instance();
    assert_eq!(
        info.default_miniprogram_appid.as_deref(),
        Some(appid.as_str())
    );
    assert!(info.wechat_simulated);
}

#[tokio::test]
async fn applications_take_an_optional_logo_from_the_console_and_the_api() {
    let app = test_app().await;
    with_api_token(&app).await;
    let cookie = app.admin_cookie().await;
    let created = app
        .call_json_fn(
            "/api/console/create_application",
            &json!({ "input": {"name": "Shop"}, "logo": png_b64() }),
            Some(&cookie),
        )
        .await;
    let view = &created.json()["application"];
    assert_eq!(view["has_logo"], true, "{}", created.body);
    let id = view["id"].as_i64().unwrap();
    let logo = app
        .get(&format!("/api/v1/applications/{id}/logo"), Some(&cookie))
        .await;
    assert_eq!(logo.status, 200);
    assert_eq!(logo.header("content-type").as_deref(), Some("image/png"));

    // The API refuses an SVG and keeps the stored logo.
    let svg = app
        .send(
            Request::put(format!("/api/v1/applications/{id}/logo"))
                .header(header::HOST, HOST)
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .body(Body::from(r#"<svg xmlns="http://www.w3.org/2000/svg"/>"#))
                .unwrap(),
        )
        .await;
    assert_eq!(svg.status, 422);
    assert_eq!(svg.json()["error"]["field"], "logo");
    // Removed from the console's edit.
    let removed = app
        .call_json_fn(
            "/api/console/update_application",
            &json!({ "id": id, "input": {}, "logo": "" }),
            Some(&cookie),
        )
        .await;
    assert_eq!(removed.json()["has_logo"], false, "{}", removed.body);
    let gone = app
        .get(&format!("/api/v1/applications/{id}/logo"), Some(&cookie))
        .await;
    assert_eq!(gone.status, 404);
    let audit = app.get("/api/v1/audit", Some(&cookie)).await;
    assert!(audit.body.contains("application.logo.set"));
    assert!(audit.body.contains("application.logo.remove"));
}

#[tokio::test]
async fn an_oversized_body_is_refused_in_the_callers_shape() {
    let app = test_app().await;
    let huge = "A".repeat(datong::http::MAX_BODY + 1);
    let send = |path: &'static str, content_type: &'static str| {
        let body = huge.clone();
        let app = &app;
        async move {
            app.send(
                Request::post(path)
                    .header(header::HOST, HOST)
                    .header(header::ORIGIN, format!("http://{HOST}"))
                    .header(header::CONTENT_TYPE, content_type)
                    .header(header::ACCEPT_LANGUAGE, "zh-CN")
                    .header(header::CONTENT_LENGTH, body.len())
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
        }
    };
    // The management API: its JSON error with a stable code.
    let api = send("/api/v1/sources/1/logo", "image/png").await;
    assert_eq!(api.status, 413);
    assert_eq!(api.json()["error"]["code"], "payload_too_large");
    // The token endpoint: an OAuth error.
    let token = send("/oauth/token", "application/x-www-form-urlencoded").await;
    assert_eq!(token.status, 413);
    assert_eq!(token.json()["error"], "invalid_request");
    // A person's form: a readable page in their language.
    let page = send(
        "/login/bind/handle/create",
        "application/x-www-form-urlencoded",
    )
    .await;
    assert_eq!(page.status, 413);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html"),
        "{:?}",
        page.header("content-type")
    );
    assert!(page.body.contains("提交的内容过大"), "{}", page.body);
}
