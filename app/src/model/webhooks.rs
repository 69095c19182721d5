//! Webhook endpoints and their deliveries, as the console and the management API send and show
//! them. The signing secret is shown once, when the endpoint is made.

use serde::{Deserialize, Serialize};

/// The events an endpoint can subscribe to.
pub const WEBHOOK_EVENTS: [&str; 8] = [
    "user.created",
    "user.login",
    "user.login_failed",
    "user.merged",
    "user.linked",
    "user.unlinked",
    "user.blocked",
    "user.deleted",
];

/// A receiver as it is created or changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// `https://…`, or `http://` to 127.0.0.1 or localhost; no user name or password in it.
    pub url: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Some of `user.created`, `user.login`, `user.login_failed`, `user.merged`,
    /// `user.linked`, `user.unlinked`, `user.blocked`, `user.deleted`.
    pub events: Vec<String>,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookView {
    pub id: i64,
    pub url: String,
    pub description: Option<String>,
    pub events: Vec<String>,
    pub enabled: bool,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub updated_at: String,
}

/// A new endpoint and its signing secret (`whsec_…`), shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookWithSecret {
    pub endpoint: WebhookView,
    pub secret: String,
}

/// One event on its way to one endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DeliveryView {
    pub id: i64,
    /// The `webhook-id` header: the same on every attempt.
    pub event_id: String,
    pub event_type: String,
    /// `pending`, `delivered` or `failed` (no more attempts).
    pub status: String,
    pub attempts: i32,
    /// The receiver's HTTP status at the last attempt.
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<String>,
    pub next_attempt_at: Option<String>,
    pub created_at: String,
}
