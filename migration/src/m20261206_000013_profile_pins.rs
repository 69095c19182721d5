//! An administrator's choices survive later logins: when a merge decides a profile field
//! (keep this user's nickname, not the other's), the choice is kept in `users.pinned` and laid
//! over the profile computed from the identities. Tombstones are found by what they were merged
//! into, so a later merge of that user can point them at the final user.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(text_null(Users::Pinned))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_user_tombstones_merged_into")
                    .table(UserTombstones::Table)
                    .col(UserTombstones::MergedInto)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_user_tombstones_merged_into")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::Pinned)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Pinned,
}

#[derive(DeriveIden)]
enum UserTombstones {
    Table,
    MergedInto,
}
