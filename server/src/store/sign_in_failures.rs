//! Failed sign-ins, kept in the database so throttling holds across instances.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use super::StoreError;
use super::entities::sign_in_failure::{self, Entity as Failures};

/// Records one failed (or not yet decided) attempt; returns its id.
pub async fn record(
    db: &DatabaseConnection,
    subject: &str,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let row = sign_in_failure::ActiveModel {
        subject: Set(subject.to_string()),
        at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

pub async fn delete(db: &DatabaseConnection, ids: &[i64]) -> Result<(), StoreError> {
    Failures::delete_many()
        .filter(sign_in_failure::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// Times of the failures for `subject` after `from`, oldest first.
pub async fn since(
    db: &DatabaseConnection,
    subject: &str,
    from: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, StoreError> {
    Ok(Failures::find()
        .select_only()
        .column(sign_in_failure::Column::At)
        .filter(sign_in_failure::Column::Subject.eq(subject))
        .filter(sign_in_failure::Column::At.gt(from))
        .order_by_asc(sign_in_failure::Column::At)
        .into_tuple::<DateTime<Utc>>()
        .all(db)
        .await?)
}

pub async fn clear(db: &DatabaseConnection, subject: &str) -> Result<(), StoreError> {
    Failures::delete_many()
        .filter(sign_in_failure::Column::Subject.eq(subject))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn purge_before(
    db: &DatabaseConnection,
    before: DateTime<Utc>,
) -> Result<(), StoreError> {
    Failures::delete_many()
        .filter(sign_in_failure::Column::At.lt(before))
        .exec(db)
        .await?;
    Ok(())
}
