use sea_orm::entity::prelude::*;

/// One WeChat server access token per AppID, shared by every instance.
#[derive(Clone, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "wechat_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub appid: String,
    /// Sealed with the master key; the appid is the associated data.
    pub token_sealed: Option<Vec<u8>>,
    pub expires_at: Option<DateTimeUtc>,
    pub lease_holder: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatToken")
            .field("appid", &self.appid)
            .field("token_sealed", &"••••")
            .field("expires_at", &self.expires_at)
            .field("lease_holder", &self.lease_holder)
            .field("lease_until", &self.lease_until)
            .finish()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
