//! Ask-to-bind: a WeChat identity seen for the first time by a source that asks new people to
//! bind an existing account waits here (single use, ten minutes, bound to the browser) while the
//! person proves an account with another source or creates a new one. `origin` is the attempt
//! or ticket that produced it; `login_attempts.binding_id` marks a login that is such a proof.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use PendingBindings as B;
        manager
            .create_table(
                Table::create()
                    .table(B::Table)
                    .if_not_exists()
                    .col(string(B::Id).primary_key())
                    .col(string(B::RequestId))
                    .col(big_integer(B::SourceId))
                    .col(string(B::BrowserHash))
                    .col(string(B::Origin))
                    .col(text(B::Sighting))
                    .col(string_null(B::PhoneUserId))
                    .col(string(B::Status))
                    .col(string_null(B::UserId))
                    .col(timestamp_with_time_zone(B::CreatedAt))
                    .col(timestamp_with_time_zone(B::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_pending_bindings_source")
                            .from(B::Table, B::SourceId)
                            .to(IdentitySources::Table, IdentitySources::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_pending_bindings_origin")
                    .table(B::Table)
                    .col(B::Origin)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(LoginAttempts::Table)
                    .add_column(string_null(LoginAttempts::BindingId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(LoginAttempts::Table)
                    .drop_column(LoginAttempts::BindingId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(PendingBindings::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PendingBindings {
    Table,
    Id,
    RequestId,
    SourceId,
    BrowserHash,
    Origin,
    Sighting,
    PhoneUserId,
    Status,
    UserId,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum IdentitySources {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    BindingId,
}
