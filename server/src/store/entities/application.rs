use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub app_type: String,
    #[sea_orm(unique)]
    pub client_id: String,
    pub client_secret_hash: String,
    /// JSON array.
    pub redirect_uris: String,
    /// JSON array.
    pub post_logout_redirect_uris: String,
    pub access_token_ttl: i32,
    pub id_token_ttl: i32,
    pub refresh_token_ttl: i32,
    pub logo_png: Option<Vec<u8>>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .field("client_secret_hash", &"••••")
            .finish()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
