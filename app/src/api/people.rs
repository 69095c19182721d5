//! The console's server functions for users and the login log.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::{ConsoleError, LoginLogEntry, LoginLogFilter, UserView};

#[cfg(feature = "ssr")]
use crate::backend::{backend, require_admin};

#[server(prefix = "/api/console", endpoint = "user", input = Json)]
pub async fn get_user(id: String) -> Result<UserView, ConsoleError> {
    let admin = require_admin().map_err(|_| ConsoleError::Unauthenticated)?;
    let b = backend().map_err(|e| ConsoleError::Failed(e.to_string()))?;
    b.user(&admin, &id).await
}

#[server(prefix = "/api/console", endpoint = "login_log", input = Json)]
pub async fn login_log(filter: LoginLogFilter) -> Result<Vec<LoginLogEntry>, ConsoleError> {
    let admin = require_admin().map_err(|_| ConsoleError::Unauthenticated)?;
    let b = backend().map_err(|e| ConsoleError::Failed(e.to_string()))?;
    b.login_log(&admin, filter, 200).await
}
