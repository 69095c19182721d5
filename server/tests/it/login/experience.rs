//! "Experience login" from the console: only an administrator starts it; it runs through the
//! hosted login page with Datong as the client, checks its state against the console browser,
//! spends the code once, and shows the user; the user and the login log are console functions.

use datong::console::admins;
use serde_json::{Value, json};

use super::harness::{Browser, Rp, SOURCE, answer};
use crate::support::{ADMIN_PASSWORD, memory_db};

pub(super) async fn signed_in(rp: &Rp) -> Browser {
    admins::create(
        &rp.sb.state.db,
        rp.sb.clock.as_ref(),
        "admin",
        ADMIN_PASSWORD,
    )
    .await
    .unwrap();
    let r = reqwest::Client::new()
        .post(rp.url("/api/session/sign_in"))
        .header("origin", &rp.sb.base)
        .form(&[("name", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    let (k, v) = cookie.split(';').next().unwrap().split_once('=').unwrap();
    let mut browser = Browser::default();
    browser.cookies.insert(k.into(), v.into());
    browser
}

pub(super) async fn console_fn(
    rp: &Rp,
    browser: &Browser,
    name: &str,
    body: Value,
) -> (u16, Value) {
    let cookie: Vec<String> = browser
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let r = reqwest::Client::new()
        .post(rp.url(&format!("/api/console/{name}")))
        .header("origin", &rp.sb.base)
        .header("cookie", cookie.join("; "))
        .header("accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap();
    let a = answer(r).await;
    (a.status, a.json())
}

#[tokio::test]
async fn experience_login_shows_the_user_and_the_log_records_it() {
    let rp = Rp::start(memory_db().await).await;
    let start = format!("/console/experience/{}", rp.client_id);

    let anonymous = Browser::default().get(&rp.url(&start)).await;
    assert_eq!(anonymous.status, 303);
    assert!(anonymous.location.unwrap().starts_with("/signin?next="));

    let mut browser = signed_in(&rp).await;
    let started = browser.get(&rp.url(&start)).await;
    assert_eq!(started.status, 303, "{}", started.body);
    let login_page = started.location.unwrap();
    assert!(login_page.starts_with("/login?request="));
    let (state, scan) = rp.click_button(&mut browser, &login_page).await;
    let p = rp.sb.persona("Persona P").await;
    let code = rp.scan(p, &scan).await;
    let back = rp.callback(&mut browser, Some(&code), Some(&state)).await;
    let to_console = back.location.unwrap();
    assert!(
        to_console.starts_with(&rp.url("/console/experience/callback?code=")),
        "{to_console}"
    );

    // Another browser (no experience cookie) cannot use the code.
    let mut other = browser.clone();
    other.cookies.remove("datong_experience");
    assert_eq!(other.get(&to_console).await.status, 400);

    let result = browser.get(&to_console).await;
    assert_eq!(result.status, 303, "{}", result.body);
    let page = result.location.unwrap();
    assert!(
        page.starts_with("/console/experience/result?user=u_"),
        "{page}"
    );
    let user = super::harness::param(&rp.url(&page), "user").unwrap();
    assert_eq!(
        super::harness::param(&rp.url(&page), "app").unwrap(),
        rp.client_id
    );
    // The code was spent: the same callback again is refused.
    assert_eq!(browser.get(&to_console).await.status, 400);

    let (status, shown) = console_fn(&rp, &browser, "user", json!({"id": user})).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["nickname"], "Persona P");
    assert_eq!(shown["identities"].as_array().unwrap().len(), 1);
    let claims: Value = serde_json::from_str(shown["claims_json"].as_str().unwrap()).unwrap();
    assert_eq!(claims["sub"], user.as_str());

    let (status, lines) = console_fn(
        &rp,
        &browser,
        "login_log",
        json!({"filter": {"user_id": user, "source": SOURCE}}),
    )
    .await;
    assert_eq!(status, 200, "{lines}");
    assert_eq!(lines.as_array().unwrap().len(), 1);
    assert_eq!(lines[0]["outcome"], "success");
    assert_eq!(lines[0]["client_id"], rp.client_id.as_str());
    let (_, failures) = console_fn(
        &rp,
        &browser,
        "login_log",
        json!({"filter": {"outcome": "failure"}}),
    )
    .await;
    assert!(failures.as_array().unwrap().is_empty(), "{failures}");

    let (status, _) = console_fn(&rp, &Browser::default(), "user", json!({"id": user})).await;
    assert_eq!(status, 401, "the console's functions need a session");
}
