use sea_orm::entity::prelude::*;

/// A WeChat identity waiting to be bound to an account (ask-to-bind): the hash of its handle,
/// the login request, source and browser it belongs to, the sighting as JSON, the user whose
/// verified phone it carries (if any), and how it ended.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "pending_bindings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub request_id: String,
    pub source_id: i64,
    pub browser_hash: String,
    pub origin: String,
    pub sighting: String,
    pub phone_user_id: Option<String>,
    pub status: String,
    pub user_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
