//! Users as administrators see them: search and keyset pages ordered by last login, the
//! figures a list shows per user, blocking, deletion with a tombstone.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set, Statement, TransactionTrait,
};

use super::StoreError;
use super::entities::{
    audit_entry, grant, identity, login_log_entry, sso_session, user, user_tombstone,
};

/// Where a page starts: after this (last login, id), in descending order.
#[derive(Clone, Debug, PartialEq)]
pub struct After {
    pub last_login_at: DateTime<Utc>,
    pub id: String,
}

/// A search, already resolved to what the database can match.
#[derive(Clone, Debug, Default)]
pub struct Search {
    /// Values matched exactly against user ID, phone number, OpenID and UnionID.
    pub exact: Vec<String>,
    /// Part of a name, matched case-insensitively (used when `exact` matches nobody).
    pub name: Option<String>,
    /// Only users with an identity of one of these AppIDs.
    pub appids: Option<Vec<String>>,
    /// Only users with a grant to this application.
    pub application_id: Option<i64>,
    pub blocked: Option<bool>,
    pub after: Option<After>,
}

/// `%`, `_` and the escape character itself lose their meaning in a LIKE pattern.
fn contains_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn filters(s: &Search) -> Condition {
    let mut c = Condition::all();
    // Correlated EXISTS, not IN: walking users newest login first, a page of a common filter
    // stops after a page's worth of users instead of first collecting every match.
    if let Some(appids) = &s.appids {
        c = c.add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(identity::Entity)
                .and_where(
                    Expr::col((identity::Entity, identity::Column::UserId))
                        .equals((user::Entity, user::Column::Id)),
                )
                .and_where(identity::Column::Provider.eq(crate::identity::WECHAT))
                .and_where(identity::Column::Appid.is_in(appids.clone()))
                .to_owned(),
        ));
    }
    if let Some(app) = s.application_id {
        c = c.add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(grant::Entity)
                .and_where(
                    Expr::col((grant::Entity, grant::Column::UserId))
                        .equals((user::Entity, user::Column::Id)),
                )
                .and_where(grant::Column::ApplicationId.eq(app))
                .to_owned(),
        ));
    }
    match s.blocked {
        Some(true) => c = c.add(user::Column::BlockedAt.is_not_null()),
        Some(false) => c = c.add(user::Column::BlockedAt.is_null()),
        None => {}
    }
    if let Some(after) = &s.after {
        c = c.add(
            Condition::any()
                .add(user::Column::LastLoginAt.lt(after.last_login_at))
                .add(
                    Condition::all()
                        .add(user::Column::LastLoginAt.eq(after.last_login_at))
                        .add(user::Column::Id.lt(after.id.as_str())),
                ),
        );
    }
    c
}

