//! The embedded QR: a PC QR source that asks for it shows WeChat's QR code inside the hosted
//! login page. The iframe starts the login like the button does, WeChat's iframe page sends the
//! top window to the callback, and the person is the same user as through the redirect.

use serde_json::json;

use super::harness::{Browser, Rp, SOURCE, answer, param};
use crate::support::each_database;
use crate::wechat::harness::{WEBSITE, scan_url};

#[tokio::test]
async fn an_embedded_qr_shows_inside_the_login_page_and_logs_in_the_same_user() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let p = rp.sb.persona("Persona P").await;
        let first = rp.login(&mut Browser::default(), p, &[]).await;
        let t = rp.redeem(&first).await.json();
        let x = rp.verified(t["id_token"].as_str().unwrap()).await["sub"].clone();

        let source = rp
            .api(
                "PATCH",
                &format!("/api/v1/sources/{}", rp.source_id),
                json!({"embedded_qr": true}),
            )
            .await;
        assert_eq!(source["embedded_qr"], true, "{label}");

        // The login page holds an iframe on the start route instead of a button.
        let mut browser = Browser::default();
        let auth = rp.authorize(&mut browser, &[]).await;
        let login_page = auth.location.unwrap();
        let request = param(&rp.url(&login_page), "request").unwrap();
        let page = browser.get(&rp.url(&login_page)).await;
        assert_eq!(page.status, 200);
        let src = format!("/login/wechat/{SOURCE}?request={request}");
        assert!(
            page.body.contains("data-testid=\"login-qr-frame\""),
            "{label}: {}",
            page.body
        );
        assert!(page.body.contains(&format!("src=\"{src}\"")), "{label}");
        assert!(
            page.body
                .contains("sandbox=\"allow-scripts allow-same-origin allow-top-navigation\"")
        );
        assert!(!page.body.contains("data-testid=\"login-source\""));
        // Only Datong itself may frame its pages (no clickjacking of the login page).
        assert_eq!(
            page.headers["content-security-policy"],
            "frame-ancestors 'self'"
        );
        assert_eq!(page.headers["x-frame-options"], "SAMEORIGIN");

        // The iframe's start: WeChat's iframe variant, the final redirect in the top window.
        let start = browser.get(&rp.url(&src)).await;
        assert_eq!(start.status, 303, "{}", start.body);
        let qr = start.location.unwrap();
        assert!(
            qr.starts_with(&rp.sb.url("open/connect/qrconnect?")),
            "{qr}"
        );
        assert!(
            !qr.contains('#'),
            "no #wechat_redirect inside an iframe: {qr}"
        );
        assert_eq!(param(&qr, "appid").as_deref(), Some(WEBSITE));
        assert_eq!(param(&qr, "login_type").as_deref(), Some("jssdk"));
        assert_eq!(param(&qr, "self_redirect").as_deref(), Some("false"));
        let wechat_page = browser.get(&qr).await;
        assert_eq!(wechat_page.status, 200);
        assert!(
            !wechat_page.headers.contains_key("x-frame-options"),
            "WeChat's (the sandbox's) QR page can be framed"
        );
        assert!(
            wechat_page.body.contains("target = \"top\""),
            "the sandbox page redirects the top window"
        );

        let code = rp.scan(p, &scan_url(&wechat_page.body)).await;
        let state = param(&qr, "state").unwrap();
        let back = rp.callback(&mut browser, Some(&code), Some(&state)).await;
        assert_eq!(back.status, 303, "{label}: {}", back.body);
        let t = rp.redeem(&rp.code_from(&back)).await.json();
        let id = rp.verified(t["id_token"].as_str().unwrap()).await;
        assert_eq!(
            id["sub"], x,
            "{label}: same person, same user in either display"
        );
    })
    .await;
}

#[tokio::test]
async fn only_a_pc_qr_source_can_embed_its_qr() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let refused = answer(
            reqwest::Client::new()
                .post(rp.url("/api/v1/sources"))
                .bearer_auth(super::harness::TOKEN)
                .json(&json!({"identifier": "in-wechat", "mode": "webpage",
                              "display_name": "WeChat", "callback_url": "https://rp.example.com/after",
                              "appid": "wx0123456789abcdef", "app_secret": "s", "embedded_qr": true}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(refused.status, 422, "{label}: {}", refused.body);
        let e = &refused.json()["error"];
        assert_eq!(e["field"], "embedded_qr");
        assert_eq!(e["errors"][0]["code"], "not_applicable");
        let sources = rp.api("GET", "/api/v1/sources", json!(null)).await;
        assert_eq!(sources.as_array().unwrap().len(), 1, "{label}: nothing created");
    })
    .await;
}
