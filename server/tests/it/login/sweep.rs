//! Tables that grow with every login stay bounded: expired requests, attempts, codes and
//! sessions, refresh tokens of ended grants, grants with nothing left, and log lines past their
//! retention are swept in batches, while users, identities and live grants stay; one instance
//! at a time holds the sweep's lease.

use chrono::Duration;
use datong::clock::Clock;
use datong::store::entities::{
    audit_entry, auth_code, auth_request, grant, identity, login_attempt, login_log_entry,
    refresh_token, sso_session, user,
};
use datong::store::sweep::{self, Cutoffs};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use serde_json::Value;

use super::harness::{Browser, Rp};
use crate::support::each_database;

/// Row counts of the tables the sweep touches, and of those it must leave alone.
async fn counts(db: &DatabaseConnection) -> Vec<(&'static str, u64)> {
    vec![
        (
            "auth_requests",
            auth_request::Entity::find().count(db).await.unwrap(),
        ),
        (
            "attempts",
            login_attempt::Entity::find().count(db).await.unwrap(),
        ),
        ("codes", auth_code::Entity::find().count(db).await.unwrap()),
        (
            "sso_sessions",
            sso_session::Entity::find().count(db).await.unwrap(),
        ),
        (
            "refresh_tokens",
            refresh_token::Entity::find().count(db).await.unwrap(),
        ),
        (
            "login_log",
            login_log_entry::Entity::find().count(db).await.unwrap(),
        ),
        (
            "audit_log",
            audit_entry::Entity::find().count(db).await.unwrap(),
        ),
        ("users", user::Entity::find().count(db).await.unwrap()),
        (
            "identities",
            identity::Entity::find().count(db).await.unwrap(),
        ),
        ("grants", grant::Entity::find().count(db).await.unwrap()),
    ]
}

fn of(counts: &[(&str, u64)], table: &str) -> u64 {
    counts
        .iter()
        .find(|(t, _)| *t == table)
        .map_or(0, |(_, n)| *n)
}

#[tokio::test]
async fn expired_rows_and_old_log_lines_are_swept_and_people_stay() {
    each_database(|db, label| async move {
        let rp = Rp::start(db.clone()).await;
        let (alice, bob) = (rp.sb.persona("Alice").await, rp.sb.persona("Bob").await);
        for persona in [alice, bob] {
            let code = rp.login(&mut Browser::default(), persona, &[]).await;
            rp.redeem(&code).await;
        }
        // An administrator ends Bob's grant: its refresh token is of no use any more.
        let users = rp.api("GET", "/api/v1/users", Value::Null).await;
        let bob_id = users["users"][0]["id"].as_str().unwrap().to_string();
        let detail = rp
            .api("GET", &format!("/api/v1/users/{bob_id}"), Value::Null)
            .await;
        let bob_grant = detail["grants"][0]["id"].as_str().unwrap().to_string();
        reqwest::Client::new()
            .delete(rp.url(&format!("/api/v1/users/{bob_id}/grants/{bob_grant}")))
            .bearer_auth(super::harness::TOKEN)
            .send()
            .await
            .unwrap();
        let before = counts(&db).await;
        for table in [
            "auth_requests",
            "attempts",
            "codes",
            "refresh_tokens",
            "login_log",
            "audit_log",
        ] {
            assert!(
                of(&before, table) > 0,
                "{label}: {table} has rows: {before:?}"
            );
        }

        // Now: only the ended grant's refresh token goes.
        let now = rp.sb.clock.now();
        let cut = |expired, logs| Cutoffs {
            expired,
            grants: expired - Duration::days(1),
            failures: expired,
            logs,
        };
        sweep::sweep(&db, &cut(now, now - Duration::days(180)))
            .await
            .unwrap();
        let after = counts(&db).await;
        assert_eq!(
            of(&after, "refresh_tokens"),
            of(&before, "refresh_tokens") - 1,
            "{label}"
        );
        assert_eq!(
            of(&after, "auth_requests"),
            of(&before, "auth_requests"),
            "{label}"
        );
        assert_eq!(of(&after, "login_log"), of(&before, "login_log"), "{label}");

        // A day later: requests, attempts and codes have expired; refresh tokens live on.
        let day = now + Duration::days(1);
        sweep::sweep(&db, &cut(day, day - Duration::days(180)))
            .await
            .unwrap();
        let after = counts(&db).await;
        for table in ["auth_requests", "attempts", "codes"] {
            assert_eq!(of(&after, table), 0, "{label}: {table} swept: {after:?}");
        }
        assert_eq!(
            of(&after, "refresh_tokens"),
            1,
            "{label}: Alice's token stays"
        );
        assert_eq!(
            of(&after, "grants"),
            of(&before, "grants"),
            "{label}: a grant stays a day past its last code (its access tokens may still be valid)"
        );
        assert_eq!(of(&after, "login_log"), of(&before, "login_log"), "{label}");

        // Past the retention and every expiry: log lines and sessions go, people stay.
        let later = now + Duration::days(200);
        sweep::sweep(&db, &cut(later, later - Duration::days(180)))
            .await
            .unwrap();
        let after = counts(&db).await;
        for table in ["sso_sessions", "refresh_tokens", "login_log", "audit_log"] {
            assert_eq!(of(&after, table), 0, "{label}: {table} swept: {after:?}");
        }
        assert_eq!(of(&after, "users"), 2, "{label}");
        assert_eq!(of(&after, "identities"), 2, "{label}");
        assert_eq!(
            of(&after, "grants"),
            of(&before, "grants"),
            "{label}: each person's newest grant for the application stays"
        );
        let alice_again = rp.login(&mut Browser::default(), alice, &[]).await;
        assert_eq!(
            rp.redeem(&alice_again).await.status,
            200,
            "{label}: logins go on"
        );
    })
    .await;
}

