//! Pending authorization requests.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::StoreError;
use super::entities::auth_request::{self, Entity as Requests};

pub async fn insert(
    db: &DatabaseConnection,
    row: auth_request::ActiveModel,
) -> Result<(), StoreError> {
    Requests::insert(row).exec(db).await?;
    Ok(())
}

/// The request, if it exists and has not expired at `now`.
pub async fn live(
    db: &DatabaseConnection,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<auth_request::Model>, StoreError> {
    Ok(Requests::find_by_id(id.to_string())
        .filter(auth_request::Column::ExpiresAt.gt(now))
        .one(db)
        .await?)
}
