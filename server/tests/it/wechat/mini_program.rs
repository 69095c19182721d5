//! Mini-program login, unionid rules across accounts, phone numbers, mini-program codes.

use chrono::Duration;
use datong::wechat::WeChatError;
use datong::wechat::decrypt::{DecryptError, decrypt};
use datong::wechat::media::ImageKind;
use datong::wechat::miniprogram::CodeRequest;
use serde_json::json;

use super::harness::*;

#[tokio::test]
async fn wx_login_code_gives_openid_unionid_and_session_key() {
    let sb = Sandboxed::start().await;
    let hana = sb.persona("Hana").await;
    let code = sb.js_code(hana, MINI).await;
    let session = sb
        .client()
        .code_to_session(MINI, &secret(), &code)
        .await
        .unwrap();
    assert_eq!(session.openid.len(), 28);
    assert_eq!(session.session_key.expose().len(), 24);
    assert!(session.session_key.expose().ends_with("=="));
    let unionid = session.unionid.clone().unwrap();

    let reused = sb.client().code_to_session(MINI, &secret(), &code).await;
    assert!(
        matches!(reused, Err(WeChatError::CodeUsed(_))),
        "{reused:?}"
    );

    // The same person in a website app of the same account: another openid, the same unionid.
    let (web_code, _) = sb.qr_login(hana, WEBSITE, "s").await;
    let web = sb
        .client()
        .exchange_code(WEBSITE, &secret(), &web_code)
        .await
        .unwrap();
    assert_ne!(web.openid, session.openid);
    assert_eq!(web.unionid.as_deref(), Some(unionid.as_str()));

    // Moving the mini program to another subject changes its unionid; no subject, none.
    let (_, account) = sb
        .post("admin/api/accounts", json!({"name": "Second subject"}))
        .await;
    sb.patch(
        &format!("admin/api/apps/{MINI}"),
        json!({"account_id": account["id"]}),
    )
    .await;
    let moved = sb
        .client()
        .code_to_session(MINI, &secret(), &sb.js_code(hana, MINI).await)
        .await
        .unwrap();
    assert_eq!(
        moved.openid, session.openid,
        "the openid belongs to the app"
    );
    assert_ne!(moved.unionid.as_deref(), Some(unionid.as_str()));
    sb.patch(
        &format!("admin/api/apps/{MINI}"),
        json!({"account_id": null}),
    )
    .await;
    let unbound = sb
        .client()
        .code_to_session(MINI, &secret(), &sb.js_code(hana, MINI).await)
        .await
        .unwrap();
    assert_eq!(unbound.unionid, None);
}

#[tokio::test]
async fn mini_program_login_errors() {
    let sb = Sandboxed::start().await;
    let ivan = sb.persona("Ivan").await;
    let code = sb.js_code(ivan, MINI).await;
    sb.advance(Duration::minutes(5) + Duration::seconds(1));
    let expired = sb.client().code_to_session(MINI, &secret(), &code).await;
    assert!(
        matches!(expired, Err(WeChatError::InvalidCode(_))),
        "{expired:?}"
    );

    let tourist = sb
        .client()
        .code_to_session("touristappid", &secret(), "the code is a mock one")
        .await;
    assert!(
        matches!(tourist, Err(WeChatError::InvalidCode(_))),
        "{tourist:?}"
    );

    sb.patch(
        &format!("admin/api/personas/{ivan}"),
        json!({"blocked": true}),
    )
    .await;
    let blocked = sb
        .client()
        .code_to_session(MINI, &secret(), &sb.js_code(ivan, MINI).await)
        .await;
    assert!(
        matches!(blocked, Err(WeChatError::CodeBlocked(ref r)) if r.errcode == 40226),
        "{blocked:?}"
    );
}

