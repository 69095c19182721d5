use sea_orm::entity::prelude::*;

/// An OpenID Connect signing key. The private half never leaves the row unsealed.
#[derive(Clone, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "oidc_signing_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub kid: String,
    pub alg: String,
    /// PKCS#8 DER sealed with the master key; the kid is the associated data.
    pub private_sealed: Vec<u8>,
    pub public_n: String,
    pub public_e: String,
    pub created_at: DateTimeUtc,
    pub retired_at: Option<DateTimeUtc>,
    /// The ES256 key that signs access tokens beside this RSA key: its thumbprint, sealed
    /// PKCS#8 (that kid as associated data) and public point. `None` in rows from before it.
    pub ec_kid: Option<String>,
    pub ec_private_sealed: Option<Vec<u8>>,
    pub ec_x: Option<String>,
    pub ec_y: Option<String>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("private_sealed", &"••••")
            .field("ec_kid", &self.ec_kid)
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
