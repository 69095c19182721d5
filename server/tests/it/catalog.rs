//! The management API (`/api/v1/`): authentication, sources, applications, associations,
//! logos, audit; secrets never leave the server in clear.

use axum::body::Body;
use axum::http::{Request, header};
use datong::catalog::{Actor, Catalog, CatalogError};
use datong::crypto::secret_box::SecretBox;
use datong::store;
use serde_json::{Value, json};

use crate::support::{
    API_TOKEN, HOST, Reply, TestApp, api_call, each_database, start_time, test_app, with_api_token,
};

const TOKEN: &str = API_TOKEN;
const SECRET: &str = "KNOWN-APP-SECRET-7f3a9c";

async fn with_token(app: &TestApp) {
    with_api_token(app).await;
}

async fn call(app: &TestApp, method: &str, path: &str, body: Option<Value>) -> Reply {
    api_call(app, method, path, body).await
}

fn pc_source(identifier: &str) -> Value {
    json!({
        "identifier": identifier,
        "mode": "pc_qrcode",
        "display_name": "WeChat",
        "callback_url": "https://shop.example.com/after-login",
        "appid": "wx1000000000000001",
        "app_secret": SECRET,
    })
}

#[tokio::test]
async fn callers_need_a_live_token_or_a_console_session() {
    let app = test_app().await;
    with_token(&app).await;
    let anonymous = app.get("/api/v1/sources", None).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json()["error"]["code"], "unauthenticated");
    let forged = app
        .send(
            Request::get("/api/v1/sources")
                .header(header::HOST, HOST)
                .header(header::AUTHORIZATION, "Bearer dtk_nope")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(forged.status, 401);
    assert_eq!(forged.json()["error"]["code"], "invalid_token");
    assert_eq!(call(&app, "GET", "/api/v1/sources", None).await.status, 200);

    // A console session works too, and may manage tokens; a token may not.
    let cookie = app.admin_cookie().await;
    assert_eq!(app.get("/api/v1/sources", Some(&cookie)).await.status, 200);
    let denied = call(&app, "POST", "/api/v1/tokens", Some(json!({"name": "x"}))).await;
    assert_eq!(denied.status, 403);
    assert_eq!(denied.json()["error"]["code"], "session_required");
    // A cookie-authenticated change must come from the console's own origin.
    let cross = app
        .send(
            Request::post("/api/v1/tokens")
                .header(header::HOST, HOST)
                .header(header::ORIGIN, "https://evil.example.com")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"name":"stolen"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(cross.status, 403);
    assert_eq!(cross.json()["error"]["code"], "cross_site_request");
    let made = app
        .send(
            Request::post("/api/v1/tokens")
                .header(header::HOST, HOST)
                .header(header::ORIGIN, format!("http://{HOST}"))
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"name":"deploy"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let minted = made.json();
    let token = minted["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("dtk_"));
    let use_it = |t: String| {
        app.send(
            Request::get("/api/v1/applications")
                .header(header::HOST, HOST)
                .header(header::AUTHORIZATION, format!("Bearer {t}"))
                .body(Body::empty())
                .unwrap(),
        )
    };
    assert_eq!(use_it(token.clone()).await.status, 200);
    let revoke = app
        .send(
            Request::delete(format!("/api/v1/tokens/{}", minted["id"]))
                .header(header::HOST, HOST)
                .header(header::ORIGIN, format!("http://{HOST}"))
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(revoke.status, 204);
    let revoked = use_it(token).await;
    assert_eq!(revoked.status, 401);
    assert_eq!(revoked.json()["error"]["code"], "invalid_token");
}

#[tokio::test]
async fn sources_are_created_shown_masked_updated_and_deleted() {
    let app = test_app().await;
    with_token(&app).await;
    let created = call(
        &app,
        "POST",
        "/api/v1/sources",
        Some(pc_source("wechat-web")),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let v = created.json();
    assert_eq!(
        v["secret_hint"], "••••3a9c",
        "bullets and the last four characters"
    );
    assert!(!created.body.contains(SECRET));
    assert_eq!(v["enabled"], true);
    assert_eq!(v["linking"], "off");
    let id = v["id"].as_i64().unwrap();

    let listed = call(&app, "GET", "/api/v1/sources", None).await;
    assert!(!listed.body.contains(SECRET));
    assert_eq!(listed.json().as_array().unwrap().len(), 1);

    let again = call(
        &app,
        "POST",
        "/api/v1/sources",
        Some(pc_source("wechat-web")),
    )
    .await;
    assert_eq!(again.status, 422);
    assert_eq!(again.json()["error"]["field"], "identifier");
    assert_eq!(again.json()["error"]["errors"][0]["code"], "taken");

    let rename = call(
        &app,
        "PATCH",
        &format!("/api/v1/sources/{id}"),
        Some(json!({"identifier": "other"})),
    )
    .await;
    assert_eq!(rename.status, 422);
    assert_eq!(rename.json()["error"]["errors"][0]["code"], "immutable");

    // Changing other fields keeps the secret; a new one replaces it.
    let changed = call(
        &app,
        "PATCH",
        &format!("/api/v1/sources/{id}"),
        Some(json!({"display_name": "微信登录", "enabled": false})),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.json()["display_name"], "微信登录");
    assert_eq!(changed.json()["secret_hint"], v["secret_hint"]);
    let replaced = call(
        &app,
        "PATCH",
        &format!("/api/v1/sources/{id}"),
        Some(json!({"app_secret": "new-secret-WXYZ"})),
    )
    .await;
    assert_eq!(replaced.json()["secret_hint"], "••••WXYZ");

    assert_eq!(
        call(&app, "DELETE", &format!("/api/v1/sources/{id}"), None)
            .await
            .status,
        204
    );
    let gone = call(&app, "GET", &format!("/api/v1/sources/{id}"), None).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json()["error"]["code"], "not_found");
}

#[tokio::test]
async fn field_rules_name_the_offending_field() {
    let app = test_app().await;
    with_token(&app).await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"identifier": "Bad_Id"}),
            "identifier",
            "invalid_format",
        ),
        (
            json!({"identifier": "x".repeat(32)}),
            "identifier",
            "too_long",
        ),
        (
            json!({"callback_url": "/relative"}),
            "callback_url",
            "invalid_url",
        ),
        (json!({"appid": "wx123"}), "appid", "invalid_format"),
        (json!({"app_secret": null}), "app_secret", "required"),
        (json!({"mode": "qr"}), "mode", "invalid_value"),
        (
            json!({"linking": "field_match", "link_field": "phone"}),
            "link_field",
            "not_provided",
        ),
    ];
    for (change, field, code) in cases {
        let mut body = pc_source("rules");
        for (k, v) in change.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        let r = call(&app, "POST", "/api/v1/sources", Some(body)).await;
        assert_eq!(r.status, 422, "{field}: {}", r.body);
        let errors = r.json()["error"]["errors"].clone();
        assert!(
            errors
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field && e["code"] == code),
            "{field}/{code}: {errors}"
        );
    }
    let launch = json!({
        "identifier": "app-launch", "mode": "app_launch_miniprogram", "display_name": "App",
        "callback_url": "https://shop.example.com/", "appid": "wx1000000000000002",
        "app_secret": "s", "original_id": "gh_12345"
    });
    let r = call(&app, "POST", "/api/v1/sources", Some(launch)).await;
    assert_eq!(r.json()["error"]["field"], "original_id");
    let unknown = call(
        &app,
        "POST",
        "/api/v1/sources",
        Some(json!({"identifer": "typo"})),
    )
    .await;
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("identifer")
    );
    // The default mini program needs no credentials; private deployment does.
    let scan = json!({"identifier": "mp-scan", "mode": "pc_miniprogram_qrcode", "display_name": "Scan",
        "callback_url": "https://shop.example.com/"});
    let r = call(&app, "POST", "/api/v1/sources", Some(scan)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["page_path"], "pages/login/index");
    assert_eq!(r.json()["env_version"], "release");
    let id = r.json()["id"].as_i64().unwrap();
    let private = call(
        &app,
        "PATCH",
        &format!("/api/v1/sources/{id}"),
        Some(json!({"private_deployment": true})),
    )
    .await;
    assert_eq!(private.status, 422);
    assert_eq!(private.json()["error"]["field"], "appid");
}

