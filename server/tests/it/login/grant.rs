//! The WeChat grant at `/oauth/token`: a mini program (with its `wx.login` code and phone code)
//! and a native app (with its SendAuth code) get the standard token response; every refusal is
//! a standard OAuth error with Datong's reason, creates nobody and never retries a WeChat code.

use serde_json::{Value, json};

use super::harness::{Answer, Browser, Rp, answer};
use crate::support::each_database;
use crate::wechat::harness::{MINI, MOBILE, SECRET};

const GRANT: &str = "urn:datong:params:oauth:grant-type:wechat";
pub(super) const MP_SOURCE: &str = "wechat-mp-inside";
pub(super) const APP_SOURCE: &str = "wechat-mobile";

/// The client ids of a mini-program application and a native application, each enabling its
/// source (the mini program's and the mobile app's), on top of the website application.
pub(super) struct Clients {
    pub mini: String,
    pub native: String,
    pub mp_source: i64,
    pub app_source: i64,
}

async fn source(rp: &Rp, identifier: &str, mode: &str, appid: &str, extra: Value) -> i64 {
    let mut body = json!({"identifier": identifier, "mode": mode, "display_name": identifier,
                          "callback_url": "https://rp.example.com/after", "enabled": true,
                          "appid": appid, "app_secret": SECRET});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    rp.api("POST", "/api/v1/sources", body).await["id"]
        .as_i64()
        .expect("source created")
}

async fn application(rp: &Rp, name: &str, app_type: &str, sources: &[i64]) -> String {
    // A native app comes back on its private-use scheme (RFC 8252); a mini program has none.
    let uris: &[&str] = match app_type {
        "native" => &["com.example.app:/callback"],
        _ => &[],
    };
    let app = rp
        .api(
            "POST",
            "/api/v1/applications",
            json!({"name": name, "app_type": app_type, "sources": sources,
                   "redirect_uris": uris}),
        )
        .await;
    app["application"]["client_id"]
        .as_str()
        .expect("application created")
        .to_string()
}

pub(super) async fn clients(rp: &Rp, mp_extra: Value) -> Clients {
    let mp_source = source(rp, MP_SOURCE, "miniprogram", MINI, mp_extra).await;
    let app_source = source(rp, APP_SOURCE, "mobile_app", MOBILE, json!({})).await;
    Clients {
        mini: application(rp, "Mini", "mini_program", &[mp_source]).await,
        native: application(rp, "Native", "native", &[app_source]).await,
        mp_source,
        app_source,
    }
}

/// `POST /oauth/token` with the WeChat grant for public client `client_id`.
pub(super) async fn grant(rp: &Rp, client_id: &str, form: &[(&str, &str)]) -> Answer {
    let mut all = vec![
        ("grant_type", GRANT),
        ("client_id", client_id),
        ("scope", "openid profile phone offline_access"),
    ];
    all.extend_from_slice(form);
    let r = reqwest::Client::new()
        .post(rp.url("/oauth/token"))
        .form(&all)
        .send()
        .await
        .unwrap();
    answer(r).await
}

