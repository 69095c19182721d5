//! `sns/*`: the OAuth code exchange, refresh, user info, token check (§2.4–2.7, §3) and the
//! mini-program `jscode2session` (§4.2).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;

use super::{Params, app_and_persona, credentials};
use crate::sandbox::entities::{app, persona};
use crate::sandbox::live::{
    CodeFailure, CodeGrant, Live, REFRESH_LIFETIME, RefreshGrant, TOKEN_LIFETIME, UserToken,
};
use crate::sandbox::reply::{Family, json_body};
use crate::sandbox::world::AppKind;
use crate::sandbox::{SharedSandbox, ids, origin};

const FAMILY: Family = Family::Sns;

/// Per-user `jscode2session` limit per minute (§4.2).
const JSCODE_PER_MINUTE: u32 = 100;

macro_rules! fail {
    ($sb:expr, $code:expr) => {
        return $sb.fail($code, FAMILY)
    };
}

#[derive(Serialize)]
struct TokenBody {
    access_token: String,
    expires_in: i64,
    refresh_token: String,
    openid: String,
    scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_snapshotuser: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unionid: Option<String>,
}

fn code_failure(sb: &SharedSandbox, failure: CodeFailure) -> i64 {
    match failure {
        CodeFailure::Used => 40163,
        CodeFailure::Expired if sb.live().faults.switches.expired_code_42003 == Some(true) => 42003,
        CodeFailure::Expired | CodeFailure::Invalid => 40029,
    }
}

/// Which code a login exchange redeems.
#[derive(Clone, Copy)]
enum Codes {
    OAuth,
    JsLogin,
}

/// The common part of `oauth2/access_token` and `jscode2session`, in WeChat's order: the app's
/// credentials, the code parameter (`code_param`), `grant_type=authorization_code`, then the
/// single-use code itself and the persona behind it.
async fn redeem(
    sb: &SharedSandbox,
    q: &Params,
    kind: AppKind,
    code_param: &str,
    codes: Codes,
) -> Result<(app::Model, CodeGrant, persona::Model), i64> {
    let app = credentials(sb, q.get("appid"), q.get("secret"), kind).await?;
    if q.get(code_param).is_empty() {
        return Err(41008);
    }
    if q.get("grant_type") != "authorization_code" {
        return Err(40002);
    }
    let now = sb.now();
    let redeemed = {
        let mut live = sb.live();
        let map = match codes {
            Codes::OAuth => &mut live.oauth_codes,
            Codes::JsLogin => &mut live.js_codes,
        };
        Live::redeem(map, q.get(code_param), &app.appid, now)
    };
    let grant = redeemed.map_err(|f| code_failure(sb, f))?;
    match sb.world.persona(grant.persona).await {
        Ok(Some(p)) => Ok((app, grant, p)),
        Ok(None) => Err(40029),
        Err(_) => Err(-1),
    }
}

pub async fn access_token(
    State(sb): State<SharedSandbox>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(code) = sb.knobs("sns/oauth2/access_token").await {
        fail!(sb, code);
    }
    let q = Params::new(q);
    let now = sb.now();
    let (app, grant, persona) = match redeem(&sb, &q, AppKind::Unknown, "code", Codes::OAuth).await
    {
        Ok(x) => x,
        Err(code) => fail!(sb, code),
    };
    let identity = sb.world.identity(&app, &persona);
    let access = ids::token(86, 96);
    let refresh = ids::token(86, 96);
    {
        let mut live = sb.live();
        live.user_tokens.insert(
            access.clone(),
            UserToken {
                appid: app.appid.clone(),
                persona: persona.id,
                scope: grant.scope.clone(),
                expires: now + TOKEN_LIFETIME,
            },
        );
        live.refresh_tokens.insert(
            refresh.clone(),
            RefreshGrant {
                appid: app.appid.clone(),
                persona: persona.id,
                scope: grant.scope.clone(),
                expires: now + REFRESH_LIFETIME,
                access_token: access.clone(),
            },
        );
        live.sweep(now);
    }
    let snapshot_flag = app.kind == AppKind::OfficialAccount.as_str()
        || sb
            .live()
            .faults
            .switches
            .snapshot_everywhere
            .unwrap_or(false);
    // snsapi_base yields the openid only (§3, §9).
    let unionid = if grant.scope == "snsapi_base" {
        None
    } else {
        identity.unionid
    };
    json_body(
        &TokenBody {
            access_token: access,
            expires_in: TOKEN_LIFETIME.num_seconds(),
            refresh_token: refresh,
            openid: identity.openid,
            scope: grant.scope,
            is_snapshotuser: snapshot_flag.then_some(u8::from(persona.snapshot)),
            unionid,
        },
        FAMILY,
        sb.dress(),
    )
}

