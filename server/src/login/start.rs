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
use super::{flow, mp_qrcode, pc_qrcode, webpage};
use crate::state::AppState;

pub async fn start(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Path(identifier): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let request_id = q.get("request").map(String::as_str).unwrap_or("");
    let mut who = super::attempt(&meta, &headers);
    who.source_identifier = Some(identifier.clone());
    let lang = lang_of(&headers);
    let flow = match flow::open(&state, request_id, &identifier).await {
        Ok(flow) => flow,
        Err(refusal) => {
            let back = (refusal.reason != Reason::RequestExpired).then(|| flow::back(request_id));
            return super::refuse(&state, &who, &headers, refusal, back.as_deref()).await;
        }
    };
    flow.describe(&mut who);
    let started = match flow.source.mode {
        SourceMode::PcQrcode => pc_qrcode::start(&state, &flow, &headers, lang).await,
        SourceMode::PcMiniprogramQrcode => Ok(mp_qrcode::page(&flow.req.id, &flow.source, lang)),
        SourceMode::Webpage => {
            let here = format!(
                "/login/wechat/{identifier}?{}",
                &flow.back()["/login?".len()..]
            );
            webpage::start(&state, &flow, &headers, lang, &here).await
        }
        // These log in through the token endpoint or an app, not a browser redirect.
        SourceMode::Miniprogram | SourceMode::MobileApp | SourceMode::AppLaunchMiniprogram => {
            Err(Refusal::with(
                Reason::ModeUnavailable,
                format!("{} has no browser start", flow.source.mode.as_str()),
            ))
        }
    };
    match started {
        Ok(r) => r,
        Err(refusal) => {
            let back = flow.back();
            super::refuse(&state, &who, &headers, refusal, Some(&back)).await
        }
    }
}
