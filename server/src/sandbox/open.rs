//! `open.weixin.qq.com`: the website QR login page (`connect/qrconnect`, §2.1–2.3) and the
//! in-WeChat authorization page (`connect/oauth2/authorize`, §3), with their parameter checks
//! and error pages. The phone (a page or its JSON API) scans and answers.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Form, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::html::{error_page, esc, js, page};
use super::live::{
    PendingConsent, QR_LIFETIME, QrLogin, QrStatus, SHORT_CODE_LIFETIME, WEBSITE_CODE_LIFETIME,
};
use super::world::AppKind;
use super::{MOUNT, Sandbox, SharedSandbox, ids, origin};
use crate::web::qr::qr_svg;

/// At most this many QR logins and consent pages wait at once.
const MAX_PENDING: usize = 100_000;

/// The cookie that tells the in-WeChat pages which persona holds the phone.
pub const PERSONA_COOKIE: &str = "datong_sandbox_persona";

pub fn router() -> Router<SharedSandbox> {
    Router::new()
        .route("/connect/qrconnect", get(qrconnect))
        .route("/connect/l/qrconnect", get(poll))
        .route("/connect/confirm", get(confirm_page))
        .route("/connect/oauth2/authorize", get(authorize))
        .route("/connect/oauth2/authorize/decide", post(decide))
}

/// A page error: WeChat's code (if it has one) and text.
pub type PageError = (Option<u32>, String);

fn page_error(code: Option<u32>, text: &str) -> PageError {
    (code, text.to_string())
}

/// `redirect_uri` must be an absolute http(s) URL under the app's callback domain. An app
/// without one (registered on first use) takes the host of its first redirect as its domain,
/// the way a developer would have configured it: later redirects elsewhere are refused.
async fn pinned_redirect(
    sb: &Sandbox,
    app: &super::entities::app::Model,
    raw: &str,
) -> Result<url::Url, ()> {
    let url = check_redirect(raw, app.redirect_domain.as_deref())?;
    if app.redirect_domain.is_none() {
        let host = url.host_str().ok_or(())?;
        let domain = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        let change = super::world::AppChange {
            redirect_domain: Some(Some(domain)),
            ..Default::default()
        };
        sb.world
            .update_app(&app.appid, change)
            .await
            .map_err(|_| ())?;
    }
    Ok(url)
}

/// `redirect_uri` must be an absolute http(s) URL; when the app has a callback domain, its
/// host must equal it (a port in the domain must match too).
fn check_redirect(raw: &str, domain: Option<&str>) -> Result<url::Url, ()> {
    let url = url::Url::parse(raw).map_err(|_| ())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(());
    }
    let host = url.host_str().ok_or(())?;
    if let Some(domain) = domain.filter(|d| !d.is_empty()) {
        let with_port = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        if domain != host && domain != with_port {
            return Err(());
        }
    }
    Ok(url)
}

/// `redirect_uri` with `code` and `state` appended.
pub fn callback_url(redirect_uri: &str, code: Option<&str>, state: Option<&str>) -> String {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return redirect_uri.to_string();
    };
    {
        let mut pairs = url.query_pairs_mut();
        if let Some(code) = code {
            pairs.append_pair("code", code);
        }
        if let Some(state) = state {
            pairs.append_pair("state", state);
        }
    }
    url.to_string()
}

/// Issues an OAuth code for `persona` in `appid`.
pub fn issue_code(
    sb: &Sandbox,
    appid: &str,
    persona: i64,
    scope: &str,
    lifetime: Duration,
) -> String {
    let now = sb.now();
    sb.live()
        .issue_oauth_code(appid, persona, scope, now, lifetime)
}

// ---- Website QR login -------------------------------------------------------------------

