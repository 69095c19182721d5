//! The implementation of app's `ConsoleBackend`: sign-in with throttling, sessions.

use std::sync::Arc;

use app::backend::{
    Admin, BackendError, ConsoleBackend, ConsoleCatalog, RequestMeta, SignInDecision,
};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use sea_orm::DatabaseConnection;

use super::catalog::CatalogForConsole;
use super::throttle;
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::crypto::{password, token};
use crate::store::entities::admin;
use crate::store::{self, StoreError};

pub struct ConsoleService {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    session_ttl: Duration,
    catalog: CatalogForConsole,
    people: crate::people::People,
    webhooks: crate::webhooks::Webhooks,
}

impl ConsoleService {
    pub fn new(
        db: DatabaseConnection,
        clock: Arc<dyn Clock>,
        session_hours: u32,
        catalog: Catalog,
        people: crate::people::People,
        webhooks: crate::webhooks::Webhooks,
    ) -> Self {
        ConsoleService {
            people,
            webhooks,
            db,
            clock,
            session_ttl: Duration::hours(i64::from(session_hours)),
            catalog: CatalogForConsole(catalog),
        }
    }
}

fn internal(e: StoreError) -> BackendError {
    tracing::error!(error = %e, "console store error");
    BackendError("storage unavailable".into())
}

/// Longest name worth looking up (longer ones cannot be accounts) and longest password worth
/// hashing: bounds what one attempt can make us store or compute.
const MAX_NAME: usize = 64;
const MAX_PASSWORD: usize = 1024;

impl ConsoleService {
    /// Records this attempt as a failure against every subject before the password is checked,
    /// so parallel attempts see each other and no more than LIMIT get through a window. Returns
    /// the records (removed again on success), or the wait when the attempt is throttled.
    async fn admit(
        &self,
        subjects: &[String],
        now: DateTime<Utc>,
    ) -> Result<Result<Vec<i64>, u64>, BackendError> {
        let mut own = Vec::with_capacity(subjects.len());
        for subject in subjects {
            own.push(
                store::sign_in_failures::record(&self.db, subject, now)
                    .await
                    .map_err(internal)?,
            );
        }
        let mut wait = None;
        for subject in subjects {
            let mut times =
                store::sign_in_failures::since(&self.db, subject, now - throttle::window())
                    .await
                    .map_err(internal)?;
            if let Some(mine) = times.iter().rposition(|t| *t == now) {
                times.remove(mine);
            }
            wait = wait.max(throttle::retry_after(&times, now));
        }
        match wait {
            None => Ok(Ok(own)),
            Some(retry_after_secs) => {
                // A refused attempt is not a guess: it does not extend the lock.
                store::sign_in_failures::delete(&self.db, &own)
                    .await
                    .map_err(internal)?;
                Ok(Err(retry_after_secs))
            }
        }
    }

    /// The password matched: forget this attempt and the account's failures, open a session.
    async fn open_session(
        &self,
        admin: &admin::Model,
        attempt: &[i64],
        meta: &RequestMeta,
        now: DateTime<Utc>,
    ) -> Result<SignInDecision, BackendError> {
        store::sign_in_failures::delete(&self.db, attempt)
            .await
            .map_err(internal)?;
        store::sign_in_failures::clear(&self.db, &format!("account:{}", admin.name))
            .await
            .map_err(internal)?;
        let session_token = token::random_token();
        let hash = token::token_hash(&session_token);
        let expires = now + self.session_ttl;
        store::sessions::insert(&self.db, &hash, admin.id, now, expires, &meta.ip)
            .await
            .map_err(internal)?;
        store::admins::record_sign_in(&self.db, admin.id, now)
            .await
            .map_err(internal)?;
        let _ = store::sessions::purge_expired(&self.db, now).await;
        tracing::info!(admin = %admin.name, ip = %meta.ip, "administrator signed in");
        Ok(SignInDecision::Signed {
            token: session_token,
            max_age_secs: self.session_ttl.num_seconds(),
        })
    }
}

