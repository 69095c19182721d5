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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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

/// What the Users page and `GET /api/v1/users` search and filter on; absent fields match
/// everything. `q` is a user ID, a phone number, an OpenID or UnionID (exact), or else part
/// of a name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, utoipa::IntoParams))]
pub struct UserQuery {
    #[serde(default)]
    pub q: Option<String>,
    /// An identity source's identifier: users with an identity of its AppID.
    #[serde(default)]
    pub source: Option<String>,
    /// An application's client ID: users who logged in to it.
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub blocked: Option<bool>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
    /// 1–200, default 50.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A user as listed: the phone masked, the number of identities and the modes used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: String,
    pub nickname: Option<String>,
    pub picture: Option<String>,
    /// `+86138****8000`.
    pub phone_masked: Option<String>,
    pub identities: u32,
    /// Login modes of the user's successful logins (`pc_website`, `miniprogram`, …).
    pub modes: Vec<String>,
    pub blocked: bool,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub last_login_at: Option<String>,
}

/// One page of users, newest login first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserPage {
    pub users: Vec<UserSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A source an identity's AppID belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SourceRef {
    pub id: i64,
    pub identifier: String,
    pub display_name: String,
    pub mode: String,
}

/// One WeChat identity with where it comes from and what WeChat sent (never a session key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IdentityDetail {
    pub id: i64,
    pub appid: String,
    pub openid: String,
    pub unionid: Option<String>,
    pub sources: Vec<SourceRef>,
    pub first_seen: String,
    pub last_seen: String,
    /// The latest profile WeChat sent, as pretty-printed JSON.
    pub raw_profile: String,
}

/// What the user allowed an application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GrantView {
    pub id: String,
    pub client_id: String,
    pub application: String,
    pub scope: String,
    pub created_at: String,
    pub auth_time: String,
    /// Set once revoked: its tokens stop working.
    pub revoked_at: Option<String>,
}

/// Everything about one user: the profile, identities, grants, recent logins and the audit
/// entries about them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UserDetail {
    pub id: String,
    pub nickname: Option<String>,
    pub picture: Option<String>,
    pub gender: Option<String>,
    pub phone_number: Option<String>,
    pub phone_number_verified: bool,
    pub locale: Option<String>,
    pub region: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub last_login_at: Option<String>,
    pub blocked_at: Option<String>,
    pub identities: Vec<IdentityDetail>,
    pub grants: Vec<GrantView>,
    /// The newest 50 login-log lines.
    pub logins: Vec<LoginLogEntry>,
    /// The newest 50 audit entries about the user.
    pub audit: Vec<super::AuditEntry>,
}

/// One profile field as the two users of a merge have it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MergeField {
    /// `nickname`, `picture`, `gender`, `region`, `locale` or `phone_number`.
    pub field: String,
    /// The value of the user that stays.
    pub into: Option<String>,
    /// The value of the user merged into it.
    pub from: Option<String>,
    /// Both have a value and they differ: the merge keeps `into`'s unless told otherwise.
    pub conflict: bool,
}

/// What merging `from` into `into` would do, before it is done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MergePreview {
    pub into: UserDetail,
    pub from: UserDetail,
    pub fields: Vec<MergeField>,
    /// Why the merge would be refused (`unionid_conflict`), if it would.
    pub refusal: Option<String>,
}

/// Merge the user `from` into this one. For each conflicting field named in `use_from`, the
/// merged user keeps `from`'s value; for the others, this user's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MergeRequest {
    pub from: String,
    #[serde(default)]
    pub use_from: Vec<String>,
}

/// One identity, by its ID (`identities[].id` of a user).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IdentityRef {
    pub identity_id: i64,
}

/// The user an unlinked identity now belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Unlinked {
    pub user_id: String,
}

/// Masks the middle of a phone number for lists: `+8613800138000` → `+86138****8000`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let keep_end = 4;
    let hide = 4.min(chars.len() - keep_end - 3);
    let start = chars.len() - keep_end - hide;
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i >= start && i < start + hide {
                '*'
            } else {
                *c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::mask_phone;

    #[test]
    fn a_listed_phone_shows_only_its_ends() {
        assert_eq!(mask_phone("+8613800138000"), "+86138****8000");
        assert_eq!(mask_phone("13800138000"), "138****8000");
        assert_eq!(mask_phone("12345"), "*****");
    }
}
