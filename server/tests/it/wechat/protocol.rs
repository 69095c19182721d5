//! The sandbox's wire format, byte for byte where WeChat's has quirks (§1, §11 rows 1–3).

use serde_json::{Value, json};

use super::harness::*;

#[tokio::test]
async fn answers_carry_wechats_quirks() {
    let sb = Sandboxed::start().await;
    let may = sb.persona("May").await;
    // sns: text/plain, `, rid:` suffix, HTTP 200 on errors.
    let (status, ct, body) = sb
        .get(&format!("api/sns/jscode2session?appid={MINI}&secret={SECRET}&js_code=nope&grant_type=authorization_code"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(ct, "text/plain");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["errcode"], 40029);
    let msg = v["errmsg"].as_str().unwrap();
    let rid = msg.strip_prefix("invalid code, rid: ").expect(msg);
    let groups: Vec<&str> = rid.split('-').collect();
    assert_eq!(groups.len(), 3);
    assert!(
        groups
            .iter()
            .all(|g| g.len() == 8 && g.chars().all(|c| c.is_ascii_hexdigit()))
    );
    assert_eq!(
        i64::from_str_radix(groups[0], 16).unwrap(),
        crate::support::start_time().timestamp(),
        "group 1 is the (sandbox) Unix time"
    );

    // Success: no errcode, session_key first, escaped slashes.
    let code = sb.js_code(may, MINI).await;
    let (_, _, body) = sb
        .get(&format!("api/sns/jscode2session?appid={MINI}&secret={SECRET}&js_code={code}&grant_type=authorization_code"))
        .await;
    assert!(body.starts_with("{\"session_key\":"), "{body}");
    assert!(!body.contains("errcode"), "{body}");
    assert!(
        !body.replace("\\/", "").contains('/'),
        "unescaped slash: {body}"
    );

    // cgi-bin: application/json, ` rid:` without a comma; the appid is checked first.
    let (_, ct, body) = sb.get("api/cgi-bin/token?appid=bad").await;
    assert!(ct.starts_with("application/json"), "{ct}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["errcode"], 40013);
    assert!(
        v["errmsg"]
            .as_str()
            .unwrap()
            .starts_with("invalid appid rid: "),
        "{v}"
    );
    let (_, _, body) = sb
        .get(&format!("api/cgi-bin/token?appid={MINI}&secret={SECRET}"))
        .await;
    assert!(body.contains("40002"), "grant_type after the appid: {body}");

    // sns/auth and getuserphonenumber send errcode 0 with "ok".
    let (code, _) = sb.qr_login(may, WEBSITE, "s").await;
    let token = sb
        .client()
        .exchange_code(WEBSITE, &secret(), &code)
        .await
        .unwrap();
    let (_, _, body) = sb
        .get(&format!(
            "api/sns/auth?access_token={}&openid={}",
            token.access_token.expose(),
            token.openid
        ))
        .await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"errcode": 0, "errmsg": "ok"})
    );
    let (_, _, body) = sb
        .get(&format!(
            "api/sns/userinfo?access_token={}&openid={}",
            token.access_token.expose(),
            token.openid
        ))
        .await;
    assert!(
        body.contains("\"headimgurl\":\"http:\\/\\/"),
        "escaped: {body}"
    );
    assert!(!body.contains("language"), "{body}");
}

#[tokio::test]
async fn content_type_and_errcode_switches_do_not_confuse_the_client() {
    let sb = Sandboxed::start().await;
    let ned = sb.persona("Ned").await;
    sb.post(
        "admin/api/switches",
        json!({"sns_text_plain": false, "string_errcode": true}),
    )
    .await;
    let code = sb.js_code(ned, MINI).await;
    let (_, ct, body) = sb
        .get(&format!("api/sns/jscode2session?appid={MINI}&secret={SECRET}&js_code=bad&grant_type=authorization_code"))
        .await;
    assert!(ct.starts_with("application/json"));
    assert!(body.contains("\"errcode\":\"40029\""), "{body}");
    let err = sb
        .client()
        .code_to_session(MINI, &secret(), "bad")
        .await
        .unwrap_err();
    assert_eq!(err.errcode(), Some(40029));
    sb.client()
        .code_to_session(MINI, &secret(), &code)
        .await
        .unwrap();
}

#[tokio::test]
async fn qr_login_page_is_a_real_scannable_page() {
    let sb = Sandboxed::start().await;
    let query = format!(
        "appid={WEBSITE}&redirect_uri={}&response_type=code&scope=snsapi_login&state=abc&lang=en",
        form_urlencoded::byte_serialize(b"https://rp.example.com/cb").collect::<String>()
    );
    let (_, ct, page) = sb.get(&format!("open/connect/qrconnect?{query}")).await;
    assert!(ct.starts_with("text/html"));
    assert!(
        page.contains("<svg") && page.contains("Scan with WeChat"),
        "{page}"
    );
    let scan = scan_url(&page);
    assert!(
        scan.starts_with(&sb.base) && scan.contains("/open/connect/confirm?uuid="),
        "{scan}"
    );
    // Denial: no redirect, status 403 on the poll.
    let nia = sb.persona("Nia").await;
    let uuid = scan.split("uuid=").nth(1).unwrap();
    sb.post("phone/api/scan", json!({"persona_id": nia, "url": scan}))
        .await;
    sb.post("phone/api/deny", json!({"persona_id": nia, "uuid": uuid}))
        .await;
    let (_, _, poll) = sb
        .get(&format!("open/connect/l/qrconnect?uuid={uuid}"))
        .await;
    assert_eq!(poll, "window.wx_errcode=403;window.wx_code='';");
    // Expiry.
    let (_, _, page) = sb.get(&format!("open/connect/qrconnect?{query}")).await;
    let uuid = scan_url(&page).split("uuid=").nth(1).unwrap().to_string();
    sb.advance(chrono::Duration::minutes(6));
    let (_, _, poll) = sb
        .get(&format!("open/connect/l/qrconnect?uuid={uuid}"))
        .await;
    assert!(poll.contains("402"), "{poll}");
    let (status, v) = sb
        .post(
            "phone/api/scan",
            json!({"persona_id": nia, "url": scan_url(&page)}),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(v["error"]["code"], "qr_expired");
    // Bad phone input gets a JSON error with a stable code.
    let (status, v) = sb.post("phone/api/personas", json!({"nickname": ""})).await;
    assert_eq!(status, 400);
    assert_eq!(v["error"]["code"], "invalid_request");
    let (status, v) = sb
        .post("phone/api/scan", json!({"persona_id": 999, "url": "x"}))
        .await;
    assert_eq!(status, 404);
    assert_eq!(v["error"]["code"], "persona_not_found");
}
