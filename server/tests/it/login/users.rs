//! Users as administrators manage them through `/api/v1/users` (the console calls the same
//! operations): search and pages, the detail, blocking (no login by any mode, tokens and
//! sessions end), grant revocation, deletion with a tombstone, and bad input.

use serde_json::{Value, json};

use super::harness::{Browser, Rp, TOKEN};
use crate::support::each_database;

/// A management API call that may fail: (status, body).
async fn call(rp: &Rp, method: &str, path: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .request(method.parse().unwrap(), rp.url(path))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn q(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Logs `persona` in with the website QR in a fresh browser; returns (sub, tokens).
async fn log_in(rp: &Rp, persona: i64) -> (String, Value) {
    let mut browser = Browser::default();
    let code = rp.login(&mut browser, persona, &[]).await;
    let tokens = rp.redeem(&code).await.json();
    let sub = rp.verified(tokens["id_token"].as_str().unwrap()).await["sub"]
        .as_str()
        .unwrap()
        .to_string();
    (sub, tokens)
}

#[tokio::test]
async fn users_are_listed_newest_login_first_searched_filtered_and_paged() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let alice = rp.sb.persona("Alice Zhang").await;
        let bob = rp.sb.persona("Bob").await;
        let (a, _) = log_in(&rp, alice).await;
        rp.sb.advance(chrono::Duration::seconds(5));
        let (b, _) = log_in(&rp, bob).await;

        let (s, all) = call(&rp, "GET", "/api/v1/users").await;
        assert_eq!(s, 200, "{label}: {all}");
        let ids: Vec<&str> = all["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            vec![b.as_str(), a.as_str()],
            "{label}: newest login first"
        );
        assert_eq!(all["users"][0]["identities"], 1);
        assert_eq!(all["users"][0]["modes"], json!(["pc_qrcode"]), "{label}");
        assert!(all["next_cursor"].is_null());

        // Alice logs in again: she comes first.
        rp.sb.advance(chrono::Duration::seconds(5));
        log_in(&rp, alice).await;
        let (_, again) = call(&rp, "GET", "/api/v1/users?limit=1").await;
        assert_eq!(again["users"][0]["id"], a.as_str(), "{label}");
        let cursor = again["next_cursor"]
            .as_str()
            .expect("a second page")
            .to_string();
        let (_, second) = call(
            &rp,
            "GET",
            &format!("/api/v1/users?limit=1&cursor={cursor}"),
        )
        .await;
        assert_eq!(second["users"][0]["id"], b.as_str(), "{label}");
        assert!(second["next_cursor"].is_null(), "{label}: the last page");

        // Search: user ID, OpenID, part of a name (any case), nothing for a stranger.
        let (_, detail) = call(&rp, "GET", &format!("/api/v1/users/{a}")).await;
        let openid = detail["identities"][0]["openid"]
            .as_str()
            .unwrap()
            .to_string();
        for (text, expect) in [
            (a.as_str(), vec![a.as_str()]),
            (openid.as_str(), vec![a.as_str()]),
            ("zhang", vec![a.as_str()]),
            ("ALICE", vec![a.as_str()]),
            ("o", vec![b.as_str()]),
            ("nobody-here", vec![]),
        ] {
            let (s, found) = call(&rp, "GET", &format!("/api/v1/users?q={}", q(text))).await;
            assert_eq!(s, 200, "{label}: {text}");
            let got: Vec<&str> = found["users"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["id"].as_str().unwrap())
                .collect();
            assert_eq!(got, expect, "{label}: search {text:?}");
        }
        // SQL and LIKE metacharacters, and 10 KB of text, are just text.
        for text in [
            "%",
            "_",
            "' OR 1=1 --",
            "\\",
            "a\0b",
            &"x".repeat(10 * 1024),
        ] {
            let (s, found) = call(&rp, "GET", &format!("/api/v1/users?q={}", q(text))).await;
            assert_eq!(s, 200, "{label}");
            assert_eq!(found["users"], json!([]), "{label}: {:.20}", text);
        }

        // Filters: the source, the application, the status.
        let (_, by_source) = call(&rp, "GET", "/api/v1/users?source=wechat-web").await;
        assert_eq!(by_source["users"].as_array().unwrap().len(), 2, "{label}");
        let (_, unknown) = call(&rp, "GET", "/api/v1/users?source=no-such-source").await;
        assert_eq!(
            unknown["users"],
            json!([]),
            "{label}: an unknown source matches nobody"
        );
        let (_, by_app) = call(
            &rp,
            "GET",
            &format!("/api/v1/users?client_id={}", rp.client_id),
        )
        .await;
        assert_eq!(by_app["users"].as_array().unwrap().len(), 2, "{label}");
        let (_, blocked) = call(&rp, "GET", "/api/v1/users?blocked=true").await;
        assert_eq!(blocked["users"], json!([]), "{label}");

        // Bad paging input: a JSON error with a stable code.
        for (path, code) in [
            ("/api/v1/users?cursor=not-ours", "invalid_cursor"),
            ("/api/v1/users?limit=0", "invalid_limit"),
            ("/api/v1/users?limit=201", "invalid_limit"),
            ("/api/v1/users?limit=many", "invalid_query"),
            ("/api/v1/users?blocked=maybe", "invalid_query"),
        ] {
            let (s, e) = call(&rp, "GET", path).await;
            assert_eq!(
                (s, e["error"]["code"].as_str()),
                (400, Some(code)),
                "{label}: {path}"
            );
        }
        let anonymous = reqwest::get(rp.url("/api/v1/users")).await.unwrap();
        assert_eq!(anonymous.status(), 401);
    })
    .await;
}

