//! An administrator's corrections of who is who: merge one user into another (with the
//! profile conflicts decided on a preview), link one identity to another user, unlink one into
//! a user of its own. Each is one transaction with its audit entries (before and after), and
//! is refused, changing nothing, when it would break a rule: one unionid per user, and no
//! half of a unionid's identities left behind (the next login would join them again).

use app::model::{MergeField, MergePreview, MergeRequest};
use sea_orm::ConnectionTrait;

use super::{People, PeopleError};
use crate::catalog::Actor;
use crate::identity::profile::{Field, Pins};
use crate::identity::{self, Profile};
use crate::store::entities::{identity as identity_row, user};
use crate::store::{self, merges};

/// A user's profile, identities and pins, as an audit entry records them.
fn snapshot(u: &user::Model, ids: &[identity_row::Model]) -> serde_json::Value {
    serde_json::json!({
        "id": u.id,
        "profile": serde_json::from_str::<serde_json::Value>(&u.profile).unwrap_or_default(),
        "pinned": u.pinned.as_deref().and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok()),
        "identities": ids
            .iter()
            .map(|i| serde_json::json!({"id": i.id, "appid": i.appid, "openid": i.openid, "unionid": i.unionid}))
            .collect::<Vec<_>>(),
    })
}

fn profile_of(u: &user::Model) -> Profile {
    serde_json::from_str(&u.profile).unwrap_or_default()
}

/// The fields of two profiles side by side.
fn fields(into: &Profile, from: &Profile) -> Vec<MergeField> {
    Field::ALL
        .into_iter()
        .map(|f| {
            let (a, b) = (f.value(into), f.value(from));
            MergeField {
                field: f.key().to_string(),
                conflict: a.is_some() && b.is_some() && a != b,
                into: a,
                from: b,
            }
        })
        .collect()
}

fn refused(code: &'static str, message: impl Into<String>) -> PeopleError {
    PeopleError::Refused(code, message.into())
}

fn unionid_conflict(unionids: &[String]) -> PeopleError {
    refused(
        "unionid_conflict",
        format!(
            "the result would hold two unionids ({}): WeChat says these are different people",
            unionids.join(", ")
        ),
    )
}

impl People {
    /// The user `id` as the transaction sees it; the transaction ends if there is none (and
    /// the answer says why).
    async fn live(
        &self,
        txn: sea_orm::DatabaseTransaction,
        id: &str,
    ) -> Result<(sea_orm::DatabaseTransaction, user::Model), PeopleError> {
        match store::identities::user(&txn, id).await? {
            Some(u) => Ok((txn, u)),
            None => {
                drop(txn);
                Err(self.missing(id).await)
            }
        }
    }

    /// The other user of an operation (`from` of a merge): its absence is named.
    async fn other(
        &self,
        txn: sea_orm::DatabaseTransaction,
        id: &str,
    ) -> Result<(sea_orm::DatabaseTransaction, user::Model), PeopleError> {
        self.live(txn, id)
            .await
            .map_err(|e| PeopleError::About(id.to_string(), Box::new(e)))
    }

    pub async fn merge_preview(&self, into: &str, from: &str) -> Result<MergePreview, PeopleError> {
        if into == from {
            return Err(refused(
                "merge_into_self",
                "a user cannot be merged into itself",
            ));
        }
        let a = self.detail(into).await?;
        let b = self
            .detail(from)
            .await
            .map_err(|e| PeopleError::About(from.to_string(), Box::new(e)))?;
        let (pa, pb) = (
            store::identities::user(&self.db, into)
                .await?
                .ok_or(PeopleError::NotFound)?,
            store::identities::user(&self.db, from)
                .await?
                .ok_or(PeopleError::NotFound)?,
        );
        let mut unionids: Vec<String> = a
            .identities
            .iter()
            .chain(&b.identities)
            .filter_map(|i| i.unionid.clone())
            .collect();
        unionids.sort();
        unionids.dedup();
        Ok(MergePreview {
            fields: fields(&profile_of(&pa), &profile_of(&pb)),
            refusal: (unionids.len() > 1).then(|| "unionid_conflict".to_string()),
            into: a,
            from: b,
        })
    }

