//! The phone: the WeChat app in the user's hand. Every action is a JSON endpoint under
//! `phone/api/` (so tests and benchmarks walk logins without a browser); the `phone` page is a
//! mobile-sized front for the same endpoints.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

use super::entities::persona;
use super::live::{CodeGrant, Live, SHORT_CODE_LIFETIME, WEBSITE_CODE_LIFETIME};
use super::open::{answer_qr, authorize_answers, check_authorize, issue_code, scan_qr};
use super::world::AppKind;
use super::{MOUNT, SharedSandbox, ids, origin};
use crate::web::ApiError;

pub fn router() -> Router<SharedSandbox> {
    Router::new()
        .route("/phone", get(super::pages::phone))
        .route("/phone/mp", get(mini_program_code_page))
        .route(
            "/phone/api/personas",
            get(list_personas).post(create_persona),
        )
        .route("/phone/api/scan", post(scan))
        .route("/phone/api/confirm", post(confirm))
        .route("/phone/api/deny", post(deny))
        .route("/phone/api/authorize", post(authorize))
        .route("/phone/api/wx_login", post(wx_login))
        .route("/phone/api/phone_code", post(phone_code))
        .route("/phone/api/mp_login", post(mp_login))
        .route("/phone/api/mp_scan", post(mp_scan))
        .route("/phone/api/mp_cancel", post(mp_cancel))
        .route("/phone/api/app_auth", post(app_auth))
        .route("/phone/api/encrypted_phone", post(encrypted_phone))
}

pub(super) fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    crate::web::json_body(body, "invalid_request")
}

pub(super) fn db_error() -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "sandbox_error",
        "the sandbox could not read or write its tables",
    )
}

fn refused(code: &'static str, message: &str) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, code, message)
}

#[derive(Serialize)]
pub struct PersonaView {
    pub id: i64,
    pub nickname: String,
    pub country_code: String,
    pub phone: String,
    pub snapshot: bool,
    pub blocked: bool,
}

impl From<persona::Model> for PersonaView {
    fn from(p: persona::Model) -> PersonaView {
        PersonaView {
            id: p.id,
            nickname: p.nickname,
            country_code: p.country_code,
            phone: p.phone,
            snapshot: p.snapshot,
            blocked: p.blocked,
        }
    }
}

async fn list_personas(State(sb): State<SharedSandbox>) -> Result<Response, ApiError> {
    let all = sb.world.personas().await.map_err(|_| db_error())?;
    let views: Vec<PersonaView> = all.into_iter().map(PersonaView::from).collect();
    Ok(Json(json!({ "personas": views })).into_response())
}

#[derive(Deserialize)]
struct NewPersona {
    nickname: String,
    #[serde(default)]
    country_code: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

async fn create_persona(
    State(sb): State<SharedSandbox>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let new: NewPersona = parse(&body)?;
    let nickname = new.nickname.trim();
    let invalid = |m: &str| ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", m);
    if nickname.is_empty() || nickname.chars().count() > 32 {
        return Err(invalid("nickname must be 1 to 32 characters"));
    }
    let country = new.country_code.unwrap_or_else(|| "86".into());
    let country = country.trim().trim_start_matches('+');
    if country.is_empty() || country.len() > 4 || !country.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("country_code must be 1 to 4 digits, like 86"));
    }
    let phone = match new.phone.map(|p| p.trim().to_string()) {
        Some(p) if !p.is_empty() => p,
        // A plausible mainland mobile number.
        _ => format!("138{:08}", rand::random::<u32>() % 100_000_000),
    };
    if !(5..=15).contains(&phone.len()) || !phone.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(
            "phone must be 5 to 15 digits, without the country code",
        ));
    }
    let created = sb
        .world
        .create_persona(nickname, country, &phone, sb.now())
        .await
        .map_err(|_| db_error())?;
    Ok((StatusCode::CREATED, Json(PersonaView::from(created))).into_response())
}

pub(super) async fn the_persona(sb: &SharedSandbox, id: i64) -> Result<persona::Model, ApiError> {
    sb.world
        .persona(id)
        .await
        .map_err(|_| db_error())?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "persona_not_found",
                "no persona has this id",
            )
        })
}

#[derive(Deserialize)]
struct ScanRequest {
    persona_id: i64,
    url: String,
}

