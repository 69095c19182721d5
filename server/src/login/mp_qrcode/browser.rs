//! The computer's side: create a ticket, fetch its code, and finish the login once the phone
//! confirmed. (Following the ticket is the shared ticket machinery's.)

use app::backend::RequestMeta;
use app::model::SourceMode;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;

use crate::login::flow;
use crate::login::refusal::{Reason, Refusal};
use crate::login::ticket;
use crate::login::with_cookie;
use crate::state::AppState;
use crate::store::mp_tickets;
use crate::web::{ApiError, json_body};
use crate::wechat::miniprogram::CodeRequest;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTicket {
    request: String,
    source: String,
}

/// `POST /api/v1/login/mp-qrcode` `{request, source}`: a ticket for this browser.
pub async fn create(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: NewTicket = json_body(&body, "invalid_request")?;
    let flow = flow::open(&state, &input.request, &input.source).await?;
    if flow.source.mode != SourceMode::PcMiniprogramQrcode {
        return Err(
            Refusal::with(Reason::SourceUnavailable, "not a mini-program code source").into(),
        );
    }
    let request_id = flow.target.request_id().to_string();
    let (source, appid) = (flow.source, flow.credentials.0);
    let browser = crate::login::Browser::of(&headers);
    let (ticket, expires_at) =
        match ticket::open(&state, &meta.ip, &request_id, source.id, &browser.hash()).await {
            Ok(t) => t,
            Err(r) => return Ok(ticket::refused(r)),
        };
    let base = format!("/api/v1/login/mp-qrcode/{ticket}");
    let mut answer = json!({
        "ticket": ticket,
        "expires_in": ticket::LIFETIME_SECS,
        "expires_at": expires_at.to_rfc3339(),
        "image_url": format!("{base}/image"),
        "events_url": format!("{base}/events"),
        "status_url": base,
        "finish_url": format!("/login/mp-qrcode/{ticket}/finish"),
    });
    if state.sandbox.is_some() {
        answer["sandbox_scan_url"] = json!(sandbox_scan_url(&state, &appid, &ticket, &source));
    }
    let cookie = browser.cookie(&state);
    Ok(with_cookie(
        (StatusCode::CREATED, Json(answer)).into_response(),
        &cookie,
    ))
}

/// In the embedded default, the sandbox phone with this code ready to open: what scanning the
/// code with a phone would do. Built from the sandbox's HTTP interface (its phone opens
/// `…/phone/mp?appid&scene&page&env_version`, the content of its mini-program codes), never
/// by calling into the sandbox.
fn sandbox_scan_url(
    state: &AppState,
    appid: &str,
    ticket: &str,
    source: &app::model::SourceView,
) -> String {
    const SANDBOX: &str = "/sandbox/wechat";
    let code: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("appid", appid)
        .append_pair("scene", ticket)
        .append_pair("page", source.page_path.as_deref().unwrap_or(""))
        .append_pair(
            "env_version",
            source.env_version.as_deref().unwrap_or("release"),
        )
        .finish();
    let content = format!("{}{SANDBOX}/phone/mp?{code}", state.issuer);
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("scan", &content)
        .finish();
    format!("{SANDBOX}/phone?{q}")
}

/// `GET /api/v1/login/mp-qrcode/{ticket}/image`: the code, made once per ticket.
pub async fn image(
    State(state): State<AppState>,
    Path(ticket): Path<String>,
) -> Result<Response, ApiError> {
    let unknown = || ApiError::from(Reason::TicketUnknown);
    let id = ticket::ticket_id(&ticket).ok_or_else(unknown)?;
    let row = mp_tickets::get(&state.db, &id)
        .await
        .map_err(Refusal::from)?
        .ok_or_else(unknown)?;
    let png = match mp_tickets::image(&state.db, &id)
        .await
        .map_err(Refusal::from)?
    {
        Some(png) => png,
        None => {
            let png = make_image(&state, &row, &ticket).await?;
            mp_tickets::set_image(&state.db, &id, &png)
                .await
                .map_err(Refusal::from)?;
            png
        }
    };
    Ok(crate::web::image(png, ticket::LIFETIME_SECS as u32))
}

