//! Identity source operations.

use app::model::validate::{self, SourceDraft};
use app::model::{LinkField, Linking, SourceInput, SourceMode, SourceView};
use sea_orm::Set;

use super::{Actor, Catalog, CatalogError, logo};
use crate::crypto::Secret;
use crate::store::StoreError;
use crate::store::catalog::{self as store, LinksOf};
use crate::store::entities::identity_source;

/// The mode's defaults for fields the input leaves out.
fn defaults(mode: SourceMode) -> (Option<String>, Option<String>, Option<String>) {
    let scope = (mode == SourceMode::Webpage).then(|| "snsapi_userinfo".to_string());
    let (page, env) = if mode.uses_mini_program() {
        (
            Some("pages/login/index".to_string()),
            Some("release".to_string()),
        )
    } else {
        (None, None)
    };
    (scope, page, env)
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_string())
}

fn linking_str(l: Linking) -> &'static str {
    match l {
        Linking::Off => "off",
        Linking::FieldMatch => "field_match",
        Linking::AskToBind => "ask_to_bind",
    }
}

fn parse_linking(s: &str) -> Linking {
    match s {
        "field_match" => Linking::FieldMatch,
        "ask_to_bind" => Linking::AskToBind,
        _ => Linking::Off,
    }
}

fn parse_link_field(s: Option<&str>) -> Option<LinkField> {
    match s {
        Some("phone") => Some(LinkField::Phone),
        Some("email") => Some(LinkField::Email),
        _ => None,
    }
}

fn link_field_str(f: LinkField) -> &'static str {
    match f {
        LinkField::Phone => "phone",
        LinkField::Email => "email",
    }
}

/// A WeChat AppID and its AppSecret.
pub type Credentials = (String, Secret<String>);

/// The masked form of a secret: bullets and its last four characters.
pub fn hint(last4: Option<&str>) -> Option<String> {
    last4.map(|l| format!("••••{l}"))
}

