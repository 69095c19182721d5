use sea_orm::entity::prelude::*;

/// A PC mini-program-code login ticket: the hash of the ticket, the login request and browser it
/// belongs to, its status, the user it resolved to, and the code image once made.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "mp_tickets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub request_id: String,
    pub source_id: i64,
    pub browser_hash: String,
    pub ip: String,
    pub status: String,
    pub reason: Option<String>,
    pub user_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub image: Option<Vec<u8>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
