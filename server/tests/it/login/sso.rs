//! Single sign-on: a second login in the same browser needs no scan unless the application
//! asks `prompt=login`; `prompt=none` answers without a page; logout ends the session and
//! follows only a registered post-logout URI.

use super::harness::{Browser, LOGOUT, Rp};
use crate::support::memory_db;

#[tokio::test]
async fn a_signed_in_browser_gets_its_code_without_scanning() {
    let rp = Rp::start(memory_db().await).await;
    let p = rp.sb.persona("P").await;
    let mut browser = Browser::default();
    let none = rp.authorize(&mut browser, &[("prompt", "none")]).await;
    assert_eq!(
        super::harness::param(&none.location.unwrap(), "error").as_deref(),
        Some("login_required")
    );

    let code = rp.login(&mut browser, p, &[]).await;
    let sub = rp
        .verified(rp.redeem(&code).await.json()["id_token"].as_str().unwrap())
        .await["sub"]
        .clone();
    assert!(browser.cookies.contains_key("datong_sso"));

    for extra in [&[][..], &[("prompt", "none")][..]] {
        let again = rp.authorize(&mut browser, extra).await;
        assert_eq!(again.status, 303);
        let code = rp.code_from(&again);
        let id = rp
            .verified(rp.redeem(&code).await.json()["id_token"].as_str().unwrap())
            .await;
        assert_eq!(id["sub"], sub, "single sign-on: the same user, no scan");
    }
    let forced = rp.authorize(&mut browser, &[("prompt", "login")]).await;
    assert!(forced.location.unwrap().starts_with("/login?request="));
    rp.sb.advance(chrono::Duration::seconds(120));
    let aged = rp.authorize(&mut browser, &[("max_age", "60")]).await;
    assert!(
        aged.location.unwrap().starts_with("/login?request="),
        "max_age asks for a fresh login"
    );

    // Logout: an unregistered URI is refused and signs nobody out.
    let bad = browser
        .get(&rp.url(&format!(
            "/oauth/logout?client_id={}&post_logout_redirect_uri=https://evil.example/",
            rp.client_id
        )))
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.location.is_none());
    let still = rp.authorize(&mut browser, &[]).await.location.unwrap();
    assert!(
        still.starts_with(super::harness::REDIRECT),
        "still signed in"
    );

    // Without a hint for the signed-in user, the person confirms: a cross-site link alone
    // signs nobody out.
    let logout = format!(
        "/oauth/logout?client_id={}&post_logout_redirect_uri={LOGOUT}&state=bye",
        rp.client_id
    );
    let ask = browser.get(&rp.url(&logout)).await;
    assert_eq!(ask.status, 200);
    assert!(ask.body.contains("data-testid=\"logout-confirm\""));
    assert!(browser.cookies.contains_key("datong_sso"));
    let forged = browser
        .post_form(
            &rp.url("/oauth/logout"),
            &[("confirm", "guess"), ("client_id", &rp.client_id)],
        )
        .await;
    assert_eq!(forged.status, 200, "a wrong confirmation asks again");
    assert!(
        rp.authorize(&mut browser, &[])
            .await
            .location
            .unwrap()
            .starts_with(super::harness::REDIRECT)
    );
    let token = ask
        .body
        .split("name=\"confirm\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let out = browser
        .post_form(
            &rp.url("/oauth/logout"),
            &[
                ("confirm", token.as_str()),
                ("client_id", rp.client_id.as_str()),
                ("post_logout_redirect_uri", LOGOUT),
                ("state", "bye"),
            ],
        )
        .await;
    assert_eq!(out.status, 303, "{}", out.body);
    assert_eq!(out.location.unwrap(), format!("{LOGOUT}?state=bye"));
    assert!(!browser.cookies.contains_key("datong_sso"));
    let after = rp.authorize(&mut browser, &[]).await;
    assert!(
        after.location.unwrap().starts_with("/login?request="),
        "signed out: scan again"
    );
}

#[tokio::test]
async fn an_id_token_hint_for_the_user_signs_out_at_once_and_sessions_stay_with_their_source() {
    let rp = Rp::start(memory_db().await).await;
    let p = rp.sb.persona("P").await;
    let mut browser = Browser::default();
    let code = rp.login(&mut browser, p, &[]).await;
    let id_token = rp.redeem(&code).await.json()["id_token"]
        .as_str()
        .unwrap()
        .to_string();

    // A second application that does not enable the source: the session is not reused.
    let other = rp
        .api(
            "POST",
            "/api/v1/applications",
            serde_json::json!({"name": "Other", "app_type": "web",
                               "redirect_uris": [super::harness::REDIRECT]}),
        )
        .await;
    let q = form_urlencoded::Serializer::new(String::new())
        .append_pair(
            "client_id",
            other["application"]["client_id"].as_str().unwrap(),
        )
        .append_pair("redirect_uri", super::harness::REDIRECT)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid")
        .append_pair("prompt", "none")
        .finish();
    let elsewhere = browser.get(&rp.url(&format!("/oauth/authorize?{q}"))).await;
    assert_eq!(
        super::harness::param(&elsewhere.location.unwrap(), "error").as_deref(),
        Some("login_required")
    );

    // Bad prompt and max_age values are refused.
    for extra in [[("prompt", "none login")], [("max_age", "soon")]] {
        let bad = rp.authorize(&mut browser, &extra).await;
        assert_eq!(
            super::harness::param(&bad.location.unwrap(), "error").as_deref(),
            Some("invalid_request")
        );
    }

    let out = browser
        .get(&rp.url(&format!("/oauth/logout?id_token_hint={id_token}")))
        .await;
    assert_eq!(out.status, 200);
    assert!(
        out.body.contains("data-testid=\"notice-title\""),
        "{}",
        out.body
    );
    assert!(!browser.cookies.contains_key("datong_sso"));
}
