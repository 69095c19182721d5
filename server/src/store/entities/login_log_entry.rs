use sea_orm::entity::prelude::*;

/// One login attempt, successful or not, with its reason.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "login_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub outcome: String,
    pub detail: Option<String>,
    pub source_identifier: Option<String>,
    pub mode: Option<String>,
    pub client_id: Option<String>,
    pub user_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