/// Opens a scanned URL: a QR login, an in-WeChat authorize page or a mini-program code.
async fn scan(State(sb): State<SharedSandbox>, body: Bytes) -> Result<Response, ApiError> {
    let req: ScanRequest = parse(&body)?;
    let persona = the_persona(&sb, req.persona_id).await?;
    let unknown = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "unknown_url",
            "this URL is not a WeChat login QR code, authorization page or mini-program code of this sandbox",
        )
    };
    let url = url::Url::parse(req.url.trim()).map_err(|_| unknown())?;
    // Only web addresses: a `javascript:` URL whose text happens to end like one of ours must
    // never reach the page that navigates to it.
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(unknown());
    }
    let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let path = url.path();
    if path.ends_with("/open/connect/confirm") {
        let uuid = query.get("uuid").cloned().unwrap_or_default();
        let appid = scan_qr(&sb, &uuid, persona.id).map_err(|code| {
            refused(
                code,
                "this QR code has expired or was already used; reload the login page",
            )
        })?;
        let app = sb.world.app(&appid).await.map_err(|_| db_error())?;
        return Ok(Json(json!({
            "kind": "qrconnect",
            "uuid": uuid,
            "appid": appid,
            "app_name": app.map(|a| a.name).unwrap_or_default(),
        }))
        .into_response());
    }
    if path.ends_with("/open/connect/oauth2/authorize") {
        let checked = check_authorize(&sb, url.query().unwrap_or(""))
            .await
            .map_err(|(code, text)| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "authorize_refused",
                    format!(
                        "{}{text}",
                        code.map(|c| format!("{c} ")).unwrap_or_default()
                    ),
                )
            })?;
        return Ok(Json(json!({
            "kind": "authorize",
            "appid": checked.appid,
            "app_name": checked.app_name,
            "scope": checked.scope,
        }))
        .into_response());
    }
    if path.ends_with("/phone/mp") {
        return Ok(Json(json!({
            "kind": "mini_program",
            "appid": query.get("appid"),
            "scene": query.get("scene"),
            "page": query.get("page"),
            "env_version": query.get("env_version"),
        }))
        .into_response());
    }
    Err(unknown())
}

#[derive(Deserialize)]
struct QrAnswer {
    persona_id: i64,
    uuid: String,
}

async fn confirm(State(sb): State<SharedSandbox>, body: Bytes) -> Result<Response, ApiError> {
    let req: QrAnswer = parse(&body)?;
    the_persona(&sb, req.persona_id).await?;
    answer_qr(&sb, &req.uuid, req.persona_id, true)
        .map_err(|code| refused(code, "scan the QR code first, before it expires"))?;
    Ok(Json(json!({ "confirmed": true })).into_response())
}

async fn deny(State(sb): State<SharedSandbox>, body: Bytes) -> Result<Response, ApiError> {
    let req: QrAnswer = parse(&body)?;
    the_persona(&sb, req.persona_id).await?;
    answer_qr(&sb, &req.uuid, req.persona_id, false)
        .map_err(|code| refused(code, "scan the QR code first, before it expires"))?;
    Ok(Json(json!({ "denied": true })).into_response())
}

#[derive(Deserialize)]
struct AuthorizeAnswer {
    persona_id: i64,
    url: String,
    #[serde(default = "yes")]
    allow: bool,
}

fn yes() -> bool {
    true
}

/// Answers an in-WeChat authorize URL as the persona; returns where WeChat would redirect.
async fn authorize(State(sb): State<SharedSandbox>, body: Bytes) -> Result<Response, ApiError> {
    let req: AuthorizeAnswer = parse(&body)?;
    let persona = the_persona(&sb, req.persona_id).await?;
    let query = url::Url::parse(req.url.trim())
        .ok()
        .and_then(|u| u.query().map(str::to_string))
        .unwrap_or_default();
    let checked = check_authorize(&sb, &query).await.map_err(|(code, text)| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "authorize_refused",
            format!(
                "{}{text}",
                code.map(|c| format!("{c} ")).unwrap_or_default()
            ),
        )
    })?;
    // snsapi_base is silent: there is nothing to deny.
    let allow = req.allow || checked.scope == "snsapi_base";
    let redirects = authorize_answers(&sb, &checked, persona.id, allow);
    Ok(Json(json!({ "redirect": redirects.first(), "redirects": redirects })).into_response())
}

#[derive(Deserialize)]
struct MiniProgramAction {
    persona_id: i64,
    appid: String,
}

pub(super) fn check_appid(appid: &str) -> Result<(), ApiError> {
    if ids::is_appid(appid) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_appid",
            "an AppID is wx followed by 16 lowercase hex digits",
        ))
    }
}

/// Issues a short-lived code of `kind` for the persona in a mini program.
async fn issue_mini_program_code(
    sb: &SharedSandbox,
    body: &Bytes,
    phone: bool,
) -> Result<Response, ApiError> {
    let req: MiniProgramAction = parse(body)?;
    check_appid(&req.appid)?;
    the_persona(sb, req.persona_id).await?;
    let code = mini_program_code(sb, &req.appid, req.persona_id, phone).await?;
    Ok(Json(json!({ "code": code })).into_response())
}

