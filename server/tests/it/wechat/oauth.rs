//! Website QR login, in-WeChat authorization and mobile-app login through the client.

use chrono::Duration;
use datong::wechat::WeChatError;
use serde_json::json;

use super::harness::*;

#[tokio::test]
async fn website_qr_login_yields_the_personas_openid_and_unionid() {
    let sb = Sandboxed::start().await;
    let alice = sb.persona("Alice").await;
    let (code, state) = sb.qr_login(alice, WEBSITE, "st4te").await;
    assert_eq!(state, "st4te");
    let token = sb
        .client()
        .exchange_code(WEBSITE, &secret(), &code)
        .await
        .unwrap();
    assert_eq!(token.scope, "snsapi_login");
    assert_eq!(token.openid.len(), 28);
    assert!(token.openid.starts_with('o'));
    let unionid = token
        .unionid
        .clone()
        .expect("website apps sit under an account");

    let info = sb
        .client()
        .user_info(&token.access_token, &token.openid)
        .await
        .unwrap();
    assert_eq!(info.nickname, "Alice");
    assert_eq!(info.openid, token.openid);
    assert_eq!(info.unionid.as_deref(), Some(unionid.as_str()));
    assert_eq!(info.sex, 0, "gender is blank since 2021-10");
    assert!(info.province.is_empty() && info.city.is_empty());
    assert!(info.headimgurl.ends_with("/132"), "{}", info.headimgurl);
    let avatar = sb.http.get(&info.headimgurl).send().await.unwrap();
    assert_eq!(avatar.headers()["content-type"], "image/jpeg");

    sb.client()
        .check_user_token(&token.access_token, &token.openid)
        .await
        .unwrap();
    let wrong = sb
        .client()
        .check_user_token(&token.access_token, "o_not_this_user_000000000000")
        .await;
    assert!(
        matches!(wrong, Err(WeChatError::InvalidOpenId(_))),
        "{wrong:?}"
    );

    // The same person logging in again gets the same identifiers.
    let (again, _) = sb.qr_login(alice, WEBSITE, "s2").await;
    let second = sb
        .client()
        .exchange_code(WEBSITE, &secret(), &again)
        .await
        .unwrap();
    assert_eq!(second.openid, token.openid);
    assert_eq!(second.unionid, token.unionid);
}

#[tokio::test]
async fn codes_are_single_use_short_lived_and_bound_to_their_app() {
    let sb = Sandboxed::start().await;
    let bob = sb.persona("Bob").await;
    let (code, _) = sb.qr_login(bob, WEBSITE, "a").await;
    sb.client()
        .exchange_code(WEBSITE, &secret(), &code)
        .await
        .unwrap();
    let reused = sb.client().exchange_code(WEBSITE, &secret(), &code).await;
    assert!(
        matches!(reused, Err(WeChatError::CodeUsed(ref r)) if r.errcode == 40163),
        "{reused:?}"
    );
    assert!(reused.unwrap_err().restarts_login());

    let (code, _) = sb.qr_login(bob, WEBSITE, "b").await;
    let foreign = sb.client().exchange_code(MOBILE, &secret(), &code).await;
    assert!(
        matches!(foreign, Err(WeChatError::InvalidCode(ref r)) if r.errcode == 40029),
        "{foreign:?}"
    );

    // Website codes live ten minutes.
    let (code, _) = sb.qr_login(bob, WEBSITE, "c").await;
    sb.advance(Duration::minutes(10) + Duration::seconds(1));
    let expired = sb.client().exchange_code(WEBSITE, &secret(), &code).await;
    assert!(
        matches!(expired, Err(WeChatError::InvalidCode(ref r)) if r.errcode == 40029),
        "{expired:?}"
    );

    // The 42003 switch.
    sb.post("admin/api/switches", json!({"expired_code_42003": true}))
        .await;
    let (code, _) = sb.qr_login(bob, WEBSITE, "d").await;
    sb.advance(Duration::minutes(11));
    let expired = sb.client().exchange_code(WEBSITE, &secret(), &code).await;
    assert!(
        matches!(expired, Err(WeChatError::InvalidCode(ref r)) if r.errcode == 42003),
        "{expired:?}"
    );
}

