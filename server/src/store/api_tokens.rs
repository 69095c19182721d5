//! Admin API tokens for the management API; only their SHA-256 is stored.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::entities::api_token::{self, Entity as Tokens};
use super::{StoreError, classify};

pub async fn insert(
    db: &DatabaseConnection,
    name: &str,
    token_hash: &str,
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<api_token::Model, StoreError> {
    api_token::ActiveModel {
        name: Set(name.to_string()),
        token_hash: Set(token_hash.to_string()),
        created_by: Set(created_by.to_string()),
        created_at: Set(now),
        revoked_at: Set(None),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(classify)
}

/// The live (unrevoked) token with this hash, marking it used.
pub async fn use_token(
    db: &DatabaseConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<api_token::Model>, StoreError> {
    let found = Tokens::find()
        .filter(api_token::Column::TokenHash.eq(token_hash))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    if let Some(t) = &found {
        Tokens::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
            .filter(api_token::Column::Id.eq(t.id))
            .exec(db)
            .await?;
    }
    Ok(found)
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<api_token::Model>, StoreError> {
    Ok(Tokens::find()
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// Revokes a token; false when there is no live token with this id.
pub async fn revoke(
    db: &DatabaseConnection,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = Tokens::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}
