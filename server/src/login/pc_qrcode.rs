//! Website QR login (`pc_qrcode`). Start: a fresh single-use `state`, bound to this browser by
//! a cookie, and off to WeChat's `connect/qrconnect`. Finish: the callback checks the state,
//! exchanges the code, reads the profile, decides who the person is and continues the OIDC
//! flow. A repeated callback (refresh, duplicated redirect) ends in the same login without
//! spending the WeChat code twice.

use std::collections::HashMap;

use app::backend::RequestMeta;
use app::model::SourceMode;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sea_orm::Set;

use super::page::problem;
use super::{unavailable, with_cookie};
use crate::crypto::token::{random_token, token_hash};
use crate::identity::{Observed, Sighting};
use crate::state::AppState;
use crate::store::entities::login_attempt;
use crate::store::{auth_requests, logins};
use crate::wechat::WeChatError;
use crate::wechat::sns::QrConnect;

/// How long a person has between clicking the button and WeChat's callback.
fn attempt_ttl() -> chrono::Duration {
    chrono::Duration::minutes(10)
}

fn callback_path(identifier: &str) -> String {
    format!("/login/wechat/{identifier}/callback")
}

/// `GET /login/wechat/{identifier}?request=…`: off to WeChat with a fresh state. For a source
/// with the embedded QR this is the `src` of the login page's iframe: the redirect then loads
/// WeChat's iframe variant, and WeChat sends the top window to the callback.
pub async fn start(
    State(state): State<AppState>,
    Path(identifier): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let now = state.clock.now();
    let request_id = q.get("request").map(String::as_str).unwrap_or("");
    let req = match auth_requests::live(&state.db, request_id, now).await {
        Ok(Some(r)) => r,
        Ok(None) => return expired_request(),
        Err(e) => return unavailable(e),
    };
    let back = format!("/login?request={request_id}");
    let (source, credentials) = match state.catalog.source_for_login(&identifier).await {
        Ok(Some(found)) => found,
        Ok(None) => return unknown_source(&back),
        Err(e) => return unavailable(e),
    };
    if !source.enabled || !source.applications.contains(&req.application_id) {
        return unknown_source(&back);
    }
    if source.mode == SourceMode::PcMiniprogramQrcode {
        return super::mp_qrcode::page(request_id, &source, prefers_chinese(&headers));
    }
    if source.mode != SourceMode::PcQrcode {
        return problem(
            StatusCode::NOT_IMPLEMENTED,
            "This way of logging in is not available yet; choose another.",
            "此登录方式暂未开放，请选择其他方式。",
            Some(&back),
        );
    }
    let Some((appid, _)) = credentials else {
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "This identity source has no WeChat AppID and AppSecret configured.",
            "此身份源未配置微信 AppID 与 AppSecret。",
            Some(&back),
        );
    };
    let browser = super::Browser::of(&headers);
    let wechat_state = random_token();
    let row = login_attempt::ActiveModel {
        id: Set(token_hash(&wechat_state)),
        request_id: Set(req.id.clone()),
        source_id: Set(source.id),
        browser_hash: Set(browser.hash()),
        created_at: Set(now),
        expires_at: Set(now + attempt_ttl()),
        code_hash: Set(None),
        user_id: Set(None),
        outcome: Set(None),
    };
    if let Err(e) = logins::insert_attempt(&state.db, row).await {
        return unavailable(e);
    }
    let redirect_uri = format!("{}{}", state.issuer, callback_path(&identifier));
    let url = state.wechat.client().qrconnect_url(&QrConnect {
        appid: &appid,
        redirect_uri: &redirect_uri,
        state: &wechat_state,
        english: !prefers_chinese(&headers),
        embedded: source.embedded_qr,
    });
    let cookie = browser.cookie(&state);
    with_cookie(Redirect::to(&url).into_response(), &cookie)
}

fn prefers_chinese(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|first| first.trim().to_ascii_lowercase().starts_with("zh"))
}

pub(super) fn expired_request() -> Response {
    problem(
        StatusCode::BAD_REQUEST,
        "This login has expired or was never started here. Go back to the application and sign in again.",
        "此次登录已过期或不存在，请返回应用重新登录。",
        None,
    )
}

fn unknown_source(back: &str) -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "This way of logging in is not offered for this application.",
        "此应用未提供这种登录方式。",
        Some(back),
    )
}

/// `GET /login/wechat/{identifier}/callback?code=…&state=…`.
pub async fn callback(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Path(identifier): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut who = super::attempt(&meta, &headers);
    who.source_identifier = Some(identifier.clone());
    who.mode = Some(SourceMode::PcQrcode.as_str().to_string());
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(wechat_state) = get("state") else {
        super::record(&state, &who, "state_missing", None, None).await;
        return problem(
            StatusCode::BAD_REQUEST,
            "WeChat sent no state back, so this login cannot be trusted. Start again.",
            "微信未返回 state，无法确认此次登录，请重新开始。",
            None,
        );
    };
    let id = token_hash(wechat_state);
    let attempt = match logins::attempt(&state.db, &id).await {
        Ok(Some(a)) if a.expires_at > state.clock.now() => a,
        Ok(_) => {
            super::record(&state, &who, "state_unknown", None, None).await;
            return expired_request();
        }
        Err(e) => return unavailable(e),
    };
    if super::browser_hash(&headers).as_deref() != Some(attempt.browser_hash.as_str()) {
        super::record(&state, &who, "state_mismatch", None, None).await;
        return problem(
            StatusCode::BAD_REQUEST,
            "This login was started in another browser. Start again here.",
            "此次登录是在其他浏览器中发起的，请在本浏览器重新开始。",
            None,
        );
    }
    // The path names the source the attempt was started for, or the callback is not ours.
    match state.catalog.get_source(attempt.source_id).await {
        Ok(source) if source.identifier == identifier => {}
        Ok(_) => {
            super::record(
                &state,
                &who,
                "state_mismatch",
                Some("another source's callback".into()),
                None,
            )
            .await;
            return expired_request();
        }
        Err(e) => return unavailable(e),
    }
    super::finish::wechat_callback(&state, who, attempt, get("code")).await
}

pub(super) async fn exchange(
    state: &AppState,
    credentials: &crate::catalog::Credentials,
    code: &str,
) -> Result<Sighting, WeChatError> {
    let client = state.wechat.client();
    let token = client
        .exchange_code(&credentials.0, &credentials.1, code)
        .await?;
    let info = client.user_info(&token.access_token, &token.openid).await?;
    let observed = Observed {
        nickname: Some(info.nickname.clone()),
        avatar: Some(info.headimgurl.clone()),
        sex: u8::try_from(info.sex).ok(),
        country: Some(info.country.clone()),
        province: Some(info.province.clone()),
        city: Some(info.city.clone()),
        language: None,
        phone: None,
    };
    Ok(Sighting {
        appid: credentials.0.clone(),
        openid: token.openid,
        unionid: token.unionid.or(info.unionid.clone()),
        observed,
        raw: serde_json::json!({
            "openid": info.openid,
            "nickname": info.nickname,
            "sex": info.sex,
            "province": info.province,
            "city": info.city,
            "country": info.country,
            "headimgurl": info.headimgurl,
            "unionid": info.unionid,
        }),
    })
}