    /// Merges `req.from` into `into`: identities, unionid claims and grants (revoked) move,
    /// `from` is deleted and its ID answers "merged into `into`" from then on.
    pub async fn merge(
        &self,
        actor: &Actor,
        into: &str,
        req: &MergeRequest,
    ) -> Result<(), PeopleError> {
        let from = req.from.trim();
        if into == from {
            return Err(refused(
                "merge_into_self",
                "a user cannot be merged into itself",
            ));
        }
        let mut use_from = Vec::new();
        for key in &req.use_from {
            use_from.push(Field::from_key(key).ok_or_else(|| {
                PeopleError::BadQuery("invalid_field", format!("no profile field {key:?}"))
            })?);
        }
        let now = self.clock.now();
        let txn = self.begin().await?;
        let (txn, a) = self.live(txn, into).await?;
        let (txn, b) = self.other(txn, from).await?;
        let before = serde_json::json!({
            "into": snapshot(&a, &store::identities::identities_of(&txn, into).await?),
            "from": snapshot(&b, &store::identities::identities_of(&txn, from).await?),
        });
        if !merges::absorb(&txn, from, into, now).await? {
            drop(txn);
            return Err(PeopleError::About(
                from.to_string(),
                Box::new(self.missing(from).await),
            ));
        }
        let unionids = merges::unionids_of(&txn, into).await?;
        if unionids.len() > 1 {
            return Err(unionid_conflict(&unionids));
        }
        // The choices: conflicting fields as decided, and what either user had pinned before.
        let (pa, pb) = (profile_of(&a), profile_of(&b));
        let (pins_a, pins_b) = (
            Pins::parse(a.pinned.as_deref()),
            Pins::parse(b.pinned.as_deref()),
        );
        let mut pins = pins_a.clone();
        for f in &pins_b.fields {
            if !pins_a.fields.contains(f) {
                pins.pin(*f, &pins_b.values);
            }
        }
        for m in fields(&pa, &pb).iter().filter(|m| m.conflict) {
            let Some(f) = Field::from_key(&m.field) else {
                continue;
            };
            pins.pin(f, if use_from.contains(&f) { &pb } else { &pa });
        }
        merges::set_pins(&txn, into, pins.to_json()).await?;
        merges::combine_times(&txn, into, b.created_at, b.last_login_at).await?;
        identity::refresh_profile(&txn, into, now).await?;
        let after = self.state_of(&txn, into).await?;
        let label = actor.label();
        store::audit::record(
            &txn,
            now,
            &label,
            "user.merge",
            &format!("user:{into}"),
            Some(before.to_string()),
            Some(after.to_string()),
        )
        .await?;
        store::audit::record(
            &txn,
            now,
            &label,
            "user.merged_into",
            &format!("user:{from}"),
            None,
            Some(serde_json::json!({"merged_into": into}).to_string()),
        )
        .await?;
        let data = serde_json::json!({"user_id": into, "merged_user_id": from});
        self.outbox.emit(&txn, "user.merged", data, now).await?;
        txn.commit().await?;
        Ok(())
    }

    async fn state_of<C: ConnectionTrait>(
        &self,
        db: &C,
        id: &str,
    ) -> Result<serde_json::Value, PeopleError> {
        let u = store::identities::user(db, id)
            .await?
            .ok_or(PeopleError::NotFound)?;
        Ok(snapshot(
            &u,
            &store::identities::identities_of(db, id).await?,
        ))
    }

