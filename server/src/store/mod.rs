//! Storage: sea-orm entities and the queries over them. The only module that knows SQL.

pub mod admins;
pub mod api_tokens;
pub mod audit;
pub mod auth_requests;
pub mod bindings;
pub mod catalog;
pub mod connect;
pub mod entities;
pub mod grants;
pub mod identities;
pub mod logins;
pub mod merges;
pub mod mp_tickets;
pub mod notify;
pub mod sessions;
pub mod sign_in_failures;
pub mod signing_keys;
mod sqlite_wait;
pub mod stats;
pub mod sweep;
pub mod users;
pub mod webhooks;
pub mod wechat_tokens;

pub use connect::{connect, describe, migrate};

use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key already holds this value.
    #[error("already exists")]
    Conflict,
    #[error("database error: {0}")]
    Db(DbErr),
}

/// Every failed statement that reaches the store's callers is counted for operators.
impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> StoreError {
        crate::metrics::db_error();
        StoreError::Db(err)
    }
}

pub(crate) fn classify(err: DbErr) -> StoreError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict,
        _ => StoreError::from(err),
    }
}
