//! The Overview: logins by day and mode, new users by day, failed logins by reason, and the
//! totals. Views read hourly counts (`store::stats`) that a background task keeps up to date,
//! plus the few minutes of raw rows it has not reached yet; nothing is recomputed from the whole
//! login log on a view.

use std::collections::BTreeMap;
use std::sync::Arc;

use app::model::{ModeSeries, Overview, ReasonCount};
use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use sea_orm::DatabaseConnection;

use crate::clock::Clock;
use crate::store::StoreError;
use crate::store::stats::{self as store, HourCount};

/// Counting stays this far behind the clock, so that a log line written late in a slow
/// transaction (its time taken before its commit) is not passed by.
pub const MARGIN: TimeDelta = TimeDelta::minutes(2);
/// At most this much is counted in one transaction (a first count over a long history).
const STEP: TimeDelta = TimeDelta::days(1);
/// How often the counts catch up.
const EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// The days China Standard Time counts in (no daylight saving time).
pub const UTC_OFFSET_HOURS: i32 = 8;

/// Log outcomes that admitted someone.
pub fn admitted(outcome: &str) -> bool {
    matches!(outcome, "success" | "bound" | "bind_declined")
}

/// Log outcomes that are a step of a login, neither admitting nor refusing anyone.
fn intermediate(outcome: &str) -> bool {
    matches!(outcome, "escalated" | "ask_to_bind")
}

/// Counts everything up to `now - MARGIN`; the number of stretches counted.
pub async fn roll_up(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u32, StoreError> {
    let end = now - MARGIN;
    let mut steps = 0;
    loop {
        let mark = store::rolled_until(db).await?;
        let from = match mark {
            0 => store::earliest(db).await?.unwrap_or(end),
            ms => DateTime::from_timestamp_millis(ms).unwrap_or(end),
        };
        if from >= end {
            return Ok(steps);
        }
        let to = end.min(from + STEP);
        if !store::roll(db, mark, from, to).await? {
            // Another instance moved the mark; it is counting this stretch.
            return Ok(steps);
        }
        steps += 1;
    }
}

/// Keeps the counts caught up, and the totals of users and identities counted, once a minute.
pub fn spawn_roller(db: DatabaseConnection, clock: Arc<dyn Clock>) {
    tokio::spawn(async move {
        loop {
            // A minute after start first: until then views count from the raw rows.
            tokio::time::sleep(EVERY).await;
            if let Err(e) = roll_up(&db, clock.now()).await {
                tracing::warn!(error = %e, "overview: cannot count the latest logins");
            }
            if let Err(e) = store::refresh_totals(&db, clock.now()).await {
                tracing::warn!(error = %e, "overview: cannot count users and identities");
            }
        }
    });
}

/// The last `days` days (today included) in the calendar `offset_hours` east of UTC.
pub async fn overview(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    offset_hours: i32,
    days: u32,
) -> Result<Overview, StoreError> {
    let offset = TimeDelta::hours(i64::from(offset_hours));
    let today = (now + offset).date_naive();
    let first = today
        .checked_sub_days(Days::new(u64::from(days.max(1) - 1)))
        .unwrap_or(today);
    let from = first.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - offset;
    let (rows, totals) = store::since(db, from).await?;
    let mut figures = tally(&rows, first, days.max(1), offset);
    figures.utc_offset_hours = offset_hours;
    figures.users = count(totals.users);
    figures.identities = count(totals.identities);
    figures.applications = count(totals.applications);
    figures.sources = count(totals.sources);
    Ok(figures)
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Sums hourly counts into days starting at `first`.
fn tally(rows: &[HourCount], first: NaiveDate, days: u32, offset: TimeDelta) -> Overview {
    let len = days as usize;
    let mut by_mode: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut new_users = vec![0u64; len];
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();
    let (mut logins, mut failed) = (0u64, 0u64);
    for row in rows {
        let Some(day) = day_index(&row.hour, first, len, offset) else {
            continue;
        };
        let n = count(row.count);
        match row.kind.as_str() {
            "user" => new_users[day] += n,
            _ if admitted(&row.outcome) => {
                let mode = if row.mode.is_empty() {
                    "none"
                } else {
                    &row.mode
                };
                by_mode
                    .entry(mode.to_string())
                    .or_insert_with(|| vec![0; len])[day] += n;
                logins += n;
            }
            _ if intermediate(&row.outcome) => {}
            _ => {
                *failures.entry(row.outcome.clone()).or_default() += n;
                failed += n;
            }
        }
    }
    let mut failures: Vec<ReasonCount> = failures
        .into_iter()
        .map(|(reason, count)| ReasonCount { reason, count })
        .collect();
    failures.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.reason.cmp(&b.reason)));
    Overview {
        days: (0..len)
            .filter_map(|i| first.checked_add_days(Days::new(i as u64)))
            .map(|d| d.format("%Y-%m-%d").to_string())
            .collect(),
        logins_by_mode: by_mode
            .into_iter()
            .map(|(mode, counts)| ModeSeries { mode, counts })
            .collect(),
        new_users,
        failures,
        logins,
        failed,
        ..Overview::default()
    }
}

/// Which shown day the UTC hour `hour` (`YYYY-MM-DDTHH`) falls on.
fn day_index(hour: &str, first: NaiveDate, len: usize, offset: TimeDelta) -> Option<usize> {
    let at = NaiveDateTime::parse_from_str(&format!("{hour}:00"), "%Y-%m-%dT%H:%M").ok()?;
    let day = (at + offset).date();
    let index = usize::try_from((day - first).num_days()).ok()?;
    (index < len).then_some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(hour: &str, kind: &str, mode: &str, outcome: &str, count: i64) -> HourCount {
        HourCount {
            hour: hour.into(),
            kind: kind.into(),
            mode: mode.into(),
            outcome: outcome.into(),
            count,
        }
    }

    #[test]
    fn hours_fall_on_the_days_of_the_offset() {
        let first = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let rows = [
            // 15:00 UTC on the 4th is 23:00 in China: before the first day.
            row("2026-12-04T15", "login", "webpage", "success", 7),
            // 16:00 UTC on the 4th is midnight of the 5th in China.
            row("2026-12-04T16", "login", "webpage", "success", 2),
            row("2026-12-05T16", "login", "webpage", "bound", 3),
            row("2026-12-05T16", "login", "pc_qrcode", "success", 1),
            row("2026-12-05T17", "login", "pc_qrcode", "invalid_code", 4),
            row("2026-12-05T17", "login", "webpage", "escalated", 9),
            row("2026-12-05T18", "login", "", "user_blocked", 5),
            row("2026-12-05T18", "user", "", "", 6),
            // Past the last day.
            row("2026-12-06T16", "user", "", "", 8),
        ];
        let o = tally(&rows, first, 2, TimeDelta::hours(8));
        assert_eq!(o.days, ["2026-12-05", "2026-12-06"]);
        assert_eq!(
            o.logins_by_mode,
            [
                ModeSeries {
                    mode: "pc_qrcode".into(),
                    counts: vec![0, 1]
                },
                ModeSeries {
                    mode: "webpage".into(),
                    counts: vec![2, 3]
                },
            ]
        );
        assert_eq!(o.new_users, [0, 6]);
        assert_eq!((o.logins, o.failed), (6, 9));
        assert_eq!(
            o.failures,
            [
                ReasonCount {
                    reason: "user_blocked".into(),
                    count: 5
                },
                ReasonCount {
                    reason: "invalid_code".into(),
                    count: 4
                },
            ]
        );
    }
}
