//! An administrator's corrections of who is who, through `/api/v1/users`: merge (with the
//! profile conflicts decided), link and unlink, each refused without a change when it would
//! break a rule, and a merge racing a login of the user it removes.

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use super::binding::outside_open_platform;
use super::harness::{Browser, Rp};
use crate::support::each_database;
use crate::wechat::harness::WEBSITE;

/// A management API call: (status, body).
async fn send(rp: &Rp, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut r = reqwest::Client::new()
        .request(method.parse().unwrap(), rp.url(path))
        .bearer_auth(super::harness::TOKEN);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn code(v: &Value) -> Option<&str> {
    v["error"]["code"].as_str()
}

/// Logs `persona` in with the website QR; returns (sub, tokens).
async fn log_in(rp: &Rp, persona: i64) -> (String, Value) {
    let code = rp.login(&mut Browser::default(), persona, &[]).await;
    let tokens = rp.redeem(&code).await.json();
    let sub = rp.verified(tokens["id_token"].as_str().unwrap()).await["sub"]
        .as_str()
        .unwrap()
        .to_string();
    (sub, tokens)
}

/// The AppID of the mini program the default mini-program sources use.
fn default_mini(rp: &Rp) -> String {
    rp.sb.state.default_miniprogram.clone().unwrap().0
}

async fn detail(rp: &Rp, id: &str) -> Value {
    let (s, d) = send(rp, "GET", &format!("/api/v1/users/{id}"), None).await;
    assert_eq!(s, 200, "{d}");
    d
}

#[tokio::test]
async fn a_merge_moves_identities_and_grants_keeps_the_chosen_fields_and_answers_for_the_old_id() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        // Without an open-platform account WeChat sends no unionid: two logins, two users.
        outside_open_platform(&rp, WEBSITE, "website").await;
        let (p1, p2) = (
            rp.sb.persona("Old Name").await,
            rp.sb.persona("New Name").await,
        );
        let (a, a_tokens) = log_in(&rp, p1).await;
        rp.sb.advance(chrono::Duration::seconds(5));
        let (b, b_tokens) = log_in(&rp, p2).await;
        assert_ne!(a, b);

        let (s, preview) = send(
            &rp,
            "GET",
            &format!("/api/v1/users/{a}/merge?from={b}"),
            None,
        )
        .await;
        assert_eq!(s, 200, "{label}: {preview}");
        assert!(preview["refusal"].is_null(), "{label}: {preview}");
        let nickname = preview["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["field"] == "nickname")
            .unwrap();
        assert_eq!(
            (
                nickname["into"].as_str(),
                nickname["from"].as_str(),
                nickname["conflict"].as_bool()
            ),
            (Some("Old Name"), Some("New Name"), Some(true)),
            "{label}"
        );
        assert_eq!(preview["from"]["identities"].as_array().unwrap().len(), 1);

        let (s, merged) = send(
            &rp,
            "POST",
            &format!("/api/v1/users/{a}/merge"),
            Some(json!({"from": b, "use_from": ["nickname"]})),
        )
        .await;
        assert_eq!(s, 200, "{label}: {merged}");
        assert_eq!(merged["nickname"], "New Name", "{label}: the chosen value");
        assert_eq!(merged["identities"].as_array().unwrap().len(), 2, "{label}");
        assert_eq!(merged["audit"][0]["action"], "user.merge", "{label}");
        let before: Value =
            serde_json::from_str(merged["audit"][0]["before"].as_str().unwrap()).unwrap();
        assert_eq!(
            before["from"]["id"],
            b.as_str(),
            "{label}: the audit keeps both users"
        );
        assert_eq!(rp.users().await, 1, "{label}");
        // B's grant moved, revoked: its tokens carried B's ID.
        let grants = merged["grants"].as_array().unwrap();
        assert_eq!(grants.len(), 2, "{label}");
        assert_eq!(
            grants
                .iter()
                .filter(|g| g["revoked_at"].is_string())
                .count(),
            1,
            "{label}"
        );
        assert_eq!(
            rp.userinfo(b_tokens["access_token"].as_str().unwrap())
                .await
                .status,
            401,
            "{label}"
        );
        assert_eq!(
            rp.userinfo(a_tokens["access_token"].as_str().unwrap())
                .await
                .status,
            200,
            "{label}"
        );

        // B's ID answers "merged into A"; acting on it is refused.
        let (s, e) = send(&rp, "GET", &format!("/api/v1/users/{b}"), None).await;
        assert_eq!((s, code(&e)), (410, Some("user_merged")), "{label}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(&a),
            "{label}: {e}"
        );
        let (s, e) = send(
            &rp,
            "POST",
            &format!("/api/v1/users/{a}/merge"),
            Some(json!({"from": b})),
        )
        .await;
        assert_eq!((s, code(&e)), (409, Some("user_merged")), "{label}: {e}");

        // The choice stands over later logins; both people now log in as A.
        rp.sb.advance(chrono::Duration::seconds(5));
        assert_eq!(log_in(&rp, p1).await.0, a, "{label}");
        let (sub, tokens) = log_in(&rp, p2).await;
        assert_eq!(sub, a, "{label}: B's identity is A's now");
        let info = rp
            .userinfo(tokens["access_token"].as_str().unwrap())
            .await
            .json();
        assert_eq!(info["nickname"], "New Name", "{label}: {info}");
        assert_eq!(detail(&rp, &a).await["nickname"], "New Name", "{label}");
    })
    .await;
}

