//! Ask-to-bind, interactive: a new WeChat identity of an ask-to-bind source waits (ten minutes,
//! single use, this browser only) while the person either proves an existing account with
//! another source of the application, after which the identity joins that account, or creates a
//! new account (not offered by a login-only source).

use serde_json::{Value, json};

use super::harness::{Answer, Browser, Rp, SOURCE, param};
use crate::support::each_database;
use crate::wechat::harness::{MINI, OFFICIAL, SECRET};

const OA_SOURCE: &str = "wechat-oa-bind";

/// Moves the sandbox's app `appid` (of `kind`) out of every open-platform account: WeChat then
/// sends no unionid for it, so nothing links its people to other apps by itself.
pub(super) async fn outside_open_platform(rp: &Rp, appid: &str, kind: &str) {
    let app = json!({"appid": appid, "kind": kind, "secret": SECRET});
    let (s, v) = rp.sb.post("admin/api/apps", app).await;
    assert!(s < 500, "{v}");
    let path = format!("admin/api/apps/{appid}");
    let (s, v) = rp.sb.patch(&path, json!({"account_id": null})).await;
    assert_eq!(s, 200, "{v}");
}

/// From the binding page `page_url`, the proof offered first (the website QR), scanned by
/// `persona` in `browser`: the answer to WeChat's callback.
pub(super) async fn prove_with_website_qr(
    rp: &Rp,
    browser: &mut Browser,
    page_url: &str,
    persona: i64,
) -> Answer {
    let page = browser.get(&rp.url(page_url)).await;
    let with = page
        .body
        .split("data-testid=\"bind-with\"")
        .nth(1)
        .and_then(|rest| rest.split("href=\"").nth(1))
        .and_then(|rest| rest.split('"').next())
        .expect("a way to prove the account")
        .replace("&amp;", "&");
    assert!(
        with.starts_with(&format!("/login/wechat/{SOURCE}?")),
        "{with}"
    );
    let start = browser.get(&rp.url(&with)).await;
    assert_eq!(start.status, 303, "{}", start.body);
    let qr = start.location.unwrap();
    let state = param(&qr, "state").unwrap();
    let qr_page = browser.get(&qr).await;
    let code = rp
        .scan(persona, &crate::wechat::harness::scan_url(&qr_page.body))
        .await;
    rp.callback(browser, Some(&code), Some(&state)).await
}

/// An ask-to-bind web-page source on an official account outside the website app's
/// open-platform account (so WeChat gives no shared unionid: nothing links them by itself).
async fn with_bind_source(rp: &Rp, login_only: bool) -> i64 {
    outside_open_platform(rp, OFFICIAL, "official_account").await;
    rp.add_source(
        json!({"identifier": OA_SOURCE, "mode": "webpage", "display_name": "公众号登录",
        "callback_url": "https://rp.example.com/after", "enabled": true,
        "appid": OFFICIAL, "app_secret": SECRET, "scope": "snsapi_userinfo",
        "linking": "ask_to_bind", "login_only": login_only}),
    )
    .await
}

