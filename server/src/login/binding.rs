//! Ask-to-bind, interactive. A source whose linking is "ask to bind" meets a WeChat identity
//! nobody holds: instead of creating a user, the sighting waits as a pending binding (single
//! use, ten minutes, bound to the browser) and the person chooses on a page:
//! - **bind to an account I already have**: they log in with another source of the
//!   application (a redirect mode); that login must find an existing user, and the waiting
//!   identity joins that user;
//! - **create a new account** (not offered by a login-only source).
//!
//! When the waiting identity carries a verified phone number an existing user has, the page
//! says so (masked); the proof is still required.

use app::backend::RequestMeta;
use app::model::SourceMode;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Duration;
use sea_orm::Set;

use super::flow::{self, Flow};
use super::refusal::{Reason, Refusal};
use super::texts::{self, lang_of};
use super::{Attempt, LoginOutcome};
use crate::crypto::token::random_alnum_token;
use crate::identity::{Outcome, Policy, Sighting};
use crate::state::AppState;
use crate::store::entities::pending_binding;
use crate::store::{bindings, identities};
use crate::web::escape_html as esc;

/// How long a pending binding waits.
pub fn ttl() -> Duration {
    Duration::minutes(10)
}

pub const BOUND: &str = "bound";
pub const DECLINED: &str = "declined";

/// The page of a binding handle.
pub fn page_url(handle: &str) -> String {
    format!("/login/bind/{handle}")
}

/// Keeps the sighting `flow` could not resolve and sends the browser to the choice.
/// `origin` is the attempt or ticket that saw it.
pub async fn begin(
    state: &AppState,
    flow: &Flow,
    sighting: &Sighting,
    browser_hash: &str,
    origin: &str,
) -> Result<String, Refusal> {
    let now = state.clock.now();
    let handle = random_alnum_token();
    let phone_user_id = match sighting.observed.phone.as_deref() {
        Some(phone) => identities::user_by_phone(&state.db, phone)
            .await?
            .map(|u| u.id),
        None => None,
    };
    let json = serde_json::to_string(sighting)
        .map_err(|e| Refusal::with(Reason::StorageError, e.to_string()))?;
    bindings::insert(
        &state.db,
        pending_binding::ActiveModel {
            // The handle itself: alone it grants nothing (the browser's cookie must match), and
            // a repeated callback finds it again through `origin`.
            id: Set(handle.clone()),
            request_id: Set(flow.target.request_id().to_string()),
            source_id: Set(flow.source.id),
            browser_hash: Set(browser_hash.to_string()),
            origin: Set(origin.to_string()),
            sighting: Set(json),
            phone_user_id: Set(phone_user_id),
            status: Set(bindings::PENDING.into()),
            user_id: Set(None),
            created_at: Set(now),
            expires_at: Set(now + ttl()),
        },
    )
    .await?;
    Ok(handle)
}

/// A pending binding for this browser, with its flow opened again.
pub struct Pending {
    pub row: pending_binding::Model,
    pub sighting: Sighting,
    pub flow: Flow,
}

/// The binding behind `handle`, if this browser may use it now.
pub async fn pending(
    state: &AppState,
    handle: &str,
    headers: &HeaderMap,
) -> Result<Pending, Refusal> {
    pending_for(state, handle, super::browser_hash(headers).as_deref()).await
}

/// [`pending`] for the browser whose hash is `browser`.
async fn pending_for(
    state: &AppState,
    handle: &str,
    browser: Option<&str>,
) -> Result<Pending, Refusal> {
    if handle.len() > 128 {
        return Err(Reason::BindingUnknown.into());
    }
    let row = bindings::get(&state.db, handle)
        .await?
        .ok_or(Reason::BindingUnknown)?;
    if row.browser_hash.is_empty() || browser != Some(row.browser_hash.as_str()) {
        return Err(Reason::OtherBrowser.into());
    }
    if row.status != bindings::PENDING {
        return Err(Reason::BindingUsed.into());
    }
    if row.expires_at <= state.clock.now() {
        return Err(Reason::BindingExpired.into());
    }
    let sighting: Sighting = serde_json::from_str(&row.sighting)
        .map_err(|e| Refusal::with(Reason::StorageError, e.to_string()))?;
    let flow = flow::reopen(state, &row.request_id, row.source_id).await?;
    Ok(Pending {
        row,
        sighting,
        flow,
    })
}