#[tokio::test]
async fn merges_and_links_that_would_break_a_rule_change_nothing() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let (p1, p2) = (rp.sb.persona("One").await, rp.sb.persona("Two").await);
        let (a, _) = log_in(&rp, p1).await;
        let (b, _) = log_in(&rp, p2).await;
        let b_identity = detail(&rp, &b).await["identities"][0]["id"].as_i64().unwrap();
        let a_identity = detail(&rp, &a).await["identities"][0]["id"].as_i64().unwrap();

        // Two people WeChat tells apart (two unionids) stay apart.
        let (s, preview) = send(&rp, "GET", &format!("/api/v1/users/{a}/merge?from={b}"), None).await;
        assert_eq!((s, preview["refusal"].as_str()), (200, Some("unionid_conflict")), "{label}");
        let (s, e) = send(&rp, "POST", &format!("/api/v1/users/{a}/merge"), Some(json!({"from": b}))).await;
        assert_eq!((s, code(&e)), (409, Some("unionid_conflict")), "{label}: {e}");
        let (s, e) = send(&rp, "POST", &format!("/api/v1/users/{a}/link"), Some(json!({"identity_id": b_identity}))).await;
        assert_eq!((s, code(&e)), (409, Some("unionid_conflict")), "{label}: {e}");
        assert_eq!(rp.users().await, 2, "{label}");
        assert_eq!(detail(&rp, &b).await["identities"].as_array().unwrap().len(), 1, "{label}");

        for (method, path, body, status, expect) in [
            ("POST", format!("/api/v1/users/{a}/merge"), json!({"from": a}), 400, "merge_into_self"),
            ("GET", format!("/api/v1/users/{a}/merge?from={a}"), Value::Null, 400, "merge_into_self"),
            ("POST", format!("/api/v1/users/{a}/merge"), json!({"from": "u_nobody"}), 409, "user_not_found"),
            ("POST", format!("/api/v1/users/{a}/merge"), json!({"from": b, "use_from": ["shoe_size"]}), 400, "invalid_field"),
            ("POST", format!("/api/v1/users/{a}/merge"), json!({"frm": b}), 400, "invalid_json"),
            ("POST", format!("/api/v1/users/{a}/link"), json!({"identity_id": a_identity}), 409, "already_linked"),
            ("POST", format!("/api/v1/users/{a}/link"), json!({"identity_id": 999_999}), 404, "identity_not_found"),
            ("POST", format!("/api/v1/users/{a}/unlink"), json!({"identity_id": a_identity}), 409, "last_identity"),
            ("POST", format!("/api/v1/users/{a}/unlink"), json!({"identity_id": b_identity}), 404, "identity_not_found"),
            ("POST", "/api/v1/users/u_nobody/unlink".to_string(), json!({"identity_id": a_identity}), 404, "user_not_found"),
        ] {
            let body = (!body.is_null()).then_some(body);
            let (s, e) = send(&rp, method, &path, body).await;
            assert_eq!((s, code(&e)), (status, Some(expect)), "{label}: {method} {path}: {e}");
        }
        assert_eq!(rp.users().await, 2, "{label}: nothing changed");

        // One person's two identities share a unionid: unlinking one would be undone by the
        // next login, so it is refused.
        rp.add_source(json!({"identifier": "mp-default", "mode": "pc_miniprogram_qrcode",
            "display_name": "小程序扫码", "callback_url": "https://rp.example.com/after", "enabled": true}))
            .await;
        let back = rp.mini_program_login(&mut Browser::default(), "mp-default", p1).await;
        assert_eq!(rp.sub_of(&back).await, a, "{label}");
        let mini = detail(&rp, &a).await["identities"].as_array().unwrap().iter()
            .find(|i| i["appid"] == default_mini(&rp).as_str()).unwrap()["id"].as_i64().unwrap();
        let (s, e) = send(&rp, "POST", &format!("/api/v1/users/{a}/unlink"), Some(json!({"identity_id": mini}))).await;
        assert_eq!((s, code(&e)), (409, Some("unionid_shared")), "{label}: {e}");
        assert_eq!(detail(&rp, &a).await["identities"].as_array().unwrap().len(), 2, "{label}");
    })
    .await;
}

