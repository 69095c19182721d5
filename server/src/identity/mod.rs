//! Who a WeChat identity is. Order: the same (appid, openid) → its user; else the user holding
//! the same unionid (the identity joins them); else the source's linking policy (field match on
//! the verified phone, or ask to bind); else a new user, unless the source is login-only. An
//! identity first seen without a unionid that later shows one joins the user holding it (a late
//! merge, audited). Uniqueness is the database's, so concurrent first logins of one person end
//! with one user.

pub mod profile;

use std::sync::Arc;

use app::model::{LinkField, Linking};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, Set, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::crypto::token::random_token;
use crate::store::entities::{identity, user};
use crate::store::{self, StoreError, identities as db};
pub use profile::{Observed, Profile};

pub const WECHAT: &str = "wechat";

/// One sighting of a WeChat identity, as a login produced it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sighting {
    pub appid: String,
    pub openid: String,
    pub unionid: Option<String>,
    pub observed: Observed,
    /// What WeChat answered, kept as the identity's raw profile.
    pub raw: serde_json::Value,
}

/// The source's rules for people it has not seen before.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Policy {
    pub login_only: bool,
    pub linking: Linking,
    pub link_field: Option<LinkField>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The person is this user (`created`: just now).
    Resolved { user_id: String, created: bool },
    /// New to Datong, and the source admits only existing accounts: nothing was created.
    LoginOnly,
    /// New to Datong, and the source asks whether to bind to an existing account: nothing was
    /// created yet (the person either signs in to an account or asks for a new one).
    AskToBind,
    /// The person is this user, whom an administrator blocked: no login.
    Blocked { user_id: String },
}

#[derive(Serialize, Deserialize)]
struct Stored {
    observed: Observed,
    raw: serde_json::Value,
}

/// A user's row, standardized profile and identities.
pub type UserRecord = (user::Model, Profile, Vec<identity::Model>);

#[derive(Clone)]
pub struct Identities {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    /// SQLite only: resolutions of this process take the write lock one after another, in the
    /// order they asked. SQLite has a single writer anyway; without the queue, every waiting
    /// connection polls for the lock in its busy handler, and whichever polls at the right
    /// moment wins, so one resolution can lose several times in a row (at 8 confirmations at a
    /// time on 2 cores, p99 43–54 ms without the queue, 26–33 ms with it). Other processes on
    /// the same file still wait in the busy handler. Clones share the queue.
    queue: Option<Arc<tokio::sync::Mutex<()>>>,
    /// Where a new user's `user.created` event is written (in the resolution's transaction).
    outbox: crate::webhooks::Outbox,
}

/// The standardized profile of these sightings, and the JSON a user's row keeps of it.
fn standardized(observed: &[Observed]) -> (Profile, String) {
    let profile = profile::standardize(observed);
    let json = serde_json::to_string(&profile).unwrap_or_else(|_| "{}".into());
    (profile, json)
}

/// The searchable columns of a user with this profile.
fn columns(profile: &Profile) -> db::Columns<'_> {
    db::Columns {
        phone: profile.phone_number.as_deref(),
        nickname: profile.nickname.as_deref(),
    }
}

/// Recomputes the user's standardized profile from their identities (the latest sighting last),
/// with the fields an administrator pinned laid over it, and stores it.
pub(crate) async fn refresh_profile<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Profile, StoreError> {
    Ok(refresh_row(db, user_id, now, false).await?.0)
}

/// [`refresh_profile`], also marking a login at `now` when `login`; answers the row as written
/// as well (`None`: no such user).
async fn refresh_row<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    now: chrono::DateTime<chrono::Utc>,
    login: bool,
) -> Result<(Profile, Option<user::Model>), StoreError> {
    let mut rows = db::identities_of(db, user_id).await?;
    rows.sort_by_key(|r| (r.last_seen, r.id));
    let observed: Vec<Observed> = rows
        .iter()
        .filter_map(|r| serde_json::from_str::<Stored>(&r.profile).ok())
        .map(|s| s.observed)
        .collect();
    let (mut profile, json) = standardized(&observed);
    // The update answers the row, pins included: a user without pins costs no extra read.
    let login = login.then_some(now);
    let row = db::update_user(db, user_id, &json, columns(&profile), now, login).await?;
    let pins = profile::Pins::parse(row.as_ref().and_then(|r| r.pinned.as_deref()));
    if !pins.is_empty() {
        pins.apply(&mut profile);
        let json = serde_json::to_string(&profile).unwrap_or_else(|_| "{}".into());
        db::update_user(db, user_id, &json, columns(&profile), now, None).await?;
    }
    Ok((profile, row))
}