/// A `wx.login` code (or, with `phone`, a phone code) for the persona in a mini program.
async fn mini_program_code(
    sb: &SharedSandbox,
    appid: &str,
    persona: i64,
    phone: bool,
) -> Result<String, ApiError> {
    let now = sb.now();
    sb.world
        .ensure_app(appid, AppKind::MiniProgram, now)
        .await
        .map_err(|_| db_error())?;
    let code = if phone {
        ids::phone_code()
    } else {
        ids::login_code()
    };
    let grant = CodeGrant::new(appid, persona, "", now, SHORT_CODE_LIFETIME);
    {
        let mut live = sb.live();
        let map = if phone {
            &mut live.phone_codes
        } else {
            &mut live.js_codes
        };
        Live::issue(map, grant, code.clone());
        live.sweep(now);
    }
    Ok(code)
}

#[derive(Deserialize)]
struct MiniProgramLogin {
    persona_id: i64,
    appid: String,
    #[serde(default)]
    scene: Option<String>,
    /// Also press the phone-number button.
    #[serde(default)]
    phone: bool,
}

/// `{server_url}/{scene}/{action}`, the scene as one path segment.
fn backend_url(server_url: &str, scene: &str, action: &str) -> Option<String> {
    let mut url = url::Url::parse(server_url).ok()?;
    url.path_segments_mut()
        .ok()?
        .pop_if_empty()
        .push(scene)
        .push(action);
    Some(url.to_string())
}

/// What the mini program's page does, as its code would: POST `body` to
/// `{server_url}/{scene}/{action}` and report the backend's status and answer (`posted_to` is
/// null when the sandbox console set no `server_url` for this mini program).
async fn call_backend(
    sb: &SharedSandbox,
    appid: &str,
    scene: &str,
    action: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, ApiError> {
    let server_url = sb
        .world
        .app(appid)
        .await
        .map_err(|_| db_error())?
        .and_then(|a| a.server_url);
    let Some(target) = server_url.and_then(|u| backend_url(&u, scene, action)) else {
        return Ok(json!({ "posted_to": null }));
    };
    let answer = sb.http.post(&target).json(&body).send().await;
    let (status, response) = match answer {
        Ok(r) => {
            let status = r.status().as_u16();
            let text = r.text().await.unwrap_or_default();
            let body = serde_json::from_str::<serde_json::Value>(&text).unwrap_or(json!(text));
            (json!(status), body)
        }
        Err(e) => (json!(null), json!(e.without_url().to_string())),
    };
    Ok(json!({ "posted_to": target, "status": status, "response": response }))
}

async fn mp_begin(
    sb: &SharedSandbox,
    body: &Bytes,
) -> Result<(MiniProgramLogin, String), ApiError> {
    let req: MiniProgramLogin = parse(body)?;
    check_appid(&req.appid)?;
    the_persona(sb, req.persona_id).await?;
    let scene = req.scene.clone().unwrap_or_default();
    Ok((req, scene))
}

/// The mini program's login page opening from a scanned code: it reports the scan to its
/// backend (`POST {server_url}/{scene}/scan`).
async fn mp_scan(State(sb): State<SharedSandbox>, body: Bytes) -> Result<Response, ApiError> {
    let (req, scene) = mp_begin(&sb, &body).await?;
    let answer = call_backend(&sb, &req.appid, &scene, "scan", json!({})).await?;
    Ok(Json(answer).into_response())
}

/// The person taps "log in" (with `phone`: the phone-number button): `wx.login()`, the phone
/// code, then `POST {server_url}/{scene}/confirm` with `{code, phone_code}`. Returns the codes
/// and the backend's answer.
async fn mp_login(State(sb): State<SharedSandbox>, body: Bytes) -> Result<Response, ApiError> {
    let (req, scene) = mp_begin(&sb, &body).await?;
    let js_code = mini_program_code(&sb, &req.appid, req.persona_id, false).await?;
    let phone_code = if req.phone {
        Some(mini_program_code(&sb, &req.appid, req.persona_id, true).await?)
    } else {
        None
    };
    let payload = json!({ "code": js_code, "phone_code": phone_code });
    let mut answer = call_backend(&sb, &req.appid, &scene, "confirm", payload).await?;
    answer["js_code"] = json!(js_code);
    answer["phone_code"] = json!(phone_code);
    Ok(Json(answer).into_response())
}

/// The person taps "cancel": `POST {server_url}/{scene}/cancel`.
async fn mp_cancel(State(sb): State<SharedSandbox>, body: Bytes) -> Result<Response, ApiError> {
    let (req, scene) = mp_begin(&sb, &body).await?;
    let answer = call_backend(&sb, &req.appid, &scene, "cancel", json!({})).await?;
    Ok(Json(answer).into_response())
}

/// `wx.login()` inside the mini program: a js_code.
async fn wx_login(State(sb): State<SharedSandbox>, body: Bytes) -> Result<Response, ApiError> {
    issue_mini_program_code(&sb, &body, false).await
}

/// The phone-number button (`open-type="getPhoneNumber"`): a phone code.
async fn phone_code(State(sb): State<SharedSandbox>, body: Bytes) -> Result<Response, ApiError> {
    issue_mini_program_code(&sb, &body, true).await
}

/// The legacy phone-number button (§4.4): `encryptedData` + `iv` under the persona's current
/// session_key, with a watermark naming the mini program (`watermark_appid` overrides it, to
/// play data made for another app).
async fn encrypted_phone(
    State(sb): State<SharedSandbox>,
    body: Bytes,
) -> Result<Response, ApiError> {
    #[derive(Deserialize)]
    struct Req {
        persona_id: i64,
        appid: String,
        #[serde(default)]
        watermark_appid: Option<String>,
    }
    let req: Req = parse(&body)?;
    check_appid(&req.appid)?;
    let persona = the_persona(&sb, req.persona_id).await?;
    let key_b64 = sb
        .live()
        .session_keys
        .entry((req.appid.clone(), persona.id))
        .or_insert_with(ids::session_key)
        .clone();
    let key: [u8; 16] =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &key_b64)
            .ok()
            .and_then(|k| k.try_into().ok())
            .ok_or_else(db_error)?;
    let iv: [u8; 16] = rand::random();
    let plain = json!({
        "phoneNumber": super::world::phone_number(&persona),
        "purePhoneNumber": persona.phone,
        "countryCode": persona.country_code,
        "watermark": {"appid": req.watermark_appid.unwrap_or(req.appid), "timestamp": sb.now().timestamp()},
    });
    let data = crate::wechat::decrypt::encrypt(&key, &iv, plain.to_string().as_bytes());
    Ok(Json(json!({
        "encryptedData": data,
        "iv": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, iv),
    }))
    .into_response())
}

