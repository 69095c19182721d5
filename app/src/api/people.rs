//! The console's server functions for users and the login log.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::model::{
    ConsoleError, LoginLogEntry, LoginLogFilter, MergePreview, MergeRequest, UserDetail, UserPage,
    UserQuery, UserView,
};

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

#[server(prefix = "/api/console", endpoint = "users", input = Json)]
pub async fn list_users(query: UserQuery) -> Result<UserPage, ConsoleError> {
    let admin = require_admin().map_err(|_| ConsoleError::Unauthenticated)?;
    let b = backend().map_err(|e| ConsoleError::Failed(e.to_string()))?;
    b.list_users(&admin, query).await
}

#[server(prefix = "/api/console", endpoint = "user_detail", input = Json)]
pub async fn get_user_detail(id: String) -> Result<UserDetail, ConsoleError> {
    let admin = require_admin().map_err(|_| ConsoleError::Unauthenticated)?;
    let b = backend().map_err(|e| ConsoleError::Failed(e.to_string()))?;
    b.user_detail(&admin, &id).await
}

#[server(prefix = "/api/console", endpoint = "user_blocked", input = Json)]
pub async fn set_user_blocked(id: String, blocked: bool) -> Result<(), ConsoleError> {
    let admin = require_admin().map_err(|_| ConsoleError::Unauthenticated)?;
    let b = backend().map_err(|e| ConsoleError::Failed(e.to_string()))?;
    b.set_user_blocked(&admin, &id, blocked).await
}

/// Deletes the user; `confirm` must repeat the user ID (the page's typed confirmation).
#[server(prefix = "/api/console", endpoint = "user_delete", input = Json)]
pub async fn delete_user(id: String, confirm: String) -> Result<(), ConsoleError> {
    let admin = require_admin().map_err(|_| ConsoleError::Unauthenticated)?;
    if confirm.trim() != id {
        return Err(ConsoleError::Invalid(vec![crate::model::FieldError::new(
            "confirm",
            "confirmation_mismatch",
            "type the user ID to confirm",
        )]));
    }
    let b = backend().map_err(|e| ConsoleError::Failed(e.to_string()))?;
    b.delete_user(&admin, &id).await
}

#[server(prefix = "/api/console", endpoint = "user_revoke_grant", input = Json)]
pub async fn revoke_user_grant(id: String, grant_id: String) -> Result<(), ConsoleError> {
    let admin = require_admin().map_err(|_| ConsoleError::Unauthenticated)?;
    let b = backend().map_err(|e| ConsoleError::Failed(e.to_string()))?;
    b.revoke_user_grant(&admin, &id, &grant_id).await
}

#[server(prefix = "/api/console", endpoint = "user_merge_preview", input = Json)]
pub async fn preview_merge(id: String, from: String) -> Result<MergePreview, ConsoleError> {
    let admin = require_admin().map_err(|_| ConsoleError::Unauthenticated)?;
    let b = backend().map_err(|e| ConsoleError::Failed(e.to_string()))?;
    b.merge_preview(&admin, &id, from.trim()).await
}

/// Merges `request.from` into `id`.
#[server(prefix = "/api/console", endpoint = "user_merge", input = Json)]
pub async fn merge_users(id: String, request: MergeRequest) -> Result<(), ConsoleError> {
    let admin = require_admin().map_err(|_| ConsoleError::Unauthenticated)?;
    let b = backend().map_err(|e| ConsoleError::Failed(e.to_string()))?;
    b.merge_users(&admin, &id, request).await
}

/// Moves the identity with this OpenID (held by another user) to `id`.
#[server(prefix = "/api/console", endpoint = "user_link", input = Json)]
pub async fn link_identity(id: String, openid: String) -> Result<(), ConsoleError> {
    let admin = require_admin().map_err(|_| ConsoleError::Unauthenticated)?;
    let b = backend().map_err(|e| ConsoleError::Failed(e.to_string()))?;
    b.link_identity(&admin, &id, openid.trim()).await
}

/// Moves the identity out of `id` into a new user; answers the new user's ID.
#[server(prefix = "/api/console", endpoint = "user_unlink", input = Json)]
pub async fn unlink_identity(id: String, identity_id: i64) -> Result<String, ConsoleError> {
    let admin = require_admin().map_err(|_| ConsoleError::Unauthenticated)?;
    let b = backend().map_err(|e| ConsoleError::Failed(e.to_string()))?;
    b.unlink_identity(&admin, &id, identity_id).await
}
