//! The Overview's figures, kept by hour so that a view sums a few hundred rows instead of
//! scanning the login log. `stats_hourly` holds one count per hour (UTC, `YYYY-MM-DDTHH`),
//! kind (`login`, `user`), mode and outcome; a background task adds the log lines and new users
//! of each finished stretch of time, and `stats_rollup.rolled_until_ms` says how far it got
//! (the Overview reads the rest, a few minutes at most, from the raw rows). Users are found by
//! creation time through a new index.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StatsHourly::Table)
                    .if_not_exists()
                    .col(string(StatsHourly::Hour))
                    .col(string(StatsHourly::Kind))
                    .col(string(StatsHourly::Mode))
                    .col(string(StatsHourly::Outcome))
                    .col(big_integer(StatsHourly::Count))
                    .primary_key(
                        Index::create()
                            .col(StatsHourly::Hour)
                            .col(StatsHourly::Kind)
                            .col(StatsHourly::Mode)
                            .col(StatsHourly::Outcome),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StatsRollup::Table)
                    .if_not_exists()
                    .col(integer(StatsRollup::Id).primary_key())
                    .col(big_integer(StatsRollup::RolledUntilMs))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(StatsRollup::Table)
                    .columns([StatsRollup::Id, StatsRollup::RolledUntilMs])
                    .values_panic([1.into(), 0i64.into()])
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .if_not_exists()
                    .name("idx_users_created_at")
                    .table(Users::Table)
                    .col(Users::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_users_created_at").to_owned())
            .await?;
        for table in [
            StatsRollup::Table.into_iden(),
            StatsHourly::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum StatsHourly {
    Table,
    Hour,
    Kind,
    Mode,
    Outcome,
    Count,
}

#[derive(DeriveIden)]
enum StatsRollup {
    Table,
    Id,
    RolledUntilMs,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    CreatedAt,
}
