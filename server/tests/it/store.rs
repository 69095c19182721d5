//! The store on SQLite and PostgreSQL: the same bodies run on both.

use chrono::Duration;
use datong::store::{self, StoreError};

use crate::support::*;

#[tokio::test]
async fn admin_names_are_unique_by_the_database() {
    each_database(|db, which| async move {
        let now = start_time();
        let a = store::admins::create(&db, "alice", "h1", now)
            .await
            .unwrap();
        assert_eq!(a.name, "alice");
        let dup = store::admins::create(&db, "alice", "h2", now).await;
        assert!(matches!(dup, Err(StoreError::Conflict)), "{which}: {dup:?}");
        assert_eq!(store::admins::count(&db).await.unwrap(), 1, "{which}");
        assert!(
            store::admins::set_password_hash(&db, "alice", "h3", now)
                .await
                .unwrap()
        );
        assert!(
            !store::admins::set_password_hash(&db, "bob", "h3", now)
                .await
                .unwrap()
        );
        let found = store::admins::find_by_name(&db, "alice")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.password_hash, "h3", "{which}");
        assert_eq!(
            found.created_at, now,
            "{which}: timestamps round-trip exactly"
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_creation_of_one_name_yields_one_row() {
    each_database(|db, which| async move {
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    store::admins::create(&db, "racer", &format!("h{i}"), start_time()).await
                })
            })
            .collect();
        let mut created = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => created += 1,
                Err(StoreError::Conflict) => {}
                Err(e) => panic!("{which}: {e}"),
            }
        }
        assert_eq!(created, 1, "{which}");
    })
    .await;
}

#[tokio::test]
async fn sessions_live_until_they_expire_and_can_be_ended() {
    each_database(|db, which| async move {
        let now = start_time();
        let admin = store::admins::create(&db, "carol", "h", now).await.unwrap();
        let expires = now + Duration::hours(1);
        store::sessions::insert(&db, "hash-1", admin.id, now, expires, "10.0.0.1")
            .await
            .unwrap();
        store::sessions::insert(&db, "hash-2", admin.id, now, expires, "10.0.0.2")
            .await
            .unwrap();
        let dup = store::sessions::insert(&db, "hash-1", admin.id, now, expires, "x").await;
        assert!(matches!(dup, Err(StoreError::Conflict)), "{which}");

        let live = store::sessions::find_admin(&db, "hash-1", now + Duration::minutes(59))
            .await
            .unwrap();
        assert_eq!(live.map(|a| a.name).as_deref(), Some("carol"), "{which}");
        assert!(
            store::sessions::find_admin(&db, "hash-1", expires)
                .await
                .unwrap()
                .is_none(),
            "{which}"
        );
        assert!(
            store::sessions::find_admin(&db, "nope", now)
                .await
                .unwrap()
                .is_none()
        );

        store::sessions::delete(&db, "hash-1").await.unwrap();
        assert!(
            store::sessions::find_admin(&db, "hash-1", now)
                .await
                .unwrap()
                .is_none(),
            "{which}"
        );
        assert_eq!(
            store::sessions::delete_for_admin(&db, admin.id)
                .await
                .unwrap(),
            1,
            "{which}"
        );

        store::sessions::insert(&db, "hash-3", admin.id, now, expires, "x")
            .await
            .unwrap();
        assert_eq!(
            store::sessions::purge_expired(&db, expires).await.unwrap(),
            1,
            "{which}"
        );
    })
    .await;
}

#[tokio::test]
async fn sign_in_failures_are_listed_oldest_first_within_the_window() {
    each_database(|db, which| async move {
        let t0 = start_time();
        for s in [30, 10, 20] {
            store::sign_in_failures::record(&db, "account:dave", t0 + Duration::seconds(s))
                .await
                .unwrap();
        }
        store::sign_in_failures::record(&db, "ip:10.0.0.9", t0)
            .await
            .unwrap();
        let got = store::sign_in_failures::since(&db, "account:dave", t0 + Duration::seconds(10))
            .await
            .unwrap();
        assert_eq!(
            got,
            vec![t0 + Duration::seconds(20), t0 + Duration::seconds(30)],
            "{which}"
        );
        store::sign_in_failures::clear(&db, "account:dave")
            .await
            .unwrap();
        assert!(
            store::sign_in_failures::since(&db, "account:dave", t0 - Duration::days(1))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store::sign_in_failures::since(&db, "ip:10.0.0.9", t0 - Duration::days(1))
                .await
                .unwrap()
                .len(),
            1
        );
        store::sign_in_failures::purge_before(&db, t0 + Duration::seconds(1))
            .await
            .unwrap();
        assert!(
            store::sign_in_failures::since(&db, "ip:10.0.0.9", t0 - Duration::days(1))
                .await
                .unwrap()
                .is_empty(),
            "{which}"
        );
    })
    .await;
}

#[tokio::test]
async fn deleting_an_admin_removes_their_sessions() {
    use datong::store::entities::admin;
    use sea_orm::EntityTrait;
    each_database(|db, which| async move {
        let now = start_time();
        let a = store::admins::create(&db, "erin", "h", now).await.unwrap();
        store::sessions::insert(&db, "h-erin", a.id, now, now + Duration::hours(1), "x")
            .await
            .unwrap();
        admin::Entity::delete_by_id(a.id).exec(&db).await.unwrap();
        assert_eq!(
            store::sessions::delete_for_admin(&db, a.id).await.unwrap(),
            0,
            "{which}: cascade"
        );
    })
    .await;
}

#[tokio::test]
async fn an_application_whose_links_fail_is_not_left_behind() {
    use datong::store::entities::application;
    use sea_orm::Set;
    // Its client secret is shown once, in the answer to the creation: an application created
    // without its links would exist with a secret nobody has seen.
    each_database(|db, which| async move {
        let now = start_time();
        let row = |client_id: &str| application::ActiveModel {
            name: Set("Shop".into()),
            app_type: Set("web".into()),
            client_id: Set(client_id.into()),
            client_secret_hash: Set("h".into()),
            redirect_uris: Set("[]".into()),
            post_logout_redirect_uris: Set("[]".into()),
            access_token_ttl: Set(3600),
            id_token_ttl: Set(3600),
            refresh_token_ttl: Set(86400),
            logo_png: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        // A source that does not exist (deleted meanwhile, say): the link cannot be written.
        let failed = store::catalog::save_application(&db, row("dt_a"), Some(&[424242]), now).await;
        assert!(failed.is_err(), "{which}: {failed:?}");
        let apps = store::catalog::applications_without_logos(&db)
            .await
            .unwrap();
        assert!(apps.is_empty(), "{which}: {apps:?}");
        // Without links it is written.
        let made = store::catalog::save_application(&db, row("dt_b"), Some(&[]), now).await;
        assert_eq!(made.unwrap().client_id, "dt_b", "{which}");
    })
    .await;
}
