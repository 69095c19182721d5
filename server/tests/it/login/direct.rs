//! The source's direct login link: `/login/wechat/{identifier}` without an authorization
//! request logs a person in with that source alone, starts the single sign-on session, and
//! sends the browser to the source's callback URL as an OpenID Connect third-party-initiated
//! login (`iss`, `target_link_uri`, never a code); the business page's ordinary authorization
//! request then gets its code without a second scan.

use serde_json::json;

use super::harness::{Browser, REDIRECT, Rp, SOURCE, param};
use crate::support::each_database;
use crate::wechat::harness::scan_url;

/// The direct link, up to WeChat's QR page: the state and the URL its QR code encodes.
async fn direct(rp: &Rp, browser: &mut Browser) -> (String, String) {
    let start = browser
        .get(&rp.url(&format!("/login/wechat/{SOURCE}")))
        .await;
    assert_eq!(start.status, 303, "{}", start.body);
    let qr = start.location.unwrap();
    assert!(
        qr.starts_with(&rp.sb.url("open/connect/qrconnect?")),
        "{qr}"
    );
    let page = browser.get(&qr).await;
    (param(&qr, "state").unwrap(), scan_url(&page.body))
}

#[tokio::test]
async fn the_direct_link_ends_at_the_callback_url_and_the_business_page_needs_no_second_scan() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let p = rp.sb.persona("Direct").await;
        let mut browser = Browser::default();
        let (state, scan) = direct(&rp, &mut browser).await;
        let code = rp.scan(p, &scan).await;
        let back = rp.callback(&mut browser, Some(&code), Some(&state)).await;
        assert_eq!(back.status, 303, "{label}: {}", back.body);
        let to = url::Url::parse(back.location.as_deref().unwrap()).unwrap();
        assert_eq!(
            format!("{}://{}{}", to.scheme(), to.host_str().unwrap(), to.path()),
            "https://rp.example.com/after"
        );
        let q: Vec<(String, String)> = to.query_pairs().into_owned().collect();
        assert_eq!(
            q,
            [
                ("iss".to_string(), rp.sb.base.clone()),
                (
                    "target_link_uri".to_string(),
                    "https://rp.example.com/after".to_string()
                ),
            ],
            "{label}: no code, no token"
        );
        assert!(browser.cookies.contains_key("datong_sso"));

        // The business page starts an ordinary authorization request: answered at once.
        let auth = rp.authorize(&mut browser, &[]).await;
        assert_eq!(auth.status, 303, "{}", auth.body);
        assert!(auth.location.as_deref().unwrap().starts_with(REDIRECT));
        let tokens = rp.redeem(&rp.code_from(&auth)).await.json();
        let claims = rp.verified(tokens["id_token"].as_str().unwrap()).await;
        assert_eq!(claims["nickname"], "Direct", "{label}");
        let log = rp.log_outcomes().await;
        assert_eq!(
            log,
            ["success", "success"],
            "{label}: the direct login and the SSO"
        );
    })
    .await;
}

#[tokio::test]
async fn refusals_on_the_direct_path_show_the_same_pages() {
    let rp = Rp::start(crate::support::memory_db().await).await;
    let p = rp.sb.persona("Nobody").await;
    rp.api(
        "PATCH",
        &format!("/api/v1/sources/{}", rp.source_id),
        json!({"login_only": true}),
    )
    .await;
    let mut browser = Browser::default();
    let (state, scan) = direct(&rp, &mut browser).await;
    let code = rp.scan(p, &scan).await;
    let refused = rp.callback(&mut browser, Some(&code), Some(&state)).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("data-reason=\"login_only\""));
    assert!(
        refused
            .body
            .contains(&format!("href=\"/login/wechat/{SOURCE}\"")),
        "{}",
        refused.body
    );
    assert!(!browser.cookies.contains_key("datong_sso"));

    // A switched-off source's direct link explains itself.
    rp.api(
        "PATCH",
        &format!("/api/v1/sources/{}", rp.source_id),
        json!({"enabled": false}),
    )
    .await;
    let off = browser
        .get(&rp.url(&format!("/login/wechat/{SOURCE}")))
        .await;
    assert_eq!(off.status, 403);
    assert!(off.body.contains("data-reason=\"source_unavailable\""));
    let unknown = browser.get(&rp.url("/login/wechat/no-such-source")).await;
    assert_eq!(unknown.status, 403);
    assert_eq!(
        rp.log_outcomes().await,
        ["source_unavailable", "source_unavailable", "login_only"]
    );
}