pub(crate) fn new_user_id() -> String {
    format!("u_{}", &random_token()[..22])
}

impl Identities {
    pub fn new(db: DatabaseConnection, clock: Arc<dyn Clock>) -> Identities {
        let queue = (db.get_database_backend() == DbBackend::Sqlite).then(Arc::default);
        Identities {
            db,
            clock,
            queue,
            outbox: Default::default(),
        }
    }

    pub fn with_outbox(mut self, outbox: crate::webhooks::Outbox) -> Identities {
        self.outbox = outbox;
        self
    }

    fn stored(s: &Sighting) -> String {
        serde_json::to_string(&Stored {
            observed: s.observed.clone(),
            raw: s.raw.clone(),
        })
        .unwrap_or_else(|_| "{}".into())
    }

    /// What to keep of an identity's profile after a new sighting: the new values, and the
    /// old ones where the new sighting has none (a base-scope login must not erase a phone).
    fn merged(old: &str, s: &Sighting) -> String {
        let Ok(old) = serde_json::from_str::<Stored>(old) else {
            return Self::stored(s);
        };
        let keep = |new: &Option<String>, old: Option<String>| {
            new.clone().filter(|v| !v.trim().is_empty()).or(old)
        };
        let (n, o) = (&s.observed, old.observed);
        let observed = Observed {
            nickname: keep(&n.nickname, o.nickname),
            avatar: keep(&n.avatar, o.avatar),
            sex: n.sex.filter(|x| *x != 0).or(o.sex),
            country: keep(&n.country, o.country),
            province: keep(&n.province, o.province),
            city: keep(&n.city, o.city),
            language: keep(&n.language, o.language),
            phone: keep(&n.phone, o.phone),
        };
        serde_json::to_string(&Stored {
            observed,
            raw: s.raw.clone(),
        })
        .unwrap_or_else(|_| "{}".into())
    }

    /// Whether this WeChat identity already belongs to someone: its (appid, openid), or its
    /// unionid when it has one. (A base-scope web page login needs no profile then.)
    pub async fn knows(
        &self,
        appid: &str,
        openid: &str,
        unionid: Option<&str>,
    ) -> Result<bool, StoreError> {
        if db::find_identity(&self.db, WECHAT, appid, openid)
            .await?
            .is_some()
        {
            return Ok(true);
        }
        Ok(match unionid {
            Some(u) => db::unionid_owner(&self.db, u).await?.is_some(),
            None => false,
        })
    }

