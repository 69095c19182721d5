//! Indexes for the sweep of grants: the old ones by age, and, for each, whether the same person
//! has a newer grant for the same application (the newest always stays: the Users page filters
//! and lists by it).

use sea_orm_migration::prelude::*;

/// (name, columns) of the indexes on `oidc_grants`.
const INDEXES: &[(&str, &[&str])] = &[
    ("idx_oidc_grants_created_at", &["created_at"]),
    (
        "idx_oidc_grants_user_application",
        &["user_id", "application_id", "created_at"],
    ),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, cols) in INDEXES {
            let mut index = Index::create();
            index
                .if_not_exists()
                .name(*name)
                .table(Alias::new("oidc_grants"));
            for col in *cols {
                index.col(Alias::new(*col));
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            manager
                .drop_index(
                    Index::drop()
                        .name(*name)
                        .table(Alias::new("oidc_grants"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
