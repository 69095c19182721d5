//! OpenID Connect signing keys: the newest live key signs; retired keys stay published until
//! the tokens they signed have expired.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set};

use super::StoreError;
use super::entities::signing_key::{self, Entity as Keys};

/// Keys published at `now`: live ones and those retired after `retired_since`, newest first.
pub async fn published(
    db: &DatabaseConnection,
    retired_since: DateTime<Utc>,
) -> Result<Vec<signing_key::Model>, StoreError> {
    Ok(Keys::find()
        .filter(
            sea_orm::Condition::any()
                .add(signing_key::Column::RetiredAt.is_null())
                .add(signing_key::Column::RetiredAt.gt(retired_since)),
        )
        .order_by_desc(signing_key::Column::CreatedAt)
        .order_by_desc(signing_key::Column::Kid)
        .all(db)
        .await?)
}

/// The key that signs now: the newest one not retired.
pub async fn current(db: &DatabaseConnection) -> Result<Option<signing_key::Model>, StoreError> {
    Ok(Keys::find()
        .filter(signing_key::Column::RetiredAt.is_null())
        .order_by_desc(signing_key::Column::CreatedAt)
        .order_by_desc(signing_key::Column::Kid)
        .one(db)
        .await?)
}

pub async fn insert(
    db: &DatabaseConnection,
    row: signing_key::ActiveModel,
) -> Result<(), StoreError> {
    Keys::insert(row).exec(db).await?;
    Ok(())
}

/// Retires every live key except `keep`.
pub async fn retire_others(
    db: &DatabaseConnection,
    keep: &str,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let done = Keys::update_many()
        .col_expr(signing_key::Column::RetiredAt, Expr::value(now))
        .filter(signing_key::Column::RetiredAt.is_null())
        .filter(signing_key::Column::Kid.ne(keep))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

/// The ES256 half of a key row: thumbprint, sealed PKCS#8, public point (x, y).
pub struct EcKey {
    pub kid: String,
    pub sealed: Vec<u8>,
    pub x: String,
    pub y: String,
}

/// A new key row, ready to insert.
pub fn row(
    kid: &str,
    private_sealed: Vec<u8>,
    n: String,
    e: String,
    ec: EcKey,
    now: DateTime<Utc>,
) -> signing_key::ActiveModel {
    signing_key::ActiveModel {
        kid: Set(kid.to_string()),
        alg: Set("RS256".into()),
        private_sealed: Set(private_sealed),
        public_n: Set(n),
        public_e: Set(e),
        created_at: Set(now),
        retired_at: Set(None),
        ec_kid: Set(Some(ec.kid)),
        ec_private_sealed: Set(Some(ec.sealed)),
        ec_x: Set(Some(ec.x)),
        ec_y: Set(Some(ec.y)),
    }
}

/// Gives row `kid`, written before access tokens had their own key, an ES256 key, unless
/// another instance gave it one first (the row then keeps theirs).
pub async fn add_ec(db: &DatabaseConnection, kid: &str, ec: EcKey) -> Result<(), StoreError> {
    Keys::update_many()
        .col_expr(signing_key::Column::EcKid, Expr::value(ec.kid))
        .col_expr(signing_key::Column::EcPrivateSealed, Expr::value(ec.sealed))
        .col_expr(signing_key::Column::EcX, Expr::value(ec.x))
        .col_expr(signing_key::Column::EcY, Expr::value(ec.y))
        .filter(signing_key::Column::Kid.eq(kid))
        .filter(signing_key::Column::EcPrivateSealed.is_null())
        .exec(db)
        .await?;
    Ok(())
}