#[tokio::test]
async fn an_older_grant_goes_once_nothing_points_at_it_and_the_newest_stays() {
    each_database(|db, label| async move {
        let rp = Rp::start(db.clone()).await;
        let alice = rp.sb.persona("Alice").await;
        let start = rp.sb.clock.now();
        // Two logins to one application, each with a refresh token (offline_access).
        for _ in 0..2 {
            let code = rp.login(&mut Browser::default(), alice, &[]).await;
            assert_eq!(rp.redeem(&code).await.status, 200, "{label}");
            rp.sb.clock.advance(Duration::seconds(1));
        }
        let grants = || async { grant::Entity::find().count(&db).await.unwrap() };
        assert_eq!(grants().await, 2, "{label}");
        let at = |t: chrono::DateTime<chrono::Utc>| Cutoffs {
            expired: t - Duration::hours(1),
            grants: t - Duration::hours(1) - Duration::days(1),
            failures: t - Duration::days(1),
            logs: t - Duration::days(180),
        };

        // Day 30, hours after the refresh tokens expired: still within a day of their end (an
        // access token from a last refresh could still be valid), so both grants stay.
        sweep::sweep(&db, &at(start + Duration::days(30) + Duration::hours(3)))
            .await
            .unwrap();
        assert_eq!(grants().await, 2, "{label}: tokens may still be valid");

        // Day 32: nothing points at either grant; the older goes, the newest stays, so Alice is
        // still among the application's users and her detail still lists the application.
        let swept = sweep::sweep(&db, &at(start + Duration::days(32)))
            .await
            .unwrap();
        assert!(swept.contains(&("oidc_grants", 1)), "{label}: {swept:?}");
        assert_eq!(grants().await, 1, "{label}");
        let users = rp
            .api(
                "GET",
                &format!("/api/v1/users?client_id={}", rp.client_id),
                Value::Null,
            )
            .await;
        assert_eq!(
            users["users"].as_array().map(Vec::len),
            Some(1),
            "{label}: {users}"
        );
        let id = users["users"][0]["id"].as_str().unwrap().to_string();
        let detail = rp
            .api("GET", &format!("/api/v1/users/{id}"), Value::Null)
            .await;
        assert_eq!(
            detail["grants"].as_array().map(Vec::len),
            Some(1),
            "{label}: {detail}"
        );

        // Later sweeps keep the newest however old it gets.
        sweep::sweep(&db, &at(start + Duration::days(400)))
            .await
            .unwrap();
        assert_eq!(grants().await, 1, "{label}");
    })
    .await;
}

