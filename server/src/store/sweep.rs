//! Keeps the tables that grow with every login bounded: expired authorization requests, login
//! attempts, bindings, codes, tickets, SSO and admin sessions, refresh tokens that expired or
//! whose grant ended, old sign-in failures, and login-log and audit lines past their retention.
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
        expired("oidc_refresh_tokens", "id"),
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
            swept.push((rule.table, total));
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

/// How often each instance offers to sweep; one of them does.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Login-log and audit lines are kept this many days unless configured.
pub const DEFAULT_RETENTION_DAYS: u32 = 180;

/// The most days `retention_days` may say (a hundred years).
pub const MAX_RETENTION_DAYS: u32 = 36_500;

/// One round: sweeps if this instance takes the lease (`None` if another one holds it).
/// Log lines the Overview's hourly counts have not taken in yet stay, whatever their age.
pub async fn round(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    retention_days: u32,
) -> Result<Option<Vec<(&'static str, u64)>>, StoreError> {
    let lease = chrono::Duration::seconds(EVERY.as_secs() as i64 - 30);
    if !take_lease(db, "sweep", now, now + lease).await? {
        return Ok(None);
    }
    let days = i64::from(Ord::min(retention_days, MAX_RETENTION_DAYS));
    let counted =
        DateTime::from_timestamp_millis(super::stats::rolled_until(db).await?).unwrap_or_default();
    let cutoffs = Cutoffs {
        expired: now - chrono::Duration::hours(1),
        failures: now - chrono::Duration::days(1),
        logs: Ord::min(now - chrono::Duration::days(days), counted),
    };
    sweep(db, &cutoffs).await.map(Some)
}
