//! Identity resolution: who a WeChat identity is, on SQLite and PostgreSQL, including
//! concurrent first logins of one person.

use std::sync::Arc;

use app::model::{LinkField, Linking};
use chrono::Duration;
use datong::clock::ManualClock;
use datong::identity::{Identities, Observed, Outcome, Policy, Sighting};
use datong::store::entities::{audit_entry, user};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::support::{each_database, start_time};

fn sighting(appid: &str, openid: &str, unionid: Option<&str>, nickname: &str) -> Sighting {
    Sighting {
        appid: appid.into(),
        openid: openid.into(),
        unionid: unionid.map(str::to_string),
        observed: Observed {
            nickname: Some(nickname.into()),
            ..Observed::default()
        },
        raw: json!({"openid": openid, "nickname": nickname}),
    }
}

fn user_of(outcome: Outcome) -> (String, bool) {
    match outcome {
        Outcome::Resolved { user_id, created } => (user_id, created),
        other => panic!("expected a user, got {other:?}"),
    }
}

async fn users(db: &DatabaseConnection) -> u64 {
    user::Entity::find().count(db).await.unwrap()
}

const WEB: &str = "wx00000000000000a1";
const MP: &str = "wx00000000000000b2";
const OA: &str = "wx00000000000000c3";

#[tokio::test]
async fn resolution_follows_openid_then_unionid_then_policy() {
    each_database(|db, name| async move {
        let clock = Arc::new(ManualClock::new(start_time()));
        let ids = Identities::new(db.clone(), clock.clone());
        let open = Policy::default();

        // New person: a new user.
        let (a, created) = user_of(
            ids.resolve(&sighting(WEB, "o-web-p", Some("u-p"), "小明"), &open)
                .await
                .unwrap(),
        );
        assert!(created, "{name}");

        // Same (appid, openid): the same user, nothing new.
        clock.advance(Duration::minutes(1));
        let (again, created) = user_of(
            ids.resolve(&sighting(WEB, "o-web-p", Some("u-p"), "小明"), &open)
                .await
                .unwrap(),
        );
        assert_eq!((again.as_str(), created), (a.as_str(), false), "{name}");

        // Same unionid from another app: the identity joins the user.
        let (joined, created) = user_of(
            ids.resolve(&sighting(MP, "o-mp-p", Some("u-p"), "微信用户"), &open)
                .await
                .unwrap(),
        );
        assert_eq!((joined.as_str(), created), (a.as_str(), false), "{name}");
        let (profile, identities) = ids.user(&a).await.unwrap().unwrap();
        assert_eq!(identities.len(), 2, "{name}");
        assert_eq!(
            profile.nickname.as_deref(),
            Some("小明"),
            "{name}: placeholder kept out"
        );

        // First seen without a unionid: a separate user…
        let (c, created) = user_of(
            ids.resolve(&sighting(OA, "o-oa-p", None, "Ming"), &open)
                .await
                .unwrap(),
        );
        assert!(created && c != a, "{name}");
        // …until the same identity shows the unionid: it merges into the holder, audited.
        let (merged, created) = user_of(
            ids.resolve(&sighting(OA, "o-oa-p", Some("u-p"), "Ming"), &open)
                .await
                .unwrap(),
        );
        assert_eq!((merged.as_str(), created), (a.as_str(), false), "{name}");
        assert!(
            ids.user(&c).await.unwrap().is_none(),
            "{name}: merged user removed"
        );
        assert_eq!(ids.user(&a).await.unwrap().unwrap().1.len(), 3, "{name}");
        let audit = audit_entry::Entity::find().all(&db).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "user.merge" && e.target == format!("user:{c}")),
            "{name}"
        );

        // Login-only: a stranger is refused and nothing is created; a known person gets in.
        let before = users(&db).await;
        let login_only = Policy {
            login_only: true,
            ..Policy::default()
        };
        assert_eq!(
            ids.resolve(&sighting(WEB, "o-web-q", Some("u-q"), "Q"), &login_only)
                .await
                .unwrap(),
            Outcome::LoginOnly,
            "{name}"
        );
        assert_eq!(users(&db).await, before, "{name}");
        let (known, _) = user_of(
            ids.resolve(&sighting(WEB, "o-web-p", Some("u-p"), "小明"), &login_only)
                .await
                .unwrap(),
        );
        assert_eq!(known, a, "{name}");
        // A known unionid from a new app also counts as an existing account.
        let (known, created) = user_of(
            ids.resolve(
                &sighting("wx00000000000000d4", "o-d4-p", Some("u-p"), "小明"),
                &login_only,
            )
            .await
            .unwrap(),
        );
        assert_eq!((known.as_str(), created), (a.as_str(), false), "{name}");

        // Ask to bind: a decision point, nothing created.
        let ask = Policy {
            linking: Linking::AskToBind,
            ..Policy::default()
        };
        assert_eq!(
            ids.resolve(&sighting(WEB, "o-web-r", None, "R"), &ask)
                .await
                .unwrap(),
            Outcome::AskToBind,
            "{name}"
        );
        assert_eq!(users(&db).await, before, "{name}");
    })
    .await;
}

