//! The WeChat grant, `urn:datong:params:oauth:grant-type:wechat` (an RFC 6749 §4.5 extension
//! grant at `/oauth/token`): a mini program (mode `miniprogram`) or a native app (mode
//! `mobile_app`) that holds a WeChat code gets the standard token response without a browser.
//! The source's mode picks the proof: the mini program's `wx.login` code (plus, optionally, its
//! phone-number code) or the app's SendAuth code. Identity resolution and the tokens are those
//! of every other login; each refusal is a standard OAuth error with Datong's reason beside it.

use std::collections::HashMap;

use app::model::{AppType, ApplicationView, SourceMode, SourceView};

use super::flow::{DEVICE, Flow, Target};
use super::refusal::{Reason, Refusal};
use super::texts::Lang;
use super::{Attempt, LoginOutcome, Via, proof, record};
use crate::catalog::Credentials;
use crate::crypto::token::random_token;
use crate::oidc::authorize::known_scopes;
use crate::oidc::error::OAuthError;
use crate::state::AppState;
use crate::tokens::grants::Issued;

/// The grant type, as discovery lists it.
pub const GRANT_TYPE: &str = "urn:datong:params:oauth:grant-type:wechat";

/// WeChat's codes are 32 characters; anything much longer is not one, and never reaches WeChat.
const MAX_CODE: usize = 128;
const MAX_NONCE: usize = 255;

/// What the application sent.
struct Params<'a> {
    source: &'a str,
    code: &'a str,
    phone_code: Option<&'a str>,
    scope: String,
    nonce: Option<&'a str>,
}

fn params(form: &HashMap<String, String>) -> Result<Params<'_>, OAuthError> {
    let get = |k: &str| form.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let missing = |what: &str| OAuthError::new("invalid_request", format!("{what} is missing"));
    let source = get("source").ok_or_else(|| missing("source"))?;
    let code = get("code").ok_or_else(|| missing("code"))?;
    let scopes = known_scopes(get("scope").unwrap_or(""));
    if !scopes.contains(&"openid") {
        return Err(OAuthError::new(
            "invalid_scope",
            "the openid scope is required",
        ));
    }
    let nonce = get("nonce");
    if nonce.is_some_and(|n| n.len() > MAX_NONCE) {
        return Err(OAuthError::new("invalid_request", "nonce is too long"));
    }
    Ok(Params {
        source,
        code,
        phone_code: get("phone_code"),
        scope: scopes.join(" "),
        nonce,
    })
}

/// Whether a source of `mode` may log in to an application of type `app_type` by the grant.
pub fn fits(mode: SourceMode, app_type: AppType) -> bool {
    matches!(
        (mode, app_type),
        (SourceMode::Miniprogram, AppType::MiniProgram) | (SourceMode::MobileApp, AppType::Native)
    )
}

/// Something that cannot be a WeChat code.
fn not_a_code(code: &str) -> bool {
    code.len() > MAX_CODE || !code.bytes().all(|b| b.is_ascii_graphic())
}

/// The grant for `app` (already authenticated): tokens, or the OAuth error. Every refusal once
/// the source is known has its line in the login log.
pub async fn grant(
    state: &AppState,
    app: &ApplicationView,
    form: &HashMap<String, String>,
    mut who: Attempt,
) -> Result<Issued, OAuthError> {
    let p = params(form)?;
    who.client_id = Some(app.client_id.clone());
    who.source_identifier = Some(p.source.to_string());
    let found = source_for(state, app, p.source).await;
    if let Ok((source, _)) = &found {
        who.mode = Some(Via::Mode(source.mode));
    }
    let user = match found {
        Ok((source, credentials)) => login(state, app, source, credentials, &p).await,
        Err(refusal) => Err(Stop::Refused(refusal)),
    };
    let user = match user {
        Ok(user) => user,
        Err(Stop::Refused(refusal)) => {
            let error = oauth_error(&refusal);
            let outcome = LoginOutcome::Refused(refusal.reason);
            record(
                state,
                &who,
                outcome,
                refusal.detail,
                refusal.user_id.as_deref(),
            )
            .await;
            return Err(error);
        }
        Err(Stop::Binding(handle)) => {
            let outcome = LoginOutcome::Refused(Reason::AskToBind);
            let detail = Some("binding offered".to_string());
            record(state, &who, outcome, detail, None).await;
            let mut e = oauth_error(&Refusal::new(Reason::AskToBind));
            e.description = "this WeChat account is new here: open datong_binding_uri in a browser to link it to an existing account or create one, then log in again".into();
            e.extra = vec![
                (
                    "datong_binding_uri",
                    format!("{}{}", state.issuer, super::binding::page_url(&handle)),
                ),
                ("datong_binding", handle),
            ];
            return Err(e);
        }
    };
    let now = state.clock.now();
    let issued = state
        .grants
        .issue_tokens(app, &user, &p.scope, p.nonce, now)
        .await?;
    record(state, &who, LoginOutcome::Success, None, Some(&user)).await;
    Ok(issued)
}

