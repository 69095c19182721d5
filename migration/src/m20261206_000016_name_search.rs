//! Finding users by part of their name without reading every user.
//!
//! - SQLite: a contentless FTS5 index of trigrams over `users.nickname` (the names are not
//!   stored twice), keyed by a number per user from `users_name_keys`, kept by triggers, so no
//!   code path can forget it. The list's index by
//!   last login also carries the name, so a search that still walks users in login order (one or
//!   two characters, or a very common text) reads the index, not the rows.
//! - PostgreSQL: a `pg_trgm` GIN index on `lower(nickname)`. `pg_trgm` ships with PostgreSQL's
//!   contrib package and is a trusted extension, but a server may lack it or the role may not be
//!   allowed to create it: then the migration says so in the server log and searches walk users
//!   in login order, as before. Creating it later and running the index statement by hand is
//!   enough; no code changes. The index is built inside the migration: at 1,000,000 users that
//!   takes about 5 s on a 2-core machine, during which other instances' writes to `users` wait.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_UP: &[&str] = &[
    // A stable number per user: `users.id` is text, and the table's hidden rowid may change
    // (VACUUM, a dump and restore), so the index is keyed by a number of its own.
    "CREATE TABLE IF NOT EXISTS users_name_keys (\
        k INTEGER PRIMARY KEY, user_id TEXT NOT NULL UNIQUE)",
    // Contentless: the names stay in `users`; rows are deleted by number alone.
    "CREATE VIRTUAL TABLE IF NOT EXISTS users_name USING fts5(\
        nickname, content='', contentless_delete=1, tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS users_name_insert AFTER INSERT ON users BEGIN \
        INSERT INTO users_name_keys(user_id) VALUES (new.id); \
        INSERT INTO users_name(rowid, nickname) \
            SELECT k, new.nickname FROM users_name_keys \
            WHERE user_id = new.id AND new.nickname IS NOT NULL; END",
    "CREATE TRIGGER IF NOT EXISTS users_name_delete AFTER DELETE ON users BEGIN \
        DELETE FROM users_name WHERE rowid = (SELECT k FROM users_name_keys WHERE user_id = old.id); \
        DELETE FROM users_name_keys WHERE user_id = old.id; END",
    "CREATE TRIGGER IF NOT EXISTS users_name_update AFTER UPDATE OF nickname ON users \
        WHEN old.nickname IS NOT new.nickname BEGIN \
        DELETE FROM users_name WHERE rowid = (SELECT k FROM users_name_keys WHERE user_id = old.id); \
        INSERT INTO users_name(rowid, nickname) \
            SELECT k, new.nickname FROM users_name_keys \
            WHERE user_id = new.id AND new.nickname IS NOT NULL; END",
    // The users already there.
    "INSERT OR IGNORE INTO users_name_keys(user_id) SELECT id FROM users",
    "INSERT INTO users_name(rowid, nickname) \
        SELECT k.k, u.nickname FROM users_name_keys k JOIN users u ON u.id = k.user_id \
        WHERE u.nickname IS NOT NULL",
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
    "DROP TABLE IF EXISTS users_name_keys",
];

/// One block, so that a missing or forbidden extension is caught inside it (a failed statement
/// would otherwise abort the migration's transaction).
const POSTGRES_UP: &str = r#"
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX IF NOT EXISTS idx_users_nickname_trgm ON users USING gin (lower(nickname) gin_trgm_ops);
EXCEPTION
    -- No extension files, no right to create it, or (another schema of the same database
    -- holds it) no operator class in reach. Anything else fails the migration.
    WHEN undefined_file OR insufficient_privilege OR feature_not_supported OR undefined_object THEN
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
