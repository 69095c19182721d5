//! The sandbox's world, kept in its own tables: open-platform accounts ("WeChat subjects"), the
//! apps they own, and personas. Openids and unionids are derived from a key, not stored: a
//! persona has one openid per app and one unionid per account, stable across restarts.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde::{Deserialize, Serialize};

use super::entities::{account, app, persona};
use super::ids::{self, IdKind};

pub const DEFAULT_ACCOUNT: &str = "Default subject";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppKind {
    Website,
    OfficialAccount,
    MiniProgram,
    MobileApp,
    /// Registered by a call that does not tell the kind (a server access token, say).
    Unknown,
}

impl AppKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AppKind::Website => "website",
            AppKind::OfficialAccount => "official_account",
            AppKind::MiniProgram => "mini_program",
            AppKind::MobileApp => "mobile_app",
            AppKind::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> AppKind {
        match text {
            "website" => AppKind::Website,
            "official_account" => AppKind::OfficialAccount,
            "mini_program" => AppKind::MiniProgram,
            "mobile_app" => AppKind::MobileApp,
            _ => AppKind::Unknown,
        }
    }

    /// Open-platform apps (website, mobile) are refused by the in-WeChat authorize page.
    pub fn is_open_platform(self) -> bool {
        matches!(self, AppKind::Website | AppKind::MobileApp)
    }
}

/// The persona's number as WeChat gives it in `phoneNumber`: with the country code outside
/// mainland China.
pub fn phone_number(p: &persona::Model) -> String {
    if p.country_code == "86" {
        p.phone.clone()
    } else {
        format!("+{}{}", p.country_code, p.phone)
    }
}

/// Changes to an app's settings; `None` leaves a setting as it is.
#[derive(Default)]
pub struct AppChange {
    pub account: Option<Option<i64>>,
    pub redirect_domain: Option<Option<String>>,
    pub server_url: Option<Option<String>>,
    pub kind: Option<AppKind>,
    /// A new AppSecret (as a developer would reset it on WeChat's platform).
    pub secret: Option<String>,
}

/// Why a credential check failed, as WeChat's errcode.
pub type Errcode = i64;

/// A persona's identifiers within one app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub openid: String,
    pub unionid: Option<String>,
}

#[derive(Clone)]
pub struct World {
    db: DatabaseConnection,
    key: [u8; 32],
}

fn secret_hash(secret: &str) -> String {
    crate::crypto::token::token_hash(secret)
}

impl World {
    pub fn new(db: DatabaseConnection, key: [u8; 32]) -> World {
        World { db, key }
    }

    pub async fn app(&self, appid: &str) -> Result<Option<app::Model>, DbErr> {
        app::Entity::find_by_id(appid.to_string())
            .one(&self.db)
            .await
    }

    pub async fn apps(&self) -> Result<Vec<app::Model>, DbErr> {
        app::Entity::find()
            .order_by_asc(app::Column::CreatedAt)
            .all(&self.db)
            .await
    }

    pub async fn accounts(&self) -> Result<Vec<account::Model>, DbErr> {
        account::Entity::find()
            .order_by_asc(account::Column::Id)
            .all(&self.db)
            .await
    }

    /// The account new apps join; created on first use (concurrent callers agree on one).
    pub async fn default_account(&self, now: DateTime<Utc>) -> Result<i64, DbErr> {
        self.create_account(DEFAULT_ACCOUNT, now).await
    }

    /// Creates an account, or returns the one that already has this name.
    pub async fn create_account(&self, name: &str, now: DateTime<Utc>) -> Result<i64, DbErr> {
        account::Entity::insert(account::ActiveModel {
            name: Set(name.to_string()),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict_do_nothing_on([account::Column::Name])
        .exec(&self.db)
        .await?;
        account::Entity::find()
            .filter(account::Column::Name.eq(name))
            .one(&self.db)
            .await?
            .map(|a| a.id)
            .ok_or_else(|| DbErr::RecordNotFound(format!("account {name}")))
    }

    /// The app, registered under the default account when the sandbox has not seen it, so a
    /// freshly configured identity source works at once. A kind learnt from the endpoint
    /// fills in an unknown one.
    pub async fn ensure_app(
        &self,
        appid: &str,
        kind: AppKind,
        now: DateTime<Utc>,
    ) -> Result<app::Model, DbErr> {
        if let Some(found) = self.app(appid).await? {
            if found.kind == AppKind::Unknown.as_str() && kind != AppKind::Unknown {
                let mut active: app::ActiveModel = found.into();
                active.kind = Set(kind.as_str().to_string());
                return active.update(&self.db).await;
            }
            return Ok(found);
        }
        let account = self.default_account(now).await?;
        self.create_app(
            appid,
            None,
            kind,
            &format!("App {appid}"),
            Some(account),
            now,
        )
        .await?;
        self.app(appid)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(appid.to_string()))
    }

    /// Registers an app; an existing appid is left as it is.
    pub async fn create_app(
        &self,
        appid: &str,
        secret: Option<&str>,
        kind: AppKind,
        name: &str,
        account: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        app::Entity::insert(app::ActiveModel {
            appid: Set(appid.to_string()),
            secret_hash: Set(secret.map(secret_hash).unwrap_or_default()),
            kind: Set(kind.as_str().to_string()),
            name: Set(name.to_string()),
            account_id: Set(account),
            redirect_domain: Set(None),
            server_url: Set(None),
            created_at: Set(now),
        })
        .on_conflict_do_nothing_on([app::Column::Appid])
        .exec(&self.db)
        .await?;
        Ok(())
    }

    /// Checks an AppID and AppSecret the way WeChat's server APIs do: a malformed appid is
    /// 40013, a wrong secret 40125. An unseen appid (or one without a secret yet) takes the
    /// secret it is first called with.
    pub async fn authenticate(
        &self,
        appid: &str,
        secret: &str,
        kind: AppKind,
        now: DateTime<Utc>,
    ) -> Result<Result<app::Model, Errcode>, DbErr> {
        if !ids::is_appid(appid) {
            return Ok(Err(40013));
        }
        if secret.is_empty() {
            return Ok(Err(41004));
        }
        let found = self.ensure_app(appid, kind, now).await?;
        if found.secret_hash.is_empty() {
            // First come, first served, also between concurrent first calls.
            app::Entity::update_many()
                .col_expr(
                    app::Column::SecretHash,
                    sea_orm::sea_query::Expr::value(secret_hash(secret)),
                )
                .filter(app::Column::Appid.eq(appid))
                .filter(app::Column::SecretHash.eq(""))
                .exec(&self.db)
                .await?;
            let again = self
                .app(appid)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound(appid.to_string()))?;
            return Ok(check(again, secret));
        }
        Ok(check(found, secret))
    }

