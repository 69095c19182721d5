//! The Overview's counts by hour (`stats_hourly`), how far they reach (`stats_rollup`), and the
//! raw rows past that point. Hours are UTC, written `YYYY-MM-DDTHH` by both databases.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, FromQueryResult, Statement, TransactionTrait,
};

use super::StoreError;

/// One count: an hour, `login` or `user`, and for logins the mode and outcome.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct HourCount {
    pub hour: String,
    pub kind: String,
    pub mode: String,
    pub outcome: String,
    pub count: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromQueryResult)]
pub struct Totals {
    pub users: i64,
    pub identities: i64,
    pub applications: i64,
    pub sources: i64,
}

/// `col`'s UTC hour as `YYYY-MM-DDTHH`.
fn hour_of(backend: DbBackend, col: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24')"),
        // The stored text is RFC 3339 in UTC (`2026-12-06T17:00:00.123+00:00`): its first 13
        // characters are the hour. (`strftime` would round to the millisecond, moving a line
        // written at 15:59:59.9996 into the next hour.)
        _ => format!("substr({col}, 1, 13)"),
    }
}

fn params(backend: DbBackend) -> [&'static str; 2] {
    match backend {
        DbBackend::Postgres => ["$1", "$2"],
        _ => ["?", "?"],
    }
}

/// A time in a statement, with the value to bind if any. PostgreSQL gets it written in the
/// statement: a bound time gets a generic plan after a few runs, and for `at >= $1` that plan
/// is a scan of the whole log (seconds at 5,000,000 lines) instead of the index's last minutes.
/// The text comes from a `DateTime`, never from input.
fn time(backend: DbBackend, at: DateTime<Utc>, values: &mut Vec<sea_orm::Value>) -> String {
    match backend {
        DbBackend::Postgres => format!(
            "'{}'::timestamptz",
            at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        ),
        _ => {
            values.push(at.into());
            "?".to_string()
        }
    }
}

/// Log lines and new users in `[from, to)` (or from `from` on), grouped by hour (and mode and
/// outcome).
fn grouped(
    backend: DbBackend,
    from: DateTime<Utc>,
    to: Option<DateTime<Utc>>,
) -> (String, Vec<sea_orm::Value>) {
    let mut values = Vec::new();
    let range = |col: &str, values: &mut Vec<sea_orm::Value>| {
        let mut sql = format!("{col} >= {}", time(backend, from, values));
        if let Some(to) = to {
            sql.push_str(&format!(" AND {col} < {}", time(backend, to, values)));
        }
        sql
    };
    let logins = format!(
        "SELECT {h} AS hour, 'login' AS kind, COALESCE(mode, '') AS mode, outcome, COUNT(*) AS count \
         FROM login_log WHERE {r} GROUP BY 1, 3, 4",
        h = hour_of(backend, "at"),
        r = range("at", &mut values),
    );
    let users = format!(
        "SELECT {h} AS hour, 'user' AS kind, '' AS mode, '' AS outcome, COUNT(*) AS count \
         FROM users WHERE {r} GROUP BY 1",
        h = hour_of(backend, "created_at"),
        r = range("created_at", &mut values),
    );
    (format!("{logins} UNION ALL {users}"), values)
}

/// How far the hourly counts reach, in milliseconds since the epoch (0: nothing rolled yet).
pub async fn rolled_until<C: ConnectionTrait>(db: &C) -> Result<i64, StoreError> {
    #[derive(FromQueryResult)]
    struct Mark {
        rolled_until_ms: i64,
    }
    let backend = db.get_database_backend();
    let mark = Mark::find_by_statement(Statement::from_string(
        backend,
        "SELECT rolled_until_ms FROM stats_rollup WHERE id = 1",
    ))
    .one(db)
    .await?;
    Ok(mark.map(|m| m.rolled_until_ms).unwrap_or(0))
}

/// The earliest log line or user, where counting starts the first time.
pub async fn earliest(db: &DatabaseConnection) -> Result<Option<DateTime<Utc>>, StoreError> {
    #[derive(FromQueryResult)]
    struct First {
        at: Option<DateTime<Utc>>,
    }
    let backend = db.get_database_backend();
    let mut firsts = Vec::new();
    for sql in [
        "SELECT MIN(at) AS at FROM login_log",
        "SELECT MIN(created_at) AS at FROM users",
    ] {
        let first = First::find_by_statement(Statement::from_string(backend, sql))
            .one(db)
            .await?;
        firsts.extend(first.and_then(|f| f.at));
    }
    Ok(firsts.into_iter().min())
}

