//! An app launches the mini program to log in: a ticket bound to the app's PKCE challenge, the
//! sandbox phone launching the mini program (scene 1069) which confirms the ticket and hands
//! it back through `launchApp`, then the app finishing the ticket with its verifier for an
//! authorization code it redeems like any other.

use serde_json::{Value, json};

use super::harness::{Browser, REDIRECT, Rp, VERIFIER, answer, challenge, param};
use crate::support::each_database;
use crate::wechat::harness::{MINI, MOBILE, SECRET};

const SOURCE: &str = "wechat-app-mp";
const APP_REDIRECT: &str = "com.example.app:/callback";
const GH: &str = "gh_300000000000";

/// A native application with an app-launch source on the sandbox's mini program `MINI`.
pub(super) async fn native(rp: &Rp) -> String {
    rp.sb.register(MINI, "mini_program", None).await;
    rp.sb.register(MOBILE, "mobile_app", None).await;
    let source = rp
        .api(
            "POST",
            "/api/v1/sources",
            json!({"identifier": SOURCE, "mode": "app_launch_miniprogram",
                   "display_name": "App", "callback_url": "https://rp.example.com/after",
                   "enabled": true, "appid": MINI, "app_secret": SECRET, "original_id": GH,
                   "page_path": "pages/login/index", "env_version": "release"}),
        )
        .await;
    let app = rp
        .api(
            "POST",
            "/api/v1/applications",
            json!({"name": "Native", "app_type": "native", "redirect_uris": [APP_REDIRECT],
                   "sources": [source["id"]]}),
        )
        .await;
    app["application"]["client_id"]
        .as_str()
        .unwrap()
        .to_string()
}

