//! In-WeChat web page login: inside WeChat's browser the application's only web-page source
//! opens directly; `snsapi_userinfo` reads the profile, `snsapi_base` logs a known person in
//! silently and takes an unknown one once through `snsapi_userinfo`; a double callback is one
//! login; refusals and foreign input end on a readable page and create nobody.

use serde_json::{Value, json};

use super::harness::{Browser, Rp, param};
use crate::support::each_database;
use crate::wechat::harness::{OFFICIAL, SECRET};

const OA_SOURCE: &str = "wechat-oa";

/// Adds a web-page source with `scope` to the test application.
pub(super) async fn with_webpage_source(rp: &Rp, scope: &str) -> i64 {
    rp.add_source(
        json!({"identifier": OA_SOURCE, "mode": "webpage", "display_name": "微信内登录",
        "callback_url": "https://rp.example.com/after", "enabled": true,
        "appid": OFFICIAL, "app_secret": SECRET, "scope": scope}),
    )
    .await
}

/// Authorize inside WeChat: straight to the source, then to WeChat's authorization page.
/// Returns that page's URL.
pub(super) async fn to_wechat(rp: &Rp, browser: &mut Browser) -> String {
    let auth = rp.authorize(browser, &[("prompt", "login")]).await;
    let start = auth.location.expect("a redirect");
    assert!(
        start.starts_with(&format!("/login/wechat/{OA_SOURCE}?request=")),
        "{start}"
    );
    let to = browser.get(&rp.url(&start)).await;
    assert_eq!(to.status, 303, "{}", to.body);
    to.location.expect("to WeChat")
}

