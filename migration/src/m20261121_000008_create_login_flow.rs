//! Adds what a login leaves behind: WeChat login attempts (the `state` bound to a browser, and
//! the outcome, so a repeated callback ends in the same login), grants with their single-use
//! authorization codes and rotating refresh tokens, single sign-on sessions, and the login log.
//! Codes, refresh tokens, states and session cookies are stored as SHA-256 hashes. A single
//! sign-on session remembers the identity source it began with: only applications that enable
//! that source may reuse it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn to(
    from: (LoginTable, LoginCol),
    target: impl IntoIden + 'static,
    target_col: impl IntoIden + 'static,
    name: &str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(target, target_col)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use LoginCol as C;
        use LoginTable as T;
        manager
            .create_table(
                Table::create()
                    .table(T::LoginAttempts)
                    .if_not_exists()
                    .col(string(C::Id).primary_key())
                    .col(string(C::RequestId))
                    .col(big_integer(C::SourceId))
                    .col(string(C::BrowserHash))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone(C::ExpiresAt))
                    .col(string_null(C::CodeHash))
                    .col(string_null(C::UserId))
                    .col(string_null(C::Outcome))
                    .foreign_key(&mut to(
                        (T::LoginAttempts, C::SourceId),
                        T::IdentitySources,
                        C::Id,
                        "fk_login_attempts_source",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(T::OidcGrants)
                    .if_not_exists()
                    .col(string(C::Id).primary_key())
                    .col(big_integer(C::ApplicationId))
                    .col(string(C::UserId))
                    .col(text(C::Scope))
                    .col(timestamp_with_time_zone(C::AuthTime))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone_null(C::RevokedAt))
                    .foreign_key(&mut to(
                        (T::OidcGrants, C::ApplicationId),
                        T::Applications,
                        C::Id,
                        "fk_oidc_grants_application",
                    ))
                    .foreign_key(&mut to(
                        (T::OidcGrants, C::UserId),
                        T::Users,
                        C::Id,
                        "fk_oidc_grants_user",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(T::OidcCodes)
                    .if_not_exists()
                    .col(string(C::Id).primary_key())
                    .col(string(C::GrantId))
                    .col(text(C::RedirectUri))
                    .col(string_null(C::CodeChallenge))
                    .col(text_null(C::Nonce))
                    .col(timestamp_with_time_zone(C::ExpiresAt))
                    .col(timestamp_with_time_zone_null(C::UsedAt))
                    .foreign_key(&mut to(
                        (T::OidcCodes, C::GrantId),
                        T::OidcGrants,
                        C::Id,
                        "fk_oidc_codes_grant",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(T::OidcRefreshTokens)
                    .if_not_exists()
                    .col(string(C::Id).primary_key())
                    .col(string(C::GrantId))
                    .col(timestamp_with_time_zone(C::CreatedAt))
                    .col(timestamp_with_time_zone(C::ExpiresAt))
                    .col(timestamp_with_time_zone_null(C::UsedAt))
                    .foreign_key(&mut to(
                        (T::OidcRefreshTokens, C::GrantId),
                        T::OidcGrants,
                        C::Id,
                        "fk_oidc_refresh_tokens_grant",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(T::SsoSessions)
                    .if_not_exists()
                    .col(string(C::Id).primary_key())
                    .col(string(C::UserId))
                    .col(big_integer_null(C::SourceId))
                    .col(timestamp_with_time_zone(C::AuthTime))
                    .col(timestamp_with_time_zone(C::ExpiresAt))
                    .col(timestamp_with_time_zone_null(C::RevokedAt))
                    .foreign_key(&mut to(
                        (T::SsoSessions, C::UserId),
                        T::Users,
                        C::Id,
                        "fk_sso_sessions_user",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(T::LoginLog)
                    .if_not_exists()
                    .col(big_integer(C::Id).primary_key().auto_increment())
                    .col(timestamp_with_time_zone(C::At))
                    .col(string(C::Outcome))
                    .col(text_null(C::Detail))
                    .col(string_null(C::SourceIdentifier))
                    .col(string_null(C::Mode))
                    .col(string_null(C::ClientId))
                    .col(string_null(C::UserId))
                    .col(string_null(C::Ip))
                    .col(text_null(C::UserAgent))
                    .to_owned(),
            )
            .await?;
        for (name, table, col) in [
            ("idx_oidc_grants_user", T::OidcGrants, C::UserId),
            ("idx_oidc_codes_grant", T::OidcCodes, C::GrantId),
            (
                "idx_oidc_refresh_tokens_grant",
                T::OidcRefreshTokens,
                C::GrantId,
            ),
            (
                "idx_login_attempts_expires_at",
                T::LoginAttempts,
                C::ExpiresAt,
            ),
            ("idx_login_log_at", T::LoginLog, C::At),
        ] {
            manager
                .create_index(
                    Index::create()
                        .if_not_exists()
                        .name(name)
                        .table(table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use LoginTable as T;
        for table in [
            T::LoginLog,
            T::SsoSessions,
            T::OidcRefreshTokens,
            T::OidcCodes,
            T::OidcGrants,
            T::LoginAttempts,
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum LoginTable {
    LoginAttempts,
    OidcGrants,
    OidcCodes,
    OidcRefreshTokens,
    SsoSessions,
    LoginLog,
    IdentitySources,
    Applications,
    Users,
}

#[derive(DeriveIden, Clone, Copy)]
enum LoginCol {
    Id,
    RequestId,
    SourceId,
    BrowserHash,
    CreatedAt,
    ExpiresAt,
    CodeHash,
    UserId,
    Outcome,
    ApplicationId,
    Scope,
    AuthTime,
    RevokedAt,
    GrantId,
    RedirectUri,
    CodeChallenge,
    Nonce,
    UsedAt,
    At,
    Detail,
    SourceIdentifier,
    Mode,
    ClientId,
    Ip,
    UserAgent,
}
