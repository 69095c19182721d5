//! WeChat slow to exchange codes: the calls one AppID may have waiting are bounded, and the
//! logins over the bound are told "WeChat is busy" at once (a readable page, nothing created)
//! instead of queueing behind the slow ones.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use datong::login::refusal::Reason;
use datong::login::texts::{Lang, reason};
use datong::wechat::client::PER_APPID;
use serde_json::json;

use super::harness::{Browser, Rp};
use crate::support::each_database;

#[tokio::test]
async fn a_slow_wechat_holds_a_bounded_number_of_logins_and_tells_the_rest_at_once() {
    each_database(|db, label| async move {
        let rp = Arc::new(Rp::start(db).await);
        let n = PER_APPID + 4;
        // n people mid-login: scanned, and WeChat is sending their browsers back.
        let mut waiting = Vec::new();
        for i in 0..n {
            let persona = rp.sb.persona(&format!("Slow {i}")).await;
            let mut browser = Browser::default();
            let auth = rp.authorize(&mut browser, &[]).await;
            let (state, scan) = rp.click_button(&mut browser, &auth.location.unwrap()).await;
            let code = rp.scan(persona, &scan).await;
            waiting.push((browser, code, state));
        }
        let (s, v) = rp
            .sb
            .post(
                "admin/api/latency",
                json!({"endpoint": "sns/oauth2/access_token", "ms": 2000}),
            )
            .await;
        assert_eq!(s, 200, "{v}");

        // Each answer notes how many logins had already come through when it came.
        let through = Arc::new(AtomicUsize::new(0));
        let calls: Vec<_> = waiting
            .into_iter()
            .map(|(mut browser, code, state)| {
                let (rp, through) = (rp.clone(), through.clone());
                async move {
                    let back = rp.callback(&mut browser, Some(&code), Some(&state)).await;
                    if back.status == 303 {
                        through.fetch_add(1, Ordering::SeqCst);
                    }
                    let before_me = through.load(Ordering::SeqCst);
                    (back.status, back.body, before_me)
                }
            })
            .collect();
        let mut busy = 0;
        for (status, body, through_then) in futures_util::future::join_all(calls).await {
            match status {
                303 => {}
                502 => {
                    busy += 1;
                    let told = [Lang::En, Lang::ZhCn].map(|l| reason(Reason::WeChatBusy, l));
                    assert!(told.iter().any(|t| body.contains(t)), "{label}: {body}");
                    assert_eq!(
                        through_then, 0,
                        "{label}: told before any slow exchange ended"
                    );
                }
                other => panic!("{label}: {other} {body}"),
            }
        }
        assert_eq!(busy, n - PER_APPID, "{label}");
        assert_eq!(
            rp.users().await,
            PER_APPID as u64,
            "{label}: nobody made for the busy ones"
        );
        let outcomes = rp.log_outcomes().await;
        let logged = outcomes.iter().filter(|o| *o == "wechat_busy").count();
        assert_eq!(logged, n - PER_APPID, "{label}: {outcomes:?}");
    })
    .await;
}
