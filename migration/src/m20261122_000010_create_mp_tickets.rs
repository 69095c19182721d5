//! Tickets of the PC mini-program-code login: the hash of the ticket (the code's scene), the
//! login request and browser it belongs to, its status as the phone moves it on, the person it
//! resolved to, and the code image once made. The address and creation time serve the per-IP
//! rate limit; the expiry serves the sweep.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MpTickets as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .if_not_exists()
                    .col(string(T::Id).primary_key())
                    .col(string(T::RequestId))
                    .col(big_integer(T::SourceId))
                    .col(string(T::BrowserHash))
                    .col(string(T::Ip))
                    .col(string(T::Status))
                    .col(string_null(T::Reason))
                    .col(string_null(T::UserId))
                    .col(timestamp_with_time_zone(T::CreatedAt))
                    .col(timestamp_with_time_zone(T::ExpiresAt))
                    .col(timestamp_with_time_zone(T::UpdatedAt))
                    .col(blob_null(T::Image))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mp_tickets_source")
                            .from(T::Table, T::SourceId)
                            .to(IdentitySources::Table, IdentitySources::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mp_tickets_ip_created")
                    .table(T::Table)
                    .col(T::Ip)
                    .col(T::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_mp_tickets_expires")
                    .table(T::Table)
                    .col(T::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MpTickets::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MpTickets {
    Table,
    Id,
    RequestId,
    SourceId,
    BrowserHash,
    Ip,
    Status,
    Reason,
    UserId,
    CreatedAt,
    ExpiresAt,
    UpdatedAt,
    Image,
}

#[derive(DeriveIden)]
enum IdentitySources {
    Table,
    Id,
}
