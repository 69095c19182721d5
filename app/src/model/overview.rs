//! The Overview's figures: the last days' logins by mode, new users, failed logins by reason,
//! and how many users, identities, applications and sources there are.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Overview {
    /// The days shown, oldest first, as `YYYY-MM-DD` in the calendar of `utc_offset_hours`.
    pub days: Vec<String>,
    /// The time zone the days are counted in, in hours east of UTC (8: China Standard Time).
    pub utc_offset_hours: i32,
    /// Logins per day (one count per entry of `days`) for each mode that had any.
    pub logins_by_mode: Vec<ModeSeries>,
    /// Users created per day.
    pub new_users: Vec<u64>,
    /// Refused logins of the whole period by reason, most frequent first.
    pub failures: Vec<ReasonCount>,
    /// Logins (signed in or bound) in the period.
    pub logins: u64,
    /// Refused logins in the period.
    pub failed: u64,
    pub users: u64,
    pub identities: u64,
    pub applications: u64,
    pub sources: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ModeSeries {
    /// `pc_qrcode`, `mp_qrcode`, `webpage`, `miniprogram`, `app`, `app_launch`.
    pub mode: String,
    pub counts: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ReasonCount {
    /// The login log's outcome code (`invalid_code`, `user_blocked`, …).
    pub reason: String,
    pub count: u64,
}

/// The Overview page: the figures and, drawn by the server, each chart as SVG markup.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewPage {
    pub figures: Overview,
    pub logins_chart: String,
    pub users_chart: String,
    pub failures_chart: String,
}
