//! PC mini-program-code tickets. Every change of status is one conditional `UPDATE`, so two
//! instances (or two requests) racing on one ticket cannot both move it.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
    QuerySelect, QueryTrait, UpdateMany,
};

use super::StoreError;
use super::entities::mp_ticket::{self, Column as C};

/// A ticket without its image.
#[derive(Clone, Debug, PartialEq, FromQueryResult)]
pub struct TicketRow {
    pub id: String,
    pub request_id: String,
    pub source_id: i64,
    pub browser_hash: String,
    pub status: String,
    pub reason: Option<String>,
    pub user_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A status change: from one of `from` to `to`, with the reason and user it ends with.
pub struct Move<'a> {
    pub from: &'a [&'a str],
    pub to: &'a str,
    pub reason: Option<&'a str>,
    pub user_id: Option<&'a str>,
    /// Only while the ticket has not expired.
    pub live_at: Option<DateTime<Utc>>,
}

pub async fn insert(
    db: &DatabaseConnection,
    row: mp_ticket::ActiveModel,
) -> Result<(), StoreError> {
    mp_ticket::Entity::insert(row).exec(db).await?;
    Ok(())
}

/// The columns of a [`TicketRow`].
const ROW: [C; 10] = [
    C::Id,
    C::RequestId,
    C::SourceId,
    C::BrowserHash,
    C::Status,
    C::Reason,
    C::UserId,
    C::CreatedAt,
    C::ExpiresAt,
    C::UpdatedAt,
];

pub async fn get(db: &DatabaseConnection, id: &str) -> Result<Option<TicketRow>, StoreError> {
    Ok(mp_ticket::Entity::find_by_id(id.to_string())
        .select_only()
        .columns(ROW)
        .into_model::<TicketRow>()
        .one(db)
        .await?)
}

/// Tickets created from `ip` since `since` (the rate limit).
pub async fn created_from(
    db: &DatabaseConnection,
    ip: &str,
    since: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(mp_ticket::Entity::find()
        .filter(C::Ip.eq(ip))
        .filter(C::CreatedAt.gt(since))
        .count(db)
        .await?)
}

/// Applies `change` to the ticket if its status is one of `change.from`; true if it did.
pub async fn transition(
    db: &DatabaseConnection,
    id: &str,
    change: &Move<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(moved(id, change, now).exec(db).await?.rows_affected == 1)
}

/// [`transition`] in one statement that also answers the ticket as it is after the change;
/// `None` if the ticket was not in one of `change.from` (or is unknown).
pub async fn transition_returning(
    db: &DatabaseConnection,
    id: &str,
    change: &Move<'_>,
    now: DateTime<Utc>,
) -> Result<Option<TicketRow>, StoreError> {
    let mut update = moved(id, change, now).into_query();
    update.returning(Query::returning().columns(ROW));
    let statement = db.get_database_backend().build(&update);
    Ok(TicketRow::find_by_statement(statement).one(db).await?)
}

fn moved(id: &str, change: &Move<'_>, now: DateTime<Utc>) -> UpdateMany<mp_ticket::Entity> {
    let mut update = mp_ticket::Entity::update_many()
        .col_expr(C::Status, Expr::value(change.to))
        .col_expr(C::Reason, Expr::value(change.reason))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(id))
        .filter(C::Status.is_in(change.from.iter().copied()));
    if let Some(user) = change.user_id {
        update = update.col_expr(C::UserId, Expr::value(user));
    }
    if let Some(at) = change.live_at {
        update = update.filter(C::ExpiresAt.gt(at));
    }
    update
}

/// Marks a confirmed ticket used by the browser that created it, if it was confirmed after
/// `confirmed_since`; true if this call did.
pub async fn redeem(
    db: &DatabaseConnection,
    id: &str,
    browser_hash: &str,
    confirmed_since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = mp_ticket::Entity::update_many()
        .col_expr(C::Status, Expr::value("used"))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(id))
        .filter(C::Status.eq("confirmed"))
        .filter(C::BrowserHash.eq(browser_hash))
        .filter(C::UpdatedAt.gt(confirmed_since))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

pub async fn image(db: &DatabaseConnection, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
    #[derive(FromQueryResult)]
    struct Img {
        image: Option<Vec<u8>>,
    }
    Ok(mp_ticket::Entity::find_by_id(id.to_string())
        .select_only()
        .column(C::Image)
        .into_model::<Img>()
        .one(db)
        .await?
        .and_then(|i| i.image))
}

pub async fn set_image(db: &DatabaseConnection, id: &str, png: &[u8]) -> Result<(), StoreError> {
    mp_ticket::Entity::update_many()
        .col_expr(C::Image, Expr::value(png.to_vec()))
        .filter(C::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