/// The sources that can prove an existing account here: the application's other sources that
/// start with a redirect (and can be used in this browser).
async fn proofs(
    state: &AppState,
    flow: &Flow,
    in_wechat: bool,
) -> Result<Vec<app::model::SourceView>, Refusal> {
    let Some(app) = flow.target.app() else {
        return Ok(Vec::new());
    };
    let sources = super::hosted::offered(state.catalog.list_sources().await?, app, in_wechat);
    Ok(sources
        .into_iter()
        .filter(|s| s.id != flow.source.id)
        .filter(|s| matches!(s.mode, SourceMode::PcQrcode | SourceMode::Webpage))
        .collect())
}

/// A phone number with its middle hidden: `+86 138****8000`.
pub fn masked(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().collect();
    if digits.len() <= 7 {
        return "****".into();
    }
    let head: String = digits[..digits.len() - 8].iter().collect();
    let tail: String = digits[digits.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// `GET /login/bind/{handle}`: the choice.
pub async fn page(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Path(handle): Path<String>,
    headers: HeaderMap,
) -> Response {
    let who = super::attempt(&meta, &headers);
    let adopted = match adopt(&state, &handle, &headers).await {
        Ok(a) => a,
        Err(refusal) => return super::refuse(&state, &who, &headers, refusal, None).await,
    };
    let browser = match &adopted {
        Some((hash, _)) => Some(hash.clone()),
        None => super::browser_hash(&headers),
    };
    match render(&state, &handle, &headers, browser.as_deref()).await {
        Ok(r) => match adopted {
            Some((_, cookie)) => super::with_cookie(r, &cookie),
            None => r,
        },
        Err(refusal) => super::refuse(&state, &who, &headers, refusal, None).await,
    }
}

/// A binding begun by an app's WeChat grant belongs to no browser until its page is first
/// opened (the app hands the person the page's address): that browser takes it. Returns the
/// browser's hash and the cookie it keeps.
async fn adopt(
    state: &AppState,
    handle: &str,
    headers: &HeaderMap,
) -> Result<Option<(String, String)>, Refusal> {
    if handle.len() > 128 {
        return Ok(None);
    }
    match bindings::get(&state.db, handle).await? {
        Some(row) if row.browser_hash.is_empty() => {
            let browser = super::Browser::of(headers);
            let hash = browser.hash();
            Ok(bindings::adopt(&state.db, handle, &hash)
                .await?
                .then(|| (hash, browser.cookie(state))))
        }
        _ => Ok(None),
    }
}

async fn render(
    state: &AppState,
    handle: &str,
    headers: &HeaderMap,
    browser: Option<&str>,
) -> Result<Response, Refusal> {
    let lang = lang_of(headers);
    let t = texts::texts(lang);
    let p = pending_for(state, handle, browser).await?;
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("request", p.flow.target.request_id())
        .append_pair("bind", handle)
        .finish();
    let buttons: String = proofs(state, &p.flow, super::webpage::in_wechat(headers))
        .await?
        .iter()
        .map(|s| {
            format!(
                "<a class=\"button\" data-testid=\"bind-with\" data-mode=\"{}\" href=\"{}\">{}</a>",
                s.mode.as_str(),
                esc(&format!("/login/wechat/{}?{query}", s.identifier)),
                esc(&s.display_name)
            )
        })
        .collect();
    let phone = match (&p.row.phone_user_id, p.sighting.observed.phone.as_deref()) {
        (Some(_), Some(number)) => format!(
            "<p class=\"alert\" data-testid=\"bind-phone\">{}</p>",
            esc(&t.bind_phone.replace("{}", &masked(number)))
        ),
        _ => String::new(),
    };
    let existing = if buttons.is_empty() {
        format!("<p class=\"muted\">{}</p>", t.bind_no_proof)
    } else {
        format!(
            "<p>{}</p><div class=\"buttons\">{buttons}</div>",
            t.bind_existing
        )
    };
    let create = if p.flow.source.login_only {
        String::new()
    } else {
        format!(
            "<form method=\"post\" action=\"{}\" style=\"margin-top:1.5rem\"><p class=\"muted\">{}</p>\
<button type=\"submit\" class=\"secondary\" data-testid=\"bind-create\">{}</button></form>",
            esc(&format!("{}/create", page_url(handle))),
            t.bind_create_hint,
            t.bind_create
        )
    };
    let body = format!(
        "<div data-testid=\"bind-page\"><h1>{}</h1><p class=\"muted\">{}</p>{phone}{existing}{create}</div>",
        t.bind_title,
        esc(&t.bind_intro.replace("{}", &p.flow.source.display_name)),
    );
    let here = page_url(handle);
    Ok(super::page::document(lang, t.bind_title, &body, Some(&here)).into_response())
}

/// `POST /login/bind/{handle}/create`: no binding; a new account for the waiting identity.
pub async fn create(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Path(handle): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut who = super::attempt(&meta, &headers);
    match decline(&state, &handle, &headers, &mut who).await {
        Ok(r) => r,
        Err(refusal) => super::refuse(&state, &who, &headers, refusal, None).await,
    }
}

async fn decline(
    state: &AppState,
    handle: &str,
    headers: &HeaderMap,
    who: &mut Attempt,
) -> Result<Response, Refusal> {
    let p = pending(state, handle, headers).await?;
    p.flow.describe(who);
    if p.flow.source.login_only {
        return Err(Reason::LoginOnly.into());
    }
    let policy = Policy {
        login_only: false,
        linking: app::model::Linking::Off,
        link_field: None,
    };
    let user = match state
        .grants
        .identities()
        .resolve(&p.sighting, &policy)
        .await?
    {
        Outcome::Resolved { user_id, .. } => user_id,
        Outcome::Blocked { user_id } => return Err(Refusal::blocked_user(user_id)),
        _ => return Err(Reason::WeChatError.into()),
    };
    if !bindings::end(
        &state.db,
        &p.row.id,
        DECLINED,
        Some(&user),
        state.clock.now(),
    )
    .await?
    {
        return Err(Reason::BindingUsed.into());
    }
    super::record(state, who, LoginOutcome::Declined, None, Some(&user)).await;
    super::finish(state, None, &p.flow.target, &p.flow.source, &user).await
}

/// A login that proves an existing account for binding `binding_id`: the proving sighting must
/// be someone already here; the waiting identity then joins them. Returns the user.
pub async fn prove(
    state: &AppState,
    binding_id: &str,
    proving: &Sighting,
    proof_source: &app::model::SourceView,
) -> Result<String, Refusal> {
    let row = bindings::get(&state.db, binding_id)
        .await?
        .ok_or(Reason::BindingUnknown)?;
    if row.status != bindings::PENDING || row.expires_at <= state.clock.now() {
        return Err(Reason::BindingExpired.into());
    }
    let policy = Policy {
        login_only: true,
        linking: app::model::Linking::Off,
        link_field: proof_source.link_field,
    };
    let user = match state.grants.identities().resolve(proving, &policy).await? {
        Outcome::Resolved { user_id, .. } => user_id,
        Outcome::Blocked { user_id } => return Err(Refusal::blocked_user(user_id)),
        _ => return Err(Reason::BindNoAccount.into()),
    };
    let waiting: Sighting = serde_json::from_str(&row.sighting)
        .map_err(|e| Refusal::with(Reason::StorageError, e.to_string()))?;
    let actor = format!("user:{user}");
    let bound = state
        .grants
        .identities()
        .bind(&waiting, &user, &actor)
        .await?
        .ok_or_else(|| Refusal::with(Reason::BindingUsed, "identity or unionid taken"))?;
    if !bindings::end(
        &state.db,
        binding_id,
        BOUND,
        Some(&bound),
        state.clock.now(),
    )
    .await?
    {
        return Err(Reason::BindingUsed.into());
    }
    Ok(bound)
}

/// `?bind=…` on a start route: the binding this login proves, checked for this browser and
/// request.
pub async fn proving(
    state: &AppState,
    handle: Option<&str>,
    flow: &Flow,
    headers: &HeaderMap,
) -> Result<Option<String>, Refusal> {
    let Some(handle) = handle else {
        return Ok(None);
    };
    let p = pending(state, handle, headers).await?;
    if p.row.request_id != flow.target.request_id() || p.row.source_id == flow.source.id {
        return Err(Refusal::with(
            Reason::BindingUnknown,
            "another request or the same source",
        ));
    }
    Ok(Some(p.row.id))
}

/// Where the browser goes once a login found the binding question: the choice page.
pub fn to_page(handle: &str) -> Response {
    Redirect::to(&page_url(handle)).into_response()
}
