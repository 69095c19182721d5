//! WeChat login attempts, single sign-on sessions and the login log.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::StoreError;
use super::entities::{login_attempt, login_log_entry, sso_session};

pub async fn insert_attempt(
    db: &DatabaseConnection,
    row: login_attempt::ActiveModel,
) -> Result<(), StoreError> {
    login_attempt::Entity::insert(row).exec(db).await?;
    Ok(())
}

pub async fn attempt(
    db: &DatabaseConnection,
    id: &str,
) -> Result<Option<login_attempt::Model>, StoreError> {
    Ok(login_attempt::Entity::find_by_id(id.to_string())
        .one(db)
        .await?)
}

/// Claims the attempt for the WeChat code with this hash; false if a code was claimed already.
pub async fn claim_attempt(
    db: &DatabaseConnection,
    id: &str,
    code_hash: &str,
) -> Result<bool, StoreError> {
    let done = login_attempt::Entity::update_many()
        .col_expr(login_attempt::Column::CodeHash, Expr::value(code_hash))
        .filter(login_attempt::Column::Id.eq(id))
        .filter(login_attempt::Column::CodeHash.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Records how the attempt ended: a user, or the reason it failed.
pub async fn finish_attempt(
    db: &DatabaseConnection,
    id: &str,
    user_id: Option<&str>,
    outcome: &str,
) -> Result<(), StoreError> {
    login_attempt::Entity::update_many()
        .col_expr(login_attempt::Column::UserId, Expr::value(user_id))
        .col_expr(login_attempt::Column::Outcome, Expr::value(outcome))
        .filter(login_attempt::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn insert_sso(
    db: &DatabaseConnection,
    row: sso_session::ActiveModel,
) -> Result<(), StoreError> {
    sso_session::Entity::insert(row).exec(db).await?;
    Ok(())
}

/// The session, if it is neither expired nor revoked at `now`.
pub async fn live_sso(
    db: &DatabaseConnection,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<sso_session::Model>, StoreError> {
    Ok(sso_session::Entity::find_by_id(id.to_string())
        .filter(sso_session::Column::ExpiresAt.gt(now))
        .filter(sso_session::Column::RevokedAt.is_null())
        .one(db)
        .await?)
}

pub async fn revoke_sso(
    db: &DatabaseConnection,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sso_session::Entity::update_many()
        .col_expr(sso_session::Column::RevokedAt, Expr::value(now))
        .filter(sso_session::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// One line of the login log.
#[derive(Clone, Debug, Default)]
pub struct LogLine {
    pub outcome: String,
    pub detail: Option<String>,
    pub source_identifier: Option<String>,
    pub mode: Option<String>,
    pub client_id: Option<String>,
    pub user_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub async fn log<C: sea_orm::ConnectionTrait>(
    db: &C,
    at: DateTime<Utc>,
    line: LogLine,
) -> Result<(), StoreError> {
    login_log_entry::Entity::insert(login_log_entry::ActiveModel {
        at: Set(at),
        outcome: Set(line.outcome),
        detail: Set(line.detail),
        source_identifier: Set(line.source_identifier),
        mode: Set(line.mode),
        client_id: Set(line.client_id),
        user_id: Set(line.user_id),
        ip: Set(line.ip),
        user_agent: Set(line.user_agent.map(|ua| ua.chars().take(512).collect())),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(())
}

/// What the Logs page filters on; empty fields match everything.
#[derive(Clone, Debug, Default)]
pub struct LogFilter {
    pub source_identifier: Option<String>,
    pub client_id: Option<String>,
    pub user_id: Option<String>,
    /// `success`, `failure` (anything else), or one exact outcome.
    pub outcome: Option<String>,
}

/// The newest entries first.
pub async fn log_lines(
    db: &DatabaseConnection,
    filter: &LogFilter,
    limit: u64,
) -> Result<Vec<login_log_entry::Model>, StoreError> {
    use login_log_entry::Column as C;
    let mut q = login_log_entry::Entity::find();
    if let Some(s) = &filter.source_identifier {
        q = q.filter(C::SourceIdentifier.eq(s.as_str()));
    }
    if let Some(c) = &filter.client_id {
        q = q.filter(C::ClientId.eq(c.as_str()));
    }
    if let Some(u) = &filter.user_id {
        q = q.filter(C::UserId.eq(u.as_str()));
    }
    match filter.outcome.as_deref() {
        None => {}
        Some("failure") => q = q.filter(C::Outcome.ne("success")),
        Some(o) => q = q.filter(C::Outcome.eq(o)),
    }
    Ok(q.order_by_desc(C::Id).limit(limit).all(db).await?)
}
