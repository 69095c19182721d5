//! Users and logins as the console shows them: a user's standardized profile and WeChat
//! identities (the experience login's result), and login-log lines with their filters.

use serde::{Deserialize, Serialize};

/// One WeChat identity of a user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityView {
    pub appid: String,
    pub openid: String,
    pub unionid: Option<String>,
    /// RFC 3339, UTC.
    pub first_seen: String,
    pub last_seen: String,
}

/// A user: the standardized profile, the identities, and the claims an application with
/// every scope receives (pretty-printed JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub nickname: Option<String>,
    pub picture: Option<String>,
    pub gender: Option<String>,
    pub phone_number: Option<String>,
    pub phone_number_verified: bool,
    pub locale: Option<String>,
    pub region: Option<String>,
    pub identities: Vec<IdentityView>,
    pub claims_json: String,
    pub created_at: String,
    pub updated_at: String,
}

/// One login attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginLogEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// `success`, or why not (`state_mismatch`, `wechat_error`, `login_only`, …).
    pub outcome: String,
    pub detail: Option<String>,
    pub source: Option<String>,
    pub mode: Option<String>,
    pub client_id: Option<String>,
    pub user_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// What the Logs page filters login lines on; empty fields match everything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginLogFilter {
    pub source: Option<String>,
    pub client_id: Option<String>,
    pub user_id: Option<String>,
    /// `success`, `failure`, or one exact outcome.
    pub outcome: Option<String>,
}
