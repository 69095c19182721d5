//! The end of a WeChat redirect login, whatever the mode: the code is claimed once for the
//! attempt, exchanged, the person resolved, and the outcome recorded on the attempt, so a
//! repeated callback with the same code and state replays that outcome instead of calling
//! WeChat again (which would answer 40163) or creating anyone.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::Response;

use super::page::problem;
use super::{Attempt, complete, sso, unavailable};
use crate::crypto::token::token_hash;
use crate::state::AppState;
use crate::store::entities::{auth_request, login_attempt};
use crate::store::{auth_requests, logins};
use crate::wechat::WeChatError;

/// How long a repeated callback waits for the first one to finish.
const REPLAY_WAIT: Duration = Duration::from_secs(10);
const REPLAY_STEP: Duration = Duration::from_millis(50);

/// The page for a finished attempt that did not log anyone in.
fn outcome_page(outcome: &str, back: &str) -> Response {
    let (status, en, zh) = match outcome {
        "cancelled" => (
            StatusCode::OK,
            "The login was cancelled in WeChat.",
            "已在微信中取消登录。",
        ),
        "snapshot_user" => (
            StatusCode::FORBIDDEN,
            "WeChat identified a preview (snapshot) visitor, not a real account. Open the page in WeChat itself to log in.",
            "微信识别为快照页访客而非真实用户，请在微信中打开页面后登录。",
        ),
        "login_only" => (
            StatusCode::FORBIDDEN,
            "This way of logging in only admits existing accounts, and this WeChat account has none here.",
            "此登录方式仅允许已有账号登录，该微信账号尚未注册。",
        ),
        "ask_to_bind" => (
            StatusCode::NOT_IMPLEMENTED,
            "This source asks new people to bind an existing account; that page is not available yet.",
            "此身份源要求新用户绑定已有账号，该页面暂未开放。",
        ),
        "source_unavailable" => (
            StatusCode::FORBIDDEN,
            "This way of logging in was switched off for the application. Choose another.",
            "此登录方式已对该应用停用，请选择其他方式。",
        ),
        "state_reused" => (
            StatusCode::BAD_REQUEST,
            "This login link was already used. Start again.",
            "此登录链接已被使用，请重新开始。",
        ),
        _ => (
            StatusCode::BAD_GATEWAY,
            "WeChat did not accept this login. Try again.",
            "微信未能完成此次登录，请重试。",
        ),
    };
    problem(status, en, zh, Some(back))
}

/// Finishes the callback of `attempt` with WeChat's `code` (none: the person refused).
pub async fn wechat_callback(
    state: &AppState,
    mut who: Attempt,
    attempt: login_attempt::Model,
    code: Option<&str>,
) -> Response {
    let now = state.clock.now();
    let req = match auth_requests::live(&state.db, &attempt.request_id, now).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            super::record(state, &who, "request_expired", None, None).await;
            return super::pc_qrcode::expired_request();
        }
        Err(e) => return unavailable(e),
    };
    let back = format!("/login?request={}", req.id);
    let app = match state.catalog.get_application(req.application_id).await {
        Ok(app) => app,
        Err(e) => return unavailable(e),
    };
    who.client_id = Some(app.client_id.clone());
    let Some(code) = code else {
        super::record(state, &who, "cancelled", None, None).await;
        return outcome_page("cancelled", &back);
    };
    let code_hash = token_hash(code);
    let claimed = match attempt.code_hash.as_deref() {
        Some(_) => false,
        None => match logins::claim_attempt(&state.db, &attempt.id, &code_hash).await {
            Ok(c) => c,
            Err(e) => return unavailable(e),
        },
    };
    if !claimed {
        let current = match logins::attempt(&state.db, &attempt.id).await {
            Ok(a) => a,
            Err(e) => return unavailable(e),
        };
        if current.and_then(|a| a.code_hash).as_deref() == Some(code_hash.as_str()) {
            return replay(state, &attempt.id, &req, &back).await;
        }
        super::record(state, &who, "state_reused", None, None).await;
        return outcome_page("state_reused", &back);
    }
    let (outcome, user_id, detail) = run(state, &attempt, req.application_id, code).await;
    if let Err(e) =
        logins::finish_attempt(&state.db, &attempt.id, user_id.as_deref(), &outcome).await
    {
        return unavailable(e);
    }
    super::record(state, &who, &outcome, detail, user_id.as_deref()).await;
    match user_id {
        Some(user) => logged_in(state, &req, &user, attempt.source_id).await,
        None => outcome_page(&outcome, &back),
    }
}

/// Exchanges the code and resolves the person: (outcome, user, detail for the log).
async fn run(
    state: &AppState,
    attempt: &login_attempt::Model,
    application_id: i64,
    code: &str,
) -> (String, Option<String>, Option<String>) {
    let failed = |o: &str, d: Option<String>| (o.to_string(), None, d);
    let source = match state.catalog.get_source(attempt.source_id).await {
        Ok(s) => s,
        Err(e) => return failed("source_unavailable", Some(e.to_string())),
    };
    // Switched off or unlinked while the person was scanning: the login stops here.
    if !source.enabled || !source.applications.contains(&application_id) {
        return failed(
            "source_unavailable",
            Some("disabled or not enabled for the application".into()),
        );
    }
    let credentials = match state.catalog.source_for_login(&source.identifier).await {
        Ok(Some((_, Some(c)))) => c,
        Ok(_) => return failed("source_unavailable", Some("no credentials".into())),
        Err(e) => return failed("source_unavailable", Some(e.to_string())),
    };
    let sighting = match super::pc_qrcode::exchange(state, &credentials, code).await {
        Ok(s) => s,
        Err(WeChatError::SnapshotUser) => return failed("snapshot_user", None),
        Err(e) => {
            let detail = match e.errcode() {
                Some(c) => format!("errcode {c}: {e}"),
                None => e.to_string(),
            };
            return failed("wechat_error", Some(detail));
        }
    };
    match super::resolve(state, &sighting, &source).await {
        Ok((user_id, created)) => (
            "success".into(),
            Some(user_id),
            created.then(|| "new user".to_string()),
        ),
        Err((reason, detail)) => failed(reason, detail),
    }
}

/// A new single sign-on session and the code for the application.
async fn logged_in(
    state: &AppState,
    req: &auth_request::Model,
    user_id: &str,
    source_id: i64,
) -> Response {
    let now = state.clock.now();
    let cookie = match sso::start(state, user_id, source_id, now).await {
        Ok(c) => c,
        Err(e) => return unavailable(e),
    };
    complete(state, req, user_id, now, Some(cookie)).await
}

/// The same callback again: waits for the first one's outcome and ends the same way.
async fn replay(state: &AppState, id: &str, req: &auth_request::Model, back: &str) -> Response {
    let deadline = tokio::time::Instant::now() + REPLAY_WAIT;
    loop {
        let attempt = match logins::attempt(&state.db, id).await {
            Ok(Some(a)) => a,
            Ok(None) => return super::pc_qrcode::expired_request(),
            Err(e) => return unavailable(e),
        };
        match (attempt.outcome.as_deref(), attempt.user_id.as_deref()) {
            (Some("success"), Some(user)) => {
                return logged_in(state, req, user, attempt.source_id).await;
            }
            (Some(outcome), _) => return outcome_page(outcome, back),
            (None, _) if tokio::time::Instant::now() >= deadline => {
                return problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "This login is still being completed. Refresh the page in a moment.",
                    "登录仍在处理中，请稍后刷新页面。",
                    None,
                );
            }
            (None, _) => tokio::time::sleep(REPLAY_STEP).await,
        }
    }
}