    /// Binds a sighting nobody holds to the existing user `user_id` (ask-to-bind, after the
    /// person proved that account), with an audit entry, in one transaction. `Ok(None)` when it
    /// cannot be bound without breaking a rule: the identity or its unionid belongs to someone
    /// else by now.
    pub async fn bind(
        &self,
        s: &Sighting,
        user_id: &str,
        actor: &str,
    ) -> Result<Option<String>, StoreError> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let _turn = match &self.queue {
            Some(queue) => Some(queue.lock().await),
            None => None,
        };
        let txn = self.db.begin_with_options(options).await?;
        if let Some(found) = db::find_identity(&txn, WECHAT, &s.appid, &s.openid).await? {
            return Ok((found.user_id == user_id).then(|| user_id.to_string()));
        }
        if let Some(unionid) = &s.unionid
            && db::claim_unionid(&txn, unionid, user_id).await? != user_id
        {
            return Ok(None);
        }
        let (holder, _) = self.attach(&txn, s, user_id).await?;
        let after = serde_json::json!({
            "appid": s.appid, "openid": s.openid, "unionid": s.unionid, "user_id": holder,
        });
        store::audit::record(
            &txn,
            self.clock.now(),
            actor,
            "identity.bind",
            &format!("user:{holder}"),
            None,
            Some(after.to_string()),
        )
        .await?;
        txn.commit().await?;
        Ok(Some(holder))
    }

    /// Resolves the sighting in one transaction: every read and write below sees one state,
    /// and a merge that moves identities either happens whole or not at all. On SQLite the
    /// transaction takes the write lock at `BEGIN` (a deferred one would fail at its first write
    /// if another connection wrote meanwhile, instead of waiting its turn); PostgreSQL ignores
    /// the mode, and its unique keys settle concurrent first logins.
    pub async fn resolve(&self, s: &Sighting, policy: &Policy) -> Result<Outcome, StoreError> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let _turn = match &self.queue {
            Some(queue) => Some(queue.lock().await),
            None => None,
        };
        let txn = self.db.begin_with_options(options).await?;
        let outcome = self.resolve_in(&txn, s, policy).await?;
        if let Outcome::Resolved {
            user_id,
            created: true,
        } = &outcome
        {
            let data = serde_json::json!({
                "user_id": user_id, "appid": s.appid, "openid": s.openid, "unionid": s.unionid,
            });
            self.outbox
                .emit(&txn, "user.created", data, self.clock.now())
                .await?;
        }
        txn.commit().await?;
        Ok(outcome)
    }

    async fn resolve_in<C: ConnectionTrait>(
        &self,
        db: &C,
        s: &Sighting,
        policy: &Policy,
    ) -> Result<Outcome, StoreError> {
        let now = self.clock.now();
        if let Some(found) = db::find_identity(db, WECHAT, &s.appid, &s.openid).await? {
            let new_unionid = s.unionid.as_deref().filter(|_| found.unionid.is_none());
            // The write comes first: it waits for an administrator's merge or link holding the
            // row, and answers whose the identity is now.
            let mut user_id = db::touch_identity(
                db,
                found.id,
                new_unionid,
                &Self::merged(&found.profile, s),
                now,
            )
            .await?
            .ok_or(StoreError::Conflict)?;
            // Claimed on every sighting (not only the first with a unionid), so a merge made
            // before merges were transactional and left half-way is completed by the next login.
            if let Some(unionid) = s.unionid.as_deref() {
                user_id = self.late_merge(db, &user_id, unionid).await?;
            }
            let blocked = self.refresh_profile(db, &user_id).await?;
            return Ok(Self::known(user_id, blocked));
        }
        if let Some(unionid) = &s.unionid
            && let Some(holder) = db::unionid_owner(db, unionid).await?
        {
            let (user_id, blocked) = self.attach(db, s, &holder).await?;
            return Ok(Self::known(user_id, blocked));
        }
        if policy.linking == Linking::FieldMatch
            && policy.link_field == Some(LinkField::Phone)
            && let Some(phone) = s.observed.phone.as_deref()
            && let Some(user) = db::user_by_phone(db, phone).await?
        {
            // The matched user also becomes the holder of the unionid, if nobody is yet.
            let owner = match &s.unionid {
                Some(unionid) => db::claim_unionid(db, unionid, &user.id).await?,
                None => user.id,
            };
            let (user_id, blocked) = self.attach(db, s, &owner).await?;
            return Ok(Self::known(user_id, blocked));
        }
        if policy.linking == Linking::AskToBind {
            return Ok(Outcome::AskToBind);
        }
        if policy.login_only {
            return Ok(Outcome::LoginOnly);
        }
        self.create(db, s).await
    }

    /// A new user for a person not seen before. The user is written with the profile of this
    /// one sighting, which is what the profile of a user with this one identity is.
    async fn create<C: ConnectionTrait>(
        &self,
        db: &C,
        s: &Sighting,
    ) -> Result<Outcome, StoreError> {
        let now = self.clock.now();
        let mine = new_user_id();
        let (profile, json) = standardized(std::slice::from_ref(&s.observed));
        db::insert_user(db, &mine, &json, columns(&profile), now).await?;
        let owner = match &s.unionid {
            Some(unionid) => db::claim_unionid(db, unionid, &mine).await?,
            None => mine.clone(),
        };
        let (user_id, blocked) = if owner == mine {
            let (holder, added) = self.add_identity(db, s, &mine).await?;
            if added {
                return Ok(Outcome::Resolved {
                    user_id: mine,
                    created: true,
                });
            }
            let blocked = self.refresh_profile(db, &holder).await?;
            (holder, blocked)
        } else {
            self.attach(db, s, &owner).await?
        };
        if user_id != mine {
            // Another login of the same person committed first (PostgreSQL). Whatever reached
            // our user meanwhile moves to the winner first.
            db::move_identities(db, &mine, &user_id).await?;
            db::delete_user(db, &mine).await?;
            return Ok(Self::known(user_id, blocked));
        }
        Ok(Outcome::Resolved {
            created: true,
            user_id,
        })
    }

    /// A person already known: `user_id`, or refused when an administrator blocked them.
    fn known(user_id: String, blocked: bool) -> Outcome {
        if blocked {
            Outcome::Blocked { user_id }
        } else {
            Outcome::Resolved {
                user_id,
                created: false,
            }
        }
    }

    /// Adds the identity to `user_id` (unless a concurrent login added it already) and returns
    /// the user that holds it, its profile brought up to date.
    async fn attach<C: ConnectionTrait>(
        &self,
        db: &C,
        s: &Sighting,
        user_id: &str,
    ) -> Result<(String, bool), StoreError> {
        let (holder, _) = self.add_identity(db, s, user_id).await?;
        let blocked = self.refresh_profile(db, &holder).await?;
        Ok((holder, blocked))
    }

    /// Adds the identity to `user_id` unless it exists; returns its holder and whether it was
    /// added now.
    async fn add_identity<C: ConnectionTrait>(
        &self,
        db: &C,
        s: &Sighting,
        user_id: &str,
    ) -> Result<(String, bool), StoreError> {
        let now = self.clock.now();
        let added = db::insert_identity_if_absent(
            db,
            identity::ActiveModel {
                user_id: Set(user_id.to_string()),
                provider: Set(WECHAT.into()),
                appid: Set(s.appid.clone()),
                openid: Set(s.openid.clone()),
                unionid: Set(s.unionid.clone()),
                profile: Set(Self::stored(s)),
                first_seen: Set(now),
                last_seen: Set(now),
                ..Default::default()
            },
        )
        .await?;
        if added {
            return Ok((user_id.to_string(), true));
        }
        let holder = db::find_identity(db, WECHAT, &s.appid, &s.openid)
            .await?
            .ok_or(StoreError::Conflict)?
            .user_id;
        Ok((holder, false))
    }

    /// `user_id`'s identity now shows `unionid`: if another user holds it, everything of
    /// `user_id` moves there.
    async fn late_merge<C: ConnectionTrait>(
        &self,
        db: &C,
        user_id: &str,
        unionid: &str,
    ) -> Result<String, StoreError> {
        let holder = db::claim_unionid(db, unionid, user_id).await?;
        if holder != user_id {
            store::merges::absorb(db, user_id, &holder, self.clock.now()).await?;
            store::audit::record(
                db,
                self.clock.now(),
                "system",
                "user.merge",
                &format!("user:{user_id}"),
                None,
                Some(format!(
                    r#"{{"merged_into":"{holder}","unionid_known":true}}"#
                )),
            )
            .await?;
            let data = serde_json::json!({"user_id": holder, "merged_user_id": user_id});
            self.outbox
                .emit(db, "user.merged", data, self.clock.now())
                .await?;
        }
        Ok(holder)
    }

    /// Brings the user's profile up to date at a login and marks the login; answers whether
    /// an administrator blocked the user (one statement for both).
    async fn refresh_profile<C: ConnectionTrait>(
        &self,
        db: &C,
        user_id: &str,
    ) -> Result<bool, StoreError> {
        let (_, row) = refresh_row(db, user_id, self.clock.now(), true).await?;
        Ok(row.is_some_and(|r| r.blocked_at.is_some()))
    }

    /// The user's row, standardized profile and identities.
    pub async fn user_record(&self, user_id: &str) -> Result<Option<UserRecord>, StoreError> {
        let Some((user, identities)) = db::user_with_identities(&self.db, user_id).await? else {
            return Ok(None);
        };
        let profile = serde_json::from_str(&user.profile).unwrap_or_default();
        Ok(Some((user, profile, identities)))
    }

    /// The user's standardized profile and identities.
    pub async fn user(
        &self,
        user_id: &str,
    ) -> Result<Option<(Profile, Vec<identity::Model>)>, StoreError> {
        let Some((user, identities)) = db::user_with_identities(&self.db, user_id).await? else {
            return Ok(None);
        };
        let profile = serde_json::from_str(&user.profile).unwrap_or_default();
        Ok(Some((profile, identities)))
    }
}