#[async_trait]
impl ConsoleBackend for ConsoleService {
    async fn audit_log(
        &self,
        _admin: &Admin,
        limit: u64,
    ) -> Result<Vec<app::model::AuditEntry>, BackendError> {
        let rows = crate::store::audit::recent(&self.db, limit)
            .await
            .map_err(|e| BackendError(e.to_string()))?;
        Ok(rows
            .into_iter()
            .map(|e| app::model::AuditEntry {
                id: e.id,
                at: super::shown_time(e.at),
                actor: e.actor,
                action: e.action,
                target: e.target,
                before: e.before,
                after: e.after,
            })
            .collect())
    }

    fn catalog(&self) -> &dyn ConsoleCatalog {
        &self.catalog
    }

    async fn user(
        &self,
        _admin: &Admin,
        id: &str,
    ) -> Result<app::model::UserView, app::model::ConsoleError> {
        super::people::user(&self.db, self.clock.clone(), id).await
    }

    async fn list_users(
        &self,
        _admin: &Admin,
        query: app::model::UserQuery,
    ) -> Result<app::model::UserPage, app::model::ConsoleError> {
        Ok(self.people.list(query).await?)
    }

    async fn user_detail(
        &self,
        _admin: &Admin,
        id: &str,
    ) -> Result<app::model::UserDetail, app::model::ConsoleError> {
        Ok(self.people.detail(id).await?)
    }

    async fn set_user_blocked(
        &self,
        admin: &Admin,
        id: &str,
        blocked: bool,
    ) -> Result<(), app::model::ConsoleError> {
        let actor = crate::catalog::Actor::Admin(admin.name().to_string());
        if blocked {
            Ok(self.people.block(&actor, id).await?)
        } else {
            Ok(self.people.unblock(&actor, id).await?)
        }
    }

    async fn delete_user(&self, admin: &Admin, id: &str) -> Result<(), app::model::ConsoleError> {
        let actor = crate::catalog::Actor::Admin(admin.name().to_string());
        Ok(self.people.delete(&actor, id).await?)
    }

    async fn revoke_user_grant(
        &self,
        admin: &Admin,
        id: &str,
        grant_id: &str,
    ) -> Result<(), app::model::ConsoleError> {
        let actor = crate::catalog::Actor::Admin(admin.name().to_string());
        Ok(self.people.revoke_grant(&actor, id, grant_id).await?)
    }

    async fn merge_preview(
        &self,
        _admin: &Admin,
        id: &str,
        from: &str,
    ) -> Result<app::model::MergePreview, app::model::ConsoleError> {
        Ok(self.people.merge_preview(id, from).await?)
    }

    async fn merge_users(
        &self,
        admin: &Admin,
        id: &str,
        request: app::model::MergeRequest,
    ) -> Result<(), app::model::ConsoleError> {
        let actor = crate::catalog::Actor::Admin(admin.name().to_string());
        Ok(self.people.merge(&actor, id, &request).await?)
    }

    async fn link_identity(
        &self,
        admin: &Admin,
        id: &str,
        openid: &str,
    ) -> Result<(), app::model::ConsoleError> {
        let actor = crate::catalog::Actor::Admin(admin.name().to_string());
        let identity = self.people.identity_by_openid(openid).await?;
        Ok(self.people.link(&actor, id, identity).await?)
    }

    async fn unlink_identity(
        &self,
        admin: &Admin,
        id: &str,
        identity_id: i64,
    ) -> Result<String, app::model::ConsoleError> {
        let actor = crate::catalog::Actor::Admin(admin.name().to_string());
        Ok(self.people.unlink(&actor, id, identity_id).await?)
    }

    async fn list_webhooks(
        &self,
    ) -> Result<Vec<app::model::WebhookView>, app::model::ConsoleError> {
        Ok(self.webhooks.list().await?)
    }

