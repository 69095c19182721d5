//! Website QR login (`pc_qrcode`): off to WeChat's `connect/qrconnect` with a fresh state bound
//! to this browser; the person scans with WeChat and WeChat sends the browser to the shared
//! OAuth callback ([`super::redirect`]). With the embedded QR this route is the `src` of the
//! login page's iframe: WeChat's iframe variant then sends the top window to the callback.

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use super::flow::Flow;
use super::refusal::Refusal;
use super::texts::Lang;
use crate::state::AppState;
use crate::wechat::sns::QrConnect;

pub async fn start(
    state: &AppState,
    flow: &Flow,
    headers: &HeaderMap,
    lang: Lang,
    binding: Option<String>,
) -> Result<Response, Refusal> {
    let (wechat_state, cookie) = super::redirect::begin(state, flow, headers, binding).await?;
    let redirect_uri = super::redirect::callback_url(state, &flow.source.identifier);
    let url = state.wechat.client().qrconnect_url(&QrConnect {
        appid: &flow.credentials.0,
        redirect_uri: &redirect_uri,
        state: &wechat_state,
        english: lang == Lang::En,
        embedded: flow.source.embedded_qr,
    });
    Ok(super::with_cookie(
        Redirect::to(&url).into_response(),
        &cookie,
    ))
}