#[derive(Serialize)]
struct RefreshBody {
    access_token: String,
    expires_in: i64,
    refresh_token: String,
    openid: String,
    scope: String,
}

pub async fn refresh_token(
    State(sb): State<SharedSandbox>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(code) = sb.knobs("sns/oauth2/refresh_token").await {
        fail!(sb, code);
    }
    let q = Params::new(q);
    let now = sb.now();
    let appid = q.get("appid");
    if appid.is_empty() {
        fail!(sb, 41002);
    }
    if !ids::is_appid(appid) {
        fail!(sb, 40013);
    }
    if q.get("grant_type") != "refresh_token" {
        fail!(sb, 40002);
    }
    let token = q.get("refresh_token");
    if token.is_empty() {
        fail!(sb, 41003);
    }
    let (grant, access) = {
        let mut live = sb.live();
        let Some(grant) = live.refresh_tokens.get(token).cloned() else {
            drop(live);
            fail!(sb, 40030);
        };
        if grant.appid != appid {
            drop(live);
            fail!(sb, 40030);
        }
        if now > grant.expires {
            drop(live);
            fail!(sb, 42002);
        }
        // A live token gets a longer life; an expired one is replaced.
        let access = match live.user_tokens.get_mut(&grant.access_token) {
            Some(t) if now <= t.expires => {
                t.expires = now + TOKEN_LIFETIME;
                grant.access_token.clone()
            }
            _ => {
                let fresh = ids::token(86, 96);
                live.user_tokens.insert(
                    fresh.clone(),
                    UserToken {
                        appid: grant.appid.clone(),
                        persona: grant.persona,
                        scope: grant.scope.clone(),
                        expires: now + TOKEN_LIFETIME,
                    },
                );
                if let Some(g) = live.refresh_tokens.get_mut(token) {
                    g.access_token = fresh.clone();
                }
                fresh
            }
        };
        (grant, access)
    };
    let app = match sb.world.app(appid).await {
        Ok(Some(a)) => a,
        Ok(None) => fail!(sb, 40030),
        Err(_) => fail!(sb, -1),
    };
    let persona = match sb.world.persona(grant.persona).await {
        Ok(Some(p)) => p,
        Ok(None) => fail!(sb, 40030),
        Err(_) => fail!(sb, -1),
    };
    json_body(
        &RefreshBody {
            access_token: access,
            expires_in: TOKEN_LIFETIME.num_seconds(),
            refresh_token: token.to_string(),
            openid: sb.world.identity(&app, &persona).openid,
            scope: grant.scope,
        },
        FAMILY,
        sb.dress(),
    )
}

/// The user token's grant, or the errcode for it (`invalid` is the code for an unknown token).
fn user_token(sb: &SharedSandbox, token: &str, invalid: i64) -> Result<UserToken, i64> {
    if token.is_empty() {
        return Err(41001);
    }
    let now = sb.now();
    match sb.live().user_tokens.get(token) {
        None => Err(invalid),
        Some(t) if now > t.expires => Err(42001),
        Some(t) => Ok(t.clone()),
    }
}

#[derive(Serialize)]
struct UserInfoBody {
    openid: String,
    nickname: String,
    sex: u8,
    province: String,
    city: String,
    country: String,
    headimgurl: String,
    privilege: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unionid: Option<String>,
}