#[tokio::test]
async fn the_detail_shows_identities_with_their_sources_grants_logins_and_no_session_key() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        rp.add_source(json!({"identifier": "mp-default", "mode": "pc_miniprogram_qrcode",
            "display_name": "小程序扫码", "callback_url": "https://rp.example.com/after", "enabled": true}))
            .await;
        let p = rp.sb.persona("有手机").await;
        let (sub, _) = log_in(&rp, p).await;
        let mut computer = Browser::default();
        let back = rp.mini_program_login(&mut computer, "mp-default", p).await;
        assert_eq!(rp.sub_of(&back).await, sub, "{label}: one person, one user");

        let (s, d) = call(&rp, "GET", &format!("/api/v1/users/{sub}")).await;
        assert_eq!(s, 200, "{label}: {d}");
        assert_eq!(d["nickname"], "有手机");
        assert_eq!(d["phone_number"], "+8613800138000");
        let identities = d["identities"].as_array().unwrap();
        assert_eq!(identities.len(), 2, "{label}");
        let sources: Vec<&str> = identities
            .iter()
            .flat_map(|i| i["sources"].as_array().unwrap().iter().map(|s| s["identifier"].as_str().unwrap()))
            .collect();
        assert!(sources.contains(&"wechat-web") && sources.contains(&"mp-default"), "{label}: {sources:?}");
        let raw = serde_json::to_string(&d["identities"]).unwrap();
        assert!(raw.contains("openid"), "{label}: the raw profile is shown");
        assert!(!raw.contains("session_key"), "{label}: never the session key");
        assert!(d["grants"].as_array().unwrap().len() >= 2, "{label}");
        assert_eq!(d["grants"][0]["client_id"], rp.client_id.as_str());
        let modes: Vec<&str> = d["logins"].as_array().unwrap().iter().filter_map(|l| l["mode"].as_str()).collect();
        assert!(modes.contains(&"pc_qrcode") && modes.contains(&"pc_miniprogram_qrcode"), "{label}: {modes:?}");

        // The phone search finds the user, with or without the country code; the list masks it.
        for phone in ["13800138000", "+8613800138000"] {
            let (_, found) = call(&rp, "GET", &format!("/api/v1/users?q={}", q(phone))).await;
            assert_eq!(found["users"][0]["id"], sub.as_str(), "{label}: {phone}");
            assert_eq!(found["users"][0]["phone_masked"], "+86138****8000");
            assert_eq!(found["users"][0]["identities"], 2);
        }
        let (s, e) = call(&rp, "GET", "/api/v1/users/u_nobody").await;
        assert_eq!((s, e["error"]["code"].as_str()), (404, Some("user_not_found")));
    })
    .await;
}

