//! The console's contract with the server crate. Server functions in this crate authorize and
//! delegate to a [`ConsoleBackend`] taken from Leptos context; the implementation (database,
//! password hashing, throttling) lives in the server crate, so nothing secret is compiled here.

use std::sync::Arc;

use async_trait::async_trait;
use leptos::prelude::*;

use crate::model::{
    ApiTokenView, ApplicationInput, ApplicationView, ApplicationWithSecret, ConsoleError,
    InstanceInfo, LogoChange, NewApiToken, SourceInput, SourceView,
};

/// What the server knows about the caller, put on every request by the server's middleware.
#[derive(Clone, Debug)]
pub struct RequestMeta {
    /// Client address (the proxy's `X-Forwarded-For` only when `behind_proxy` is on).
    pub ip: String,
    /// Whether the browser reached us over https (cookies then get `Secure`).
    pub secure: bool,
}

/// A signed-in administrator. Only the backend's session check produces one, and the
/// server's middleware puts it on the request; console operations take it as proof.
#[derive(Clone, Debug)]
pub struct Admin {
    id: i64,
    name: String,
}

impl Admin {
    /// For the backend's session check only.
    pub fn authenticated(id: i64, name: String) -> Admin {
        Admin { id, name }
    }
    pub fn id(&self) -> i64 {
        self.id
    }
    pub fn name(&self) -> &str {
        &self.name
    }
}

pub enum SignInDecision {
    /// A new session: the cookie token (shown to the browser once) and its lifetime.
    Signed { token: String, max_age_secs: i64 },
    /// Wrong name or password; the caller cannot tell which.
    Rejected,
    /// Too many recent failures for this account or address.
    Throttled { retry_after_secs: u64 },
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BackendError(pub String);

#[async_trait]
pub trait ConsoleBackend: Send + Sync + 'static {
    async fn sign_in(
        &self,
        name: &str,
        password: &str,
        meta: &RequestMeta,
    ) -> Result<SignInDecision, BackendError>;
    async fn sign_out(&self, session_token: &str) -> Result<(), BackendError>;
    async fn authenticate(&self, session_token: &str) -> Result<Option<Admin>, BackendError>;
    /// The newest audit entries first.
    async fn audit_log(
        &self,
        admin: &Admin,
        limit: u64,
    ) -> Result<Vec<crate::model::AuditEntry>, BackendError>;
    /// The catalog operations the console's pages use: the management API's, as `admin`.
    fn catalog(&self) -> &dyn ConsoleCatalog;
    /// A user's profile, identities and claims (`NotFound` for an unknown id).
    async fn user(&self, admin: &Admin, id: &str) -> Result<crate::model::UserView, ConsoleError>;
    /// A page of users, newest login first.
    async fn list_users(
        &self,
        admin: &Admin,
        query: crate::model::UserQuery,
    ) -> Result<crate::model::UserPage, ConsoleError>;
    /// Everything about one user.
    async fn user_detail(
        &self,
        admin: &Admin,
        id: &str,
    ) -> Result<crate::model::UserDetail, ConsoleError>;
    /// Blocks (ending their grants and sessions) or unblocks the user.
    async fn set_user_blocked(
        &self,
        admin: &Admin,
        id: &str,
        blocked: bool,
    ) -> Result<(), ConsoleError>;
    /// Deletes the user with identities, grants, tokens and sessions.
    async fn delete_user(&self, admin: &Admin, id: &str) -> Result<(), ConsoleError>;
    /// Revokes one of the user's grants.
    async fn revoke_user_grant(
        &self,
        admin: &Admin,
        id: &str,
        grant_id: &str,
    ) -> Result<(), ConsoleError>;
    /// What merging `from` into `id` would do.
    async fn merge_preview(
        &self,
        admin: &Admin,
        id: &str,
        from: &str,
    ) -> Result<crate::model::MergePreview, ConsoleError>;
    async fn merge_users(
        &self,
        admin: &Admin,
        id: &str,
        request: crate::model::MergeRequest,
    ) -> Result<(), ConsoleError>;
    /// Moves the identity with `openid` to the user `id`.
    async fn link_identity(
        &self,
        admin: &Admin,
        id: &str,
        openid: &str,
    ) -> Result<(), ConsoleError>;
    /// Moves one identity of `id` into a new user; answers its ID.
    async fn unlink_identity(
        &self,
        admin: &Admin,
        id: &str,
        identity_id: i64,
    ) -> Result<String, ConsoleError>;
    async fn list_webhooks(&self) -> Result<Vec<crate::model::WebhookView>, ConsoleError>;
    /// A new endpoint and its signing secret (shown once).
    async fn create_webhook(
        &self,
        admin: &Admin,
        input: crate::model::WebhookInput,
    ) -> Result<crate::model::WebhookWithSecret, ConsoleError>;
    async fn set_webhook_enabled(
        &self,
        admin: &Admin,
        id: i64,
        enabled: bool,
    ) -> Result<(), ConsoleError>;
    async fn delete_webhook(&self, admin: &Admin, id: i64) -> Result<(), ConsoleError>;
    /// The endpoint's newest deliveries.
    async fn webhook_deliveries(
        &self,
        id: i64,
    ) -> Result<Vec<crate::model::DeliveryView>, ConsoleError>;
    async fn resend_delivery(&self, id: i64, delivery: i64) -> Result<(), ConsoleError>;
    async fn send_test_event(&self, id: i64) -> Result<(), ConsoleError>;
    /// The newest login-log lines first, filtered.
    async fn login_log(
        &self,
        admin: &Admin,
        filter: crate::model::LoginLogFilter,
        limit: u64,
    ) -> Result<Vec<crate::model::LoginLogEntry>, ConsoleError>;
    /// The Overview's figures for the last `days` days.
    async fn overview(&self, days: u32) -> Result<crate::model::Overview, ConsoleError>;
}

