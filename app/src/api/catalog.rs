//! The console's server functions for identity sources, applications, their associations and
//! API tokens. Each authorizes the administrator and delegates to the backend's catalog, the
//! operations the management API runs too. Errors are [`ConsoleError`]s: field errors arrive
//! as the API reports them.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::{
    ApiTokenView, ApplicationInput, ApplicationView, ApplicationWithSecret, ConsoleError,
    InstanceInfo, NewApiToken, SourceInput, SourceView,
};

#[cfg(feature = "ssr")]
use crate::backend::{Admin, SharedBackend, backend, require_admin};

/// The signed-in administrator and the backend, or why not.
#[cfg(feature = "ssr")]
fn console() -> Result<(Admin, SharedBackend), ConsoleError> {
    let admin = require_admin().map_err(|_| ConsoleError::Unauthenticated)?;
    let backend = backend().map_err(|e| ConsoleError::Failed(e.to_string()))?;
    Ok((admin, backend))
}

/// A logo as the browser sends it: the file's bytes in standard base64.
#[cfg(feature = "ssr")]
fn logo_bytes(b64: &str) -> Result<Vec<u8>, ConsoleError> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| {
            ConsoleError::Invalid(vec![crate::model::FieldError::new(
                "logo",
                "unreadable",
                "The file could not be read; choose it again.",
            )])
        })
}

/// The `logo` argument of an edit: absent keeps, `""` removes, else base64 image bytes.
#[cfg(feature = "ssr")]
fn logo_change(logo: Option<String>) -> Result<crate::model::LogoChange, ConsoleError> {
    use crate::model::LogoChange;
    Ok(match logo.as_deref() {
        None => LogoChange::Keep,
        Some("") => LogoChange::Remove,
        Some(l) => LogoChange::Set(logo_bytes(l)?),
    })
}

#[cfg(feature = "ssr")]
fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[server(prefix = "/api/console", endpoint = "sources", input = Json)]
pub async fn list_sources() -> Result<Vec<SourceView>, ConsoleError> {
    let (_, b) = console()?;
    b.catalog().list_sources().await
}

#[server(prefix = "/api/console", endpoint = "source", input = Json)]
pub async fn get_source(id: i64) -> Result<SourceView, ConsoleError> {
    let (_, b) = console()?;
    b.catalog().get_source(id).await
}

/// Checks an uploaded logo (base64 file bytes) and returns it re-encoded as base64 PNG.
#[server(prefix = "/api/console", endpoint = "check_logo", input = Json)]
pub async fn check_logo(file: String) -> Result<String, ConsoleError> {
    let (_, b) = console()?;
    let png = b.catalog().check_logo(logo_bytes(&file)?).await?;
    Ok(b64(&png))
}

/// Creates a source; `logo` is the base64 PNG `check_logo` returned.
#[server(prefix = "/api/console", endpoint = "create_source", input = Json)]
pub async fn create_source(
    input: SourceInput,
    logo: Option<String>,
) -> Result<SourceView, ConsoleError> {
    let (admin, b) = console()?;
    let logo = logo.as_deref().map(logo_bytes).transpose()?;
    b.catalog().create_source(&admin, input, logo).await
}

/// Changes a source. `logo`: absent keeps it, `""` removes it, else base64 image bytes.
#[server(prefix = "/api/console", endpoint = "update_source", input = Json)]
pub async fn update_source(
    id: i64,
    input: SourceInput,
    logo: Option<String>,
) -> Result<SourceView, ConsoleError> {
    let (admin, b) = console()?;
    b.catalog()
        .update_source(&admin, id, input, logo_change(logo)?)
        .await
}

#[server(prefix = "/api/console", endpoint = "delete_source", input = Json)]
pub async fn delete_source(id: i64) -> Result<(), ConsoleError> {
    let (admin, b) = console()?;
    b.catalog().delete_source(&admin, id).await
}

#[server(prefix = "/api/console", endpoint = "applications", input = Json)]
pub async fn list_applications() -> Result<Vec<ApplicationView>, ConsoleError> {
    let (_, b) = console()?;
    b.catalog().list_applications().await
}

#[server(prefix = "/api/console", endpoint = "application", input = Json)]
pub async fn get_application(id: i64) -> Result<ApplicationView, ConsoleError> {
    let (_, b) = console()?;
    b.catalog().get_application(id).await
}

#[server(prefix = "/api/console", endpoint = "create_application", input = Json)]
pub async fn create_application(
    input: ApplicationInput,
    logo: Option<String>,
) -> Result<ApplicationWithSecret, ConsoleError> {
    let (admin, b) = console()?;
    let logo = logo.as_deref().map(logo_bytes).transpose()?;
    b.catalog().create_application(&admin, input, logo).await
}

#[server(prefix = "/api/console", endpoint = "update_application", input = Json)]
pub async fn update_application(
    id: i64,
    input: ApplicationInput,
    logo: Option<String>,
) -> Result<ApplicationView, ConsoleError> {
    let (admin, b) = console()?;
    b.catalog()
        .update_application(&admin, id, input, logo_change(logo)?)
        .await
}

#[server(prefix = "/api/console", endpoint = "rotate_client_secret", input = Json)]
pub async fn rotate_client_secret(id: i64) -> Result<ApplicationWithSecret, ConsoleError> {
    let (admin, b) = console()?;
    b.catalog().rotate_client_secret(&admin, id).await
}

#[server(prefix = "/api/console", endpoint = "delete_application", input = Json)]
pub async fn delete_application(id: i64) -> Result<(), ConsoleError> {
    let (admin, b) = console()?;
    b.catalog().delete_application(&admin, id).await
}

/// Enables (`on`) or disables a source for an application.
#[server(prefix = "/api/console", endpoint = "associate", input = Json)]
pub async fn associate(
    application_id: i64,
    source_id: i64,
    on: bool,
) -> Result<ApplicationView, ConsoleError> {
    let (admin, b) = console()?;
    b.catalog()
        .associate(&admin, application_id, source_id, on)
        .await
}

/// The instance's defaults (the default mini program), for the forms' hints.
#[server(name = GetInstanceInfo, prefix = "/api/console", endpoint = "instance", input = Json)]
pub async fn instance_info() -> Result<InstanceInfo, ConsoleError> {
    let (_, b) = console()?;
    Ok(b.catalog().instance())
}

#[server(prefix = "/api/console", endpoint = "tokens", input = Json)]
pub async fn list_tokens() -> Result<Vec<ApiTokenView>, ConsoleError> {
    let (_, b) = console()?;
    b.catalog().list_tokens().await
}

#[server(prefix = "/api/console", endpoint = "create_token", input = Json)]
pub async fn create_token(name: String) -> Result<NewApiToken, ConsoleError> {
    let (admin, b) = console()?;
    b.catalog().create_token(&admin, &name).await
}

#[server(prefix = "/api/console", endpoint = "revoke_token", input = Json)]
pub async fn revoke_token(id: i64) -> Result<(), ConsoleError> {
    let (admin, b) = console()?;
    b.catalog().revoke_token(&admin, id).await
}
