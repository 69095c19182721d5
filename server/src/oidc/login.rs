//! The hosted login page's data: the application of a pending request and one button per
//! identity source it enables (never a disabled or unassociated one), and the application's
//! logo, which the page shows to anyone.

use app::model::{ConsoleError, LoginButton, LoginView, SourceMode};
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::catalog::Catalog;
use crate::state::AppState;
use crate::store;
use crate::web::ApiError;

/// Where each mode's people are: in WeChat's own browser the in-WeChat modes come first.
fn rank(mode: SourceMode, in_wechat: bool) -> u8 {
    let in_wechat_mode = matches!(mode, SourceMode::Webpage | SourceMode::Miniprogram);
    match (in_wechat, in_wechat_mode) {
        (true, true) | (false, false) => 0,
        _ => 1,
    }
}

fn failed(e: impl std::fmt::Display) -> ConsoleError {
    tracing::error!(error = %e, "login page: storage unavailable");
    ConsoleError::Failed("storage unavailable".into())
}

pub async fn view(
    db: &DatabaseConnection,
    catalog: &Catalog,
    now: DateTime<Utc>,
    request: &str,
    in_wechat: bool,
) -> Result<LoginView, ConsoleError> {
    let req = store::auth_requests::live(db, request, now)
        .await
        .map_err(failed)?
        .ok_or(ConsoleError::NotFound)?;
    let app = catalog
        .get_application(req.application_id)
        .await
        .map_err(|_| ConsoleError::NotFound)?;
    let mut sources: Vec<_> = catalog
        .list_sources()
        .await
        .map_err(failed)?
        .into_iter()
        .filter(|s| s.enabled && app.sources.contains(&s.id) && s.mode.starts_in_browser())
        // Inside WeChat nobody can scan their own screen.
        .filter(|s| !(in_wechat && s.mode.scans_a_screen()))
        .collect();
    sources.sort_by_key(|s| (rank(s.mode, in_wechat), s.id));
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("request", request)
        .finish();
    Ok(LoginView {
        app_logo: app
            .has_logo
            .then(|| format!("/login/app-logo/{}?v={}", app.client_id, app.updated_at)),
        app_name: app.name,
        buttons: sources
            .into_iter()
            .map(|s| LoginButton {
                href: format!("/login/wechat/{}?{query}", s.identifier),
                display_name: s.display_name,
                mode: s.mode,
                embedded: s.embedded_qr,
            })
            .collect(),
    })
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
