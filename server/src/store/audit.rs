//! The audit log: who changed what, when, with before/after snapshots (never secrets).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder, QuerySelect,
    Set,
};

use super::StoreError;
use super::entities::audit_entry::{self, Entity as Entries};

pub async fn record<C: ConnectionTrait>(
    db: &C,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    target: &str,
    before: Option<String>,
    after: Option<String>,
) -> Result<(), StoreError> {
    audit_entry::ActiveModel {
        at: Set(at),
        actor: Set(actor.to_string()),
        action: Set(action.to_string()),
        target: Set(target.to_string()),
        before: Set(before),
        after: Set(after),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The newest entries first.
pub async fn recent(
    db: &DatabaseConnection,
    limit: u64,
) -> Result<Vec<audit_entry::Model>, StoreError> {
    Ok(Entries::find()
        .order_by_desc(audit_entry::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}
