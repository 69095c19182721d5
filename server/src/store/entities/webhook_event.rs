use sea_orm::entity::prelude::*;

/// An event of the outbox; its ID is the `webhook-id` of every delivery of it.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub kind: String,
    /// The JSON body receivers get.
    pub payload: String,
    /// Only to this endpoint (a test event); otherwise to every subscribed endpoint.
    pub endpoint_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub dispatched_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