/// Adds the log lines and users of `[from, to)` to the hourly counts and moves the mark from
/// `mark_ms` to `to`, in one transaction. False (nothing done) when another instance moved the
/// mark first.
pub async fn roll(
    db: &DatabaseConnection,
    mark_ms: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let backend = db.get_database_backend();
    let [a, b] = params(backend);
    // The mark keeps milliseconds: the stretch must end exactly there, or the lines of the cut
    // microseconds would be counted again by the next stretch.
    let to = to.duration_trunc(TimeDelta::milliseconds(1)).unwrap_or(to);
    if to <= from {
        return Ok(false);
    }
    let txn = db.begin().await?;
    // The mark moves first: its row lock (PostgreSQL) or the write lock (SQLite) keeps a second
    // instance from adding the same stretch, which then finds the mark moved and does nothing.
    let moved = txn
        .execute_raw(Statement::from_sql_and_values(
            backend,
            format!("UPDATE stats_rollup SET rolled_until_ms = {a} WHERE id = 1 AND rolled_until_ms = {b}"),
            [to.timestamp_millis().into(), mark_ms.into()],
        ))
        .await?;
    if moved.rows_affected() != 1 {
        txn.rollback().await?;
        return Ok(false);
    }
    let (select, values) = grouped(backend, from, Some(to));
    let sql = format!(
        "INSERT INTO stats_hourly (hour, kind, mode, outcome, count) \
         SELECT hour, kind, mode, outcome, count FROM ({select}) AS rolled WHERE true \
         ON CONFLICT (hour, kind, mode, outcome) DO UPDATE SET count = stats_hourly.count + excluded.count"
    );
    txn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    txn.commit().await?;
    Ok(true)
}

/// Counts users and identities into the rollup row, unless another instance did in the last
/// minute; true if this call counted.
pub async fn refresh_totals(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let backend = db.get_database_backend();
    let [a, b] = params(backend);
    let now_ms = now.timestamp_millis();
    // The condition is checked before the counts run, and holds the row: one instance counts.
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "UPDATE stats_rollup SET users = (SELECT COUNT(*) FROM users), \
                 identities = (SELECT COUNT(*) FROM identities), counted_at_ms = {a} \
                 WHERE id = 1 AND counted_at_ms <= {b}"
            ),
            [now_ms.into(), (now_ms - 60_000).into()],
        ))
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The totals: as last counted plus the users and identities made since (deletions show at
/// the next count, within a minute), or counted now when never counted.
async fn totals<C: ConnectionTrait>(db: &C) -> Result<Totals, StoreError> {
    #[derive(FromQueryResult)]
    struct Counted {
        users: i64,
        identities: i64,
        counted_at_ms: i64,
    }
    let backend = db.get_database_backend();
    let counted = Counted::find_by_statement(Statement::from_string(
        backend,
        "SELECT users, identities, counted_at_ms FROM stats_rollup WHERE id = 1",
    ))
    .one(db)
    .await?;
    let small = "(SELECT COUNT(*) FROM applications) AS applications, \
                 (SELECT COUNT(*) FROM identity_sources) AS sources";
    let (sql, values): (String, Vec<sea_orm::Value>) = match counted {
        Some(c) if c.counted_at_ms > 0 => {
            let at = DateTime::<Utc>::from_timestamp_millis(c.counted_at_ms).unwrap_or_default();
            let mut values = Vec::new();
            let p1 = time(backend, at, &mut values);
            let p2 = time(backend, at, &mut values);
            (
                format!(
                    "SELECT {u} + (SELECT COUNT(*) FROM users WHERE created_at >= {p1}) AS users, \
                     {i} + (SELECT COUNT(*) FROM identities WHERE first_seen >= {p2}) AS identities, {small}",
                    u = c.users,
                    i = c.identities,
                ),
                values,
            )
        }
        _ => (
            format!(
                "SELECT (SELECT COUNT(*) FROM users) AS users, \
                 (SELECT COUNT(*) FROM identities) AS identities, {small}"
            ),
            Vec::new(),
        ),
    };
    Ok(
        Totals::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
            .one(db)
            .await?
            .unwrap_or_default(),
    )
}

/// `at`'s hour as the hourly counts write it.
pub fn hour_key(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H").to_string()
}

/// The counts from the hour of `from` on: the hourly counts, then the raw rows past the mark,
/// read in one snapshot so that a roll finishing meanwhile is counted once. With the totals of
/// users, identities, applications and sources.
pub async fn since(
    db: &DatabaseConnection,
    from: DateTime<Utc>,
) -> Result<(Vec<HourCount>, Totals), StoreError> {
    let from_hour = hour_key(from);
    let backend = db.get_database_backend();
    let [a, _] = params(backend);
    let txn = match backend {
        DbBackend::Postgres => {
            db.begin_with_config(Some(sea_orm::IsolationLevel::RepeatableRead), None)
                .await?
        }
        _ => db.begin().await?,
    };
    let mark = rolled_until(&txn).await?;
    let mut rows = HourCount::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!("SELECT hour, kind, mode, outcome, count FROM stats_hourly WHERE hour >= {a}"),
        [from_hour.clone().into()],
    ))
    .all(&txn)
    .await?;
    let mark = DateTime::<Utc>::from_timestamp_millis(mark).unwrap_or_default();
    // Raw rows before `from`'s hour are not wanted (nor read, when nothing was rolled yet).
    let hour_start = from.duration_trunc(TimeDelta::hours(1)).unwrap_or(from);
    let start = mark.max(hour_start);
    let (tail_sql, values) = grouped(backend, start, None);
    let tail =
        HourCount::find_by_statement(Statement::from_sql_and_values(backend, tail_sql, values))
            .all(&txn)
            .await?;
    rows.extend(tail);
    let totals = totals(&txn).await?;
    txn.commit().await?;
    Ok((rows, totals))
}
