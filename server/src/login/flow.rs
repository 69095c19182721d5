//! What every mode checks before it goes to WeChat and again before it lets anyone in: the
//! authorization request is live; the source exists, is switched on and is enabled for the
//! request's application; and it has credentials to use (its own, or the instance's default
//! mini program for a mini-program code without private deployment). A login may also have no
//! authorization request: the source's direct login link, which ends at the source's callback
//! URL instead of an application.

use app::model::{ApplicationView, SourceMode, SourceView};

use super::Attempt;
use super::refusal::{Reason, Refusal};
use crate::catalog::Credentials;
use crate::state::AppState;
use crate::store::auth_requests;
use crate::store::entities::auth_request;

/// What an attempt, a ticket or a binding keeps as its request id for a direct login.
pub const DIRECT: &str = "direct";
/// The request id of a login that began on a device (the WeChat grant) and continues in a
/// browser (ask-to-bind): this prefix and the application's client_id.
pub const DEVICE: &str = "device:";

/// Where a login ends.
pub enum Target {
    /// An application's authorization request: a code for the application.
    App {
        req: Box<auth_request::Model>,
        app: Box<ApplicationView>,
    },
    /// The source's direct login link: its callback URL, as a third-party-initiated login.
    Direct,
    /// A mini program's or app's login (the WeChat grant) that needed the browser for
    /// ask-to-bind: it ends with a page that sends the person back to the app, whose next grant
    /// then finds the account.
    Device {
        id: String,
        app: Box<ApplicationView>,
    },
}

impl Target {
    /// The request id the login's rows keep.
    pub fn request_id(&self) -> &str {
        match self {
            Target::App { req, .. } => &req.id,
            Target::Direct => DIRECT,
            Target::Device { id, .. } => id,
        }
    }

    /// The application a login is for, if any.
    pub fn app(&self) -> Option<&ApplicationView> {
        match self {
            Target::App { app, .. } | Target::Device { app, .. } => Some(app),
            Target::Direct => None,
        }
    }
}

/// An open login: where it ends, the source and the credentials to use.
pub struct Flow {
    pub target: Target,
    pub source: SourceView,
    pub credentials: Credentials,
}

impl Flow {
    /// Where the person can choose again: the hosted login page of the request, or the direct
    /// link again.
    pub fn back(&self) -> String {
        match &self.target {
            Target::App { req, .. } => back(&req.id),
            Target::Direct | Target::Device { .. } => {
                format!("/login/wechat/{}", self.source.identifier)
            }
        }
    }

    /// The query that starts this login again at a source's start route.
    pub fn start_query(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("request", self.target.request_id())
            .finish()
    }

    /// `who` with what the log line knows once the flow is open.
    pub fn describe(&self, who: &mut Attempt) {
        if let Some(app) = self.target.app() {
            who.client_id = Some(app.client_id.clone());
        }
        who.source_identifier = Some(self.source.identifier.clone());
        who.mode = Some(super::Via::Mode(self.source.mode));
    }
}

/// The hosted login page of request `id`.
pub fn back(id: &str) -> String {
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("request", id)
        .finish();
    format!("/login?{q}")
}

/// The live authorization request `id`.
pub async fn request(state: &AppState, id: &str) -> Result<auth_request::Model, Refusal> {
    auth_requests::live(&state.db, id, state.clock.now())
        .await?
        .ok_or_else(|| Reason::RequestExpired.into())
}

/// Where request `request_id` ends: its application, or the direct link's callback URL.
pub async fn target(state: &AppState, request_id: &str) -> Result<Target, Refusal> {
    if request_id == DIRECT {
        return Ok(Target::Direct);
    }
    if let Some(client_id) = request_id.strip_prefix(DEVICE) {
        let app = state
            .catalog
            .application_by_client_id(client_id)
            .await?
            .ok_or_else(|| Refusal::with(Reason::RequestExpired, "the application is gone"))?;
        return Ok(Target::Device {
            id: request_id.to_string(),
            app: Box::new(app),
        });
    }
    let req = request(state, request_id).await?;
    let app = state.catalog.get_application(req.application_id).await?;
    Ok(Target::App {
        req: Box::new(req),
        app: Box::new(app),
    })
}

/// Opens a login of request `request_id` (or [`DIRECT`]) with the source named `identifier`.
pub async fn open(state: &AppState, request_id: &str, identifier: &str) -> Result<Flow, Refusal> {
    let target = target(state, request_id).await?;
    with_target(state, target, identifier).await
}

/// Opens a login of a target already read with the source named `identifier`.
pub async fn with_target(
    state: &AppState,
    target: Target,
    identifier: &str,
) -> Result<Flow, Refusal> {
    let (source, own) = state
        .catalog
        .source_for_login(identifier)
        .await?
        .ok_or_else(|| Refusal::with(Reason::SourceUnavailable, "no such source"))?;
    checked(state, target, source, own).await
}

/// Opens again a login begun with source `source_id` (a callback, a confirmation): everything
/// is checked as at the start, since the source may have been switched off meanwhile.
pub async fn reopen(state: &AppState, request_id: &str, source_id: i64) -> Result<Flow, Refusal> {
    let target = target(state, request_id).await?;
    let source = state.catalog.get_source(source_id).await?;
    if uses_default(&source) {
        return checked(state, target, source, None).await;
    }
    with_target(state, target, &source.identifier).await
}

/// Mini-program-code sources without private deployment use the instance's default mini
/// program. (The other mini-program modes are the customer's own mini program: it runs inside
/// it, or their app launches it, so its AppID is always the source's.)
fn uses_default(source: &SourceView) -> bool {
    source.mode == SourceMode::PcMiniprogramQrcode && !source.private_deployment
}

async fn checked(
    state: &AppState,
    target: Target,
    source: SourceView,
    own: Option<Credentials>,
) -> Result<Flow, Refusal> {
    let for_app = match target.app() {
        Some(app) => source.applications.contains(&app.id),
        None => true,
    };
    if !source.enabled || !for_app {
        return Err(Refusal::with(
            Reason::SourceUnavailable,
            "disabled or not enabled for the application",
        ));
    }
    let credentials = if uses_default(&source) {
        state.default_miniprogram.clone()
    } else {
        own
    };
    let credentials = credentials
        .ok_or_else(|| Refusal::with(Reason::SourceUnconfigured, "no AppID and AppSecret"))?;
    Ok(Flow {
        target,
        source,
        credentials,
    })
}
