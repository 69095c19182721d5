//! One complete website QR login, as a browser, the sandbox's phone and an application do it
//! together; the login and users benchmarks drive Datong with it.

use serde_json::{Value, json};

pub const REDIRECT: &str = "https://rp.example.com/cb";
pub const VERIFIER: &str = "bench-verifier-bench-verifier-bench-verifier-0001";

fn param(url: &str, key: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no {key} in {url}"))
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_string()
}

pub struct Setup {
    pub datong: String,
    pub sandbox: String,
    pub client_id: String,
    pub client_secret: String,
    pub personas: Vec<i64>,
}

/// The source (`bench-qr`, website QR with `appid`), an application using it and `personas`
/// people on the sandbox's phone, made through the management API of `pair`.
pub async fn setup(
    http: &reqwest::Client,
    pair: &super::Pair,
    appid: &str,
    secret: &str,
    personas: usize,
) -> Setup {
    let api = |path: &str, body: Value| {
        let r = http
            .post(format!("{}{path}", pair.datong))
            .bearer_auth(&pair.api_token)
            .json(&body)
            .send();
        async move { r.await.unwrap().json::<Value>().await.unwrap() }
    };
    let source = api(
        "/api/v1/sources",
        json!({"identifier": "bench-qr", "mode": "pc_qrcode", "display_name": "Bench",
               "callback_url": "https://rp.example.com/after", "appid": appid, "app_secret": secret}),
    )
    .await;
    let app = api(
        "/api/v1/applications",
        json!({"name": "Bench RP", "app_type": "web", "redirect_uris": [REDIRECT],
               "sources": [source["id"]]}),
    )
    .await;
    let phone_api = format!("{}/sandbox/wechat/phone/api", pair.sandbox_url);
    Setup {
        datong: pair.datong.clone(),
        sandbox: pair.sandbox_url.clone(),
        client_id: app["application"]["client_id"]
            .as_str()
            .unwrap_or_else(|| panic!("{app}"))
            .into(),
        client_secret: app["client_secret"].as_str().unwrap().into(),
        personas: super::personas(http, &phone_api, personas).await,
    }
}

/// One complete login as `persona`; panics on any unexpected answer.
pub async fn login(http: &reqwest::Client, s: &Setup, persona: i64) {
    login_with(http, s, persona, "openid profile").await;
}

/// One complete login as `persona` asking for `scope`; returns the token response.
pub async fn login_with(http: &reqwest::Client, s: &Setup, persona: i64, scope: &str) -> Value {
    let challenge = datong::tokens::grants::s256(VERIFIER);
    let q = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &s.client_id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("response_type", "code")
        .append_pair("scope", scope)
        .append_pair("state", "bench")
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    let r = http
        .get(format!("{}/oauth/authorize?{q}", s.datong))
        .send()
        .await
        .unwrap();
    let request = param(&format!("http://x{}", location(&r)), "request");
    let r = http
        .get(format!(
            "{}/login/wechat/bench-qr?request={request}",
            s.datong
        ))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let qr = location(&r);
    let state = param(&qr, "state");
    let page = http.get(&qr).send().await.unwrap().text().await.unwrap();
    let scan = page
        .split("data-scan-url=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let uuid = param(&scan, "uuid");
    let phone = |path: &str, body: Value| {
        http.post(format!("{}/sandbox/wechat/phone/api/{path}", s.sandbox))
            .json(&body)
            .send()
    };
    assert!(
        phone("scan", json!({"persona_id": persona, "url": scan}))
            .await
            .unwrap()
            .status()
            .is_success()
    );
    assert!(
        phone("confirm", json!({"persona_id": persona, "uuid": uuid}))
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let poll = http
        .get(format!(
            "{}/sandbox/wechat/open/connect/l/qrconnect?uuid={uuid}",
            s.sandbox
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let wx_code = poll
        .split("wx_code='")
        .nth(1)
        .unwrap()
        .trim_end_matches("';");
    let r = http
        .get(format!(
            "{}/login/wechat/bench-qr/callback?code={wx_code}&state={state}",
            s.datong
        ))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let code = param(&location(&r), "code");
    let client = (s.client_id.as_str(), s.client_secret.as_str());
    let token_url = format!("{}/oauth/token", s.datong);
    let userinfo_url = format!("{}/oauth/userinfo", s.datong);
    let (tokens, info) = redeem(http, &token_url, &userinfo_url, client, &code).await;
    assert!(info["sub"].as_str().unwrap().starts_with("u_"));
    tokens
}

/// What an application does with an authorization code (PKCE with [`VERIFIER`], client secret
/// in Basic auth): redeems it, then reads userinfo with the access token. Returns the token
/// response and the userinfo.
pub async fn redeem(
    http: &reqwest::Client,
    token_url: &str,
    userinfo_url: &str,
    client: (&str, &str),
    code: &str,
) -> (Value, Value) {
    let tokens: Value = super::json_of(
        http.post(token_url)
            .basic_auth(client.0, Some(client.1))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ]),
    )
    .await;
    let access = tokens["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("{tokens}"));
    let info: Value = super::json_of(http.get(userinfo_url).bearer_auth(access)).await;
    (tokens, info)
}
