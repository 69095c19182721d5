//! Single sign-on: after a login the browser holds a session cookie, so the next application
//! (or the same one again) gets its code without another scan, unless it asks `prompt=login`.

use app::cookies;
use app::model::ApplicationView;
use axum::http::HeaderMap;
use chrono::{DateTime, Duration, Utc};
use sea_orm::Set;

use crate::crypto::token::{random_token, token_hash};
use crate::state::AppState;
use crate::store::entities::sso_session;
use crate::store::{StoreError, logins};

pub const SSO_COOKIE: &str = "datong_sso";

/// How long a single sign-on session lasts.
pub fn ttl() -> Duration {
    Duration::days(7)
}

/// A new session for `user_id`, who logged in through `source_id`; returns the `Set-Cookie`
/// value.
pub async fn start(
    state: &AppState,
    user_id: &str,
    source_id: i64,
    auth_time: DateTime<Utc>,
) -> Result<String, StoreError> {
    let token = random_token();
    logins::insert_sso(
        &state.db,
        sso_session::ActiveModel {
            id: Set(token_hash(&token)),
            user_id: Set(user_id.to_string()),
            source_id: Set(Some(source_id)),
            auth_time: Set(auth_time),
            expires_at: Set(auth_time + ttl()),
            revoked_at: Set(None),
        },
    )
    .await?;
    Ok(cookies::set(
        SSO_COOKIE,
        &token,
        ttl().num_seconds(),
        true,
        super::secure_cookies(state),
    ))
}

/// The browser's live session, if it has one.
pub async fn current(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<sso_session::Model>, StoreError> {
    let Some(token) = cookies::get(headers, SSO_COOKIE) else {
        return Ok(None);
    };
    logins::live_sso(&state.db, &token_hash(&token), state.clock.now()).await
}

/// Ends the browser's session; returns the `Set-Cookie` value that deletes the cookie.
pub async fn end(state: &AppState, headers: &HeaderMap) -> Result<String, StoreError> {
    if let Some(token) = cookies::get(headers, SSO_COOKIE) {
        logins::revoke_sso(&state.db, &token_hash(&token), state.clock.now()).await?;
    }
    Ok(cookies::set(
        SSO_COOKIE,
        "",
        0,
        true,
        super::secure_cookies(state),
    ))
}

/// The browser's session, if `app` may reuse it: not older than `max_age` seconds, and begun
/// with an identity source that is enabled and enabled for `app`. Storage trouble means a
/// fresh login, not an error.
pub async fn reusable(
    state: &AppState,
    headers: &HeaderMap,
    app: &ApplicationView,
    max_age: Option<i64>,
) -> Option<sso_session::Model> {
    let session = match current(state, headers).await {
        Ok(s) => s?,
        Err(e) => {
            tracing::error!(error = %e, "single sign-on: cannot read the session");
            return None;
        }
    };
    let now = state.clock.now();
    if max_age.is_some_and(|m| (now - session.auth_time).num_seconds() > m) {
        return None;
    }
    let source = state.catalog.get_source(session.source_id?).await.ok()?;
    if !(source.enabled && app.sources.contains(&source.id)) {
        return None;
    }
    // Blocking ends the user's sessions; one begun in the moment before the block is refused here.
    let user = crate::store::identities::user(&state.db, &session.user_id)
        .await
        .ok()??;
    user.blocked_at.is_none().then_some(session)
}
