//! The console's and the management API's data: identity sources and applications as they are
//! sent and shown, and the field rules both sides apply (`validate`). No secret is ever in a
//! view: an AppSecret goes in (`SourceInput::app_secret`) and only a hint comes out.

mod overview;
mod people;
pub mod validate;
mod webhooks;

pub use overview::{ModeSeries, Overview, OverviewPage, ReasonCount};
pub use people::{
    GrantView, IdentityDetail, IdentityRef, IdentityView, LoginLogEntry, LoginLogFilter,
    MergeField, MergePreview, MergeRequest, SourceRef, Unlinked, UserDetail, UserPage, UserQuery,
    UserSummary, UserView, mask_phone,
};
pub use webhooks::{DeliveryView, WEBHOOK_EVENTS, WebhookInput, WebhookView, WebhookWithSecret};

use serde::{Deserialize, Serialize};

/// How a WeChat identity source logs people in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SourceMode {
    /// Website QR login (open-platform website app).
    PcQrcode,
    /// PC website login by scanning a mini-program code.
    PcMiniprogramQrcode,
    /// In-WeChat web page authorization (official account).
    Webpage,
    /// Login inside a mini program.
    Miniprogram,
    /// Mobile app WeChat login.
    MobileApp,
    /// A mobile app launches a mini program to log in.
    AppLaunchMiniprogram,
}

/// Whether a user agent is WeChat's own browser: it says `MicroMessenger`. WeCom's browser says
/// so too but adds `wxwork`; it is not WeChat (its people have no WeChat web authorization).
pub fn in_wechat_browser(user_agent: &str) -> bool {
    let ua = user_agent.to_ascii_lowercase();
    ua.contains("micromessenger") && !ua.contains("wxwork")
}

impl SourceMode {
    /// The modes whose login starts in a browser (the hosted login page's buttons); the others
    /// log in through the token endpoint or an app.
    pub fn starts_in_browser(self) -> bool {
        matches!(
            self,
            SourceMode::PcQrcode | SourceMode::PcMiniprogramQrcode | SourceMode::Webpage
        )
    }

    /// The modes that need a second device to scan: hidden inside WeChat, where a person
    /// cannot scan their own screen.
    pub fn scans_a_screen(self) -> bool {
        matches!(self, SourceMode::PcQrcode | SourceMode::PcMiniprogramQrcode)
    }

    pub const ALL: [SourceMode; 6] = [
        SourceMode::PcQrcode,
        SourceMode::PcMiniprogramQrcode,
        SourceMode::Webpage,
        SourceMode::Miniprogram,
        SourceMode::MobileApp,
        SourceMode::AppLaunchMiniprogram,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceMode::PcQrcode => "pc_qrcode",
            SourceMode::PcMiniprogramQrcode => "pc_miniprogram_qrcode",
            SourceMode::Webpage => "webpage",
            SourceMode::Miniprogram => "miniprogram",
            SourceMode::MobileApp => "mobile_app",
            SourceMode::AppLaunchMiniprogram => "app_launch_miniprogram",
        }
    }

    pub fn parse(text: &str) -> Option<SourceMode> {
        SourceMode::ALL.into_iter().find(|m| m.as_str() == text)
    }

    /// Modes whose login runs in a mini program (page path and env_version apply).
    pub fn uses_mini_program(self) -> bool {
        matches!(
            self,
            SourceMode::PcMiniprogramQrcode
                | SourceMode::Miniprogram
                | SourceMode::AppLaunchMiniprogram
        )
    }
}

/// What happens when a WeChat identity is new to Datong.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Linking {
    /// A new identity creates a new user.
    #[default]
    Off,
    /// Link to the existing user whose `link_field` equals the WeChat-verified value.
    FieldMatch,
    /// Ask the person whether to bind to an existing account by signing in to it.
    AskToBind,
}

/// The user field that field matching compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LinkField {
    Phone,
    Email,
}

/// A source as it is created or changed. On update, absent fields stay as they are; the
/// identifier and the mode cannot change.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SourceInput {
    #[serde(default)]
    pub identifier: Option<String>,
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub callback_url: Option<String>,
    #[serde(default)]
    pub login_only: Option<bool>,
    #[serde(default)]
    pub linking: Option<Linking>,
    #[serde(default)]
    pub link_field: Option<LinkField>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub private_deployment: Option<bool>,
    #[serde(default)]
    pub appid: Option<String>,
    /// Write-only. Absent on update: the stored secret stays.
    #[serde(default)]
    pub app_secret: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub page_path: Option<String>,
    #[serde(default)]
    pub env_version: Option<String>,
    #[serde(default)]
    pub original_id: Option<String>,
    /// PC QR only: show WeChat's QR code inside the hosted login page instead of sending the
    /// browser to WeChat's page.
    #[serde(default)]
    pub embedded_qr: Option<bool>,
}

