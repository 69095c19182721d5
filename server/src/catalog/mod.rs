//! The catalog a developer configures: WeChat identity sources, applications, and which
//! sources each application enables. The console and the management API call these same
//! operations, so one input gives one answer (and one field error) in both. Every change is
//! audited, without secrets.

mod applications;
mod cache;
pub mod logo;
mod sources;
mod tokens;

pub use sources::Credentials;
pub use tokens::new_token;

use std::sync::Arc;

use app::model::{FieldError, InstanceInfo};
use sea_orm::DatabaseConnection;
use serde::Serialize;

use crate::clock::Clock;
use crate::crypto::secret_box::SecretBox;
use crate::store::{self, StoreError};

/// Who makes a change: an administrator in the console or an API token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    Admin(String),
    Token(String),
}

impl Actor {
    pub fn label(&self) -> String {
        match self {
            Actor::Admin(name) => format!("admin:{name}"),
            Actor::Token(name) => format!("token:{name}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// Field rules broken (all of them, in form order).
    #[error("invalid input: {}", .0.first().map(|e| e.to_string()).unwrap_or_default())]
    Invalid(Vec<FieldError>),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot seal the secret")]
    Seal,
}

impl CatalogError {
    fn field(field: &str, code: &str, message: &str) -> CatalogError {
        CatalogError::Invalid(vec![FieldError::new(field, code, message)])
    }
}

#[derive(Clone)]
pub struct Catalog {
    db: DatabaseConnection,
    secrets: SecretBox,
    clock: Arc<dyn Clock>,
    instance: InstanceInfo,
    cache: Arc<cache::Cache>,
}

/// An audit entry as shown on the Logs page and by the API.
#[derive(Clone, Debug, Serialize)]
pub struct AuditView {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl Catalog {
    pub fn new(db: DatabaseConnection, secrets: SecretBox, clock: Arc<dyn Clock>) -> Catalog {
        Catalog {
            db,
            secrets,
            clock,
            instance: InstanceInfo::default(),
            cache: Arc::default(),
        }
    }

    /// With PostgreSQL, starts hearing other instances' catalog changes. Call once per
    /// instance; without it every read goes to the database (PostgreSQL).
    pub fn spawn_listener(&self) {
        self.cache.spawn_listener(self.db.clone());
    }

    /// The catalog as the login path reads it (from memory unless it changed).
    async fn snapshot(&self) -> Result<Arc<cache::Snapshot>, CatalogError> {
        let load = || {
            cache::load(
                &self.db,
                |m, links| self.source_view(m, links),
                |m, links| self.application_view(m, links),
            )
        };
        Ok(self.cache.get(&self.db, load).await?)
    }

    /// After a write has committed: forget the snapshot here and tell the other instances.
    async fn changed(&self) {
        self.cache.invalidate();
        cache::announce(&self.db).await;
    }

    /// The instance's defaults the rules depend on (the default mini program).
    pub fn with_instance(mut self, instance: InstanceInfo) -> Catalog {
        self.instance = instance;
        self
    }

    pub fn instance(&self) -> &InstanceInfo {
        &self.instance
    }

    async fn audit<T: Serialize>(
        &self,
        actor: &Actor,
        action: &str,
        target: String,
        before: Option<&T>,
        after: Option<&T>,
    ) -> Result<(), CatalogError> {
        let json = |v: Option<&T>| v.and_then(|v| serde_json::to_string(v).ok());
        store::audit::record(
            &self.db,
            self.clock.now(),
            &actor.label(),
            action,
            &target,
            json(before),
            json(after),
        )
        .await?;
        Ok(())
    }

    pub async fn audit_log(&self, limit: u64) -> Result<Vec<AuditView>, CatalogError> {
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        Ok(store::audit::recent(&self.db, limit)
            .await?
            .into_iter()
            .map(|e| AuditView {
                id: e.id,
                at: e.at.to_rfc3339(),
                actor: e.actor,
                action: e.action,
                target: e.target,
                before: parse(e.before),
                after: parse(e.after),
            })
            .collect())
    }
}

/// How a catalog failure reaches an API caller: field errors as 422, a missing row as 404, the
/// rest as 500 with the detail in the log only.
impl From<CatalogError> for crate::web::ApiError {
    fn from(err: CatalogError) -> crate::web::ApiError {
        match err {
            CatalogError::Invalid(fields) => crate::web::ApiError::validation(fields),
            CatalogError::NotFound(what) => crate::web::ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "not_found",
                format!("no such {what}"),
            ),
            other => {
                tracing::error!(error = %other, "catalog operation failed");
                crate::web::ApiError::new(
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the operation failed; see the server log",
                )
            }
        }
    }
}
