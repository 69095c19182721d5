//! Identity sources, applications and which sources each application enables.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, DatabaseConnection, EntityTrait, Iterable,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

use super::entities::application::{self, Entity as Applications};
use super::entities::application_source::{self, Entity as Links};
use super::entities::identity_source::{self, Entity as Sources};
use super::{StoreError, classify};

/// A logo column as read for the catalog snapshot: NULL, or an empty value when there is a
/// logo (whether there is one is all the snapshot keeps).
fn logo_marker(col: impl ColumnTrait) -> sea_orm::sea_query::SimpleExpr {
    Expr::case(col.is_null(), Expr::val(Option::<Vec<u8>>::None))
        .finally(Expr::val(Vec::<u8>::new()))
        .into()
}

/// Every source, its logo read only as present or not.
pub async fn sources_without_logos(
    db: &DatabaseConnection,
) -> Result<Vec<identity_source::Model>, StoreError> {
    let logo = identity_source::Column::LogoPng;
    Ok(Sources::find()
        .select_only()
        .columns(
            identity_source::Column::iter()
                .filter(|c| !matches!(c, identity_source::Column::LogoPng)),
        )
        .expr_as(logo_marker(logo), "logo_png")
        .order_by_asc(identity_source::Column::Id)
        .all(db)
        .await?)
}

/// Every application, its logo read only as present or not.
pub async fn applications_without_logos(
    db: &DatabaseConnection,
) -> Result<Vec<application::Model>, StoreError> {
    let logo = application::Column::LogoPng;
    Ok(Applications::find()
        .select_only()
        .columns(application::Column::iter().filter(|c| !matches!(c, application::Column::LogoPng)))
        .expr_as(logo_marker(logo), "logo_png")
        .order_by_asc(application::Column::Id)
        .all(db)
        .await?)
}

pub async fn source(
    db: &DatabaseConnection,
    id: i64,
) -> Result<Option<identity_source::Model>, StoreError> {
    Ok(Sources::find_by_id(id).one(db).await?)
}

/// Inserts a source; a taken identifier is `Conflict` (the unique index decides).
pub async fn insert_source(
    db: &DatabaseConnection,
    row: identity_source::ActiveModel,
) -> Result<identity_source::Model, StoreError> {
    row.insert(db).await.map_err(classify)
}

pub async fn update_source(
    db: &DatabaseConnection,
    row: identity_source::ActiveModel,
) -> Result<identity_source::Model, StoreError> {
    row.update(db).await.map_err(classify)
}

/// Deletes a source and its associations. False when there was none.
pub async fn delete_source(db: &DatabaseConnection, id: i64) -> Result<bool, StoreError> {
    let txn = db.begin().await?;
    Links::delete_many()
        .filter(application_source::Column::SourceId.eq(id))
        .exec(&txn)
        .await?;
    let gone = Sources::delete_by_id(id).exec(&txn).await?.rows_affected == 1;
    txn.commit().await?;
    Ok(gone)
}

pub async fn application(
    db: &DatabaseConnection,
    id: i64,
) -> Result<Option<application::Model>, StoreError> {
    Ok(Applications::find_by_id(id).one(db).await?)
}

/// Writes an application (inserted when its id is not set, else updated) with, when given, the
/// sources it enables, all or nothing: an application whose links failed is not left behind (a
/// new one's client secret, shown once, would never have been seen).
pub async fn save_application(
    db: &DatabaseConnection,
    row: application::ActiveModel,
    sources: Option<&[i64]>,
    now: DateTime<Utc>,
) -> Result<application::Model, StoreError> {
    let txn = db.begin().await?;
    let new = matches!(row.id, ActiveValue::NotSet);
    let saved = if new {
        row.insert(&txn).await
    } else {
        row.update(&txn).await
    }
    .map_err(classify)?;
    if let Some(sources) = sources {
        if !new {
            Links::delete_many()
                .filter(application_source::Column::ApplicationId.eq(saved.id))
                .exec(&txn)
                .await?;
        }
        for source_id in sources {
            application_source::ActiveModel {
                application_id: Set(saved.id),
                source_id: Set(*source_id),
                created_at: Set(now),
            }
            .insert(&txn)
            .await
            .map_err(classify)?;
        }
    }
    txn.commit().await?;
    Ok(saved)
}

pub async fn update_application(
    db: &DatabaseConnection,
    row: application::ActiveModel,
) -> Result<application::Model, StoreError> {
    row.update(db).await.map_err(classify)
}

pub async fn delete_application(db: &DatabaseConnection, id: i64) -> Result<bool, StoreError> {
    let txn = db.begin().await?;
    Links::delete_many()
        .filter(application_source::Column::ApplicationId.eq(id))
        .exec(&txn)
        .await?;
    let gone = Applications::delete_by_id(id)
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    txn.commit().await?;
    Ok(gone)
}

/// Which (application, source) pairs to read.
#[derive(Clone, Copy, Debug)]
pub enum LinksOf {
    All,
    Application(i64),
    Source(i64),
}

/// The (application, source) pairs of `of`: a single application or source reads only its own.
pub async fn links(db: &DatabaseConnection, of: LinksOf) -> Result<Vec<(i64, i64)>, StoreError> {
    let query = match of {
        LinksOf::All => Links::find(),
        LinksOf::Application(id) => {
            Links::find().filter(application_source::Column::ApplicationId.eq(id))
        }
        LinksOf::Source(id) => Links::find().filter(application_source::Column::SourceId.eq(id)),
    };
    Ok(query
        .order_by_asc(application_source::Column::ApplicationId)
        .order_by_asc(application_source::Column::SourceId)
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.application_id, l.source_id))
        .collect())
}

/// Enables (`on`) or disables a source for an application; idempotent.
pub async fn set_link(
    db: &DatabaseConnection,
    application_id: i64,
    source_id: i64,
    on: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if on {
        Links::insert(application_source::ActiveModel {
            application_id: Set(application_id),
            source_id: Set(source_id),
            created_at: Set(now),
        })
        .on_conflict_do_nothing_on([
            application_source::Column::ApplicationId,
            application_source::Column::SourceId,
        ])
        .exec(db)
        .await?;
    } else {
        Links::delete_many()
            .filter(application_source::Column::ApplicationId.eq(application_id))
            .filter(application_source::Column::SourceId.eq(source_id))
            .exec(db)
            .await?;
    }
    Ok(())
}