#[tokio::test]
async fn session_key_rotation_and_encrypted_data() {
    let sb = Sandboxed::start().await;
    let jo = sb.persona("Jo").await;
    let first = sb
        .client()
        .code_to_session(MINI, &secret(), &sb.js_code(jo, MINI).await)
        .await
        .unwrap();
    let same = sb
        .client()
        .code_to_session(MINI, &secret(), &sb.js_code(jo, MINI).await)
        .await
        .unwrap();
    assert_eq!(same.session_key.expose(), first.session_key.expose());
    let (_, sealed) = sb
        .post(
            "phone/api/encrypted_phone",
            json!({"persona_id": jo, "appid": MINI}),
        )
        .await;
    let (data, iv) = (
        sealed["encryptedData"].as_str().unwrap(),
        sealed["iv"].as_str().unwrap(),
    );
    let plain = decrypt(first.session_key.expose(), iv, data, MINI).unwrap();
    assert_eq!(plain["purePhoneNumber"], "13800138000");
    assert_eq!(
        decrypt(first.session_key.expose(), iv, data, WEBSITE),
        Err(DecryptError::WatermarkMismatch)
    );
    let (_, foreign) = sb
        .post(
            "phone/api/encrypted_phone",
            json!({"persona_id": jo, "appid": MINI, "watermark_appid": WEBSITE}),
        )
        .await;
    assert_eq!(
        decrypt(
            first.session_key.expose(),
            foreign["iv"].as_str().unwrap(),
            foreign["encryptedData"].as_str().unwrap(),
            MINI
        ),
        Err(DecryptError::WatermarkMismatch)
    );

    sb.post(
        "admin/api/session_keys/rotate",
        json!({"appid": MINI, "persona_id": jo}),
    )
    .await;
    // Data sealed under the new key no longer opens with the old one.
    let (_, after) = sb
        .post(
            "phone/api/encrypted_phone",
            json!({"persona_id": jo, "appid": MINI}),
        )
        .await;
    assert!(
        decrypt(
            first.session_key.expose(),
            after["iv"].as_str().unwrap(),
            after["encryptedData"].as_str().unwrap(),
            MINI
        )
        .is_err()
    );
    let rotated = sb
        .client()
        .code_to_session(MINI, &secret(), &sb.js_code(jo, MINI).await)
        .await
        .unwrap();
    assert_ne!(rotated.session_key.expose(), first.session_key.expose());
}

#[tokio::test]
async fn phone_numbers_come_with_the_server_token() {
    let sb = Sandboxed::start().await;
    let kim = sb.persona("Kim").await;
    let session = sb
        .client()
        .code_to_session(MINI, &secret(), &sb.js_code(kim, MINI).await)
        .await
        .unwrap();
    let code = sb.phone_code(kim, MINI).await;
    assert_eq!(code.len(), 64);
    let client = sb.client().clone();
    let phone = sb
        .wechat()
        .with_token(MINI, &secret(), |t| {
            let client = client.clone();
            let code = code.clone();
            let openid = session.openid.clone();
            async move { client.phone_number(&t, &code, Some(&openid)).await }
        })
        .await
        .unwrap();
    assert_eq!(phone.pure_phone_number, "13800138000");
    assert_eq!(phone.country_code, "86");
    assert_eq!(phone.appid, MINI, "watermark");

    let token = sb.wechat().token(MINI, &secret()).await.unwrap();
    let reused = sb.client().phone_number(&token, &code, None).await;
    assert!(
        matches!(reused, Err(WeChatError::InvalidCode(_))),
        "{reused:?}"
    );

    // A code issued to another mini program.
    let other = "wx3000000000000099";
    let foreign = sb.phone_code(kim, other).await;
    let wrong_app = sb.client().phone_number(&token, &foreign, None).await;
    assert!(
        matches!(wrong_app, Err(WeChatError::InvalidAppId(_))),
        "{wrong_app:?}"
    );

    let code = sb.phone_code(kim, MINI).await;
    let mismatch = sb
        .client()
        .phone_number(&token, &code, Some("o_someone_else_000000000000"))
        .await;
    assert!(
        matches!(mismatch, Err(WeChatError::InvalidOpenId(_))),
        "{mismatch:?}"
    );
}

#[tokio::test]
async fn unlimited_codes_are_images_or_typed_errors() {
    let sb = Sandboxed::start().await;
    let token = sb.wechat().token(MINI, &secret()).await.unwrap();
    let mut req = CodeRequest {
        scene: "t=abc123".into(),
        page: Some("pages/login/index".into()),
        check_path: false,
        env_version: "release".into(),
        width: 430,
        is_hyaline: false,
    };
    let jpeg = sb.client().unlimited_code(&token, &req).await.unwrap();
    assert_eq!(jpeg.kind, ImageKind::Jpeg);
    req.is_hyaline = true;
    assert_eq!(
        sb.client().unlimited_code(&token, &req).await.unwrap().kind,
        ImageKind::Png
    );

    req.scene = "x".repeat(33);
    let long = sb.client().unlimited_code(&token, &req).await;
    assert!(
        matches!(long, Err(WeChatError::InvalidRequest(ref r)) if r.errcode == 40169),
        "{long:?}"
    );
    req.scene = "中文".into();
    let chars = sb.client().unlimited_code(&token, &req).await;
    assert!(
        matches!(chars, Err(WeChatError::InvalidRequest(ref r)) if r.errcode == 40129),
        "{chars:?}"
    );
    req.scene = "ok".into();
    req.page = Some("/pages/index".into());
    let page = sb.client().unlimited_code(&token, &req).await;
    assert!(
        matches!(page, Err(WeChatError::InvalidRequest(ref r)) if r.errcode == 41030),
        "{page:?}"
    );
    req.page = None;
    req.env_version = "release_error".into();
    let env = sb.client().unlimited_code(&token, &req).await;
    assert!(
        matches!(env, Err(WeChatError::InvalidRequest(ref r)) if r.errcode == 40097),
        "{env:?}"
    );
}
