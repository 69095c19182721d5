//! `/metrics`: the Prometheus text, served on the main address only with the configured token;
//! the figures move when people log in.

use datong::crypto::secret::Secret;
use datong::state::HttpSettings;

use super::harness::{Browser, Rp};
use crate::support::memory_db;

const METRICS_TOKEN: &str = "metrics-token-for-the-scrape-test";

async fn scrape(rp: &Rp, token: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(rp.url("/metrics"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The value of the first sample whose line starts with `name{` and holds every `label`.
fn sample(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .filter(|l| labels.iter().all(|want| l.contains(want)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn a_scrape_needs_the_token_and_shows_logins_requests_and_wechat_calls_move() {
    let http = HttpSettings {
        metrics_token: Some(Secret::new(METRICS_TOKEN.to_string())),
        ..HttpSettings::default()
    };
    let rp = Rp::start_with(memory_db().await, http).await;
    let (status, _) = scrape(&rp, None).await;
    assert_eq!(status, 401);
    let (status, _) = scrape(&rp, Some("metrics-token-for-the-scrape-tesX")).await;
    assert_eq!(status, 401, "a wrong token of the same length");

    // The recorder is the process's: other tests count too, so compare before and after.
    let (status, before) = scrape(&rp, Some(METRICS_TOKEN)).await;
    assert_eq!(status, 200, "{before}");
    let logins = |t: &str| {
        sample(
            t,
            "datong_logins_total",
            &[
                "mode=\"pc_qrcode\"",
                "source=\"wechat-web\"",
                "outcome=\"success\"",
            ],
        )
    };
    let exchanges = |t: &str| {
        sample(
            t,
            "datong_wechat_calls_total",
            &["endpoint=\"sns/oauth2/access_token\"", "errcode=\"0\""],
        )
    };
    let callbacks = |t: &str| {
        sample(
            t,
            "datong_http_requests_total",
            &["route=\"/login/wechat/{identifier}/callback\""],
        )
    };
    let inserts = |t: &str| sample(t, "datong_db_statements_total", &["kind=\"insert\""]);
    let p = rp.sb.persona("Metered").await;
    rp.login(&mut Browser::default(), p, &[]).await;
    let (_, after) = scrape(&rp, Some(METRICS_TOKEN)).await;
    // A first login writes at least the user, the identity, the session and the code.
    assert!(inserts(&after) >= inserts(&before) + 4.0, "{after}");
    assert!(logins(&after) >= logins(&before) + 1.0, "{after}");
    assert!(exchanges(&after) >= exchanges(&before) + 1.0, "{after}");
    assert!(callbacks(&after) >= callbacks(&before) + 1.0, "{after}");
    assert!(
        after.contains("datong_login_duration_seconds_bucket"),
        "a latency histogram"
    );
    assert!(after.contains("datong_http_request_duration_seconds_bucket"));
    assert!(
        after.contains("datong_db_pool_connections{state=\"idle\"}"),
        "{after}"
    );
}

#[tokio::test]
async fn without_a_token_the_main_address_does_not_serve_metrics() {
    let rp = Rp::start(memory_db().await).await;
    let (status, body) = scrape(&rp, Some("anything-at-all-here")).await;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("not_found"));
}
