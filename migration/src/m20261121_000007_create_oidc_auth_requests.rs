//! Adds pending authorization requests: what an application asked for at `/oauth/authorize`,
//! kept while the person logs in (any instance may serve the next step).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OidcAuthRequests::Table)
                    .if_not_exists()
                    .col(string(OidcAuthRequests::Id).primary_key())
                    .col(big_integer(OidcAuthRequests::ApplicationId))
                    .col(text(OidcAuthRequests::RedirectUri))
                    .col(text(OidcAuthRequests::Scope))
                    .col(text_null(OidcAuthRequests::State))
                    .col(text_null(OidcAuthRequests::Nonce))
                    .col(string_null(OidcAuthRequests::CodeChallenge))
                    .col(string_null(OidcAuthRequests::Prompt))
                    .col(timestamp_with_time_zone(OidcAuthRequests::CreatedAt))
                    .col(timestamp_with_time_zone(OidcAuthRequests::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_oidc_auth_requests_application")
                            .from(OidcAuthRequests::Table, OidcAuthRequests::ApplicationId)
                            .to(Applications::Table, Applications::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_oidc_auth_requests_expires_at")
                    .table(OidcAuthRequests::Table)
                    .col(OidcAuthRequests::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OidcAuthRequests::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OidcAuthRequests {
    Table,
    Id,
    ApplicationId,
    RedirectUri,
    Scope,
    State,
    Nonce,
    CodeChallenge,
    Prompt,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
}
