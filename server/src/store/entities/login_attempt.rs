use sea_orm::entity::prelude::*;

/// A WeChat login under way: the hash of its `state`, the browser it is bound to, and (once the callback ran) the WeChat code's hash and the outcome.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "login_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub request_id: String,
    pub source_id: i64,
    pub browser_hash: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub code_hash: Option<String>,
    pub user_id: Option<String>,
    pub outcome: Option<String>,
    /// Set when this login proves an account for a pending binding (its id).
    pub binding_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