async fn qrconnect(
    State(sb): State<SharedSandbox>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let appid = get("appid");
    if appid.is_empty() || !ids::is_appid(appid) {
        return error_page(None, "appid 参数错误 (appid missing or invalid)");
    }
    if get("redirect_uri").is_empty() {
        return error_page(None, "redirect_uri 参数错误 (redirect_uri missing)");
    }
    if !get("scope").split(',').any(|s| s == "snsapi_login") {
        return error_page(
            None,
            "Scope 参数错误或没有 Scope 权限 (scope must be snsapi_login)",
        );
    }
    if get("response_type") != "code" {
        return error_page(None, "response_type 参数错误 (must be code)");
    }
    let now = sb.now();
    let app = match sb.world.ensure_app(appid, AppKind::Website, now).await {
        Ok(a) => a,
        Err(_) => return error_page(None, "系统错误 (sandbox database error)"),
    };
    if AppKind::parse(&app.kind) != AppKind::Website {
        return error_page(None, "Scope 参数错误或没有 Scope 权限 (not a website app)");
    }
    let Ok(redirect) = pinned_redirect(&sb, &app, get("redirect_uri")).await else {
        return error_page(
            None,
            "redirect_uri 参数错误 (not under the app's callback domain)",
        );
    };
    let uuid = ids::login_code()[..16].to_string();
    let state = q.get("state").cloned();
    {
        let mut live = sb.live();
        live.sweep(now);
        if live.qr.len() >= MAX_PENDING {
            drop(live);
            return error_page(
                None,
                "操作太频繁了 (too many QR logins are pending; try again later)",
            );
        }
    }
    sb.live().qr.insert(
        uuid.clone(),
        QrLogin {
            appid: app.appid.clone(),
            redirect_uri: redirect.to_string(),
            state: state.clone(),
            created: now,
            status: QrStatus::Waiting,
        },
    );
    let scan_url = format!(
        "{}{MOUNT}/open/connect/confirm?uuid={uuid}",
        origin(&headers)
    );
    let phone_link = format!(
        "{MOUNT}/phone?{}",
        form_urlencoded::Serializer::new(String::new())
            .append_pair("scan", &scan_url)
            .finish()
    );
    let svg = qr_svg(&scan_url, 220).unwrap_or_default();
    // jssdk iframe mode redirects the iframe itself only with self_redirect=true.
    let target = if get("login_type") == "jssdk" && get("self_redirect") != "true" {
        "top"
    } else {
        "self"
    };
    let refusal_redirect = sb
        .live()
        .faults
        .switches
        .refusal_redirects
        .unwrap_or(false)
        .then(|| callback_url(redirect.as_str(), None, state.as_deref()));
    let english = get("lang") == "en";
    let (title, hint) = if english {
        ("WeChat login", "Scan with WeChat to log in")
    } else {
        ("微信登录", "请使用微信扫描二维码登录")
    };
    let body = format!(
        r#"<h1>{title}</h1><p class="muted">{}</p>
<div class="qr" data-testid="qr" data-scan-url="{}">{svg}</div>
<p data-testid="qr-status">{hint}</p>
<p class="muted">Sandbox: <a data-testid="phone-link" href="{}" target="_blank" rel="noopener">open this code on the sandbox phone</a></p>
<script>
(function(){{
  var uuid = {}, redirect = {}, state = {}, target = {}, refusal = {};
  var status = document.querySelector('[data-testid=qr-status]');
  function go(url){{ if (target === 'top') {{ window.top.location.href = url; }} else {{ window.location.href = url; }} }}
  function poll(){{
    fetch({} + '?uuid=' + encodeURIComponent(uuid) + '&_=' + Date.now()).then(function(r){{ return r.text(); }}).then(function(text){{
      var m = /wx_errcode=(\d+);window\.wx_code='([^']*)'/.exec(text) || [];
      var code = m[1], wxcode = m[2];
      if (code === '405') {{
        var u = new URL(redirect); u.searchParams.append('code', wxcode); if (state !== null) u.searchParams.append('state', state);
        status.textContent = '{}'; go(u.toString()); return;
      }}
      if (code === '404') status.textContent = '{}';
      if (code === '403') {{ status.textContent = '{}'; if (refusal) go(refusal); return; }}
      if (code === '402') {{ status.textContent = '{}'; return; }}
      setTimeout(poll, 1000);
    }}).catch(function(){{ setTimeout(poll, 2000); }});
  }}
  poll();
}})();
</script>"#,
        esc(&app.name),
        esc(&scan_url),
        esc(&phone_link),
        js(&uuid),
        js(&redirect.as_str()),
        js(&state),
        js(&target),
        js(&refusal_redirect),
        js(&format!("{MOUNT}/open/connect/l/qrconnect")),
        if english {
            "Logged in, redirecting…"
        } else {
            "登录成功，正在跳转…"
        },
        if english {
            "Scanned. Confirm on your phone."
        } else {
            "扫描成功，请在微信中点击确认即可登录"
        },
        if english {
            "You cancelled this login."
        } else {
            "你已取消此次登录"
        },
        if english {
            "The QR code has expired. Reload the page."
        } else {
            "二维码已失效，请刷新页面"
        },
    );
    page(title, "", &body)
}

