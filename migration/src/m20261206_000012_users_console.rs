//! What the Users page and API need: a user can be blocked (`blocked_at`), users are listed by
//! their last login (`last_login_at`, keyset-paginated on (`last_login_at`, `id`)) and searched
//! by name (`nickname`, a copy of the standardized profile's), and a deleted or merged user
//! leaves a tombstone so a lookup of the old ID can say what happened to it. Indexes serve the
//! searches (openid, unionid, phone) and the user detail (login history, audit entries, grants
//! by application).

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        for column in [
            timestamp_with_time_zone_null(Users::BlockedAt),
            timestamp_with_time_zone_null(Users::LastLoginAt),
            string_null(Users::Nickname),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        let backfill = match manager.get_database_backend() {
            DbBackend::Postgres => {
                "UPDATE users SET last_login_at = updated_at, \
                 nickname = (profile::json ->> 'nickname')"
            }
            _ => {
                "UPDATE users SET last_login_at = updated_at, \
                 nickname = json_extract(profile, '$.nickname')"
            }
        };
        manager
            .get_connection()
            .execute_unprepared(backfill)
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserTombstones::Table)
                    .if_not_exists()
                    .col(string(UserTombstones::Id).primary_key())
                    .col(string_null(UserTombstones::MergedInto))
                    .col(timestamp_with_time_zone(UserTombstones::At))
                    .to_owned(),
            )
            .await?;
        let indexes: [(&str, DynIden, Vec<DynIden>); 6] = [
            (
                "idx_users_last_login",
                Users::Table.into_iden(),
                vec![Users::LastLoginAt.into_iden(), Users::Id.into_iden()],
            ),
            (
                "idx_identities_openid",
                Identities::Table.into_iden(),
                vec![Identities::Openid.into_iden()],
            ),
            (
                "idx_login_log_user",
                LoginLog::Table.into_iden(),
                vec![LoginLog::UserId.into_iden(), LoginLog::Id.into_iden()],
            ),
            (
                "idx_audit_log_target",
                AuditLog::Table.into_iden(),
                vec![AuditLog::Target.into_iden(), AuditLog::Id.into_iden()],
            ),
            (
                "idx_oidc_grants_application",
                OidcGrants::Table.into_iden(),
                vec![OidcGrants::ApplicationId.into_iden()],
            ),
            (
                "idx_users_nickname",
                Users::Table.into_iden(),
                vec![Users::Nickname.into_iden()],
            ),
        ];
        for (name, table, cols) in indexes {
            let mut index = Index::create();
            index.if_not_exists().name(name).table(table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "idx_users_nickname",
            "idx_oidc_grants_application",
            "idx_audit_log_target",
            "idx_login_log_user",
            "idx_identities_openid",
            "idx_users_last_login",
        ] {
            manager
                .drop_index(Index::drop().name(name).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(UserTombstones::Table).to_owned())
            .await?;
        for column in [Users::Nickname, Users::LastLoginAt, Users::BlockedAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    BlockedAt,
    LastLoginAt,
    Nickname,
}

#[derive(DeriveIden)]
enum UserTombstones {
    Table,
    Id,
    MergedInto,
    At,
}

#[derive(DeriveIden)]
enum Identities {
    Table,
    Openid,
}

#[derive(DeriveIden)]
enum LoginLog {
    Table,
    Id,
    UserId,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    Target,
}

#[derive(DeriveIden)]
enum OidcGrants {
    Table,
    ApplicationId,
}
