use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "identity_sources")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub identifier: String,
    pub mode: String,
    pub display_name: String,
    pub callback_url: String,
    pub login_only: bool,
    pub linking: String,
    pub link_field: Option<String>,
    pub enabled: bool,
    pub private_deployment: bool,
    pub appid: Option<String>,
    pub secret_sealed: Option<Vec<u8>>,
    pub secret_last4: Option<String>,
    pub scope: Option<String>,
    pub page_path: Option<String>,
    pub env_version: Option<String>,
    pub original_id: Option<String>,
    /// PC QR only: show the QR inside the hosted login page.
    pub embedded_qr: bool,
    pub logo_png: Option<Vec<u8>>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentitySource")
            .field("id", &self.id)
            .field("identifier", &self.identifier)
            .field("mode", &self.mode)
            .field("appid", &self.appid)
            .field("secret_sealed", &"••••")
            .finish()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
