//! Finding users by part of their name without reading every user.
//!
//! - SQLite: an FTS5 index of trigrams over `users.nickname` (external content: the names are
//!   not stored twice), kept by triggers, so no code path can forget it. The list's index by
//!   last login also carries the name, so a search that still walks users in login order (one or
//!   two characters, or a very common text) reads the index, not the rows.
//! - PostgreSQL: a `pg_trgm` GIN index on `lower(nickname)`. `pg_trgm` ships with PostgreSQL's
//!   contrib package and is a trusted extension, but a server may lack it or the role may not be
//!   allowed to create it: then the migration says so in the server log and searches walk users
//!   in login order, as before. Creating it later and running the index statement by hand is
//!   enough; no code changes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE IF NOT EXISTS users_name USING fts5(\
        nickname, content='users', content_rowid='rowid', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS users_name_insert AFTER INSERT ON users \
        WHEN new.nickname IS NOT NULL BEGIN \
        INSERT INTO users_name(rowid, nickname) VALUES (new.rowid, new.nickname); END",
    "CREATE TRIGGER IF NOT EXISTS users_name_delete AFTER DELETE ON users \
        WHEN old.nickname IS NOT NULL BEGIN \
        INSERT INTO users_name(users_name, rowid, nickname) VALUES ('delete', old.rowid, old.nickname); END",
    "CREATE TRIGGER IF NOT EXISTS users_name_update AFTER UPDATE OF nickname ON users \
        WHEN old.nickname IS NOT new.nickname BEGIN \
        INSERT INTO users_name(users_name, rowid, nickname) \
            SELECT 'delete', old.rowid, old.nickname WHERE old.nickname IS NOT NULL; \
        INSERT INTO users_name(rowid, nickname) \
            SELECT new.rowid, new.nickname WHERE new.nickname IS NOT NULL; END",
    // Names already there.
    "INSERT INTO users_name(users_name) VALUES ('rebuild')",
    "DROP INDEX IF EXISTS idx_users_last_login",
    "CREATE INDEX IF NOT EXISTS idx_users_last_login_name ON users (last_login_at, id, nickname)",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS idx_users_last_login_name",
    "CREATE INDEX IF NOT EXISTS idx_users_last_login ON users (last_login_at, id)",
    "DROP TRIGGER IF EXISTS users_name_update",
    "DROP TRIGGER IF EXISTS users_name_delete",
    "DROP TRIGGER IF EXISTS users_name_insert",
    "DROP TABLE IF EXISTS users_name",
];

/// One block, so that a missing or forbidden extension is caught inside it (a failed statement
/// would otherwise abort the migration's transaction).
const POSTGRES_UP: &str = r#"
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX IF NOT EXISTS idx_users_nickname_trgm ON users USING gin (lower(nickname) gin_trgm_ops);
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'datong: name searches will read users in login order: pg_trgm is not usable (%)', SQLERRM;
END
$$"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                for sql in SQLITE_UP {
                    db.execute_unprepared(sql).await?;
                }
            }
            _ => {
                db.execute_unprepared(POSTGRES_UP).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                for sql in SQLITE_DOWN {
                    db.execute_unprepared(sql).await?;
                }
            }
            _ => {
                db.execute_unprepared("DROP INDEX IF EXISTS idx_users_nickname_trgm")
                    .await?;
            }
        }
        Ok(())
    }
}