/// The mobile app's SendAuth for `persona`: WeChat's code.
pub(super) async fn app_code(rp: &Rp, persona: i64) -> String {
    let (s, v) = rp
        .sb
        .post(
            "phone/api/app_auth",
            json!({"persona_id": persona, "appid": MOBILE, "state": "s1"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["err_code"], 0);
    v["code"].as_str().unwrap().to_string()
}

/// The error and Datong's reason of a refused grant, checking it is no success.
fn refused(a: &Answer) -> (u16, String, String) {
    let v = a.json();
    assert!(v["access_token"].is_null(), "{}", a.body);
    assert_eq!(
        a.headers.get("cache-control").unwrap(),
        "no-store",
        "{}",
        a.body
    );
    (
        a.status,
        v["error"].as_str().unwrap_or_default().to_string(),
        v["datong_reason"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn the_mini_program_and_the_app_get_tokens_for_the_person_a_browser_login_found() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let c = clients(&rp, json!({})).await;
        let p = rp.sb.persona("Grant Li").await;

        // The person first logs in on the website (QR scan).
        let mut browser = Browser::default();
        let code = rp.login(&mut browser, p, &[]).await;
        let web = rp.redeem(&code).await.json();
        let web_sub = rp.verified(web["id_token"].as_str().unwrap()).await["sub"].clone();

        // Inside the mini program: wx.login and the phone-number button.
        let js = rp.sb.js_code(p, MINI).await;
        let phone = rp.sb.phone_code(p, MINI).await;
        let a = grant(
            &rp,
            &c.mini,
            &[
                ("source", MP_SOURCE),
                ("code", &js),
                ("phone_code", &phone),
                ("nonce", "n-1"),
            ],
        )
        .await;
        assert_eq!(a.status, 200, "{label}: {}", a.body);
        assert_eq!(a.headers.get("cache-control").unwrap(), "no-store");
        let tokens = a.json();
        assert_eq!(tokens["token_type"], "Bearer");
        let claims = rp.verified(tokens["id_token"].as_str().unwrap()).await;
        assert_eq!(claims["sub"], web_sub, "{label}: one person, one user");
        assert_eq!(claims["aud"], c.mini.as_str());
        assert_eq!(claims["nonce"], "n-1");
        assert_eq!(claims["phone_number"], "+8613800138000", "{claims}");
        assert_eq!(claims["phone_number_verified"], true);
        assert!(claims["name"].is_string(), "{claims}");
        let info = rp
            .userinfo(tokens["access_token"].as_str().unwrap())
            .await
            .json();
        assert_eq!(info["sub"], web_sub);
        assert_eq!(info["phone_number"], "+8613800138000");

        // The refresh token rotates for the public client, as after a browser login.
        let refresh = tokens["refresh_token"].as_str().expect("offline_access");
        let again = reqwest::Client::new()
            .post(rp.url("/oauth/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("client_id", c.mini.as_str()),
                ("refresh_token", refresh),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 200);

        // The native app: SendAuth, then the grant.
        let code = app_code(&rp, p).await;
        let a = grant(&rp, &c.native, &[("source", APP_SOURCE), ("code", &code)]).await;
        assert_eq!(a.status, 200, "{label}: {}", a.body);
        let claims = rp.verified(a.json()["id_token"].as_str().unwrap()).await;
        assert_eq!(
            claims["sub"], web_sub,
            "{label}: the app finds the same user"
        );
        assert!(claims.get("nonce").is_none());
        assert_eq!(rp.users().await, 1, "{label}");

        // The login log names the new modes.
        let lines = datong::store::logins::log_lines(&rp.sb.state.db, &Default::default(), 5)
            .await
            .unwrap();
        let modes: Vec<_> = lines
            .iter()
            .filter(|l| l.outcome == "success")
            .filter_map(|l| l.mode.clone())
            .collect();
        assert_eq!(modes[..2], ["mobile_app", "miniprogram"], "{label}");
        assert_eq!(
            lines[0].client_id.as_deref(),
            Some(c.native.as_str()),
            "{label}"
        );
    })
    .await;
}

#[tokio::test]
async fn bad_grants_get_standard_errors_create_nobody_and_never_retry_a_code() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let c = clients(&rp, json!({"login_only": false})).await;
        let p = rp.sb.persona("Careful").await;
        let check = |a: Answer, want: (u16, &str, &str)| {
            let got = refused(&a);
            assert_eq!(
                (got.0, got.1.as_str(), got.2.as_str()),
                want,
                "{label}: {}",
                a.body
            );
        };

        // Parameters.
        let code = rp.sb.js_code(p, MINI).await;
        let no_openid = [
            ("source", MP_SOURCE),
            ("code", code.as_str()),
            ("scope", "profile"),
        ];
        check(
            grant(&rp, &c.mini, &no_openid).await,
            (400, "invalid_scope", ""),
        );
        check(
            grant(&rp, &c.mini, &[("source", MP_SOURCE)]).await,
            (400, "invalid_request", ""),
        );
        check(
            grant(&rp, &c.mini, &[("code", &code)]).await,
            (400, "invalid_request", ""),
        );
        let huge = "a".repeat(10 * 1024);
        check(
            grant(&rp, &c.mini, &[("source", MP_SOURCE), ("code", &huge)]).await,
            (400, "invalid_grant", "invalid_code"),
        );

        // Sources: unknown, not enabled for the client, the wrong mode, switched off.
        check(
            grant(&rp, &c.mini, &[("source", "nope"), ("code", &code)]).await,
            (400, "unauthorized_client", "source_unavailable"),
        );
        check(
            grant(&rp, &c.mini, &[("source", APP_SOURCE), ("code", &code)]).await,
            (400, "unauthorized_client", "source_unavailable"),
        );
        // The mobile-app source enabled for the mini-program application: still the wrong mode.
        let mini_id = rp.app_id_of(&c.mini).await;
        let link = format!("/api/v1/applications/{mini_id}/sources/{}", c.app_source);
        rp.api("PUT", &link, Value::Null).await;
        check(
            grant(&rp, &c.mini, &[("source", APP_SOURCE), ("code", &code)]).await,
            (400, "unauthorized_client", "wrong_mode"),
        );
        // A website QR source cannot be used by the grant at all (the web client, authenticated).
        let web = reqwest::Client::new()
            .post(rp.url("/oauth/token"))
            .basic_auth(&rp.client_id, Some(&rp.client_secret))
            .form(&[
                ("grant_type", GRANT),
                ("scope", "openid"),
                ("source", super::harness::SOURCE),
                ("code", &code),
            ])
            .send()
            .await
            .unwrap();
        check(
            answer(web).await,
            (400, "unauthorized_client", "wrong_mode"),
        );

        // Client authentication: a confidential client without its secret; a public client
        // with a secret it does not have.
        let no_secret = grant(
            &rp,
            &rp.client_id,
            &[("source", MP_SOURCE), ("code", &code)],
        )
        .await;
        check(no_secret, (401, "invalid_client", ""));
        let r = reqwest::Client::new()
            .post(rp.url("/oauth/token"))
            .form(&[
                ("grant_type", GRANT),
                ("client_id", c.mini.as_str()),
                ("client_secret", "made-up"),
                ("scope", "openid"),
                ("source", MP_SOURCE),
                ("code", &code),
            ])
            .send()
            .await
            .unwrap();
        check(answer(r).await, (401, "invalid_client", ""));

        // WeChat busy once: the code is not tried again, the app is told to come back.
        rp.sb.fail_next("sns/jscode2session", -1, 1).await;
        check(
            grant(&rp, &c.mini, &[("source", MP_SOURCE), ("code", &code)]).await,
            (503, "temporarily_unavailable", "wechat_busy"),
        );
        // Over quota, blocked, a code of another app.
        for (errcode, want) in [
            (45011, (503, "temporarily_unavailable", "wechat_busy")),
            (40226, (400, "access_denied", "blocked")),
            (40029, (400, "invalid_grant", "invalid_code")),
        ] {
            rp.sb.fail_next("sns/jscode2session", errcode, 1).await;
            let code = rp.sb.js_code(p, MINI).await;
            check(
                grant(&rp, &c.mini, &[("source", MP_SOURCE), ("code", &code)]).await,
                want,
            );
        }

        // A phone code from another mini program.
        let code = rp.sb.js_code(p, MINI).await;
        let phone = rp.sb.phone_code(p, "wx5e2e00000000ffff").await;
        check(
            grant(
                &rp,
                &c.mini,
                &[
                    ("source", MP_SOURCE),
                    ("code", &code),
                    ("phone_code", &phone),
                ],
            )
            .await,
            (400, "invalid_grant", "foreign_phone_code"),
        );

        // A code used already (the refusal above spent it at WeChat).
        check(
            grant(&rp, &c.mini, &[("source", MP_SOURCE), ("code", &code)]).await,
            (400, "invalid_grant", "invalid_code"),
        );
        // The app's code refused by WeChat (40163, used), or WeChat busy at userinfo.
        for (endpoint, errcode, want) in [
            (
                "sns/oauth2/access_token",
                40163,
                (400, "invalid_grant", "invalid_code"),
            ),
            (
                "sns/oauth2/access_token",
                40226,
                (400, "access_denied", "blocked"),
            ),
            (
                "sns/userinfo",
                -1,
                (503, "temporarily_unavailable", "wechat_busy"),
            ),
        ] {
            rp.sb.fail_next(endpoint, errcode, 1).await;
            let code = app_code(&rp, p).await;
            check(
                grant(&rp, &c.native, &[("source", APP_SOURCE), ("code", &code)]).await,
                want,
            );
        }
        // The app's code sent as a mini program's, and a phone code sent by the app.
        let code = app_code(&rp, p).await;
        check(
            grant(
                &rp,
                &c.native,
                &[("source", APP_SOURCE), ("code", &code), ("phone_code", "x")],
            )
            .await,
            (400, "invalid_request", "invalid_request"),
        );
        assert_eq!(rp.users().await, 0, "{label}: nobody created");

        // Login-only meets a new person: access_denied.
        rp.api(
            "PATCH",
            &format!("/api/v1/sources/{}", c.mp_source),
            json!({"login_only": true}),
        )
        .await;
        let code = rp.sb.js_code(p, MINI).await;
        check(
            grant(&rp, &c.mini, &[("source", MP_SOURCE), ("code", &code)]).await,
            (400, "access_denied", "login_only"),
        );
        assert_eq!(rp.users().await, 0, "{label}: nobody created");

        let log = rp.log_outcomes().await;
        for outcome in [
            "login_only",
            "invalid_code",
            "foreign_phone_code",
            "blocked",
            "wechat_busy",
            "wrong_mode",
            "source_unavailable",
        ] {
            assert!(
                log.iter().any(|o| o == outcome),
                "{label}: {outcome} {log:?}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn twenty_first_grant_logins_of_one_person_at_once_make_one_user() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let c = clients(&rp, json!({})).await;
        let p = rp.sb.persona("Crowd").await;
        let mut codes = Vec::new();
        for _ in 0..20 {
            codes.push(rp.sb.js_code(p, MINI).await);
        }
        let tasks: Vec<_> = codes
            .into_iter()
            .map(|code| {
                let (url, client) = (rp.url("/oauth/token"), c.mini.clone());
                tokio::spawn(async move {
                    let form = [
                        ("grant_type", GRANT),
                        ("client_id", client.as_str()),
                        ("scope", "openid"),
                        ("source", MP_SOURCE),
                        ("code", code.as_str()),
                    ];
                    let r = reqwest::Client::new().post(url).form(&form).send().await;
                    answer(r.unwrap()).await
                })
            })
            .collect();
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap());
        }
        let mut subs = std::collections::HashSet::new();
        for a in &answers {
            assert_eq!(a.status, 200, "{label}: {}", a.body);
            let claims = rp.verified(a.json()["id_token"].as_str().unwrap()).await;
            subs.insert(claims["sub"].as_str().unwrap().to_string());
        }
        assert_eq!(subs.len(), 1, "{label}");
        assert_eq!(rp.users().await, 1, "{label}");
    })
    .await;
}