#[derive(Deserialize)]
struct AppAuth {
    persona_id: i64,
    appid: String,
    #[serde(default)]
    state: Option<String>,
    #[serde(default = "yes")]
    allow: bool,
}

/// The mobile app `appid` (registered on first use); an AppID of another kind is refused.
pub(super) async fn mobile_app(
    sb: &SharedSandbox,
    appid: &str,
) -> Result<super::entities::app::Model, ApiError> {
    let app = sb
        .world
        .ensure_app(appid, AppKind::MobileApp, sb.now())
        .await
        .map_err(|_| db_error())?;
    if AppKind::parse(&app.kind) != AppKind::MobileApp {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "not_a_mobile_app",
            "this AppID is not a mobile app",
        ));
    }
    Ok(app)
}

/// A mobile app's `SendAuth.Req` (§7): the WeChat app answers with `errCode` and a code.
async fn app_auth(State(sb): State<SharedSandbox>, body: Bytes) -> Result<Response, ApiError> {
    let req: AppAuth = parse(&body)?;
    check_appid(&req.appid)?;
    the_persona(&sb, req.persona_id).await?;
    if req.state.as_ref().is_some_and(|s| s.len() > 1024) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "state is limited to 1 KB",
        ));
    }
    mobile_app(&sb, &req.appid).await?;
    if !req.allow {
        return Ok(Json(json!({ "err_code": -4, "state": req.state })).into_response());
    }
    let code = issue_code(
        &sb,
        &req.appid,
        req.persona_id,
        "snsapi_userinfo",
        WEBSITE_CODE_LIFETIME,
    );
    Ok(Json(json!({ "err_code": 0, "code": code, "state": req.state })).into_response())
}

/// The content of a mini-program code opened in a browser: hand it to the phone.
async fn mini_program_code_page(
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let mut here = format!("{}{MOUNT}/phone/mp?", origin(&headers));
    here.push_str(
        &form_urlencoded::Serializer::new(String::new())
            .extend_pairs(q.iter())
            .finish(),
    );
    let link = format!(
        "{MOUNT}/phone?{}",
        form_urlencoded::Serializer::new(String::new())
            .append_pair("scan", &here)
            .finish()
    );
    Redirect::to(&link).into_response()
}