/// The phone answers WeChat's authorization page as `persona`: the callback URLs.
pub(super) async fn answer(rp: &Rp, persona: i64, url: &str, allow: bool) -> Vec<String> {
    let (s, v) = rp
        .sb
        .post(
            "phone/api/authorize",
            json!({"persona_id": persona, "url": url, "allow": allow}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    v["redirects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn inside_wechat_the_web_page_source_logs_in_the_same_person_as_the_website_qr() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        with_webpage_source(&rp, "snsapi_userinfo").await;
        let p = rp.sb.persona("小明").await;

        let mut phone = Browser::wechat();
        let wechat = to_wechat(&rp, &mut phone).await;
        // WeChat's documented form: this order, code, the scope, a state of letters and digits.
        let (path, fragment) = wechat.split_once('#').unwrap();
        assert_eq!(fragment, "wechat_redirect");
        assert!(path.starts_with(&rp.sb.url("open/connect/oauth2/authorize?")));
        let keys: Vec<String> = url::Url::parse(path)
            .unwrap()
            .query_pairs()
            .map(|(k, _)| k.into_owned())
            .collect();
        assert_eq!(
            keys,
            ["appid", "redirect_uri", "response_type", "scope", "state"]
        );
        assert_eq!(param(path, "scope").as_deref(), Some("snsapi_userinfo"));
        let state = param(path, "state").unwrap();
        assert!(state.len() <= 128 && state.bytes().all(|b| b.is_ascii_alphanumeric()));

        let callbacks = answer(&rp, p, &wechat, true).await;
        assert_eq!(callbacks.len(), 1);
        let back = phone.get(&callbacks[0]).await;
        let in_wechat = rp.sub_of(&back).await;
        // A refresh of the callback replays the login without calling WeChat again.
        let again = phone.get(&callbacks[0]).await;
        assert_eq!(rp.sub_of(&again).await, in_wechat, "{label}");

        // The same person with the website QR on a computer: the same user (one unionid).
        let mut computer = Browser::default();
        let code = rp.login(&mut computer, p, &[("prompt", "login")]).await;
        let tokens = rp.redeem(&code).await.json();
        let claims = rp.verified(tokens["id_token"].as_str().unwrap()).await;
        assert_eq!(claims["sub"], in_wechat.as_str(), "{label}");
        assert_eq!(rp.users().await, 1, "{label}");
        assert_eq!(
            claims["name"], "小明",
            "{label}: the profile came with userinfo"
        );

        // And with the mini-program code (the instance's default mini program, same
        // open-platform account): still the same user.
        rp.add_source(json!({"identifier": "mp-default", "mode": "pc_miniprogram_qrcode",
            "display_name": "小程序扫码", "callback_url": "https://rp.example.com/after", "enabled": true}))
            .await;
        let mp = rp.mini_program_login(&mut computer, "mp-default", p).await;
        assert_eq!(rp.sub_of(&mp).await, in_wechat, "{label}: three modes, one user");
        assert_eq!(rp.users().await, 1, "{label}");

        // chooser=1 shows the list instead of going straight to the source.
        let listed = rp
            .authorize(&mut phone, &[("prompt", "login"), ("chooser", "1")])
            .await;
        assert!(
            listed.location.unwrap().starts_with("/login?request="),
            "{label}"
        );
    })
    .await;
}

#[tokio::test]
async fn snsapi_base_logs_in_a_known_person_silently_and_asks_an_unknown_one_once() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        with_webpage_source(&rp, "snsapi_base").await;
        let p = rp.sb.persona("Base").await;

        // Unknown: base, then one round with snsapi_userinfo.
        let mut phone = Browser::wechat();
        let wechat = to_wechat(&rp, &mut phone).await;
        assert_eq!(param(&wechat, "scope").as_deref(), Some("snsapi_base"));
        let callbacks = answer(&rp, p, &wechat, true).await;
        let escalate = phone.get(&callbacks[0]).await;
        assert_eq!(escalate.status, 303, "{}", escalate.body);
        let userinfo = escalate.location.unwrap();
        assert_eq!(
            param(&userinfo, "scope").as_deref(),
            Some("snsapi_userinfo")
        );
        assert!(
            param(&userinfo, "redirect_uri")
                .unwrap()
                .ends_with("?step=userinfo")
        );
        assert_eq!(rp.users().await, 0, "{label}: nobody before the profile");
        let callbacks = answer(&rp, p, &userinfo, true).await;
        let first = rp.sub_of(&phone.get(&callbacks[0]).await).await;
        assert_eq!(rp.users().await, 1, "{label}");

        // Known: base is enough, no second round.
        let wechat = to_wechat(&rp, &mut phone).await;
        let callbacks = answer(&rp, p, &wechat, true).await;
        let back = phone.get(&callbacks[0]).await;
        assert_eq!(rp.sub_of(&back).await, first, "{label}");

        // Never a loop: a user-info round that comes back with a base code is refused.
        let q = rp.sb.persona("Loop").await;
        let wechat = to_wechat(&rp, &mut phone).await;
        let callbacks = answer(&rp, q, &wechat, true).await;
        let userinfo = phone.get(&callbacks[0]).await.location.unwrap();
        let forced_base = userinfo.replace("snsapi_userinfo", "snsapi_base");
        let callbacks = answer(&rp, q, &forced_base, true).await;
        let refused = phone.get(&callbacks[0]).await;
        assert_eq!(refused.status, 502, "{label}: {}", refused.body);
        assert!(refused.location.is_none());
        assert_eq!(
            rp.users().await,
            1,
            "{label}: the looping person was not created"
        );
        assert_eq!(rp.log_outcomes().await[0], "wechat_error", "{label}");
    })
    .await;
}