/// A source as shown: the secret only as a hint (`••••` and its last four characters).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SourceView {
    pub id: i64,
    pub identifier: String,
    pub mode: SourceMode,
    pub display_name: String,
    pub callback_url: String,
    pub login_only: bool,
    pub linking: Linking,
    pub link_field: Option<LinkField>,
    pub enabled: bool,
    pub private_deployment: bool,
    pub appid: Option<String>,
    pub secret_hint: Option<String>,
    pub scope: Option<String>,
    pub page_path: Option<String>,
    pub env_version: Option<String>,
    pub original_id: Option<String>,
    pub embedded_qr: bool,
    pub has_logo: bool,
    /// Ids of the applications that enable this source.
    pub applications: Vec<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// What kind of client an application is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AppType {
    Web,
    Spa,
    Native,
    MiniProgram,
}

impl AppType {
    pub fn as_str(self) -> &'static str {
        match self {
            AppType::Web => "web",
            AppType::Spa => "spa",
            AppType::Native => "native",
            AppType::MiniProgram => "mini_program",
        }
    }

    pub fn parse(text: &str) -> Option<AppType> {
        [
            AppType::Web,
            AppType::Spa,
            AppType::Native,
            AppType::MiniProgram,
        ]
        .into_iter()
        .find(|t| t.as_str() == text)
    }
}

/// An application as created or changed; absent fields stay as they are on update.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub app_type: Option<String>,
    #[serde(default)]
    pub redirect_uris: Option<Vec<String>>,
    #[serde(default)]
    pub post_logout_redirect_uris: Option<Vec<String>>,
    #[serde(default)]
    pub access_token_ttl: Option<i64>,
    #[serde(default)]
    pub id_token_ttl: Option<i64>,
    #[serde(default)]
    pub refresh_token_ttl: Option<i64>,
    /// Ids of the identity sources this application enables (replaces the set).
    #[serde(default)]
    pub sources: Option<Vec<i64>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApplicationView {
    pub id: i64,
    pub name: String,
    pub app_type: AppType,
    pub client_id: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub access_token_ttl: i64,
    pub id_token_ttl: i64,
    pub refresh_token_ttl: i64,
    pub has_logo: bool,
    pub sources: Vec<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// An application just created, or whose secret was just rotated: the only time the client
/// secret is shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApplicationWithSecret {
    pub application: ApplicationView,
    pub client_secret: String,
}

/// One audit log entry as the Logs page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// `admin:<name>`, `token:<name>` or `cli`.
    pub actor: String,
    /// `source.create`, `application.update`, …
    pub action: String,
    pub target: String,
    /// What the change replaced and what it made (JSON text), where recorded.
    #[serde(default)]
    pub before: Option<String>,
    #[serde(default)]
    pub after: Option<String>,
}

/// A rule a field broke: the field, a stable code, and a sentence for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_string(),
            code: code.to_string(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Why a console operation failed, as the console's pages receive it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum ConsoleError {
    /// Field rules broken: every one, in form order (the same errors the API reports).
    Invalid(Vec<FieldError>),
    /// The source, application or token no longer exists.
    NotFound,
    /// The session ended; sign in again.
    Unauthenticated,
    /// Anything else (the server log has the details; nothing secret is in the text).
    Failed(String),
}

impl std::fmt::Display for ConsoleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConsoleError::Invalid(errors) => match errors.first() {
                Some(e) => write!(f, "{e}"),
                None => write!(f, "invalid input"),
            },
            ConsoleError::NotFound => write!(f, "not found"),
            ConsoleError::Unauthenticated => write!(f, "sign in again"),
            ConsoleError::Failed(m) => write!(f, "{m}"),
        }
    }
}

impl leptos::server_fn::error::FromServerFnError for ConsoleError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        ConsoleError::Failed(value.to_string())
    }
}

impl ConsoleError {
    /// The errors for one field (`redirect_uris` also collects `redirect_uris[2]`).
    pub fn for_field(&self, field: &str) -> Vec<FieldError> {
        match self {
            ConsoleError::Invalid(errors) => errors
                .iter()
                .filter(|e| {
                    e.field == field
                        || e.field
                            .strip_prefix(field)
                            .is_some_and(|rest| rest.starts_with('['))
                })
                .cloned()
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// An admin API token as listed (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiTokenView {
    pub id: i64,
    pub name: String,
    pub created_by: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

/// A token just created: the only time its value is shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewApiToken {
    pub id: i64,
    pub name: String,
    pub token: String,
}

/// What the console needs to know about this instance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceInfo {
    /// The mini program that shows the code for `pc_miniprogram_qrcode` sources without private
    /// deployment, if this instance has one.
    pub default_miniprogram_appid: Option<String>,
    /// Whether that mini program (and all of WeChat) is the built-in sandbox.
    pub wechat_simulated: bool,
    /// This instance's public URL (the OpenID Connect issuer): the host an official account
    /// must allow for web authorization, and the start of every URL the console shows.
    #[serde(default)]
    pub public_url: String,
}

/// What an edit does to a source's logo.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogoChange {
    #[default]
    Keep,
    Remove,
    /// New image bytes (PNG or JPEG, at most 1 MB).
    Set(Vec<u8>),
}
