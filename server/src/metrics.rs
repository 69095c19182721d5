//! Operators' figures in the Prometheus text format, recorded with the `metrics` facade and
//! rendered by `metrics-exporter-prometheus`. One recorder per process (installed on first use);
//! the names and labels below are the contract with dashboards and alerts, so they are declared
//! here once. Labels never carry user data: modes, source identifiers, outcomes, route
//! templates, WeChat endpoint paths and errcodes only.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::DatabaseConnection;

pub const LOGINS: &str = "datong_logins_total";
pub const LOGIN_SECONDS: &str = "datong_login_duration_seconds";
pub const HTTP_REQUESTS: &str = "datong_http_requests_total";
pub const HTTP_SECONDS: &str = "datong_http_request_duration_seconds";
pub const WECHAT_CALLS: &str = "datong_wechat_calls_total";
pub const WECHAT_SECONDS: &str = "datong_wechat_call_duration_seconds";
pub const TOKEN_REFRESHES: &str = "datong_wechat_token_refreshes_total";
pub const TOKEN_WAITS: &str = "datong_wechat_token_waits_total";
pub const WEBHOOK_DELIVERIES: &str = "datong_webhook_deliveries_total";
pub const DB_CONNECTIONS: &str = "datong_db_pool_connections";
pub const DB_ERRORS: &str = "datong_db_errors_total";
pub const DB_STATEMENTS: &str = "datong_db_statements_total";
pub const TICKET_STREAMS: &str = "datong_ticket_streams_open";

/// Latency buckets (seconds): from a cached page to a slow WeChat call.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on the first call. `None` if another recorder was
/// installed first (then nothing is recorded here, and `/metrics` says so).
pub fn handle() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metrics: cannot install the recorder");
                    None
                }
            }
        })
        .clone()
}

fn describe() {
    describe_counter!(LOGINS, "Logins that ended, by mode, source and outcome.");
    describe_histogram!(
        LOGIN_SECONDS,
        metrics::Unit::Seconds,
        "Server time of the request that ends a login (callback, finish or grant), by mode."
    );
    describe_counter!(
        HTTP_REQUESTS,
        "Requests answered, by method, route and status."
    );
    describe_histogram!(
        HTTP_SECONDS,
        metrics::Unit::Seconds,
        "Request latency, by method and route."
    );
    describe_counter!(WECHAT_CALLS, "Calls to WeChat, by endpoint and errcode.");
    describe_histogram!(
        WECHAT_SECONDS,
        metrics::Unit::Seconds,
        "WeChat call latency, by endpoint."
    );
    describe_counter!(TOKEN_REFRESHES, "Server access tokens fetched from WeChat.");
    describe_counter!(
        TOKEN_WAITS,
        "Callers that waited for another instance's or task's token refresh."
    );
    describe_gauge!(DB_CONNECTIONS, "Database pool connections, by state.");
    describe_counter!(DB_ERRORS, "Database statements that failed.");
    describe_counter!(
        DB_STATEMENTS,
        "Database statements sent, by kind (select, insert, update, delete, other)."
    );
    describe_gauge!(TICKET_STREAMS, "Open mini-program code status streams.");
    describe_counter!(
        WEBHOOK_DELIVERIES,
        "Webhook delivery attempts, by outcome (delivered, retry, failed)."
    );
}

/// A login ended.
pub fn login(mode: &str, source: &str, outcome: &str, took: Option<Duration>) {
    counter!(LOGINS, "mode" => mode.to_string(), "source" => source.to_string(), "outcome" => outcome.to_string())
        .increment(1);
    if let Some(took) = took {
        histogram!(LOGIN_SECONDS, "mode" => mode.to_string()).record(took.as_secs_f64());
    }
}

/// A request was answered.
pub fn http(method: &str, route: &str, status: u16, took: Duration) {
    counter!(HTTP_REQUESTS, "method" => method.to_string(), "route" => route.to_string(), "status" => status.to_string())
        .increment(1);
    histogram!(HTTP_SECONDS, "method" => method.to_string(), "route" => route.to_string())
        .record(took.as_secs_f64());
}

/// WeChat answered (`errcode` 0), refused (its errcode) or could not be reached.
pub fn wechat(endpoint: &str, errcode: &str, took: Duration) {
    let endpoint = endpoint.trim_start_matches('/').to_string();
    counter!(WECHAT_CALLS, "endpoint" => endpoint.clone(), "errcode" => errcode.to_string())
        .increment(1);
    histogram!(WECHAT_SECONDS, "endpoint" => endpoint).record(took.as_secs_f64());
}

/// One webhook delivery attempt ended: `delivered`, `retry` or `failed`.
pub fn webhook(outcome: &'static str) {
    counter!(WEBHOOK_DELIVERIES, "outcome" => outcome).increment(1);
}

pub fn token_refreshed() {
    counter!(TOKEN_REFRESHES).increment(1);
}

pub fn token_waited() {
    counter!(TOKEN_WAITS).increment(1);
}

pub fn db_error() {
    counter!(DB_ERRORS).increment(1);
}

/// Counts one statement sent to the database, by its first word.
pub fn db_statement(sql: &str) {
    let word = sql
        .trim_start()
        .split_ascii_whitespace()
        .next()
        .unwrap_or("");
    let kind = ["select", "insert", "update", "delete", "with"]
        .into_iter()
        .find(|k| word.eq_ignore_ascii_case(k))
        .unwrap_or("other");
    counter!(DB_STATEMENTS, "kind" => kind).increment(1);
}

/// Counts an open ticket stream while it lives.
pub struct StreamOpen;

impl StreamOpen {
    pub fn new() -> StreamOpen {
        gauge!(TICKET_STREAMS).increment(1.0);
        StreamOpen
    }
}

impl Default for StreamOpen {
    fn default() -> StreamOpen {
        StreamOpen::new()
    }
}

impl Drop for StreamOpen {
    fn drop(&mut self) {
        gauge!(TICKET_STREAMS).decrement(1.0);
    }
}

/// The pool's state now (read at scrape time).
fn pool_gauges(db: &DatabaseConnection) {
    let (size, idle, max) = match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                pool.num_idle() as u32,
                pool.options().get_max_connections(),
            )
        }
        sea_orm::DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                pool.num_idle() as u32,
                pool.options().get_max_connections(),
            )
        }
        _ => return,
    };
    gauge!(DB_CONNECTIONS, "state" => "in_use").set(f64::from(size.saturating_sub(idle)));
    gauge!(DB_CONNECTIONS, "state" => "idle").set(f64::from(idle));
    gauge!(DB_CONNECTIONS, "state" => "max").set(f64::from(max));
}

/// The text a scrape gets.
pub fn render(db: &DatabaseConnection) -> Option<String> {
    let handle = handle()?;
    pool_gauges(db);
    Some(handle.render())
}

/// Keeps histograms bounded between scrapes.
pub fn upkeep() {
    if let Some(handle) = handle() {
        handle.run_upkeep();
    }
}