    /// Moves the identity `identity_id` from its user to `into`. If that user is left with no
    /// identity, it is merged into `into` (its grants move, revoked; its ID answers "merged").
    pub async fn link(
        &self,
        actor: &Actor,
        into: &str,
        identity_id: i64,
    ) -> Result<(), PeopleError> {
        let now = self.clock.now();
        let txn = self.begin().await?;
        let (txn, a) = self.live(txn, into).await?;
        let moving = merges::identity_by_id(&txn, identity_id)
            .await?
            .ok_or(PeopleError::IdentityNotFound)?;
        if moving.user_id == into {
            return Err(refused(
                "already_linked",
                "the user already has this identity",
            ));
        }
        let from = moving.user_id.clone();
        let (txn, b) = self.other(txn, &from).await?;
        let rest: Vec<identity_row::Model> = store::identities::identities_of(&txn, &from)
            .await?
            .into_iter()
            .filter(|i| i.id != identity_id)
            .collect();
        let before = serde_json::json!({
            "into": snapshot(&a, &store::identities::identities_of(&txn, into).await?),
            "from": snapshot(&b, &store::identities::identities_of(&txn, &from).await?),
        });
        let claim = self.claim_moves(&txn, &moving, &rest).await?;
        let emptied = rest.is_empty();
        if emptied {
            if !merges::absorb(&txn, &from, into, now).await? {
                return Err(PeopleError::IdentityNotFound);
            }
            merges::combine_times(&txn, into, b.created_at, b.last_login_at).await?;
        } else if !merges::move_identity(&txn, identity_id, &from, into, claim.as_deref()).await? {
            return Err(PeopleError::IdentityNotFound);
        }
        let unionids = merges::unionids_of(&txn, into).await?;
        if unionids.len() > 1 {
            return Err(unionid_conflict(&unionids));
        }
        identity::refresh_profile(&txn, into, now).await?;
        if !emptied {
            identity::refresh_profile(&txn, &from, now).await?;
        }
        let mut after = serde_json::json!({"into": self.state_of(&txn, into).await?});
        after["from"] = if emptied {
            serde_json::json!({"id": from, "merged_into": into})
        } else {
            self.state_of(&txn, &from).await?
        };
        let label = actor.label();
        let detail = serde_json::json!({"identity": identity_id, "appid": moving.appid, "openid": moving.openid});
        let mut after_a = after.clone();
        after_a["identity"] = detail.clone();
        store::audit::record(
            &txn,
            now,
            &label,
            "user.link",
            &format!("user:{into}"),
            Some(before.to_string()),
            Some(after_a.to_string()),
        )
        .await?;
        store::audit::record(
            &txn,
            now,
            &label,
            "user.identity_moved",
            &format!("user:{from}"),
            Some(before["from"].to_string()),
            Some(
                serde_json::json!({"to": into, "identity": detail, "deleted": emptied}).to_string(),
            ),
        )
        .await?;
        let data = serde_json::json!({
            "user_id": into, "from_user_id": from, "from_user_deleted": emptied,
            "identity": {"appid": moving.appid, "openid": moving.openid, "unionid": moving.unionid},
        });
        self.outbox.emit(&txn, "user.linked", data, now).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Whether the moving identity's unionid claim goes with it: refused when the user's other
    /// identities carry the same unionid (WeChat would join them again at the next login).
    async fn claim_moves<C: ConnectionTrait>(
        &self,
        db: &C,
        moving: &identity_row::Model,
        rest: &[identity_row::Model],
    ) -> Result<Option<String>, PeopleError> {
        let Some(unionid) = moving.unionid.clone() else {
            return Ok(None);
        };
        if rest
            .iter()
            .any(|i| i.unionid.as_deref() == Some(unionid.as_str()))
        {
            return Err(refused(
                "unionid_shared",
                format!(
                    "the user's other identities carry the same unionid {unionid}: WeChat says they are one person (merge the users instead)"
                ),
            ));
        }
        let holder = store::identities::unionid_owner(db, &unionid).await?;
        Ok((holder.as_deref() == Some(moving.user_id.as_str())).then_some(unionid))
    }

    /// Moves the identity `identity_id` out of `id` into a new user of its own; answers the new
    /// user's ID.
    pub async fn unlink(
        &self,
        actor: &Actor,
        id: &str,
        identity_id: i64,
    ) -> Result<String, PeopleError> {
        let now = self.clock.now();
        let txn = self.begin().await?;
        let (txn, a) = self.live(txn, id).await?;
        let all = store::identities::identities_of(&txn, id).await?;
        let Some(moving) = all.iter().find(|i| i.id == identity_id).cloned() else {
            return Err(PeopleError::IdentityNotFound);
        };
        let rest: Vec<identity_row::Model> = all
            .iter()
            .filter(|i| i.id != identity_id)
            .cloned()
            .collect();
        if rest.is_empty() {
            return Err(refused(
                "last_identity",
                "this is the user's only identity: delete the user instead",
            ));
        }
        let before = snapshot(&a, &all);
        let claim = self.claim_moves(&txn, &moving, &rest).await?;
        let new_id = identity::new_user_id();
        store::identities::insert_user(
            &txn,
            &new_id,
            "{}",
            store::identities::Columns {
                phone: None,
                nickname: None,
            },
            now,
        )
        .await?;
        if !merges::move_identity(&txn, identity_id, id, &new_id, claim.as_deref()).await? {
            return Err(PeopleError::IdentityNotFound);
        }
        identity::refresh_profile(&txn, id, now).await?;
        identity::refresh_profile(&txn, &new_id, now).await?;
        let after = serde_json::json!({
            "user": self.state_of(&txn, id).await?,
            "new_user": self.state_of(&txn, &new_id).await?,
        });
        let label = actor.label();
        store::audit::record(
            &txn,
            now,
            &label,
            "user.unlink",
            &format!("user:{id}"),
            Some(before.to_string()),
            Some(after.to_string()),
        )
        .await?;
        store::audit::record(
            &txn,
            now,
            &label,
            "user.created_by_unlink",
            &format!("user:{new_id}"),
            None,
            Some(serde_json::json!({"from": id, "identity": identity_id}).to_string()),
        )
        .await?;
        let data = serde_json::json!({
            "user_id": id, "new_user_id": new_id,
            "identity": {"appid": moving.appid, "openid": moving.openid, "unionid": moving.unionid},
        });
        self.outbox.emit(&txn, "user.unlinked", data, now).await?;
        txn.commit().await?;
        Ok(new_id)
    }

    /// The identity with this OpenID (the console links by OpenID).
    pub async fn identity_by_openid(&self, openid: &str) -> Result<i64, PeopleError> {
        let found = merges::identities_by_openid(&self.db, openid.trim()).await?;
        match found.as_slice() {
            [one] => Ok(one.id),
            [] => Err(PeopleError::IdentityNotFound),
            _ => Err(refused(
                "ambiguous_openid",
                "several identities have this OpenID; use the identity ID",
            )),
        }
    }
}
