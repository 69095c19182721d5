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
use axum::response::{IntoResponse, Response};
use sea_orm::Set;

use super::flow::{self, Flow};
use super::proof::Proof;
use super::refusal::{Reason, Refusal};
use super::{Attempt, Browser, LoginOutcome, binding, webpage};
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
/// How many times (a second apart) a callback's outcome is written again after the database
/// failed to take it.
const FINISH_RETRIES: u32 = 120;
const REPLAY_STEP: Duration = Duration::from_millis(50);

/// The callback URL WeChat sends the person back to, for source `identifier`.
pub fn callback_url(state: &AppState, identifier: &str) -> String {
    format!("{}/login/wechat/{identifier}/callback", state.issuer)
}

/// A new attempt of `flow` bound to this browser: the WeChat `state` (letters and digits, as
/// the in-WeChat authorization requires) and the cookie that binds the browser.
/// `binding`: the pending binding this login proves an account for, if any.
pub async fn begin(
    state: &AppState,
    flow: &Flow,
    headers: &HeaderMap,
    binding: Option<String>,
) -> Result<(String, String), Refusal> {
    let now = state.clock.now();
    let browser = Browser::of(headers);
    let wechat_state = random_alnum_token();
    let row = login_attempt::ActiveModel {
        id: Set(token_hash(&wechat_state)),
        request_id: Set(flow.target.request_id().to_string()),
        source_id: Set(flow.source.id),
        browser_hash: Set(browser.hash()),
        created_at: Set(now),
        expires_at: Set(now + attempt_ttl()),
        code_hash: Set(None),
        user_id: Set(None),
        outcome: Set(None),
        binding_id: Set(binding),
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
    let Some(code) = code else {
        // Inside WeChat a refusal goes back to the list of ways, which says what happened.
        if flow.source.mode == SourceMode::Webpage
            && let flow::Target::App { req, .. } = &flow.target
        {
            let outcome = LoginOutcome::Refused(Reason::Cancelled);
            super::record(state, who, outcome, None, None).await;
            let to = super::hosted::with_notice(&req.id, Reason::Cancelled);
            return Ok(axum::response::Redirect::to(&to).into_response());
        }
        return Err(Reason::Cancelled.into());
    };
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
    let task_state = state.clone();
    let (code, binding) = (code.to_string(), attempt.binding_id.clone());
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let decided = decide(&task_state, &flow, &code, escalated, &attempt).await;
        let (outcome, user_id, detail) = match &decided {
            Ok(Decided::User(user, created)) => (
                LoginOutcome::Success,
                Some(user.clone()),
                created.then(|| "new user".to_string()),
            ),
            Ok(Decided::Bound(user)) => (LoginOutcome::Bound, Some(user.clone()), None),
            Ok(Decided::NeedsUserInfo) => (LoginOutcome::Escalated, None, None),
            Ok(Decided::Binding(_)) => (LoginOutcome::Refused(Reason::AskToBind), None, None),
            Err(r) => (LoginOutcome::Refused(r.reason), None, r.detail.clone()),
        };
        // The code is spent: after a storage failure this login cannot go on, and a reload
        // must say "start again", not "try again" forever.
        let kept = match outcome {
            LoginOutcome::Refused(Reason::StorageError) => {
                LoginOutcome::Refused(Reason::Interrupted)
            }
            other => other,
        };
        let (db, id) = (task_state.db.clone(), attempt.id.clone());
        let finished = logins::finish_attempt(&db, &id, user_id.as_deref(), kept.code()).await;
        let unfinished = finished.is_err();
        let decided = finished.map_err(Refusal::from).and(decided);
        let _ = tx.send((flow, decided, outcome, detail));
        // The person was told "try again shortly". As soon as the database is back the
        // attempt is marked interrupted, so that a reload says "start again" instead of waiting
        // out the attempt. (Not the user decided before the outage: a merge meanwhile may have
        // removed them.)
        if unfinished {
            let interrupted = LoginOutcome::Refused(Reason::Interrupted);
            for _ in 0..FINISH_RETRIES {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                let again = logins::finish_attempt(&db, &id, None, interrupted.code());
                if again.await.is_ok() {
                    break;
                }
            }
        }
    });
    let (flow, decided, outcome, detail) = rx
        .await
        .map_err(|_| Refusal::with(Reason::StorageError, "the login task stopped"))?;
    match decided {
        Ok(Decided::User(user, _) | Decided::Bound(user)) => {
            super::record(state, who, outcome, detail, Some(&user)).await;
            Ok(super::finish(state, None, &flow.target, &flow.source, &user).await?)
        }
        Ok(Decided::NeedsUserInfo) => {
            let to = webpage::authorize(state, &flow, headers, webpage::USERINFO, true, binding);
            Ok(to.await?)
        }
        Ok(Decided::Binding(handle)) => {
            let detail = Some("binding offered".to_string());
            super::record(state, who, outcome, detail, None).await;
            Ok(binding::to_page(&handle))
        }
        Err(refusal) => Err(Stop::Refused(refusal)),
    }
}