#[tokio::test]
async fn more_rows_than_a_batch_go_in_several_statements() {
    each_database(|db, label| async move {
        let rp = Rp::start(db.clone()).await;
        let persona = rp.sb.persona("Many").await;
        let n = sweep::BATCH as usize + 7;
        let mut browser = Browser::default();
        for _ in 0..n {
            let auth = rp.authorize(&mut browser, &[]).await;
            assert_eq!(auth.status, 303, "{label}");
        }
        let _ = persona;
        let made = auth_request::Entity::find().count(&db).await.unwrap();
        assert!(made as usize >= n, "{label}: {made}");
        let later = rp.sb.clock.now() + Duration::days(1);
        let cutoffs = Cutoffs {
            expired: later,
            grants: later - Duration::days(1),
            failures: later,
            logs: later - Duration::days(180),
        };
        let swept = sweep::sweep(&db, &cutoffs).await.unwrap();
        assert!(
            swept.contains(&("oidc_auth_requests", made)),
            "{label}: {swept:?}"
        );
        assert_eq!(
            auth_request::Entity::find().count(&db).await.unwrap(),
            0,
            "{label}"
        );
    })
    .await;
}

#[tokio::test]
async fn one_instance_at_a_time_holds_the_sweep() {
    each_database(|db, label| async move {
        let now = crate::support::start_time() + Duration::days(3650);
        let until = now + Duration::minutes(9);
        let (a, b) = tokio::join!(
            sweep::take_lease(&db, "test-job", now, until),
            sweep::take_lease(&db, "test-job", now, until)
        );
        assert_eq!(
            [a.unwrap(), b.unwrap()].iter().filter(|t| **t).count(),
            1,
            "{label}: exactly one takes it"
        );
        let soon = now + Duration::minutes(5);
        assert!(
            !sweep::take_lease(&db, "test-job", soon, soon)
                .await
                .unwrap(),
            "{label}"
        );
        let after = until + Duration::seconds(1);
        assert!(
            sweep::take_lease(&db, "test-job", after, after + Duration::minutes(9))
                .await
                .unwrap(),
            "{label}: free again once it lapses"
        );
    })
    .await;
}

#[tokio::test]
async fn old_log_lines_wait_until_the_overview_has_counted_them() {
    each_database(|db, label| async move {
        let rp = Rp::start(db.clone()).await;
        let persona = rp.sb.persona("Counted").await;
        rp.login(&mut Browser::default(), persona, &[]).await;
        let lines = login_log_entry::Entity::find().count(&db).await.unwrap();
        assert!(lines > 0, "{label}");

        // 200 days on, but the hourly counts never ran: the lines stay.
        let later = rp.sb.clock.now() + Duration::days(200);
        let swept = sweep::round(&db, later, 180).await.unwrap();
        assert!(swept.is_some(), "{label}: this instance took the sweep");
        let after = login_log_entry::Entity::find().count(&db).await.unwrap();
        assert_eq!(after, lines, "{label}: uncounted lines stay");
        assert!(
            sweep::round(&db, later, 180).await.unwrap().is_none(),
            "{label}: the lease holds"
        );

        // Once they are counted, the next round (after the lease) deletes them.
        use sea_orm::ConnectionTrait;
        db.execute_unprepared(&format!(
            "UPDATE stats_rollup SET rolled_until_ms = {} WHERE id = 1",
            later.timestamp_millis()
        ))
        .await
        .unwrap();
        let next = later + Duration::minutes(10);
        assert!(
            sweep::round(&db, next, 180).await.unwrap().is_some(),
            "{label}"
        );
        assert_eq!(
            login_log_entry::Entity::find().count(&db).await.unwrap(),
            0,
            "{label}"
        );
    })
    .await;
}
