//! Opening the database and bringing its schema up to date.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, RuntimeErr};

/// Connects to SQLite or PostgreSQL. SQLite runs in WAL mode, and a connection that finds the
/// write lock taken (by another connection or a second process on the same file) waits for its
/// turn ([`super::sqlite_wait`]) instead of failing.
/// In-memory SQLite is held to one connection: each connection would be a database of its own.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    if url.starts_with("postgres") {
        probe_postgres(url).await?;
        return open(url, max_connections).await;
    }
    // Switching a fresh file to WAL needs an exclusive lock, and SQLite answers "database is
    // locked" at once, without waiting out the busy timeout, while another process holds it
    // (several instances starting together on a new file). That moment passes quickly.
    let mut attempt = 0u64;
    loop {
        match open(url, max_connections).await {
            Err(e) if attempt < 40 && is_locked(&e) => {
                attempt += 1;
                tracing::debug!(attempt, "database file is locked, retrying");
                tokio::time::sleep(Duration::from_millis(25 * attempt.min(8))).await;
            }
            other => return other,
        }
    }
}

fn is_locked(err: &DbErr) -> bool {
    let text = err.to_string();
    text.contains("database is locked") || text.contains("(code: 5)")
}

/// Connections to one SQLite file, whatever the caller asks for. SQLite has one writer at a
/// time, and a connection waiting for the write lock polls for it (`sqlite_wait`): with ten
/// connections, the waiting and the thread switches it causes cost more CPU than the statements
/// (a fifth of a login's CPU in a profile). Four keep two cores busy. (Reads in WAL mode do not
/// wait for the writer, but while all four connections wait for the write lock, a read waits
/// for a connection.)
const SQLITE_POOL: u32 = 4;

async fn open(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    let mut opt = ConnectOptions::new(url.to_owned());
    let sqlite = url.starts_with("sqlite:");
    let pool = match (in_memory, sqlite) {
        (true, _) => 1,
        (false, true) => max_connections.min(SQLITE_POOL),
        (false, false) => max_connections,
    };
    opt.max_connections(pool)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(acquire_wait(url))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") && !in_memory {
        opt.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        });
        opt.map_sqlx_sqlite_pool_opts(|o| {
            o.after_connect(|conn, _| Box::pin(super::sqlite_wait::install(conn)))
        });
    }
    let mut db = Database::connect(opt).await?;
    // Every statement is counted (`datong_db_statements_total`): what a login costs in
    // round trips shows in the metrics and the benchmarks.
    db.set_metric_callback(|info| crate::metrics::db_statement(&info.statement.sql));
    // A query proves the file really is a database (a corrupt file opens fine and fails here).
    db.execute_unprepared("SELECT 1").await?;
    Ok(db)
}

/// How long a request waits for a connection. PostgreSQL: during an outage a request fails
/// after this (a readable 503) instead of queueing; under load a connection is free again well
/// within it. SQLite cannot go away, but a connection may wait out another's write lock (the
/// busy timeout, 5 s), so the wait for one stays longer than that.
fn acquire_wait(url: &str) -> Duration {
    if url.starts_with("postgres") {
        Duration::from_secs(3)
    } else {
        Duration::from_secs(10)
    }
}

/// One direct connection first: a pool only reports "timed out", this says why (refused,
/// unknown host, wrong password, missing database) and does so at once.
async fn probe_postgres(url: &str) -> Result<(), DbErr> {
    use sea_orm::sqlx::{Connection, postgres::PgConnection};
    let fail = |why: String| DbErr::Conn(RuntimeErr::Internal(why));
    match tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(url)).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Ok(())
        }
        Ok(Err(e)) => Err(fail(e.to_string())),
        Err(_) => Err(fail("no answer within 5 s".into())),
    }
}

/// Applies pending migrations. Another instance may be migrating the same database at the same
/// moment; a failure is retried a few times before it is reported.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let mut attempt = 0;
    loop {
        match Migrator::up(db, None).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 3 => {
                attempt += 1;
                tracing::debug!(error = %e, attempt, "migration failed, retrying");
                tokio::time::sleep(Duration::from_millis(250 * attempt)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The useful part of a database error for a one-line message, without driver noise.
pub fn describe(err: &DbErr) -> String {
    let text = err.to_string();
    let text = text
        .trim_start_matches("Connection Error: ")
        .trim_start_matches("Execution Error: ")
        .trim_start_matches("Failed to acquire connection from pool: ");
    let text = text.replace('\n', " ");
    // PostgreSQL appends the line of its own source file ("... at line 334"): noise to a user.
    match text.rsplit_once(" at line ") {
        Some((head, tail)) if !tail.is_empty() && tail.chars().all(|c| c.is_ascii_digit()) => {
            head.to_string()
        }
        _ => text,
    }
}