#[tokio::test]
async fn a_blocked_user_cannot_log_in_and_their_tokens_and_sessions_end_at_once() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let p = rp.sb.persona("P").await;
        let mut browser = Browser::default();
        let code = rp.login(&mut browser, p, &[]).await;
        let tokens = rp.redeem(&code).await.json();
        let sub = rp.verified(tokens["id_token"].as_str().unwrap()).await["sub"]
            .as_str()
            .unwrap()
            .to_string();
        let access = tokens["access_token"].as_str().unwrap();
        let refresh = tokens["refresh_token"].as_str().unwrap();
        assert_eq!(rp.userinfo(access).await.status, 200);

        let (s, d) = call(&rp, "POST", &format!("/api/v1/users/{sub}/block")).await;
        assert_eq!(s, 200, "{label}: {d}");
        assert!(d["blocked_at"].is_string());
        assert_eq!(d["audit"][0]["action"], "user.block");
        assert!(
            d["grants"]
                .as_array()
                .unwrap()
                .iter()
                .all(|g| g["revoked_at"].is_string())
        );

        assert_eq!(
            rp.userinfo(access).await.status,
            401,
            "{label}: the access token ends"
        );
        let refreshed = rp
            .token(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
            .await;
        assert_eq!(refreshed.status, 400, "{label}: the refresh token ends");
        // The single sign-on session ended: the browser is asked to log in again…
        let again = rp.authorize(&mut browser, &[]).await;
        assert!(
            again.location.unwrap().starts_with("/login?request="),
            "{label}"
        );
        // …and the login is refused with a readable page, logged as `user_blocked`.
        let auth = rp.authorize(&mut browser, &[]).await;
        let (state, scan) = rp.click_button(&mut browser, &auth.location.unwrap()).await;
        let wx = rp.scan(p, &scan).await;
        let refused = rp.callback(&mut browser, Some(&wx), Some(&state)).await;
        assert_eq!(refused.status, 403, "{label}: {}", refused.body);
        assert!(
            refused.body.contains("该账号已被停用") || refused.body.contains("suspended"),
            "{label}"
        );
        assert_eq!(rp.log_outcomes().await[0], "user_blocked", "{label}");
        let lines = datong::store::logins::log_lines(&rp.sb.state.db, &Default::default(), 1)
            .await
            .unwrap();
        assert_eq!(
            lines[0].user_id.as_deref(),
            Some(sub.as_str()),
            "{label}: the log names who tried"
        );
        let (_, blocked) = call(&rp, "GET", "/api/v1/users?blocked=true").await;
        assert_eq!(blocked["users"][0]["id"], sub.as_str(), "{label}");
        assert_eq!(rp.users().await, 1, "{label}: nobody new was made");

        let (s, d) = call(&rp, "POST", &format!("/api/v1/users/{sub}/unblock")).await;
        assert_eq!(s, 200, "{label}");
        assert!(d["blocked_at"].is_null());
        let code = rp.login(&mut Browser::default(), p, &[]).await;
        let tokens = rp.redeem(&code).await.json();
        let back = rp.verified(tokens["id_token"].as_str().unwrap()).await;
        assert_eq!(back["sub"], sub.as_str(), "{label}: the same user again");
    })
    .await;
}

#[tokio::test]
async fn userinfo_refuses_a_blocked_user_even_with_a_grant_left_standing() {
    // Blocking revokes every grant in the same transaction; a grant written in that instant by a
    // login that checked just before could still stand. Userinfo looks at the user itself.
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let p = rp.sb.persona("P").await;
        let (sub, tokens) = log_in(&rp, p).await;
        let access = tokens["access_token"].as_str().unwrap();
        assert_eq!(rp.userinfo(access).await.status, 200, "{label}");
        // The block alone, without the revocation that the console does with it.
        let blocked =
            datong::store::users::set_blocked(&rp.sb.state.db, &sub, Some(chrono::Utc::now()))
                .await
                .unwrap();
        assert!(blocked, "{label}");
        let refused = rp.userinfo(access).await;
        assert_eq!(refused.status, 401, "{label}: {}", refused.body);
    })
    .await;
}