/// The source named `identifier` with its credentials, if `app` may log in with it here.
async fn source_for(
    state: &AppState,
    app: &ApplicationView,
    identifier: &str,
) -> Result<(SourceView, Credentials), Refusal> {
    let (source, credentials) = state
        .catalog
        .source_for_login(identifier)
        .await?
        .ok_or_else(|| Refusal::with(Reason::SourceUnavailable, "no such source"))?;
    if !source.enabled || !app.sources.contains(&source.id) {
        return Err(Refusal::with(
            Reason::SourceUnavailable,
            "disabled or not enabled for the application",
        ));
    }
    if !fits(source.mode, app.app_type) {
        return Err(Refusal::with(
            Reason::WrongMode,
            format!(
                "a {} source cannot log in to a {} application",
                source.mode.as_str(),
                app.app_type.as_str()
            ),
        ));
    }
    let credentials = credentials
        .ok_or_else(|| Refusal::with(Reason::SourceUnconfigured, "no AppID and AppSecret"))?;
    Ok((source, credentials))
}

/// Why a grant gives no tokens.
enum Stop {
    Refused(Refusal),
    /// Ask-to-bind met someone new: the handle of the binding waiting for a browser.
    Binding(String),
}

impl From<Refusal> for Stop {
    fn from(r: Refusal) -> Stop {
        Stop::Refused(r)
    }
}

/// The proof of the source's mode, then identity resolution: the user.
async fn login(
    state: &AppState,
    app: &ApplicationView,
    source: SourceView,
    credentials: Credentials,
    p: &Params<'_>,
) -> Result<String, Stop> {
    let sighting = prove(state, &source, &credentials, p).await?;
    match super::resolve(state, &sighting, &source).await {
        Ok((user, _created)) => Ok(user),
        Err(r) if r.reason == Reason::AskToBind => {
            // The sighting waits for a browser (the first to open the page takes it); the
            // binding ends with a page that sends the person back to the app.
            let flow = Flow {
                target: Target::Device {
                    id: format!("{DEVICE}{}", app.client_id),
                    app: Box::new(app.clone()),
                },
                source,
                credentials,
            };
            let origin = random_token();
            let handle = super::binding::begin(state, &flow, &sighting, "", &origin).await?;
            Err(Stop::Binding(handle))
        }
        Err(r) => Err(r.into()),
    }
}

/// The proof of the source's mode: the sighting.
async fn prove(
    state: &AppState,
    source: &SourceView,
    credentials: &Credentials,
    p: &Params<'_>,
) -> Result<crate::identity::Sighting, Refusal> {
    if not_a_code(p.code) || p.phone_code.is_some_and(not_a_code) {
        return Err(Refusal::with(Reason::InvalidCode, "not a WeChat code"));
    }
    let sighting = match source.mode {
        SourceMode::Miniprogram => {
            proof::mini::sighting(state, credentials, p.code, p.phone_code).await?
        }
        SourceMode::MobileApp if p.phone_code.is_some() => {
            return Err(Refusal::with(
                Reason::InvalidRequest,
                "phone_code is for mini programs",
            ));
        }
        SourceMode::MobileApp => proof::oauth::sighting(state, credentials, p.code).await?,
        other => {
            return Err(Refusal::with(
                Reason::WrongMode,
                format!("{} does not log in by the grant", other.as_str()),
            ));
        }
    };
    Ok(sighting)
}

/// The standard OAuth error of a refusal (RFC 6749 §5.2), with Datong's reason as
/// `datong_reason` and the catalogue's English sentence as the description.
fn oauth_error(refusal: &Refusal) -> OAuthError {
    use Reason::*;
    let error = match refusal.reason {
        InvalidCode | ForeignCode | ForeignPhoneCode => "invalid_grant",
        WeChatBusy | StorageError | StillWorking | RateLimited => "temporarily_unavailable",
        LoginOnly | Blocked | UserBlocked | SnapshotUser | Cancelled => "access_denied",
        AskToBind => "interaction_required",
        SourceUnavailable | SourceUnconfigured | WrongMode | ModeUnavailable => {
            "unauthorized_client"
        }
        InvalidRequest => "invalid_request",
        _ => "server_error",
    };
    let mut e = OAuthError::new(error, refusal.reason.text(Lang::En));
    e.reason = Some(refusal.reason.code());
    match error {
        "temporarily_unavailable" => e.status = axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "server_error" => e.status = axum::http::StatusCode::BAD_GATEWAY,
        _ => {}
    }
    e
}
