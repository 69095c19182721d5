//! Adds console administrators, their sign-in sessions and the failed sign-in log used for throttling.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Admins::Table)
                    .if_not_exists()
                    .col(pk_auto(Admins::Id).big_integer())
                    .col(string_uniq(Admins::Name))
                    .col(string(Admins::PasswordHash))
                    .col(timestamp_with_time_zone(Admins::CreatedAt))
                    .col(timestamp_with_time_zone(Admins::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Admins::LastSignInAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AdminSessions::Table)
                    .if_not_exists()
                    // SHA-256 of the cookie token: a copy of the database does not yield live sessions.
                    .col(string(AdminSessions::TokenHash).primary_key())
                    .col(big_integer(AdminSessions::AdminId))
                    .col(timestamp_with_time_zone(AdminSessions::CreatedAt))
                    .col(timestamp_with_time_zone(AdminSessions::ExpiresAt))
                    .col(string(AdminSessions::Ip))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_admin_sessions_admin")
                            .from(AdminSessions::Table, AdminSessions::AdminId)
                            .to(Admins::Table, Admins::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_admin_sessions_admin")
                    .table(AdminSessions::Table)
                    .col(AdminSessions::AdminId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInFailures::Table)
                    .if_not_exists()
                    .col(pk_auto(SignInFailures::Id).big_integer())
                    // "account:<name>" or "ip:<address>"
                    .col(string(SignInFailures::Subject))
                    .col(timestamp_with_time_zone(SignInFailures::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_sign_in_failures_subject_at")
                    .table(SignInFailures::Table)
                    .col(SignInFailures::Subject)
                    .col(SignInFailures::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SignInFailures::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AdminSessions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Admins::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Admins {
    Table,
    Id,
    Name,
    PasswordHash,
    CreatedAt,
    UpdatedAt,
    LastSignInAt,
}

#[derive(DeriveIden)]
enum AdminSessions {
    Table,
    TokenHash,
    AdminId,
    CreatedAt,
    ExpiresAt,
    Ip,
}

#[derive(DeriveIden)]
enum SignInFailures {
    Table,
    Id,
    Subject,
    At,
}
