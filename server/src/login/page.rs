//! The plain pages an end user sees when a login cannot go on: what happened, in English and
//! Chinese, and a way back when there is one.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::http::escape_html as esc;

/// A page explaining why the login stopped; `back` links to a page that can start again.
pub fn problem(status: StatusCode, en: &str, zh: &str, back: Option<&str>) -> Response {
    let back = back
        .map(|href| {
            format!(
                "<p><a data-testid=\"retry\" href=\"{}\">Try again · 重试</a></p>",
                esc(href)
            )
        })
        .unwrap_or_else(|| {
            "<p style=\"color:#666\">Return to the application and start again.</p>".into()
        });
    let body = format!(
        "<h1>Sign-in cannot continue</h1><p data-testid=\"error-en\">{}</p>\
<p lang=\"zh-CN\" data-testid=\"error-zh\">{}</p>{back}",
        esc(en),
        esc(zh)
    );
    (status, document(&body)).into_response()
}

/// A small page with a heading and a line in both languages (sign-out and the like).
pub fn notice(title: &str, en: &str, zh: &str) -> Response {
    let body = format!(
        "<h1 data-testid=\"notice-title\">{}</h1><p>{}</p><p lang=\"zh-CN\">{}</p>",
        esc(title),
        esc(en),
        esc(zh)
    );
    document(&body).into_response()
}

/// A whole page around `body` (already escaped HTML).
pub fn document(body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Datong</title>\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"></head>\
<body style=\"font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem\">\
{body}</body></html>"
    ))
}
