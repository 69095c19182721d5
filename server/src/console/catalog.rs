//! The console's catalog operations: the management API's own (`crate::catalog`), called as
//! the signed-in administrator, with errors in the console's terms.

use app::backend::{Admin, ConsoleCatalog};
use app::model::{
    ApiTokenView, ApplicationInput, ApplicationView, ApplicationWithSecret, ConsoleError,
    InstanceInfo, LogoChange, NewApiToken, SourceInput, SourceView,
};
use async_trait::async_trait;

use crate::catalog::{Actor, Catalog, CatalogError, logo};

pub struct CatalogForConsole(pub Catalog);

fn actor(admin: &Admin) -> Actor {
    Actor::Admin(admin.name().to_string())
}

fn console_error(err: CatalogError) -> ConsoleError {
    match err {
        CatalogError::Invalid(fields) => ConsoleError::Invalid(fields),
        CatalogError::NotFound(_) => ConsoleError::NotFound,
        other => {
            tracing::error!(error = %other, "console catalog operation failed");
            ConsoleError::Failed("the operation failed; see the server log".into())
        }
    }
}

/// Checks a logo before anything is written, so a bad file changes nothing.
fn checked_logo(bytes: &[u8]) -> Result<Vec<u8>, ConsoleError> {
    logo::to_png("logo", bytes).map_err(|e| ConsoleError::Invalid(vec![e]))
}

/// A logo change checked before anything is written: `None` keeps the logo, `Some(None)`
/// removes it, `Some(Some(png))` sets the re-encoded image.
fn checked_change(change: LogoChange) -> Result<Option<Option<Vec<u8>>>, ConsoleError> {
    Ok(match change {
        LogoChange::Keep => None,
        LogoChange::Remove => Some(None),
        LogoChange::Set(bytes) => Some(Some(checked_logo(&bytes)?)),
    })
}

#[async_trait]
impl ConsoleCatalog for CatalogForConsole {
    async fn list_sources(&self) -> Result<Vec<SourceView>, ConsoleError> {
        self.0.list_sources().await.map_err(console_error)
    }

    async fn get_source(&self, id: i64) -> Result<SourceView, ConsoleError> {
        self.0.get_source(id).await.map_err(console_error)
    }

    async fn create_source(
        &self,
        admin: &Admin,
        input: SourceInput,
        logo: Option<Vec<u8>>,
    ) -> Result<SourceView, ConsoleError> {
        let logo = checked_change(logo.map_or(LogoChange::Keep, LogoChange::Set))?;
        let who = actor(admin);
        let created = self
            .0
            .create_source(&who, input)
            .await
            .map_err(console_error)?;
        match logo {
            None => Ok(created),
            Some(png) => {
                self.0
                    .set_source_logo(&who, created.id, png.as_deref())
                    .await
            }
        }
        .map_err(console_error)
    }

    async fn update_source(
        &self,
        admin: &Admin,
        id: i64,
        input: SourceInput,
        logo: LogoChange,
    ) -> Result<SourceView, ConsoleError> {
        let logo = checked_change(logo)?;
        let who = actor(admin);
        let updated = self
            .0
            .update_source(&who, id, input)
            .await
            .map_err(console_error)?;
        match logo {
            None => Ok(updated),
            Some(png) => self.0.set_source_logo(&who, id, png.as_deref()).await,
        }
        .map_err(console_error)
    }

    async fn delete_source(&self, admin: &Admin, id: i64) -> Result<(), ConsoleError> {
        self.0
            .delete_source(&actor(admin), id)
            .await
            .map_err(console_error)
    }

    async fn check_logo(&self, bytes: Vec<u8>) -> Result<Vec<u8>, ConsoleError> {
        checked_logo(&bytes)
    }

    async fn list_applications(&self) -> Result<Vec<ApplicationView>, ConsoleError> {
        self.0.list_applications().await.map_err(console_error)
    }

    async fn get_application(&self, id: i64) -> Result<ApplicationView, ConsoleError> {
        self.0.get_application(id).await.map_err(console_error)
    }

    async fn create_application(
        &self,
        admin: &Admin,
        input: ApplicationInput,
        logo: Option<Vec<u8>>,
    ) -> Result<ApplicationWithSecret, ConsoleError> {
        let logo = checked_change(logo.map_or(LogoChange::Keep, LogoChange::Set))?;
        let who = actor(admin);
        let mut created = self
            .0
            .create_application(&who, input)
            .await
            .map_err(console_error)?;
        if let Some(png) = logo {
            created.application = self
                .0
                .set_application_logo(&who, created.application.id, png.as_deref())
                .await
                .map_err(console_error)?;
        }
        Ok(created)
    }

    async fn update_application(
        &self,
        admin: &Admin,
        id: i64,
        input: ApplicationInput,
        logo: LogoChange,
    ) -> Result<ApplicationView, ConsoleError> {
        let logo = checked_change(logo)?;
        let who = actor(admin);
        let updated = self
            .0
            .update_application(&who, id, input)
            .await
            .map_err(console_error)?;
        match logo {
            None => Ok(updated),
            Some(png) => self.0.set_application_logo(&who, id, png.as_deref()).await,
        }
        .map_err(console_error)
    }

    async fn rotate_client_secret(
        &self,
        admin: &Admin,
        id: i64,
    ) -> Result<ApplicationWithSecret, ConsoleError> {
        self.0
            .rotate_client_secret(&actor(admin), id)
            .await
            .map_err(console_error)
    }

    async fn delete_application(&self, admin: &Admin, id: i64) -> Result<(), ConsoleError> {
        self.0
            .delete_application(&actor(admin), id)
            .await
            .map_err(console_error)
    }

    async fn associate(
        &self,
        admin: &Admin,
        application_id: i64,
        source_id: i64,
        on: bool,
    ) -> Result<ApplicationView, ConsoleError> {
        self.0
            .associate(&actor(admin), application_id, source_id, on)
            .await
            .map_err(console_error)
    }

    fn instance(&self) -> InstanceInfo {
        self.0.instance().clone()
    }

    async fn list_tokens(&self) -> Result<Vec<ApiTokenView>, ConsoleError> {
        self.0.list_tokens().await.map_err(console_error)
    }

    async fn create_token(&self, admin: &Admin, name: &str) -> Result<NewApiToken, ConsoleError> {
        self.0
            .create_token(&actor(admin), name)
            .await
            .map_err(console_error)
    }

    async fn revoke_token(&self, admin: &Admin, id: i64) -> Result<(), ConsoleError> {
        self.0
            .revoke_token(&actor(admin), id)
            .await
            .map_err(console_error)
    }
}
