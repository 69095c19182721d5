//! The page that shows a mini-program code and follows its ticket: it asks for a ticket, shows
//! the code (or WeChat's refusal with a retry button), says at each step what is happening,
//! offers a new code when one ends, falls back to polling when the event stream breaks, and on
//! `confirmed` submits the form that finishes the login. Its strings come from the catalogue.

use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::login::flow::Flow;
use crate::login::refusal::Reason;
use crate::login::texts::{self, Lang};
use crate::web::escape_html as esc;

const SCRIPT: &str = include_str!("page.js");

/// The reasons a ticket can fail with, told on the page in the person's words.
const FAILURES: [Reason; 9] = [
    Reason::InvalidCode,
    Reason::ForeignCode,
    Reason::ForeignPhoneCode,
    Reason::WeChatBusy,
    Reason::LoginOnly,
    Reason::AskToBind,
    Reason::Blocked,
    Reason::SourceUnavailable,
    Reason::WeChatError,
];

/// The page for the flow's source and request.
pub fn page(flow: &Flow, lang: Lang) -> Response {
    let (request, source) = (flow.target.request_id(), &flow.source);
    let t = texts::texts(lang);
    let failed: serde_json::Map<String, serde_json::Value> = FAILURES
        .iter()
        .map(|r| (r.code().to_string(), json!(r.text(lang))))
        .chain([("other".to_string(), json!(t.mp_failed))])
        .collect();
    let config = json!({
        "request": request,
        "source": source.identifier,
        "texts": {
            "waiting": t.mp_waiting, "scanned": t.mp_scanned, "confirmed": t.mp_confirmed,
            "cancelled": t.mp_cancelled, "expired": t.mp_expired, "used": t.mp_used,
            "refresh": t.mp_refresh, "retry": t.retry, "network": t.mp_network,
            "failed": failed,
        },
    })
    .to_string()
    // Inside a script element, `</script>` must never appear.
    .replace('<', "\\u003c");
    let back = crate::login::flow::back(request);
    let here = format!(
        "/login/wechat/{}?{}",
        source.identifier,
        &back["/login?".len()..]
    );
    let body = format!(
        "<div data-testid=\"mp-page\"><h1>{title}</h1><p>{display}</p><p class=\"muted\">{hint}</p>\
<div style=\"min-height:280px;display:flex;align-items:center;justify-content:center\">\
<img class=\"code\" data-testid=\"mp-code\" alt=\"\" width=\"280\" height=\"280\" hidden>\
<div data-testid=\"mp-error\" role=\"alert\" hidden><p class=\"alert\" data-testid=\"mp-error-text\"></p>\
<button type=\"button\" data-testid=\"mp-retry\"></button></div></div>\
<p data-testid=\"mp-status\" aria-live=\"polite\" data-status=\"\" style=\"font-weight:600\"></p>\
<p><button type=\"button\" data-testid=\"mp-refresh\" hidden></button></p>\
<p><a data-testid=\"mp-sandbox-phone\" target=\"_blank\" rel=\"noopener\" hidden>{phone}</a></p>\
<p><a class=\"muted\" data-testid=\"mp-back\" href=\"{back}\">{back_text}</a></p></div>\
<script type=\"application/json\" id=\"mp-config\">{config}</script><script>{SCRIPT}</script>",
        title = t.mp_title,
        display = esc(&source.display_name),
        hint = t.mp_hint,
        phone = t.sandbox_phone,
        back = esc(&back),
        back_text = t.choose_another,
    );
    crate::login::page::scripted_document(lang, t.mp_title, &body, Some(&here)).into_response()
}
