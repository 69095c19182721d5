//! Adds the WeChat sandbox's world: open-platform accounts, the apps they own, and personas
//! (simulated WeChat users). Only the sandbox reads these tables.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SandboxAccounts::Table)
                    .if_not_exists()
                    .col(pk_auto(SandboxAccounts::Id).big_integer())
                    .col(string_uniq(SandboxAccounts::Name))
                    .col(timestamp_with_time_zone(SandboxAccounts::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SandboxApps::Table)
                    .if_not_exists()
                    .col(string(SandboxApps::Appid).primary_key())
                    // SHA-256 of the AppSecret; empty until the first server call sets it.
                    .col(string(SandboxApps::SecretHash))
                    // website | official_account | mini_program | mobile_app | unknown
                    .col(string(SandboxApps::Kind))
                    .col(string(SandboxApps::Name))
                    .col(big_integer_null(SandboxApps::AccountId))
                    // Callback / web-authorization domain; checked only when set.
                    .col(string_null(SandboxApps::RedirectDomain))
                    // A mini program's backend: where its login page posts the codes.
                    .col(string_null(SandboxApps::ServerUrl))
                    .col(timestamp_with_time_zone(SandboxApps::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sandbox_apps_account")
                            .from(SandboxApps::Table, SandboxApps::AccountId)
                            .to(SandboxAccounts::Table, SandboxAccounts::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SandboxPersonas::Table)
                    .if_not_exists()
                    .col(pk_auto(SandboxPersonas::Id).big_integer())
                    .col(string(SandboxPersonas::Nickname))
                    .col(string(SandboxPersonas::AvatarUrl))
                    .col(string(SandboxPersonas::CountryCode))
                    .col(string(SandboxPersonas::Phone))
                    .col(boolean(SandboxPersonas::Snapshot))
                    .col(boolean(SandboxPersonas::Blocked))
                    .col(timestamp_with_time_zone(SandboxPersonas::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SandboxPersonas::Table.into_iden(),
            SandboxApps::Table.into_iden(),
            SandboxAccounts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum SandboxAccounts {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SandboxApps {
    Table,
    Appid,
    SecretHash,
    Kind,
    Name,
    AccountId,
    RedirectDomain,
    ServerUrl,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SandboxPersonas {
    Table,
    Id,
    Nickname,
    AvatarUrl,
    CountryCode,
    Phone,
    Snapshot,
    Blocked,
    CreatedAt,
}
