//! The Overview's figures (`/api/v1/overview`, the console draws the same): logins by day and
//! mode, new users, refused logins by reason and the totals, with days in China Standard Time;
//! the same whether the hourly counts have caught up or not, counted once when two instances
//! catch up together.

use serde_json::{Value, json};

use super::harness::{Browser, Rp, TOKEN};
use crate::support::each_database;

async fn call(rp: &Rp, path: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(rp.url(path))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn overview(rp: &Rp, label: &str) -> Value {
    let (s, o) = call(rp, "/api/v1/overview?days=3").await;
    assert_eq!(s, 200, "{label}: {o}");
    o
}

async fn log_in(rp: &Rp, persona: i64) {
    let code = rp.login(&mut Browser::default(), persona, &[]).await;
    assert_eq!(rp.redeem(&code).await.status, 200);
}

async fn catch_up(rp: &Rp) -> u32 {
    datong::stats::roll_up(&rp.sb.state.db, rp.sb.state.clock.now())
        .await
        .unwrap()
}

#[tokio::test]
async fn overview_counts_logins_users_and_refusals_by_day_once() {
    each_database(|db, label| async move {
        // 2026-11-21 12:00 UTC: 20:00 on the 21st in China.
        let rp = Rp::start(db).await;
        let alice = rp.sb.persona("Alice").await;
        let bob = rp.sb.persona("Bob").await;
        log_in(&rp, alice).await;
        log_in(&rp, bob).await;
        let refused = rp
            .callback(
                &mut Browser::default(),
                Some("some-code"),
                Some("no-such-state"),
            )
            .await;
        assert_eq!(refused.status, 400, "{label}: {}", refused.body);

        let first = overview(&rp, label).await;
        assert_eq!(
            first["days"],
            json!(["2026-11-19", "2026-11-20", "2026-11-21"]),
            "{label}"
        );
        assert_eq!(first["utc_offset_hours"], 8);
        assert_eq!(
            first["logins_by_mode"],
            json!([{"mode": "pc_qrcode", "counts": [0, 0, 2]}]),
            "{label}"
        );
        assert_eq!(first["new_users"], json!([0, 0, 2]), "{label}");
        assert_eq!(
            first["failures"],
            json!([{"reason": "state_unknown", "count": 1}]),
            "{label}"
        );
        assert_eq!(
            (&first["logins"], &first["failed"]),
            (&json!(2), &json!(1)),
            "{label}"
        );
        for (key, n) in [
            ("users", 2),
            ("identities", 2),
            ("applications", 1),
            ("sources", 1),
        ] {
            assert_eq!(first[key], n, "{label}: {key}");
        }

        // Five hours on it is 01:00 on the 22nd in China. Once counted by hour, the figures
        // are the same, one day further left.
        rp.sb.advance(chrono::Duration::hours(5));
        assert!(catch_up(&rp).await >= 1, "{label}: something to count");
        let rolled = overview(&rp, label).await;
        assert_eq!(
            rolled["days"],
            json!(["2026-11-20", "2026-11-21", "2026-11-22"])
        );
        assert_eq!(
            rolled["logins_by_mode"],
            json!([{"mode": "pc_qrcode", "counts": [0, 2, 0]}]),
            "{label}"
        );
        assert_eq!(rolled["new_users"], json!([0, 2, 0]), "{label}");
        assert_eq!(rolled["failures"], first["failures"], "{label}");

        // A login past the counted stretch is read from the log: today has it.
        log_in(&rp, alice).await;
        let after = overview(&rp, label).await;
        assert_eq!(
            after["logins_by_mode"],
            json!([{"mode": "pc_qrcode", "counts": [0, 2, 1]}]),
            "{label}"
        );
        assert_eq!(
            after["new_users"],
            json!([0, 2, 0]),
            "{label}: Alice is not new"
        );
        assert_eq!(after["logins"], 3, "{label}");

        // Two instances catching up at once count it once; nothing is left to count after.
        rp.sb.advance(chrono::Duration::minutes(10));
        let (a, b) = tokio::join!(catch_up(&rp), catch_up(&rp));
        assert!(a + b >= 1, "{label}");
        assert_eq!(catch_up(&rp).await, 0, "{label}");
        let again = overview(&rp, label).await;
        assert_eq!(again["logins_by_mode"], after["logins_by_mode"], "{label}");
        assert_eq!(again["new_users"], after["new_users"], "{label}");
        assert_eq!(again["failures"], after["failures"], "{label}");
    })
    .await;
}

#[tokio::test]
async fn overview_refuses_bad_periods_and_strangers() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        for path in [
            "/api/v1/overview?days=0",
            "/api/v1/overview?days=367",
            "/api/v1/overview?days=many",
            "/api/v1/overview?weeks=2",
        ] {
            let (s, e) = call(&rp, path).await;
            assert_eq!(s, 400, "{label}: {path}");
            assert_eq!(e["error"]["code"], "invalid_query", "{label}: {path}");
        }
        let (s, o) = call(&rp, "/api/v1/overview?days=366").await;
        assert_eq!(s, 200, "{label}");
        assert_eq!(o["days"].as_array().map(Vec::len), Some(366));
        let anonymous = reqwest::get(rp.url("/api/v1/overview")).await.unwrap();
        assert_eq!(anonymous.status(), 401, "{label}");
    })
    .await;
}

#[tokio::test]
async fn a_stretch_ending_within_a_millisecond_counts_each_line_once() {
    each_database(|db, label| async move {
        let rp = Rp::start(db).await;
        let alice = rp.sb.persona("Alice").await;
        // The login happens 0.3 ms into a millisecond; the stretch ends 0.7 ms into it.
        rp.sb.advance(chrono::Duration::microseconds(300));
        log_in(&rp, alice).await;
        rp.sb
            .advance(margin() + chrono::Duration::microseconds(400));
        // Each catch-up ends (a mark cut to the millisecond once made it start over forever).
        let limit = std::time::Duration::from_secs(30);
        tokio::time::timeout(limit, catch_up(&rp))
            .await
            .expect("caught up");
        rp.sb.advance(chrono::Duration::minutes(5));
        tokio::time::timeout(limit, catch_up(&rp))
            .await
            .expect("caught up");
        let o = overview(&rp, label).await;
        assert_eq!(o["logins"], 1, "{label}: {o}");
        assert_eq!(o["new_users"][2], 1, "{label}");
    })
    .await;
}

fn margin() -> chrono::Duration {
    datong::stats::MARGIN
}
