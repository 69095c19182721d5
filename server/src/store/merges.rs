//! Moving what belongs to one user to another: a whole user (merge), or one identity (link,
//! unlink). Every function here runs inside the caller's transaction. Identity rows are
//! written first, then the user rows, the same order a login takes them, so a merge and a
//! concurrent login of the same person wait for each other instead of deadlocking.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::StoreError;
use super::entities::{
    grant, identity, login_attempt, mp_ticket, pending_binding, user_tombstone, user_unionid,
};
use super::identities::move_identities;

/// Moves everything of `from` to `into` and deletes `from`, leaving a tombstone that says
/// "merged into `into`": identities and unionid claims; grants, revoked (their tokens carry
/// `from`'s ID); logins in flight (a confirmed mini-program ticket, a pending binding), which
/// finish as `into`; and earlier tombstones that pointed at `from`. False if `from` is gone.
pub async fn absorb<C: ConnectionTrait>(
    db: &C,
    from: &str,
    into: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    move_identities(db, from, into).await?;
    grant::Entity::update_many()
        .col_expr(grant::Column::RevokedAt, Expr::value(now))
        .filter(grant::Column::UserId.eq(from))
        .filter(grant::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    grant::Entity::update_many()
        .col_expr(grant::Column::UserId, Expr::value(into))
        .filter(grant::Column::UserId.eq(from))
        .exec(db)
        .await?;
    login_attempt::Entity::update_many()
        .col_expr(login_attempt::Column::UserId, Expr::value(into))
        .filter(login_attempt::Column::UserId.eq(from))
        .exec(db)
        .await?;
    mp_ticket::Entity::update_many()
        .col_expr(mp_ticket::Column::UserId, Expr::value(into))
        .filter(mp_ticket::Column::UserId.eq(from))
        .exec(db)
        .await?;
    pending_binding::Entity::update_many()
        .col_expr(pending_binding::Column::UserId, Expr::value(into))
        .filter(pending_binding::Column::UserId.eq(from))
        .exec(db)
        .await?;
    pending_binding::Entity::update_many()
        .col_expr(pending_binding::Column::PhoneUserId, Expr::value(into))
        .filter(pending_binding::Column::PhoneUserId.eq(from))
        .exec(db)
        .await?;
    user_tombstone::Entity::update_many()
        .col_expr(user_tombstone::Column::MergedInto, Expr::value(into))
        .filter(user_tombstone::Column::MergedInto.eq(from))
        .exec(db)
        .await?;
    super::users::delete(db, from, Some(into), now).await
}

/// Moves one identity to `to`, and its unionid claim with it when `claim` (the caller checked
/// that no other identity of the old user carries that unionid). False if the identity is not
/// `from`'s any more.
pub async fn move_identity<C: ConnectionTrait>(
    db: &C,
    identity_id: i64,
    from: &str,
    to: &str,
    claim: Option<&str>,
) -> Result<bool, StoreError> {
    let moved = identity::Entity::update_many()
        .col_expr(identity::Column::UserId, Expr::value(to))
        .filter(identity::Column::Id.eq(identity_id))
        .filter(identity::Column::UserId.eq(from))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Ok(false);
    }
    if let Some(unionid) = claim {
        user_unionid::Entity::update_many()
            .col_expr(user_unionid::Column::UserId, Expr::value(to))
            .filter(user_unionid::Column::Unionid.eq(unionid))
            .filter(user_unionid::Column::UserId.eq(from))
            .exec(db)
            .await?;
    }
    Ok(true)
}

/// The distinct unionids among the user's identities.
pub async fn unionids_of<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
) -> Result<Vec<String>, StoreError> {
    Ok(identity::Entity::find()
        .select_only()
        .column(identity::Column::Unionid)
        .distinct()
        .filter(identity::Column::UserId.eq(user_id))
        .filter(identity::Column::Unionid.is_not_null())
        .into_tuple::<String>()
        .all(db)
        .await?)
}

pub async fn identity_by_id<C: ConnectionTrait>(
    db: &C,
    id: i64,
) -> Result<Option<identity::Model>, StoreError> {
    Ok(identity::Entity::find_by_id(id).one(db).await?)
}

/// Identities with this OpenID (one per AppID that knows the person by it).
pub async fn identities_by_openid<C: ConnectionTrait>(
    db: &C,
    openid: &str,
) -> Result<Vec<identity::Model>, StoreError> {
    Ok(identity::Entity::find()
        .filter(identity::Column::Openid.eq(openid))
        .limit(10)
        .all(db)
        .await?)
}

/// Sets the user's pinned profile fields (JSON, or none).
pub async fn set_pins<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    pins: Option<String>,
) -> Result<(), StoreError> {
    super::entities::user::Entity::update_many()
        .col_expr(super::entities::user::Column::Pinned, Expr::value(pins))
        .filter(super::entities::user::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The earlier of the two creation times and the later of the two last logins go to `into`.
pub async fn combine_times<C: ConnectionTrait>(
    db: &C,
    into: &str,
    created_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    use super::entities::user;
    user::Entity::update_many()
        .col_expr(user::Column::CreatedAt, Expr::value(created_at))
        .filter(user::Column::Id.eq(into))
        .filter(user::Column::CreatedAt.gt(created_at))
        .exec(db)
        .await?;
    if let Some(last) = last_login_at {
        user::Entity::update_many()
            .col_expr(user::Column::LastLoginAt, Expr::value(last))
            .filter(user::Column::Id.eq(into))
            .filter(
                sea_orm::Condition::any()
                    .add(user::Column::LastLoginAt.is_null())
                    .add(user::Column::LastLoginAt.lt(last)),
            )
            .exec(db)
            .await?;
    }
    Ok(())
}