/// How a proved code ends.
enum Decided {
    /// The person is this user (created just now?).
    User(String, bool),
    /// This login proved an account, and the waiting identity joined it.
    Bound(String),
    /// A web page's base scope met an unknown person: one `snsapi_userinfo` round.
    NeedsUserInfo,
    /// A new identity for an ask-to-bind source: the binding's handle.
    Binding(String),
}

/// Proves the person with the source's mode, then decides who they are.
async fn decide(
    state: &AppState,
    flow: &Flow,
    code: &str,
    escalated: bool,
    attempt: &login_attempt::Model,
) -> Result<Decided, Refusal> {
    let proof = match flow.source.mode {
        SourceMode::PcQrcode => {
            let s = super::proof::oauth::sighting(state, &flow.credentials, code).await?;
            Proof::Seen(Box::new(s))
        }
        SourceMode::Webpage => webpage::prove(state, flow, code, escalated).await?,
        // No redirect of theirs comes back here.
        SourceMode::PcMiniprogramQrcode
        | SourceMode::Miniprogram
        | SourceMode::MobileApp
        | SourceMode::AppLaunchMiniprogram => {
            return Err(Refusal::with(Reason::ModeUnavailable, "no OAuth callback"));
        }
    };
    let sighting = match proof {
        Proof::Seen(s) => *s,
        Proof::NeedsUserInfo => return Ok(Decided::NeedsUserInfo),
    };
    if let Some(b) = &attempt.binding_id {
        return Ok(Decided::Bound(
            binding::prove(state, b, &sighting, &flow.source).await?,
        ));
    }
    match super::resolve(state, &sighting, &flow.source).await {
        Ok((user, created)) => Ok(Decided::User(user, created)),
        Err(r) if r.reason == Reason::AskToBind => {
            let handle =
                binding::begin(state, flow, &sighting, &attempt.browser_hash, &attempt.id).await?;
            Ok(Decided::Binding(handle))
        }
        Err(r) => Err(r),
    }
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
                    (LoginOutcome::Success | LoginOutcome::Bound, Some(user)) => {
                        Ok(super::finish(state, None, &flow.target, &flow.source, user).await?)
                    }
                    (LoginOutcome::Refused(Reason::AskToBind), _) => {
                        match crate::store::bindings::by_origin(&state.db, id).await? {
                            Some(b) => Ok(binding::to_page(&b.id)),
                            None => Err(Stop::Shown(Reason::BindingUnknown.into())),
                        }
                    }
                    // Written by releases that kept the storage failure itself.
                    (LoginOutcome::Refused(Reason::StorageError), _) => {
                        Err(Stop::Shown(Reason::Interrupted.into()))
                    }
                    (LoginOutcome::Refused(reason), _) => Err(Stop::Shown(reason.into())),
                    (LoginOutcome::Escalated, _) => Ok(webpage::authorize(
                        state,
                        flow,
                        headers,
                        webpage::USERINFO,
                        true,
                        attempt.binding_id.clone(),
                    )
                    .await?),
                    (_, _) => Err(Stop::Shown(Reason::WeChatError.into())),
                };
            }
            (None, _) if tokio::time::Instant::now() >= deadline => {
                return Err(Stop::Shown(Reason::StillWorking.into()));
            }
            (None, _) => tokio::time::sleep(REPLAY_STEP).await,
        }
    }
}
