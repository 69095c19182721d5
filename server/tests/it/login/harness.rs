//! A relying party and a browser against a Datong with its sandbox: the application is set up
//! through the management API, the browser keeps its cookies per host and does not follow
//! redirects, and the phone scans through the sandbox's JSON API.

use std::collections::HashMap;

use datong::store;
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use crate::support::start_time;
use crate::wechat::harness::{SECRET, Sandboxed, WEBSITE, scan_url};

pub const REDIRECT: &str = "https://rp.example.com/cb";
pub const LOGOUT: &str = "https://rp.example.com/bye";
pub const SOURCE: &str = "wechat-web";
pub const TOKEN: &str = "dtk_login-flow-test-token";
pub const VERIFIER: &str = "a-verifier-of-at-least-forty-three-characters-long-0123";

pub struct Rp {
    pub sb: Sandboxed,
    pub client_id: String,
    pub client_secret: String,
    pub source_id: i64,
}

/// What a browser keeps: its cookies (one jar, all on Datong's host).
#[derive(Default, Clone)]
pub struct Browser {
    pub cookies: HashMap<String, String>,
    /// The user agent it sends (a desktop browser unless set).
    pub ua: Option<String>,
}

/// WeChat's in-app browser on a phone.
pub const WECHAT_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN";

impl Browser {
    /// A browser inside WeChat.
    pub fn wechat() -> Browser {
        Browser {
            ua: Some(WECHAT_UA.into()),
            ..Browser::default()
        }
    }
}

pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

