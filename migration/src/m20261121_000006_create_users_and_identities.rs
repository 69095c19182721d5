//! Adds users and their WeChat identities. The database enforces who is who: one identity per
//! (provider, appid, openid), and one user per unionid (`user_unionids`), so concurrent first
//! logins of one person cannot create two users.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(string(Users::Id).primary_key())
                    // The standardized profile (JSON), computed from the identities.
                    .col(text(Users::Profile))
                    // The WeChat-verified phone number (+86…), for field matching.
                    .col(string_null(Users::PhoneNumber))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_users_phone_number")
                    .table(Users::Table)
                    .col(Users::PhoneNumber)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Identities::Table)
                    .if_not_exists()
                    .col(big_integer(Identities::Id).primary_key().auto_increment())
                    .col(string(Identities::UserId))
                    .col(string(Identities::Provider))
                    .col(string(Identities::Appid))
                    .col(string(Identities::Openid))
                    .col(string_null(Identities::Unionid))
                    // The raw profile WeChat gave, as JSON.
                    .col(text(Identities::Profile))
                    .col(timestamp_with_time_zone(Identities::FirstSeen))
                    .col(timestamp_with_time_zone(Identities::LastSeen))
                    .index(
                        Index::create()
                            .name("uq_identities_key")
                            .unique()
                            .col(Identities::Provider)
                            .col(Identities::Appid)
                            .col(Identities::Openid),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_identities_user")
                            .from(Identities::Table, Identities::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_identities_user", Identities::UserId),
            ("idx_identities_unionid", Identities::Unionid),
        ] {
            manager
                .create_index(
                    Index::create()
                        .if_not_exists()
                        .name(name)
                        .table(Identities::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(UserUnionids::Table)
                    .if_not_exists()
                    .col(string(UserUnionids::Unionid).primary_key())
                    .col(string(UserUnionids::UserId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_unionids_user")
                            .from(UserUnionids::Table, UserUnionids::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            UserUnionids::Table.into_iden(),
            Identities::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Profile,
    PhoneNumber,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Identities {
    Table,
    Id,
    UserId,
    Provider,
    Appid,
    Openid,
    Unionid,
    Profile,
    FirstSeen,
    LastSeen,
}

#[derive(DeriveIden)]
enum UserUnionids {
    Table,
    Unionid,
    UserId,
}
