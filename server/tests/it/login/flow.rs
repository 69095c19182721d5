//! A PC QR login end to end, on SQLite and PostgreSQL: verified tokens, the claims, the same
//! person twice is one user, another person is another, refresh tokens rotate.

use super::harness::{Browser, Rp};
use crate::support::each_database;

#[tokio::test]
async fn a_pc_qr_login_gives_verified_tokens_and_one_user_per_person() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let p = rp.sb.persona("Persona P").await;
        let mut browser = Browser::default();
        let code = rp.login(&mut browser, p, &[]).await;
        let tokens = rp.redeem(&code).await;
        assert_eq!(tokens.status, 200, "{label}: {}", tokens.body);
        assert_eq!(tokens.headers["cache-control"], "no-store");
        let t = tokens.json();
        assert_eq!(t["token_type"], "Bearer");
        assert_eq!(t["expires_in"], 3600);
        assert_eq!(t["scope"], "openid profile phone offline_access");

        let id = rp.verified(t["id_token"].as_str().unwrap()).await;
        assert_eq!(id["iss"], rp.sb.base.as_str());
        assert_eq!(id["aud"], rp.client_id.as_str());
        assert_eq!(id["nonce"], "rp-nonce");
        assert_eq!(id["name"], "Persona P");
        assert!(id["at_hash"].is_string());
        let x = id["sub"].as_str().unwrap().to_string();
        assert!(x.starts_with("u_"), "{x}");
        let unionid = id["unionid"]
            .as_str()
            .expect("the sandbox app is in an open-platform account");
        let wechat = &id[datong::tokens::claims::WECHAT_IDENTITIES];
        assert_eq!(wechat[0]["appid"], crate::wechat::harness::WEBSITE);
        assert_eq!(wechat[0]["unionid"], unionid);

        let access = rp.verified(t["access_token"].as_str().unwrap()).await;
        assert_eq!(access["aud"], rp.client_id.as_str());
        assert_eq!(access["scope"], "openid profile phone offline_access");
        assert_eq!(access["sub"], x.as_str());

        let info = rp.userinfo(t["access_token"].as_str().unwrap()).await;
        assert_eq!(info.status, 200, "{}", info.body);
        let info = info.json();
        assert_eq!(info["sub"], x.as_str());
        assert_eq!(info["nickname"], "Persona P");
        assert!(
            info.get("phone_number").is_none(),
            "a website login verifies no phone"
        );

        // The same person again, made to scan (prompt=login): the same user.
        let again = rp.login(&mut browser, p, &[("prompt", "login")]).await;
        let t2 = rp.redeem(&again).await.json();
        let id2 = rp.verified(t2["id_token"].as_str().unwrap()).await;
        assert_eq!(id2["sub"], x.as_str(), "{label}: same person, same user");

        // Another person in a fresh browser: another user.
        let q = rp.sb.persona("Persona Q").await;
        let other = rp.login(&mut Browser::default(), q, &[]).await;
        let t3 = rp.redeem(&other).await.json();
        let id3 = rp.verified(t3["id_token"].as_str().unwrap()).await;
        assert_ne!(
            id3["sub"],
            x.as_str(),
            "{label}: another person, another user"
        );

        // Refresh: a new pair each time; an old refresh token revokes the chain.
        let r1 = t["refresh_token"].as_str().unwrap();
        let fresh = rp
            .token(&[("grant_type", "refresh_token"), ("refresh_token", r1)])
            .await;
        assert_eq!(fresh.status, 200, "{}", fresh.body);
        let fresh = fresh.json();
        let r2 = fresh["refresh_token"].as_str().unwrap();
        assert_ne!(r1, r2);
        let id4 = rp.verified(fresh["id_token"].as_str().unwrap()).await;
        assert_eq!(id4["sub"], x.as_str());
        assert!(
            id4.get("nonce").is_none(),
            "a refreshed ID token carries no nonce"
        );
        assert_eq!(
            rp.userinfo(fresh["access_token"].as_str().unwrap())
                .await
                .status,
            200
        );

        let reuse = rp
            .token(&[("grant_type", "refresh_token"), ("refresh_token", r1)])
            .await;
        assert_eq!(reuse.status, 400);
        assert_eq!(reuse.json()["error"], "invalid_grant");
        let after = rp
            .token(&[("grant_type", "refresh_token"), ("refresh_token", r2)])
            .await;
        assert_eq!(
            after.json()["error"],
            "invalid_grant",
            "{label}: the whole chain is revoked"
        );
        let refused = rp.userinfo(fresh["access_token"].as_str().unwrap()).await;
        assert_eq!(refused.status, 401);
        assert!(
            refused.headers["www-authenticate"]
                .to_str()
                .unwrap()
                .contains("invalid_token")
        );

        let log = rp.log_outcomes().await;
        assert_eq!(log.iter().filter(|o| *o == "success").count(), 3, "{log:?}");
    })
    .await;
}

#[tokio::test]
async fn access_tokens_expire_by_the_clock_and_revocation_ends_them() {
    let rp = Rp::start(crate::support::memory_db().await).await;
    let p = rp.sb.persona("Persona P").await;
    let code = rp.login(&mut Browser::default(), p, &[]).await;
    let t = rp.redeem(&code).await.json();
    let access = t["access_token"].as_str().unwrap();
    assert_eq!(rp.userinfo(access).await.status, 200);
    rp.sb.advance(chrono::Duration::seconds(3601));
    assert_eq!(
        rp.userinfo(access).await.status,
        401,
        "an hour later it has expired"
    );

    let fresh = rp
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", t["refresh_token"].as_str().unwrap()),
        ])
        .await
        .json();
    let access = fresh["access_token"].as_str().unwrap();
    assert_eq!(rp.userinfo(access).await.status, 200);
    let revoked = reqwest::Client::new()
        .post(rp.url("/oauth/revoke"))
        .basic_auth(&rp.client_id, Some(&rp.client_secret))
        .form(&[("token", fresh["refresh_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    assert_eq!(
        rp.userinfo(access).await.status,
        401,
        "revoking the refresh token ends the grant"
    );
    let unknown = reqwest::Client::new()
        .post(rp.url("/oauth/revoke"))
        .basic_auth(&rp.client_id, Some(&rp.client_secret))
        .form(&[("token", "never-issued")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        unknown.status(),
        200,
        "RFC 7009: unknown tokens are not an error"
    );

    // Another client cannot revoke this client's tokens.
    let other = rp
        .api(
            "POST",
            "/api/v1/applications",
            serde_json::json!({"name": "Other", "app_type": "web",
                               "redirect_uris": [super::harness::REDIRECT]}),
        )
        .await;
    let code = rp.login(&mut Browser::default(), p, &[]).await;
    let t = rp.redeem(&code).await.json();
    let foreign = reqwest::Client::new()
        .post(rp.url("/oauth/revoke"))
        .basic_auth(
            other["application"]["client_id"].as_str().unwrap(),
            Some(other["client_secret"].as_str().unwrap()),
        )
        .form(&[("token", t["refresh_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 400);
    let error = foreign.json::<serde_json::Value>().await.unwrap();
    assert_eq!(error["error"], "unauthorized_client");
    assert_eq!(
        rp.userinfo(t["access_token"].as_str().unwrap())
            .await
            .status,
        200
    );
}