fn last4(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

impl Catalog {
    pub(super) fn source_view(
        &self,
        m: identity_source::Model,
        links: &[(i64, i64)],
    ) -> SourceView {
        SourceView {
            id: m.id,
            applications: links
                .iter()
                .filter(|(_, s)| *s == m.id)
                .map(|(a, _)| *a)
                .collect(),
            identifier: m.identifier,
            mode: SourceMode::parse(&m.mode).unwrap_or(SourceMode::PcQrcode),
            display_name: m.display_name,
            callback_url: m.callback_url,
            login_only: m.login_only,
            linking: parse_linking(&m.linking),
            link_field: parse_link_field(m.link_field.as_deref()),
            enabled: m.enabled,
            private_deployment: m.private_deployment,
            appid: m.appid,
            secret_hint: hint(m.secret_last4.as_deref()),
            scope: m.scope,
            page_path: m.page_path,
            env_version: m.env_version,
            original_id: m.original_id,
            embedded_qr: m.embedded_qr,
            has_logo: m.logo_png.is_some(),
            created_at: m.created_at.to_rfc3339(),
            updated_at: m.updated_at.to_rfc3339(),
        }
    }

    /// The AppID whose identities this source's logins produce: its own, or for a mini-program
    /// code source without private deployment, the instance's default mini program's.
    pub fn source_appid(&self, source: &SourceView) -> Option<String> {
        if source.mode == app::model::SourceMode::PcMiniprogramQrcode && !source.private_deployment
        {
            return self.instance.default_miniprogram_appid.clone();
        }
        source.appid.clone()
    }

    pub async fn list_sources(&self) -> Result<Vec<SourceView>, CatalogError> {
        let snapshot = self.snapshot().await?;
        Ok(snapshot.sources.iter().map(|s| s.view.clone()).collect())
    }

    pub async fn get_source(&self, id: i64) -> Result<SourceView, CatalogError> {
        let snapshot = self.snapshot().await?;
        let s = snapshot
            .source(id)
            .ok_or(CatalogError::NotFound("identity source"))?;
        Ok(s.view.clone())
    }

    /// The source as stored now, for a change to start from (not the snapshot, which may be
    /// a moment behind another instance's change).
    pub(super) async fn read_source(&self, id: i64) -> Result<SourceView, CatalogError> {
        let m = store::source(&self.db, id)
            .await?
            .ok_or(CatalogError::NotFound("identity source"))?;
        let links = store::links(&self.db, LinksOf::Source(id)).await?;
        Ok(self.source_view(m, &links))
    }

    /// The stored logo (PNG), if any.
    pub async fn source_logo(&self, id: i64) -> Result<Option<Vec<u8>>, CatalogError> {
        Ok(store::source(&self.db, id)
            .await?
            .ok_or(CatalogError::NotFound("identity source"))?
            .logo_png)
    }

    /// The source a login names, with its own AppID and opened AppSecret (when it has them).
    pub async fn source_for_login(
        &self,
        identifier: &str,
    ) -> Result<Option<(SourceView, Option<Credentials>)>, CatalogError> {
        let snapshot = self.snapshot().await?;
        let Some(s) = snapshot.source_named(identifier) else {
            return Ok(None);
        };
        let credentials = match (&s.view.appid, &s.sealed_secret) {
            (Some(appid), Some(sealed)) => {
                let plain = self
                    .secrets
                    .open(sealed, format!("source:{identifier}").as_bytes())
                    .map_err(|_| CatalogError::Seal)?;
                let secret = String::from_utf8(plain).map_err(|_| CatalogError::Seal)?;
                Some((appid.clone(), Secret::new(secret)))
            }
            _ => None,
        };
        Ok(Some((s.view.clone(), credentials)))
    }

    fn seal(&self, identifier: &str, secret: &str) -> Result<Vec<u8>, CatalogError> {
        self.secrets
            .seal(secret.as_bytes(), format!("source:{identifier}").as_bytes())
            .map_err(|_| CatalogError::Seal)
    }

    pub async fn create_source(
        &self,
        actor: &Actor,
        input: SourceInput,
    ) -> Result<SourceView, CatalogError> {
        let mode_text = text(&input.mode).unwrap_or_default();
        let Some(mode) = SourceMode::parse(&mode_text) else {
            return Err(CatalogError::field(
                "mode",
                "invalid_value",
                "Choose one of pc_qrcode, pc_miniprogram_qrcode, webpage, miniprogram, mobile_app, app_launch_miniprogram.",
            ));
        };
        let (scope, page, env) = defaults(mode);
        let draft = SourceDraft {
            identifier: text(&input.identifier).unwrap_or_default(),
            mode,
            display_name: text(&input.display_name).unwrap_or_default(),
            callback_url: text(&input.callback_url).unwrap_or_default(),
            linking: input.linking.unwrap_or_default(),
            link_field: input.link_field,
            private_deployment: input.private_deployment.unwrap_or(false),
            appid: text(&input.appid).filter(|s| !s.is_empty()),
            new_secret: input.app_secret.clone().filter(|s| !s.is_empty()),
            has_secret: false,
            has_default_mini_program: self.instance.default_miniprogram_appid.is_some(),
            scope: text(&input.scope).or(scope),
            page_path: text(&input.page_path).or(page),
            env_version: text(&input.env_version).or(env),
            original_id: text(&input.original_id).filter(|s| !s.is_empty()),
            embedded_qr: input.embedded_qr.unwrap_or(false),
        };
        let errors = validate::source(&draft);
        if !errors.is_empty() {
            return Err(CatalogError::Invalid(errors));
        }
        let now = self.clock.now();
        let sealed = match &draft.new_secret {
            Some(s) => Some(self.seal(&draft.identifier, s)?),
            None => None,
        };
        let row = identity_source::ActiveModel {
            identifier: Set(draft.identifier.clone()),
            mode: Set(mode.as_str().to_string()),
            display_name: Set(draft.display_name.clone()),
            callback_url: Set(draft.callback_url.clone()),
            login_only: Set(input.login_only.unwrap_or(false)),
            linking: Set(linking_str(draft.linking).to_string()),
            link_field: Set(draft.link_field.map(|f| link_field_str(f).to_string())),
            enabled: Set(input.enabled.unwrap_or(true)),
            private_deployment: Set(draft.private_deployment),
            appid: Set(draft.appid.clone()),
            secret_sealed: Set(sealed),
            secret_last4: Set(draft.new_secret.as_deref().map(last4)),
            scope: Set(draft.scope.clone()),
            page_path: Set(draft.page_path.clone()),
            env_version: Set(draft.env_version.clone()),
            original_id: Set(draft.original_id.clone()),
            embedded_qr: Set(draft.embedded_qr),
            logo_png: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        let created = match store::insert_source(&self.db, row).await {
            Ok(m) => m,
            Err(StoreError::Conflict) => {
                return Err(CatalogError::field(
                    "identifier",
                    "taken",
                    "Another identity source already uses this identifier.",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        self.changed().await;
        let view = self.source_view(created, &[]);
        self.audit(
            actor,
            "source.create",
            format!("source:{}", view.identifier),
            None,
            Some(&view),
        )
        .await?;
        Ok(view)
    }

    pub async fn update_source(
        &self,
        actor: &Actor,
        id: i64,
        input: SourceInput,
    ) -> Result<SourceView, CatalogError> {
        let current = store::source(&self.db, id)
            .await?
            .ok_or(CatalogError::NotFound("identity source"))?;
        let links = store::links(&self.db, LinksOf::Source(id)).await?;
        let before = self.source_view(current.clone(), &links);
        if let Some(ident) = text(&input.identifier)
            && ident != current.identifier
        {
            return Err(CatalogError::field(
                "identifier",
                "immutable",
                "The unique identifier cannot be changed after creation.",
            ));
        }
        if let Some(mode) = text(&input.mode)
            && mode != current.mode
        {
            return Err(CatalogError::field(
                "mode",
                "immutable",
                "The mode cannot be changed; create another identity source instead.",
            ));
        }
        let draft = SourceDraft {
            identifier: current.identifier.clone(),
            mode: before.mode,
            display_name: text(&input.display_name).unwrap_or(current.display_name.clone()),
            callback_url: text(&input.callback_url).unwrap_or(current.callback_url.clone()),
            linking: input.linking.unwrap_or(before.linking),
            link_field: input.link_field.or(before.link_field),
            private_deployment: input
                .private_deployment
                .unwrap_or(current.private_deployment),
            appid: match text(&input.appid) {
                Some(a) if a.is_empty() => None,
                Some(a) => Some(a),
                None => current.appid.clone(),
            },
            new_secret: input.app_secret.clone().filter(|s| !s.is_empty()),
            has_secret: current.secret_sealed.is_some(),
            has_default_mini_program: self.instance.default_miniprogram_appid.is_some(),
            scope: text(&input.scope).or(current.scope.clone()),
            page_path: text(&input.page_path).or(current.page_path.clone()),
            env_version: text(&input.env_version).or(current.env_version.clone()),
            original_id: text(&input.original_id).or(current.original_id.clone()),
            embedded_qr: input.embedded_qr.unwrap_or(current.embedded_qr),
        };
        let errors = validate::source(&draft);
        if !errors.is_empty() {
            return Err(CatalogError::Invalid(errors));
        }
        let mut row: identity_source::ActiveModel = current.clone().into();
        row.display_name = Set(draft.display_name.clone());
        row.callback_url = Set(draft.callback_url.clone());
        row.login_only = Set(input.login_only.unwrap_or(current.login_only));
        row.linking = Set(linking_str(draft.linking).to_string());
        row.link_field = Set(draft.link_field.map(|f| link_field_str(f).to_string()));
        row.enabled = Set(input.enabled.unwrap_or(current.enabled));
        row.private_deployment = Set(draft.private_deployment);
        row.appid = Set(draft.appid.clone());
        if let Some(secret) = &draft.new_secret {
            row.secret_sealed = Set(Some(self.seal(&current.identifier, secret)?));
            row.secret_last4 = Set(Some(last4(secret)));
        }
        row.scope = Set(draft.scope.clone());
        row.page_path = Set(draft.page_path.clone());
        row.env_version = Set(draft.env_version.clone());
        row.original_id = Set(draft.original_id.clone());
        row.embedded_qr = Set(draft.embedded_qr);
        row.updated_at = Set(self.clock.now());
        let updated = store::update_source(&self.db, row).await?;
        self.changed().await;
        let after = self.source_view(updated, &links);
        self.audit(
            actor,
            "source.update",
            format!("source:{}", after.identifier),
            Some(&before),
            Some(&after),
        )
        .await?;
        Ok(after)
    }

    /// Sets (`Some`) or removes the logo; the bytes must decode as PNG or JPEG.
    pub async fn set_source_logo(
        &self,
        actor: &Actor,
        id: i64,
        bytes: Option<&[u8]>,
    ) -> Result<SourceView, CatalogError> {
        let current = store::source(&self.db, id)
            .await?
            .ok_or(CatalogError::NotFound("identity source"))?;
        let png = match bytes {
            Some(b) => Some(logo::to_png("logo", b).map_err(|e| CatalogError::Invalid(vec![e]))?),
            None => None,
        };
        let mut row: identity_source::ActiveModel = current.clone().into();
        row.logo_png = Set(png);
        row.updated_at = Set(self.clock.now());
        let updated = store::update_source(&self.db, row).await?;
        self.changed().await;
        let links = store::links(&self.db, LinksOf::Source(id)).await?;
        let view = self.source_view(updated, &links);
        let action = if bytes.is_some() {
            "source.logo.set"
        } else {
            "source.logo.remove"
        };
        self.audit::<SourceView>(
            actor,
            action,
            format!("source:{}", view.identifier),
            None,
            None,
        )
        .await?;
        Ok(view)
    }

    pub async fn delete_source(&self, actor: &Actor, id: i64) -> Result<(), CatalogError> {
        let before = self.read_source(id).await?;
        if !store::delete_source(&self.db, id).await? {
            return Err(CatalogError::NotFound("identity source"));
        }
        self.changed().await;
        self.audit(
            actor,
            "source.delete",
            format!("source:{}", before.identifier),
            Some(&before),
            None,
        )
        .await
    }
}