/// Identity sources, applications, their associations and API tokens, as the console's pages
/// manage them. The server implements it with the same operations as the management API.
#[async_trait]
pub trait ConsoleCatalog: Send + Sync {
    async fn list_sources(&self) -> Result<Vec<SourceView>, ConsoleError>;
    async fn get_source(&self, id: i64) -> Result<SourceView, ConsoleError>;
    /// Creates the source and, when given, sets its logo (already checked by `check_logo`).
    async fn create_source(
        &self,
        admin: &Admin,
        input: SourceInput,
        logo: Option<Vec<u8>>,
    ) -> Result<SourceView, ConsoleError>;
    async fn update_source(
        &self,
        admin: &Admin,
        id: i64,
        input: SourceInput,
        logo: LogoChange,
    ) -> Result<SourceView, ConsoleError>;
    async fn delete_source(&self, admin: &Admin, id: i64) -> Result<(), ConsoleError>;
    /// Decodes an uploaded logo and returns it re-encoded as PNG, or the field error.
    async fn check_logo(&self, bytes: Vec<u8>) -> Result<Vec<u8>, ConsoleError>;
    async fn list_applications(&self) -> Result<Vec<ApplicationView>, ConsoleError>;
    async fn get_application(&self, id: i64) -> Result<ApplicationView, ConsoleError>;
    /// Creates the application and, when given, sets its logo.
    async fn create_application(
        &self,
        admin: &Admin,
        input: ApplicationInput,
        logo: Option<Vec<u8>>,
    ) -> Result<ApplicationWithSecret, ConsoleError>;
    async fn update_application(
        &self,
        admin: &Admin,
        id: i64,
        input: ApplicationInput,
        logo: LogoChange,
    ) -> Result<ApplicationView, ConsoleError>;
    async fn rotate_client_secret(
        &self,
        admin: &Admin,
        id: i64,
    ) -> Result<ApplicationWithSecret, ConsoleError>;
    async fn delete_application(&self, admin: &Admin, id: i64) -> Result<(), ConsoleError>;
    async fn associate(
        &self,
        admin: &Admin,
        application_id: i64,
        source_id: i64,
        on: bool,
    ) -> Result<ApplicationView, ConsoleError>;
    async fn list_tokens(&self) -> Result<Vec<ApiTokenView>, ConsoleError>;
    /// The instance's defaults the forms show (the default mini program).
    fn instance(&self) -> InstanceInfo;
    async fn create_token(&self, admin: &Admin, name: &str) -> Result<NewApiToken, ConsoleError>;
    async fn revoke_token(&self, admin: &Admin, id: i64) -> Result<(), ConsoleError>;
}

pub type SharedBackend = Arc<dyn ConsoleBackend>;

/// The backend provided by the server for this request.
pub fn backend() -> Result<SharedBackend, ServerFnError> {
    use_context::<SharedBackend>()
        .ok_or_else(|| ServerFnError::ServerError("console backend missing".into()))
}

/// The request's parts, provided by leptos_axum.
pub fn request_parts() -> Result<http::request::Parts, ServerFnError> {
    use_context::<http::request::Parts>()
        .ok_or_else(|| ServerFnError::ServerError("request context missing".into()))
}

/// The administrator the middleware authenticated, or a 401.
pub fn require_admin() -> Result<Admin, ServerFnError> {
    let admin = request_parts()?.extensions.get::<Admin>().cloned();
    admin.ok_or_else(|| {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(http::StatusCode::UNAUTHORIZED);
        }
        ServerFnError::ServerError("unauthenticated".into())
    })
}

pub fn request_meta() -> Result<RequestMeta, ServerFnError> {
    request_parts()?
        .extensions
        .get::<RequestMeta>()
        .cloned()
        .ok_or_else(|| ServerFnError::ServerError("request meta missing".into()))
}

pub fn set_cookie(value: String) {
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(v) = http::HeaderValue::from_str(&value)
    {
        resp.append_header(http::header::SET_COOKIE, v);
    }
}
