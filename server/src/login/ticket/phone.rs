//! The mini program's side, called from the phone with the ticket it found in the code's scene
//! (or the app's launch path): `scan` when the page opens, then `confirm` with the `wx.login`
//! code and the phone-number code (for an app's ticket the answer carries the `app_parameter`
//! of the `launchApp` button), or `cancel`. These calls carry no cookie: the ticket and
//! WeChat's codes are what they prove.

use app::backend::RequestMeta;
use app::model::SourceMode;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Status::{self, Cancelled, Confirmed, Confirming, Failed, Scanned, Waiting};
use super::hub::Update;
use crate::login::proof;
use crate::login::refusal::{Reason, Refusal};
use crate::login::{Attempt, LoginOutcome, Via};
use crate::login::{binding, flow};
use crate::state::AppState;
use crate::store::mp_tickets::{self, Move, TicketRow};
use crate::web::{ApiError, json_body};

#[derive(Deserialize)]
struct ConfirmBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    phone_code: Option<String>,
}

fn id_of(ticket: &str) -> Result<String, ApiError> {
    super::ticket_id(ticket).ok_or_else(|| Reason::TicketUnknown.into())
}

async fn row_of(state: &AppState, id: &str) -> Result<TicketRow, ApiError> {
    mp_tickets::get(&state.db, id)
        .await
        .map_err(Refusal::from)?
        .ok_or_else(|| Reason::TicketUnknown.into())
}

/// Why a ticket cannot take the phone's step.
fn not_open(row: &TicketRow, state: &AppState) -> ApiError {
    let shown = super::shown_row(row, state.clock.now());
    if shown.status == Status::Expired {
        return Reason::TicketExpired.into();
    }
    let mut e = ApiError::from(Reason::TicketFinished);
    e.message = format!("this code was already {}", shown.status.as_str());
    e
}

/// Moves the ticket from `from` to `to` while it is live. `Ok` holds its id and the row after
/// the move, `Err` the row as it is when it could not move.
async fn claim(
    state: &AppState,
    ticket: &str,
    from: &[Status],
    to: Status,
) -> Result<Result<(String, TicketRow), TicketRow>, ApiError> {
    let id = id_of(ticket)?;
    let now = state.clock.now();
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let change = Move {
        from: &from,
        to: to.as_str(),
        reason: None,
        user_id: None,
        live_at: Some(now),
    };
    if let Some(row) = mp_tickets::transition_returning(&state.db, &id, &change, now)
        .await
        .map_err(Refusal::from)?
    {
        return Ok(Ok((id, row)));
    }
    Ok(Err(row_of(state, &id).await?))
}

/// [`claim`], with an error that says why the ticket could not move.
async fn step(
    state: &AppState,
    ticket: &str,
    from: &[Status],
    to: Status,
) -> Result<(String, TicketRow), ApiError> {
    claim(state, ticket, from, to)
        .await?
        .map_err(|row| not_open(&row, state))
}

/// The log line of a phone call on `row`'s ticket (read only when a line is written).
async fn who(
    state: &AppState,
    meta: &RequestMeta,
    headers: &HeaderMap,
    row: &TicketRow,
) -> Attempt {
    let mut who = crate::login::attempt(meta, headers);
    who.mode = Some(Via::Mode(SourceMode::PcMiniprogramQrcode));
    if let Ok(source) = state.catalog.get_source(row.source_id).await {
        who.source_identifier = Some(source.identifier);
        who.mode = Some(Via::Mode(source.mode));
    }
    if let Ok(req) = flow::request(state, &row.request_id).await
        && let Ok(app) = state.catalog.get_application(req.application_id).await
    {
        who.client_id = Some(app.client_id);
    }
    who
}

async fn announce(state: &AppState, id: &str, status: Status, reason: Option<Reason>) {
    let update = Update {
        id: id.to_string(),
        status,
        reason: reason.map(|r| r.code().to_string()),
    };
    state.tickets.announce(&state.db, update).await;
}

/// `POST /api/v1/login/mp-qrcode/{ticket}/scan`: the mini program opened the code.
pub async fn scan(
    State(state): State<AppState>,
    Path(ticket): Path<String>,
) -> Result<Json<Value>, ApiError> {
    match claim(&state, &ticket, &[Waiting], Scanned).await? {
        Ok((id, _)) => announce(&state, &id, Scanned, None).await,
        // The phone may open the same live code again.
        Err(row) if row.status == Scanned.as_str() && row.expires_at > state.clock.now() => {}
        Err(row) => return Err(not_open(&row, &state)),
    }
    Ok(Json(json!({ "status": Scanned })))
}