    async fn create_webhook(
        &self,
        admin: &Admin,
        input: app::model::WebhookInput,
    ) -> Result<app::model::WebhookWithSecret, app::model::ConsoleError> {
        let actor = crate::catalog::Actor::Admin(admin.name().to_string());
        Ok(self.webhooks.create(&actor, input).await?)
    }

    async fn set_webhook_enabled(
        &self,
        admin: &Admin,
        id: i64,
        enabled: bool,
    ) -> Result<(), app::model::ConsoleError> {
        let actor = crate::catalog::Actor::Admin(admin.name().to_string());
        let current = self.webhooks.get(id).await?;
        let input = app::model::WebhookInput {
            url: current.url,
            description: current.description,
            events: current.events,
            enabled,
        };
        self.webhooks.update(&actor, id, input).await?;
        Ok(())
    }

    async fn delete_webhook(&self, admin: &Admin, id: i64) -> Result<(), app::model::ConsoleError> {
        let actor = crate::catalog::Actor::Admin(admin.name().to_string());
        Ok(self.webhooks.delete(&actor, id).await?)
    }

    async fn webhook_deliveries(
        &self,
        id: i64,
    ) -> Result<Vec<app::model::DeliveryView>, app::model::ConsoleError> {
        Ok(self.webhooks.deliveries(id).await?)
    }

    async fn resend_delivery(
        &self,
        id: i64,
        delivery: i64,
    ) -> Result<(), app::model::ConsoleError> {
        Ok(self.webhooks.resend(id, delivery).await?)
    }

    async fn send_test_event(&self, id: i64) -> Result<(), app::model::ConsoleError> {
        self.webhooks.send_test(id).await?;
        Ok(())
    }

    async fn login_log(
        &self,
        _admin: &Admin,
        filter: app::model::LoginLogFilter,
        limit: u64,
    ) -> Result<Vec<app::model::LoginLogEntry>, app::model::ConsoleError> {
        super::people::login_log(&self.db, filter, limit).await
    }

    async fn overview(&self, days: u32) -> Result<app::model::Overview, app::model::ConsoleError> {
        crate::stats::overview(
            &self.db,
            self.clock.now(),
            crate::stats::UTC_OFFSET_HOURS,
            days,
        )
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "overview: storage unavailable");
            app::model::ConsoleError::Failed("storage unavailable".into())
        })
    }

    async fn sign_in(
        &self,
        name: &str,
        password_text: &str,
        meta: &RequestMeta,
    ) -> Result<SignInDecision, BackendError> {
        let now = self.clock.now();
        let name: String = name.trim().chars().take(MAX_NAME + 1).collect();
        let plausible = name.chars().count() <= MAX_NAME && password_text.len() <= MAX_PASSWORD;
        let subjects = [format!("account:{name}"), format!("ip:{}", meta.ip)];

        let attempt = match self.admit(&subjects, now).await? {
            Ok(records) => records,
            Err(retry_after_secs) => {
                tracing::warn!(ip = %meta.ip, retry_after_secs, "sign-in throttled");
                return Ok(SignInDecision::Throttled { retry_after_secs });
            }
        };

        let admin = if plausible {
            store::admins::find_by_name(&self.db, &name)
                .await
                .map_err(internal)?
        } else {
            None
        };
        let candidate: String = password_text.chars().take(MAX_PASSWORD).collect();
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

        match (ok, admin) {
            (true, Some(admin)) => self.open_session(&admin, &attempt, meta, now).await,
            (_, known) => {
                let _ =
                    store::sign_in_failures::purge_before(&self.db, now - Duration::hours(1)).await;
                // The name is logged only when it is a real account: people paste passwords
                // into name fields.
                match known {
                    Some(a) => tracing::warn!(admin = %a.name, ip = %meta.ip, "sign-in failed"),
                    None => tracing::warn!(ip = %meta.ip, "sign-in failed: unknown name"),
                }
                Ok(SignInDecision::Rejected)
            }
        }
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
