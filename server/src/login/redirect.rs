//! The OAuth-code redirect, for every mode whose proof comes back to the browser (website QR,
//! in-WeChat web page). [`begin`] binds a fresh single-use `state` to the browser; the callback
//! checks it, claims the code once for the attempt, proves and resolves the person, and records
//! the outcome on the attempt, so a repeated callback with the same code and state replays that
//! outcome instead of calling WeChat again (which would answer 40163) or creating anyone.

use std::collections::HashMap;
use std::time::Duration;

use app::backend::RequestMeta;
use app::model::SourceMode;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use sea_orm::Set;

use super::flow::{self, Flow};
use super::refusal::{Reason, Refusal};
use super::{Attempt, Browser, LoginOutcome, webpage};
use crate::crypto::token::{random_alnum_token, token_hash};
use crate::state::AppState;
use crate::store::entities::login_attempt;
use crate::store::logins;

/// How long a person has between leaving for WeChat and WeChat's callback.
fn attempt_ttl() -> chrono::Duration {
    chrono::Duration::minutes(10)
}

/// How long a repeated callback waits for the first one to finish.
const REPLAY_WAIT: Duration = Duration::from_secs(10);
const REPLAY_STEP: Duration = Duration::from_millis(50);

/// The callback URL WeChat sends the person back to, for source `identifier`.
pub fn callback_url(state: &AppState, identifier: &str) -> String {
    format!("{}/login/wechat/{identifier}/callback", state.issuer)
}

/// A new attempt of `flow` bound to this browser: the WeChat `state` (letters and digits, as
/// the in-WeChat authorization requires) and the cookie that binds the browser.
pub async fn begin(
    state: &AppState,
    flow: &Flow,
    headers: &HeaderMap,
) -> Result<(String, String), Refusal> {
    let now = state.clock.now();
    let browser = Browser::of(headers);
    let wechat_state = random_alnum_token();
    let row = login_attempt::ActiveModel {
        id: Set(token_hash(&wechat_state)),
        request_id: Set(flow.req.id.clone()),
        source_id: Set(flow.source.id),
        browser_hash: Set(browser.hash()),
        created_at: Set(now),
        expires_at: Set(now + attempt_ttl()),
        code_hash: Set(None),
        user_id: Set(None),
        outcome: Set(None),
    };
    logins::insert_attempt(&state.db, row).await?;
    Ok((wechat_state, browser.cookie(state)))
}

/// `GET /login/wechat/{identifier}/callback?code=…&state=…`.
pub async fn callback(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    Path(identifier): Path<String>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut who = super::attempt(&meta, &headers);
    who.source_identifier = Some(identifier.clone());
    let mut back = None;
    let outcome = run(&state, &mut who, &mut back, &identifier, &headers, &q).await;
    match outcome {
        Ok(r) => r,
        Err(Stop::Refused(refusal)) => {
            super::refuse(&state, &who, &headers, refusal, back.as_deref()).await
        }
        Err(Stop::Shown(refusal)) => super::refused_page(&headers, &refusal, back.as_deref()),
    }
}

/// Why a callback stops: a refusal to log, or one logged already (a replay).
enum Stop {
    Refused(Refusal),
    Shown(Refusal),
}

impl From<Refusal> for Stop {
    fn from(r: Refusal) -> Stop {
        Stop::Refused(r)
    }
}

impl From<Reason> for Stop {
    fn from(r: Reason) -> Stop {
        Stop::Refused(r.into())
    }
}

impl From<crate::store::StoreError> for Stop {
    fn from(e: crate::store::StoreError) -> Stop {
        Stop::Refused(e.into())
    }
}

