use sea_orm::entity::prelude::*;

/// Which user a unionid (one open-platform account's view of a person) belongs to.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "user_unionids")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub unionid: String,
    pub user_id: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
