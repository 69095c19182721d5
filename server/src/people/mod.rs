//! The people Datong unifies, as administrators manage them: search and pages of users, one
//! user's whole picture, blocking, deletion and grant revocation. The console and the
//! management API call these same operations; every change is one transaction with its audit
//! entry.

mod detail;
mod list;
mod merge;

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

use crate::catalog::{Actor, Catalog, CatalogError};
use crate::clock::Clock;
use crate::store::{self, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum PeopleError {
    #[error("no such user")]
    NotFound,
    #[error("the user was deleted")]
    Deleted,
    #[error("the user was merged into {0}")]
    Merged(String),
    #[error("no such grant of this user, or revoked already")]
    GrantNotFound,
    #[error("no such identity of this user")]
    IdentityNotFound,
    /// The other user of a merge or link is not there: which one, and why.
    #[error("user {0}: {1}")]
    About(String, Box<PeopleError>),
    /// A change refused because it would break a rule (`unionid_conflict`, `last_identity`,
    /// `merge_into_self`, …); nothing was changed.
    #[error("{1}")]
    Refused(&'static str, String),
    /// A query parameter that cannot be used (a cursor not from us, a limit out of range).
    #[error("{1}")]
    BadQuery(&'static str, String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CatalogError> for PeopleError {
    fn from(e: CatalogError) -> PeopleError {
        match e {
            CatalogError::Store(s) => PeopleError::Store(s),
            other => PeopleError::Store(StoreError::Db(sea_orm::DbErr::Custom(other.to_string()))),
        }
    }
}

impl From<sea_orm::DbErr> for PeopleError {
    fn from(e: sea_orm::DbErr) -> PeopleError {
        PeopleError::Store(StoreError::from(e))
    }
}

#[derive(Clone)]
pub struct People {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    catalog: Catalog,
    /// Events about users (blocked, deleted, merged, …) for webhooks.
    outbox: crate::webhooks::Outbox,
}

/// A login-log line as the console and the API show it, its time written by `at`.
pub fn log_entry(
    l: crate::store::entities::login_log_entry::Model,
    at: impl Fn(DateTime<Utc>) -> String,
) -> app::model::LoginLogEntry {
    app::model::LoginLogEntry {
        id: l.id,
        at: at(l.at),
        outcome: l.outcome,
        detail: l.detail,
        source: l.source_identifier,
        mode: l.mode,
        client_id: l.client_id,
        user_id: l.user_id,
        ip: l.ip,
        user_agent: l.user_agent,
    }
}

/// Times as the API shows them: RFC 3339, UTC, whole seconds.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl People {
    pub fn new(
        db: DatabaseConnection,
        clock: Arc<dyn Clock>,
        catalog: Catalog,
        outbox: crate::webhooks::Outbox,
    ) -> People {
        People {
            db,
            clock,
            catalog,
            outbox,
        }
    }

    /// A transaction that writes: on SQLite it takes the write lock at `BEGIN`, so it waits its
    /// turn instead of failing at its first write.
    async fn begin(&self) -> Result<DatabaseTransaction, PeopleError> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        Ok(self.db.begin_with_options(options).await?)
    }

    /// Why `id` names no user: deleted, merged, or never existed.
    async fn missing(&self, id: &str) -> PeopleError {
        match store::users::tombstone(&self.db, id).await {
            Ok(Some(t)) => match t.merged_into {
                Some(into) => PeopleError::Merged(into),
                None => PeopleError::Deleted,
            },
            Ok(None) => PeopleError::NotFound,
            Err(e) => e.into(),
        }
    }

    /// Blocks the user: no login by any mode from now on, and their grants (refresh and access
    /// tokens) and single sign-on sessions end at once.
    pub async fn block(&self, actor: &Actor, id: &str) -> Result<(), PeopleError> {
        self.set_blocked(actor, id, true).await
    }

    pub async fn unblock(&self, actor: &Actor, id: &str) -> Result<(), PeopleError> {
        self.set_blocked(actor, id, false).await
    }

    async fn set_blocked(&self, actor: &Actor, id: &str, block: bool) -> Result<(), PeopleError> {
        let now = self.clock.now();
        let txn = self.begin().await?;
        if store::identities::user(&txn, id).await?.is_none() {
            drop(txn);
            return Err(self.missing(id).await);
        }
        if !store::users::set_blocked(&txn, id, block.then_some(now)).await? {
            // Already so (perhaps by a concurrent call): nothing to do or to audit.
            return Ok(());
        }
        let revoked = if block {
            store::users::revoke_all(&txn, id, now).await?
        } else {
            0
        };
        let (action, after) = if block {
            (
                "user.block",
                serde_json::json!({"blocked": true, "grants_revoked": revoked}),
            )
        } else {
            ("user.unblock", serde_json::json!({"blocked": false}))
        };
        store::audit::record(
            &txn,
            now,
            &actor.label(),
            action,
            &format!("user:{id}"),
            Some(serde_json::json!({"blocked": !block}).to_string()),
            Some(after.to_string()),
        )
        .await?;
        if block {
            let data = serde_json::json!({"user_id": id, "grants_revoked": revoked});
            self.outbox.emit(&txn, "user.blocked", data, now).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Deletes the user with their identities, grants, tokens and sessions. The login log keeps
    /// the user ID; a tombstone answers later lookups with "deleted".
    pub async fn delete(&self, actor: &Actor, id: &str) -> Result<(), PeopleError> {
        let now = self.clock.now();
        let txn = self.begin().await?;
        let Some(user) = store::identities::user(&txn, id).await? else {
            drop(txn);
            return Err(self.missing(id).await);
        };
        let identities = store::identities::identities_of(&txn, id).await?;
        let before = serde_json::json!({
            "nickname": user.nickname,
            "identities": identities
                .iter()
                .map(|i| serde_json::json!({"appid": i.appid, "openid": i.openid, "unionid": i.unionid}))
                .collect::<Vec<_>>(),
        });
        if !store::users::delete(&txn, id, None, now).await? {
            return Err(PeopleError::NotFound);
        }
        store::audit::record(
            &txn,
            now,
            &actor.label(),
            "user.delete",
            &format!("user:{id}"),
            Some(before.to_string()),
            None,
        )
        .await?;
        let data = serde_json::json!({"user_id": id});
        self.outbox.emit(&txn, "user.deleted", data, now).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Revokes one grant of the user: the application's refresh and access tokens stop working.
    pub async fn revoke_grant(
        &self,
        actor: &Actor,
        id: &str,
        grant_id: &str,
    ) -> Result<(), PeopleError> {
        let now = self.clock.now();
        let txn = self.begin().await?;
        if store::identities::user(&txn, id).await?.is_none() {
            drop(txn);
            return Err(self.missing(id).await);
        }
        if !store::users::revoke_grant_of(&txn, id, grant_id, now).await? {
            return Err(PeopleError::GrantNotFound);
        }
        store::audit::record(
            &txn,
            now,
            &actor.label(),
            "user.revoke_grant",
            &format!("user:{id}"),
            None,
            Some(serde_json::json!({"grant": grant_id}).to_string()),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

/// How a failure reaches an API caller: a stable code and status for each.
impl From<PeopleError> for crate::web::ApiError {
    fn from(err: PeopleError) -> crate::web::ApiError {
        use crate::web::ApiError;
        use axum::http::StatusCode;
        match err {
            PeopleError::NotFound => {
                ApiError::new(StatusCode::NOT_FOUND, "user_not_found", "no such user")
            }
            PeopleError::Deleted => {
                ApiError::new(StatusCode::GONE, "user_deleted", "this user was deleted")
            }
            PeopleError::Merged(into) => ApiError::new(
                StatusCode::GONE,
                "user_merged",
                format!("this user was merged into {into}"),
            ),
            PeopleError::GrantNotFound => ApiError::new(
                StatusCode::NOT_FOUND,
                "grant_not_found",
                "this user has no such live grant",
            ),
            PeopleError::IdentityNotFound => ApiError::new(
                StatusCode::NOT_FOUND,
                "identity_not_found",
                "no such identity (of this user)",
            ),
            PeopleError::About(id, inner) => {
                let inner = ApiError::from(*inner);
                // The other user's absence is a conflict of this request, named in the text.
                ApiError::new(
                    StatusCode::CONFLICT,
                    inner.code,
                    format!("user {id}: {}", inner.message),
                )
            }
            PeopleError::Refused(code, message) => {
                let status = if code == "merge_into_self" {
                    StatusCode::BAD_REQUEST
                } else {
                    StatusCode::CONFLICT
                };
                ApiError::new(status, code, message)
            }
            PeopleError::BadQuery(code, message) => {
                ApiError::new(StatusCode::BAD_REQUEST, code, message)
            }
            PeopleError::Store(e) => {
                tracing::error!(error = %e, "user operation failed");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the database is unavailable; try again",
                )
            }
        }
    }
}

/// How a failure reaches the console: refusals as a field error whose code the page words.
impl From<PeopleError> for app::model::ConsoleError {
    fn from(err: PeopleError) -> app::model::ConsoleError {
        use app::model::{ConsoleError, FieldError};
        match err {
            PeopleError::NotFound | PeopleError::Deleted | PeopleError::GrantNotFound => {
                ConsoleError::NotFound
            }
            // The message is the user it went into: the page links there.
            PeopleError::Merged(into) => {
                ConsoleError::Invalid(vec![FieldError::new("user", "user_merged", into)])
            }
            PeopleError::IdentityNotFound => ConsoleError::Invalid(vec![FieldError::new(
                "identity",
                "identity_not_found",
                "no such identity",
            )]),
            PeopleError::About(id, inner) => {
                let code = match *inner {
                    PeopleError::Deleted => "user_deleted",
                    PeopleError::Merged(_) => "user_merged",
                    PeopleError::Store(e) => return PeopleError::Store(e).into(),
                    _ => "user_not_found",
                };
                ConsoleError::Invalid(vec![FieldError::new("user", code, format!("user {id}"))])
            }
            PeopleError::Refused(code, m) => {
                ConsoleError::Invalid(vec![FieldError::new("user", code, m)])
            }
            PeopleError::BadQuery(_, m) => ConsoleError::Failed(m),
            PeopleError::Store(e) => {
                tracing::error!(error = %e, "user operation failed");
                ConsoleError::Failed("storage unavailable".into())
            }
        }
    }
}