async fn run(
    state: &AppState,
    who: &mut Attempt,
    back: &mut Option<String>,
    identifier: &str,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
) -> Result<Response, Stop> {
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let (wechat_state, code) = (get("state"), get("code"));
    // At most 128 bytes are ours; anything longer is not a state we gave out.
    let wechat_state = wechat_state.ok_or(Reason::StateMissing)?;
    if wechat_state.len() > 128 {
        return Err(Refusal::with(Reason::StateUnknown, "oversized state").into());
    }
    let attempt = logins::attempt(&state.db, &token_hash(wechat_state))
        .await?
        .filter(|a| a.expires_at > state.clock.now())
        .ok_or(Reason::StateUnknown)?;
    if super::browser_hash(headers).as_deref() != Some(attempt.browser_hash.as_str()) {
        return Err(Reason::StateMismatch.into());
    }
    let flow = match flow::reopen(state, &attempt.request_id, attempt.source_id).await {
        Ok(flow) => flow,
        Err(r) => {
            *back = Some(flow::back(&attempt.request_id));
            return Err(r.into());
        }
    };
    flow.describe(who);
    *back = Some(flow.back());
    // The path names the source the attempt was started for, or the callback is not ours.
    if flow.source.identifier != identifier {
        return Err(Refusal::with(Reason::StateMismatch, "another source's callback").into());
    }
    let code = code.ok_or(Reason::Cancelled)?;
    let code_hash = token_hash(code);
    let claimed = attempt.code_hash.is_none()
        && logins::claim_attempt(&state.db, &attempt.id, &code_hash).await?;
    if !claimed {
        let current = logins::attempt(&state.db, &attempt.id).await?;
        let same_code = current.and_then(|a| a.code_hash).as_deref() == Some(code_hash.as_str());
        // WeChat's in-app browser sometimes calls back twice, with two codes and one state:
        // the second ends like the first, and its code is never spent.
        if same_code || flow.source.mode == SourceMode::Webpage {
            return replay(state, &attempt.id, &flow, headers).await;
        }
        return Err(Reason::StateReused.into());
    }
    let escalated = get("step") == Some(webpage::ESCALATED);
    // Once the code is claimed the attempt must get its outcome even if the browser goes away
    // meanwhile (a repeated callback waits for it): the work runs in a task of its own.
    let (task_state, code, id) = (state.clone(), code.to_string(), attempt.id.clone());
    let (flow, proved, detail) = tokio::spawn(async move {
        let proved = prove(&task_state, &flow, &code, escalated).await;
        let (outcome, user_id, detail) = match &proved {
            Ok(Proved::User(user, created)) => (
                LoginOutcome::Success,
                Some(user.as_str()),
                created.then(|| "new user".to_string()),
            ),
            Ok(Proved::NeedsUserInfo) => (LoginOutcome::Escalated, None, None),
            Err(r) => (LoginOutcome::Refused(r.reason), None, r.detail.clone()),
        };
        let finished = logins::finish_attempt(&task_state.db, &id, user_id, outcome.code()).await;
        let proved = finished.map_err(Refusal::from).and(proved);
        (flow, proved, detail)
    })
    .await
    .map_err(|e| Refusal::with(Reason::StorageError, e.to_string()))?;
    match proved {
        Ok(Proved::User(user, _)) => {
            super::record(state, who, LoginOutcome::Success, detail, Some(&user)).await;
            Ok(super::complete(state, None, &flow.req, &flow.app, &user, flow.source.id).await?)
        }
        Ok(Proved::NeedsUserInfo) => {
            Ok(webpage::authorize(state, &flow, headers, webpage::USERINFO, true).await?)
        }
        Err(refusal) => Err(Stop::Refused(refusal)),
    }
}

/// What a code proved: the person, or (web page, base scope) that a user-info round is needed.
enum Proved {
    User(String, bool),
    NeedsUserInfo,
}

/// The proof of the source's mode, and the person it names.
async fn prove(
    state: &AppState,
    flow: &Flow,
    code: &str,
    escalated: bool,
) -> Result<Proved, Refusal> {
    let sighting = match flow.source.mode {
        SourceMode::PcQrcode => {
            super::proof::oauth::sighting(state, &flow.credentials, code).await?
        }
        SourceMode::Webpage => match webpage::prove(state, flow, code, escalated).await? {
            webpage::Proof::Seen(s) => *s,
            webpage::Proof::NeedsUserInfo => return Ok(Proved::NeedsUserInfo),
        },
        // No redirect of theirs comes back here.
        SourceMode::PcMiniprogramQrcode
        | SourceMode::Miniprogram
        | SourceMode::MobileApp
        | SourceMode::AppLaunchMiniprogram => {
            return Err(Refusal::with(Reason::ModeUnavailable, "no OAuth callback"));
        }
    };
    let (user, created) = super::resolve(state, &sighting, &flow.source).await?;
    Ok(Proved::User(user, created))
}

/// The same callback again: waits for the first one's outcome and ends the same way.
async fn replay(
    state: &AppState,
    id: &str,
    flow: &Flow,
    headers: &HeaderMap,
) -> Result<Response, Stop> {
    let deadline = tokio::time::Instant::now() + REPLAY_WAIT;
    loop {
        let attempt = logins::attempt(&state.db, id)
            .await?
            .ok_or(Reason::StateUnknown)?;
        match (attempt.outcome.as_deref(), attempt.user_id.as_deref()) {
            (Some(outcome), user) => {
                return match (LoginOutcome::parse(outcome), user) {
                    (LoginOutcome::Success, Some(user)) => Ok(super::complete(
                        state,
                        None,
                        &flow.req,
                        &flow.app,
                        user,
                        attempt.source_id,
                    )
                    .await?),
                    (LoginOutcome::Refused(reason), _) => Err(Stop::Shown(reason.into())),
                    (LoginOutcome::Escalated, _) => {
                        Ok(
                            webpage::authorize(state, flow, headers, webpage::USERINFO, true)
                                .await?,
                        )
                    }
                    (LoginOutcome::Success, None) => Err(Stop::Shown(Reason::WeChatError.into())),
                };
            }
            (None, _) if tokio::time::Instant::now() >= deadline => {
                return Err(Stop::Shown(Reason::StillWorking.into()));
            }
            (None, _) => tokio::time::sleep(REPLAY_STEP).await,
        }
    }
}