async fn make_image(
    state: &AppState,
    row: &mp_tickets::TicketRow,
    ticket: &str,
) -> Result<Vec<u8>, ApiError> {
    let flow = flow::reopen(state, &row.request_id, row.source_id).await?;
    let (source, (appid, secret)) = (flow.source, flow.credentials);
    let request = CodeRequest::login(
        ticket,
        source.page_path.as_deref(),
        source.env_version.as_deref().unwrap_or("release"),
    );
    let client = state.wechat.client();
    let code = state
        .wechat
        .with_token(&appid, &secret, |token| {
            let request = request.clone();
            async move { client.unlimited_code(&token, &request).await }
        })
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, source = source.identifier, "mini-program code: WeChat refused");
            let why = match e.errcode() {
                Some(c) => format!("WeChat could not make the code (errcode {c}); try again"),
                None => "WeChat could not be reached to make the code; try again".into(),
            };
            ApiError::new(StatusCode::BAD_GATEWAY, "wechat_error", why)
        })?;
    let logo = if source.has_logo {
        state.catalog.source_logo(source.id).await.ok().flatten()
    } else {
        None
    };
    Ok(
        match logo.and_then(|l| super::image::with_logo(&code.bytes, &l)) {
            Some(png) => png,
            None => code.bytes,
        },
    )
}

/// `POST /login/mp-qrcode/{ticket}/finish` (a form the page submits once the phone confirmed):
/// the ticket is spent for this browser and the login goes on to the application.
pub async fn finish(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Path(ticket): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut who = crate::login::attempt(&meta, &headers);
    who.mode = Some(crate::login::Via::Mode(SourceMode::PcMiniprogramQrcode));
    match spend(&state, &ticket, &headers, &mut who).await {
        Ok(r) => r,
        Err(refusal) => crate::login::refuse(&state, &who, &headers, refusal, None).await,
    }
}

async fn spend(
    state: &AppState,
    ticket: &str,
    headers: &HeaderMap,
    who: &mut crate::login::Attempt,
) -> Result<Response, Refusal> {
    let now = state.clock.now();
    let id = ticket::ticket_id(ticket).ok_or(Reason::TicketRefused)?;
    let browser = crate::login::browser_hash(headers).unwrap_or_default();
    let since = now - chrono::Duration::seconds(ticket::REDEEM_SECS);
    let redeemed = mp_tickets::redeem(&state.db, &id, &browser, since, now).await?;
    // Read after spending it: the user is there once it was confirmed.
    let row = mp_tickets::get(&state.db, &id)
        .await?
        .ok_or(Reason::TicketRefused)?;
    let source = state.catalog.get_source(row.source_id).await.ok();
    who.source_identifier = source.as_ref().map(|s| s.identifier.clone());
    if !redeemed {
        return Err(Refusal::with(
            Reason::TicketRefused,
            format!("status {}", row.status),
        ));
    }
    let Some(user_id) = row.user_id.clone() else {
        // Confirmed without a user: an ask-to-bind source met someone new.
        return match crate::store::bindings::by_origin(&state.db, &row.id).await? {
            Some(b) => Ok(crate::login::binding::to_page(&b.id)),
            None => Err(Refusal::with(
                Reason::TicketRefused,
                "confirmed without a user",
            )),
        };
    };
    let target = flow::target(state, &row.request_id).await?;
    if let flow::Target::App { app, .. } = &target {
        who.client_id = Some(app.client_id.clone());
    }
    let source = source.ok_or(Reason::SourceUnavailable)?;
    crate::login::finish(state, Some(who), &target, &source, &user_id).await
}
