//! Users, their identities and unionid claims. Uniqueness is the database's: inserts that may
//! race are "insert if absent, then read who won".

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TryInsertResult,
};

use super::StoreError;
use super::entities::{grant, identity, user, user_unionid};

pub async fn find_identity<C: ConnectionTrait>(
    db: &C,
    provider: &str,
    appid: &str,
    openid: &str,
) -> Result<Option<identity::Model>, StoreError> {
    Ok(identity::Entity::find()
        .filter(identity::Column::Provider.eq(provider))
        .filter(identity::Column::Appid.eq(appid))
        .filter(identity::Column::Openid.eq(openid))
        .one(db)
        .await?)
}

/// Whether an "insert unless present" wrote its row.
fn wrote(result: TryInsertResult<u64>) -> bool {
    matches!(result, TryInsertResult::Inserted(rows) if rows > 0)
}

/// Inserts the identity unless (provider, appid, openid) exists already; true if it did.
pub async fn insert_identity_if_absent<C: ConnectionTrait>(
    db: &C,
    row: identity::ActiveModel,
) -> Result<bool, StoreError> {
    let result = identity::Entity::insert(row)
        .on_conflict_do_nothing_on([
            identity::Column::Provider,
            identity::Column::Appid,
            identity::Column::Openid,
        ])
        .exec_without_returning(db)
        .await?;
    Ok(wrote(result))
}

/// Records a new sighting: last seen, the latest raw profile, and the unionid once known.
/// Answers the identity's user as of this write: the update waits for a merge or link that
/// holds the row, so a login never acts for a user the identity just left (`None`: the
/// identity is gone).
pub async fn touch_identity<C: ConnectionTrait>(
    db: &C,
    id: i64,
    unionid: Option<&str>,
    profile: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let mut update = identity::Entity::update_many()
        .col_expr(identity::Column::LastSeen, Expr::value(now))
        .col_expr(identity::Column::Profile, Expr::value(profile))
        .filter(identity::Column::Id.eq(id));
    if let Some(u) = unionid {
        update = update.col_expr(identity::Column::Unionid, Expr::value(u));
    }
    let rows = update.exec_with_returning(db).await?;
    Ok(rows.into_iter().next().map(|r| r.user_id))
}

/// Moves every identity of `from` to `to` (a late merge).
pub async fn move_identities<C: ConnectionTrait>(
    db: &C,
    from: &str,
    to: &str,
) -> Result<u64, StoreError> {
    let moved = identity::Entity::update_many()
        .col_expr(identity::Column::UserId, Expr::value(to))
        .filter(identity::Column::UserId.eq(from))
        .exec(db)
        .await?;
    user_unionid::Entity::update_many()
        .col_expr(user_unionid::Column::UserId, Expr::value(to))
        .filter(user_unionid::Column::UserId.eq(from))
        .exec(db)
        .await?;
    Ok(moved.rows_affected)
}

pub async fn identities_of<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
) -> Result<Vec<identity::Model>, StoreError> {
    Ok(identity::Entity::find()
        .filter(identity::Column::UserId.eq(user_id))
        .order_by_asc(identity::Column::FirstSeen)
        .order_by_asc(identity::Column::Id)
        .all(db)
        .await?)
}

pub async fn unionid_owner<C: ConnectionTrait>(
    db: &C,
    unionid: &str,
) -> Result<Option<String>, StoreError> {
    Ok(user_unionid::Entity::find_by_id(unionid.to_string())
        .one(db)
        .await?
        .map(|r| r.user_id))
}

/// Claims `unionid` for `user_id` unless another user holds it; returns the holder. A unionid
/// is claimed on every login that shows one, and is almost always held already: the holder is
/// read first.
pub async fn claim_unionid<C: ConnectionTrait>(
    db: &C,
    unionid: &str,
    user_id: &str,
) -> Result<String, StoreError> {
    if let Some(holder) = unionid_owner(db, unionid).await? {
        return Ok(holder);
    }
    let result = user_unionid::Entity::insert(user_unionid::ActiveModel {
        unionid: Set(unionid.to_string()),
        user_id: Set(user_id.to_string()),
    })
    .on_conflict_do_nothing_on([user_unionid::Column::Unionid])
    .exec_without_returning(db)
    .await?;
    if wrote(result) {
        return Ok(user_id.to_string());
    }
    unionid_owner(db, unionid)
        .await?
        .ok_or(StoreError::Conflict)
}

