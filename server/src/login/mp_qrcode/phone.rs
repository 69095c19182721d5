//! The mini program's side, called from the phone with the ticket it found in the code's scene:
//! `scan` when the page opens, then `confirm` with the `wx.login` code and the phone-number code,
//! or `cancel`. These calls carry no cookie: the ticket and WeChat's codes are what they prove.

use app::backend::RequestMeta;
use app::model::SourceMode;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use super::confirm::{Confirmed, confirm as run_confirm};
use super::hub::Update;
use super::ticket::{self, CANCELLED, CONFIRMED, CONFIRMING, FAILED, SCANNED, WAITING};
use super::{credentials, not_found, storage};
use crate::http::{ApiError, json_body};
use crate::login::Attempt;
use crate::state::AppState;
use crate::store::auth_requests;
use crate::store::mp_tickets::{self, Move, TicketRow};

#[derive(Deserialize)]
struct ConfirmBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    phone_code: Option<String>,
}

async fn row_of(state: &AppState, ticket: &str) -> Result<(String, TicketRow), ApiError> {
    let id = ticket::ticket_id(ticket).ok_or_else(not_found)?;
    let row = mp_tickets::get(&state.db, &id)
        .await
        .map_err(storage)?
        .ok_or_else(not_found)?;
    Ok((id, row))
}

/// Why a ticket cannot take the phone's step.
fn not_open(row: &TicketRow, state: &AppState) -> ApiError {
    let shown = ticket::shown_row(row, state.clock.now());
    if shown.status == ticket::EXPIRED {
        return ApiError::new(
            StatusCode::GONE,
            "ticket_expired",
            "this code has expired; refresh it on the computer",
        );
    }
    ApiError::new(
        StatusCode::CONFLICT,
        "ticket_finished",
        format!("this code was already {}", shown.status),
    )
}

/// Moves the ticket from `from` to `to` while it is live. `Ok` holds its id and the row after
/// the move, `Err` the row as it is when it could not move.
async fn claim(
    state: &AppState,
    ticket: &str,
    from: &[&str],
    to: &str,
) -> Result<Result<(String, TicketRow), TicketRow>, ApiError> {
    let id = ticket::ticket_id(ticket).ok_or_else(not_found)?;
    let now = state.clock.now();
    let change = Move {
        from,
        to,
        reason: None,
        user_id: None,
        live_at: Some(now),
    };
    if let Some(row) = mp_tickets::transition_returning(&state.db, &id, &change, now)
        .await
        .map_err(storage)?
    {
        return Ok(Ok((id, row)));
    }
    let (_, row) = row_of(state, ticket).await?;
    Ok(Err(row))
}

/// [`claim`], with an error that says why the ticket could not move.
async fn step(
    state: &AppState,
    ticket: &str,
    from: &[&str],
    to: &str,
) -> Result<(String, TicketRow), ApiError> {
    claim(state, ticket, from, to)
        .await?
        .map_err(|row| not_open(&row, state))
}

/// The log line of a phone call on `row`'s ticket.
async fn who(
    state: &AppState,
    meta: &RequestMeta,
    headers: &HeaderMap,
    row: &TicketRow,
) -> Attempt {
    let mut who = crate::login::attempt(meta, headers);
    who.mode = Some(SourceMode::PcMiniprogramQrcode.as_str().to_string());
    if let Ok(source) = state.catalog.get_source(row.source_id).await {
        who.source_identifier = Some(source.identifier);
    }
    if let Ok(Some(req)) = auth_requests::live(&state.db, &row.request_id, state.clock.now()).await
        && let Ok(app) = state.catalog.get_application(req.application_id).await
    {
        who.client_id = Some(app.client_id);
    }
    who
}

async fn announce(state: &AppState, id: &str, status: &str, reason: Option<&str>) {
    state
        .tickets
        .announce(
            &state.db,
            Update {
                id: id.to_string(),
                status: status.to_string(),
                reason: reason.map(str::to_string),
            },
        )
        .await;
}

