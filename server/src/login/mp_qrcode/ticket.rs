//! The rules of a ticket, free of storage and HTTP: how long it lives, what its page is told,
//! and which moves the phone may make.

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::Serialize;

use crate::crypto::token::token_hash;
use crate::store::mp_tickets::TicketRow;

/// How long a code can be scanned.
pub const LIFETIME_SECS: i64 = 120;
/// How long a confirmed ticket waits for its page to finish the login.
pub const REDEEM_SECS: i64 = 120;

pub const WAITING: &str = "waiting";
pub const SCANNED: &str = "scanned";
/// The phone's confirmation is being checked with WeChat (shown as `scanned`).
pub const CONFIRMING: &str = "confirming";
pub const CONFIRMED: &str = "confirmed";
pub const CANCELLED: &str = "cancelled";
pub const FAILED: &str = "failed";
pub const USED: &str = "used";
/// Never stored: a waiting or scanned ticket past its expiry.
pub const EXPIRED: &str = "expired";

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
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Seconds until the code expires (0 once it has).
    pub expires_in: i64,
}

/// The status a page sees: `confirming` looks like `scanned`, and a code nobody confirmed in
/// time is `expired`.
pub fn shown(
    status: &str,
    reason: Option<&str>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Shown {
    let live = expires_at > now;
    let status = match status {
        WAITING if live => WAITING,
        SCANNED | CONFIRMING if live => SCANNED,
        WAITING | SCANNED => EXPIRED,
        // Started in time: its outcome is still coming.
        CONFIRMING => SCANNED,
        CONFIRMED => CONFIRMED,
        CANCELLED => CANCELLED,
        USED => USED,
        _ => FAILED,
    };
    Shown {
        status,
        reason: (status == FAILED).then(|| reason.unwrap_or("failed").to_string()),
        expires_in: (expires_at - now).num_seconds().max(0),
    }
}

pub fn shown_row(row: &TicketRow, now: DateTime<Utc>) -> Shown {
    shown(&row.status, row.reason.as_deref(), row.expires_at, now)
}

/// No further change will come.
pub fn is_final(status: &str) -> bool {
    matches!(status, CONFIRMED | CANCELLED | FAILED | USED | EXPIRED)
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

    #[test]
    fn codes_expire_unless_confirmation_began_in_time() {
        assert_eq!(shown(WAITING, None, t(120), t(119)).status, WAITING);
        assert_eq!(shown(WAITING, None, t(120), t(120)).status, EXPIRED);
        assert_eq!(shown(SCANNED, None, t(120), t(121)).status, EXPIRED);
        assert_eq!(shown(CONFIRMING, None, t(120), t(10)).status, SCANNED);
        assert_eq!(shown(CONFIRMING, None, t(120), t(130)).status, SCANNED);
        assert_eq!(shown(CONFIRMED, None, t(120), t(130)).status, CONFIRMED);
        let failed = shown(FAILED, Some("wechat_error"), t(120), t(10));
        assert_eq!(
            (failed.status, failed.reason.as_deref()),
            (FAILED, Some("wechat_error"))
        );
        assert_eq!(failed.expires_in, 110);
        assert!(is_final(EXPIRED) && !is_final(SCANNED));
    }
}