/// The QR status the page polls (§2.3): 408 waiting, 404 scanned, 405 confirmed (with the
/// code), 403 denied, 402 expired.
pub fn qr_status(sb: &Sandbox, uuid: &str, now: DateTime<Utc>) -> (u32, String) {
    let live = sb.live();
    match live.qr.get(uuid) {
        None => (402, String::new()),
        Some(q) => match &q.status {
            QrStatus::Confirmed { code } => (405, code.clone()),
            QrStatus::Denied => (403, String::new()),
            _ if now > q.created + QR_LIFETIME => (402, String::new()),
            QrStatus::Scanned { .. } => (404, String::new()),
            QrStatus::Waiting => (408, String::new()),
        },
    }
}

async fn poll(
    State(sb): State<SharedSandbox>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let uuid = q.get("uuid").map(String::as_str).unwrap_or("");
    let (code, wx_code) = qr_status(&sb, uuid, sb.now());
    let mut response =
        format!("window.wx_errcode={code};window.wx_code='{wx_code}';").into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/javascript"),
    );
    response
}

/// A scanned QR code opened in an ordinary browser: point to the sandbox phone.
async fn confirm_page(headers: HeaderMap, RawQuery(q): RawQuery) -> Response {
    let url = format!(
        "{}{MOUNT}/open/connect/confirm?{}",
        origin(&headers),
        q.unwrap_or_default()
    );
    let link = format!(
        "{MOUNT}/phone?{}",
        form_urlencoded::Serializer::new(String::new())
            .append_pair("scan", &url)
            .finish()
    );
    Redirect::to(&link).into_response()
}

/// What a scanning phone does: marks the QR login scanned by `persona`.
pub fn scan_qr(sb: &Sandbox, uuid: &str, persona: i64) -> Result<String, &'static str> {
    let now = sb.now();
    let mut live = sb.live();
    let Some(q) = live.qr.get_mut(uuid) else {
        return Err("qr_expired");
    };
    if now > q.created + QR_LIFETIME {
        return Err("qr_expired");
    }
    match q.status {
        QrStatus::Waiting | QrStatus::Scanned { .. } => {
            q.status = QrStatus::Scanned { persona };
            Ok(q.appid.clone())
        }
        _ => Err("qr_finished"),
    }
}

/// The phone's answer to a scanned QR login: a code on confirmation.
pub fn answer_qr(sb: &Sandbox, uuid: &str, persona: i64, allow: bool) -> Result<(), &'static str> {
    let now = sb.now();
    let appid = {
        let live = sb.live();
        let Some(q) = live.qr.get(uuid) else {
            return Err("qr_expired");
        };
        if now > q.created + QR_LIFETIME {
            return Err("qr_expired");
        }
        if q.status != (QrStatus::Scanned { persona }) {
            return Err("qr_not_scanned");
        }
        q.appid.clone()
    };
    let mut live = sb.live();
    // Checked again under the same lock as the change: a confirm and a deny racing each other
    // must not both win.
    match live.qr.get(uuid) {
        Some(q) if q.status == (QrStatus::Scanned { persona }) => {}
        _ => return Err("qr_not_scanned"),
    }
    let status = if allow {
        let code =
            live.issue_oauth_code(&appid, persona, "snsapi_login", now, WEBSITE_CODE_LIFETIME);
        QrStatus::Confirmed { code }
    } else {
        QrStatus::Denied
    };
    if let Some(q) = live.qr.get_mut(uuid) {
        q.status = status;
    }
    Ok(())
}