#[tokio::test]
async fn an_identity_unlinked_into_its_own_user_links_back_and_the_emptied_user_is_merged() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        // The mini program outside the open-platform account: no shared unionid.
        let mini_appid = default_mini(&rp);
        outside_open_platform(&rp, &mini_appid, "mini_program").await;
        rp.add_source(json!({"identifier": "mp-default", "mode": "pc_miniprogram_qrcode",
            "display_name": "小程序扫码", "callback_url": "https://rp.example.com/after", "enabled": true}))
            .await;
        let p = rp.sb.persona("Person").await;
        let (a, _) = log_in(&rp, p).await;
        let back = rp.mini_program_login(&mut Browser::default(), "mp-default", p).await;
        let b = rp.sub_of(&back).await;
        assert_ne!(a, b, "{label}: nothing tells Datong they are one person");
        let mini = detail(&rp, &b).await["identities"][0]["id"].as_i64().unwrap();

        // Link B's only identity to A: B is merged into A.
        let (s, d) = send(&rp, "POST", &format!("/api/v1/users/{a}/link"), Some(json!({"identity_id": mini}))).await;
        assert_eq!(s, 200, "{label}: {d}");
        assert_eq!(d["identities"].as_array().unwrap().len(), 2, "{label}");
        assert_eq!(d["phone_number"], "+8613800138000", "{label}: the mini program's phone joins");
        assert_eq!(d["audit"][0]["action"], "user.link", "{label}");
        let (s, e) = send(&rp, "GET", &format!("/api/v1/users/{b}"), None).await;
        assert_eq!((s, code(&e)), (410, Some("user_merged")), "{label}");

        // Unlink it again: a new user holding it, with its phone; A keeps the website identity.
        let (s, u) = send(&rp, "POST", &format!("/api/v1/users/{a}/unlink"), Some(json!({"identity_id": mini}))).await;
        assert_eq!(s, 201, "{label}: {u}");
        let c = u["user_id"].as_str().unwrap().to_string();
        let dc = detail(&rp, &c).await;
        assert_eq!(dc["identities"][0]["id"], mini, "{label}");
        assert_eq!(dc["phone_number"], "+8613800138000", "{label}");
        let da = detail(&rp, &a).await;
        assert_eq!(da["identities"].as_array().unwrap().len(), 1, "{label}");
        assert!(da["phone_number"].is_null(), "{label}: A's profile is recomputed");
        assert_eq!(da["audit"][0]["action"], "user.unlink", "{label}");
        assert!(da["audit"][0]["before"].as_str().unwrap().contains(&mini.to_string()), "{label}");
        // The mini program's next login is C.
        let back = rp.mini_program_login(&mut Browser::default(), "mp-default", p).await;
        assert_eq!(rp.sub_of(&back).await, c, "{label}");
        assert_eq!(rp.users().await, 2, "{label}");
    })
    .await;
}