/// User IDs that `values` name exactly: as user ID, phone number, OpenID or UnionID.
async fn exact_matches(
    db: &DatabaseConnection,
    values: &[String],
) -> Result<Vec<String>, StoreError> {
    let mut ids: Vec<String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(
            Condition::any()
                .add(user::Column::Id.is_in(values.to_vec()))
                .add(user::Column::PhoneNumber.is_in(values.to_vec())),
        )
        .into_tuple()
        .all(db)
        .await?;
    let by_identity: Vec<String> = identity::Entity::find()
        .select_only()
        .column(identity::Column::UserId)
        .filter(
            Condition::any()
                .add(identity::Column::Openid.is_in(values.to_vec()))
                .add(identity::Column::Unionid.is_in(values.to_vec())),
        )
        .into_tuple()
        .all(db)
        .await?;
    ids.extend(by_identity);
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// Up to this many users whose name holds the text are sorted by last login from the name
/// index. With more, a page fills quickly while walking users in login order, which is cheaper
/// than collecting them all first.
const FEW_NAMES: i64 = 10_000;

/// A name search as a condition, and whether PostgreSQL must plan it for this very text (a
/// plan kept for "any text" walks every user for a rare one).
struct NameMatch {
    condition: Expr,
    plan_each: bool,
}

/// One page of users (up to `limit`, newest login first) and whether more follow.
pub async fn page(
    db: &DatabaseConnection,
    search: &Search,
    limit: u64,
) -> Result<(Vec<user::Model>, bool), StoreError> {
    let mut condition = filters(search);
    let mut name = search.name.as_deref();
    if !search.exact.is_empty() {
        let ids = exact_matches(db, &search.exact).await?;
        if !ids.is_empty() || name.is_none() {
            condition = condition.add(user::Column::Id.is_in(ids));
            name = None;
        }
    }
    let mut plan_each = false;
    if let Some(name) = name {
        let found = name_search(db, name).await?;
        condition = condition.add(found.condition);
        plan_each = found.plan_each;
    }
    let query = user::Entity::find()
        .filter(condition)
        .order_by_desc(user::Column::LastLoginAt)
        .order_by_desc(user::Column::Id)
        .limit(limit + 1);
    let mut rows = if plan_each {
        let txn = db.begin().await?;
        txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
            .await?;
        let rows = query.all(&txn).await?;
        txn.commit().await?;
        rows
    } else {
        query.all(db).await?
    };
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// Users whose name holds `name`, case-insensitively. Texts of three characters or more use the
/// trigram index (FTS5 on SQLite, `pg_trgm` on PostgreSQL, see migration 16); shorter ones have
/// no trigram and walk users in login order.
async fn name_search(db: &DatabaseConnection, name: &str) -> Result<NameMatch, StoreError> {
    let lowered = name.to_lowercase();
    let nickname = || Expr::col((user::Entity, user::Column::Nickname));
    let backend = db.get_database_backend();
    // SQLite's LIKE already ignores ASCII case, and its `lower` changes nothing else: testing
    // the name as stored is the same answer for less work per user walked.
    let name_col = match backend {
        DbBackend::Sqlite => nickname(),
        _ => Func::lower(nickname()).into(),
    };
    let like = name_col.like(LikeExpr::new(contains_pattern(name)).escape('\\'));
    let short = lowered.chars().count() < 3;
    // Planned like any other query.
    let plain = |condition| NameMatch {
        condition,
        plan_each: false,
    };
    Ok(match backend {
        DbBackend::Sqlite if !short => {
            // One FTS5 phrase: the text as it is, with `"` doubled.
            let phrase = format!("\"{}\"", lowered.replace('"', "\"\""));
            #[derive(FromQueryResult)]
            struct Found {
                n: i64,
            }
            let found = Found::find_by_statement(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "SELECT count(*) AS n FROM (SELECT 1 FROM users_name \
                 WHERE users_name MATCH ? LIMIT ?)",
                [phrase.clone().into(), (FEW_NAMES + 1).into()],
            ))
            .one(db)
            .await?
            .map_or(0, |f| f.n);
            if found > FEW_NAMES {
                plain(like)
            } else {
                // The index finds the rows; the name is tested again, so a stale index entry
                // can never show a user whose name does not hold the text.
                plain(
                    Expr::cust_with_values(
                        "\"users\".\"id\" IN (SELECT user_id FROM users_name_keys WHERE k IN \
                         (SELECT rowid FROM users_name WHERE users_name MATCH ?))",
                        [phrase],
                    )
                    .and(like),
                )
            }
        }
        // `pg_trgm` cannot help under three characters, and `strpos` keeps the planner from
        // reading the whole trigram index for them.
        // Text without letters that have a case (Chinese, digits) is looked for as it is:
        // `lower` is most of the cost of walking users.
        DbBackend::Postgres if short => {
            let haystack = if lowered.to_uppercase() == lowered {
                nickname()
            } else {
                Func::lower(nickname()).into()
            };
            plain(Func::cust("strpos").arg(haystack).arg(lowered).gt(0))
        }
        DbBackend::Postgres => NameMatch {
            condition: like,
            plan_each: true,
        },
        _ => plain(like),
    })
}

/// How many identities each of these users has.
pub async fn identity_counts(
    db: &DatabaseConnection,
    ids: &[String],
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(identity::Entity::find()
        .select_only()
        .column(identity::Column::UserId)
        .column_as(identity::Column::Id.count(), "n")
        .filter(identity::Column::UserId.is_in(ids.to_vec()))
        .group_by(identity::Column::UserId)
        .into_tuple()
        .all(db)
        .await?)
}

/// The modes of each user's logins that let them in, from the login log.
pub async fn modes_used(
    db: &DatabaseConnection,
    ids: &[String],
) -> Result<Vec<(String, String)>, StoreError> {
    Ok(login_log_entry::Entity::find()
        .select_only()
        .column(login_log_entry::Column::UserId)
        .column(login_log_entry::Column::Mode)
        .distinct()
        .filter(login_log_entry::Column::UserId.is_in(ids.to_vec()))
        // Logins that let the person in: plain, or ending an ask-to-bind either way.
        .filter(login_log_entry::Column::Outcome.is_in(["success", "bound", "bind_declined"]))
        .filter(login_log_entry::Column::Mode.is_not_null())
        .into_tuple::<(String, String)>()
        .all(db)
        .await?)
}

pub async fn grants_of(
    db: &DatabaseConnection,
    user_id: &str,
) -> Result<Vec<grant::Model>, StoreError> {
    Ok(grant::Entity::find()
        .filter(grant::Column::UserId.eq(user_id))
        .order_by_desc(grant::Column::CreatedAt)
        .limit(200)
        .all(db)
        .await?)
}

pub async fn logins_of(
    db: &DatabaseConnection,
    user_id: &str,
    limit: u64,
) -> Result<Vec<login_log_entry::Model>, StoreError> {
    Ok(login_log_entry::Entity::find()
        .filter(login_log_entry::Column::UserId.eq(user_id))
        .order_by_desc(login_log_entry::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

pub async fn audit_of(
    db: &DatabaseConnection,
    user_id: &str,
    limit: u64,
) -> Result<Vec<audit_entry::Model>, StoreError> {
    Ok(audit_entry::Entity::find()
        .filter(audit_entry::Column::Target.eq(format!("user:{user_id}")))
        .order_by_desc(audit_entry::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

pub async fn tombstone(
    db: &DatabaseConnection,
    id: &str,
) -> Result<Option<user_tombstone::Model>, StoreError> {
    Ok(user_tombstone::Entity::find_by_id(id.to_string())
        .one(db)
        .await?)
}

/// Sets the block (`Some`) or clears it (`None`); true if this call changed it. Conditional,
/// so of two concurrent calls one changes the row and the other sees it done.
pub async fn set_blocked<C: ConnectionTrait>(
    db: &C,
    id: &str,
    blocked_at: Option<DateTime<Utc>>,
) -> Result<bool, StoreError> {
    let unchanged = if blocked_at.is_some() {
        user::Column::BlockedAt.is_null()
    } else {
        user::Column::BlockedAt.is_not_null()
    };
    let done = user::Entity::update_many()
        .col_expr(user::Column::BlockedAt, Expr::value(blocked_at))
        .filter(user::Column::Id.eq(id))
        .filter(unchanged)
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Revokes every live grant (their refresh and access tokens stop working) and single sign-on
/// session of the user; returns how many grants.
pub async fn revoke_all<C: ConnectionTrait>(
    db: &C,
    id: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let grants = grant::Entity::update_many()
        .col_expr(grant::Column::RevokedAt, Expr::value(now))
        .filter(grant::Column::UserId.eq(id))
        .filter(grant::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    sso_session::Entity::update_many()
        .col_expr(sso_session::Column::RevokedAt, Expr::value(now))
        .filter(sso_session::Column::UserId.eq(id))
        .filter(sso_session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(grants.rows_affected)
}

/// Revokes one of the user's grants; false if it is not theirs or already revoked.
pub async fn revoke_grant_of<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    grant_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = grant::Entity::update_many()
        .col_expr(grant::Column::RevokedAt, Expr::value(now))
        .filter(grant::Column::Id.eq(grant_id))
        .filter(grant::Column::UserId.eq(user_id))
        .filter(grant::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Deletes the user (identities, unionid claims, grants with their codes and tokens, and
/// sessions go with it, by the foreign keys) and leaves a tombstone; false if no such user.
pub async fn delete<C: ConnectionTrait>(
    db: &C,
    id: &str,
    merged_into: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = user::Entity::delete_by_id(id.to_string()).exec(db).await?;
    if done.rows_affected != 1 {
        return Ok(false);
    }
    user_tombstone::Entity::insert(user_tombstone::ActiveModel {
        id: Set(id.to_string()),
        merged_into: Set(merged_into.map(str::to_string)),
        at: Set(now),
    })
    .on_conflict_do_nothing_on([user_tombstone::Column::Id])
    .exec_without_returning(db)
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn like_metacharacters_in_a_name_search_match_themselves() {
        assert_eq!(contains_pattern("Li"), "%li%");
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
