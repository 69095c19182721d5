//! Access tokens are signed with ES256 (ECDSA P-256): a tenth of the CPU of an RS256 signature.
//! Each signing key row gains the EC key that signs access tokens beside its RSA key (which
//! still signs ID tokens), so rotating the row rotates both. Nullable: a row written before
//! this gets its EC key the first time an access token is signed with it. Releases before
//! this one read only the RSA columns and still sign and verify ID tokens, but cannot verify
//! ES256 access tokens: during a rolling upgrade, set `access_token_alg = "RS256"` until every
//! instance runs this release.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OidcSigningKeys {
    Table,
    EcKid,
    EcPrivateSealed,
    EcX,
    EcY,
}

fn columns() -> [(OidcSigningKeys, ColumnDef); 4] {
    [
        (
            OidcSigningKeys::EcKid,
            ColumnDef::new(OidcSigningKeys::EcKid)
                .string()
                .null()
                .to_owned(),
        ),
        (
            OidcSigningKeys::EcPrivateSealed,
            ColumnDef::new(OidcSigningKeys::EcPrivateSealed)
                .blob()
                .null()
                .to_owned(),
        ),
        (
            OidcSigningKeys::EcX,
            ColumnDef::new(OidcSigningKeys::EcX)
                .string()
                .null()
                .to_owned(),
        ),
        (
            OidcSigningKeys::EcY,
            ColumnDef::new(OidcSigningKeys::EcY)
                .string()
                .null()
                .to_owned(),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for (_, mut col) in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(OidcSigningKeys::Table)
                        .add_column(&mut col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(OidcSigningKeys::Table)
                        .drop_column(name)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