    pub async fn update_app(&self, appid: &str, change: AppChange) -> Result<bool, DbErr> {
        let AppChange {
            account,
            redirect_domain,
            server_url,
            kind,
            secret,
        } = change;
        let Some(found) = self.app(appid).await? else {
            return Ok(false);
        };
        let mut active: app::ActiveModel = found.into();
        if let Some(account) = account {
            active.account_id = Set(account);
        }
        if let Some(domain) = redirect_domain {
            active.redirect_domain = Set(domain);
        }
        if let Some(kind) = kind {
            active.kind = Set(kind.as_str().to_string());
        }
        if let Some(secret) = secret {
            active.secret_hash = Set(secret_hash(&secret));
        }
        if let Some(url) = server_url {
            active.server_url = Set(url);
        }
        active.update(&self.db).await?;
        Ok(true)
    }

    pub async fn personas(&self) -> Result<Vec<persona::Model>, DbErr> {
        persona::Entity::find()
            .order_by_asc(persona::Column::Id)
            .all(&self.db)
            .await
    }

    pub async fn persona(&self, id: i64) -> Result<Option<persona::Model>, DbErr> {
        persona::Entity::find_by_id(id).one(&self.db).await
    }

    pub async fn create_persona(
        &self,
        nickname: &str,
        country_code: &str,
        phone: &str,
        now: DateTime<Utc>,
    ) -> Result<persona::Model, DbErr> {
        let created = persona::ActiveModel {
            nickname: Set(nickname.to_string()),
            avatar_url: Set(String::new()),
            country_code: Set(country_code.to_string()),
            phone: Set(phone.to_string()),
            snapshot: Set(false),
            blocked: Set(false),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(created)
    }

    pub async fn set_persona_flags(
        &self,
        id: i64,
        snapshot: Option<bool>,
        blocked: Option<bool>,
    ) -> Result<Option<persona::Model>, DbErr> {
        let Some(found) = self.persona(id).await? else {
            return Ok(None);
        };
        let mut active: persona::ActiveModel = found.into();
        if let Some(s) = snapshot {
            active.snapshot = Set(s);
        }
        if let Some(b) = blocked {
            active.blocked = Set(b);
        }
        Ok(Some(active.update(&self.db).await?))
    }

    /// The persona's openid and unionid in `app`. Apps outside any account have no unionid;
    /// snapshot personas get virtual identifiers.
    pub fn identity(&self, app: &app::Model, persona: &persona::Model) -> Identity {
        // Snapshot pages exist only for official-account web authorization (§3).
        if persona.snapshot && app.kind == AppKind::OfficialAccount.as_str() {
            return Identity {
                openid: ids::derived_id(&self.key, IdKind::VirtualOpenId, &app.appid, persona.id),
                unionid: app.account_id.map(|a| {
                    ids::derived_id(
                        &self.key,
                        IdKind::VirtualOpenId,
                        &format!("account:{a}"),
                        persona.id,
                    )
                }),
            };
        }
        Identity {
            openid: ids::derived_id(&self.key, IdKind::OpenId, &app.appid, persona.id),
            unionid: app
                .account_id
                .map(|a| ids::derived_id(&self.key, IdKind::UnionId, &a.to_string(), persona.id)),
        }
    }
}

fn check(app: app::Model, secret: &str) -> Result<app::Model, Errcode> {
    if app.secret_hash == secret_hash(secret) {
        Ok(app)
    } else {
        Err(40125)
    }
}