pub async fn userinfo(
    State(sb): State<SharedSandbox>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(code) = sb.knobs("sns/userinfo").await {
        fail!(sb, code);
    }
    let q = Params::new(q);
    let token = match user_token(&sb, q.get("access_token"), 40001) {
        Ok(t) => t,
        Err(code) => fail!(sb, code),
    };
    if q.get("openid").is_empty() {
        fail!(sb, 41009);
    }
    let (app, persona) = match app_and_persona(&sb, &token.appid, token.persona, 40001).await {
        Ok(x) => x,
        Err(code) => fail!(sb, code),
    };
    let identity = sb.world.identity(&app, &persona);
    if q.get("openid") != identity.openid {
        fail!(sb, 40003);
    }
    if token.scope == "snsapi_base" {
        fail!(sb, 48001);
    }
    // Since 2021-10 gender and region are blank; snapshot users see a virtual profile.
    let (nickname, headimgurl) = if persona.snapshot {
        ("微信用户".to_string(), String::new())
    } else {
        (
            persona.nickname.clone(),
            format!(
                "{}/sandbox/wechat/avatar/{}/132",
                origin(&headers),
                persona.id
            ),
        )
    };
    json_body(
        &UserInfoBody {
            openid: identity.openid,
            nickname,
            sex: 0,
            province: String::new(),
            city: String::new(),
            country: String::new(),
            headimgurl,
            privilege: Vec::new(),
            unionid: identity.unionid,
        },
        FAMILY,
        sb.dress(),
    )
}

pub async fn auth(
    State(sb): State<SharedSandbox>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(code) = sb.knobs("sns/auth").await {
        fail!(sb, code);
    }
    let q = Params::new(q);
    let token = match user_token(&sb, q.get("access_token"), 40014) {
        Ok(t) => t,
        Err(code) => fail!(sb, code),
    };
    if q.get("openid").is_empty() {
        fail!(sb, 41009);
    }
    let (app, persona) = match app_and_persona(&sb, &token.appid, token.persona, 40014).await {
        Ok(x) => x,
        Err(code) => fail!(sb, code),
    };
    if q.get("openid") != sb.world.identity(&app, &persona).openid {
        fail!(sb, 40003);
    }
    json_body(
        &serde_json::json!({"errcode": 0, "errmsg": "ok"}),
        FAMILY,
        sb.dress(),
    )
}

/// `session_key` first, as real answers have it.
#[derive(Serialize)]
struct SessionBody {
    session_key: String,
    openid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    unionid: Option<String>,
}

pub async fn jscode2session(
    State(sb): State<SharedSandbox>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(code) = sb.knobs("sns/jscode2session").await {
        fail!(sb, code);
    }
    let q = Params::new(q);
    let now = sb.now();
    let appid = q.get("appid");
    if appid.is_empty() {
        fail!(sb, 41002);
    }
    // DevTools' tourist mode: its mock codes never work.
    if appid == "touristappid" {
        fail!(sb, 40029);
    }
    let (app, _, persona) =
        match redeem(&sb, &q, AppKind::MiniProgram, "js_code", Codes::JsLogin).await {
            Ok(x) => x,
            Err(code) => fail!(sb, code),
        };
    if persona.blocked {
        fail!(sb, 40226);
    }
    let session_key = {
        let mut live = sb.live();
        if !live.take_minute(&app.appid, persona.id, JSCODE_PER_MINUTE, now) {
            drop(live);
            fail!(sb, 45011);
        }
        live.sweep(now);
        live.session_keys
            .entry((app.appid.clone(), persona.id))
            .or_insert_with(ids::session_key)
            .clone()
    };
    let identity = sb.world.identity(&app, &persona);
    json_body(
        &SessionBody {
            session_key,
            openid: identity.openid,
            unionid: identity.unionid,
        },
        FAMILY,
        sb.dress(),
    )
}
