//! Adds the OpenID Connect signing keys: the private key sealed with the master key, the public
//! half as published in the JWKS, and when a newer key replaced it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OidcSigningKeys::Table)
                    .if_not_exists()
                    .col(string(OidcSigningKeys::Kid).primary_key())
                    .col(string(OidcSigningKeys::Alg))
                    // PKCS#8 DER, AES-GCM sealed; the kid is the associated data.
                    .col(blob(OidcSigningKeys::PrivateSealed))
                    // The RSA modulus and exponent, base64url, as in the JWK.
                    .col(text(OidcSigningKeys::PublicN))
                    .col(string(OidcSigningKeys::PublicE))
                    .col(timestamp_with_time_zone(OidcSigningKeys::CreatedAt))
                    // Set when a newer key takes over signing; the key stays published
                    // until the tokens it signed have expired.
                    .col(timestamp_with_time_zone_null(OidcSigningKeys::RetiredAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OidcSigningKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OidcSigningKeys {
    Table,
    Kid,
    Alg,
    PrivateSealed,
    PublicN,
    PublicE,
    CreatedAt,
    RetiredAt,
}
