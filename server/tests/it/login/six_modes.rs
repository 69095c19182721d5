//! One person, one user, through all six modes: website QR, mini-program code, in-WeChat web
//! page, inside the mini program, mobile app and app-launched mini program, when the apps share
//! an open-platform account. With the mini program outside the account, only its verified
//! phone number can join it to the person, and only with field matching on.

use serde_json::json;

use super::app_launch::{launch_body, mini_program_confirms, native, post};
use super::grant::{APP_SOURCE, MP_SOURCE, app_code, clients, grant};
use super::harness::{Answer, Browser, Rp, VERIFIER, answer};
use super::webpage::{answer as wechat_answers, to_wechat, with_webpage_source};
use crate::support::each_database;
use crate::wechat::harness::MINI;

/// The `sub` of a token answer's ID token.
async fn sub(rp: &Rp, a: &Answer) -> String {
    assert_eq!(a.status, 200, "{}", a.body);
    let claims = rp.verified(a.json()["id_token"].as_str().unwrap()).await;
    claims["sub"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn one_person_is_one_user_through_all_six_modes() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let native_launch = native(&rp).await;
        let c = clients(&rp, json!({})).await;
        super::mp_qrcode::with_mp_source(&rp, json!({})).await;
        with_webpage_source(&rp, "snsapi_userinfo").await;
        let p = rp.sb.persona("Six Modes").await;
        let mut subs = Vec::new();

        // 1. Website QR.
        let mut browser = Browser::default();
        let code = rp.login(&mut browser, p, &[("prompt", "login")]).await;
        subs.push(sub(&rp, &rp.redeem(&code).await).await);

        // 2. The mini-program code on the computer.
        let mut computer = Browser::default();
        let back = rp
            .mini_program_login(&mut computer, super::mp_qrcode::MP_SOURCE, p)
            .await;
        subs.push(rp.sub_of(&back).await);

        // 3. The web page inside WeChat.
        let mut phone = Browser::wechat();
        let wechat = to_wechat(&rp, &mut phone).await;
        let redirects = wechat_answers(&rp, p, &wechat, true).await;
        let back = phone.get(&redirects[0]).await;
        subs.push(rp.sub_of(&back).await);

        // 4. Inside the mini program.
        let js = rp.sb.js_code(p, MINI).await;
        let a = grant(&rp, &c.mini, &[("source", MP_SOURCE), ("code", &js)]).await;
        subs.push(sub(&rp, &a).await);

        // 5. The mobile app.
        let code = app_code(&rp, p).await;
        let a = grant(&rp, &c.native, &[("source", APP_SOURCE), ("code", &code)]).await;
        subs.push(sub(&rp, &a).await);

        // 6. The app launching the mini program.
        let (s, created) = post(&rp, "/api/v1/login/app-mp", launch_body(&native_launch)).await;
        assert_eq!(s, 201, "{created}");
        mini_program_confirms(&rp, p, &created["launch"]).await;
        let finish = created["finish_url"].as_str().unwrap();
        let (s, v) = post(&rp, finish, json!({"code_verifier": VERIFIER})).await;
        assert_eq!(s, 200, "{v}");
        let r = reqwest::Client::new()
            .post(rp.url("/oauth/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", native_launch.as_str()),
                ("code", v["code"].as_str().unwrap()),
                ("redirect_uri", v["redirect_uri"].as_str().unwrap()),
                ("code_verifier", VERIFIER),
            ])
            .send()
            .await
            .unwrap();
        subs.push(sub(&rp, &answer(r).await).await);

        assert_eq!(subs.len(), 6);
        assert!(subs.iter().all(|s| *s == subs[0]), "{label}: {subs:?}");
        assert_eq!(rp.users().await, 1, "{label}");
        let modes: std::collections::BTreeSet<String> =
            datong::store::logins::log_lines(&rp.sb.state.db, &Default::default(), 20)
                .await
                .unwrap()
                .into_iter()
                .filter(|l| l.outcome == "success")
                .filter_map(|l| l.mode)
                .collect();
        assert_eq!(modes.len(), 6, "{label}: {modes:?}");
    })
    .await;
}

#[tokio::test]
async fn outside_the_open_platform_account_the_verified_phone_joins_only_with_field_matching() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let c = clients(&rp, json!({})).await;
        super::mp_qrcode::with_mp_source(&rp, json!({})).await;
        super::binding::outside_open_platform(&rp, MINI, "mini_program").await;
        let with_phone = |name: &'static str, number: &'static str| {
            let rp = &rp;
            async move {
                let body = json!({"nickname": name, "phone": number});
                let (s, v) = rp.sb.post("phone/api/personas", body).await;
                assert_eq!(s, 201, "{v}");
                v["id"].as_i64().unwrap()
            }
        };
        // Each has a user with a verified phone from the mini-program code (default mini
        // program, inside the account).
        let q = with_phone("Qian", "13700137000").await;
        let r = with_phone("Ren", "13600136000").await;
        let mut subs = Vec::new();
        for persona in [q, r] {
            let mut computer = Browser::default();
            let back = rp
                .mini_program_login(&mut computer, super::mp_qrcode::MP_SOURCE, persona)
                .await;
            subs.push(rp.sub_of(&back).await);
        }
        assert_eq!(rp.users().await, 2);

        // Field matching off: R's own mini program (no unionid) makes a new user.
        let js = rp.sb.js_code(r, MINI).await;
        let phone = rp.sb.phone_code(r, MINI).await;
        let form = [
            ("source", MP_SOURCE),
            ("code", js.as_str()),
            ("phone_code", phone.as_str()),
        ];
        let alone = sub(&rp, &grant(&rp, &c.mini, &form).await).await;
        assert_ne!(alone, subs[1], "{label}");
        assert_eq!(rp.users().await, 3);

        // Field matching on the phone: Q joins the user who has that verified number.
        rp.api(
            "PATCH",
            &format!("/api/v1/sources/{}", c.mp_source),
            json!({"linking": "field_match", "link_field": "phone"}),
        )
        .await;
        let js = rp.sb.js_code(q, MINI).await;
        let phone = rp.sb.phone_code(q, MINI).await;
        let form = [
            ("source", MP_SOURCE),
            ("code", js.as_str()),
            ("phone_code", phone.as_str()),
        ];
        let joined = sub(&rp, &grant(&rp, &c.mini, &form).await).await;
        assert_eq!(joined, subs[0], "{label}");
        assert_eq!(rp.users().await, 3, "{label}");
    })
    .await;
}
