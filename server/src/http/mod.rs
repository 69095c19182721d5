//! Router assembly: operations endpoints, the console (pages and server functions) behind the
//! guard, static assets, framing limited to our own origin, request ids and request logs.

mod guard;
pub mod ops;

use app::{App, shell};
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Router, middleware};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::state::AppState;
use crate::web::ApiError;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// The largest request body anyone may send: axum's default limit for extracted bodies (server
/// functions included), here also enforced on the declared length so larger uploads get a 413
/// before they are read. A 1 MB logo in base64 inside JSON fits.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// Datong's own pages may be framed only by Datong (the hosted login page frames the embedded QR
/// start route): nobody can overlay the console or the login page on another site. The sandbox,
/// mounted outside this layer, stays framable like WeChat's QR page.
async fn same_origin_frames(req: axum::extract::Request, next: middleware::Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static("frame-ancestors 'self'"));
    headers
        .entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("SAMEORIGIN"));
    response
}

/// A body over [`MAX_BODY`] is refused before it is read, and the limit layer (or an
/// extractor cut off mid-stream) answers a bare 413 in plain text. Callers get it in their
/// shape: the API's JSON error (`payload_too_large`), an OAuth error at `/oauth/`, a readable
/// page for people.
async fn too_large(req: axum::extract::Request, next: middleware::Next) -> Response {
    let path = req.uri().path();
    let (api, oauth) = (path.starts_with("/api/"), path.starts_with("/oauth/"));
    let lang = (!api && !oauth).then(|| crate::login::texts::lang_of(req.headers()));
    let response = next.run(req).await;
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE || json {
        return response;
    }
    let why = format!("the request body is larger than {MAX_BODY} bytes");
    match lang {
        None if oauth => {
            let mut e = crate::oidc::error::OAuthError::new("invalid_request", why);
            e.status = StatusCode::PAYLOAD_TOO_LARGE;
            e.into_response()
        }
        None => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", why).into_response()
        }
        Some(lang) => {
            let text = crate::login::texts::said(crate::login::texts::Said::TooLarge, lang);
            crate::login::page::message(lang, StatusCode::PAYLOAD_TOO_LARGE, text, None, None)
        }
    }
}

/// Counts each answered request and its latency under its route template (never the path
/// itself: IDs and codes stay out of the labels); requests no route matched share one label.
async fn measured(req: axum::extract::Request, next: middleware::Next) -> Response {
    let started = std::time::Instant::now();
    // Any token is a method to hyper: only the standard ones name a label.
    let method = match req.method().as_str() {
        m @ ("GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS") => m.to_string(),
        _ => "OTHER".to_string(),
    };
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let response = next.run(req).await;
    crate::metrics::http(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let backend = state.console.clone();
    let options = state.leptos.clone();

    let mut app = Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/", get(|| async { Redirect::to("/console") }))
        .route(
            "/.well-known/openid-configuration",
            get(crate::oidc::discovery::openid_configuration),
        )
        .route("/oauth/jwks", get(crate::oidc::discovery::jwks))
        .route(
            "/oauth/authorize",
            get(crate::oidc::authorize::authorize).post(crate::oidc::authorize::authorize_post),
        )
        .route("/oauth/token", post(crate::oidc::token::token))
        .route(
            "/oauth/userinfo",
            get(crate::oidc::userinfo::userinfo).post(crate::oidc::userinfo::userinfo),
        )
        .route("/oauth/revoke", post(crate::oidc::userinfo::revoke))
        .route(
            "/oauth/logout",
            get(crate::oidc::end_session::logout).post(crate::oidc::end_session::logout_post),
        )
        .route("/login", get(crate::login::hosted::page))
        .route("/login/bind/{handle}", get(crate::login::binding::page))
        .route(
            "/login/bind/{handle}/create",
            post(crate::login::binding::create),
        )
        .route(
            "/login/wechat/{identifier}",
            get(crate::login::start::start),
        )
        .route(
            "/login/wechat/{identifier}/callback",
            get(crate::login::redirect::callback),
        )
        .route(
            crate::experience::CALLBACK,
            get(crate::experience::callback),
        )
        .route(
            "/console/experience/{client_id}",
            get(crate::experience::start),
        )
        .route(
            "/console/experience/{client_id}/initiate",
            get(crate::experience::initiate),
        )
        .route(
            "/console/experience/{client_id}/device",
            get(crate::experience::device::page),
        )
        .route(
            "/console/experience/{client_id}/logout",
            get(crate::experience::logout),
        )
        .route(
            "/login/app-logo/{client_id}",
            get(crate::login::hosted::app_logo),
        )
        .merge(crate::api_v1::router())
        .merge(crate::login::mp_qrcode::router())
        .merge(crate::login::ticket::router())
        .merge(crate::login::app_launch::router())
        .route("/login/lang", get(crate::login::page::choose_lang))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(backend.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(state.clone(), guard::guard))
        .layer(middleware::from_fn(same_origin_frames))
        .layer(middleware::from_fn(measured))
        .with_state(state.clone());
    if let Some(sandbox) = state.sandbox.clone() {
        app = crate::sandbox::mount(app, sandbox);
    }

    app.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    // One INFO line per request (status, latency) inside the request's span.
                    .on_response(DefaultOnResponse::new().level(Level::INFO))
                    .make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // The path only: query strings can carry codes and tokens.
                tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
                    }),
            )
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(middleware::from_fn(too_large))
            .layer(RequestBodyLimitLayer::new(MAX_BODY)),
    )
}
