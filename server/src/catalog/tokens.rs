//! Admin API tokens: created (the value shown once, stored hashed), listed, revoked.

use app::model::{ApiTokenView, NewApiToken, validate};

use super::{Actor, Catalog, CatalogError};
use crate::crypto::token::{random_token, token_hash};
use crate::store;

/// The prefix of admin API tokens, so they are recognisable in a secret scanner.
pub const TOKEN_PREFIX: &str = "dtk_";

pub fn new_token() -> String {
    format!("{TOKEN_PREFIX}{}", random_token())
}

impl Catalog {
    pub async fn list_tokens(&self) -> Result<Vec<ApiTokenView>, CatalogError> {
        let rows = store::api_tokens::list(&self.db).await?;
        Ok(rows
            .into_iter()
            .map(|t| ApiTokenView {
                id: t.id,
                name: t.name,
                created_by: t.created_by,
                created_at: t.created_at.to_rfc3339(),
                revoked_at: t.revoked_at.map(|d| d.to_rfc3339()),
                last_used_at: t.last_used_at.map(|d| d.to_rfc3339()),
            })
            .collect())
    }

    pub async fn create_token(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<NewApiToken, CatalogError> {
        validate::name("name", name).map_err(|e| CatalogError::Invalid(vec![e]))?;
        let token = new_token();
        let row = store::api_tokens::insert(
            &self.db,
            name.trim(),
            &token_hash(&token),
            &actor.label(),
            self.clock.now(),
        )
        .await?;
        self.audit::<()>(
            actor,
            "token.create",
            format!("token:{}", row.name),
            None,
            None,
        )
        .await?;
        Ok(NewApiToken {
            id: row.id,
            name: row.name,
            token,
        })
    }

    pub async fn revoke_token(&self, actor: &Actor, id: i64) -> Result<(), CatalogError> {
        if !store::api_tokens::revoke(&self.db, id, self.clock.now()).await? {
            return Err(CatalogError::NotFound("live API token"));
        }
        self.audit::<()>(actor, "token.revoke", format!("token:{id}"), None, None)
            .await
    }
}
