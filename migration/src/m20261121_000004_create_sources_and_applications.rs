//! Adds social identity sources, applications, which sources each application enables, admin API
//! tokens and the audit log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdentitySources::Table)
                    .if_not_exists()
                    .col(pk_auto(IdentitySources::Id).big_integer())
                    // The unique identifier: immutable once created.
                    .col(string_uniq(IdentitySources::Identifier))
                    .col(string(IdentitySources::Mode))
                    .col(string(IdentitySources::DisplayName))
                    .col(string(IdentitySources::CallbackUrl))
                    .col(boolean(IdentitySources::LoginOnly))
                    // off | field_match | ask_to_bind
                    .col(string(IdentitySources::Linking))
                    // phone | email, with field_match
                    .col(string_null(IdentitySources::LinkField))
                    .col(boolean(IdentitySources::Enabled))
                    .col(boolean(IdentitySources::PrivateDeployment))
                    .col(string_null(IdentitySources::Appid))
                    // AES-GCM under the master key; the last four characters are kept apart for
                    // the masked display.
                    .col(blob_null(IdentitySources::SecretSealed))
                    .col(string_null(IdentitySources::SecretLast4))
                    .col(string_null(IdentitySources::Scope))
                    .col(string_null(IdentitySources::PagePath))
                    .col(string_null(IdentitySources::EnvVersion))
                    .col(string_null(IdentitySources::OriginalId))
                    // Re-encoded PNG.
                    .col(blob_null(IdentitySources::LogoPng))
                    .col(timestamp_with_time_zone(IdentitySources::CreatedAt))
                    .col(timestamp_with_time_zone(IdentitySources::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Applications::Table)
                    .if_not_exists()
                    .col(pk_auto(Applications::Id).big_integer())
                    .col(string(Applications::Name))
                    // web | spa | native | mini_program
                    .col(string(Applications::AppType))
                    .col(string_uniq(Applications::ClientId))
                    // SHA-256 of the client secret.
                    .col(string(Applications::ClientSecretHash))
                    // JSON arrays of URLs.
                    .col(text(Applications::RedirectUris))
                    .col(text(Applications::PostLogoutRedirectUris))
                    .col(integer(Applications::AccessTokenTtl))
                    .col(integer(Applications::IdTokenTtl))
                    .col(integer(Applications::RefreshTokenTtl))
                    .col(blob_null(Applications::LogoPng))
                    .col(timestamp_with_time_zone(Applications::CreatedAt))
                    .col(timestamp_with_time_zone(Applications::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApplicationSources::Table)
                    .if_not_exists()
                    .col(big_integer(ApplicationSources::ApplicationId))
                    .col(big_integer(ApplicationSources::SourceId))
                    .col(timestamp_with_time_zone(ApplicationSources::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(ApplicationSources::ApplicationId)
                            .col(ApplicationSources::SourceId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_application_sources_application")
                            .from(ApplicationSources::Table, ApplicationSources::ApplicationId)
                            .to(Applications::Table, Applications::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_application_sources_source")
                            .from(ApplicationSources::Table, ApplicationSources::SourceId)
                            .to(IdentitySources::Table, IdentitySources::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_application_sources_source")
                    .table(ApplicationSources::Table)
                    .col(ApplicationSources::SourceId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .if_not_exists()
                    .col(pk_auto(ApiTokens::Id).big_integer())
                    .col(string(ApiTokens::Name))
                    // SHA-256 of the token.
                    .col(string_uniq(ApiTokens::TokenHash))
                    .col(string(ApiTokens::CreatedBy))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .if_not_exists()
                    .col(pk_auto(AuditLog::Id).big_integer())
                    .col(timestamp_with_time_zone(AuditLog::At))
                    // "admin:<name>" or "token:<name>"
                    .col(string(AuditLog::Actor))
                    // e.g. "source.create"
                    .col(string(AuditLog::Action))
                    // e.g. "source:wechat-web"
                    .col(string(AuditLog::Target))
                    // JSON without secrets.
                    .col(text_null(AuditLog::Before))
                    .col(text_null(AuditLog::After))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_audit_log_at")
                    .table(AuditLog::Table)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            ApplicationSources::Table.into_iden(),
            Applications::Table.into_iden(),
            IdentitySources::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum IdentitySources {
    Table,
    Id,
    Identifier,
    Mode,
    DisplayName,
    CallbackUrl,
    LoginOnly,
    Linking,
    LinkField,
    Enabled,
    PrivateDeployment,
    Appid,
    SecretSealed,
    SecretLast4,
    Scope,
    PagePath,
    EnvVersion,
    OriginalId,
    LogoPng,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
    Name,
    AppType,
    ClientId,
    ClientSecretHash,
    RedirectUris,
    PostLogoutRedirectUris,
    AccessTokenTtl,
    IdTokenTtl,
    RefreshTokenTtl,
    LogoPng,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApplicationSources {
    Table,
    ApplicationId,
    SourceId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    Name,
    TokenHash,
    CreatedBy,
    CreatedAt,
    RevokedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    Actor,
    Action,
    Target,
    Before,
    After,
}
