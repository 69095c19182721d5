//! Leases for periodic work that one instance at a time should do (the sweep of expired rows):
//! a row per job says until when the instance that took it holds it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UpkeepLeases::Table)
                    .if_not_exists()
                    .col(string(UpkeepLeases::Job).primary_key())
                    .col(big_integer(UpkeepLeases::UntilMs))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UpkeepLeases::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum UpkeepLeases {
    Table,
    Job,
    UntilMs,
}
