use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode, header};
use chrono::{TimeZone, Utc};
use datong::clock::ManualClock;
use datong::console::admins;
use datong::crypto::secret::Secret;
use datong::state::{AppState, HttpSettings};
use datong::{router, store};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use tower::ServiceExt;

pub const HOST: &str = "datong.test";
pub const ADMIN_PASSWORD: &str = "correct horse battery";
/// The default mini program configured on test instances.
pub const DEFAULT_MINIPROGRAM: &str = "wxd0000000000000d0";

pub async fn memory_db() -> DatabaseConnection {
    let db = store::connect("sqlite::memory:", 1).await.unwrap();
    store::migrate(&db).await.unwrap();
    db
}

/// A fresh schema on the test PostgreSQL server, migrated; `None` when no server is configured.
/// `make test` sets DATONG_TEST_REQUIRE_POSTGRES, so there the PostgreSQL half cannot be skipped.
pub async fn postgres_db() -> Option<DatabaseConnection> {
    let (url, schema) = postgres_schema().await?;
    let mut opt = ConnectOptions::new(url);
    opt.set_schema_search_path(schema)
        .max_connections(5)
        .sqlx_logging(false);
    let db = Database::connect(opt).await.unwrap();
    store::migrate(&db).await.unwrap();
    Some(db)
}

/// The test server's URL and a new, empty schema on it; `None` when no server is configured.
pub async fn postgres_schema() -> Option<(String, String)> {
    let url = match std::env::var("DATONG_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ if std::env::var_os("DATONG_TEST_REQUIRE_POSTGRES").is_some() => {
            panic!("DATONG_TEST_REQUIRE_POSTGRES is set but DATONG_TEST_DATABASE_URL is not")
        }
        _ => return None,
    };
    let schema = format!("t_{:016x}", rand_u64());
    let admin = Database::connect(url.clone())
        .await
        .unwrap_or_else(|e| panic!("DATONG_TEST_DATABASE_URL is set but unreachable: {e}"));
    admin
        .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    Some((url, schema))
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.finish()
}

/// Runs the same test body on SQLite and, when configured, on PostgreSQL.
pub async fn each_database<F, Fut>(body: F)
where
    F: Fn(DatabaseConnection, &'static str) -> Fut,
    Fut: Future<Output = ()>,
{
    body(memory_db().await, "sqlite").await;
    match postgres_db().await {
        Some(db) => body(db, "postgres").await,
        None => eprintln!("note: DATONG_TEST_DATABASE_URL not set, PostgreSQL half skipped"),
    }
}

pub fn start_time() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()
}

pub struct TestApp {
    pub router: Router,
    pub clock: Arc<ManualClock>,
    pub db: DatabaseConnection,
}

pub async fn test_app() -> TestApp {
    test_app_with(HttpSettings::default()).await
}

pub async fn test_app_with(http: HttpSettings) -> TestApp {
    build_app(
        http,
        Some((
            DEFAULT_MINIPROGRAM.to_string(),
            Secret::new("default-mini-program-secret".to_string()),
        )),
    )
    .await
}

/// An instance with the given default mini program (none: like production without one).
pub async fn build_app(http: HttpSettings, default: Option<(String, Secret<String>)>) -> TestApp {
    let db = memory_db().await;
    let clock = Arc::new(ManualClock::new(start_time()));
    admins::create(&db, clock.as_ref(), "admin", ADMIN_PASSWORD)
        .await
        .unwrap();
    let leptos = LeptosOptions::builder().output_name("datong").build();
    let state = AppState::new(db.clone(), clock.clone(), &[1u8; 32], 12, http, leptos)
        .with_default_miniprogram(default);
    TestApp {
        router: router(state),
        clock,
        db,
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
    /// The session token this reply set, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|c| c.starts_with("datong_console="))
    }
}

impl TestApp {
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let resp: Response<Body> = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// A server-function call the way the console's browser code makes it.
    pub async fn call_fn(&self, path: &str, form: &str, cookie: Option<&str>, ip: &str) -> Reply {
        let mut req = Request::post(path)
            .header(header::HOST, HOST)
            .header(header::ORIGIN, format!("http://{HOST}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let mut req = req.body(Body::from(form.to_string())).unwrap();
        let addr: SocketAddr = format!("{ip}:40000").parse().unwrap();
        req.extensions_mut().insert(ConnectInfo(addr));
        self.send(req).await
    }

    /// A JSON-encoded server-function call (the console's catalog functions), from the
    /// console's own origin.
    pub async fn call_json_fn(
        &self,
        path: &str,
        body: &serde_json::Value,
        cookie: Option<&str>,
    ) -> Reply {
        let mut req = Request::post(path)
            .header(header::HOST, HOST)
            .header(header::ORIGIN, format!("http://{HOST}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body.to_string())).unwrap())
            .await
    }

    /// A sign-in as it arrives through a reverse proxy: no peer address of our own, the
    /// proxy's headers instead.
    pub async fn sign_in_via_proxy(
        &self,
        name: &str,
        password: &str,
        host: &str,
        origin: &str,
        proxy_headers: &[(&str, &str)],
    ) -> Reply {
        let form: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("name", name)
            .append_pair("password", password)
            .finish();
        let mut req = Request::post("/api/session/sign_in")
            .header(header::HOST, host)
            .header(header::ORIGIN, origin)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        for (k, v) in proxy_headers {
            req = req.header(*k, *v);
        }
        self.send(req.body(Body::from(form)).unwrap()).await
    }

    /// Signs `admin` in and returns the session cookie to send back.
    pub async fn admin_cookie(&self) -> String {
        let reply = self.sign_in("admin", ADMIN_PASSWORD, "10.0.0.1").await;
        cookie_pair(&reply.session_cookie().expect("signed in"))
    }

    pub async fn sign_in(&self, name: &str, password: &str, ip: &str) -> Reply {
        let form: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("name", name)
            .append_pair("password", password)
            .finish();
        self.call_fn("/api/session/sign_in", &form, None, ip).await
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut req = Request::get(path).header(header::HOST, HOST);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }
}

/// The admin API token `with_api_token` installs.
pub const API_TOKEN: &str = "dtk_test-token-for-the-management-api";

pub async fn with_api_token(app: &TestApp) {
    store::api_tokens::insert(
        &app.db,
        "ci",
        &datong::crypto::token::token_hash(API_TOKEN),
        "test",
        start_time(),
    )
    .await
    .unwrap();
}

/// A management API call with `API_TOKEN`.
pub async fn api_call(
    app: &TestApp,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {API_TOKEN}"));
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    let body = body.map(|b| Body::from(b.to_string())).unwrap_or_default();
    app.send(req.body(body).unwrap()).await
}

/// `name=value` from a Set-Cookie header, for sending back.
pub fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}