pub(super) async fn post(rp: &Rp, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(rp.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let a = answer(r).await;
    (a.status, a.json())
}

pub(super) fn launch_body(client_id: &str) -> Value {
    json!({"client_id": client_id, "source": SOURCE, "redirect_uri": APP_REDIRECT,
           "scope": "openid profile phone offline_access", "nonce": "app-nonce",
           "state": "app-state", "code_challenge": challenge(), "code_challenge_method": "S256"})
}

/// The mini program, launched by the app with `launch`, confirms as `persona`: the answer.
pub(super) async fn mini_program_confirms(rp: &Rp, persona: i64, launch: &Value) -> Value {
    let (s, opened) = rp
        .sb
        .post(
            "phone/api/launch_mini_program",
            json!({"persona_id": persona, "appid": MOBILE, "user_name": launch["user_name"],
                   "path": launch["path"], "miniprogram_type": launch["miniprogram_type"]}),
        )
        .await;
    assert_eq!(s, 200, "{opened}");
    assert_eq!(opened["scene"], 1069);
    assert_eq!(opened["appid"], MINI);
    assert_eq!(opened["page"], "pages/login/index");
    let ticket = opened["query"]["scene"].as_str().unwrap().to_string();
    let base = format!("/api/v1/login/mp-qrcode/{ticket}");
    let (s, v) = post(rp, &format!("{base}/scan"), json!({})).await;
    assert_eq!(s, 200, "{v}");
    let js = rp.sb.js_code(persona, MINI).await;
    let phone = rp.sb.phone_code(persona, MINI).await;
    let (s, v) = post(
        rp,
        &format!("{base}/confirm"),
        json!({"code": js, "phone_code": phone}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v
}

#[tokio::test]
async fn the_app_gets_a_code_for_the_person_the_launched_mini_program_confirmed() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let client_id = native(&rp).await;
        let p = rp.sb.persona("App Wang").await;
        // The same person logged in on the website before.
        let mut browser = Browser::default();
        let code = rp.login(&mut browser, p, &[]).await;
        let web = rp.redeem(&code).await.json();
        let web_sub = rp.verified(web["id_token"].as_str().unwrap()).await["sub"].clone();

        let (s, created) = post(&rp, "/api/v1/login/app-mp", launch_body(&client_id)).await;
        assert_eq!(s, 201, "{label}: {created}");
        let ticket = created["ticket"].as_str().unwrap().to_string();
        assert_eq!(created["launch"]["user_name"], GH);
        assert_eq!(
            created["launch"]["path"],
            format!("pages/login/index?scene={ticket}")
        );
        assert_eq!(created["launch"]["miniprogram_type"], 0);
        assert_eq!(created["expires_in"], 120);
        let status_url = created["status_url"].as_str().unwrap().to_string();
        let status = reqwest::get(rp.url(&status_url)).await.unwrap();
        assert_eq!(status.json::<Value>().await.unwrap()["status"], "waiting");

        let confirmed = mini_program_confirms(&rp, p, &created["launch"]).await;
        assert_eq!(confirmed["status"], "confirmed");
        let ext = confirmed["app_parameter"].as_str().expect("app_parameter");
        assert_eq!(ext, ticket);
        let status = reqwest::get(rp.url(&status_url)).await.unwrap();
        assert_eq!(status.json::<Value>().await.unwrap()["status"], "confirmed");

        // The launchApp button works from scene 1069, not from a scan (1011).
        let (s, v) = rp
            .sb
            .post(
                "phone/api/launch_app",
                json!({"scene": 1011, "app_parameter": ext}),
            )
            .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (400, Some("invalid_scene"))
        );
        let (s, back) = rp
            .sb
            .post(
                "phone/api/launch_app",
                json!({"scene": 1069, "app_parameter": ext}),
            )
            .await;
        assert_eq!(s, 200, "{back}");
        assert_eq!(back["extMsg"], ticket.as_str());

        // The ticket back in the app: without the right verifier it is refused and not spent.
        let finish = created["finish_url"].as_str().unwrap().to_string();
        let wrong = "another-verifier-of-at-least-forty-three-characters-0123";
        let (s, v) = post(&rp, &finish, json!({"code_verifier": wrong})).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (400, Some("ticket_refused")),
            "{v}"
        );
        // Nor can a browser finish an app's ticket.
        let mut other = Browser::default();
        let page = other
            .post_form(&rp.url(&format!("/login/mp-qrcode/{ticket}/finish")), &[])
            .await;
        assert_eq!(page.status, 400, "{label}: {}", page.body);

        let (s, v) = post(&rp, &finish, json!({"code_verifier": VERIFIER})).await;
        assert_eq!(s, 200, "{label}: {v}");
        assert_eq!(v["redirect_uri"], APP_REDIRECT);
        assert_eq!(v["state"], "app-state");
        let code = v["code"].as_str().unwrap();
        let (s, again) = post(&rp, &finish, json!({"code_verifier": VERIFIER})).await;
        assert_eq!(
            (s, again["error"]["code"].as_str()),
            (400, Some("ticket_refused"))
        );

        // The code is redeemed like any other: PKCE verifier, redirect URI, public client.
        let r = reqwest::Client::new()
            .post(rp.url("/oauth/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", client_id.as_str()),
                ("code", code),
                ("redirect_uri", APP_REDIRECT),
                ("code_verifier", VERIFIER),
            ])
            .send()
            .await
            .unwrap();
        let tokens = answer(r).await;
        assert_eq!(tokens.status, 200, "{}", tokens.body);
        let claims = rp
            .verified(tokens.json()["id_token"].as_str().unwrap())
            .await;
        assert_eq!(claims["sub"], web_sub, "{label}: one person, one user");
        assert_eq!(claims["nonce"], "app-nonce");
        assert_eq!(claims["phone_number"], "+8613800138000");
        assert!(tokens.json()["refresh_token"].is_string());
        assert_eq!(rp.users().await, 1);
        let lines = datong::store::logins::log_lines(&rp.sb.state.db, &Default::default(), 3)
            .await
            .unwrap();
        // Newest first: the second finish, then the login.
        assert_eq!(lines[0].outcome, "ticket_refused");
        assert_eq!(lines[1].outcome, "success");
        assert_eq!(lines[1].mode.as_deref(), Some("app_launch_miniprogram"));
        assert_eq!(lines[1].client_id.as_deref(), Some(client_id.as_str()));
    })
    .await;
}

