//! Application operations and the application ↔ source association.

use app::model::validate;
use app::model::{AppType, ApplicationInput, ApplicationView, ApplicationWithSecret, FieldError};
use sea_orm::Set;

use super::{Actor, Catalog, CatalogError, logo};
use crate::crypto::token::{random_token, token_hash};
use crate::store::catalog::{self as store, LinksOf};
use crate::store::entities::application;

const ACCESS_TTL: i64 = 3600;
const ID_TTL: i64 = 3600;
const REFRESH_TTL: i64 = 30 * 24 * 3600;

fn uris(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

/// Checks a URI list; every broken entry is reported with its index (`redirect_uris[1]`).
/// `native`: a native application's redirect URIs (private-use schemes allowed).
fn check_uris(field: &str, list: &[String], native: bool, errors: &mut Vec<FieldError>) {
    if list.len() > 20 {
        errors.push(FieldError::new(field, "too_many", "At most 20 URIs."));
    }
    for (i, uri) in list.iter().enumerate() {
        let field = format!("{field}[{i}]");
        let checked = if native {
            validate::native_redirect_uri(&field, uri.trim())
        } else {
            validate::redirect_uri(&field, uri.trim())
        };
        if let Err(e) = checked {
            errors.push(e);
        }
    }
}

/// An application's values once input, stored values and defaults are combined and checked.
struct AppDraft {
    name: String,
    app_type: AppType,
    redirect_uris: Vec<String>,
    logout_uris: Vec<String>,
    access_ttl: i64,
    id_ttl: i64,
    refresh_ttl: i64,
    /// The new set of enabled sources, when the input gives one.
    sources: Option<Vec<i64>>,
}

/// A lifetime: given, else current, else the default; checked against its range.
fn ttl(
    field: &str,
    given: Option<i64>,
    current: Option<i64>,
    default: i64,
    range: (i64, i64),
    errors: &mut Vec<FieldError>,
) -> i64 {
    let v = given.or(current).unwrap_or(default);
    if let Err(e) = validate::ttl(field, v, range.0, range.1) {
        errors.push(e);
    }
    v
}

/// A URI list: given, else current; trimmed and checked.
fn uri_list(
    field: &str,
    given: &Option<Vec<String>>,
    current: Option<&Vec<String>>,
    native: bool,
    errors: &mut Vec<FieldError>,
) -> Vec<String> {
    let list: Vec<String> = given
        .clone()
        .or_else(|| current.cloned())
        .unwrap_or_default()
        .into_iter()
        .map(|u| u.trim().to_string())
        .collect();
    check_uris(field, &list, native, errors);
    list
}

fn uris_json(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

impl Catalog {
    pub(super) fn application_view(
        &self,
        m: application::Model,
        links: &[(i64, i64)],
    ) -> ApplicationView {
        ApplicationView {
            id: m.id,
            sources: links
                .iter()
                .filter(|(a, _)| *a == m.id)
                .map(|(_, s)| *s)
                .collect(),
            name: m.name,
            // An unreadable type counts as a public client: PKCE stays required.
            app_type: AppType::parse(&m.app_type).unwrap_or(AppType::Native),
            client_id: m.client_id,
            redirect_uris: uris(&m.redirect_uris),
            post_logout_redirect_uris: uris(&m.post_logout_redirect_uris),
            access_token_ttl: i64::from(m.access_token_ttl),
            id_token_ttl: i64::from(m.id_token_ttl),
            refresh_token_ttl: i64::from(m.refresh_token_ttl),
            has_logo: m.logo_png.is_some(),
            created_at: m.created_at.to_rfc3339(),
            updated_at: m.updated_at.to_rfc3339(),
        }
    }

    pub async fn list_applications(&self) -> Result<Vec<ApplicationView>, CatalogError> {
        let snapshot = self.snapshot().await?;
        Ok(snapshot
            .applications
            .iter()
            .map(|a| a.view.clone())
            .collect())
    }

    pub async fn get_application(&self, id: i64) -> Result<ApplicationView, CatalogError> {
        let snapshot = self.snapshot().await?;
        let a = snapshot
            .application(id)
            .ok_or(CatalogError::NotFound("application"))?;
        Ok(a.view.clone())
    }

    /// The application as stored now, for a change to start from or to answer with.
    async fn read_application(&self, id: i64) -> Result<ApplicationView, CatalogError> {
        let m = store::application(&self.db, id)
            .await?
            .ok_or(CatalogError::NotFound("application"))?;
        let links = store::links(&self.db, LinksOf::Application(id)).await?;
        Ok(self.application_view(m, &links))
    }

    /// The decided values of an application: input over `current` (or the defaults), checked.
    async fn application_draft(
        &self,
        input: &ApplicationInput,
        current: Option<&ApplicationView>,
    ) -> Result<AppDraft, CatalogError> {
        let mut errors = Vec::new();
        let name = input
            .name
            .as_ref()
            .map(|s| s.trim().to_string())
            .or_else(|| current.map(|c| c.name.clone()))
            .unwrap_or_default();
        if let Err(e) = validate::name("name", &name) {
            errors.push(e);
        }
        let app_type = match (&input.app_type, current) {
            (Some(t), _) => AppType::parse(t.trim()).unwrap_or_else(|| {
                errors.push(FieldError::new(
                    "app_type",
                    "invalid_value",
                    "Choose web, spa, native or mini_program.",
                ));
                AppType::Web
            }),
            (None, Some(c)) => c.app_type,
            (None, None) => AppType::Web,
        };
        let redirect_uris = uri_list(
            "redirect_uris",
            &input.redirect_uris,
            current.map(|c| &c.redirect_uris),
            app_type == AppType::Native,
            &mut errors,
        );
        let logout_uris = uri_list(
            "post_logout_redirect_uris",
            &input.post_logout_redirect_uris,
            current.map(|c| &c.post_logout_redirect_uris),
            false,
            &mut errors,
        );
        let day = 86_400;
        let access_ttl = ttl(
            "access_token_ttl",
            input.access_token_ttl,
            current.map(|c| c.access_token_ttl),
            ACCESS_TTL,
            (60, day),
            &mut errors,
        );
        let id_ttl = ttl(
            "id_token_ttl",
            input.id_token_ttl,
            current.map(|c| c.id_token_ttl),
            ID_TTL,
            (60, day),
            &mut errors,
        );
        let refresh_ttl = ttl(
            "refresh_token_ttl",
            input.refresh_token_ttl,
            current.map(|c| c.refresh_token_ttl),
            REFRESH_TTL,
            (3600, 365 * day),
            &mut errors,
        );
        if let Some(sources) = &input.sources {
            let known: Vec<i64> = store::sources_without_logos(&self.db)
                .await?
                .iter()
                .map(|s| s.id)
                .collect();
            for s in sources.iter().filter(|s| !known.contains(s)) {
                errors.push(FieldError::new(
                    "sources",
                    "not_found",
                    format!("There is no identity source {s}."),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(CatalogError::Invalid(errors));
        }
        let sources = input.sources.clone().map(|mut s| {
            s.sort_unstable();
            s.dedup();
            s
        });
        Ok(AppDraft {
            name,
            app_type,
            redirect_uris,
            logout_uris,
            access_ttl,
            id_ttl,
            refresh_ttl,
            sources,
        })
    }

    pub async fn create_application(
        &self,
        actor: &Actor,
        input: ApplicationInput,
    ) -> Result<ApplicationWithSecret, CatalogError> {
        let d = self.application_draft(&input, None).await?;
        let now = self.clock.now();
        let client_secret = random_token();
        let row = application::ActiveModel {
            name: Set(d.name),
            app_type: Set(d.app_type.as_str().to_string()),
            client_id: Set(format!("dt_{}", &random_token()[..22])),
            client_secret_hash: Set(token_hash(&client_secret)),
            redirect_uris: Set(uris_json(&d.redirect_uris)),
            post_logout_redirect_uris: Set(uris_json(&d.logout_uris)),
            access_token_ttl: Set(d.access_ttl as i32),
            id_token_ttl: Set(d.id_ttl as i32),
            refresh_token_ttl: Set(d.refresh_ttl as i32),
            logo_png: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        // All or nothing: after a failure there is no change to announce.
        let created = store::save_application(&self.db, row, d.sources.as_deref(), now).await?;
        self.changed().await;
        let view = self.read_application(created.id).await?;
        self.audit(
            actor,
            "application.create",
            format!("application:{}", view.client_id),
            None,
            Some(&view),
        )
        .await?;
        Ok(ApplicationWithSecret {
            application: view,
            client_secret,
        })
    }

    pub async fn update_application(
        &self,
        actor: &Actor,
        id: i64,
        input: ApplicationInput,
    ) -> Result<ApplicationView, CatalogError> {
        let before = self.read_application(id).await?;
        let d = self.application_draft(&input, Some(&before)).await?;
        let current = store::application(&self.db, id)
            .await?
            .ok_or(CatalogError::NotFound("application"))?;
        let now = self.clock.now();
        let mut row: application::ActiveModel = current.into();
        row.name = Set(d.name);
        row.app_type = Set(d.app_type.as_str().to_string());
        row.redirect_uris = Set(uris_json(&d.redirect_uris));
        row.post_logout_redirect_uris = Set(uris_json(&d.logout_uris));
        row.access_token_ttl = Set(d.access_ttl as i32);
        row.id_token_ttl = Set(d.id_ttl as i32);
        row.refresh_token_ttl = Set(d.refresh_ttl as i32);
        row.updated_at = Set(now);
        store::save_application(&self.db, row, d.sources.as_deref(), now).await?;
        self.changed().await;
        let after = self.read_application(id).await?;
        self.audit(
            actor,
            "application.update",
            format!("application:{}", after.client_id),
            Some(&before),
            Some(&after),
        )
        .await?;
        Ok(after)
    }

    /// The application an OAuth client id names.
    pub async fn application_by_client_id(
        &self,
        client_id: &str,
    ) -> Result<Option<ApplicationView>, CatalogError> {
        let snapshot = self.snapshot().await?;
        Ok(snapshot.application_of(client_id).map(|a| a.view.clone()))
    }

    /// The application, if `secret` is its client secret. The hashes are compared: timing
    /// tells nothing about the secret itself.
    pub async fn authenticate_client(
        &self,
        client_id: &str,
        secret: &str,
    ) -> Result<Option<ApplicationView>, CatalogError> {
        let snapshot = self.snapshot().await?;
        Ok(snapshot
            .application_of(client_id)
            .filter(|a| a.secret_hash == token_hash(secret))
            .map(|a| a.view.clone()))
    }

    /// The stored logo (PNG), if any.
    pub async fn application_logo(&self, id: i64) -> Result<Option<Vec<u8>>, CatalogError> {
        Ok(store::application(&self.db, id)
            .await?
            .ok_or(CatalogError::NotFound("application"))?
            .logo_png)
    }

    /// Sets (`Some`) or removes the logo; the bytes must decode as PNG or JPEG.
    pub async fn set_application_logo(
        &self,
        actor: &Actor,
        id: i64,
        bytes: Option<&[u8]>,
    ) -> Result<ApplicationView, CatalogError> {
        let current = store::application(&self.db, id)
            .await?
            .ok_or(CatalogError::NotFound("application"))?;
        let png = match bytes {
            Some(b) => Some(logo::to_png("logo", b).map_err(|e| CatalogError::Invalid(vec![e]))?),
            None => None,
        };
        let mut row: application::ActiveModel = current.into();
        row.logo_png = Set(png);
        row.updated_at = Set(self.clock.now());
        store::update_application(&self.db, row).await?;
        self.changed().await;
        let view = self.read_application(id).await?;
        let action = if bytes.is_some() {
            "application.logo.set"
        } else {
            "application.logo.remove"
        };
        self.audit::<ApplicationView>(
            actor,
            action,
            format!("application:{}", view.client_id),
            None,
            None,
        )
        .await?;
        Ok(view)
    }

    /// A new client secret, shown once; the old one stops working.
    pub async fn rotate_client_secret(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<ApplicationWithSecret, CatalogError> {
        let current = store::application(&self.db, id)
            .await?
            .ok_or(CatalogError::NotFound("application"))?;
        let client_secret = random_token();
        let mut row: application::ActiveModel = current.into();
        row.client_secret_hash = Set(token_hash(&client_secret));
        row.updated_at = Set(self.clock.now());
        store::update_application(&self.db, row).await?;
        self.changed().await;
        let view = self.read_application(id).await?;
        self.audit::<ApplicationView>(
            actor,
            "application.rotate_secret",
            format!("application:{}", view.client_id),
            None,
            None,
        )
        .await?;
        Ok(ApplicationWithSecret {
            application: view,
            client_secret,
        })
    }

    pub async fn delete_application(&self, actor: &Actor, id: i64) -> Result<(), CatalogError> {
        let before = self.read_application(id).await?;
        if !store::delete_application(&self.db, id).await? {
            return Err(CatalogError::NotFound("application"));
        }
        self.changed().await;
        self.audit(
            actor,
            "application.delete",
            format!("application:{}", before.client_id),
            Some(&before),
            None,
        )
        .await
    }

    /// Enables (`on`) or disables a source for an application.
    pub async fn associate(
        &self,
        actor: &Actor,
        application_id: i64,
        source_id: i64,
        on: bool,
    ) -> Result<ApplicationView, CatalogError> {
        let app = self.read_application(application_id).await?;
        let source = self.read_source(source_id).await?;
        store::set_link(&self.db, application_id, source_id, on, self.clock.now()).await?;
        self.changed().await;
        let action = if on {
            "association.enable"
        } else {
            "association.disable"
        };
        let target = format!("application:{}/source:{}", app.client_id, source.identifier);
        self.audit::<ApplicationView>(actor, action, target, None, None)
            .await?;
        self.read_application(application_id).await
    }
}
