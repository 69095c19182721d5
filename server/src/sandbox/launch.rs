//! An app on the phone launches a mini program, and the mini program's `launchApp` button goes
//! back (wire-protocol reference §8): `WXLaunchMiniProgram` names the mini program by its
//! original id (`gh_…`), which the sandbox derives from the AppID ([`original_id`]); the two
//! must share an open-platform account; the page opens with scene 1069, and only from a scene
//! that keeps the way back does the button hand its `app-parameter` to the app as `extMsg`.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::json;

use super::SharedSandbox;
use super::phone::{check_appid, db_error, mobile_app, parse, the_persona};
use super::world::AppKind;
use crate::web::ApiError;

/// The scene a mini program launched by an app opens with.
pub const FROM_APP: u32 = 1069;
/// Scenes from which `launchApp` works.
const BACK_SCENES: [u32; 7] = [1069, 1038, 1089, 1090, 1001, 1131, 1187];

/// The sandbox's original id of a mini program: `gh_` and the first 12 hex digits of its AppID.
pub fn original_id(appid: &str) -> String {
    format!("gh_{}", appid.get(2..14).unwrap_or("000000000000"))
}

pub fn router() -> Router<SharedSandbox> {
    Router::new()
        .route("/phone/api/launch_mini_program", post(launch_mini_program))
        .route("/phone/api/launch_app", post(launch_app))
}

fn refused(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

#[derive(Deserialize)]
struct Launch {
    persona_id: i64,
    /// The mobile app that launches.
    appid: String,
    user_name: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    miniprogram_type: u8,
}

/// `WXLaunchMiniProgram.Req`: the mini program and the page it opens, with scene 1069.
async fn launch_mini_program(
    State(sb): State<SharedSandbox>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: Launch = parse(&body)?;
    check_appid(&req.appid)?;
    the_persona(&sb, req.persona_id).await?;
    let app = mobile_app(&sb, &req.appid).await?;
    if req.miniprogram_type > 2 {
        return Err(refused(
            "invalid_miniprogram_type",
            "miniprogramType is 0 (release), 1 (test) or 2 (preview)",
        ));
    }
    let apps = sb.world.apps().await.map_err(|_| db_error())?;
    let Some(mini) = apps.iter().find(|a| {
        AppKind::parse(&a.kind) == AppKind::MiniProgram && original_id(&a.appid) == req.user_name
    }) else {
        return Err(refused(
            "invalid_username",
            "no mini program has this original id",
        ));
    };
    if app.account_id.is_none() || mini.account_id != app.account_id {
        return Err(refused(
            "not_associated",
            "the mobile app and the mini program are not under one open-platform account",
        ));
    }
    let (page, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    let query: serde_json::Map<String, serde_json::Value> =
        form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), json!(v)))
            .collect();
    let env_version = ["release", "develop", "trial"][usize::from(req.miniprogram_type)];
    Ok(Json(json!({
        "appid": mini.appid,
        "page": page,
        "query": query,
        "scene": FROM_APP,
        "env_version": env_version,
    }))
    .into_response())
}

#[derive(Deserialize)]
struct LaunchApp {
    scene: u32,
    #[serde(default)]
    app_parameter: String,
}

/// The mini program's `<button open-type="launchApp">`, tapped: the app gets `extMsg`.
async fn launch_app(State(_): State<SharedSandbox>, body: Bytes) -> Result<Response, ApiError> {
    let req: LaunchApp = parse(&body)?;
    if !BACK_SCENES.contains(&req.scene) {
        return Err(refused("invalid_scene", "launchApp:fail invalid scene"));
    }
    Ok(Json(json!({ "errMsg": "launchApp:ok", "extMsg": req.app_parameter })).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn original_ids_come_from_the_appid() {
        assert_eq!(super::original_id("wx3000000000000003"), "gh_300000000000");
        assert_eq!(super::original_id("wx"), "gh_000000000000");
    }
}