#[tokio::test]
async fn field_matching_links_on_the_verified_phone_number() {
    each_database(|db, name| async move {
        let clock = Arc::new(ManualClock::new(start_time()));
        let ids = Identities::new(db.clone(), clock.clone());
        let mut with_phone = sighting(MP, "o-mp-s", None, "S");
        with_phone.observed.phone = Some("+8613800138000".into());
        let (s, _) = user_of(ids.resolve(&with_phone, &Policy::default()).await.unwrap());
        let (profile, _) = ids.user(&s).await.unwrap().unwrap();
        assert!(profile.phone_number_verified, "{name}");

        let field_match = Policy {
            linking: Linking::FieldMatch,
            link_field: Some(LinkField::Phone),
            ..Policy::default()
        };
        let mut other_app = sighting("wx00000000000000e5", "o-e5-s", None, "S");
        other_app.observed.phone = Some("+8613800138000".into());
        let (linked, created) = user_of(ids.resolve(&other_app, &field_match).await.unwrap());
        assert_eq!((linked.as_str(), created), (s.as_str(), false), "{name}");

        // A later login without the phone keeps the verified number.
        let (same, _) = user_of(
            ids.resolve(&sighting(MP, "o-mp-s", None, "S"), &Policy::default())
                .await
                .unwrap(),
        );
        assert_eq!(same, s);
        let (profile, _) = ids.user(&s).await.unwrap().unwrap();
        assert_eq!(
            profile.phone_number.as_deref(),
            Some("+8613800138000"),
            "{name}"
        );

        // A match that carries a unionid makes the matched user its holder: the person's
        // next app with that unionid finds the same user.
        let mut with_unionid = sighting("wx00000000000000e7", "o-e7-s", Some("u-s"), "S");
        with_unionid.observed.phone = Some("+8613800138000".into());
        let (linked, _) = user_of(ids.resolve(&with_unionid, &field_match).await.unwrap());
        assert_eq!(linked, s, "{name}");
        let (web, created) = user_of(
            ids.resolve(
                &sighting(WEB, "o-web-s", Some("u-s"), "S"),
                &Policy::default(),
            )
            .await
            .unwrap(),
        );
        assert_eq!((web.as_str(), created), (s.as_str(), false), "{name}");

        // Without matching, the same phone from a third app is a new user.
        let mut third = sighting("wx00000000000000f6", "o-f6-s", None, "S");
        third.observed.phone = Some("+8613800138000".into());
        let (separate, created) = user_of(ids.resolve(&third, &Policy::default()).await.unwrap());
        assert!(created && separate != s, "{name}");
    })
    .await;
}

#[tokio::test]
async fn twenty_concurrent_first_logins_of_one_person_make_one_user() {
    each_database(|db, name| async move {
        let clock = Arc::new(ManualClock::new(start_time()));
        let ids = Identities::new(db.clone(), clock.clone());
        // One person, one unionid, logging in at once through two apps, ten times each
        // (the same openid per app, as a duplicated callback would).
        let mut tasks = Vec::new();
        for i in 0..20 {
            let ids = ids.clone();
            let (appid, openid) = if i % 2 == 0 {
                (WEB, "o-web-z")
            } else {
                (MP, "o-mp-z")
            };
            let s = sighting(appid, openid, Some("u-z"), "Z");
            tasks.push(tokio::spawn(async move {
                ids.resolve(&s, &Policy::default()).await.unwrap()
            }));
        }
        let mut seen = std::collections::BTreeSet::new();
        for t in tasks {
            seen.insert(user_of(t.await.unwrap()).0);
        }
        assert_eq!(seen.len(), 1, "{name}: {seen:?}");
        assert_eq!(users(&db).await, 1, "{name}: a losing user was left behind");
        let user_id = seen.into_iter().next().unwrap();
        assert_eq!(
            ids.user(&user_id).await.unwrap().unwrap().1.len(),
            2,
            "{name}"
        );
    })
    .await;
}