// ---- In-WeChat web authorization ----------------------------------------------------------

/// A checked `connect/oauth2/authorize` request.
#[derive(Clone, Debug)]
pub struct AuthorizeRequest {
    pub appid: String,
    pub app_name: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
}

/// The documented checks of the authorize page (§3), in WeChat's order.
pub async fn check_authorize(sb: &Sandbox, raw_query: &str) -> Result<AuthorizeRequest, PageError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw_query.as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    if get("appid").is_empty() {
        return Err(page_error(Some(10012), "appid不能为空"));
    }
    if get("redirect_uri").is_empty() {
        return Err(page_error(Some(10011), "redirect_uri不能为空"));
    }
    if get("scope").is_empty() {
        return Err(page_error(Some(10010), "scope不能为空"));
    }
    // The documented order is enforced: appid, redirect_uri, response_type, scope, state.
    let order = ["appid", "redirect_uri", "response_type", "scope", "state"];
    let seen: Vec<&str> = pairs
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| order.contains(k))
        .collect();
    let expected: Vec<&str> = order.iter().copied().filter(|k| seen.contains(k)).collect();
    if seen != expected || get("response_type") != "code" {
        return Err(page_error(
            None,
            "参数错误：参数须按 appid、redirect_uri、response_type=code、scope、state 的顺序 (parameters out of order)",
        ));
    }
    if !ids::is_appid(get("appid")) {
        return Err(page_error(None, "appid 参数错误 (invalid appid)"));
    }
    let state = pairs
        .iter()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.clone());
    if let Some(s) = &state
        && (s.len() > 128 || !s.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err(page_error(
            None,
            "state 参数错误 (a-zA-Z0-9, at most 128 bytes)",
        ));
    }
    let now = sb.now();
    let app = sb
        .world
        .ensure_app(get("appid"), AppKind::OfficialAccount, now)
        .await
        .map_err(|_| page_error(None, "系统错误 (sandbox database error)"))?;
    let kind = AppKind::parse(&app.kind);
    if kind != AppKind::OfficialAccount {
        return Err(page_error(
            Some(10016),
            "不支持微信开放平台的Appid，请使用公众号Appid",
        ));
    }
    let scope = get("scope");
    if scope != "snsapi_base" && scope != "snsapi_userinfo" {
        return Err(page_error(Some(10005), "此公众号并没有这些scope的权限"));
    }
    let redirect = pinned_redirect(sb, &app, get("redirect_uri"))
        .await
        .map_err(|_| page_error(Some(10003), "redirect_uri域名与后台配置不一致"))?;
    Ok(AuthorizeRequest {
        appid: app.appid,
        app_name: app.name,
        redirect_uri: redirect.to_string(),
        scope: scope.to_string(),
        state,
    })
}

/// The redirects after the user's answer: with a code when allowed (a second one, with a fresh
/// code and the same state, when the double-callback switch is on); when denied, with only the
/// state if the refusal switch is on, otherwise none.
pub fn authorize_answers(
    sb: &Sandbox,
    req: &AuthorizeRequest,
    persona: i64,
    allow: bool,
) -> Vec<String> {
    if allow {
        let twice = sb.live().faults.switches.double_callback.unwrap_or(false);
        let times = if twice { 2 } else { 1 };
        return (0..times)
            .map(|_| {
                let code = issue_code(sb, &req.appid, persona, &req.scope, SHORT_CODE_LIFETIME);
                callback_url(&req.redirect_uri, Some(&code), req.state.as_deref())
            })
            .collect();
    }
    let redirects = sb.live().faults.switches.refusal_redirects.unwrap_or(false);
    redirects
        .then(|| callback_url(&req.redirect_uri, None, req.state.as_deref()))
        .into_iter()
        .collect()
}

