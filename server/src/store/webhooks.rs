//! Webhook endpoints, the event outbox and deliveries. Taking due deliveries is one statement
//! that sets a lease, so two instances never hold the same delivery (PostgreSQL skips rows
//! another instance is taking; SQLite has one writer).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement,
};

use super::StoreError;
use super::entities::{webhook_delivery as delivery, webhook_endpoint as endpoint, webhook_event};

pub async fn endpoints<C: ConnectionTrait>(db: &C) -> Result<Vec<endpoint::Model>, StoreError> {
    Ok(endpoint::Entity::find()
        .order_by_asc(endpoint::Column::Id)
        .all(db)
        .await?)
}

pub async fn endpoint<C: ConnectionTrait>(
    db: &C,
    id: i64,
) -> Result<Option<endpoint::Model>, StoreError> {
    Ok(endpoint::Entity::find_by_id(id).one(db).await?)
}

pub async fn insert_endpoint<C: ConnectionTrait>(
    db: &C,
    row: endpoint::ActiveModel,
) -> Result<endpoint::Model, StoreError> {
    Ok(row.insert(db).await?)
}

pub async fn update_endpoint<C: ConnectionTrait>(
    db: &C,
    row: endpoint::ActiveModel,
) -> Result<endpoint::Model, StoreError> {
    Ok(row.update(db).await?)
}

pub async fn delete_endpoint<C: ConnectionTrait>(db: &C, id: i64) -> Result<bool, StoreError> {
    Ok(endpoint::Entity::delete_by_id(id)
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Whether any endpoint is enabled (events are written only then).
pub async fn any_enabled<C: ConnectionTrait>(db: &C) -> Result<bool, StoreError> {
    Ok(endpoint::Entity::find()
        .select_only()
        .column(endpoint::Column::Id)
        .filter(endpoint::Column::Enabled.eq(true))
        .into_tuple::<i64>()
        .one(db)
        .await?
        .is_some())
}

pub async fn insert_event<C: ConnectionTrait>(
    db: &C,
    id: &str,
    kind: &str,
    payload: &str,
    endpoint_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    webhook_event::Entity::insert(webhook_event::ActiveModel {
        id: Set(id.to_string()),
        kind: Set(kind.to_string()),
        payload: Set(payload.to_string()),
        endpoint_id: Set(endpoint_id),
        created_at: Set(now),
        dispatched_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Events not yet fanned out, oldest first; on PostgreSQL locked for this transaction and
/// skipped by other instances'.
pub async fn undispatched<C: ConnectionTrait>(
    db: &C,
    limit: u64,
) -> Result<Vec<webhook_event::Model>, StoreError> {
    let backend = db.get_database_backend();
    let lock = if backend == DbBackend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "SELECT * FROM webhook_events WHERE dispatched_at IS NULL \
         ORDER BY created_at, id LIMIT {limit}{lock}"
    );
    Ok(webhook_event::Entity::find()
        .from_raw_sql(Statement::from_string(backend, sql))
        .all(db)
        .await?)
}

pub async fn mark_dispatched<C: ConnectionTrait>(
    db: &C,
    ids: Vec<String>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    webhook_event::Entity::update_many()
        .col_expr(webhook_event::Column::DispatchedAt, Expr::value(now))
        .filter(webhook_event::Column::Id.is_in(ids))
        .exec(db)
        .await?;
    Ok(())
}

/// A pending delivery of the event to the endpoint, due now (none if one exists already).
pub async fn insert_delivery<C: ConnectionTrait>(
    db: &C,
    event_id: &str,
    endpoint_id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    delivery::Entity::insert(delivery::ActiveModel {
        event_id: Set(event_id.to_string()),
        endpoint_id: Set(endpoint_id),
        status: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        lease_until: Set(None),
        last_status: Set(None),
        last_error: Set(None),
        last_attempt_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict_do_nothing_on([delivery::Column::EventId, delivery::Column::EndpointId])
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Takes up to `limit` due deliveries until `lease_until`: pending, due, and not held by a
/// live lease (an instance that died leaves its lease to run out).
pub async fn take_due<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<delivery::Model>, StoreError> {
    let backend = db.get_database_backend();
    let (p, lock) = match backend {
        DbBackend::Postgres => (["$1", "$2"], " FOR UPDATE SKIP LOCKED"),
        _ => (["?", "?"], ""),
    };
    let sql = format!(
        "UPDATE webhook_deliveries SET lease_until = {lease} WHERE id IN (\
         SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= {now} \
         AND (lease_until IS NULL OR lease_until <= {now}) \
         ORDER BY next_attempt_at, id LIMIT {limit}{lock}) RETURNING *",
        lease = p[0],
        now = p[1],
    );
    let values: Vec<sea_orm::Value> = if backend == DbBackend::Postgres {
        vec![lease_until.into(), now.into()]
    } else {
        // SQLite numbers its `?` in order of appearance: the lease, then `now` twice.
        vec![lease_until.into(), now.into(), now.into()]
    };
    Ok(delivery::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await?)
}

pub async fn events_by_id<C: ConnectionTrait>(
    db: &C,
    ids: Vec<String>,
) -> Result<Vec<webhook_event::Model>, StoreError> {
    Ok(webhook_event::Entity::find()
        .filter(webhook_event::Column::Id.is_in(ids))
        .all(db)
        .await?)
}

/// What one attempt ended with. Written only while this instance still holds the lease.
pub struct Attempted {
    pub status: &'static str,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub at: DateTime<Utc>,
}

pub async fn record_attempt<C: ConnectionTrait>(
    db: &C,
    id: i64,
    lease_until: DateTime<Utc>,
    a: Attempted,
) -> Result<bool, StoreError> {
    let done = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(a.status))
        .col_expr(delivery::Column::Attempts, Expr::value(a.attempts))
        .col_expr(
            delivery::Column::NextAttemptAt,
            Expr::value(a.next_attempt_at),
        )
        .col_expr(
            delivery::Column::LeaseUntil,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(delivery::Column::LastStatus, Expr::value(a.last_status))
        .col_expr(delivery::Column::LastError, Expr::value(a.last_error))
        .col_expr(delivery::Column::LastAttemptAt, Expr::value(a.at))
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::LeaseUntil.eq(lease_until))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The endpoint's newest deliveries with their events.
pub async fn deliveries_of<C: ConnectionTrait>(
    db: &C,
    endpoint_id: i64,
    limit: u64,
) -> Result<Vec<(delivery::Model, Option<webhook_event::Model>)>, StoreError> {
    let rows = delivery::Entity::find()
        .filter(delivery::Column::EndpointId.eq(endpoint_id))
        .order_by_desc(delivery::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let events = events_by_id(db, rows.iter().map(|d| d.event_id.clone()).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|d| {
            let e = events.iter().find(|e| e.id == d.event_id).cloned();
            (d, e)
        })
        .collect())
}

/// Sends the delivery again from the start (same event, same `webhook-id`); false if it is
/// not this endpoint's or is being sent right now.
pub async fn resend<C: ConnectionTrait>(
    db: &C,
    endpoint_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value("pending"))
        .col_expr(delivery::Column::Attempts, Expr::value(0))
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(now))
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::EndpointId.eq(endpoint_id))
        .filter(
            sea_orm::Condition::any()
                .add(delivery::Column::LeaseUntil.is_null())
                .add(delivery::Column::LeaseUntil.lte(now)),
        )
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}