#[tokio::test]
async fn a_merge_racing_a_login_of_the_merged_user_ends_with_one_consistent_user() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        outside_open_platform(&rp, WEBSITE, "website").await;
        for round in 0..4 {
            let p1 = rp.sb.persona(&format!("A{round}")).await;
            let p2 = rp.sb.persona(&format!("B{round}")).await;
            let (a, _) = log_in(&rp, p1).await;
            let (b, _) = log_in(&rp, p2).await;
            let merge_path = format!("/api/v1/users/{a}/merge");
            let merge = send(&rp, "POST", &merge_path, Some(json!({"from": b})));
            let login = async {
                let code = rp.login(&mut Browser::default(), p2, &[]).await;
                let tokens = rp.redeem(&code).await.json();
                let sub = rp.verified(tokens["id_token"].as_str().unwrap()).await["sub"]
                    .as_str()
                    .unwrap()
                    .to_string();
                (sub, tokens)
            };
            let ((s, merged), (sub, tokens)) = tokio::join!(merge, login);
            assert_eq!(s, 200, "{label} round {round}: {merged}");
            assert_eq!(
                merged["identities"].as_array().unwrap().len(),
                2,
                "{label} round {round}"
            );
            let info = rp.userinfo(tokens["access_token"].as_str().unwrap()).await;
            if sub == a {
                assert_eq!(
                    info.status, 200,
                    "{label} round {round}: the login landed on A"
                );
            } else {
                assert_eq!(sub, b, "{label} round {round}");
                assert_eq!(
                    info.status, 401,
                    "{label} round {round}: B's tokens were revoked by the merge"
                );
            }
            // Afterwards B's person is A, and nothing of B is left behind.
            assert_eq!(log_in(&rp, p2).await.0, a, "{label} round {round}");
        }
        let db = &rp.sb.state.db;
        use sea_orm::{ConnectionTrait, Statement};
        let orphans = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM identities WHERE user_id NOT IN (SELECT id FROM users)",
            ))
            .await
            .unwrap()
            .unwrap();
        let n: i64 = orphans.try_get("", "n").unwrap();
        assert_eq!(n, 0, "{label}: no identity without a user");
        assert_eq!(rp.users().await, 4, "{label}");
    })
    .await;
}

/// The IDs a search for `text` lists.
async fn found(rp: &Rp, text: &str) -> Vec<String> {
    let q: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
    let (s, page) = send(rp, "GET", &format!("/api/v1/users?q={q}"), None).await;
    assert_eq!(s, 200, "{text:?}: {page}");
    page["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn name_searches_follow_merged_names_and_deletions() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        outside_open_platform(&rp, WEBSITE, "website").await;
        let (p1, p2, p3) = (
            rp.sb.persona("王小明").await,
            rp.sb.persona("Zoë \"Q\" 100%_x").await,
            rp.sb.persona("李四").await,
        );
        let (a, _) = log_in(&rp, p1).await;
        let (b, _) = log_in(&rp, p2).await;
        let (c, _) = log_in(&rp, p3).await;
        // Three characters and more go through the name index; fewer walk the users.
        for (text, expect) in [
            ("王小明", vec![a.as_str()]),
            ("小明", vec![a.as_str()]),
            ("明", vec![a.as_str()]),
            ("\"q\" 100%", vec![b.as_str()]),
            ("100%_", vec![b.as_str()]),
            ("100_", vec![]),
            ("\"", vec![b.as_str()]),
            ("\"\"", vec![]),
            ("李四", vec![c.as_str()]),
            ("王小明王", vec![]),
        ] {
            assert_eq!(found(&rp, text).await, expect, "{label}: {text:?}");
        }

        // A takes B's name in a merge: the old name finds nobody, the new one finds A.
        let (s, merged) = send(
            &rp,
            "POST",
            &format!("/api/v1/users/{a}/merge"),
            Some(json!({"from": b, "use_from": ["nickname"]})),
        )
        .await;
        assert_eq!(s, 200, "{label}: {merged}");
        assert_eq!(found(&rp, "王小明").await, Vec::<String>::new(), "{label}");
        assert_eq!(found(&rp, "\"Q\" 100").await, vec![a.clone()], "{label}");
        // The index itself follows (a search re-checks names, so it would hide a stale entry).
        let db = &rp.sb.state.db;
        if label == "sqlite" {
            assert_eq!(indexed(db, "王小明").await, 0, "{label}");
            assert_eq!(indexed(db, "\"q\" 100").await, 1, "{label}");
        }

        let (s, _) = send(&rp, "DELETE", &format!("/api/v1/users/{c}"), None).await;
        assert_eq!(s, 204, "{label}");
        assert_eq!(found(&rp, "李四").await, Vec::<String>::new(), "{label}");
        assert_eq!(found(&rp, "zoë").await, vec![a.clone()], "{label}");
        if label == "sqlite" {
            assert_eq!(
                indexed(db, "zoë").await,
                1,
                "{label}: B's entry went with B"
            );
            let keys = db
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Sqlite,
                    "SELECT count(*) AS n FROM users_name_keys",
                ))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                keys.try_get::<i64>("", "n").unwrap(),
                1,
                "{label}: one user left"
            );
        }
    })
    .await;
}

/// How many users the SQLite name index holds for `text` (three characters or more).
async fn indexed(db: &sea_orm::DatabaseConnection, text: &str) -> i64 {
    let phrase = format!("\"{}\"", text.replace('"', "\"\""));
    let row = db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Sqlite,
            "SELECT count(*) AS n FROM users_name WHERE users_name MATCH ?",
            [phrase.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}