#[tokio::test]
async fn credentials_are_checked_appid_first() {
    let sb = Sandboxed::start().await;
    let carol = sb.persona("Carol").await;
    let (code, _) = sb.qr_login(carol, WEBSITE, "x").await;
    // The first server call registered the secret; another one is wrong.
    let wrong = datong::crypto::Secret::new("not-the-secret".to_string());
    sb.client()
        .exchange_code(WEBSITE, &secret(), "00000000000000000000000000000000")
        .await
        .ok();
    let bad_secret = sb.client().exchange_code(WEBSITE, &wrong, &code).await;
    assert!(
        matches!(bad_secret, Err(WeChatError::InvalidCredentials(ref r)) if r.errcode == 40125),
        "{bad_secret:?}"
    );
    let bad_appid = sb
        .client()
        .exchange_code("not-an-appid", &secret(), &code)
        .await;
    assert!(
        matches!(bad_appid, Err(WeChatError::InvalidAppId(_))),
        "{bad_appid:?}"
    );
    // The code survived the failed attempts.
    sb.client()
        .exchange_code(WEBSITE, &secret(), &code)
        .await
        .unwrap();

    // A secret reset on the (simulated) platform: the old one stops working, the new one works.
    let (s, v) = sb
        .patch(
            &format!("admin/api/apps/{WEBSITE}"),
            json!({"secret": "rotated-secret"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let old = sb.client().classic_token(WEBSITE, &secret()).await;
    assert!(
        matches!(old, Err(WeChatError::InvalidCredentials(_))),
        "{old:?}"
    );
    let new = datong::crypto::Secret::new("rotated-secret".to_string());
    sb.client().classic_token(WEBSITE, &new).await.unwrap();
}

#[tokio::test]
async fn refresh_extends_or_replaces_the_user_token() {
    let sb = Sandboxed::start().await;
    let dan = sb.persona("Dan").await;
    let (code, _) = sb.qr_login(dan, WEBSITE, "x").await;
    let token = sb
        .client()
        .exchange_code(WEBSITE, &secret(), &code)
        .await
        .unwrap();
    let same = sb
        .client()
        .refresh_user_token(WEBSITE, &token.refresh_token)
        .await
        .unwrap();
    assert_eq!(
        same.access_token.expose(),
        token.access_token.expose(),
        "a live token is extended"
    );
    assert_eq!(same.openid, token.openid);

    sb.advance(Duration::hours(3));
    let stale = sb
        .client()
        .user_info(&token.access_token, &token.openid)
        .await;
    assert!(
        matches!(stale, Err(WeChatError::AccessTokenInvalid(ref r)) if r.errcode == 42001),
        "{stale:?}"
    );
    let fresh = sb
        .client()
        .refresh_user_token(WEBSITE, &token.refresh_token)
        .await
        .unwrap();
    assert_ne!(fresh.access_token.expose(), token.access_token.expose());
    sb.client()
        .user_info(&fresh.access_token, &fresh.openid)
        .await
        .unwrap();

    let bogus = datong::crypto::Secret::new("86_not-a-refresh-token".to_string());
    let bad = sb.client().refresh_user_token(WEBSITE, &bogus).await;
    assert!(
        matches!(bad, Err(WeChatError::RefreshTokenInvalid(ref r)) if r.errcode == 40030),
        "{bad:?}"
    );
    sb.advance(Duration::days(31));
    let old = sb
        .client()
        .refresh_user_token(WEBSITE, &token.refresh_token)
        .await;
    assert!(
        matches!(old, Err(WeChatError::RefreshTokenInvalid(ref r)) if r.errcode == 42002),
        "{old:?}"
    );
}

#[tokio::test]
async fn official_account_scopes_decide_what_the_token_can_see() {
    let sb = Sandboxed::start().await;
    let erin = sb.persona("Erin").await;
    sb.register(OFFICIAL, "official_account", None).await;

    let redirect = sb
        .authorize(erin, OFFICIAL, "snsapi_base", true)
        .await
        .unwrap()
        .unwrap();
    assert!(
        redirect.starts_with("https://oa.example.com/cb?"),
        "{redirect}"
    );
    assert_eq!(param(&redirect, "state").as_deref(), Some("xyz123"));
    let base = sb
        .client()
        .exchange_code(OFFICIAL, &secret(), &param(&redirect, "code").unwrap())
        .await
        .unwrap();
    assert_eq!(base.scope, "snsapi_base");
    assert_eq!(base.unionid, None, "snsapi_base yields the openid only");
    let denied = sb
        .client()
        .user_info(&base.access_token, &base.openid)
        .await;
    assert!(
        matches!(denied, Err(WeChatError::Unauthorized(ref r)) if r.errcode == 48001),
        "{denied:?}"
    );

    let redirect = sb
        .authorize(erin, OFFICIAL, "snsapi_userinfo", true)
        .await
        .unwrap()
        .unwrap();
    let full = sb
        .client()
        .exchange_code(OFFICIAL, &secret(), &param(&redirect, "code").unwrap())
        .await
        .unwrap();
    assert_eq!(full.openid, base.openid);
    assert!(full.unionid.is_some());
    assert_eq!(
        sb.client()
            .user_info(&full.access_token, &full.openid)
            .await
            .unwrap()
            .nickname,
        "Erin"
    );

    // Refusing: no redirect by default, `?state=` only with the switch.
    assert_eq!(
        sb.authorize(erin, OFFICIAL, "snsapi_userinfo", false)
            .await
            .unwrap(),
        None
    );
    sb.post("admin/api/switches", json!({"refusal_redirects": true}))
        .await;
    let refused = sb
        .authorize(erin, OFFICIAL, "snsapi_userinfo", false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(param(&refused, "code"), None);
    assert_eq!(param(&refused, "state").as_deref(), Some("xyz123"));

    // A snapshot-page user is virtual and refused by the client.
    let (_, p) = sb
        .patch(
            &format!("admin/api/personas/{erin}"),
            json!({"snapshot": true}),
        )
        .await;
    assert_eq!(p["snapshot"], true);
    let redirect = sb
        .authorize(erin, OFFICIAL, "snsapi_userinfo", true)
        .await
        .unwrap()
        .unwrap();
    let snap = sb
        .client()
        .exchange_code(OFFICIAL, &secret(), &param(&redirect, "code").unwrap())
        .await;
    assert!(matches!(snap, Err(WeChatError::SnapshotUser)), "{snap:?}");
}

#[tokio::test]
async fn authorize_page_checks_follow_the_documented_errors() {
    let sb = Sandboxed::start().await;
    let fay = sb.persona("Fay").await;
    sb.register(WEBSITE, "website", None).await;
    let refused = sb
        .authorize(fay, WEBSITE, "snsapi_base", true)
        .await
        .unwrap_err();
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("10016"),
        "{refused}"
    );
    sb.register(OFFICIAL, "official_account", None).await;
    let bad_scope = sb
        .authorize(fay, OFFICIAL, "snsapi_login", true)
        .await
        .unwrap_err();
    assert!(
        bad_scope["error"]["message"]
            .as_str()
            .unwrap()
            .contains("10005"),
        "{bad_scope}"
    );
    // Redirect domain enforced once configured.
    sb.patch(
        &format!("admin/api/apps/{OFFICIAL}"),
        json!({"redirect_domain": "other.example.com"}),
    )
    .await;
    let domain = sb
        .authorize(fay, OFFICIAL, "snsapi_base", true)
        .await
        .unwrap_err();
    assert!(
        domain["error"]["message"]
            .as_str()
            .unwrap()
            .contains("10003"),
        "{domain}"
    );

    // The HTML page shows WeChat's page errors.
    let (_, _, page) = sb
        .get("open/connect/oauth2/authorize?redirect_uri=x&scope=snsapi_base")
        .await;
    assert!(page.contains("10012"), "missing appid");
    let (_, _, page) = sb
        .get(&format!("open/connect/oauth2/authorize?scope=snsapi_base&appid={OFFICIAL}&redirect_uri=https%3A%2F%2Fother.example.com%2F&response_type=code"))
        .await;
    assert!(page.contains("parameters out of order"), "{page}");
    let (_, _, page) = sb
        .get(&format!("open/connect/qrconnect?appid={WEBSITE}&redirect_uri=javascript%3Aalert(1)&response_type=code&scope=snsapi_login"))
        .await;
    assert!(
        page.contains("该链接无法访问") && !page.contains("javascript:alert"),
        "{page}"
    );
}

#[tokio::test]
async fn mobile_app_login_uses_the_same_exchange() {
    let sb = Sandboxed::start().await;
    let gus = sb.persona("Gus").await;
    sb.register(MOBILE, "mobile_app", None).await;
    let (s, v) = sb
        .post(
            "phone/api/app_auth",
            json!({"persona_id": gus, "appid": MOBILE, "state": "app-state"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["err_code"], 0);
    assert_eq!(v["state"], "app-state");
    let token = sb
        .client()
        .exchange_code(MOBILE, &secret(), v["code"].as_str().unwrap())
        .await
        .unwrap();
    assert!(token.unionid.is_some());
    let (_, v) = sb
        .post(
            "phone/api/app_auth",
            json!({"persona_id": gus, "appid": MOBILE, "allow": false}),
        )
        .await;
    assert_eq!(v["err_code"], -4, "ERR_AUTH_DENIED");
}