/// Where the browser goes after the answer: one redirect, or (double callback) a page that
/// loads the first callback in the background and then navigates to the second.
fn answer_response(to: &[String]) -> Response {
    match to {
        [first, second, ..] => {
            let urls = serde_json::json!([first, second])
                .to_string()
                .replace('<', "\\u003c");
            page(
                "微信授权",
                "",
                &format!(
                    "<p data-testid=\"double-callback\">…</p><script>var u={urls};\
fetch(u[0],{{credentials:'include',redirect:'manual'}}).catch(function(){{}})\
.then(function(){{location.replace(u[1]);}});</script>"
                ),
            )
        }
        [only] => Redirect::to(only).into_response(),
        [] => page(
            "微信授权",
            "",
            "<h1>已拒绝</h1><p data-testid=\"denied\">You declined.</p>",
        ),
    }
}

fn persona_from_cookie(headers: &HeaderMap) -> Option<i64> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == PERSONA_COOKIE)
        .and_then(|(_, v)| v.parse().ok())
}

async fn authorize(
    State(sb): State<SharedSandbox>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let raw = q.unwrap_or_default();
    let req = match check_authorize(&sb, &raw).await {
        Ok(r) => r,
        Err((code, text)) => return error_page(code, &text),
    };
    let persona = match persona_from_cookie(&headers) {
        Some(id) => sb.world.persona(id).await.ok().flatten(),
        None => None,
    };
    let Some(persona) = persona else {
        // Outside the sandbox phone: ask who is holding it.
        let here = format!(
            "{}{MOUNT}/open/connect/oauth2/authorize?{raw}",
            origin(&headers)
        );
        let link = format!(
            "{MOUNT}/phone?{}",
            form_urlencoded::Serializer::new(String::new())
                .append_pair("scan", &here)
                .finish()
        );
        return page(
            "微信授权",
            "",
            &format!(
                "<h1>请在微信中打开</h1><p>This page must be opened inside WeChat.</p>\
<p><a class=\"button\" data-testid=\"open-in-phone\" href=\"{}\">Open it on the sandbox phone</a></p>",
                esc(&link)
            ),
        );
    };
    if req.scope == "snsapi_base" {
        return answer_response(&authorize_answers(&sb, &req, persona.id, true));
    }
    let consent = ids::login_code();
    {
        let mut live = sb.live();
        live.sweep(sb.now());
        if live.consents.len() >= MAX_PENDING {
            drop(live);
            return error_page(Some(10009), "操作太频繁了");
        }
    }
    sb.live().consents.insert(
        consent.clone(),
        PendingConsent {
            appid: req.appid.clone(),
            redirect_uri: req.redirect_uri.clone(),
            state: req.state.clone(),
            persona: persona.id,
            created: sb.now(),
        },
    );
    page(
        "微信授权",
        "",
        &format!(
            r#"<h1>{}</h1><p>申请获得以下权限 / requests:</p><p><b>获得你的公开信息（昵称、头像等）</b></p>
<p class="muted">As {} (persona #{})</p>
<form method="post" action="{MOUNT}/open/connect/oauth2/authorize/decide" class="row">
<input type="hidden" name="consent" value="{}">
<button name="answer" value="allow" data-testid="allow">允许 Allow</button>
<button name="answer" value="deny" class="secondary" data-testid="deny">拒绝 Deny</button></form>"#,
            esc(&req.app_name),
            esc(&persona.nickname),
            persona.id,
            esc(&consent)
        ),
    )
}

#[derive(Deserialize)]
struct Decision {
    consent: String,
    answer: String,
}

async fn decide(State(sb): State<SharedSandbox>, Form(d): Form<Decision>) -> Response {
    // Single use: the consent id is taken out of the map.
    let Some(pending) = sb.live().consents.remove(&d.consent) else {
        return error_page(
            None,
            "授权已失效，请重新打开页面 (this consent page has expired)",
        );
    };
    let req = AuthorizeRequest {
        appid: pending.appid,
        app_name: String::new(),
        redirect_uri: pending.redirect_uri,
        scope: "snsapi_userinfo".into(),
        state: pending.state,
    };
    answer_response(&authorize_answers(
        &sb,
        &req,
        pending.persona,
        d.answer == "allow",
    ))
}
