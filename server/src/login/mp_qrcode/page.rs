//! The page that shows a mini-program code and follows its ticket: it asks for a ticket, shows
//! the code (or WeChat's refusal with a retry button), says at each step what is happening,
//! offers a new code when one ends, falls back to polling when the event stream breaks, and on
//! `confirmed` submits the form that finishes the login.

use app::model::SourceView;
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;

use crate::http::escape_html as esc;

const SCRIPT: &str = include_str!("page.js");

/// The page for `source` within login request `request`.
pub fn page(request: &str, source: &SourceView, chinese: bool) -> Response {
    let config = json!({
        "request": request,
        "source": source.identifier,
        "zh": chinese,
    })
    .to_string()
    // Inside a script element, `</script>` must never appear.
    .replace('<', "\\u003c");
    let back = format!(
        "/login?request={}",
        form_urlencoded::byte_serialize(request.as_bytes()).collect::<String>()
    );
    let (lang, title, hint, back_text, phone_text) = if chinese {
        (
            "zh-CN",
            "微信扫码登录",
            "使用微信扫描小程序码，在手机上授权手机号即可登录。",
            "选择其他登录方式",
            "在沙箱手机中打开",
        )
    } else {
        (
            "en",
            "Log in with WeChat",
            "Scan the mini-program code with WeChat and allow your phone number on the phone.",
            "Choose another way",
            "Open in the sandbox phone",
        )
    };
    let body = format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"></head>\
<body style=\"font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem;text-align:center\" data-testid=\"mp-page\">\
<h1 style=\"font-size:1.3rem\">{title}</h1><p style=\"color:#555\">{display}</p><p style=\"color:#555;font-size:.9rem\">{hint}</p>\
<div style=\"min-height:280px;display:flex;align-items:center;justify-content:center\">\
<img data-testid=\"mp-code\" alt=\"\" width=\"280\" height=\"280\" hidden>\
<div data-testid=\"mp-error\" role=\"alert\" hidden><p data-testid=\"mp-error-text\" style=\"color:#b91c1c\"></p>\
<button type=\"button\" data-testid=\"mp-retry\"></button></div></div>\
<p data-testid=\"mp-status\" aria-live=\"polite\" data-status=\"\" style=\"font-weight:600\"></p>\
<p><button type=\"button\" data-testid=\"mp-refresh\" hidden></button></p>\
<p><a data-testid=\"mp-sandbox-phone\" target=\"_blank\" rel=\"noopener\" hidden>{phone_text}</a></p>\
<p><a data-testid=\"mp-back\" href=\"{back}\">{back_text}</a></p>\
<script type=\"application/json\" id=\"mp-config\">{config}</script><script>{SCRIPT}</script></body></html>",
        display = esc(&source.display_name),
        back = esc(&back),
    );
    Html(body).into_response()
}
