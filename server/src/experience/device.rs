//! Experience login for applications that log in inside a mini program or a mobile app: there
//! is no browser redirect to follow, so the page offers, per source, the sandbox phone running
//! a sample of the customer's mini program or app. The sample logs in exactly as theirs would
//! (the WeChat grant, or the app-launch ticket with PKCE) and comes back to the console's
//! result page with the user.

use app::model::{AppType, ApplicationView, SourceMode, SourceView};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::login::page;
use crate::login::texts::{self, Said, lang_of};
use crate::state::AppState;
use crate::web::escape_html as esc;

/// The mobile app a sample app-launch login uses in the sandbox when the application has no
/// mobile-app source of its own (the sandbox registers it under its default subject).
pub const SAMPLE_MOBILE_APP: &str = "wxa990000000000001";

/// The modes that log in on a device.
pub fn on_device(mode: SourceMode) -> bool {
    matches!(
        mode,
        SourceMode::Miniprogram | SourceMode::MobileApp | SourceMode::AppLaunchMiniprogram
    )
}

/// Whether the experience of `app` starts on the phone.
pub fn is_device_app(app: &ApplicationView) -> bool {
    matches!(app.app_type, AppType::MiniProgram | AppType::Native)
}

/// `GET /console/experience/{client_id}/device`.
pub async fn page(
    State(state): State<AppState>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let lang = lang_of(&headers);
    let t = texts::texts(lang);
    let app = match state.catalog.application_by_client_id(&client_id).await {
        Ok(Some(app)) => app,
        Ok(None) => return page::said(&headers, StatusCode::NOT_FOUND, Said::UnknownClient, None),
        Err(e) => return crate::login::unavailable(e),
    };
    let sources: Vec<SourceView> = match state.catalog.list_sources().await {
        Ok(all) => all
            .into_iter()
            .filter(|s| s.enabled && app.sources.contains(&s.id) && on_device(s.mode))
            .collect(),
        Err(e) => return crate::login::unavailable(e),
    };
    let mobile_app = sources
        .iter()
        .find(|s| s.mode == SourceMode::MobileApp)
        .and_then(|s| s.appid.clone())
        .unwrap_or_else(|| SAMPLE_MOBILE_APP.to_string());
    let links: String = sources
        .iter()
        .filter_map(|s| run_url(&state, &app, s, &mobile_app).map(|url| (s, url)))
        .map(|(s, url)| {
            format!(
                "<a class=\"button\" data-testid=\"device-run\" data-mode=\"{}\" href=\"{}\">{}</a>",
                s.mode.as_str(),
                esc(&url),
                esc(&s.display_name)
            )
        })
        .collect();
    let body = match (state.sandbox.is_some(), links.is_empty()) {
        (false, _) => format!("<p class=\"muted\">{}</p>", t.device_no_sandbox),
        (true, true) => format!("<p class=\"muted\">{}</p>", t.device_none),
        (true, false) => format!(
            "<p class=\"muted\">{}</p><div class=\"buttons\">{links}</div>",
            t.device_intro
        ),
    };
    // A native application may also log in through the system browser (its browser sources).
    let browser = match app.app_type {
        AppType::Native => format!(
            "<p style=\"margin-top:1.5rem\"><a href=\"{}\" data-testid=\"device-browser\">{}</a></p>",
            esc(&format!("/console/experience/{client_id}?browser=1")),
            t.device_browser
        ),
        _ => String::new(),
    };
    let html = format!(
        "<div data-testid=\"device-page\"><h1>{}</h1><p><strong>{}</strong></p>{body}{browser}</div>",
        t.device_title,
        esc(&app.name)
    );
    let here = format!("/console/experience/{client_id}/device");
    page::document(lang, t.device_title, &html, Some(&here)).into_response()
}

/// The sandbox phone running the sample of `source`'s mode for `app`; `None` when the sample
/// cannot run (an app-launch login needs a registered redirect URI).
fn run_url(
    state: &AppState,
    app: &ApplicationView,
    source: &SourceView,
    mobile_app: &str,
) -> Option<String> {
    let appid = source.appid.clone()?;
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("issuer", &state.issuer)
        .append_pair("client_id", &app.client_id)
        .append_pair("source", &source.identifier)
        .append_pair(
            "done",
            &format!("/console/experience/result?app={}", app.client_id),
        );
    match source.mode {
        SourceMode::Miniprogram => {
            q.append_pair("run", "mini_program")
                .append_pair("appid", &appid);
        }
        SourceMode::MobileApp => {
            q.append_pair("run", "mobile_app")
                .append_pair("appid", &appid);
        }
        SourceMode::AppLaunchMiniprogram => {
            q.append_pair("run", "app_launch")
                .append_pair("appid", mobile_app)
                .append_pair("mini_appid", &appid)
                .append_pair("redirect_uri", app.redirect_uris.first()?);
        }
        _ => return None,
    }
    Some(format!("/sandbox/wechat/phone?{}", q.finish()))
}
