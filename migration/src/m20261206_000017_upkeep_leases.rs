//! Leases for periodic work that one instance at a time should do (the sweep of expired rows):
//! a row per job says until when the instance that took it holds it. Indexes let the sweep find
//! the expired rows of each table without reading the others.

use sea_orm_migration::{prelude::*, schema::*};

/// (name, table, column) of the indexes the sweep reads by.
const INDEXES: &[(&str, &str, &str)] = &[
    ("idx_oidc_codes_expires_at", "oidc_codes", "expires_at"),
    ("idx_sso_sessions_expires_at", "sso_sessions", "expires_at"),
    (
        "idx_oidc_refresh_tokens_expires_at",
        "oidc_refresh_tokens",
        "expires_at",
    ),
    (
        "idx_pending_bindings_expires_at",
        "pending_bindings",
        "expires_at",
    ),
    ("idx_sign_in_failures_at", "sign_in_failures", "at"),
];

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
            .await?;
        for (name, table, col) in INDEXES {
            manager
                .create_index(
                    Index::create()
                        .if_not_exists()
                        .name(*name)
                        .table(Alias::new(*table))
                        .col(Alias::new(*col))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(*name)
                        .table(Alias::new(*table))
                        .to_owned(),
                )
                .await?;
        }
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
