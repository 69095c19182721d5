//! Webhooks. `webhook_endpoints` are the receivers (the signing secret sealed under the master
//! key). `webhook_events` is the outbox: an event row is written in the same transaction as the
//! change it reports, and a worker later fans it out (`dispatched_at`) into one
//! `webhook_deliveries` row per subscribed endpoint. A delivery is taken by one instance at a
//! time through a lease (`lease_until`); one whose instance died is taken again when the lease
//! runs out, with the same event ID (`webhook-id`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use WebhookDeliveries as D;
        use WebhookEndpoints as E;
        use WebhookEvents as V;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .if_not_exists()
                    .col(big_integer(E::Id).primary_key().auto_increment())
                    .col(text(E::Url))
                    .col(string_null(E::Description))
                    // Event types, space-separated.
                    .col(text(E::Events))
                    .col(boolean(E::Enabled))
                    .col(binary(E::SecretSealed))
                    .col(timestamp_with_time_zone(E::CreatedAt))
                    .col(timestamp_with_time_zone(E::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(V::Table)
                    .if_not_exists()
                    .col(string(V::Id).primary_key())
                    .col(string(V::Kind))
                    .col(text(V::Payload))
                    // Only to this endpoint (a test event), else to every subscriber.
                    .col(big_integer_null(V::EndpointId))
                    .col(timestamp_with_time_zone(V::CreatedAt))
                    .col(timestamp_with_time_zone_null(V::DispatchedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .if_not_exists()
                    .col(big_integer(D::Id).primary_key().auto_increment())
                    .col(string(D::EventId))
                    .col(big_integer(D::EndpointId))
                    // pending, delivered, failed
                    .col(string(D::Status))
                    .col(integer(D::Attempts))
                    .col(timestamp_with_time_zone(D::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(D::LeaseUntil))
                    .col(integer_null(D::LastStatus))
                    .col(text_null(D::LastError))
                    .col(timestamp_with_time_zone_null(D::LastAttemptAt))
                    .col(timestamp_with_time_zone(D::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_endpoint")
                            .from(D::Table, D::EndpointId)
                            .to(E::Table, E::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_deliveries_event")
                            .from(D::Table, D::EventId)
                            .to(V::Table, V::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uq_webhook_deliveries_event_endpoint")
                            .unique()
                            .col(D::EventId)
                            .col(D::EndpointId),
                    )
                    .to_owned(),
            )
            .await?;
        let indexes: [(&str, DynIden, Vec<DynIden>); 3] = [
            (
                "idx_webhook_events_undispatched",
                V::Table.into_iden(),
                vec![V::DispatchedAt.into_iden(), V::CreatedAt.into_iden()],
            ),
            (
                "idx_webhook_deliveries_due",
                D::Table.into_iden(),
                vec![D::Status.into_iden(), D::NextAttemptAt.into_iden()],
            ),
            (
                "idx_webhook_deliveries_endpoint",
                D::Table.into_iden(),
                vec![D::EndpointId.into_iden(), D::Id.into_iden()],
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
        for table in [
            WebhookDeliveries::Table.into_iden(),
            WebhookEvents::Table.into_iden(),
            WebhookEndpoints::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    Url,
    Description,
    Events,
    Enabled,
    SecretSealed,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    Kind,
    Payload,
    EndpointId,
    CreatedAt,
    DispatchedAt,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    EventId,
    EndpointId,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastStatus,
    LastError,
    LastAttemptAt,
    CreatedAt,
}
