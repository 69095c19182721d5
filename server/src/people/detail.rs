//! One user's whole picture: the standardized profile, each identity with the sources of its
//! AppID and the profile WeChat last sent, the grants per application, the newest logins and
//! the audit entries about them.

use std::collections::HashMap;

use app::model::{AuditEntry, GrantView, IdentityDetail, SourceRef, UserDetail};

use super::{People, PeopleError, rfc3339};
use crate::identity::Profile;
use crate::store::{self, users};

/// How many login-log lines and audit entries the detail shows.
const RECENT: u64 = 50;

/// What WeChat sent for an identity, pretty-printed (the stored sighting's `raw`).
fn raw_profile(stored: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(stored).unwrap_or_default();
    let raw = value.get("raw").cloned().unwrap_or(value);
    serde_json::to_string_pretty(&raw).unwrap_or_default()
}

impl People {
    pub async fn detail(&self, id: &str) -> Result<UserDetail, PeopleError> {
        let Some(user) = store::identities::user(&self.db, id).await? else {
            return Err(self.missing(id).await);
        };
        let profile: Profile = serde_json::from_str(&user.profile).unwrap_or_default();
        let identities = store::identities::identities_of(&self.db, id).await?;
        let sources = self.catalog.list_sources().await?;
        let mut by_appid: HashMap<String, Vec<SourceRef>> = HashMap::new();
        for s in &sources {
            if let Some(appid) = self.catalog.source_appid(s) {
                by_appid.entry(appid).or_default().push(SourceRef {
                    id: s.id,
                    identifier: s.identifier.clone(),
                    display_name: s.display_name.clone(),
                    mode: s.mode.as_str().to_string(),
                });
            }
        }
        let applications: HashMap<i64, (String, String)> = self
            .catalog
            .list_applications()
            .await?
            .into_iter()
            .map(|a| (a.id, (a.client_id, a.name)))
            .collect();
        let grants = users::grants_of(&self.db, id)
            .await?
            .into_iter()
            .map(|g| {
                let (client_id, application) = applications
                    .get(&g.application_id)
                    .cloned()
                    .unwrap_or_default();
                GrantView {
                    id: g.id,
                    client_id,
                    application,
                    scope: g.scope,
                    created_at: rfc3339(g.created_at),
                    auth_time: rfc3339(g.auth_time),
                    revoked_at: g.revoked_at.map(rfc3339),
                }
            })
            .collect();
        let logins = users::logins_of(&self.db, id, RECENT)
            .await?
            .into_iter()
            .map(|l| super::log_entry(l, rfc3339))
            .collect();
        let audit = users::audit_of(&self.db, id, RECENT)
            .await?
            .into_iter()
            .map(|e| AuditEntry {
                id: e.id,
                at: rfc3339(e.at),
                actor: e.actor,
                action: e.action,
                target: e.target,
                before: e.before,
                after: e.after,
            })
            .collect();
        let region = profile.region();
        Ok(UserDetail {
            identities: identities
                .into_iter()
                .map(|i| IdentityDetail {
                    id: i.id,
                    sources: by_appid.get(&i.appid).cloned().unwrap_or_default(),
                    raw_profile: raw_profile(&i.profile),
                    appid: i.appid,
                    openid: i.openid,
                    unionid: i.unionid,
                    first_seen: rfc3339(i.first_seen),
                    last_seen: rfc3339(i.last_seen),
                })
                .collect(),
            grants,
            logins,
            audit,
            nickname: profile.nickname,
            picture: profile.picture,
            gender: profile.gender,
            phone_number: profile.phone_number,
            phone_number_verified: profile.phone_number_verified,
            locale: profile.locale,
            region,
            created_at: rfc3339(user.created_at),
            updated_at: rfc3339(user.updated_at),
            last_login_at: user.last_login_at.map(rfc3339),
            blocked_at: user.blocked_at.map(rfc3339),
            id: user.id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::raw_profile;

    #[test]
    fn the_raw_profile_is_what_wechat_sent() {
        let stored = r#"{"observed":{"nickname":"A"},"raw":{"openid":"o1","nickname":"A"}}"#;
        let shown = raw_profile(stored);
        assert!(shown.contains("\"openid\": \"o1\""));
        assert!(!shown.contains("observed"));
    }
}