#[tokio::test]
async fn logos_are_decoded_and_stored_as_png() {
    let app = test_app().await;
    with_token(&app).await;
    let scan = json!({"identifier": "mp-logo", "mode": "pc_miniprogram_qrcode", "display_name": "Scan",
        "callback_url": "https://shop.example.com/"});
    let id = call(&app, "POST", "/api/v1/sources", Some(scan))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let put = |bytes: Vec<u8>| {
        app.send(
            Request::put(format!("/api/v1/sources/{id}/logo"))
                .header(header::HOST, HOST)
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .header(header::CONTENT_TYPE, "image/png")
                .body(Body::from(bytes))
                .unwrap(),
        )
    };
    let svg = put(br#"<svg xmlns="http://www.w3.org/2000/svg"/>"#.to_vec()).await;
    assert_eq!(svg.status, 422);
    assert_eq!(
        svg.json()["error"]["errors"][0]["code"],
        "unsupported_image"
    );
    let big = put(vec![0x89; 1024 * 1024 + 1]).await;
    assert_eq!(big.json()["error"]["errors"][0]["code"], "too_large");
    // A JPEG, stored re-encoded.
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 80)
        .encode(&[200u8; 16 * 16 * 3], 16, 16, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    let ok = put(jpeg).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["has_logo"], true);
    let stored = call(&app, "GET", &format!("/api/v1/sources/{id}/logo"), None).await;
    assert_eq!(stored.header("content-type").as_deref(), Some("image/png"));
}