#[tokio::test]
async fn bad_launches_are_refused_and_tickets_do_not_cross_between_browser_and_app() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let client_id = native(&rp).await;
        let create = |body: Value| {
            let rp = &rp;
            async move { post(rp, "/api/v1/login/app-mp", body).await }
        };
        let with = |k: &str, v: Value| {
            let mut b = launch_body(&client_id);
            b[k] = v;
            b
        };
        for (body, want) in [
            (
                with("redirect_uri", json!(REDIRECT)),
                "invalid_redirect_uri",
            ),
            (with("scope", json!("profile")), "invalid_scope"),
            (
                with("code_challenge_method", json!("plain")),
                "invalid_request",
            ),
            (with("code_challenge", json!("short")), "invalid_request"),
            (with("client_id", json!("nobody")), "invalid_client"),
            (with("client_id", json!(rp.client_id)), "wrong_mode"),
            (
                with("source", json!(super::harness::SOURCE)),
                "source_unavailable",
            ),
            (with("source", json!("nope")), "source_unavailable"),
            (json!({"client_id": client_id}), "invalid_request"),
        ] {
            let (s, v) = create(body).await;
            assert_eq!(v["error"]["code"].as_str(), Some(want), "{label}: {s} {v}");
            assert!((400..500).contains(&s), "{label}: {s} {v}");
        }

        // Unknown and malformed tickets.
        let unknown = "a".repeat(32);
        let (s, v) = post(
            &rp,
            &format!("/api/v1/login/app-mp/{unknown}/finish"),
            json!({"code_verifier": VERIFIER}),
        )
        .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (404, Some("ticket_unknown"))
        );
        let status = reqwest::get(rp.url("/api/v1/login/app-mp/nope"))
            .await
            .unwrap();
        assert_eq!(status.status(), 404);

        // A browser's ticket (mini-program code) cannot be followed or finished by an app.
        let mut browser = Browser::default();
        let auth = rp.authorize(&mut browser, &[]).await;
        let request = param(&rp.url(&auth.location.unwrap()), "request").unwrap();
        rp.add_source(
            json!({"identifier": "pc-mp", "mode": "pc_miniprogram_qrcode",
            "display_name": "小程序扫码", "callback_url": "https://rp.example.com/after",
            "enabled": true}),
        )
        .await;
        let created = browser
            .post_json(
                &rp.url("/api/v1/login/mp-qrcode"),
                &rp.sb.base,
                &json!({"request": request, "source": "pc-mp"}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let pc = created.json()["ticket"].as_str().unwrap().to_string();
        let p = rp.sb.persona("Cross").await;
        let js = rp.sb.js_code(p, &default_mini(&rp).await).await;
        let (s, v) = post(
            &rp,
            &format!("/api/v1/login/mp-qrcode/{pc}/confirm"),
            json!({"code": js}),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        assert!(v.get("app_parameter").is_none(), "{v}");
        let status = reqwest::get(rp.url(&format!("/api/v1/login/app-mp/{pc}")))
            .await
            .unwrap();
        assert_eq!(status.status(), 403);
        let (s, v) = post(
            &rp,
            &format!("/api/v1/login/app-mp/{pc}/finish"),
            json!({"code_verifier": VERIFIER}),
        )
        .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (400, Some("ticket_refused")),
            "{v}"
        );
        // The browser that shows it still finishes it.
        let done = browser
            .post_form(&rp.url(&format!("/login/mp-qrcode/{pc}/finish")), &[])
            .await;
        assert_eq!(done.status, 303, "{label}: {}", done.body);
    })
    .await;
}

/// The instance's default mini program (the one mini-program codes use without private
/// deployment).
async fn default_mini(rp: &Rp) -> String {
    rp.sb
        .state
        .default_miniprogram
        .as_ref()
        .map(|(a, _)| a.clone())
        .expect("a default mini program")
}