#[tokio::test]
async fn ask_to_bind_from_the_app_continues_in_a_browser_and_the_next_grant_finds_the_account() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        // The mini program outside the open-platform account: nothing links its people by
        // itself, and its source asks them to bind.
        super::binding::outside_open_platform(&rp, MINI, "mini_program").await;
        let c = clients(&rp, json!({"linking": "ask_to_bind"})).await;
        let mini_id = rp.app_id_of(&c.mini).await;
        let link = format!("/api/v1/applications/{mini_id}/sources/{}", rp.source_id);
        rp.api("PUT", &link, Value::Null).await;
        let p = rp.sb.persona("Bind From App").await;
        let mut web = Browser::default();
        let code = rp.login(&mut web, p, &[]).await;
        let first = rp.redeem(&code).await.json();
        let a = rp.verified(first["id_token"].as_str().unwrap()).await["sub"].clone();

        let js = rp.sb.js_code(p, MINI).await;
        let asked = grant(&rp, &c.mini, &[("source", MP_SOURCE), ("code", &js)]).await;
        assert_eq!(
            refused(&asked),
            (400, "interaction_required".into(), "ask_to_bind".into()),
            "{label}"
        );
        let uri = asked.json()["datong_binding_uri"]
            .as_str()
            .unwrap()
            .to_string();
        let handle = asked.json()["datong_binding"].as_str().unwrap().to_string();
        assert_eq!(uri, rp.url(&format!("/login/bind/{handle}")));
        assert_eq!(rp.users().await, 1, "{label}: nobody created yet");

        // The first browser to open it takes it; another cannot.
        let mut browser = Browser::default();
        let page = browser.get(&uri).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let mut other = Browser::default();
        assert_eq!(other.get(&uri).await.status, 403);
        // Proving the website account binds the mini program's identity to it.
        let path = format!("/login/bind/{handle}");
        let done = super::binding::prove_with_website_qr(&rp, &mut browser, &path, p).await;
        assert_eq!(done.status, 200, "{label}: {}", done.body);
        assert!(
            done.body.contains("data-testid=\"device-done\""),
            "{}",
            done.body
        );
        let js = rp.sb.js_code(p, MINI).await;
        let again = grant(&rp, &c.mini, &[("source", MP_SOURCE), ("code", &js)]).await;
        assert_eq!(again.status, 200, "{label}: {}", again.body);
        let claims = rp
            .verified(again.json()["id_token"].as_str().unwrap())
            .await;
        assert_eq!(claims["sub"], a, "{label}: the account proved");
        assert_eq!(rp.users().await, 1);

        // Someone new who declines to bind gets an account of their own.
        let q = rp.sb.persona("New From App").await;
        let js = rp.sb.js_code(q, MINI).await;
        let asked = grant(&rp, &c.mini, &[("source", MP_SOURCE), ("code", &js)]).await;
        let uri = asked.json()["datong_binding_uri"]
            .as_str()
            .unwrap()
            .to_string();
        let mut browser = Browser::default();
        assert_eq!(browser.get(&uri).await.status, 200);
        let created = browser.post_form(&format!("{uri}/create"), &[]).await;
        assert_eq!(created.status, 200, "{label}: {}", created.body);
        assert!(created.body.contains("device-done"));
        let js = rp.sb.js_code(q, MINI).await;
        let again = grant(&rp, &c.mini, &[("source", MP_SOURCE), ("code", &js)]).await;
        assert_eq!(again.status, 200, "{label}: {}", again.body);
        assert_eq!(rp.users().await, 2, "{label}");
    })
    .await;
}