#[tokio::test]
async fn one_grant_is_revoked_alone_and_a_deleted_user_leaves_a_tombstone() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let p = rp.sb.persona("P").await;
        let (sub, first) = log_in(&rp, p).await;
        rp.sb.advance(chrono::Duration::seconds(5));
        let (_, second) = log_in(&rp, p).await;
        let (_, d) = call(&rp, "GET", &format!("/api/v1/users/{sub}")).await;
        let grants = d["grants"].as_array().unwrap();
        assert_eq!(grants.len(), 2, "{label}");
        // Newest first: the second login's grant.
        let newest = grants[0]["id"].as_str().unwrap().to_string();
        let (s, _) = call(
            &rp,
            "DELETE",
            &format!("/api/v1/users/{sub}/grants/{newest}"),
        )
        .await;
        assert_eq!(s, 204, "{label}");
        assert_eq!(
            rp.userinfo(second["access_token"].as_str().unwrap())
                .await
                .status,
            401
        );
        assert_eq!(
            rp.userinfo(first["access_token"].as_str().unwrap())
                .await
                .status,
            200,
            "{label}: the other grant lives"
        );
        let (s, e) = call(
            &rp,
            "DELETE",
            &format!("/api/v1/users/{sub}/grants/{newest}"),
        )
        .await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (404, Some("grant_not_found")),
            "{label}"
        );

        let (s, _) = call(&rp, "DELETE", &format!("/api/v1/users/{sub}")).await;
        assert_eq!(s, 204, "{label}");
        assert_eq!(rp.users().await, 0);
        assert_eq!(
            rp.userinfo(first["access_token"].as_str().unwrap())
                .await
                .status,
            401,
            "{label}"
        );
        for (method, path) in [
            ("GET", format!("/api/v1/users/{sub}")),
            ("DELETE", format!("/api/v1/users/{sub}")),
            ("POST", format!("/api/v1/users/{sub}/block")),
        ] {
            let (s, e) = call(&rp, method, &path).await;
            assert_eq!(
                (s, e["error"]["code"].as_str()),
                (410, Some("user_deleted")),
                "{label}: {method} {path}"
            );
        }
        // The login log keeps the ID; the person's next login is a new user.
        let lines = datong::store::logins::log_lines(&rp.sb.state.db, &Default::default(), 50)
            .await
            .unwrap();
        assert!(
            lines
                .iter()
                .any(|l| l.user_id.as_deref() == Some(sub.as_str())),
            "{label}"
        );
        let (again, _) = log_in(&rp, p).await;
        assert_ne!(again, sub, "{label}");
    })
    .await;
}

#[tokio::test]
async fn the_console_lists_blocks_and_deletes_with_a_typed_confirmation() {
    use super::experience::{console_fn, signed_in};
    let rp = Rp::start(crate::support::memory_db().await).await;
    let p = rp.sb.persona("Console Person").await;
    let (sub, _) = log_in(&rp, p).await;
    let admin = signed_in(&rp).await;

    let (s, page) = console_fn(&rp, &admin, "users", json!({"query": {"q": "console"}})).await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["users"][0]["id"], sub.as_str());
    let (s, _) = console_fn(&rp, &Browser::default(), "users", json!({"query": {}})).await;
    assert_eq!(s, 401, "the console's functions need a session");

    let (s, _) = console_fn(
        &rp,
        &admin,
        "user_blocked",
        json!({"id": sub, "blocked": true}),
    )
    .await;
    assert_eq!(s, 200);
    let (_, d) = console_fn(&rp, &admin, "user_detail", json!({"id": sub})).await;
    assert!(d["blocked_at"].is_string(), "{d}");
    assert!(
        d["audit"][0]["actor"]
            .as_str()
            .unwrap()
            .starts_with("admin:")
    );

    let (s, e) = console_fn(
        &rp,
        &admin,
        "user_delete",
        json!({"id": sub, "confirm": "u_other"}),
    )
    .await;
    assert_ne!(s, 200, "a wrong confirmation deletes nothing: {e}");
    assert_eq!(rp.users().await, 1);
    let (s, _) = console_fn(
        &rp,
        &admin,
        "user_delete",
        json!({"id": sub, "confirm": sub}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(rp.users().await, 0);
    let (s, _) = console_fn(&rp, &admin, "user_detail", json!({"id": sub})).await;
    assert_ne!(s, 200);
}
