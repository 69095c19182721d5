//! Server functions and the data they exchange with the browser. Each body authorizes and
//! delegates to the backend; public ones live under `/api/session`, the ones that need a
//! signed-in administrator under `/api/console` (the server refuses anonymous calls there).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::{backend::*, cookies};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SignInResult {
    Signed,
    Rejected,
    Throttled { retry_after_secs: u64 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsoleSession {
    pub admin_name: String,
}

#[cfg(feature = "ssr")]
fn internal(e: BackendError) -> ServerFnError {
    ServerFnError::ServerError(e.to_string())
}

#[server(prefix = "/api/session", endpoint = "sign_in")]
pub async fn sign_in(name: String, password: String) -> Result<SignInResult, ServerFnError> {
    let meta = request_meta()?;
    let decision = backend()?
        .sign_in(&name, &password, &meta)
        .await
        .map_err(internal)?;
    Ok(match decision {
        SignInDecision::Signed {
            token,
            max_age_secs,
        } => {
            let c = cookies::set(
                cookies::SESSION_COOKIE,
                &token,
                max_age_secs,
                true,
                meta.secure,
            );
            set_cookie(c);
            SignInResult::Signed
        }
        SignInDecision::Rejected => SignInResult::Rejected,
        SignInDecision::Throttled { retry_after_secs } => {
            SignInResult::Throttled { retry_after_secs }
        }
    })
}

#[server(prefix = "/api/session", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), ServerFnError> {
    let parts = request_parts()?;
    if let Some(token) = cookies::get(&parts.headers, cookies::SESSION_COOKIE) {
        backend()?.sign_out(&token).await.map_err(internal)?;
    }
    let secure = request_meta().map(|m| m.secure).unwrap_or(false);
    set_cookie(cookies::set(cookies::SESSION_COOKIE, "", 0, true, secure));
    Ok(())
}

#[server(name = GetConsoleSession, prefix = "/api/console", endpoint = "session")]
pub async fn console_session() -> Result<ConsoleSession, ServerFnError> {
    let admin = require_admin()?;
    Ok(ConsoleSession {
        admin_name: admin.name().to_string(),
    })
}

#[server(name = GetAuditLog, prefix = "/api/console", endpoint = "audit")]
pub async fn audit_log() -> Result<Vec<crate::model::AuditEntry>, ServerFnError> {
    let admin = require_admin()?;
    backend()?.audit_log(&admin, 200).await.map_err(internal)
}

pub mod catalog;
pub mod overview;
pub mod people;
pub mod webhooks;
