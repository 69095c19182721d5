//! Authorization codes: single use (a replay revokes what the first use got), bound to the
//! client, the redirect URI and the PKCE challenge, and valid for 60 seconds; clients
//! authenticate as their type requires.

use super::harness::{Browser, REDIRECT, Rp, VERIFIER};
use crate::support::memory_db;

async fn rp_with_code() -> (Rp, String) {
    let rp = Rp::start(memory_db().await).await;
    let p = rp.sb.persona("Persona P").await;
    let code = rp.login(&mut Browser::default(), p, &[]).await;
    (rp, code)
}

#[tokio::test]
async fn a_replayed_code_fails_and_revokes_the_first_answer() {
    let (rp, code) = rp_with_code().await;
    let first = rp.redeem(&code).await;
    assert_eq!(first.status, 200);
    let access = first.json()["access_token"].as_str().unwrap().to_string();
    assert_eq!(rp.userinfo(&access).await.status, 200);
    let second = rp.redeem(&code).await;
    assert_eq!(second.status, 400);
    assert_eq!(second.json()["error"], "invalid_grant");
    assert_eq!(rp.userinfo(&access).await.status, 401);
    let refresh = first.json()["refresh_token"].as_str().unwrap().to_string();
    let r = rp
        .token(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .await;
    assert_eq!(r.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn the_code_is_bound_to_its_redirect_uri_and_pkce_challenge() {
    let (rp, code) = rp_with_code().await;
    let wrong_uri = rp
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://rp.example.com/other"),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(wrong_uri.json()["error"], "invalid_grant");
    assert!(
        wrong_uri.json()["error_description"]
            .as_str()
            .unwrap()
            .contains("redirect_uri")
    );

    let rp2 = Rp::start(memory_db().await).await;
    let p = rp2.sb.persona("P").await;
    for (verifier, why) in [
        (None, "code_verifier is required"),
        (Some("x".repeat(43)), "code_verifier does not match"),
    ] {
        let code = rp2.login(&mut Browser::default(), p, &[]).await;
        let mut form = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code),
            ("redirect_uri", REDIRECT.to_string()),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier", v));
        }
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = rp2.token(&form).await;
        assert_eq!(r.status, 400);
        assert_eq!(r.json()["error"], "invalid_grant");
        assert_eq!(r.json()["error_description"], why, "no PKCE downgrade");
    }

    // A code without a challenge cannot be redeemed with a verifier either.
    let code = rp2
        .login(
            &mut Browser::default(),
            p,
            &[("code_challenge", ""), ("code_challenge_method", "")],
        )
        .await;
    let r = rp2
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!(r.json()["error"], "invalid_grant");
}

#[tokio::test]
async fn codes_expire_after_sixty_seconds() {
    let (rp, code) = rp_with_code().await;
    rp.sb.advance(chrono::Duration::seconds(61));
    let r = rp.redeem(&code).await;
    assert_eq!(r.json()["error"], "invalid_grant");
    assert_eq!(r.json()["error_description"], "the code has expired");
}

#[tokio::test]
async fn clients_authenticate_and_errors_use_the_standard_codes() {
    let (rp, code) = rp_with_code().await;
    let wrong = reqwest::Client::new()
        .post(rp.url("/oauth/token"))
        .basic_auth(&rp.client_id, Some("not-the-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let wrong = super::harness::answer(wrong).await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.json()["error"], "invalid_client");
    assert!(
        wrong.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );

    // A confidential client without a secret is refused.
    let bare = reqwest::Client::new()
        .post(rp.url("/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", rp.client_id.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        super::harness::answer(bare).await.json()["error"],
        "invalid_client"
    );

    // client_secret_post works as well as Basic.
    let post = reqwest::Client::new()
        .post(rp.url("/oauth/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
            ("client_id", rp.client_id.as_str()),
            ("client_secret", rp.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 200);

    let grant = rp
        .token(&[("grant_type", "password"), ("username", "a")])
        .await;
    assert_eq!(grant.json()["error"], "unsupported_grant_type");
    let none = rp.token(&[("code", "x")]).await;
    assert_eq!(none.json()["error"], "invalid_request");
}

#[tokio::test]
async fn a_failed_redemption_does_not_burn_the_code_for_its_client() {
    // Someone who intercepted the code but lacks the verifier cannot spend it.
    let (rp, code) = rp_with_code().await;
    let thief = rp
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &"y".repeat(43)),
        ])
        .await;
    assert_eq!(thief.json()["error"], "invalid_grant");
    let rightful = rp.redeem(&code).await;
    assert_eq!(rightful.status, 200, "{}", rightful.body);
}
