use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::entities::admin;
use super::entities::admin_session::{self, Entity as Sessions};
use super::{StoreError, admins, classify};

pub async fn insert(
    db: &DatabaseConnection,
    token_hash: &str,
    admin_id: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    ip: &str,
) -> Result<(), StoreError> {
    admin_session::ActiveModel {
        token_hash: Set(token_hash.to_string()),
        admin_id: Set(admin_id),
        created_at: Set(now),
        expires_at: Set(expires_at),
        ip: Set(ip.to_string()),
    }
    .insert(db)
    .await
    .map_err(classify)?;
    Ok(())
}

/// The administrator owning a live (unexpired) session.
pub async fn find_admin(
    db: &DatabaseConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<admin::Model>, StoreError> {
    let session = Sessions::find_by_id(token_hash.to_string())
        .filter(admin_session::Column::ExpiresAt.gt(now))
        .one(db)
        .await?;
    match session {
        Some(s) => admins::find_by_id(db, s.admin_id).await,
        None => Ok(None),
    }
}

pub async fn delete(db: &DatabaseConnection, token_hash: &str) -> Result<(), StoreError> {
    Sessions::delete_by_id(token_hash.to_string())
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of one administrator (after a password reset).
pub async fn delete_for_admin(db: &DatabaseConnection, admin_id: i64) -> Result<u64, StoreError> {
    let res = Sessions::delete_many()
        .filter(admin_session::Column::AdminId.eq(admin_id))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

pub async fn purge_expired(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let res = Sessions::delete_many()
        .filter(admin_session::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}
