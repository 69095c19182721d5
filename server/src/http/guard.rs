//! The console's gate, in front of pages and server functions:
//! - records who is calling (`RequestMeta`: address, https) for the server functions;
//! - refuses cross-site POSTs to `/api/` (server functions; the token API `/api/v1/` aside):
//!   the `Origin`, else the `Referer`, must be one of ours;
//! - admits only a signed-in administrator to `/console` pages (others are sent to sign-in) and
//!   to `/api/console` functions (others get a 401 JSON error), and hands the `Admin` on.

use std::net::SocketAddr;

use app::backend::RequestMeta;
use app::cookies;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::state::{AppState, HttpSettings};
use crate::web::ApiError;

const ADMIN_FN_PREFIX: &str = "/api/console/";
/// Endpoints for API clients (bearer tokens, mini programs), not browsers with our cookies.
const TOKEN_API_PREFIX: &str = "/api/v1/";
const LOGIN_API_PREFIX: &str = "/api/v1/login/";
const PHONE_CALLS: [&str; 3] = ["/scan", "/confirm", "/cancel"];
/// An app's own login calls (app-launched mini program): no cookie, the PKCE verifier proves them.
const APP_LOGIN_PREFIX: &str = "/api/v1/login/app-mp";

pub async fn guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let meta = request_meta(&state.http, &req);
    let path = req.uri().path().to_string();
    // Every cookie-authenticated call must come from our pages: all of /api/, except token API
    // calls that carry their own credentials (`Authorization`) instead of our cookie.
    let token_api = path.starts_with(TOKEN_API_PREFIX);
    let bearer = req.headers().contains_key(header::AUTHORIZATION);
    // The mini-program code login: public, and the mini program's own calls (scan, confirm,
    // cancel) come from the phone, proving themselves with the ticket and WeChat's codes.
    let login_api = path.starts_with(LOGIN_API_PREFIX);
    let phone_call = login_api && PHONE_CALLS.iter().any(|end| path.ends_with(end))
        || path.starts_with(APP_LOGIN_PREFIX);
    let browser_call = path.starts_with("/api/") && !(token_api && bearer) && !phone_call;
    let session_api = token_api && !bearer && !login_api;
    let admin_fn = path.starts_with(ADMIN_FN_PREFIX);
    let admin_page = path == "/console" || path.starts_with("/console/");
    let signin_page = path == "/signin";

    // The end user's forms (finishing a mini-program code login, creating an account instead
    // of binding) come from our own pages too.
    let login_form = path.starts_with("/login/") && req.method() == Method::POST;
    if login_form && !same_origin(req.headers(), &state.http, meta.secure) {
        tracing::warn!(path, "cross-site login form refused");
        let headers = req.headers();
        let what = crate::login::texts::Said::CrossSiteForm;
        return crate::login::page::said(headers, StatusCode::FORBIDDEN, what, None);
    }
    if browser_call
        && req.method() != Method::GET
        && !same_origin(req.headers(), &state.http, meta.secure)
    {
        tracing::warn!(path, "cross-site request refused");
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "cross_site_request",
            "this request did not come from the Datong console",
        )
        .into_response();
    }

    if admin_fn || admin_page || signin_page || session_api {
        let admin = match cookies::get(req.headers(), cookies::SESSION_COOKIE) {
            Some(token) => match state.console.authenticate(&token).await {
                Ok(admin) => admin,
                Err(_) => return unavailable(admin_fn || session_api),
            },
            None => None,
        };
        match admin {
            Some(_) if signin_page => return Redirect::to("/console").into_response(),
            Some(admin) => {
                req.extensions_mut().insert(admin);
            }
            // The management API answers for itself (401 with its own wording).
            None if session_api => {}
            None if admin_fn => {
                return ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                    "sign in to the console first",
                )
                .into_response();
            }
            None if admin_page => {
                let next: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
                return Redirect::to(&format!("/signin?next={next}")).into_response();
            }
            None => {}
        }
    }

    req.extensions_mut().insert(meta);
    next.run(req).await
}

fn unavailable(api: bool) -> Response {
    let err = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "Datong cannot reach its database; try again shortly",
    );
    if api {
        err.into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "Datong cannot reach its database; try again shortly.",
        )
            .into_response()
    }
}

fn request_meta(settings: &HttpSettings, req: &Request) -> RequestMeta {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    // The proxy appends the address it saw: the last entry. Earlier ones are the client's own
    // claims. (One trusted proxy hop is assumed.)
    let forwarded_ip = header("x-forwarded-for")
        .and_then(|v| v.rsplit(',').next())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let ip = if settings.behind_proxy {
        forwarded_ip.or(peer)
    } else {
        peer
    }
    .unwrap_or_else(|| "unknown".into());
    let secure = settings
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
        || (settings.behind_proxy && header("x-forwarded-proto") == Some("https"));
    RequestMeta { ip, secure }
}

/// True when the request names one of our own origins in `Origin`, or else in `Referer`.
fn same_origin(headers: &HeaderMap, settings: &HttpSettings, secure: bool) -> bool {
    let mut ours = Vec::new();
    if let Some(u) = &settings.public_url {
        ours.push(origin_of(u).to_ascii_lowercase());
    }
    if let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) {
        let scheme = if secure { "https" } else { "http" };
        ours.push(format!("{scheme}://{}", host.to_ascii_lowercase()));
    }
    let claimed = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(|o| o.to_string())
        .or_else(|| {
            headers
                .get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .map(|r| origin_of(r).to_string())
        });
    match claimed {
        Some(origin) => ours.contains(&origin.to_ascii_lowercase()),
        None => false,
    }
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> &str {
    match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            let end = rest
                .find(['/', '?', '#'])
                .map(|e| i + 3 + e)
                .unwrap_or(url.len());
            &url[..end]
        }
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn origin_must_match_host_or_public_url() {
        let s = HttpSettings::default();
        assert!(same_origin(
            &headers(&[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://127.0.0.1:3000")
            ]),
            &s,
            false
        ));
        assert!(!same_origin(
            &headers(&[("host", "127.0.0.1:3000"), ("origin", "http://evil.test")]),
            &s,
            false
        ));
        assert!(!same_origin(
            &headers(&[("host", "127.0.0.1:3000"), ("origin", "null")]),
            &s,
            false
        ));
        assert!(!same_origin(
            &headers(&[("host", "127.0.0.1:3000")]),
            &s,
            false
        ));
        assert!(same_origin(
            &headers(&[("host", "a.test"), ("referer", "http://a.test/signin?x=1")]),
            &s,
            false
        ));
        assert!(!same_origin(
            &headers(&[("host", "a.test"), ("referer", "http://a.test.evil/")]),
            &s,
            false
        ));
        // over https the scheme must match too
        assert!(!same_origin(
            &headers(&[("host", "a.test"), ("origin", "http://a.test")]),
            &s,
            true
        ));
        let p = HttpSettings {
            public_url: Some("https://id.example.com".into()),
            behind_proxy: true,
            ..HttpSettings::default()
        };
        assert!(same_origin(
            &headers(&[
                ("host", "internal:3000"),
                ("origin", "https://id.example.com")
            ]),
            &p,
            true
        ));
    }
}
