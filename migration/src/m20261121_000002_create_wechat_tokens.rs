//! Adds the shared store of WeChat server access tokens: one row per AppID, the token sealed
//! with the master key, and a lease so only one instance refreshes it at a time.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WechatTokens::Table)
                    .if_not_exists()
                    .col(string(WechatTokens::Appid).primary_key())
                    // AES-GCM sealed token (tokens may be 512 characters and more).
                    .col(blob_null(WechatTokens::TokenSealed))
                    .col(timestamp_with_time_zone_null(WechatTokens::ExpiresAt))
                    // Who refreshes now, and until when the lease holds.
                    .col(string_null(WechatTokens::LeaseHolder))
                    .col(timestamp_with_time_zone_null(WechatTokens::LeaseUntil))
                    .col(timestamp_with_time_zone(WechatTokens::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WechatTokens::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum WechatTokens {
    Table,
    Appid,
    TokenSealed,
    ExpiresAt,
    LeaseHolder,
    LeaseUntil,
    UpdatedAt,
}
