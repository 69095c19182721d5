//! Keeps the tables that grow with every login bounded: expired authorization requests, login
//! attempts, bindings, codes, tickets, SSO and admin sessions, refresh tokens that expired or
//! whose grant ended, grants left with no code or refresh token, old sign-in failures, and
//! login-log and audit lines past their retention.
//! Rows go in batches of [`BATCH`], each its own statement, so no table is locked for long.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::StoreError;

/// Rows deleted per statement.
pub const BATCH: u64 = 500;

/// Rows older than these go.
#[derive(Clone, Copy, Debug)]
pub struct Cutoffs {
    /// Rows that expired before this (the grace lets a late reload still read "expired").
    pub expired: DateTime<Utc>,
    /// Refresh tokens that expired before this go (those of ended grants go at once), and then
    /// grants created before this that have neither a code nor a refresh token left, if the
    /// person has a newer grant for the same application: every access token they gave has
    /// expired (one day, the longest an application may set, after their last code or refresh
    /// token).
    pub grants: DateTime<Utc>,
    /// Sign-in failures before this no longer count towards a lockout.
    pub failures: DateTime<Utc>,
    /// Login-log and audit lines before this are past their retention.
    pub logs: DateTime<Utc>,
}

/// A kind of row that may go: its table, its key, and the condition that says it is done.
struct Rule {
    table: &'static str,
    key: &'static str,
    done: Expr,
}

fn col(name: &'static str) -> Expr {
    Expr::col(Alias::new(name))
}

/// `SELECT 1 FROM table WHERE table.grant_id = oidc_grants.id`.
fn grant_rows(table: &'static str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from(Alias::new(table))
        .and_where(
            Expr::col((Alias::new(table), Alias::new("grant_id")))
                .equals((Alias::new("oidc_grants"), Alias::new("id"))),
        )
        .to_owned()
}

/// A grant of the same person for the same application, made after this one.
fn newer_grant() -> sea_orm::sea_query::SelectStatement {
    let (grants, newer) = (Alias::new("oidc_grants"), Alias::new("newer"));
    let of = |table: &Alias, column: &'static str| (table.clone(), Alias::new(column));
    Query::select()
        .expr(Expr::val(1))
        .from_as(grants.clone(), newer.clone())
        .and_where(Expr::col(of(&newer, "user_id")).equals(of(&grants, "user_id")))
        .and_where(Expr::col(of(&newer, "application_id")).equals(of(&grants, "application_id")))
        .and_where(Expr::col(of(&newer, "created_at")).gt(Expr::col(of(&grants, "created_at"))))
        .to_owned()
}

fn rules(c: &Cutoffs) -> Vec<Rule> {
    let expired = |table, key| Rule {
        table,
        key,
        done: col("expires_at").lt(c.expired),
    };
    vec![
        expired("oidc_auth_requests", "id"),
        expired("login_attempts", "id"),
        expired("pending_bindings", "id"),
        expired("oidc_codes", "id"),
        expired("mp_tickets", "id"),
        expired("admin_sessions", "token_hash"),
        // A session ended by logout goes when it would have expired.
        expired("sso_sessions", "id"),
        Rule {
            table: "oidc_refresh_tokens",
            key: "id",
            done: col("expires_at").lt(c.grants),
        },
        // A refresh token of an ended grant can never be used again.
        Rule {
            table: "oidc_refresh_tokens",
            key: "id",
            done: Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(Alias::new("oidc_grants"))
                    .and_where(
                        Expr::col((Alias::new("oidc_grants"), Alias::new("id")))
                            .equals((Alias::new("oidc_refresh_tokens"), Alias::new("grant_id"))),
                    )
                    .and_where(
                        Expr::col((Alias::new("oidc_grants"), Alias::new("revoked_at")))
                            .is_not_null(),
                    )
                    .to_owned(),
            ),
        },
        // A grant no code or refresh token points at any more (those rules ran first), once
        // the same person has a newer one for the same application: the newest stays, since
        // the Users page filters people by application and lists their grants.
        Rule {
            table: "oidc_grants",
            key: "id",
            done: col("created_at")
                .lt(c.grants)
                .and(Expr::exists(grant_rows("oidc_codes")).not())
                .and(Expr::exists(grant_rows("oidc_refresh_tokens")).not())
                .and(Expr::exists(newer_grant())),
        },
        Rule {
            table: "sign_in_failures",
            key: "id",
            done: col("at").lt(c.failures),
        },
        Rule {
            table: "login_log",
            key: "id",
            done: col("at").lt(c.logs),
        },
        Rule {
            table: "audit_log",
            key: "id",
            done: col("at").lt(c.logs),
        },
    ]
}

