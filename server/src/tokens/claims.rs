//! What an application learns about a person, by scope: `profile` gives the standardized
//! profile, the unionid and the WeChat identities (under a namespaced claim); `phone` gives the
//! WeChat-verified phone number. `sub` is always the Datong user id.

use serde_json::{Map, Value, json};

use crate::identity::Profile;

/// The claim listing a user's WeChat identities.
pub const WECHAT_IDENTITIES: &str = "https://datong.dev/claims/wechat_identities";

/// One WeChat identity as a claim shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityClaim {
    pub appid: String,
    pub openid: String,
    pub unionid: Option<String>,
}

/// A user as claims see them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Person {
    pub user_id: String,
    pub profile: Profile,
    pub identities: Vec<IdentityClaim>,
    /// When the profile last changed (seconds since the epoch).
    pub updated_at: i64,
    /// An administrator blocked the user: no tokens are issued for them.
    pub blocked: bool,
}

impl Person {
    /// The person a stored user record describes.
    pub fn from_record((user, profile, identities): crate::identity::UserRecord) -> Person {
        Person {
            blocked: user.blocked_at.is_some(),
            user_id: user.id,
            profile,
            identities: identities
                .into_iter()
                .map(|i| IdentityClaim {
                    appid: i.appid,
                    openid: i.openid,
                    unionid: i.unionid,
                })
                .collect(),
            updated_at: user.updated_at.timestamp(),
        }
    }
}

pub fn has_scope(scope: &str, wanted: &str) -> bool {
    scope.split(' ').any(|s| s == wanted)
}

/// The user's claims for `scope` (as userinfo answers and the ID token carries them).
pub fn user_claims(person: &Person, scope: &str) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("sub".into(), json!(person.user_id));
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            c.insert(k.into(), json!(v));
        }
    };
    let p = &person.profile;
    if has_scope(scope, "profile") {
        put("name", &p.nickname);
        put("nickname", &p.nickname);
        put("picture", &p.picture);
        put("gender", &p.gender);
        put("locale", &p.locale);
        let unionid = person.identities.iter().find_map(|i| i.unionid.clone());
        put("unionid", &unionid);
        c.insert("updated_at".into(), json!(person.updated_at));
        let list: Vec<Value> = person
            .identities
            .iter()
            .map(|i| json!({"appid": i.appid, "openid": i.openid, "unionid": i.unionid}))
            .collect();
        c.insert(WECHAT_IDENTITIES.into(), Value::Array(list));
    }
    if has_scope(scope, "phone") && p.phone_number.is_some() {
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                c.insert(k.into(), json!(v));
            }
        };
        put("phone_number", &p.phone_number);
        c.insert(
            "phone_number_verified".into(),
            json!(p.phone_number_verified),
        );
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> Person {
        Person {
            blocked: false,
            user_id: "u_1".into(),
            profile: Profile {
                nickname: Some("小明".into()),
                gender: Some("male".into()),
                phone_number: Some("+8613800138000".into()),
                phone_number_verified: true,
                ..Profile::default()
            },
            identities: vec![IdentityClaim {
                appid: "wx1".into(),
                openid: "o1".into(),
                unionid: Some("un1".into()),
            }],
            updated_at: 1_700_000_000,
        }
    }

    #[test]
    fn openid_alone_gives_only_the_subject() {
        let c = user_claims(&person(), "openid");
        assert_eq!(c.len(), 1);
        assert_eq!(c["sub"], "u_1");
    }

    #[test]
    fn profile_and_phone_scopes_add_their_claims() {
        let c = user_claims(&person(), "openid profile");
        assert_eq!(c["name"], "小明");
        assert_eq!(c["gender"], "male");
        assert_eq!(c["unionid"], "un1");
        assert_eq!(c[WECHAT_IDENTITIES][0]["openid"], "o1");
        assert!(!c.contains_key("phone_number"), "phone needs its scope");
        assert!(!c.contains_key("picture"), "unknown values are left out");

        let c = user_claims(&person(), "openid phone");
        assert_eq!(c["phone_number"], "+8613800138000");
        assert_eq!(c["phone_number_verified"], true);
        assert!(!c.contains_key("name"));
    }
}
