//! The Overview's figures, kept by hour so that a view sums a few hundred rows instead of
//! scanning the login log. `stats_hourly` holds one count per hour (UTC, `YYYY-MM-DDTHH`),
//! kind (`login`, `user`), mode and outcome; a background task adds the log lines and new users
//! of each finished stretch of time, and `stats_rollup.rolled_until_ms` says how far it got
//! (the Overview reads the rest, a few minutes at most, from the raw rows). The totals of users
//! and identities are counted once a minute into `stats_rollup`; a view adds the ones made since.
//! New indexes find users and identities by creation time, and the blocked users.

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
                    // The totals as last counted (once a minute, by one instance), and when.
                    .col(big_integer(StatsRollup::Users).default(0))
                    .col(big_integer(StatsRollup::Identities).default(0))
                    .col(big_integer(StatsRollup::CountedAtMs).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(StatsRollup::Table)
                    .columns([
                        StatsRollup::Id,
                        StatsRollup::RolledUntilMs,
                        StatsRollup::Users,
                        StatsRollup::Identities,
                        StatsRollup::CountedAtMs,
                    ])
                    .values_panic([1.into(), 0i64.into(), 0i64.into(), 0i64.into(), 0i64.into()])
                    .to_owned(),
            )
            .await?;
        let indexes: [(&str, DynIden, DynIden); 3] = [
            (
                "idx_users_created_at",
                Users::Table.into_iden(),
                Users::CreatedAt.into_iden(),
            ),
            // The few blocked users are found without walking everyone.
            (
                "idx_users_blocked_at",
                Users::Table.into_iden(),
                Users::BlockedAt.into_iden(),
            ),
            (
                "idx_identities_first_seen",
                Identities::Table.into_iden(),
                Identities::FirstSeen.into_iden(),
            ),
        ];
        for (name, table, col) in indexes {
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
        for name in [
            "idx_identities_first_seen",
            "idx_users_blocked_at",
            "idx_users_created_at",
        ] {
            manager
                .drop_index(Index::drop().name(name).to_owned())
                .await?;
        }
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
    Users,
    Identities,
    CountedAtMs,
}

#[derive(DeriveIden)]
enum Identities {
    Table,
    FirstSeen,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    CreatedAt,
    BlockedAt,
}