#[tokio::test]
async fn applications_show_their_secret_once_and_associate_with_sources() {
    let app = test_app().await;
    with_token(&app).await;
    let source = call(
        &app,
        "POST",
        "/api/v1/sources",
        Some(pc_source("wechat-web")),
    )
    .await
    .json();
    let created = call(
        &app,
        "POST",
        "/api/v1/applications",
        Some(json!({"name": "Shop", "app_type": "web", "redirect_uris": ["https://shop.example.com/cb", "http://127.0.0.1:5173/cb"]})),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let v = created.json();
    let secret = v["client_secret"].as_str().unwrap().to_string();
    assert!(secret.len() >= 40);
    let id = v["application"]["id"].as_i64().unwrap();
    assert!(
        v["application"]["client_id"]
            .as_str()
            .unwrap()
            .starts_with("dt_")
    );
    assert_eq!(v["application"]["access_token_ttl"], 3600);
    let shown = call(&app, "GET", &format!("/api/v1/applications/{id}"), None).await;
    assert!(!shown.body.contains(&secret), "the secret is shown once");

    let bad = call(
        &app,
        "PATCH",
        &format!("/api/v1/applications/{id}"),
        Some(json!({"redirect_uris": ["https://ok.example.com/", "http://shop.example.com/cb"]})),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["error"]["field"], "redirect_uris[1]");
    assert_eq!(bad.json()["error"]["errors"][0]["code"], "https_required");

    let sid = source["id"].as_i64().unwrap();
    let linked = call(
        &app,
        "PUT",
        &format!("/api/v1/applications/{id}/sources/{sid}"),
        None,
    )
    .await;
    assert_eq!(linked.json()["sources"], json!([sid]));
    let from_source = call(&app, "GET", &format!("/api/v1/sources/{sid}"), None)
        .await
        .json();
    assert_eq!(from_source["applications"], json!([id]));
    let unlinked = call(
        &app,
        "DELETE",
        &format!("/api/v1/applications/{id}/sources/{sid}"),
        None,
    )
    .await;
    assert_eq!(unlinked.json()["sources"], json!([]));
    call(
        &app,
        "PUT",
        &format!("/api/v1/applications/{id}/sources/{sid}"),
        None,
    )
    .await;
    call(&app, "DELETE", &format!("/api/v1/sources/{sid}"), None).await;
    let after = call(&app, "GET", &format!("/api/v1/applications/{id}"), None)
        .await
        .json();
    assert_eq!(
        after["sources"],
        json!([]),
        "deleting a source ends its associations"
    );

    let rotated = call(
        &app,
        "POST",
        &format!("/api/v1/applications/{id}/rotate_secret"),
        None,
    )
    .await
    .json();
    assert_ne!(rotated["client_secret"], json!(secret));

    // Every change is in the audit log, by this token, without secrets.
    let audit = call(&app, "GET", "/api/v1/audit", None).await;
    assert!(!audit.body.contains(SECRET) && !audit.body.contains(&secret));
    let actions: Vec<String> = audit
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    for expected in [
        "source.create",
        "application.create",
        "association.enable",
        "association.disable",
        "source.delete",
        "application.rotate_secret",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} in {actions:?}"
        );
    }
    assert!(
        audit
            .json()
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] == "token:ci")
    );
}