pub fn param(url: &str, key: &str) -> Option<String> {
    crate::wechat::harness::param(url, key)
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl Browser {
    pub async fn get(&mut self, url: &str) -> Answer {
        let request = no_redirects().get(url);
        self.send(request).await
    }

    /// A form POST, as a page's form sends it (from a page of the same site: with its origin).
    pub async fn post_form(&mut self, url: &str, form: &[(&str, &str)]) -> Answer {
        let origin = url::Url::parse(url).unwrap().origin().ascii_serialization();
        let request = no_redirects().post(url).header("origin", origin).form(form);
        self.send(request).await
    }

    /// A JSON POST from one of `origin`'s pages (`fetch`, same origin).
    pub async fn post_json(&mut self, url: &str, origin: &str, body: &Value) -> Answer {
        let request = no_redirects().post(url).header("origin", origin).json(body);
        self.send(request).await
    }

    /// The `Cookie` header this browser sends.
    pub fn cookie_header(&self) -> String {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        cookie.join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let r = request
            .header("cookie", cookie.join("; "))
            .header(
                "user-agent",
                self.ua.as_deref().unwrap_or("Mozilla/5.0 (test browser)"),
            )
            .send()
            .await
            .unwrap();
        for c in r.headers().get_all("set-cookie") {
            let pair = c.to_str().unwrap().split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        answer(r).await
    }
}

/// PKCE challenge of [`VERIFIER`].
pub fn challenge() -> String {
    datong::tokens::grants::s256(VERIFIER)
}

impl Rp {
    pub async fn start(db: DatabaseConnection) -> Rp {
        Rp::start_with(db, datong::state::HttpSettings::default()).await
    }

    /// Like `start`, with these HTTP settings.
    pub async fn start_with(db: DatabaseConnection, http: datong::state::HttpSettings) -> Rp {
        Rp::start_split(db.clone(), db, http).await
    }

    /// Like `start_with`, with the sandbox (WeChat) on a database of its own.
    pub async fn start_split(
        db: DatabaseConnection,
        sandbox_db: DatabaseConnection,
        http: datong::state::HttpSettings,
    ) -> Rp {
        store::api_tokens::insert(
            &db,
            "flow",
            &datong::crypto::token::token_hash(TOKEN),
            "test",
            start_time(),
        )
        .await
        .unwrap();
        let sb = Sandboxed::start_split(db, sandbox_db, http).await;
        let mut rp = Rp {
            sb,
            client_id: String::new(),
            client_secret: String::new(),
            source_id: 0,
        };
        let source = rp
            .api(
                "POST",
                "/api/v1/sources",
                json!({"identifier": SOURCE, "mode": "pc_qrcode", "display_name": "微信扫码登录",
                       "callback_url": "https://rp.example.com/after", "enabled": true,
                       "appid": WEBSITE, "app_secret": SECRET}),
            )
            .await;
        rp.source_id = source["id"].as_i64().unwrap();
        let app = rp
            .api(
                "POST",
                "/api/v1/applications",
                json!({"name": "RP", "app_type": "web", "redirect_uris": [REDIRECT],
                       "post_logout_redirect_uris": [LOGOUT], "sources": [rp.source_id]}),
            )
            .await;
        rp.client_id = app["application"]["client_id"].as_str().unwrap().into();
        rp.client_secret = app["client_secret"].as_str().unwrap().into();
        rp
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sb.base)
    }

    /// Creates a source from `body` through the management API and enables it for the test
    /// application; returns its id.
    pub async fn add_source(&self, body: Value) -> i64 {
        let source = self.api("POST", "/api/v1/sources", body).await;
        let id = source["id"].as_i64().expect("source created");
        let app = self.app_id().await;
        let link = format!("/api/v1/applications/{app}/sources/{id}");
        self.api("PUT", &link, Value::Null).await;
        id
    }

    /// How many users Datong has.
    pub async fn users(&self) -> u64 {
        use sea_orm::{EntityTrait, PaginatorTrait};
        store::entities::user::Entity::find()
            .count(&self.sb.state.db)
            .await
            .unwrap()
    }

    /// The `sub` of the login that `back` (a redirect to the application) carries.
    pub async fn sub_of(&self, back: &Answer) -> String {
        assert_eq!(back.status, 303, "{}", back.body);
        assert!(back.location.as_deref().unwrap().starts_with(REDIRECT));
        let tokens = self.redeem(&self.code_from(back)).await.json();
        let claims = self.verified(tokens["id_token"].as_str().unwrap()).await;
        claims["sub"].as_str().unwrap().to_string()
    }

    /// A mini-program code login as `persona` with the phone-number button, on source `source`:
    /// the browser's answer when it finishes the ticket.
    pub async fn mini_program_login(
        &self,
        browser: &mut Browser,
        source: &str,
        persona: i64,
    ) -> Answer {
        let rp = self;
        let auth = rp.authorize(browser, &[("prompt", "login")]).await;
        let request = param(&rp.url(&auth.location.unwrap()), "request").unwrap();
        let created = browser
            .post_json(
                &rp.url("/api/v1/login/mp-qrcode"),
                &rp.sb.base,
                &json!({"request": request, "source": source}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let ticket = created.json();
        let scan = param(
            &rp.url(ticket["sandbox_scan_url"].as_str().unwrap()),
            "scan",
        )
        .unwrap();
        let appid = param(&scan, "appid").unwrap();
        let js = rp.mini_code("wx_login", persona, &appid).await;
        let phone = rp.mini_code("phone_code", persona, &appid).await;
        let confirmed = reqwest::Client::new()
            .post(rp.url(&format!(
                "/api/v1/login/mp-qrcode/{}/confirm",
                ticket["ticket"].as_str().unwrap()
            )))
            .json(&json!({"code": js, "phone_code": phone}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            confirmed.status(),
            200,
            "{}",
            confirmed.text().await.unwrap()
        );
        browser
            .post_form(&rp.url(ticket["finish_url"].as_str().unwrap()), &[])
            .await
    }

    /// A code the sandbox's mini program `appid` gets for `persona`: `wx_login` or `phone_code`.
    pub async fn mini_code(&self, kind: &str, persona: i64, appid: &str) -> String {
        let body = json!({"persona_id": persona, "appid": appid});
        let (s, v) = self.sb.post(&format!("phone/api/{kind}"), body).await;
        assert_eq!(s, 200, "{v}");
        v["code"].as_str().unwrap().to_string()
    }

    /// The test application's id in the management API.
    pub async fn app_id(&self) -> i64 {
        self.app_id_of(&self.client_id).await
    }

    /// The management API's id of the application with `client_id`.
    pub async fn app_id_of(&self, client_id: &str) -> i64 {
        let apps = self.api("GET", "/api/v1/applications", Value::Null).await;
        apps["applications"]
            .as_array()
            .or(apps.as_array())
            .unwrap()
            .iter()
            .find(|a| a["client_id"] == client_id)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    }

    pub async fn api(&self, method: &str, path: &str, body: Value) -> Value {
        let r = reqwest::Client::new()
            .request(method.parse().unwrap(), self.url(path))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// `/oauth/authorize` with PKCE, `state` and `nonce`, plus `extra`.
    pub async fn authorize(&self, browser: &mut Browser, extra: &[(&str, &str)]) -> Answer {
        let challenge = challenge();
        let mut params = vec![
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid profile phone offline_access"),
            ("state", "rp-state"),
            ("nonce", "rp-nonce"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        params.extend_from_slice(extra);
        let q: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        browser
            .get(&self.url(&format!("/oauth/authorize?{q}")))
            .await
    }

    /// From `/login?request=…` to WeChat's QR page: returns the callback's `state` and the
    /// URL the QR code encodes.
    pub async fn click_button(&self, browser: &mut Browser, login_page: &str) -> (String, String) {
        let request = param(&self.url(login_page), "request").unwrap();
        let start = browser
            .get(&self.url(&format!("/login/wechat/{SOURCE}?request={request}")))
            .await;
        assert_eq!(start.status, 303, "{}", start.body);
        let qr = start.location.unwrap();
        assert!(
            qr.starts_with(&self.sb.url("open/connect/qrconnect?")),
            "{qr}"
        );
        assert_eq!(param(&qr, "appid").as_deref(), Some(WEBSITE));
        assert_eq!(param(&qr, "scope").as_deref(), Some("snsapi_login"));
        assert_eq!(
            param(&qr, "redirect_uri").unwrap(),
            self.url(&format!("/login/wechat/{SOURCE}/callback"))
        );
        let page = browser.get(&qr).await;
        assert_eq!(page.status, 200);
        (param(&qr, "state").unwrap(), scan_url(&page.body))
    }

    /// The phone scans and confirms as `persona`; returns WeChat's code.
    pub async fn scan(&self, persona: i64, scan: &str) -> String {
        let uuid = scan.split("uuid=").nth(1).unwrap().to_string();
        let (s, v) = self
            .sb
            .post(
                "phone/api/scan",
                json!({"persona_id": persona, "url": scan}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let (s, v) = self
            .sb
            .post(
                "phone/api/confirm",
                json!({"persona_id": persona, "uuid": uuid}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let answer = self
            .sb
            .get(&format!("open/connect/l/qrconnect?uuid={uuid}"))
            .await
            .2;
        answer
            .split("wx_code='")
            .nth(1)
            .unwrap()
            .trim_end_matches("';")
            .to_string()
    }

    pub async fn callback(
        &self,
        browser: &mut Browser,
        code: Option<&str>,
        state: Option<&str>,
    ) -> Answer {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if let Some(c) = code {
            q.append_pair("code", c);
        }
        if let Some(s) = state {
            q.append_pair("state", s);
        }
        browser
            .get(&self.url(&format!("/login/wechat/{SOURCE}/callback?{}", q.finish())))
            .await
    }

    /// A whole login as `persona` in `browser`; returns the code the application receives.
    pub async fn login(
        &self,
        browser: &mut Browser,
        persona: i64,
        extra: &[(&str, &str)],
    ) -> String {
        let auth = self.authorize(browser, extra).await;
        assert_eq!(auth.status, 303, "{}", auth.body);
        let login_page = auth.location.unwrap();
        assert!(login_page.starts_with("/login?request="), "{login_page}");
        let (state, scan) = self.click_button(browser, &login_page).await;
        let code = self.scan(persona, &scan).await;
        let back = self.callback(browser, Some(&code), Some(&state)).await;
        assert_eq!(back.status, 303, "{}", back.body);
        self.code_from(&back)
    }

    /// The application's code from a redirect to it (checking `state` and `iss`).
    pub fn code_from(&self, back: &Answer) -> String {
        let to = back.location.clone().unwrap();
        assert!(to.starts_with(REDIRECT), "{to}");
        assert_eq!(param(&to, "state").as_deref(), Some("rp-state"));
        assert_eq!(param(&to, "iss").unwrap(), self.sb.base);
        param(&to, "code").unwrap()
    }

    /// `POST /oauth/token` with `form`, the client authenticated with HTTP Basic.
    pub async fn token(&self, form: &[(&str, &str)]) -> Answer {
        let r = reqwest::Client::new()
            .post(self.url("/oauth/token"))
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(form)
            .send()
            .await
            .unwrap();
        answer(r).await
    }

    pub async fn redeem(&self, code: &str) -> Answer {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .await
    }

    pub async fn userinfo(&self, access_token: &str) -> Answer {
        let r = reqwest::Client::new()
            .get(self.url("/oauth/userinfo"))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap();
        answer(r).await
    }

    /// The claims of a JWT after checking its signature against the published JWKS.
    pub async fn verified(&self, jwt: &str) -> Value {
        let jwks: datong::tokens::jwt::Jwks = reqwest::get(self.url("/oauth/jwks"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        datong::tokens::jwt::verify(jwt, &jwks.keys).unwrap()
    }

    /// The newest login-log outcomes, newest first.
    pub async fn log_outcomes(&self) -> Vec<String> {
        store::logins::log_lines(&self.sb.state.db, &Default::default(), 50)
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.outcome)
            .collect()
    }
}

pub async fn answer(r: reqwest::Response) -> Answer {
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    let headers = r.headers().clone();
    Answer {
        status,
        location,
        body: r.text().await.unwrap(),
        headers,
    }
}
