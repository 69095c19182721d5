//! The computer's side: create a ticket, fetch its code, follow its status (a stream of
//! Server-Sent Events, or one answer per poll), and finish the login once the phone confirmed.

use std::convert::Infallible;

use app::backend::RequestMeta;
use app::model::SourceMode;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use futures_util::Stream;
use sea_orm::Set;
use serde::Deserialize;
use serde_json::json;

use super::follow::{self, Follow};
use super::ticket::{self, Shown};
use super::{credentials, not_found, storage};
use crate::crypto::token::token_hash;
use crate::http::{ApiError, json_body};
use crate::login::page::problem;
use crate::login::{unavailable, with_cookie};
use crate::state::AppState;
use crate::store::entities::mp_ticket;
use crate::store::{auth_requests, mp_tickets};
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
    let now = state.clock.now();
    let req = auth_requests::live(&state.db, &input.request, now)
        .await
        .map_err(storage)?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "request_expired",
                "this login has expired or was never started here; go back to the application",
            )
        })?;
    let (source, _) = state
        .catalog
        .source_for_login(&input.source)
        .await
        .map_err(storage)?
        .filter(|(s, _)| {
            s.enabled
                && s.mode == SourceMode::PcMiniprogramQrcode
                && s.applications.contains(&req.application_id)
        })
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "source_unavailable",
                "this application offers no such mini-program code login",
            )
        })?;
    let Some((appid, _)) = credentials(&state, &source).await? else {
        return Err(unconfigured());
    };
    let recent = mp_tickets::created_from(&state.db, &meta.ip, now - chrono::Duration::minutes(1))
        .await
        .map_err(storage)?;
    if recent >= u64::from(state.ticket_limit) {
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many codes requested from this address; wait a minute",
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        return Ok(response);
    }
    let browser = crate::login::Browser::of(&headers);
    let ticket = ticket::new_ticket();
    let id = token_hash(&ticket);
    let expires_at = now + ticket::lifetime();
    mp_tickets::insert(
        &state.db,
        mp_ticket::ActiveModel {
            id: Set(id),
            request_id: Set(req.id.clone()),
            source_id: Set(source.id),
            browser_hash: Set(browser.hash()),
            ip: Set(meta.ip.clone()),
            status: Set(ticket::WAITING.into()),
            reason: Set(None),
            user_id: Set(None),
            created_at: Set(now),
            expires_at: Set(expires_at),
            updated_at: Set(now),
            image: Set(None),
        },
    )
    .await
    .map_err(storage)?;
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

fn unconfigured() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "source_unconfigured",
        "no mini program is configured for this identity source",
    )
}

/// In the embedded default, the sandbox phone with this code ready to open: what scanning the
/// code with a phone would do.
fn sandbox_scan_url(
    state: &AppState,
    appid: &str,
    ticket: &str,
    source: &app::model::SourceView,
) -> String {
    let content = crate::sandbox::mini_program_code_url(
        &state.issuer,
        appid,
        ticket,
        source.page_path.as_deref().unwrap_or(""),
        source.env_version.as_deref().unwrap_or("release"),
    );
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("scan", &content)
        .finish();
    format!("{}/phone?{q}", crate::sandbox::MOUNT)
}

/// The ticket behind a path, for the browser that created it.
pub(super) async fn own_ticket(
    state: &AppState,
    ticket: &str,
    headers: &HeaderMap,
) -> Result<mp_tickets::TicketRow, ApiError> {
    let id = ticket::ticket_id(ticket).ok_or_else(not_found)?;
    let row = mp_tickets::get(&state.db, &id)
        .await
        .map_err(storage)?
        .ok_or_else(not_found)?;
    if crate::login::browser_hash(headers).as_deref() != Some(row.browser_hash.as_str()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "other_browser",
            "this code belongs to another browser",
        ));
    }
    Ok(row)
}

