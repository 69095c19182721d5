//! An app launches the mini program to log in (`app_launch_miniprogram`). The app asks for a
//! ticket bound to its PKCE challenge, launches the mini program with the ticket in the page's
//! query (`WXLaunchMiniProgram`), and the mini program scans, confirms or cancels it with the
//! same calls as a mini-program code (`ticket::phone`); the confirmation answers the
//! `app_parameter` for the mini program's `launchApp` button. The app then finishes the ticket
//! with its PKCE verifier and gets an authorization code, minted only now, which it redeems at
//! `/oauth/token` with the same verifier. A leaked `extMsg` or ticket is worthless without the
//! verifier, and a browser's ticket cannot be finished here (nor an app's in a browser).

use app::backend::RequestMeta;
use app::model::{AppType, SourceMode};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

use super::flow::{self, Target};
use super::refusal::{Reason, Refusal};
use super::ticket;
use super::{Attempt, LoginOutcome, Via};
use crate::crypto::token::random_token;
use crate::oidc::authorize::{known_scopes, request_ttl, valid_challenge};
use crate::state::AppState;
use crate::store::entities::auth_request;
use crate::store::{auth_requests, mp_tickets};
use crate::tokens::grants::s256;
use crate::web::{ApiError, json_body};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewLaunch {
    client_id: String,
    source: String,
    redirect_uri: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    state: Option<String>,
    code_challenge: String,
    code_challenge_method: String,
}

