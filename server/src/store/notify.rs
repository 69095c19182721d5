//! Change notifications between instances: PostgreSQL `NOTIFY` / `LISTEN`. SQLite is one
//! process's database, so there notifications stay in-process and these calls do nothing.

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};

use super::StoreError;

fn is_postgres(db: &DatabaseConnection) -> bool {
    db.get_database_backend() == DatabaseBackend::Postgres
}

/// Sends `payload` on `channel` to every listening instance (PostgreSQL only).
pub async fn notify(
    db: &DatabaseConnection,
    channel: &str,
    payload: &str,
) -> Result<(), StoreError> {
    if !is_postgres(db) {
        return Ok(());
    }
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [channel.into(), payload.into()],
    ))
    .await?;
    Ok(())
}

/// What a listener hears next.
pub enum Heard {
    Message(String),
    /// The connection was lost and is being re-established: messages may have been missed.
    Gap,
}

/// A dedicated connection listening on one channel.
pub struct Listener(PgListener);

impl Listener {
    /// `None` on SQLite.
    pub async fn open(
        db: &DatabaseConnection,
        channel: &str,
    ) -> Result<Option<Listener>, StoreError> {
        if !is_postgres(db) {
            return Ok(None);
        }
        let mut listener = PgListener::connect_with(db.get_postgres_connection_pool())
            .await
            .map_err(|e| {
                StoreError::Db(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(
                    e.into(),
                )))
            })?;
        listener.listen(channel).await.map_err(|e| {
            StoreError::Db(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(
                e.into(),
            )))
        })?;
        Ok(Some(Listener(listener)))
    }

    /// Waits for the next message; reconnects by itself after a lost connection.
    pub async fn next(&mut self) -> Result<Heard, StoreError> {
        match self.0.try_recv().await {
            Ok(Some(n)) => Ok(Heard::Message(n.payload().to_string())),
            Ok(None) => Ok(Heard::Gap),
            Err(e) => Err(StoreError::Db(sea_orm::DbErr::Conn(
                sea_orm::RuntimeErr::SqlxError(e.into()),
            ))),
        }
    }
}