/// The searchable columns a user's row keeps beside its profile JSON.
pub struct Columns<'a> {
    pub phone: Option<&'a str>,
    pub nickname: Option<&'a str>,
}

/// A new user, logged in just now.
pub async fn insert_user<C: ConnectionTrait>(
    db: &C,
    id: &str,
    profile: &str,
    columns: Columns<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    user::Entity::insert(user::ActiveModel {
        id: Set(id.to_string()),
        profile: Set(profile.to_string()),
        phone_number: Set(columns.phone.map(str::to_string)),
        nickname: Set(columns.nickname.map(str::to_string)),
        created_at: Set(now),
        updated_at: Set(now),
        blocked_at: Set(None),
        last_login_at: Set(Some(now)),
        pinned: Set(None),
    })
    .exec(db)
    .await?;
    Ok(())
}

pub async fn delete_user<C: ConnectionTrait>(db: &C, id: &str) -> Result<(), StoreError> {
    user::Entity::delete_by_id(id.to_string()).exec(db).await?;
    Ok(())
}

pub async fn user<C: ConnectionTrait>(db: &C, id: &str) -> Result<Option<user::Model>, StoreError> {
    Ok(user::Entity::find_by_id(id.to_string()).one(db).await?)
}

/// The user and their identities (first seen first), in one statement.
pub async fn user_with_identities<C: ConnectionTrait>(
    db: &C,
    id: &str,
) -> Result<Option<(user::Model, Vec<identity::Model>)>, StoreError> {
    let found = user::Entity::find_by_id(id.to_string())
        .find_with_related(identity::Entity)
        .all(db)
        .await?;
    Ok(first_user(found))
}

/// The user of a standing (not revoked) grant and their identities, in one statement.
pub async fn user_of_grant<C: ConnectionTrait>(
    db: &C,
    grant_id: &str,
) -> Result<Option<(user::Model, Vec<identity::Model>)>, StoreError> {
    let holder = Query::select()
        .column(grant::Column::UserId)
        .from(grant::Entity)
        .and_where(grant::Column::Id.eq(grant_id))
        .and_where(grant::Column::RevokedAt.is_null())
        .to_owned();
    let found = user::Entity::find()
        .filter(user::Column::Id.in_subquery(holder))
        .find_with_related(identity::Entity)
        .all(db)
        .await?;
    Ok(first_user(found))
}

/// The (one) user a join found, their identities first seen first.
fn first_user(
    found: Vec<(user::Model, Vec<identity::Model>)>,
) -> Option<(user::Model, Vec<identity::Model>)> {
    found.into_iter().next().map(|(user, mut identities)| {
        identities.sort_by_key(|i| (i.first_seen, i.id));
        (user, identities)
    })
}

/// The oldest user holding this verified phone number.
pub async fn user_by_phone<C: ConnectionTrait>(
    db: &C,
    phone: &str,
) -> Result<Option<user::Model>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::PhoneNumber.eq(phone))
        .order_by_asc(user::Column::CreatedAt)
        .order_by_asc(user::Column::Id)
        .one(db)
        .await?)
}

/// Stores the user's profile, and the time of a login when given; answers the row as written
/// (`None`: no such user).
pub async fn update_user<C: ConnectionTrait>(
    db: &C,
    id: &str,
    profile: &str,
    columns: Columns<'_>,
    now: DateTime<Utc>,
    login: Option<DateTime<Utc>>,
) -> Result<Option<user::Model>, StoreError> {
    let mut update = user::Entity::update_many();
    if let Some(at) = login {
        update = update.col_expr(user::Column::LastLoginAt, Expr::value(at));
    }
    let rows = update
        .col_expr(user::Column::Profile, Expr::value(profile))
        .col_expr(
            user::Column::PhoneNumber,
            Expr::value(columns.phone.map(str::to_string)),
        )
        .col_expr(
            user::Column::Nickname,
            Expr::value(columns.nickname.map(str::to_string)),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now))
        .filter(user::Column::Id.eq(id))
        .exec_with_returning(db)
        .await?;
    Ok(rows.into_iter().next())
}
