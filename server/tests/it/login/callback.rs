//! The WeChat callback: the state must exist, be unexpired and belong to this browser; a
//! repeated callback ends in the same login; refusals create nobody and are logged.

use serde_json::json;

use super::harness::{Browser, Rp};
use crate::support::memory_db;

async fn started(rp: &Rp, browser: &mut Browser) -> (String, String) {
    // prompt=login: a browser that logged in before must scan again.
    let auth = rp.authorize(browser, &[("prompt", "login")]).await;
    rp.click_button(browser, &auth.location.unwrap()).await
}

#[tokio::test]
async fn a_missing_forged_or_foreign_state_is_refused_with_a_page() {
    let rp = Rp::start(memory_db().await).await;
    let p = rp.sb.persona("P").await;
    let mut browser = Browser::default();
    let (state, scan) = started(&rp, &mut browser).await;
    let code = rp.scan(p, &scan).await;

    let missing = rp.callback(&mut browser, Some(&code), None).await;
    assert_eq!(missing.status, 400);
    assert!(missing.body.contains("sent no state"), "{}", missing.body);
    let forged = rp
        .callback(&mut browser, Some(&code), Some("forged-state"))
        .await;
    assert_eq!(forged.status, 400);
    assert!(forged.body.contains("expired or was never started"));
    let mut elsewhere = Browser::default();
    let foreign = rp.callback(&mut elsewhere, Some(&code), Some(&state)).await;
    assert_eq!(foreign.status, 400);
    assert!(foreign.body.contains("another browser"));
    for page in [&missing, &forged, &foreign] {
        assert!(page.location.is_none(), "never a redirect");
    }
    // None of that spent the attempt: the right browser still logs in.
    let ok = rp.callback(&mut browser, Some(&code), Some(&state)).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(
        rp.log_outcomes().await,
        [
            "success",
            "state_mismatch",
            "state_unknown",
            "state_missing"
        ]
    );

    // The attempt expires after 10 minutes.
    let (state, scan) = started(&rp, &mut browser).await;
    let code = rp.scan(p, &scan).await;
    rp.sb.advance(chrono::Duration::minutes(11));
    let late = rp.callback(&mut browser, Some(&code), Some(&state)).await;
    assert_eq!(late.status, 400);
}

#[tokio::test]
async fn a_repeated_callback_ends_in_the_same_login() {
    let rp = Rp::start(memory_db().await).await;
    let p = rp.sb.persona("P").await;
    let mut browser = Browser::default();
    let (state, scan) = started(&rp, &mut browser).await;
    let code = rp.scan(p, &scan).await;
    let (mut b1, mut b2) = (browser.clone(), browser.clone());
    let (first, second) = tokio::join!(
        rp.callback(&mut b1, Some(&code), Some(&state)),
        rp.callback(&mut b2, Some(&code), Some(&state)),
    );
    let refresh = rp.callback(&mut browser, Some(&code), Some(&state)).await;
    let mut subs = Vec::new();
    for answer in [&first, &second, &refresh] {
        assert_eq!(answer.status, 303, "{}", answer.body);
        let tokens = rp.redeem(&rp.code_from(answer)).await.json();
        subs.push(rp.verified(tokens["id_token"].as_str().unwrap()).await["sub"].clone());
    }
    assert_eq!(subs[0], subs[1]);
    assert_eq!(subs[0], subs[2]);
    let users =
        datong::store::identities::identities_of(&rp.sb.state.db, subs[0].as_str().unwrap())
            .await
            .unwrap();
    assert_eq!(users.len(), 1);

    // A different code on a used state is not a replay.
    let (_, scan) = started(&rp, &mut browser).await;
    let other_code = rp.scan(p, &scan).await;
    let reused = rp
        .callback(&mut browser, Some(&other_code), Some(&state))
        .await;
    assert_eq!(reused.status, 400);
    assert!(reused.body.contains("already used"));
}

