//! `wxa/business/getuserphonenumber` (§4.5) and `wxa/getwxacodeunlimit` (§6.1).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use super::{Params, app_and_persona};
use crate::sandbox::image::{self, Format};
use crate::sandbox::reply::{Family, json_body};
use crate::sandbox::{SharedSandbox, mini_program_code_url, origin};

const FAMILY: Family = Family::Cgi;

macro_rules! fail {
    ($sb:expr, $code:expr) => {
        return $sb.fail($code, FAMILY)
    };
}

/// The common start of a `wxa` call: POST, a valid server token, a JSON body.
fn begin(
    sb: &SharedSandbox,
    method: &Method,
    q: &Params,
    body: &Bytes,
) -> Result<(String, Value), i64> {
    if method != Method::POST {
        return Err(43002);
    }
    let appid = sb
        .live()
        .server_token_appid(q.get("access_token"), sb.now())?;
    let body = serde_json::from_slice::<Value>(body).map_err(|_| 47001)?;
    if !body.is_object() {
        return Err(47001);
    }
    Ok((appid, body))
}

#[derive(Serialize)]
struct Watermark {
    timestamp: i64,
    appid: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhoneInfo {
    phone_number: String,
    pure_phone_number: String,
    country_code: String,
    watermark: Watermark,
}

#[derive(Serialize)]
struct PhoneBody {
    errcode: i64,
    errmsg: &'static str,
    phone_info: PhoneInfo,
}

pub async fn get_user_phone_number(
    State(sb): State<SharedSandbox>,
    method: Method,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if let Some(code) = sb.knobs("wxa/business/getuserphonenumber").await {
        fail!(sb, code);
    }
    let q = Params::new(q);
    let (appid, body) = match begin(&sb, &method, &q, &body) {
        Ok(x) => x,
        Err(code) => fail!(sb, code),
    };
    let now = sb.now();
    let code = body.get("code").and_then(Value::as_str).unwrap_or_default();
    if code.is_empty() {
        fail!(sb, 41008);
    }
    let grant = {
        let mut live = sb.live();
        match live.phone_codes.get_mut(code) {
            None => Err(40029),
            // A code issued to another mini program.
            Some(g) if g.appid != appid => Err(40013),
            Some(g) if g.used || now > g.issued + g.lifetime => Err(40029),
            Some(g) => {
                g.used = true;
                Ok(g.clone())
            }
        }
    };
    let grant = match grant {
        Ok(g) => g,
        Err(code) => fail!(sb, code),
    };
    let (app, persona) = match app_and_persona(&sb, &appid, grant.persona, 40029).await {
        Ok(x) => x,
        Err(code) => fail!(sb, code),
    };
    // The optional openid must be the code's user.
    if let Some(openid) = body.get("openid").and_then(Value::as_str)
        && openid != sb.world.identity(&app, &persona).openid
    {
        fail!(sb, 40003);
    }
    let phone_number = crate::sandbox::world::phone_number(&persona);
    json_body(
        &PhoneBody {
            errcode: 0,
            errmsg: "ok",
            phone_info: PhoneInfo {
                phone_number,
                pure_phone_number: persona.phone.clone(),
                country_code: persona.country_code.clone(),
                watermark: Watermark {
                    timestamp: now.timestamp(),
                    appid,
                },
            },
        },
        FAMILY,
        sb.dress(),
    )
}

/// Characters a `scene` may hold (§6.1).
fn scene_char_ok(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$&'()*+,/:;=?@-._~".contains(c)
}

pub async fn get_wxacode_unlimit(
    State(sb): State<SharedSandbox>,
    method: Method,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    if let Some(code) = sb.knobs("wxa/getwxacodeunlimit").await {
        fail!(sb, code);
    }
    let q = Params::new(q);
    let (appid, body) = match begin(&sb, &method, &q, &body) {
        Ok(x) => x,
        Err(code) => fail!(sb, code),
    };
    if body.get("scancode_time").is_some() {
        fail!(sb, 85096);
    }
    let scene = body
        .get("scene")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if scene.is_empty() || scene.chars().count() > 32 {
        fail!(sb, 40169);
    }
    if !scene.chars().all(scene_char_ok) {
        fail!(sb, 40129);
    }
    let page = body.get("page").and_then(Value::as_str).unwrap_or_default();
    if page.starts_with('/') || page.contains('?') || page.len() > 1024 {
        fail!(sb, 41030);
    }
    let env = body
        .get("env_version")
        .and_then(Value::as_str)
        .unwrap_or("release");
    if !["release", "trial", "develop"].contains(&env) {
        fail!(sb, 40097);
    }
    let width = body
        .get("width")
        .and_then(Value::as_u64)
        .unwrap_or(430)
        .clamp(280, 1280);
    let hyaline = body
        .get("is_hyaline")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    // What the phone opens when it scans this code.
    let content = mini_program_code_url(&origin(&headers), &appid, scene, page, env);
    let format = if hyaline { Format::Png } else { Format::Jpeg };
    let Some(bytes) = image::qr_image(&content, width as u32, format) else {
        fail!(sb, -1);
    };
    let mut response = bytes.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(match format {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
        }),
    );
    response
}
