//! The sandbox's pages are plain server-rendered HTML with a little inline script: they stand in
//! for WeChat's pages and phone, not for Datong's console, so they carry no Leptos code.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

pub use crate::web::escape_html as esc;

/// A value for inline script: JSON, with `<` escaped so `</script>` cannot end the block.
pub fn js(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Noto Sans CJK SC','WenQuanYi Micro Hei',sans-serif;margin:0;background:#f2f2f2;color:#222}\
main{max-width:420px;margin:24px auto;background:#fff;border-radius:8px;padding:20px;box-shadow:0 1px 3px #0002}\
main.wide{max-width:960px}h1{font-size:20px;margin:0 0 12px}h2{font-size:16px;margin:18px 0 8px}\
.banner{background:#fff3cd;color:#664d03;font-size:12px;padding:6px 10px;text-align:center}\
button,.button{background:#07c160;color:#fff;border:0;border-radius:4px;padding:8px 14px;font-size:14px;cursor:pointer;text-decoration:none;display:inline-block}\
button.secondary{background:#eee;color:#222}input,select{padding:6px;font-size:14px;border:1px solid #ccc;border-radius:4px;max-width:100%}\
.muted{color:#777;font-size:13px}.error{color:#b00020}.qr{display:flex;justify-content:center;margin:16px 0}\
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #eee;padding:4px;text-align:left}\
code{word-break:break-all}.row{display:flex;gap:8px;flex-wrap:wrap;align-items:center;margin:6px 0}";

/// A full page with the "simulated WeChat" banner.
pub fn page(title: &str, class: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title>\
<style>{STYLE}</style></head><body><div class=\"banner\">Datong WeChat sandbox: simulated WeChat, not the real service</div>\
<main class=\"{}\">{body}</main></body></html>",
        esc(title),
        esc(class)
    );
    let mut response = Html(html).into_response();
    // Pages carry single-use state (QR logins, consent ids): never cache them.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// WeChat's error page: a code and its text, no redirect.
pub fn error_page(code: Option<u32>, text: &str) -> Response {
    let code_line = code
        .map(|c| format!("<p class=\"muted\" data-testid=\"error-code\">{c}</p>"))
        .unwrap_or_default();
    let mut response = page(
        "微信登录",
        "",
        &format!(
            "<h1>该链接无法访问</h1><p class=\"error\" data-testid=\"error-text\">{}</p>{code_line}",
            esc(text)
        ),
    );
    *response.status_mut() = StatusCode::OK;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(js(&"</script>"), "\"\\u003c/script\\u003e\"");
    }
}
