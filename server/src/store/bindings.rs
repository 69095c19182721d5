//! Pending bindings (ask-to-bind). Each ending is one conditional `UPDATE` from `pending`, so a
//! binding is used once however many requests race for it.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::StoreError;
use super::entities::pending_binding::{self, Column as C};

pub const PENDING: &str = "pending";

pub async fn insert(
    db: &DatabaseConnection,
    row: pending_binding::ActiveModel,
) -> Result<(), StoreError> {
    pending_binding::Entity::insert(row).exec(db).await?;
    Ok(())
}

pub async fn get(
    db: &DatabaseConnection,
    id: &str,
) -> Result<Option<pending_binding::Model>, StoreError> {
    Ok(pending_binding::Entity::find_by_id(id.to_string())
        .one(db)
        .await?)
}

/// The binding a login attempt or ticket produced.
pub async fn by_origin(
    db: &DatabaseConnection,
    origin: &str,
) -> Result<Option<pending_binding::Model>, StoreError> {
    Ok(pending_binding::Entity::find()
        .filter(C::Origin.eq(origin))
        .one(db)
        .await?)
}

/// Ends a pending, unexpired binding with `status` (and the user it ended with); true if this
/// call did.
pub async fn end(
    db: &DatabaseConnection,
    id: &str,
    status: &str,
    user_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = pending_binding::Entity::update_many()
        .col_expr(C::Status, Expr::value(status))
        .col_expr(C::UserId, Expr::value(user_id))
        .filter(C::Id.eq(id))
        .filter(C::Status.eq(PENDING))
        .filter(C::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Gives a binding that belongs to no browser yet (begun by an app's WeChat grant) to the
/// browser `browser_hash`; true if this call did.
pub async fn adopt(
    db: &DatabaseConnection,
    id: &str,
    browser_hash: &str,
) -> Result<bool, StoreError> {
    let done = pending_binding::Entity::update_many()
        .col_expr(C::BrowserHash, Expr::value(browser_hash))
        .filter(C::Id.eq(id))
        .filter(C::BrowserHash.eq(""))
        .filter(C::Status.eq(PENDING))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}
