//! The hosted login page `/login?request=…`: the application's name and logo and one button per
//! identity source it enables that starts in a browser (never a disabled or unassociated one),
//! or, for a website QR source that asks for it, WeChat's QR code inline. Inside WeChat the
//! in-WeChat modes come first and the scan modes are hidden (nobody can scan their own screen).
//! Built in the one end-user layout, in the browser's language.

use std::collections::HashMap;

use app::model::{SourceMode, SourceView};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::refusal::{Reason, Refusal};
use super::texts::{self, lang_of};
use super::webpage::in_wechat;
use crate::state::AppState;
use crate::web::{ApiError, escape_html as esc};

/// Where each mode's people are: in WeChat's own browser the in-WeChat modes come first.
fn rank(mode: SourceMode, in_wechat: bool) -> u8 {
    let in_wechat_mode = matches!(mode, SourceMode::Webpage | SourceMode::Miniprogram);
    match (in_wechat, in_wechat_mode) {
        (true, true) | (false, false) => 0,
        _ => 1,
    }
}

/// The sources the page offers, in order.
pub fn offered(
    sources: Vec<SourceView>,
    app: &app::model::ApplicationView,
    wechat: bool,
) -> Vec<SourceView> {
    let mut sources: Vec<_> = sources
        .into_iter()
        .filter(|s| s.enabled && app.sources.contains(&s.id) && s.mode.starts_in_browser())
        .filter(|s| !(wechat && s.mode.scans_a_screen()))
        .collect();
    sources.sort_by_key(|s| (rank(s.mode, wechat), s.id));
    sources
}

/// The hosted page of request `id`, saying why the last attempt ended (`notice`).
pub fn with_notice(id: &str, why: Reason) -> String {
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("request", id)
        .append_pair("notice", why.code())
        .finish();
    format!("/login?{q}")
}

/// `GET /login?request=…[&notice=<reason>]`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let request = q.get("request").map(String::as_str).unwrap_or("");
    let notice = q.get("notice").and_then(|n| Reason::from_code(n));
    let mut response = match render(&state, &headers, request, notice).await {
        Ok(r) => r,
        Err(refusal) => super::refused_page(&headers, &refusal, None),
    };
    // The page varies with the language and the browser: caches must not mix them.
    response.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("cookie, accept-language, user-agent"),
    );
    response
}

async fn render(
    state: &AppState,
    headers: &HeaderMap,
    request: &str,
    notice: Option<Reason>,
) -> Result<Response, Refusal> {
    let lang = lang_of(headers);
    let t = texts::texts(lang);
    let req = super::flow::request(state, request).await?;
    let app = state.catalog.get_application(req.application_id).await?;
    let sources = offered(
        state.catalog.list_sources().await?,
        &app,
        in_wechat(headers),
    );
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("request", request)
        .finish();
    let buttons: String = sources
        .iter()
        .map(|s| {
            let href = esc(&format!("/login/wechat/{}?{query}", s.identifier));
            let name = esc(&s.display_name);
            let mode = s.mode.as_str();
            if s.embedded_qr {
                // Our start route in an iframe: it redirects to WeChat's iframe variant of the
                // QR page, and WeChat sends the top window to the callback.
                format!(
                    "<div data-testid=\"login-embedded\" data-mode=\"{mode}\"><p class=\"muted\">{name}</p>\
<iframe src=\"{href}\" title=\"{name}\" data-testid=\"login-qr-frame\" width=\"300\" height=\"400\" \
sandbox=\"allow-scripts allow-same-origin allow-top-navigation\"></iframe></div>"
                )
            } else {
                format!(
                    "<a class=\"button\" href=\"{href}\" data-testid=\"login-source\" data-mode=\"{mode}\">{name}</a>"
                )
            }
        })
        .collect();
    let logo = if app.has_logo {
        format!(
            "<img class=\"logo\" src=\"/login/app-logo/{}?v={}\" alt=\"\" data-testid=\"login-logo\">",
            esc(&app.client_id),
            esc(&app.updated_at)
        )
    } else {
        String::new()
    };
    let none = if sources.is_empty() {
        format!(
            "<p class=\"alert\" data-testid=\"login-none\">{}</p>",
            t.no_methods
        )
    } else {
        String::new()
    };
    let notice = notice
        .map(|r| {
            format!(
                "<p class=\"alert\" role=\"status\" data-testid=\"login-notice\" data-reason=\"{}\">{}</p>",
                r.code(),
                esc(r.text(lang))
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<div data-testid=\"page-login\">{logo}<p class=\"muted\">{}</p>\
<h1 data-testid=\"login-app\">{}</h1>{notice}<p class=\"muted\">{}</p><div class=\"buttons\">{buttons}</div>{none}</div>",
        t.sign_in_to,
        esc(&app.name),
        t.continue_with,
    );
    let here = format!("/login?{query}");
    Ok(super::page::document(lang, t.title, &body, Some(&here)).into_response())
}

/// `/login/app-logo/{client_id}`: the application's logo, public (the login page shows it).
pub async fn app_logo(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
) -> Result<Response, ApiError> {
    let logo = match state.catalog.application_by_client_id(&client_id).await? {
        Some(app) => state.catalog.application_logo(app.id).await?,
        None => None,
    };
    crate::web::png(logo, "application")
}