/// Inside WeChat through the web-page source as `persona`: the answer to WeChat's callback.
async fn webpage_login(rp: &Rp, phone: &mut Browser, persona: i64) -> Answer {
    let auth = rp.authorize(phone, &[("prompt", "login")]).await;
    let start = auth.location.unwrap();
    assert!(
        start.starts_with(&format!("/login/wechat/{OA_SOURCE}?")),
        "{start}"
    );
    let wechat = phone.get(&rp.url(&start)).await.location.unwrap();
    let (s, v) = rp
        .sb
        .post(
            "phone/api/authorize",
            json!({"persona_id": persona, "url": wechat, "allow": true}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    phone.get(v["redirect"].as_str().unwrap()).await
}

#[tokio::test]
async fn a_new_identity_binds_to_the_account_the_person_proves() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        with_bind_source(&rp, false).await;
        let p = rp.sb.persona("绑定者").await;
        // P has an account through the website QR.
        let mut computer = Browser::default();
        let code = rp.login(&mut computer, p, &[]).await;
        let tokens = rp.redeem(&code).await.json();
        let account = rp.verified(tokens["id_token"].as_str().unwrap()).await["sub"]
            .as_str()
            .unwrap()
            .to_string();

        // Inside WeChat the official account sees P for the first time: the choice.
        let mut phone = Browser::wechat();
        let asked = webpage_login(&rp, &mut phone, p).await;
        assert_eq!(asked.status, 303, "{}", asked.body);
        let page_url = asked.location.unwrap();
        assert!(page_url.starts_with("/login/bind/"), "{page_url}");
        assert_eq!(rp.users().await, 1, "{label}: nobody created yet");
        let page = phone.get(&rp.url(&page_url)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("data-testid=\"bind-create\""));
        // The proof: the application's website QR (a scan mode is offered only off WeChat, so
        // the person finishes the proof on a computer-like browser here: same cookies).
        let mut desk = Browser {
            cookies: phone.cookies.clone(),
            ..Browser::default()
        };
        let bound = prove_with_website_qr(&rp, &mut desk, &page_url, p).await;
        assert_eq!(rp.sub_of(&bound).await, account, "{label}");
        assert_eq!(rp.users().await, 1, "{label}");

        // The binding is spent; the next web-page login is the same account, no question.
        let again = phone.get(&rp.url(&page_url)).await;
        assert_eq!(again.status, 400, "{}", again.body);
        assert!(again.body.contains("data-reason=\"binding_used\""));
        let next = webpage_login(&rp, &mut phone, p).await;
        assert_eq!(rp.sub_of(&next).await, account, "{label}");
        let log = rp.log_outcomes().await;
        assert!(log.contains(&"bound".to_string()), "{log:?}");
        assert!(log.contains(&"ask_to_bind".to_string()), "{log:?}");
        let audit = rp
            .api("GET", "/api/v1/audit", Value::Null)
            .await
            .to_string();
        assert!(audit.contains("identity.bind"), "{label}: {audit}");
    })
    .await;
}

#[tokio::test]
async fn declining_creates_an_account_and_bad_handles_are_refused() {
    let rp = Rp::start(crate::support::memory_db().await).await;
    with_bind_source(&rp, false).await;
    let q = rp.sb.persona("New").await;
    let mut phone = Browser::wechat();
    let asked = webpage_login(&rp, &mut phone, q).await;
    let page_url = asked.location.unwrap();

    // Another browser, a forged handle, a cross-site form: refused, nothing created.
    let mut other = Browser::wechat();
    let foreign = other.get(&rp.url(&page_url)).await;
    assert!(foreign.body.contains("data-reason=\"other_browser\""));
    let forged = phone.get(&rp.url("/login/bind/forged")).await;
    assert!(forged.body.contains("data-reason=\"binding_unknown\""));
    let cross = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(rp.url(&format!("{page_url}/create")))
        .header("origin", "https://evil.example")
        .header("cookie", phone.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    assert_eq!(rp.users().await, 0);

    // Create a new account instead.
    let created = phone
        .post_form(&rp.url(&format!("{page_url}/create")), &[])
        .await;
    let sub = rp.sub_of(&created).await;
    assert!(sub.starts_with("u_"));
    assert_eq!(rp.users().await, 1);
    let twice = phone
        .post_form(&rp.url(&format!("{page_url}/create")), &[])
        .await;
    assert!(twice.body.contains("data-reason=\"binding_used\""));
    assert_eq!(rp.users().await, 1, "single use");

    // Expiry: ten minutes.
    let r = rp.sb.persona("Late").await;
    let asked = webpage_login(&rp, &mut phone, r).await;
    let late = asked.location.unwrap();
    rp.sb.advance(chrono::Duration::minutes(11));
    let expired = phone.get(&rp.url(&late)).await;
    assert_eq!(expired.status, 410);
    assert!(expired.body.contains("data-reason=\"bind_expired\""));
    let log = rp.log_outcomes().await;
    for outcome in [
        "bind_declined",
        "bind_expired",
        "binding_used",
        "other_browser",
    ] {
        assert!(log.contains(&outcome.to_string()), "{outcome} in {log:?}");
    }
}

#[tokio::test]
async fn a_login_only_source_offers_no_new_account_and_a_proof_must_find_one() {
    let rp = Rp::start(crate::support::memory_db().await).await;
    with_bind_source(&rp, true).await;
    let s = rp.sb.persona("Stranger").await;
    let mut phone = Browser::wechat();
    let asked = webpage_login(&rp, &mut phone, s).await;
    let page_url = asked.location.unwrap();
    let page = phone.get(&rp.url(&page_url)).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("data-testid=\"bind-create\""));
    let refused = phone
        .post_form(&rp.url(&format!("{page_url}/create")), &[])
        .await;
    assert_eq!(refused.status, 403);

    // The proof with a website QR identity nobody has: no account to bind to.
    let mut desk = Browser {
        cookies: phone.cookies.clone(),
        ..Browser::default()
    };
    let none = prove_with_website_qr(&rp, &mut desk, &page_url, s).await;
    assert_eq!(none.status, 403, "{}", none.body);
    assert!(none.body.contains("data-reason=\"bind_no_account\""));
    assert_eq!(rp.users().await, 0, "the proof created nobody");
}

