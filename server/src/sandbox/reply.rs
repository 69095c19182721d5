//! How the sandbox answers, byte for byte like WeChat (protocol §1, §10, §11 rows 1–3): always
//! HTTP 200; errors as `{"errcode":N,"errmsg":"<text><rid suffix>"}`; `sns/*` JSON served as
//! `text/plain` (switchable), `cgi-bin/*` and `wxa/*` as `application/json`; slashes escaped.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ids;

/// The API family of an endpoint: it decides the rid format and the Content-Type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// `sns/*`: `<msg>, rid: <rid>`, `text/plain` by default.
    Sns,
    /// `cgi-bin/*` and `wxa/*`: `<msg> rid: <rid>`, `application/json`.
    Cgi,
}

/// The documented English text of an errcode (§10).
pub fn errmsg(code: i64, family: Family) -> &'static str {
    match code {
        -1 => "system error",
        40001 if family == Family::Sns => {
            "invalid credential, access_token is invalid or not latest"
        }
        40001 => {
            "invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r"
        }
        40002 => "invalid grant_type",
        40003 => "invalid openid",
        40013 => "invalid appid",
        40014 => "invalid access_token",
        40029 => "invalid code",
        40030 => "invalid refresh_token",
        40097 => "invalid args",
        40125 => "invalid appsecret",
        40129 => "invalid scene",
        40159 => "invalid length for path, or the data is not json string",
        40163 => "code been used",
        40164 => "invalid ip, not in whitelist",
        40169 => "invalid length for scene, or the data is not json string",
        40226 => "code blocked",
        40243 => "appsecret frozen",
        41001 => "access_token missing",
        41002 => "appid missing",
        41003 => "refresh_token missing",
        41004 => "appsecret missing",
        41008 => "missing code",
        41009 => "missing openid",
        41030 => "invalid page",
        42001 => "access_token expired",
        42002 => "refresh_token expired",
        42003 => "code expired",
        42007 => "access_token and refresh_token exception",
        43001 => "require GET method",
        43002 => "require POST method",
        43003 => "require https",
        45009 => "reach max api daily quota limit",
        45011 => "api minute-quota reach limit mustslower retry next minute",
        45029 => "qrcode count out of limit",
        47001 => "data format error",
        48001 => "api unauthorized",
        48004 => "api forbidden for irregularities, view detail on mp.weixin.qq.com",
        50001 => "user unauthorized",
        50002 => "user limited",
        85096 => "not allow include scancode_time field",
        89503 => "this IP calls require administrator confirmation",
        89506 => "this IP is refused by the administrator, try again in 24 hours",
        89507 => "this IP is refused by the administrator, try again in 1 hour",
        _ => "system error",
    }
}

/// The errmsg with the request-id suffix of its family.
pub fn errmsg_with_rid(code: i64, family: Family, now: DateTime<Utc>) -> String {
    let text = errmsg(code, family);
    let rid = ids::rid(now);
    match family {
        Family::Sns => format!("{text}, rid: {rid}"),
        Family::Cgi => format!("{text} rid: {rid}"),
    }
}

/// How JSON bodies are dressed; the fault knobs change it.
#[derive(Clone, Copy, Debug)]
pub struct Dress {
    /// Serve `sns/*` JSON as `text/plain` (WeChat's historical behaviour).
    pub sns_text_plain: bool,
    /// Send errcode as a string (`"errcode":"40029"`), as one OP page shows.
    pub string_errcode: bool,
}

impl Default for Dress {
    fn default() -> Dress {
        Dress {
            sns_text_plain: true,
            string_errcode: false,
        }
    }
}

/// A JSON body with WeChat's escaped slashes and the family's Content-Type.
pub fn json_body<T: Serialize>(value: &T, family: Family, dress: Dress) -> Response {
    let text = match serde_json::to_string(value) {
        // A `/` only ever occurs inside JSON strings, where `\/` is a valid escape.
        Ok(text) => text.replace('/', "\\/"),
        Err(_) => return (StatusCode::INTERNAL_SERVER_ERROR, "serialization").into_response(),
    };
    let content_type = match family {
        Family::Sns if dress.sns_text_plain => "text/plain",
        _ => "application/json; encoding=utf-8",
    };
    let mut response = (StatusCode::OK, text).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// An error answer for `code`.
pub fn error(code: i64, family: Family, dress: Dress, now: DateTime<Utc>) -> Response {
    let errmsg = errmsg_with_rid(code, family, now);
    if dress.string_errcode {
        json_body(
            &serde_json::json!({"errcode": code.to_string(), "errmsg": errmsg}),
            family,
            dress,
        )
    } else {
        json_body(
            &serde_json::json!({"errcode": code, "errmsg": errmsg}),
            family,
            dress,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rid_suffix_depends_on_the_family() {
        let now = Utc::now();
        let sns = errmsg_with_rid(40029, Family::Sns, now);
        assert!(sns.starts_with("invalid code, rid: "), "{sns}");
        let cgi = errmsg_with_rid(40013, Family::Cgi, now);
        assert!(cgi.starts_with("invalid appid rid: "), "{cgi}");
        let long = errmsg_with_rid(40001, Family::Cgi, now);
        assert!(long.contains("getStableAccessToken"), "{long}");
        let short = errmsg_with_rid(40001, Family::Sns, now);
        assert!(!short.contains("getStableAccessToken"), "{short}");
    }
}
