//! In-WeChat web page login (`webpage`, official-account authorization). Inside WeChat's own
//! browser the start goes to `connect/oauth2/authorize` with the source's scope and a state of
//! letters and digits; outside it, a page asks the person to open the login in WeChat (a QR
//! code of this very URL). The callback is the shared OAuth one; this module decides how the
//! code proves the person: `snsapi_userinfo` reads the profile; `snsapi_base` gives an openid
//! only, enough for a person already known, while an unknown one goes once through
//! `snsapi_userinfo` (never a loop).

use app::model::{ApplicationView, SourceMode, in_wechat_browser};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::flow::Flow;
use super::proof::Proof;
use super::refusal::{Reason, Refusal};
use super::texts::{self, Lang};
use crate::state::AppState;
use crate::web::escape_html as esc;
use crate::wechat::sns::WebAuthorize;

pub const BASE: &str = "snsapi_base";
pub const USERINFO: &str = "snsapi_userinfo";
/// The callback's marker of a second round with `snsapi_userinfo`.
pub const ESCALATED: &str = "userinfo";

/// Whether the request comes from WeChat's own browser (not WeCom's).
pub fn in_wechat(headers: &HeaderMap) -> bool {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(in_wechat_browser)
}

/// Inside WeChat: the identifier of the application's only enabled web-page source, if it has
/// exactly one.
pub async fn only_source(
    state: &AppState,
    app: &ApplicationView,
    headers: &HeaderMap,
) -> Option<String> {
    if !in_wechat(headers) {
        return None;
    }
    let sources = state.catalog.list_sources().await.ok()?;
    let mut webpage = sources
        .into_iter()
        .filter(|s| s.enabled && s.mode == SourceMode::Webpage && app.sources.contains(&s.id));
    match (webpage.next(), webpage.next()) {
        (Some(only), None) => Some(only.identifier),
        _ => None,
    }
}

/// `GET /login/wechat/{identifier}` for a web-page source.
pub async fn start(
    state: &AppState,
    flow: &Flow,
    headers: &HeaderMap,
    lang: Lang,
    here: &str,
    binding: Option<String>,
) -> Result<Response, Refusal> {
    if !in_wechat(headers) {
        return Ok(open_in_wechat(state, flow, lang, here));
    }
    let scope = match flow.source.scope.as_deref() {
        Some(BASE) => BASE,
        _ => USERINFO,
    };
    authorize(state, flow, headers, scope, false, binding).await
}

/// Off to WeChat's authorization with `scope`, in a fresh attempt bound to this browser.
pub async fn authorize(
    state: &AppState,
    flow: &Flow,
    headers: &HeaderMap,
    scope: &str,
    escalated: bool,
    binding: Option<String>,
) -> Result<Response, Refusal> {
    let (wechat_state, cookie) = super::redirect::begin(state, flow, headers, binding).await?;
    let mut redirect_uri = super::redirect::callback_url(state, &flow.source.identifier);
    if escalated {
        redirect_uri.push_str(&format!("?step={ESCALATED}"));
    }
    let url = state.wechat.client().web_authorize_url(&WebAuthorize {
        appid: &flow.credentials.0,
        redirect_uri: &redirect_uri,
        scope,
        state: &wechat_state,
    });
    Ok(super::with_cookie(
        Redirect::to(&url).into_response(),
        &cookie,
    ))
}

/// What a web-page code proves (see [`Proof`]).
pub async fn prove(
    state: &AppState,
    flow: &Flow,
    code: &str,
    escalated: bool,
) -> Result<Proof, Refusal> {
    let appid = &flow.credentials.0;
    let token = super::proof::oauth::exchange(state, &flow.credentials, code).await?;
    if token.reads_userinfo() {
        let sighting = super::proof::oauth::with_profile(state, appid, token).await?;
        return Ok(Proof::Seen(Box::new(sighting)));
    }
    let known = state
        .grants
        .identities()
        .knows(appid, &token.openid, token.unionid.as_deref())
        .await?;
    if known {
        return Ok(Proof::Seen(Box::new(super::proof::oauth::openid_only(
            appid, token,
        ))));
    }
    if escalated {
        // The second round came back without the user-info scope: stop, never loop.
        return Err(Refusal::with(
            Reason::WeChatError,
            format!("snsapi_userinfo asked, scope {} granted", token.scope),
        ));
    }
    Ok(Proof::NeedsUserInfo)
}

/// Outside WeChat: a page with a QR code of this login, to open it in WeChat.
fn open_in_wechat(state: &AppState, flow: &Flow, lang: Lang, here: &str) -> Response {
    let t = texts::texts(lang);
    let url = format!("{}{here}", state.issuer);
    let svg = crate::web::qr::qr_svg(&url, 220).unwrap_or_default();
    let body = format!(
        "<div data-testid=\"open-in-wechat\"><h1>{}</h1><p>{}</p><p class=\"muted\">{}</p>\
<div data-testid=\"open-in-wechat-qr\" data-url=\"{}\">{svg}</div>\
<p><a class=\"muted\" data-testid=\"back\" href=\"{}\">{}</a></p></div>",
        t.open_in_wechat,
        esc(&flow.source.display_name),
        t.open_in_wechat_hint,
        esc(&url),
        esc(&flow.back()),
        t.choose_another,
    );
    super::page::document(lang, t.open_in_wechat, &body, Some(here)).into_response()
}