#[tokio::test]
async fn a_mini_program_identity_with_a_known_phone_is_told_so_and_binds_after_the_proof() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let p = rp.sb.persona("有手机").await;
        // P's account: the website QR, then the default mini program (same open-platform
        // account) adds P's verified phone to it.
        rp.add_source(json!({"identifier": "mp-default", "mode": "pc_miniprogram_qrcode",
            "display_name": "小程序扫码", "callback_url": "https://rp.example.com/after", "enabled": true}))
            .await;
        let mut computer = Browser::default();
        let code = rp.login(&mut computer, p, &[]).await;
        let tokens = rp.redeem(&code).await.json();
        let account = rp.verified(tokens["id_token"].as_str().unwrap()).await["sub"]
            .as_str()
            .unwrap()
            .to_string();
        let first = rp.mini_program_login( &mut computer, "mp-default", p).await;
        assert_eq!(rp.sub_of(&first).await, account, "{label}");

        // A partner mini program outside that open-platform account, ask-to-bind.
        outside_open_platform(&rp, MINI, "mini_program").await;
        rp.add_source(json!({"identifier": "mp-partner", "mode": "pc_miniprogram_qrcode",
            "display_name": "合作小程序", "callback_url": "https://rp.example.com/after", "enabled": true,
            "private_deployment": true, "appid": MINI, "app_secret": SECRET,
            "linking": "ask_to_bind"}))
            .await;
        let asked = rp.mini_program_login( &mut computer, "mp-partner", p).await;
        assert_eq!(asked.status, 303, "{label}: {}", asked.body);
        let page_url = asked.location.unwrap();
        assert!(page_url.starts_with("/login/bind/"), "{page_url}");
        assert_eq!(rp.users().await, 1, "{label}");
        let page = computer.get(&rp.url(&page_url)).await;
        assert!(page.body.contains("data-testid=\"bind-phone\""), "{}", page.body);
        assert!(page.body.contains("****"), "the number is masked");
        // The proof is still required: the website QR.
        let bound = prove_with_website_qr(&rp, &mut computer, &page_url, p).await;
        assert_eq!(rp.sub_of(&bound).await, account, "{label}");
        let identities = datong::store::identities::identities_of(&rp.sb.state.db, &account)
            .await
            .unwrap();
        assert!(identities.iter().any(|i| i.appid == MINI), "{label}: the partner identity joined");
    })
    .await;
}
