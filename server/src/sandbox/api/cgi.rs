//! `cgi-bin/token` and `cgi-bin/stable_token` (§5): server access tokens, their rotation with a
//! five-minute grace, the stable token's shared value, and quotas.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;

use super::{Params, credentials};
use crate::sandbox::live::{Live, ServerToken, TOKEN_LIFETIME};
use crate::sandbox::reply::{Family, json_body};
use crate::sandbox::world::AppKind;
use crate::sandbox::{SharedSandbox, ids};

const FAMILY: Family = Family::Cgi;
const CLASSIC_PER_DAY: u32 = 2000;
const STABLE_PER_DAY: u32 = 500_000;
const FORCED_PER_DAY: usize = 20;
const FORCED_SPACING: Duration = Duration::seconds(30);
/// The platform replaces a stable token this long before it expires.
const STABLE_ROTATE_BEFORE: Duration = Duration::minutes(5);

macro_rules! fail {
    ($sb:expr, $code:expr) => {
        return $sb.fail($code, FAMILY)
    };
}

#[derive(Serialize)]
struct TokenBody {
    access_token: String,
    expires_in: i64,
}

fn mint(live: &mut Live, appid: &str, now: DateTime<Utc>) -> String {
    let token = ids::token(92, 120);
    live.server_tokens.insert(
        token.clone(),
        ServerToken {
            appid: appid.to_string(),
            expires: now + TOKEN_LIFETIME,
            superseded: None,
        },
    );
    *live.token_issues.entry(appid.to_string()).or_insert(0) += 1;
    live.sweep(now);
    token
}

pub async fn token(
    State(sb): State<SharedSandbox>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(code) = sb.knobs("cgi-bin/token").await {
        fail!(sb, code);
    }
    let q = Params::new(q);
    let now = sb.now();
    // The appid is checked before anything else, even a missing grant_type (observed).
    let app = match credentials(&sb, q.get("appid"), q.get("secret"), AppKind::Unknown).await {
        Ok(app) => app,
        Err(code) => fail!(sb, code),
    };
    if q.get("grant_type") != "client_credential" {
        fail!(sb, 40002);
    }
    let token = {
        let mut live = sb.live();
        *live.token_calls.entry(app.appid.clone()).or_insert(0) += 1;
        if !live.take_daily(&app.appid, "cgi-bin/token", CLASSIC_PER_DAY, now) {
            drop(live);
            fail!(sb, 45009);
        }
        // Each call supersedes the previous classic token.
        if let Some(old) = live.classic_latest.get(&app.appid).cloned()
            && let Some(t) = live.server_tokens.get_mut(&old)
        {
            t.superseded = Some(now);
        }
        let token = mint(&mut live, &app.appid, now);
        live.classic_latest.insert(app.appid.clone(), token.clone());
        token
    };
    json_body(
        &TokenBody {
            access_token: token,
            expires_in: TOKEN_LIFETIME.num_seconds(),
        },
        FAMILY,
        sb.dress(),
    )
}

fn text(body: &Value, key: &str) -> String {
    body.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

pub async fn stable_token(
    State(sb): State<SharedSandbox>,
    method: Method,
    body: Bytes,
) -> Response {
    if let Some(code) = sb.knobs("cgi-bin/stable_token").await {
        fail!(sb, code);
    }
    if method != Method::POST {
        fail!(sb, 43002);
    }
    // POST and JSON only (§5.2).
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        fail!(sb, 43002);
    };
    let now = sb.now();
    let secret = text(&body, "secret");
    let app = match credentials(&sb, &text(&body, "appid"), &secret, AppKind::Unknown).await {
        Ok(app) => app,
        Err(code) => fail!(sb, code),
    };
    if text(&body, "grant_type") != "client_credential" {
        fail!(sb, 40002);
    }
    let force = body
        .get("force_refresh")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let answer = {
        let mut live = sb.live();
        *live.token_calls.entry(app.appid.clone()).or_insert(0) += 1;
        if !live.take_daily(&app.appid, "cgi-bin/stable_token", STABLE_PER_DAY, now) {
            Err(45009)
        } else if force {
            let forced = live.stable_forced.entry(app.appid.clone()).or_default();
            forced.retain(|at| at.date_naive() == now.date_naive());
            if forced.len() >= FORCED_PER_DAY {
                Err(45009)
            } else if forced
                .last()
                .is_some_and(|last| now < *last + FORCED_SPACING)
            {
                Err(45011)
            } else {
                forced.push(now);
                // Force mode voids the previous stable token at once.
                if let Some(old) = live.stable_latest.get(&app.appid).cloned() {
                    live.server_tokens.remove(&old);
                }
                let token = mint(&mut live, &app.appid, now);
                live.stable_latest.insert(app.appid.clone(), token.clone());
                Ok((token, TOKEN_LIFETIME.num_seconds()))
            }
        } else {
            let current = live
                .stable_latest
                .get(&app.appid)
                .and_then(|t| live.server_tokens.get(t).map(|s| (t.clone(), s.expires)));
            match current {
                // Normal mode: everyone gets the same token and its remaining lifetime.
                Some((token, expires)) if now < expires - STABLE_ROTATE_BEFORE => {
                    Ok((token, (expires - now).num_seconds()))
                }
                _ => {
                    let token = mint(&mut live, &app.appid, now);
                    live.stable_latest.insert(app.appid.clone(), token.clone());
                    Ok((token, TOKEN_LIFETIME.num_seconds()))
                }
            }
        }
    };
    match answer {
        Ok((access_token, expires_in)) => json_body(
            &TokenBody {
                access_token,
                expires_in,
            },
            FAMILY,
            sb.dress(),
        ),
        Err(code) => sb.fail(code, FAMILY),
    }
}
