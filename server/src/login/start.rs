//! `GET /login/wechat/{identifier}?request=…`: the one start route. The flow is opened (and
//! checked) once here, then the source's mode decides what the browser gets.

use std::collections::HashMap;

use app::backend::RequestMeta;
use app::model::SourceMode;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::refusal::{Reason, Refusal};
use super::texts::lang_of;
use super::{binding, flow, mp_qrcode, pc_qrcode, webpage};
use crate::state::AppState;

pub async fn start(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Path(identifier): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    // Without an authorization request: the source's direct login link.
    let request_id = q.get("request").map(String::as_str).unwrap_or(flow::DIRECT);
    let mut who = super::attempt(&meta, &headers);
    who.source_identifier = Some(identifier.clone());
    let lang = lang_of(&headers);
    let flow = match flow::open(&state, request_id, &identifier).await {
        Ok(flow) => flow,
        Err(refusal) => {
            let back = (refusal.reason != Reason::RequestExpired && request_id != flow::DIRECT)
                .then(|| flow::back(request_id));
            return super::refuse(&state, &who, &headers, refusal, back.as_deref()).await;
        }
    };
    flow.describe(&mut who);
    let started =
        match binding::proving(&state, q.get("bind").map(String::as_str), &flow, &headers).await {
            Ok(binding) => begin(&state, &flow, &headers, lang, &identifier, binding).await,
            Err(refusal) => Err(refusal),
        };
    match started {
        Ok(r) => r,
        Err(refusal) => {
            let back = flow.back();
            super::refuse(&state, &who, &headers, refusal, Some(&back)).await
        }
    }
}

/// What the source's mode does at the start.
async fn begin(
    state: &AppState,
    flow: &flow::Flow,
    headers: &HeaderMap,
    lang: super::texts::Lang,
    identifier: &str,
    binding: Option<String>,
) -> Result<Response, Refusal> {
    match flow.source.mode {
        SourceMode::PcQrcode => pc_qrcode::start(state, flow, headers, lang, binding).await,
        SourceMode::PcMiniprogramQrcode => Ok(mp_qrcode::page(flow, lang)),
        SourceMode::Webpage => {
            let here = format!("/login/wechat/{identifier}?{}", flow.start_query());
            webpage::start(state, flow, headers, lang, &here, binding).await
        }
        // These log in through the token endpoint or an app, not a browser redirect.
        SourceMode::Miniprogram | SourceMode::MobileApp | SourceMode::AppLaunchMiniprogram => {
            Err(Refusal::with(
                Reason::ModeUnavailable,
                format!("{} has no browser start", flow.source.mode.as_str()),
            ))
        }
    }
}
