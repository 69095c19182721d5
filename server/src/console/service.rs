//! The implementation of app's `ConsoleBackend`: sign-in with throttling, sessions.

use std::sync::Arc;

use app::backend::{Admin, BackendError, ConsoleBackend, RequestMeta, SignInDecision};
use async_trait::async_trait;
use chrono::Duration;
use sea_orm::DatabaseConnection;

use super::throttle;
use crate::clock::Clock;
use crate::crypto::{password, token};
use crate::store::{self, StoreError};

pub struct ConsoleService {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    session_ttl: Duration,
}

impl ConsoleService {
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>, session_hours: u32) -> Self {
        ConsoleService {
            db,
            clock,
            session_ttl: Duration::hours(i64::from(session_hours)),
        }
    }
}

fn internal(e: StoreError) -> BackendError {
    tracing::error!(error = %e, "console store error");
    BackendError("storage unavailable".into())
}

#[async_trait]
impl ConsoleBackend for ConsoleService {
    async fn sign_in(
        &self,
        name: &str,
        password_text: &str,
        meta: &RequestMeta,
    ) -> Result<SignInDecision, BackendError> {
        let now = self.clock.now();
        let name = name.trim();
        let subjects = [format!("account:{name}"), format!("ip:{}", meta.ip)];

        // Every attempt is recorded as a failure before the password is checked, so parallel
        // attempts see each other and no more than LIMIT get through a window; a success
        // removes its records again.
        let mut own = Vec::with_capacity(subjects.len());
        for subject in &subjects {
            own.push(
                store::sign_in_failures::record(&self.db, subject, now)
                    .await
                    .map_err(internal)?,
            );
        }
        let mut wait = None;
        for subject in &subjects {
            let mut times =
                store::sign_in_failures::since(&self.db, subject, now - throttle::window())
                    .await
                    .map_err(internal)?;
            if let Some(mine) = times.iter().rposition(|t| *t == now) {
                times.remove(mine);
            }
            wait = wait.max(throttle::retry_after(&times, now));
        }
        if let Some(retry_after_secs) = wait {
            // A refused attempt is not a guess: it does not extend the lock.
            store::sign_in_failures::delete(&self.db, &own)
                .await
                .map_err(internal)?;
            tracing::warn!(ip = %meta.ip, retry_after_secs, "sign-in throttled");
            return Ok(SignInDecision::Throttled { retry_after_secs });
        }

        let admin = store::admins::find_by_name(&self.db, name)
            .await
            .map_err(internal)?;
        let candidate = password_text.to_string();
        let stored = admin.as_ref().map(|a| a.password_hash.clone());
        let ok = tokio::task::spawn_blocking(move || match stored {
            Some(hash) => password::verify(&hash, &candidate),
            None => {
                password::verify_against_nothing(&candidate);
                false
            }
        })
        .await
        .unwrap_or(false);

        let admin = match (ok, admin) {
            (true, Some(admin)) => admin,
            (_, known) => {
                let _ =
                    store::sign_in_failures::purge_before(&self.db, now - Duration::hours(1)).await;
                // The name is logged only when it is a real account: people paste passwords
                // into name fields.
                match known {
                    Some(a) => tracing::warn!(admin = %a.name, ip = %meta.ip, "sign-in failed"),
                    None => tracing::warn!(ip = %meta.ip, "sign-in failed: unknown name"),
                }
                return Ok(SignInDecision::Rejected);
            }
        };

        store::sign_in_failures::delete(&self.db, &own)
            .await
            .map_err(internal)?;
        let session_token = token::random_token();
        let expires = now + self.session_ttl;
        store::sessions::insert(
            &self.db,
            &token::token_hash(&session_token),
            admin.id,
            now,
            expires,
            &meta.ip,
        )
        .await
        .map_err(internal)?;
        store::sign_in_failures::clear(&self.db, &subjects[0])
            .await
            .map_err(internal)?;
        store::admins::record_sign_in(&self.db, admin.id, now)
            .await
            .map_err(internal)?;
        let _ = store::sessions::purge_expired(&self.db, now).await;
        tracing::info!(admin = name, ip = %meta.ip, "administrator signed in");
        Ok(SignInDecision::Signed {
            token: session_token,
            max_age_secs: self.session_ttl.num_seconds(),
        })
    }

    async fn sign_out(&self, session_token: &str) -> Result<(), BackendError> {
        store::sessions::delete(&self.db, &token::token_hash(session_token))
            .await
            .map_err(internal)
    }

    async fn authenticate(&self, session_token: &str) -> Result<Option<Admin>, BackendError> {
        let admin = store::sessions::find_admin(
            &self.db,
            &token::token_hash(session_token),
            self.clock.now(),
        )
        .await
        .map_err(internal)?;
        Ok(admin.map(|a| Admin::authenticated(a.id, a.name)))
    }
}
