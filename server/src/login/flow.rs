//! What every mode checks before it goes to WeChat and again before it lets anyone in: the
//! authorization request is live; the source exists, is switched on and is enabled for the
//! request's application; and it has credentials to use (its own, or the instance's default
//! mini program for a mini-program code without private deployment).

use app::model::{ApplicationView, SourceMode, SourceView};

use super::Attempt;
use super::refusal::{Reason, Refusal};
use crate::catalog::Credentials;
use crate::state::AppState;
use crate::store::auth_requests;
use crate::store::entities::auth_request;

/// An open login: the request, its application, the source and the credentials to use.
pub struct Flow {
    pub req: auth_request::Model,
    pub app: ApplicationView,
    pub source: SourceView,
    pub credentials: Credentials,
}

impl Flow {
    /// Where the person can choose again: the hosted login page of this request.
    pub fn back(&self) -> String {
        back(&self.req.id)
    }

    /// `who` with what the log line knows once the flow is open.
    pub fn describe(&self, who: &mut Attempt) {
        who.client_id = Some(self.app.client_id.clone());
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

/// Opens a login of request `request_id` with the source named `identifier`.
pub async fn open(state: &AppState, request_id: &str, identifier: &str) -> Result<Flow, Refusal> {
    let req = request(state, request_id).await?;
    with_request(state, req, identifier).await
}

/// Opens a login of a request already read with the source named `identifier`.
pub async fn with_request(
    state: &AppState,
    req: auth_request::Model,
    identifier: &str,
) -> Result<Flow, Refusal> {
    let (source, own) = state
        .catalog
        .source_for_login(identifier)
        .await?
        .ok_or_else(|| Refusal::with(Reason::SourceUnavailable, "no such source"))?;
    checked(state, req, source, own).await
}

/// Opens again a login begun with source `source_id` (a callback, a confirmation): everything
/// is checked as at the start, since the source may have been switched off meanwhile.
pub async fn reopen(state: &AppState, request_id: &str, source_id: i64) -> Result<Flow, Refusal> {
    let req = request(state, request_id).await?;
    let source = state.catalog.get_source(source_id).await?;
    if uses_default(&source) {
        return checked(state, req, source, None).await;
    }
    with_request(state, req, &source.identifier).await
}

/// Mini-program sources without private deployment use the instance's default mini program.
fn uses_default(source: &SourceView) -> bool {
    matches!(
        source.mode,
        SourceMode::PcMiniprogramQrcode | SourceMode::AppLaunchMiniprogram
    ) && !source.private_deployment
}

async fn checked(
    state: &AppState,
    req: auth_request::Model,
    source: SourceView,
    own: Option<Credentials>,
) -> Result<Flow, Refusal> {
    if !source.enabled || !source.applications.contains(&req.application_id) {
        return Err(Refusal::with(
            Reason::SourceUnavailable,
            "disabled or not enabled for the application",
        ));
    }
    let app = state.catalog.get_application(req.application_id).await?;
    let credentials = if uses_default(&source) {
        state.default_miniprogram.clone()
    } else {
        own
    };
    let credentials = credentials
        .ok_or_else(|| Refusal::with(Reason::SourceUnconfigured, "no AppID and AppSecret"))?;
    Ok(Flow {
        req,
        app,
        source,
        credentials,
    })
}
