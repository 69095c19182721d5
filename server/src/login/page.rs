//! The one layout of every page an end user sees: a centred card on a light background, the
//! language switch at the top, sized for a phone first. Pages are built here on the server as
//! escaped HTML with the strings of [`super::texts`]; the mini-program code page adds its script.

use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::refusal::{Reason, Refusal};
use super::texts::{self, Lang};
use crate::web::escape_html as esc;

const STYLE: &str = "*{box-sizing:border-box}[hidden]{display:none!important}\
body{margin:0;min-height:100vh;background:#f8fafc;color:#0f172a;font-family:system-ui,-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;display:flex;flex-direction:column;align-items:center;padding:1.5rem 1rem}\
.top{width:100%;max-width:24rem;display:flex;justify-content:flex-end;margin-bottom:1.5rem;font-size:.875rem}\
.top a{color:#475569}\
.card{width:100%;max-width:24rem;background:#fff;border-radius:.75rem;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:2rem 1.5rem;text-align:center;overflow-wrap:anywhere}\
h1{font-size:1.25rem;font-weight:600;margin:0 0 1rem}\
p{margin:.5rem 0}\
.muted{color:#64748b;font-size:.875rem}\
.alert{color:#b91c1c}\
.logo{width:4rem;height:4rem;border-radius:9999px;object-fit:cover;margin:0 auto 1rem;display:block}\
.buttons{display:flex;flex-direction:column;gap:.75rem}\
.button,button{display:block;border:0;border-radius:.375rem;background:#059669;color:#fff;padding:.5rem .75rem;font-size:1rem;text-decoration:none;cursor:pointer}\
.button:hover,button:hover{background:#047857}\
.secondary{background:#e2e8f0;color:#0f172a}\
.secondary:hover{background:#cbd5e1}\
img.code{max-width:100%;height:auto}\
iframe{max-width:100%;border:0}";

/// A whole page in `lang` around `body` (already escaped HTML). `here` is the page's own path,
/// for the language switch to come back to. The page is ready as it arrives
/// (`data-ready="true"`, what browser tests wait for).
pub fn document(lang: Lang, title: &str, body: &str, here: Option<&str>) -> Html<String> {
    layout(lang, title, body, here, " data-ready=\"true\"")
}

/// [`document`] for a page whose script marks it ready once it has started.
pub fn scripted_document(lang: Lang, title: &str, body: &str, here: Option<&str>) -> Html<String> {
    layout(lang, title, body, here, "")
}

fn layout(lang: Lang, title: &str, body: &str, here: Option<&str>, ready: &str) -> Html<String> {
    let t = texts::texts(lang);
    let switch = here
        .map(|here| {
            let other = match lang {
                Lang::En => Lang::ZhCn,
                Lang::ZhCn => Lang::En,
            };
            let q: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("lang", other.code())
                .append_pair("back", here)
                .finish();
            let id = match other {
                Lang::En => "lang-en",
                Lang::ZhCn => "lang-zh",
            };
            format!(
                "<a data-testid=\"{id}\" href=\"/login/lang?{}\">{}</a>",
                esc(&q),
                t.other_lang
            )
        })
        .unwrap_or_default();
    Html(format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><style>{STYLE}</style></head>\
<body{ready}><div class=\"top\">{switch}</div><main class=\"card\">{body}</main></body></html>",
        lang.code(),
        esc(title),
    ))
}

/// The page for a login that stopped, in `lang`, with a way back when there is one.
pub fn refused(lang: Lang, refusal: &Refusal, back: Option<&str>) -> Response {
    message(
        lang,
        refusal.reason.status(),
        refusal.reason.text(lang),
        back,
        Some(refusal.reason),
    )
}

/// A stopped login with a sentence of the caller's.
pub fn message(
    lang: Lang,
    status: StatusCode,
    text: &str,
    back: Option<&str>,
    reason: Option<Reason>,
) -> Response {
    let t = texts::texts(lang);
    let back = match back {
        Some(href) => format!(
            "<p><a class=\"button\" data-testid=\"retry\" href=\"{}\">{}</a></p>",
            esc(href),
            t.retry
        ),
        None => format!("<p class=\"muted\">{}</p>", t.start_again),
    };
    let code = reason
        .map(|r| format!(" data-reason=\"{}\"", r.code()))
        .unwrap_or_default();
    let body = format!(
        "<h1>{}</h1><p data-testid=\"error\"{code}>{}</p>{back}",
        t.cannot_continue,
        esc(text)
    );
    (status, document(lang, t.cannot_continue, &body, None)).into_response()
}

/// A page of the OpenID Connect edge (or the experience client) that stops a request, in the
/// request's language, with `back` when the person can start again.
pub fn said(
    headers: &HeaderMap,
    status: StatusCode,
    what: texts::Said,
    back: Option<&str>,
) -> Response {
    let lang = texts::lang_of(headers);
    message(lang, status, texts::said(what, lang), back, None)
}

/// A small page with a heading and a line (sign-out and the like), in the request's language.
pub fn notice(headers: &HeaderMap, title: texts::Said, line: texts::Said) -> Response {
    let lang = texts::lang_of(headers);
    let title = texts::said(title, lang);
    let body = format!(
        "<h1 data-testid=\"notice-title\">{}</h1><p>{}</p>",
        esc(title),
        esc(texts::said(line, lang))
    );
    document(lang, title, &body, None).into_response()
}

#[derive(Deserialize)]
pub struct LangChoice {
    lang: String,
    back: String,
}

/// `GET /login/lang?lang=…&back=…`: remembers the language and goes back to the page (a path
/// of this site only).
pub async fn choose_lang(headers: HeaderMap, Query(q): Query<LangChoice>) -> Response {
    let lang = Lang::from_code(&q.lang).unwrap_or_else(|| texts::lang_of(&headers));
    let back = if q.back.starts_with('/') && !q.back.starts_with("//") && !q.back.contains('\\') {
        q.back.as_str()
    } else {
        "/"
    };
    let cookie = format!(
        "{}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        app::i18n::LANG_COOKIE,
        lang.code()
    );
    let mut r = Redirect::to(back).into_response();
    if let Ok(v) = header::HeaderValue::from_str(&cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}