#[tokio::test]
async fn a_double_callback_is_one_login_and_spends_one_code() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        with_webpage_source(&rp, "snsapi_userinfo").await;
        let p = rp.sb.persona("Twice").await;
        rp.sb
            .post("admin/api/switches", json!({"double_callback": true}))
            .await;
        let mut phone = Browser::wechat();
        let wechat = to_wechat(&rp, &mut phone).await;
        let callbacks = answer(&rp, p, &wechat, true).await;
        assert_eq!(callbacks.len(), 2);
        assert_eq!(param(&callbacks[0], "state"), param(&callbacks[1], "state"));
        assert_ne!(param(&callbacks[0], "code"), param(&callbacks[1], "code"));
        let (mut a, mut b) = (phone.clone(), phone.clone());
        let (first, second) = tokio::join!(a.get(&callbacks[0]), b.get(&callbacks[1]));
        let (s1, s2) = (rp.sub_of(&first).await, rp.sub_of(&second).await);
        assert_eq!(s1, s2, "{label}");
        assert_eq!(rp.users().await, 1, "{label}");
        let log = rp.log_outcomes().await;
        assert_eq!(log, ["success"], "{label}: one login, no error");
        // Only one of the two codes reached WeChat: the other is still unspent there.
        let spent = rp
            .sb
            .client()
            .exchange_code(
                OFFICIAL,
                &crate::wechat::harness::secret(),
                &param(&callbacks[1], "code").unwrap(),
            )
            .await;
        let other = rp
            .sb
            .client()
            .exchange_code(
                OFFICIAL,
                &crate::wechat::harness::secret(),
                &param(&callbacks[0], "code").unwrap(),
            )
            .await;
        assert!(
            spent.is_ok() != other.is_ok(),
            "{label}: exactly one code was left for us: {spent:?} {other:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn refusals_and_foreign_input_end_on_a_page_and_create_nobody() {
    let rp = Rp::start(crate::support::memory_db().await).await;
    let source = with_webpage_source(&rp, "snsapi_userinfo").await;
    let p = rp.sb.persona("P").await;

    // Outside WeChat (a computer, or WeCom which also says MicroMessenger): open in WeChat.
    for ua in [
        None,
        Some("Mozilla/5.0 (iPhone) MicroMessenger/8.0.50 wxwork/4.1.0"),
    ] {
        let mut browser = Browser {
            ua: ua.map(str::to_string),
            ..Browser::default()
        };
        let auth = rp.authorize(&mut browser, &[]).await;
        let request = param(&rp.url(&auth.location.unwrap()), "request").unwrap();
        let page = browser
            .get(&rp.url(&format!("/login/wechat/{OA_SOURCE}?request={request}")))
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("data-testid=\"open-in-wechat\""));
        assert!(page.body.contains("<svg"), "a QR code of the login URL");
        assert!(page.body.contains(&format!(
            "data-url=\"{}/login/wechat/{OA_SOURCE}?request={request}\"",
            rp.sb.base
        )));
    }

    let mut phone = Browser::wechat();
    // A snapshot visitor (WeChat marks them on official accounts): refused, nobody created.
    rp.sb
        .patch(
            &format!("admin/api/personas/{p}"),
            json!({"snapshot": true}),
        )
        .await;
    let wechat = to_wechat(&rp, &mut phone).await;
    let callbacks = answer(&rp, p, &wechat, true).await;
    let snapshot = phone.get(&callbacks[0]).await;
    assert_eq!(snapshot.status, 403, "{}", snapshot.body);
    assert!(snapshot.body.contains("data-reason=\"snapshot_user\""));
    rp.sb
        .patch(
            &format!("admin/api/personas/{p}"),
            json!({"snapshot": false}),
        )
        .await;

    // The person refuses: WeChat comes back without a code; back to the list with a message.
    rp.sb
        .post("admin/api/switches", json!({"refusal_redirects": true}))
        .await;
    let wechat = to_wechat(&rp, &mut phone).await;
    let callbacks = answer(&rp, p, &wechat, false).await;
    let refused = phone.get(&callbacks[0]).await;
    let to = refused.location.expect("back to the list");
    assert!(to.starts_with("/login?request="), "{to}");
    assert!(to.ends_with("&notice=cancelled"), "{to}");
    let list = phone.get(&rp.url(&to)).await;
    assert!(
        list.body.contains("data-testid=\"login-notice\""),
        "{}",
        list.body
    );
    assert!(list.body.contains("cancelled in WeChat"), "{}", list.body);
    assert!(
        list.body.contains("data-mode=\"webpage\""),
        "the way to try again"
    );

    // A forged, an oversized, a missing state; another browser's state.
    let wechat = to_wechat(&rp, &mut phone).await;
    let state = param(&wechat, "state").unwrap();
    let callbacks = answer(&rp, p, &wechat, true).await;
    let code = param(&callbacks[0], "code").unwrap();
    let callback = |q: String| rp.url(&format!("/login/wechat/{OA_SOURCE}/callback?{q}"));
    let forged = phone
        .get(&callback(format!("code={code}&state=abc123")))
        .await;
    assert!(forged.body.contains("data-reason=\"state_unknown\""));
    let huge = phone
        .get(&callback(format!(
            "code={code}&state={}",
            "a".repeat(10_240)
        )))
        .await;
    assert_eq!(huge.status, 400);
    assert!(huge.body.contains("data-reason=\"state_unknown\""));
    let neither = phone.get(&callback(String::new())).await;
    assert!(neither.body.contains("data-reason=\"state_missing\""));
    let mut elsewhere = Browser::wechat();
    let foreign = elsewhere
        .get(&callback(format!("code={code}&state={state}")))
        .await;
    assert!(foreign.body.contains("data-reason=\"state_mismatch\""));
    for page in [&forged, &huge, &neither, &foreign] {
        assert!(page.location.is_none(), "never a redirect");
        assert!(
            page.body.contains("<main class=\"card\">"),
            "the one layout"
        );
    }
    // None of that spent the code: the right browser still logs in with it.
    let ok = phone.get(&callbacks[0]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);

    // A code WeChat issued to another app (the website app) does not log in here.
    let wechat = to_wechat(&rp, &mut phone).await;
    let state = param(&wechat, "state").unwrap();
    let mut computer = Browser::default();
    let auth = rp.authorize(&mut computer, &[("prompt", "login")]).await;
    let (_, scan) = rp
        .click_button(&mut computer, &auth.location.unwrap())
        .await;
    let website_code = rp.scan(p, &scan).await;
    let wrong = phone
        .get(&callback(format!("code={website_code}&state={state}")))
        .await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    assert!(wrong.location.is_none());

    // The source switched off: the start explains, in the person's language.
    rp.api(
        "PATCH",
        &format!("/api/v1/sources/{source}"),
        json!({"enabled": false}),
    )
    .await;
    let auth = rp.authorize(&mut phone, &[]).await;
    let request = param(&rp.url(&auth.location.unwrap()), "request").unwrap();
    phone.cookies.insert("datong_lang".into(), "zh-CN".into());
    let off = phone
        .get(&rp.url(&format!("/login/wechat/{OA_SOURCE}?request={request}")))
        .await;
    assert_eq!(off.status, 403);
    assert!(off.body.contains("lang=\"zh-CN\""));
    assert!(off.body.contains("已停用"), "{}", off.body);

    assert_eq!(rp.users().await, 1, "only the one good login made a user");
    let log = rp.log_outcomes().await;
    for outcome in [
        "snapshot_user",
        "cancelled",
        "state_unknown",
        "state_missing",
        "state_mismatch",
        "source_unavailable",
    ] {
        assert!(log.contains(&outcome.to_string()), "{outcome} in {log:?}");
    }
}

