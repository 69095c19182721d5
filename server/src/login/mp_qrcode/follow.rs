//! Following one ticket's status for the page that created it: the status at once, then each
//! change, and `expired` when its time is up. The Server-Sent Events route and the connections
//! that carry nothing but a stream (`direct`) both tell what this yields.

use std::time::Duration;

use axum::http::HeaderMap;

use super::browser::own_ticket;
use super::hub::Subscription;
use super::not_found;
use super::ticket::{self, Shown};
use crate::http::ApiError;
use crate::state::AppState;

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
    last: Option<&'static str>,
    expires_at: chrono::DateTime<chrono::Utc>,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
}

impl Follow {
    /// Subscribes first and then reads the row, so that a change in between is seen by one or
    /// the other. Only the browser that created the ticket may follow it.
    pub async fn open(
        state: &AppState,
        ticket: &str,
        headers: &HeaderMap,
    ) -> Result<Self, ApiError> {
        let id = ticket::ticket_id(ticket).ok_or_else(not_found)?;
        let subscription = state.tickets.subscribe(&id);
        let row = own_ticket(state, ticket, headers).await?;
        Ok(Self {
            subscription,
            first: Some(ticket::shown_row(&row, state.clock.now())),
            last: None,
            expires_at: row.expires_at,
            clock: state.clock.clone(),
        })
    }

    /// The next status to tell, or `None` once a final one has been told. Dropping the future
    /// between changes loses nothing.
    pub async fn next(&mut self) -> Option<Shown> {
        if self.last.is_some_and(ticket::is_final) {
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
                Some(u) => ticket::shown(&u.status, u.reason.as_deref(), self.expires_at, now),
                None => ticket::shown(
                    self.last.unwrap_or(ticket::WAITING),
                    None,
                    self.expires_at,
                    now,
                ),
            };
            if Some(shown.status) != self.last {
                self.last = Some(shown.status);
                return Some(shown);
            }
            if self.expires_at <= now && !ticket::is_final(shown.status) {
                // Past expiry with confirmation under way: only a change can end it now.
                self.subscription.rx.changed().await.ok()?;
                continue;
            }
        }
    }
}