#[tokio::test]
async fn refusals_create_nobody_and_are_logged() {
    let rp = Rp::start(memory_db().await).await;
    let p = rp.sb.persona("P").await;
    rp.api(
        "PATCH",
        &format!("/api/v1/sources/{}", rp.source_id),
        json!({"login_only": true}),
    )
    .await;
    let mut browser = Browser::default();
    let (state, scan) = started(&rp, &mut browser).await;
    let code = rp.scan(p, &scan).await;
    let refused = rp.callback(&mut browser, Some(&code), Some(&state)).await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("only admits existing accounts"));
    assert!(refused.body.contains("data-testid=\"retry\""));

    // Cancelled on the phone: WeChat comes back without a code.
    let (state, _) = started(&rp, &mut browser).await;
    let cancelled = rp.callback(&mut browser, None, Some(&state)).await;
    assert!(cancelled.body.contains("cancelled"));

    // WeChat refuses the code (used elsewhere): a page and the errcode in the log.
    let (state, scan) = started(&rp, &mut browser).await;
    let code = rp.scan(p, &scan).await;
    rp.sb.fail_next("sns/oauth2/access_token", 40163, 1).await;
    let failed = rp.callback(&mut browser, Some(&code), Some(&state)).await;
    assert_eq!(failed.status, 400);
    let lines = datong::store::logins::log_lines(&rp.sb.state.db, &Default::default(), 10)
        .await
        .unwrap();
    assert_eq!(lines[0].outcome, "invalid_code");
    assert!(lines[0].detail.as_deref().unwrap().contains("40163"));
    assert_eq!(lines[0].client_id.as_deref(), Some(rp.client_id.as_str()));
    assert_eq!(
        lines[0].source_identifier.as_deref(),
        Some(super::harness::SOURCE)
    );
    assert_eq!(lines[0].mode.as_deref(), Some("pc_qrcode"));
    assert_eq!(
        lines[0].user_agent.as_deref(),
        Some("Mozilla/5.0 (test browser)")
    );
    assert_eq!(lines[1].outcome, "cancelled");
    assert_eq!(lines[2].outcome, "login_only");

    // WeChat blocks the person (40226): `blocked`, 403, as on the mini-program code.
    let (state, scan) = started(&rp, &mut browser).await;
    let code = rp.scan(p, &scan).await;
    rp.sb.fail_next("sns/oauth2/access_token", 40226, 1).await;
    let blocked = rp.callback(&mut browser, Some(&code), Some(&state)).await;
    assert_eq!(blocked.status, 403, "{}", blocked.body);
    assert!(
        blocked.body.contains("data-reason=\"blocked\""),
        "{}",
        blocked.body
    );
    assert_eq!(rp.log_outcomes().await[0], "blocked");

    // A snapshot (preview) visitor: WeChat's virtual identity is refused with a page.
    let (s, v) = rp
        .sb
        .patch(
            &format!("admin/api/personas/{p}"),
            json!({"snapshot": true}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    rp.sb
        .post("admin/api/switches", json!({"snapshot_everywhere": true}))
        .await;
    let (state, scan) = started(&rp, &mut browser).await;
    let code = rp.scan(p, &scan).await;
    let snapshot = rp.callback(&mut browser, Some(&code), Some(&state)).await;
    assert_eq!(snapshot.status, 403, "{}", snapshot.body);
    assert!(snapshot.body.contains("snapshot"), "{}", snapshot.body);
    assert!(snapshot.body.contains("data-testid=\"retry\""));
    let lines = datong::store::logins::log_lines(&rp.sb.state.db, &Default::default(), 10)
        .await
        .unwrap();
    assert_eq!(lines[0].outcome, "snapshot_user");
    use sea_orm::EntityTrait;
    let users = datong::store::entities::user::Entity::find()
        .all(&rp.sb.state.db)
        .await
        .unwrap();
    assert!(users.is_empty(), "nobody was created");
}

#[tokio::test]
async fn a_source_switched_off_while_scanning_stops_the_login() {
    let rp = Rp::start(memory_db().await).await;
    let p = rp.sb.persona("P").await;
    let mut browser = Browser::default();
    let (state, scan) = started(&rp, &mut browser).await;
    let code = rp.scan(p, &scan).await;
    rp.api(
        "PATCH",
        &format!("/api/v1/sources/{}", rp.source_id),
        json!({"enabled": false}),
    )
    .await;
    let stopped = rp.callback(&mut browser, Some(&code), Some(&state)).await;
    assert_eq!(stopped.status, 403, "{}", stopped.body);
    assert!(stopped.body.contains("switched off"));
    assert_eq!(rp.log_outcomes().await, ["source_unavailable"]);
}
