use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set, sea_query::Expr,
};

use super::entities::admin::{self, Entity as Admins};
use super::{StoreError, classify};

pub async fn create(
    db: &DatabaseConnection,
    name: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<admin::Model, StoreError> {
    admin::ActiveModel {
        name: Set(name.to_string()),
        password_hash: Set(password_hash.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
        last_sign_in_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(classify)
}

pub async fn find_by_name(
    db: &DatabaseConnection,
    name: &str,
) -> Result<Option<admin::Model>, StoreError> {
    Ok(Admins::find()
        .filter(admin::Column::Name.eq(name))
        .one(db)
        .await?)
}

pub async fn find_by_id(
    db: &DatabaseConnection,
    id: i64,
) -> Result<Option<admin::Model>, StoreError> {
    Ok(Admins::find_by_id(id).one(db).await?)
}

pub async fn count(db: &DatabaseConnection) -> Result<u64, StoreError> {
    Ok(Admins::find().count(db).await?)
}

/// Replaces the password hash; false when no administrator has that name.
pub async fn set_password_hash(
    db: &DatabaseConnection,
    name: &str,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let res = Admins::update_many()
        .col_expr(admin::Column::PasswordHash, Expr::value(password_hash))
        .col_expr(admin::Column::UpdatedAt, Expr::value(now))
        .filter(admin::Column::Name.eq(name))
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

pub async fn record_sign_in(
    db: &DatabaseConnection,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    Admins::update_many()
        .col_expr(admin::Column::LastSignInAt, Expr::value(Some(now)))
        .filter(admin::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