fn invalid(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

/// `POST /api/v1/login/app-mp`: a ticket for the app, and what it launches.
pub async fn create(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let input: NewLaunch = json_body(&body, "invalid_request")?;
    let app = state
        .catalog
        .application_by_client_id(&input.client_id)
        .await
        .map_err(Refusal::from)?
        .ok_or_else(|| invalid("invalid_client", "no application has this client_id"))?;
    if app.app_type != AppType::Native {
        return Err(invalid(
            "wrong_mode",
            "only native applications launch the mini program",
        ));
    }
    if !app.redirect_uris.contains(&input.redirect_uri) {
        return Err(invalid(
            "invalid_redirect_uri",
            "redirect_uri is not one of the application's registered redirect URIs",
        ));
    }
    let scopes = known_scopes(&input.scope);
    if !scopes.contains(&"openid") {
        return Err(invalid("invalid_scope", "the openid scope is required"));
    }
    if input.code_challenge_method != "S256" || !valid_challenge(&input.code_challenge) {
        return Err(invalid(
            "invalid_request",
            "code_challenge must be an S256 challenge (43 base64url characters)",
        ));
    }
    let too_long = |v: &Option<String>| v.as_ref().is_some_and(|v| v.len() > 255);
    if too_long(&input.nonce) || too_long(&input.state) {
        return Err(invalid(
            "invalid_request",
            "nonce and state are limited to 255 bytes",
        ));
    }
    let now = state.clock.now();
    let request = auth_request::Model {
        id: random_token(),
        application_id: app.id,
        redirect_uri: input.redirect_uri.clone(),
        scope: scopes.join(" "),
        state: input.state.clone(),
        nonce: input.nonce.clone(),
        code_challenge: Some(input.code_challenge.clone()),
        prompt: None,
        created_at: now,
        expires_at: now + request_ttl(),
    };
    let target = Target::App {
        req: Box::new(request.clone()),
        app: Box::new(app),
    };
    let flow = flow::with_target(&state, target, &input.source).await?;
    if flow.source.mode != SourceMode::AppLaunchMiniprogram {
        return Err(Refusal::with(Reason::WrongMode, "not an app-launch source").into());
    }
    auth_requests::insert(&state.db, request.clone().into())
        .await
        .map_err(Refusal::from)?;
    let holder = ticket::app_holder(&input.code_challenge);
    let (ticket, expires_at) =
        match ticket::open(&state, &meta.ip, &request.id, flow.source.id, &holder).await {
            Ok(t) => t,
            Err(r) => return Ok(ticket::refused(r)),
        };
    let page = flow.source.page_path.as_deref().unwrap_or("");
    let base = format!("/api/v1/login/app-mp/{ticket}");
    let answer = json!({
        "ticket": ticket,
        "expires_in": ticket::LIFETIME_SECS,
        "expires_at": expires_at.to_rfc3339(),
        "launch": {
            "user_name": flow.source.original_id,
            "path": format!("{page}?scene={ticket}"),
            "miniprogram_type": crate::wechat::miniprogram::launch_type(flow.source.env_version.as_deref()),
        },
        "status_url": base,
        "events_url": format!("{base}/events"),
        "finish_url": format!("{base}/finish"),
    });
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Finish {
    code_verifier: String,
}

/// `POST /api/v1/login/app-mp/{ticket}/finish` `{code_verifier}`: the confirmed ticket is
/// spent, and the app gets an authorization code for its redirect URI.
pub async fn finish(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    headers: axum::http::HeaderMap,
    Path(ticket): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let input: Finish = json_body(&body, "invalid_request")?;
    let mut who = super::attempt(&meta, &headers);
    who.mode = Some(Via::Mode(SourceMode::AppLaunchMiniprogram));
    match spend(&state, &ticket, &input.code_verifier, &mut who).await {
        Ok(answer) => Ok(Json(answer)),
        Err(refusal) => {
            // Only the tickets of a login are logged; a made-up ticket names none.
            if refusal.reason != Reason::TicketUnknown {
                let outcome = LoginOutcome::Refused(refusal.reason);
                super::record(
                    &state,
                    &who,
                    outcome,
                    refusal.detail.clone(),
                    refusal.user_id.as_deref(),
                )
                .await;
            }
            Err(refusal.into())
        }
    }
}

async fn spend(
    state: &AppState,
    ticket: &str,
    verifier: &str,
    who: &mut Attempt,
) -> Result<Value, Refusal> {
    let now = state.clock.now();
    let id = ticket::ticket_id(ticket).ok_or(Reason::TicketUnknown)?;
    let holder = ticket::app_holder(&s256(verifier));
    let since = now - chrono::Duration::seconds(ticket::REDEEM_SECS);
    let redeemed = mp_tickets::redeem(&state.db, &id, &holder, since, now).await?;
    let row = mp_tickets::get(&state.db, &id)
        .await?
        .ok_or(Reason::TicketUnknown)?;
    let source = state.catalog.get_source(row.source_id).await.ok();
    who.source_identifier = source.as_ref().map(|s| s.identifier.clone());
    if !redeemed {
        let why = if !ticket::held_by_app(&row.browser_hash) {
            "a browser's ticket".to_string()
        } else if row.browser_hash != holder {
            "the code_verifier does not match the ticket's code_challenge".to_string()
        } else {
            format!("status {}", row.status)
        };
        return Err(Refusal::with(Reason::TicketRefused, why));
    }
    let user_id = row
        .user_id
        .clone()
        .ok_or_else(|| Refusal::with(Reason::TicketRefused, "confirmed without a user"))?;
    let Target::App { req, app } = flow::target(state, &row.request_id).await? else {
        return Err(Refusal::with(Reason::TicketRefused, "no application"));
    };
    who.client_id = Some(app.client_id.clone());
    // Minted now, not at the confirmation: the person may have waited before tapping.
    let code = state
        .grants
        .issue_code(&app, super::code_request(&req, &user_id, now))
        .await?;
    super::record(state, who, LoginOutcome::Success, None, Some(&user_id)).await;
    let mut answer = json!({
        "code": code,
        "redirect_uri": req.redirect_uri,
        "iss": state.issuer,
    });
    if let Some(s) = &req.state {
        answer["state"] = json!(s);
    }
    Ok(answer)
}

/// The app's routes: a ticket, its status (one answer or a stream), and the finish.
pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/login/app-mp", post(create))
        .route(
            "/api/v1/login/app-mp/{ticket}",
            get(ticket::follow::app_status),
        )
        .route(
            "/api/v1/login/app-mp/{ticket}/events",
            get(ticket::follow::app_events),
        )
        .route("/api/v1/login/app-mp/{ticket}/finish", post(finish))
}