/// `POST /api/v1/login/mp-qrcode/{ticket}/cancel`: the person said no on the phone.
pub async fn cancel(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    headers: HeaderMap,
    Path(ticket): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let (id, row) = step(&state, &ticket, &[Waiting, Scanned], Cancelled).await?;
    announce(&state, &id, Cancelled, None).await;
    let who = who(&state, &meta, &headers, &row).await;
    let outcome = LoginOutcome::Refused(Reason::Cancelled);
    crate::login::record(&state, &who, outcome, None, None).await;
    Ok(Json(json!({ "status": Cancelled })))
}

/// The confirmation's work: the flow checked again (the source may have been switched off or
/// unlinked from the application since the code was shown), the codes exchanged, the person
/// resolved.
/// How a confirmation ends well.
enum Confirmation {
    /// The person is this user (created just now?).
    User(String, bool),
    /// A new identity for an ask-to-bind source: it waits as a pending binding, which the
    /// browser that shows the code opens when it finishes the ticket.
    Binding,
}

async fn resolve(
    state: &AppState,
    row: &TicketRow,
    code: &str,
    phone_code: Option<&str>,
) -> Result<Confirmation, Refusal> {
    let flow = flow::reopen(state, &row.request_id, row.source_id).await?;
    let sighting = proof::mini::sighting(state, &flow.credentials, code, phone_code).await?;
    match crate::login::resolve(state, &sighting, &flow.source).await {
        Ok((user, created)) => Ok(Confirmation::User(user, created)),
        // The binding page needs the browser that shows the code; an app ticket has none.
        Err(r) if r.reason == Reason::AskToBind && !super::held_by_app(&row.browser_hash) => {
            binding::begin(state, &flow, &sighting, &row.browser_hash, &row.id).await?;
            Ok(Confirmation::Binding)
        }
        Err(r) => Err(r),
    }
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
        let mut e = ApiError::from(Reason::InvalidRequest);
        e.message = "code (from wx.login) is required".into();
        return Err(e);
    }
    let phone_code = input
        .phone_code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    // Claimed before WeChat is called: a second confirm cannot spend the codes again.
    let (id, row) = step(&state, &ticket, &[Waiting, Scanned], Confirming).await?;
    let outcome = resolve(&state, &row, code, phone_code).await;
    let now = state.clock.now();
    let confirming = [Confirming.as_str()];
    let (to, reason, user_id) = match &outcome {
        Ok(Confirmation::User(user_id, _)) => (Confirmed, None, Some(user_id.as_str())),
        // Confirmed without a user: the finish opens the binding.
        Ok(Confirmation::Binding) => (Confirmed, Some(Reason::AskToBind), None),
        Err(r) => (Failed, Some(r.reason), None),
    };
    let change = Move {
        from: &confirming,
        to: to.as_str(),
        reason: reason.map(Reason::code),
        user_id,
        live_at: None,
    };
    mp_tickets::transition(&state.db, &id, &change, now)
        .await
        .map_err(Refusal::from)?;
    announce(&state, &id, to, reason.filter(|_| to == Failed)).await;
    match outcome {
        Ok(Confirmation::User(user_id, created)) => {
            if created {
                tracing::info!(user = user_id, "mini-program login created a user");
            }
            if super::held_by_app(&row.browser_hash) {
                // What the mini program's launchApp button hands back to the app (extMsg):
                // the ticket, which only the app's PKCE verifier can finish.
                return Ok(Json(
                    json!({ "status": Confirmed, "app_parameter": ticket }),
                ));
            }
            Ok(Json(json!({ "status": Confirmed })))
        }
        Ok(Confirmation::Binding) => {
            let who = who(&state, &meta, &headers, &row).await;
            let outcome = LoginOutcome::Refused(Reason::AskToBind);
            let detail = Some("binding offered".to_string());
            crate::login::record(&state, &who, outcome, detail, None).await;
            Ok(Json(json!({ "status": Confirmed })))
        }
        Err(refusal) => {
            // Looked up only for a refusal's log line: a successful confirmation skips the reads.
            let who = who(&state, &meta, &headers, &row).await;
            let outcome = LoginOutcome::Refused(refusal.reason);
            crate::login::record(
                &state,
                &who,
                outcome,
                refusal.detail.clone(),
                refusal.user_id.as_deref(),
            )
            .await;
            Err(refusal.into())
        }
    }
}