#[tokio::test]
async fn the_database_file_never_holds_an_app_secret_in_clear() {
    let dir = std::env::temp_dir().join(format!("datong-at-rest-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("datong.db").display());
    let db = store::connect(&url, 4).await.unwrap();
    store::migrate(&db).await.unwrap();
    let clock = std::sync::Arc::new(datong::clock::ManualClock::new(start_time()));
    let catalog = Catalog::new(db.clone(), SecretBox::new(&[3u8; 32]), clock);
    let input = serde_json::from_value(pc_source("at-rest")).unwrap();
    catalog
        .create_source(&Actor::Admin("admin".into()), input)
        .await
        .unwrap();
    db.close().await.unwrap();
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    assert!(bytes.len() > 4096, "the database was written");
    let needle = SECRET.as_bytes();
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle),
        "AppSecret found in clear"
    );
    assert!(
        bytes.windows(7).any(|w| w == b"at-rest"),
        "the source's row is in the bytes read"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn identifiers_are_unique_and_associations_cascade_on_both_databases() {
    each_database(|db, name| async move {
        let clock = std::sync::Arc::new(datong::clock::ManualClock::new(start_time()));
        let catalog = Catalog::new(db, SecretBox::new(&[3u8; 32]), clock);
        let admin = Actor::Admin("admin".into());
        let source = catalog
            .create_source(&admin, serde_json::from_value(pc_source("dup")).unwrap())
            .await
            .unwrap();
        let twice = catalog
            .create_source(&admin, serde_json::from_value(pc_source("dup")).unwrap())
            .await;
        assert!(
            matches!(twice, Err(CatalogError::Invalid(ref e)) if e[0].code == "taken"),
            "{name}"
        );
        let app = catalog
            .create_application(
                &admin,
                serde_json::from_value(json!({"name": "A", "sources": [source.id]})).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(app.application.sources, vec![source.id], "{name}");
        catalog
            .delete_application(&admin, app.application.id)
            .await
            .unwrap();
        assert!(
            catalog
                .get_source(source.id)
                .await
                .unwrap()
                .applications
                .is_empty(),
            "{name}"
        );
    })
    .await;
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let app = test_app().await;
    let doc = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(doc.status, 200);
    let v = doc.json();
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/sources",
        "/api/v1/sources/{id}",
        "/api/v1/sources/{id}/logo",
        "/api/v1/applications",
        "/api/v1/applications/{id}/rotate_secret",
        "/api/v1/applications/{id}/sources/{source_id}",
    ] {
        assert!(v["paths"][path].is_object(), "{path}");
    }
    let input = &v["components"]["schemas"]["SourceInput"]["properties"];
    assert!(input["app_secret"].is_object() && input["identifier"].is_object());
    assert!(v["components"]["schemas"]["SourceView"]["properties"]["app_secret"].is_null());
    assert_eq!(
        v["components"]["securitySchemes"]["token"]["scheme"],
        "bearer"
    );
}