/// `GET /api/v1/login/mp-qrcode/{ticket}`: the status now (the page's fallback to the stream).
pub async fn status(
    State(state): State<AppState>,
    Path(ticket): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Shown>, ApiError> {
    let row = own_ticket(&state, &ticket, &headers).await?;
    Ok(Json(ticket::shown_row(&row, state.clock.now())))
}

/// `GET /api/v1/login/mp-qrcode/{ticket}/events`: the status as Server-Sent Events, ending after
/// a final status. (A connection that carries nothing but this stream is served by `direct`.)
pub async fn events(
    State(state): State<AppState>,
    Path(ticket): Path<String>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let follow = Follow::open(&state, &ticket, &headers).await?;
    let stream = futures_util::stream::unfold(follow, |mut f| async move {
        let shown = f.next().await?;
        let event = Event::default().event("status").data(follow::data(&shown));
        Some((Ok(event), f))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(follow::KEEP_ALIVE)))
}

/// `GET /api/v1/login/mp-qrcode/{ticket}/image`: the code, made once per ticket.
pub async fn image(
    State(state): State<AppState>,
    Path(ticket): Path<String>,
) -> Result<Response, ApiError> {
    let id = ticket::ticket_id(&ticket).ok_or_else(not_found)?;
    let row = mp_tickets::get(&state.db, &id)
        .await
        .map_err(storage)?
        .ok_or_else(not_found)?;
    let png = match mp_tickets::image(&state.db, &id).await.map_err(storage)? {
        Some(png) => png,
        None => {
            let png = make_image(&state, row.source_id, &ticket).await?;
            mp_tickets::set_image(&state.db, &id, &png)
                .await
                .map_err(storage)?;
            png
        }
    };
    let kind = if png.starts_with(&[0xFF, 0xD8]) {
        "image/jpeg"
    } else {
        "image/png"
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "private, max-age=120"),
        ],
        png,
    )
        .into_response())
}

async fn make_image(state: &AppState, source_id: i64, ticket: &str) -> Result<Vec<u8>, ApiError> {
    let source = state
        .catalog
        .get_source(source_id)
        .await
        .map_err(|_| not_found())?;
    let (appid, secret) = credentials(state, &source)
        .await?
        .ok_or_else(unconfigured)?;
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
    let now = state.clock.now();
    let gone = || {
        problem(
            StatusCode::BAD_REQUEST,
            "This code was already used, has expired, or belongs to another browser. Start again.",
            "此二维码已使用、已过期或属于其他浏览器，请重新开始。",
            None,
        )
    };
    let Some(id) = ticket::ticket_id(&ticket) else {
        return gone();
    };
    let browser = crate::login::browser_hash(&headers).unwrap_or_default();
    let since = now - chrono::Duration::seconds(ticket::REDEEM_SECS);
    let redeemed = match mp_tickets::redeem(&state.db, &id, &browser, since, now).await {
        Ok(r) => r,
        Err(e) => return unavailable(e),
    };
    // Read after spending it: the user is there once it was confirmed.
    let row = match mp_tickets::get(&state.db, &id).await {
        Ok(Some(r)) => r,
        Ok(None) => return gone(),
        Err(e) => return unavailable(e),
    };
    let mut who = crate::login::attempt(&meta, &headers);
    who.mode = Some(SourceMode::PcMiniprogramQrcode.as_str().to_string());
    if let Ok(source) = state.catalog.get_source(row.source_id).await {
        who.source_identifier = Some(source.identifier);
    }
    let (true, Some(user_id)) = (redeemed, row.user_id.clone()) else {
        crate::login::record(
            &state,
            &who,
            "ticket_refused",
            Some(format!("status {}", row.status)),
            None,
        )
        .await;
        return gone();
    };
    let req = match auth_requests::live(&state.db, &row.request_id, now).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            crate::login::record(&state, &who, "request_expired", None, None).await;
            return crate::login::pc_qrcode::expired_request();
        }
        Err(e) => return unavailable(e),
    };
    if let Ok(app) = state.catalog.get_application(req.application_id).await {
        who.client_id = Some(app.client_id);
    }
    crate::login::record(&state, &who, "success", None, Some(&user_id)).await;
    let cookie = match crate::login::sso::start(&state, &user_id, row.source_id, now).await {
        Ok(c) => c,
        Err(e) => return unavailable(e),
    };
    crate::login::complete(&state, &req, &user_id, now, Some(cookie)).await
}
