//! Grants, their authorization codes and refresh tokens. Codes and refresh tokens are looked up
//! by hash and spent with a conditional update, so of two concurrent uses exactly one wins.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::StoreError;
use super::entities::{auth_code, grant, refresh_token};

pub async fn insert_grant(
    db: &DatabaseConnection,
    row: grant::ActiveModel,
) -> Result<(), StoreError> {
    grant::Entity::insert(row).exec(db).await?;
    Ok(())
}

pub async fn grant(db: &DatabaseConnection, id: &str) -> Result<Option<grant::Model>, StoreError> {
    Ok(grant::Entity::find_by_id(id.to_string()).one(db).await?)
}

/// Revokes the grant: its refresh tokens stop working and its access tokens are refused.
pub async fn revoke_grant(
    db: &DatabaseConnection,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    grant::Entity::update_many()
        .col_expr(grant::Column::RevokedAt, Expr::value(now))
        .filter(grant::Column::Id.eq(id))
        .filter(grant::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

pub async fn insert_code(
    db: &DatabaseConnection,
    row: auth_code::ActiveModel,
) -> Result<(), StoreError> {
    auth_code::Entity::insert(row).exec(db).await?;
    Ok(())
}

/// The code and its grant (`None`: the grant is gone), in one statement.
pub async fn code(
    db: &DatabaseConnection,
    hash: &str,
) -> Result<Option<(auth_code::Model, Option<grant::Model>)>, StoreError> {
    Ok(auth_code::Entity::find_by_id(hash.to_string())
        .find_also_related(grant::Entity)
        .one(db)
        .await?)
}

/// Marks the code used; false when it was used already (by this call's competitor too).
pub async fn spend_code(
    db: &DatabaseConnection,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = auth_code::Entity::update_many()
        .col_expr(auth_code::Column::UsedAt, Expr::value(now))
        .filter(auth_code::Column::Id.eq(hash))
        .filter(auth_code::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

pub async fn insert_refresh(
    db: &DatabaseConnection,
    row: refresh_token::ActiveModel,
) -> Result<(), StoreError> {
    refresh_token::Entity::insert(row).exec(db).await?;
    Ok(())
}

/// The refresh token and its grant (`None`: the grant is gone), in one statement.
pub async fn refresh(
    db: &DatabaseConnection,
    hash: &str,
) -> Result<Option<(refresh_token::Model, Option<grant::Model>)>, StoreError> {
    Ok(refresh_token::Entity::find_by_id(hash.to_string())
        .find_also_related(grant::Entity)
        .one(db)
        .await?)
}

/// Marks the refresh token used; false when it was used already.
pub async fn spend_refresh(
    db: &DatabaseConnection,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(hash))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}
