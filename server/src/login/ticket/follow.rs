//! Following one ticket's status for the page that created it: the status at once, then each
//! change, and `expired` when its time is up. The Server-Sent Events route and the connections
//! that carry nothing but a stream (`direct`) both tell what this yields.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;

use super::hub::Subscription;
use super::{Shown, Status};
use crate::login::refusal::Reason;
use crate::state::AppState;
use crate::store::mp_tickets;
use crate::web::ApiError;

/// A comment line this often keeps proxies from closing a quiet stream.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// An event's data: the status as JSON.
pub fn data(shown: &Shown) -> String {
    serde_json::to_string(shown).unwrap_or_else(|_| "{}".into())
}

/// One page's stream: the status it was last told, and what comes next.
pub struct Follow {
    subscription: Subscription,
    first: Option<Shown>,
    last: Option<Status>,
    expires_at: chrono::DateTime<chrono::Utc>,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
    /// Counted as an open stream while it lives.
    _open: crate::metrics::StreamOpen,
}

impl Follow {
    /// Subscribes first and then reads the row, so that a change in between is seen by one or
    /// the other. Only the browser that created the ticket may follow it (or, for an app
    /// ticket, whoever holds the ticket: finishing it takes the app's PKCE verifier).
    pub async fn open(
        state: &AppState,
        ticket: &str,
        holder: Holder<'_>,
    ) -> Result<Self, ApiError> {
        let id = super::ticket_id(ticket).ok_or_else(|| ApiError::from(Reason::TicketUnknown))?;
        let subscription = state.tickets.subscribe(&id);
        let row = own_ticket(state, ticket, holder).await?;
        Ok(Self {
            subscription,
            first: Some(super::shown_row(&row, state.clock.now())),
            last: None,
            expires_at: row.expires_at,
            clock: state.clock.clone(),
            _open: crate::metrics::StreamOpen::new(),
        })
    }

    /// The next status to tell, or `None` once a final one has been told. Dropping the future
    /// between changes loses nothing.
    pub async fn next(&mut self) -> Option<Shown> {
        if self.last.is_some_and(Status::is_final) {
            return None;
        }
        if let Some(first) = self.first.take() {
            self.last = Some(first.status);
            return Some(first);
        }
        loop {
            let wait = (self.expires_at - self.clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO);
            let expiry = tokio::time::sleep(wait + Duration::from_millis(20));
            tokio::select! {
                changed = self.subscription.rx.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                }
                () = expiry => {}
            }
            let current = self.subscription.rx.borrow_and_update().clone();
            let now = self.clock.now();
            let shown = match current {
                Some(u) => super::shown(u.status, u.reason.as_deref(), self.expires_at, now),
                None => super::shown(
                    self.last.unwrap_or(Status::Waiting),
                    None,
                    self.expires_at,
                    now,
                ),
            };
            if Some(shown.status) != self.last {
                self.last = Some(shown.status);
                return Some(shown);
            }
            if self.expires_at <= now && !shown.status.is_final() {
                // Past expiry with confirmation under way: only a change can end it now.
                self.subscription.rx.changed().await.ok()?;
                continue;
            }
        }
    }
}

/// Who follows a ticket.
#[derive(Clone, Copy)]
pub enum Holder<'a> {
    /// The browser that shows the mini-program code (its cookie).
    Browser(&'a HeaderMap),
    /// The app that launched the mini program.
    App,
}

/// The ticket behind a path, for its holder.
pub async fn own_ticket(
    state: &AppState,
    ticket: &str,
    holder: Holder<'_>,
) -> Result<mp_tickets::TicketRow, ApiError> {
    let unknown = || ApiError::from(Reason::TicketUnknown);
    let id = super::ticket_id(ticket).ok_or_else(unknown)?;
    let row = mp_tickets::get(&state.db, &id)
        .await
        .map_err(crate::login::refusal::Refusal::from)?
        .ok_or_else(unknown)?;
    let theirs = match holder {
        Holder::Browser(headers) => {
            crate::login::browser_hash(headers).as_deref() == Some(row.browser_hash.as_str())
        }
        Holder::App => super::held_by_app(&row.browser_hash),
    };
    if !theirs {
        return Err(Reason::OtherBrowser.into());
    }
    Ok(row)
}

/// `GET /api/v1/login/mp-qrcode/{ticket}`: the status now (the page's fallback to the stream).
pub async fn status(
    State(state): State<AppState>,
    Path(ticket): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Shown>, ApiError> {
    let row = own_ticket(&state, &ticket, Holder::Browser(&headers)).await?;
    Ok(Json(super::shown_row(&row, state.clock.now())))
}

/// `GET /api/v1/login/app-mp/{ticket}`: an app ticket's status now.
pub async fn app_status(
    State(state): State<AppState>,
    Path(ticket): Path<String>,
) -> Result<Json<Shown>, ApiError> {
    let row = own_ticket(&state, &ticket, Holder::App).await?;
    Ok(Json(super::shown_row(&row, state.clock.now())))
}

/// `GET /api/v1/login/mp-qrcode/{ticket}/events`: the status as Server-Sent Events, ending after
/// a final status. (A connection that carries nothing but this stream is served by `direct`.)
pub async fn events(
    State(state): State<AppState>,
    Path(ticket): Path<String>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    stream(Follow::open(&state, &ticket, Holder::Browser(&headers)).await?)
}

/// `GET /api/v1/login/app-mp/{ticket}/events`: an app ticket's status as Server-Sent Events.
pub async fn app_events(
    State(state): State<AppState>,
    Path(ticket): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    stream(Follow::open(&state, &ticket, Holder::App).await?)
}

fn stream(follow: Follow) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let stream = futures_util::stream::unfold(follow, |mut f| async move {
        let shown = f.next().await?;
        let event = Event::default().event("status").data(data(&shown));
        Some((Ok(event), f))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}
