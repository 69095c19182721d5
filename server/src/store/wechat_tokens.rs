//! The shared WeChat server-token rows and their lease: a conditional UPDATE decides which one
//! caller, across all instances, refreshes a token; everyone else waits for its result.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, Set};

use super::StoreError;
use super::entities::wechat_token::{self, Entity as Tokens};

pub async fn find(
    db: &DatabaseConnection,
    appid: &str,
) -> Result<Option<wechat_token::Model>, StoreError> {
    Ok(Tokens::find_by_id(appid.to_string()).one(db).await?)
}

/// Makes sure the AppID has a row to lease (concurrent callers create one row).
pub async fn ensure_row(
    db: &DatabaseConnection,
    appid: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    Tokens::insert(wechat_token::ActiveModel {
        appid: Set(appid.to_string()),
        token_sealed: Set(None),
        expires_at: Set(None),
        lease_holder: Set(None),
        lease_until: Set(None),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([wechat_token::Column::Appid])
    .exec(db)
    .await?;
    Ok(())
}

/// Takes the refresh lease until `until` if nobody holds a live one. True when taken.
pub async fn try_lease(
    db: &DatabaseConnection,
    appid: &str,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let taken = Tokens::update_many()
        .col_expr(wechat_token::Column::LeaseHolder, Expr::value(holder))
        .col_expr(wechat_token::Column::LeaseUntil, Expr::value(until))
        .filter(wechat_token::Column::Appid.eq(appid))
        .filter(
            Condition::any()
                .add(wechat_token::Column::LeaseUntil.is_null())
                .add(wechat_token::Column::LeaseUntil.lt(now)),
        )
        .exec(db)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// Stores a fresh token and ends the lease, if `holder` still holds it.
pub async fn store(
    db: &DatabaseConnection,
    appid: &str,
    holder: &str,
    sealed: Vec<u8>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let stored = Tokens::update_many()
        .col_expr(wechat_token::Column::TokenSealed, Expr::value(sealed))
        .col_expr(wechat_token::Column::ExpiresAt, Expr::value(expires_at))
        .col_expr(
            wechat_token::Column::LeaseHolder,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            wechat_token::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(wechat_token::Column::UpdatedAt, Expr::value(now))
        .filter(wechat_token::Column::Appid.eq(appid))
        .filter(wechat_token::Column::LeaseHolder.eq(holder))
        .exec(db)
        .await?;
    Ok(stored.rows_affected == 1)
}

/// Gives the lease up without a token (the refresh failed).
pub async fn release(db: &DatabaseConnection, appid: &str, holder: &str) -> Result<(), StoreError> {
    Tokens::update_many()
        .col_expr(
            wechat_token::Column::LeaseHolder,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            wechat_token::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(wechat_token::Column::Appid.eq(appid))
        .filter(wechat_token::Column::LeaseHolder.eq(holder))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks the stored token unusable, but only if it is still `sealed` (another caller may have
/// replaced it already; that newer token stays).
pub async fn invalidate(
    db: &DatabaseConnection,
    appid: &str,
    sealed: &[u8],
) -> Result<(), StoreError> {
    Tokens::update_many()
        .col_expr(
            wechat_token::Column::ExpiresAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(wechat_token::Column::Appid.eq(appid))
        .filter(Expr::col(wechat_token::Column::TokenSealed).eq(sealed.to_vec()))
        .exec(db)
        .await?;
    Ok(())
}
