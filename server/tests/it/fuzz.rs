//! Random input where Datong meets the outside: WeChat's answers (through the real client, from
//! a stand-in server that answers whatever the round draws), `encryptedData` decryption, and the
//! query strings of `/oauth/authorize`, `/login` and the WeChat callback. Nothing may panic and
//! no request may end in a 5xx. Bounded here (`DATONG_FUZZ_ROUNDS`, default 300); the seed is
//! printed, and `DATONG_FUZZ_SEED` repeats a run.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use datong::crypto::Secret;
use datong::wechat::WeChatClient;
use datong::wechat::decrypt::{decrypt, encrypt};
use datong::wechat::miniprogram::CodeRequest;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::support::{HOST, test_app};

fn rounds() -> usize {
    std::env::var("DATONG_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

fn seeded(what: &str) -> StdRng {
    let seed = std::env::var("DATONG_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    eprintln!("fuzz {what}: DATONG_FUZZ_SEED={seed}");
    StdRng::seed_from_u64(seed)
}

/// Answers WeChat might plausibly send, to be mutated.
const ANSWERS: &[&str] = &[
    r#"{"access_token":"AT","expires_in":7200,"refresh_token":"RT","openid":"o1","scope":"snsapi_login","unionid":"u1"}"#,
    r#"{"openid":"o1","nickname":"名字","sex":1,"province":"","city":"","country":"CN","headimgurl":"https://thirdwx.qlogo.cn/x/132","privilege":[],"unionid":"u1"}"#,
    r#"{"openid":"o1","session_key":"tiihtNczf5v6AKRyjwEUhQ==","unionid":"u1"}"#,
    r#"{"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber":"+8613800138000","purePhoneNumber":"13800138000","countryCode":"86","watermark":{"timestamp":1,"appid":"wx1"}}}"#,
    r#"{"access_token":"ST","expires_in":7200}"#,
    r#"{"errcode":40029,"errmsg":"invalid code"}"#,
    r#"{"errcode":"-1","errmsg":"system error"}"#,
    r#"{"errcode":1e30}"#,
    r#"{"errcode":null,"openid":null,"is_snapshotuser":1}"#,
    r#"[1,2,3]"#,
];

fn mutate(rng: &mut StdRng, base: &[u8]) -> Vec<u8> {
    let mut out = base.to_vec();
    for _ in 0..rng.random_range(1..6) {
        let at = if out.is_empty() {
            0
        } else {
            rng.random_range(0..out.len())
        };
        match rng.random_range(0..6) {
            0 if !out.is_empty() => out[at] = rng.random(),
            1 => out.insert(at, rng.random()),
            2 if !out.is_empty() => {
                out.remove(at);
            }
            3 => out.truncate(at),
            4 => {
                let piece = out[at..].to_vec();
                out.extend_from_slice(&piece);
            }
            _ => {
                let junk = [b"\"", b"{", b"}", b"\\", b"0", b"-", b"e", b"\n"];
                out.insert(at, junk[rng.random_range(0..junk.len())][0]);
            }
        }
    }
    out
}

fn random_bytes(rng: &mut StdRng, max: usize) -> Vec<u8> {
    let n = rng.random_range(0..max);
    (0..n).map(|_| rng.random()).collect()
}

#[tokio::test]
async fn wechat_answers_never_panic_the_client() {
    let mut rng = seeded("answers");
    // A stand-in WeChat: every call gets the body and content type the round put here.
    let next: Arc<Mutex<(Vec<u8>, &'static str)>> = Arc::new(Mutex::new((Vec::new(), "")));
    let serving = next.clone();
    let app = axum::Router::new().fallback(move || {
        let (body, content_type) = serving.lock().unwrap().clone();
        async move { ([("content-type", content_type)], body) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = WeChatClient::new(&base, &base, std::time::Duration::from_secs(5));
    let secret = Secret::new("s".to_string());
    let types = [
        "application/json",
        "text/plain",
        "image/jpeg",
        "image/png",
        "",
    ];
    for _ in 0..rounds() {
        let body = if rng.random_bool(0.8) {
            let base = ANSWERS[rng.random_range(0..ANSWERS.len())].as_bytes();
            mutate(&mut rng, base)
        } else {
            random_bytes(&mut rng, 300)
        };
        *next.lock().unwrap() = (body, types[rng.random_range(0..types.len())]);
        let _ = client.exchange_code("wx1", &secret, "c").await;
        let _ = client.refresh_user_token("wx1", &secret).await;
        let _ = client.user_info(&secret, "o1").await;
        let _ = client.check_user_token(&secret, "o1").await;
        let _ = client.code_to_session("wx1", &secret, "c").await;
        let _ = client.phone_number(&secret, "c", Some("o1")).await;
        let _ = client.stable_token("wx1", &secret).await;
        let _ = client.classic_token("wx1", &secret).await;
        let request = CodeRequest::login("s", None, "release");
        let _ = client.unlimited_code(&secret, &request).await;
    }
}

#[test]
fn encrypted_data_never_panics_and_round_trips() {
    let mut rng = seeded("encryptedData");
    for _ in 0..rounds() * 10 {
        let key: [u8; 16] = rng.random();
        let iv: [u8; 16] = rng.random();
        let appid = if rng.random_bool(0.5) { "wx1" } else { "wx2" };
        let plain = match rng.random_range(0..4) {
            0 => format!(r#"{{"phoneNumber":"1","watermark":{{"appid":"{appid}"}}}}"#).into_bytes(),
            1 => random_bytes(&mut rng, 80),
            2 => b"[]".to_vec(),
            _ => mutate(&mut rng, br#"{"watermark":{"appid":"wx1"}}"#),
        };
        let mut data = encrypt(&key, &iv, &plain);
        if rng.random_bool(0.5) {
            data = String::from_utf8_lossy(&mutate(&mut rng, data.as_bytes())).into_owned();
        }
        let (k, v) = (STANDARD.encode(key), STANDARD.encode(iv));
        let (k, v) = match rng.random_range(0..4) {
            0 => (
                String::from_utf8_lossy(&random_bytes(&mut rng, 30)).into_owned(),
                v,
            ),
            1 => (k, "AAAA".to_string()),
            _ => (k, v),
        };
        let result = decrypt(&k, &v, &data, "wx1");
        // What decrypts is JSON whose watermark names the AppID asked for, nothing else.
        if let Ok(value) = result {
            assert_eq!(value["watermark"]["appid"], "wx1");
        }
    }
    // An intact answer for the right AppID always decrypts.
    let (key, iv) = ([7u8; 16], [9u8; 16]);
    let data = encrypt(&key, &iv, br#"{"watermark":{"appid":"wx1"},"n":1}"#);
    let value = decrypt(&STANDARD.encode(key), &STANDARD.encode(iv), &data, "wx1").unwrap();
    assert_eq!(value["n"], 1);
}

/// A random query value: text, raw bytes percent-encoded (invalid UTF-8, NUL), or long.
fn value(rng: &mut StdRng) -> String {
    match rng.random_range(0..5) {
        0 => String::new(),
        1 => "x".repeat(rng.random_range(100..5000)),
        2 => random_bytes(rng, 40)
            .iter()
            .map(|b| format!("%{b:02X}"))
            .collect(),
        3 => [
            "S256",
            "plain",
            "code",
            "openid",
            "https://shop.example.com/cb",
            "%",
            "%%",
            "+",
        ][rng.random_range(0..8)]
        .to_string(),
        _ => form_urlencoded::byte_serialize(&random_bytes(rng, 20)).collect(),
    }
}

#[tokio::test]
async fn login_queries_never_end_in_a_server_error() {
    let mut rng = seeded("queries");
    let app = test_app().await;
    let keys = [
        "client_id",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
        "prompt",
        "request",
        "code",
        "source",
        "step",
        "lang",
        "max_age",
        "%00",
        "",
    ];
    for _ in 0..rounds() {
        let pairs: Vec<String> = (0..rng.random_range(0..8))
            .map(|_| {
                format!(
                    "{}={}",
                    keys[rng.random_range(0..keys.len())],
                    value(&mut rng)
                )
            })
            .collect();
        let q = pairs.join("&");
        let source = ["wechat-web", "x", "%E4%B8%AD", "a%00b", "..", "%FF"][rng.random_range(0..6)];
        for path in [
            format!("/oauth/authorize?{q}"),
            format!("/login?{q}"),
            format!("/login/wechat/{source}?{q}"),
            format!("/login/wechat/{source}/callback?{q}"),
        ] {
            let Ok(req) = Request::get(&path).header("host", HOST).body(Body::empty()) else {
                continue;
            };
            let reply = app.send(req).await;
            assert!(
                reply.status < StatusCode::INTERNAL_SERVER_ERROR,
                "{path}: {} {}",
                reply.status,
                reply.body
            );
        }
    }
}