#[tokio::test]
async fn a_web_page_identity_without_unionid_joins_the_website_user_when_one_appears() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        with_webpage_source(&rp, "snsapi_userinfo").await;
        // The official account is outside the open-platform account at first: no unionid.
        let (s, v) = rp
            .sb
            .post(
                "admin/api/apps",
                json!({"appid": OFFICIAL, "kind": "official_account", "secret": SECRET}),
            )
            .await;
        assert!(s < 500, "{v}");
        let path = format!("admin/api/apps/{OFFICIAL}");
        let account = |id: Value| rp.sb.patch(&path, json!({"account_id": id}));
        let (s, before) = account(Value::Null).await;
        assert_eq!(s, 200, "{before}");
        let p = rp.sb.persona("Late").await;

        let mut phone = Browser::wechat();
        let wechat = to_wechat(&rp, &mut phone).await;
        let callbacks = answer(&rp, p, &wechat, true).await;
        let in_wechat = rp.sub_of(&phone.get(&callbacks[0]).await).await;
        let mut computer = Browser::default();
        let code = rp.login(&mut computer, p, &[("prompt", "login")]).await;
        let tokens = rp.redeem(&code).await.json();
        let website = rp.verified(tokens["id_token"].as_str().unwrap()).await["sub"]
            .as_str()
            .unwrap()
            .to_string();
        assert_ne!(in_wechat, website, "{label}: nothing links them yet");
        assert_eq!(rp.users().await, 2);

        // The official account joins the open-platform account: WeChat now sends the unionid,
        // and the next web-page login merges the two users into one.
        let (s, _, body) = rp.sb.get("admin/api/state").await;
        assert_eq!(s, 200, "{body}");
        let state: Value = serde_json::from_str(&body).unwrap();
        let first_account = state["accounts"][0]["id"].clone();
        let (s, after) = account(first_account).await;
        assert_eq!(s, 200, "{after}");
        let wechat = to_wechat(&rp, &mut phone).await;
        let callbacks = answer(&rp, p, &wechat, true).await;
        let merged = rp.sub_of(&phone.get(&callbacks[0]).await).await;
        let code = rp.login(&mut computer, p, &[("prompt", "login")]).await;
        let tokens = rp.redeem(&code).await.json();
        let again = rp.verified(tokens["id_token"].as_str().unwrap()).await["sub"].clone();
        assert_eq!(again, merged.as_str(), "{label}: one user for both");
        assert_eq!(rp.users().await, 1, "{label}");
    })
    .await;
}
