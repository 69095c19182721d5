//! The catalog in memory. Every login reads its application and source; reading them from the
//! database cost 14 statements per login. The whole catalog (a few dozen rows, logos left out)
//! is kept as one snapshot instead, and dropped whenever it changes:
//! - here, by the catalog's own writes (after they commit);
//! - on another instance (PostgreSQL), by a `NOTIFY` on [`CHANNEL`] that every instance's
//!   listener hears, usually within milliseconds;
//! - in any case once it is older than [`max_age`]: at once while no listener is connected
//!   (PostgreSQL), after a backstop of seconds otherwise.
//!
//! A snapshot read before a change ends is never kept: a generation number counts changes,
//! and a load that raced one is used for its own caller only.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use app::model::{ApplicationView, SourceView};
use sea_orm::{DatabaseBackend, DatabaseConnection};

use crate::store::catalog::{self as store, LinksOf};
use crate::store::notify::{self, Heard, Listener};

/// The notification channel of catalog changes.
pub const CHANNEL: &str = "datong_catalog";

/// A source as the login path needs it: its view and, when it has one, its sealed AppSecret.
pub(super) struct CachedSource {
    pub view: SourceView,
    pub sealed_secret: Option<Vec<u8>>,
}

pub(super) struct CachedApplication {
    pub view: ApplicationView,
    pub secret_hash: String,
}

/// Everything configured, in id order.
pub(super) struct Snapshot {
    pub sources: Vec<CachedSource>,
    pub applications: Vec<CachedApplication>,
}

impl Snapshot {
    pub fn source(&self, id: i64) -> Option<&CachedSource> {
        let at = self.sources.binary_search_by_key(&id, |s| s.view.id).ok()?;
        self.sources.get(at)
    }

    pub fn source_named(&self, identifier: &str) -> Option<&CachedSource> {
        self.sources
            .iter()
            .find(|s| s.view.identifier == identifier)
    }

    pub fn application(&self, id: i64) -> Option<&CachedApplication> {
        let at = self
            .applications
            .binary_search_by_key(&id, |a| a.view.id)
            .ok()?;
        self.applications.get(at)
    }

    pub fn application_of(&self, client_id: &str) -> Option<&CachedApplication> {
        self.applications
            .iter()
            .find(|a| a.view.client_id == client_id)
    }
}

#[derive(Default)]
pub(super) struct Cache {
    kept: RwLock<Option<(Arc<Snapshot>, Instant)>>,
    /// Changes seen so far; a load keeps its snapshot only if none happened while it read.
    generation: AtomicU64,
    /// A PostgreSQL listener is connected: other instances' changes are heard.
    listening: AtomicBool,
    /// One load at a time; the others wait for it and use its snapshot.
    loading: tokio::sync::Mutex<()>,
}

/// How long a snapshot is used without a change being heard.
fn max_age(backend: DatabaseBackend, listening: bool) -> Duration {
    match backend {
        // Until the listener is connected, other instances' changes would go unheard: every
        // read goes to the database.
        DatabaseBackend::Postgres if !listening => Duration::ZERO,
        DatabaseBackend::Postgres => Duration::from_secs(60),
        // One process writes an SQLite file in a deployment; another one (two servers on one
        // file) is heard of only through this.
        _ => Duration::from_secs(5),
    }
}

impl Cache {
    fn kept(&self, backend: DatabaseBackend) -> Option<Arc<Snapshot>> {
        let kept = self.kept.read().unwrap_or_else(|e| e.into_inner());
        let (snapshot, at) = kept.as_ref()?;
        let fresh = at.elapsed() < max_age(backend, self.listening.load(Ordering::Acquire));
        fresh.then(|| snapshot.clone())
    }

    /// Forgets the snapshot: the next read loads the catalog again.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        *self.kept.write().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The current snapshot, loaded with `load` when there is none (or it is too old).
    pub async fn get<F, Fut, E>(&self, db: &DatabaseConnection, load: F) -> Result<Arc<Snapshot>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Snapshot, E>>,
    {
        let backend = db.get_database_backend();
        if max_age(backend, self.listening.load(Ordering::Acquire)).is_zero() {
            // Nothing would be kept: every caller reads for itself, side by side.
            return Ok(Arc::new(load().await?));
        }
        if let Some(s) = self.kept(backend) {
            return Ok(s);
        }
        let _one = self.loading.lock().await;
        if let Some(s) = self.kept(backend) {
            return Ok(s);
        }
        let generation = self.generation.load(Ordering::Acquire);
        let snapshot = Arc::new(load().await?);
        let mut kept = self.kept.write().unwrap_or_else(|e| e.into_inner());
        if self.generation.load(Ordering::Acquire) == generation {
            *kept = Some((snapshot.clone(), Instant::now()));
        }
        Ok(snapshot)
    }

    /// With PostgreSQL, hears other instances' changes for as long as the process runs.
    pub fn spawn_listener(self: &Arc<Self>, db: DatabaseConnection) {
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return;
        }
        let cache = self.clone();
        tokio::spawn(async move {
            loop {
                match Listener::open(&db, CHANNEL).await {
                    Ok(Some(mut listener)) => {
                        // Changes made before the listener was connected were not heard.
                        cache.listening.store(true, Ordering::Release);
                        cache.invalidate();
                        loop {
                            match listener.next().await {
                                Ok(Heard::Message(_) | Heard::Gap) => cache.invalidate(),
                                Err(e) => {
                                    tracing::warn!(error = %e, "catalog: listener failed");
                                    break;
                                }
                            }
                        }
                        cache.listening.store(false, Ordering::Release);
                        cache.invalidate();
                    }
                    Ok(None) => return,
                    Err(e) => tracing::warn!(error = %e, "catalog: cannot listen for changes"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}

/// Reads the whole catalog (3 statements). Logos stay in the database: the reads answer only
/// whether there is one.
pub(super) async fn load(
    db: &DatabaseConnection,
    source_view: impl Fn(crate::store::entities::identity_source::Model, &[(i64, i64)]) -> SourceView,
    application_view: impl Fn(
        crate::store::entities::application::Model,
        &[(i64, i64)],
    ) -> ApplicationView,
) -> Result<Snapshot, crate::store::StoreError> {
    let links = store::links(db, LinksOf::All).await?;
    let sources = store::sources_without_logos(db)
        .await?
        .into_iter()
        .map(|m| {
            let sealed_secret = m.secret_sealed.clone();
            CachedSource {
                view: source_view(m, &links),
                sealed_secret,
            }
        })
        .collect();
    let applications = store::applications_without_logos(db)
        .await?
        .into_iter()
        .map(|m| {
            let secret_hash = m.client_secret_hash.clone();
            CachedApplication {
                view: application_view(m, &links),
                secret_hash,
            }
        })
        .collect();
    Ok(Snapshot {
        sources,
        applications,
    })
}

/// Tells the other instances (PostgreSQL) that the catalog changed; this one already knows.
/// The change is committed, so a failed announcement is tried again every second for half a
/// minute (the other instances' snapshots expire after a minute in any case).
pub(super) async fn announce(db: &DatabaseConnection) {
    if notify::notify(db, CHANNEL, "changed").await.is_ok() {
        return;
    }
    let db = db.clone();
    tokio::spawn(async move {
        for _ in 0..30 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if notify::notify(&db, CHANNEL, "changed").await.is_ok() {
                return;
            }
        }
        tracing::warn!("catalog: cannot announce a change; other instances see it within a minute");
    });
}