/// `POST /api/v1/login/mp-qrcode/{ticket}/scan`: the mini program opened the code.
pub async fn scan(
    State(state): State<AppState>,
    Path(ticket): Path<String>,
) -> Result<Json<Value>, ApiError> {
    match claim(&state, &ticket, &[WAITING], SCANNED).await? {
        Ok((id, _)) => announce(&state, &id, SCANNED, None).await,
        // The phone may open the same live code again.
        Err(row) if row.status == SCANNED && row.expires_at > state.clock.now() => {}
        Err(row) => return Err(not_open(&row, &state)),
    }
    Ok(Json(json!({ "status": SCANNED })))
}

/// `POST /api/v1/login/mp-qrcode/{ticket}/cancel`: the person said no on the phone.
pub async fn cancel(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    headers: HeaderMap,
    Path(ticket): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (id, row) = step(&state, &ticket, &[WAITING, SCANNED], CANCELLED).await?;
    announce(&state, &id, CANCELLED, None).await;
    let who = who(&state, &meta, &headers, &row).await;
    crate::login::record(&state, &who, "cancelled", None, None).await;
    Ok(Json(json!({ "status": CANCELLED })))
}

/// `POST /api/v1/login/mp-qrcode/{ticket}/confirm` `{code, phone_code?}`.
pub async fn confirm(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    headers: HeaderMap,
    Path(ticket): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let input: ConfirmBody = json_body(&body, "invalid_request")?;
    let code = input.code.trim();
    if code.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "code (from wx.login) is required",
        ));
    }
    let phone_code = input
        .phone_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    // Claimed before WeChat is called: a second confirm cannot spend the codes again.
    let (id, row) = step(&state, &ticket, &[WAITING, SCANNED], CONFIRMING).await?;
    let outcome = match state.catalog.get_source(row.source_id).await {
        Ok(source) if source.enabled => match credentials(&state, &source).await {
            Ok(Some(creds)) => run_confirm(&state, &source, &creds, code, phone_code).await,
            _ => Confirmed::Refused {
                reason: "source_unavailable",
                detail: Some("no mini program configured".into()),
            },
        },
        _ => Confirmed::Refused {
            reason: "source_unavailable",
            detail: Some("source disabled or removed".into()),
        },
    };
    let now = state.clock.now();
    match outcome {
        Confirmed::User { user_id, created } => {
            let change = Move {
                from: &[CONFIRMING],
                to: CONFIRMED,
                reason: None,
                user_id: Some(&user_id),
                live_at: None,
            };
            mp_tickets::transition(&state.db, &id, &change, now)
                .await
                .map_err(storage)?;
            announce(&state, &id, CONFIRMED, None).await;
            if created {
                tracing::info!(user = user_id, "mini-program code login created a user");
            }
            Ok(Json(json!({ "status": CONFIRMED })))
        }
        Confirmed::Refused { reason, detail } => {
            let change = Move {
                from: &[CONFIRMING],
                to: FAILED,
                reason: Some(reason),
                user_id: None,
                live_at: None,
            };
            mp_tickets::transition(&state.db, &id, &change, now)
                .await
                .map_err(storage)?;
            announce(&state, &id, FAILED, Some(reason)).await;
            // Looked up only for a refusal's log line: a successful confirmation skips the reads.
            let who = who(&state, &meta, &headers, &row).await;
            crate::login::record(&state, &who, reason, detail, None).await;
            Err(refusal(reason))
        }
    }
}

/// The mini program's answer for a refused confirmation.
fn refusal(reason: &'static str) -> ApiError {
    let (status, message) = match reason {
        "invalid_code" => (
            StatusCode::BAD_REQUEST,
            "WeChat did not accept the login code; scan again",
        ),
        "foreign_code" => (
            StatusCode::BAD_REQUEST,
            "the code was issued to another mini program",
        ),
        "wechat_busy" => (
            StatusCode::BAD_GATEWAY,
            "WeChat is busy; scan again in a moment",
        ),
        "wechat_error" => (StatusCode::BAD_GATEWAY, "WeChat refused the login"),
        "blocked" => (StatusCode::FORBIDDEN, "WeChat blocked this login"),
        "login_only" => (
            StatusCode::FORBIDDEN,
            "only existing accounts may log in this way",
        ),
        "ask_to_bind" => (StatusCode::FORBIDDEN, "bind an existing account first"),
        "source_unavailable" => (StatusCode::FORBIDDEN, "this login method was switched off"),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Datong could not finish the login; try again",
        ),
    };
    ApiError::new(status, reason, message)
}