/// Deletes every row past its cutoff; returns how many went from each table that lost some.
pub async fn sweep(
    db: &DatabaseConnection,
    cutoffs: &Cutoffs,
) -> Result<Vec<(&'static str, u64)>, StoreError> {
    let mut swept = Vec::new();
    for rule in rules(cutoffs) {
        let mut total = 0;
        loop {
            let batch = Query::select()
                .column(Alias::new(rule.key))
                .from(Alias::new(rule.table))
                .and_where(rule.done.clone())
                .limit(BATCH)
                .to_owned();
            let delete = Query::delete()
                .from_table(Alias::new(rule.table))
                .and_where(col(rule.key).in_subquery(batch))
                .to_owned();
            let n = db.execute(&delete).await?.rows_affected();
            total += n;
            if n < BATCH {
                break;
            }
            // Let the requests waiting for the database in between.
            tokio::task::yield_now().await;
        }
        if total > 0 {
            // Two rules may sweep one table: one count per table.
            match swept.iter_mut().find(|(table, _)| *table == rule.table) {
                Some((_, n)) => *n += total,
                None => swept.push((rule.table, total)),
            }
        }
    }
    Ok(swept)
}

/// Takes the lease on `job` until `until` if nobody holds it at `now`: true for the one
/// instance that gets it.
pub async fn take_lease(
    db: &DatabaseConnection,
    job: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let (table, job_col, until_col) = (
        Alias::new("upkeep_leases"),
        Alias::new("job"),
        Alias::new("until_ms"),
    );
    let insert = Query::insert()
        .into_table(table.clone())
        .columns([job_col.clone(), until_col.clone()])
        .values([job.into(), 0i64.into()])
        .map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?
        .on_conflict(OnConflict::column(job_col.clone()).do_nothing().to_owned())
        .to_owned();
    db.execute(&insert).await?;
    let take = Query::update()
        .table(table)
        .value(until_col.clone(), until.timestamp_millis())
        .and_where(Expr::col(job_col).eq(job))
        .and_where(Expr::col(until_col).lte(now.timestamp_millis()))
        .to_owned();
    Ok(db.execute(&take).await?.rows_affected() == 1)
}

/// Gives up the lease on `job` that this instance took until `until` (a sweep run by hand
/// does, so the next one need not wait for it to run out).
pub async fn release_lease(
    db: &DatabaseConnection,
    job: &str,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (table, job_col, until_col) = (
        Alias::new("upkeep_leases"),
        Alias::new("job"),
        Alias::new("until_ms"),
    );
    let release = Query::update()
        .table(table)
        .value(until_col.clone(), now.timestamp_millis())
        .and_where(Expr::col(job_col).eq(job))
        .and_where(Expr::col(until_col).eq(until.timestamp_millis()))
        .to_owned();
    db.execute(&release).await?;
    Ok(())
}

/// How often each instance offers to sweep; one of them does.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Login-log and audit lines are kept this many days unless configured.
pub const DEFAULT_RETENTION_DAYS: u32 = 180;

/// The most days `retention_days` may say (a hundred years).
pub const MAX_RETENTION_DAYS: u32 = 36_500;

/// Until when a round taken at `now` holds the sweep: a little less than [`EVERY`].
fn lease_end(now: DateTime<Utc>) -> DateTime<Utc> {
    now + chrono::Duration::seconds(EVERY.as_secs() as i64 - 30)
}

/// A round run by hand (`datong sweep`): like [`round`], and gives the lease back when done.
pub async fn round_now(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    retention_days: u32,
) -> Result<Option<Vec<(&'static str, u64)>>, StoreError> {
    let swept = round(db, now, retention_days).await?;
    if swept.is_some() {
        release_lease(db, "sweep", lease_end(now), now).await?;
    }
    Ok(swept)
}

/// One round: sweeps if this instance takes the lease (`None` if another one holds it).
/// Log lines the Overview's hourly counts have not taken in yet stay, whatever their age.
pub async fn round(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    retention_days: u32,
) -> Result<Option<Vec<(&'static str, u64)>>, StoreError> {
    if !take_lease(db, "sweep", now, lease_end(now)).await? {
        return Ok(None);
    }
    let days = i64::from(Ord::min(retention_days, MAX_RETENTION_DAYS));
    let counted =
        DateTime::from_timestamp_millis(super::stats::rolled_until(db).await?).unwrap_or_default();
    let cutoffs = Cutoffs {
        expired: now - chrono::Duration::hours(1),
        grants: now - chrono::Duration::hours(1) - chrono::Duration::days(1),
        failures: now - chrono::Duration::days(1),
        logs: Ord::min(now - chrono::Duration::days(days), counted),
    };
    sweep(db, &cutoffs).await.map(Some)
}
