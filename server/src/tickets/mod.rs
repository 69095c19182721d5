//! Tickets: a login waiting for a phone. The computer (mini-program code) or the app
//! (app-launched mini program) holds the ticket and follows its status; the mini program scans,
//! confirms or cancels it. This module holds the rules, free of storage and HTTP (how long a
//! ticket lives, what its follower is told, which statuses are final), and the [`hub`] where
//! status changes meet their followers across instances. The routes are `login::ticket`'s.

pub mod hub;

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::crypto::token::token_hash;
use crate::store::mp_tickets::TicketRow;

/// How long a code can be scanned.
pub const LIFETIME_SECS: i64 = 120;
/// How long a confirmed ticket waits for its page to finish the login.
pub const REDEEM_SECS: i64 = 120;

/// A ticket's status. Stored as its code; `Expired` is never stored (a waiting or scanned
/// ticket past its expiry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Waiting,
    Scanned,
    /// The phone's confirmation is being checked with WeChat (shown as `scanned`).
    Confirming,
    Confirmed,
    Cancelled,
    Failed,
    Used,
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Waiting => "waiting",
            Status::Scanned => "scanned",
            Status::Confirming => "confirming",
            Status::Confirmed => "confirmed",
            Status::Cancelled => "cancelled",
            Status::Failed => "failed",
            Status::Used => "used",
            Status::Expired => "expired",
        }
    }

    /// A stored status; anything unknown reads as failed.
    pub fn parse(s: &str) -> Status {
        [
            Status::Waiting,
            Status::Scanned,
            Status::Confirming,
            Status::Confirmed,
            Status::Cancelled,
            Status::Used,
            Status::Expired,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
        .unwrap_or(Status::Failed)
    }

    /// No further change will come.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Confirmed | Status::Cancelled | Status::Failed | Status::Used | Status::Expired
        )
    }
}

/// How an app ticket's holder is kept: this prefix and the app's PKCE challenge. A browser's
/// ticket keeps a hash of its cookie instead, so neither kind can be finished as the other.
pub const APP_HOLDER: &str = "app:";

/// The holder of an app ticket whose PKCE challenge is `challenge`.
pub fn app_holder(challenge: &str) -> String {
    format!("{APP_HOLDER}{challenge}")
}

/// Whether a ticket is held by an app (not by a browser).
pub fn held_by_app(holder: &str) -> bool {
    holder.starts_with(APP_HOLDER)
}

pub fn lifetime() -> Duration {
    Duration::seconds(LIFETIME_SECS)
}

/// A new ticket: 24 random bytes as 32 URL-safe characters, within WeChat's scene rules (at most
/// 32 characters of letters, digits and `-_` among others).
pub fn new_ticket() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored id of a ticket; `None` for text that cannot be one of ours.
pub fn ticket_id(ticket: &str) -> Option<String> {
    let ok = ticket.len() == 32
        && ticket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| token_hash(ticket))
}

/// What the page is told.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Shown {
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Seconds until the code expires (0 once it has).
    pub expires_in: i64,
}

/// The status a page sees: `confirming` looks like `scanned`, and a code nobody confirmed in
/// time is `expired`.
pub fn shown(
    status: Status,
    reason: Option<&str>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Shown {
    use Status::*;
    let live = expires_at > now;
    let status = match status {
        Waiting if live => Waiting,
        Scanned | Confirming if live => Scanned,
        Waiting | Scanned | Expired => Expired,
        // Started in time: its outcome is still coming.
        Confirming => Scanned,
        other => other,
    };
    Shown {
        status,
        reason: (status == Failed).then(|| reason.unwrap_or("failed").to_string()),
        expires_in: (expires_at - now).num_seconds().max(0),
    }
}

pub fn shown_row(row: &TicketRow, now: DateTime<Utc>) -> Shown {
    shown(
        Status::parse(&row.status),
        row.reason.as_deref(),
        row.expires_at,
        now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn tickets_fit_a_scene_and_only_ours_have_an_id() {
        let ticket = new_ticket();
        assert_eq!(ticket.len(), 32);
        assert!(ticket_id(&ticket).is_some());
        assert_ne!(new_ticket(), ticket);
        assert_eq!(ticket_id("short"), None);
        assert_eq!(ticket_id(&"a".repeat(31)), None);
        assert!(ticket_id(&"a".repeat(32)).is_some());
        assert_eq!(ticket_id(&format!("{}!", &ticket[..31])), None);
    }

    use Status::*;

    #[test]
    fn codes_expire_unless_confirmation_began_in_time() {
        assert_eq!(shown(Waiting, None, t(120), t(119)).status, Waiting);
        assert_eq!(shown(Waiting, None, t(120), t(120)).status, Expired);
        assert_eq!(shown(Scanned, None, t(120), t(121)).status, Expired);
        assert_eq!(shown(Confirming, None, t(120), t(10)).status, Scanned);
        assert_eq!(shown(Confirming, None, t(120), t(130)).status, Scanned);
        assert_eq!(shown(Confirmed, None, t(120), t(130)).status, Confirmed);
        let failed = shown(Failed, Some("wechat_error"), t(120), t(10));
        assert_eq!(
            (failed.status, failed.reason.as_deref()),
            (Failed, Some("wechat_error"))
        );
        assert_eq!(failed.expires_in, 110);
        assert!(Expired.is_final() && !Scanned.is_final());
        assert_eq!(Status::parse("confirming"), Confirming);
        assert_eq!(Status::parse("nonsense"), Failed);
    }
}
