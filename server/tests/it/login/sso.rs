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

    let out = browser
        .get(&rp.url(&format!(
            "/oauth/logout?client_id={}&post_logout_redirect_uri={LOGOUT}&state=bye",
            rp.client_id
        )))
        .await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location.unwrap(), format!("{LOGOUT}?state=bye"));
    assert!(!browser.cookies.contains_key("datong_sso"));
    let after = rp.authorize(&mut browser, &[]).await;
    assert!(
        after.location.unwrap().starts_with("/login?request="),
        "signed out: scan again"
    );
}
