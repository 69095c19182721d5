//! Lets a PC QR source show WeChat's QR code inside the hosted login page (an iframe) instead
//! of sending the browser to WeChat's page. Off for every existing source.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IdentitySources::Table)
                    .add_column(boolean(IdentitySources::EmbeddedQr).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IdentitySources::Table)
                    .drop_column(IdentitySources::EmbeddedQr)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum IdentitySources {
    Table,
    EmbeddedQr,
}
