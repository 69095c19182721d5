//! Mini-program code tickets under load: one `datong` (embedded default: SQLite, sandbox on)
//! holds STREAMS open Server-Sent Event streams, one per ticket; then CONFIRMS of those tickets
//! are confirmed through the API (wx.login and phone codes from the sandbox, as the mini program
//! would send them) and each stream's `confirmed` event is timed. The phones' codes are fetched
//! before the clock starts, and the first confirmations warm up untimed. Prints the confirm →
//! event latency (p50/p99), the throughput, the CPU time per confirmation and datong's memory
//! with the streams open.
//!
//! `cargo run --release -p server --example mp_bench -- [STREAMS] [CONFIRMS] [CONCURRENCY]`
//! (needs `target/release/datong`; default 10000 1000 8). `BENCH_DATABASE_URL=postgres://…` (an
//! empty database) runs it on PostgreSQL; adding `BENCH_SECOND_INSTANCE=1` confirms through a
//! second `datong` process on the same database.

// A benchmark stops at the first unexpected answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::{Mutex, Semaphore};

const REDIRECT: &str = "https://rp.example.com/cb";
const VERIFIER: &str = "bench-verifier-bench-verifier-bench-verifier-0001";
const COOKIE: &str = "datong_login=bench-browser";
/// How many streams are being opened at the same moment.
const OPENING: usize = 64;

/// Confirmations made before timing starts.
const WARMUP: usize = 16;

/// When a stream saw its `confirmed` event.
type Seen = Arc<Mutex<Option<Instant>>>;

/// A ticket, where its stream records its `confirmed` event, and the confirm request's body.
type Job = (String, Seen, Value);

/// Confirms every job through `base` on `concurrency` tasks, as mini programs would. Returns,
/// per job, the time from sending the confirm and from its answer to the stream's event.
async fn confirm_all(
    http: &reqwest::Client,
    base: &str,
    jobs: Vec<Job>,
    concurrency: usize,
) -> Vec<(Duration, Duration)> {
    let jobs = Arc::new(jobs);
    let results: Arc<Mutex<Vec<(Duration, Duration)>>> = Arc::default();
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (http, jobs, results, next) =
            (http.clone(), jobs.clone(), results.clone(), next.clone());
        let base = base.to_string();
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some((ticket, slot, body)) = jobs.get(i) else {
                    return;
                };
                let sent = Instant::now();
                let r = http
                    .post(format!("{base}/api/v1/login/mp-qrcode/{ticket}/confirm"))
                    .json(body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
                let answered = Instant::now();
                let event = loop {
                    if let Some(at) = *slot.lock().await {
                        break at;
                    }
                    tokio::time::sleep(Duration::from_micros(200)).await;
                };
                results.lock().await.push((
                    event.saturating_duration_since(sent),
                    event.saturating_duration_since(answered),
                ));
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    results.lock().await.clone()
}

/// The current resident memory (`VmRSS`) of a process.
fn rss(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(|l| l["VmRSS:".len()..].trim().to_string())
        })
        .unwrap_or_else(|| "?".into())
}

/// Follows one ticket's stream: counts it ready on its first event, records when `confirmed`
/// arrives.
async fn follow(
    http: reqwest::Client,
    url: String,
    opening: Arc<Semaphore>,
    ready: Arc<AtomicUsize>,
    seen: Seen,
) {
    let permit = opening.acquire_owned().await.unwrap();
    let mut r = http.get(url).header("cookie", COOKIE).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let mut permit = Some(permit);
    while let Ok(Some(chunk)) = r.chunk().await {
        if permit.take().is_some() {
            ready.fetch_add(1, Ordering::SeqCst);
        }
        if String::from_utf8_lossy(&chunk).contains("\"confirmed\"") {
            *seen.lock().await = Some(Instant::now());
            return;
        }
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let streams: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let confirms: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(8);
    let confirms = confirms.min(streams);

    let bin = common::datong_binary();
    let scratch = std::env::temp_dir().join(format!("datong-mp-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let mut env = vec![
        ("DATONG_DATA_DIR", scratch.to_str().unwrap().to_string()),
        ("DATONG_ADMIN_PASSWORD", "bench-admin-password".to_string()),
        ("DATONG_MP_TICKET_LIMIT", "1000000".to_string()),
    ];
    // PostgreSQL instead of the embedded SQLite: an empty database, the sandbox switched on
    // (a configured database turns it off by default), and a master key, which PostgreSQL
    // requires (both instances below share it, and with it the sandbox's mini program).
    let postgres = std::env::var("BENCH_DATABASE_URL").ok();
    if let Some(url) = &postgres {
        env.push(("DATONG_DATABASE_URL", url.clone()));
        env.push(("DATONG_SANDBOX", "true".to_string()));
        env.push((
            "DATONG_MASTER_KEY",
            "YmVuY2gtbWFzdGVyLWtleS1iZW5jaC1tYXN0ZXIta2U=".to_string(),
        ));
    }
    let api_token = common::admin_token(&bin, "bench", &env);
    let serve = |env: &[(&str, String)]| {
        common::spawn_listening(
            &bin,
            &[
                "serve",
                "--addr",
                &format!("127.0.0.1:{}", common::free_port()),
            ],
            env,
        )
    };
    let (mut server, addr) = serve(&env);
    let datong = format!("http://{addr}");
    // With PostgreSQL, BENCH_SECOND_INSTANCE=1 starts a second `datong` process on the same
    // database, with the first one's sandbox as its WeChat: the pages follow their tickets on
    // the first, the phones confirm through the second, and each event crosses processes
    // through LISTEN/NOTIFY.
    let second = match (&postgres, std::env::var_os("BENCH_SECOND_INSTANCE")) {
        (Some(_), Some(_)) => {
            let mut env2 = env.clone();
            env2.push((
                "DATONG_WECHAT_API_URL",
                format!("{datong}/sandbox/wechat/api"),
            ));
            Some(serve(&env2))
        }
        _ => None,
    };
    let confirming = match &second {
        Some((_, addr2)) => format!("http://{addr2}"),
        None => datong.clone(),
    };
    let baseline = rss(server.id());

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let api = |method: reqwest::Method, path: &str, body: Value| {
        let r = http
            .request(method, format!("{datong}{path}"))
            .bearer_auth(&api_token)
            .json(&body)
            .send();
        async move {
            r.await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap_or(Value::Null)
        }
    };
    let source = api(
        reqwest::Method::POST,
        "/api/v1/sources",
        json!({"identifier": "bench-mp", "mode": "pc_miniprogram_qrcode", "display_name": "Bench",
               "callback_url": "https://rp.example.com/after", "enabled": true}),
    )
    .await;
    let app = api(
        reqwest::Method::POST,
        "/api/v1/applications",
        json!({"name": "Bench RP", "app_type": "web", "redirect_uris": [REDIRECT],
               "sources": [source["id"]]}),
    )
    .await;
    let client_id = app["application"]["client_id"]
        .as_str()
        .unwrap_or_else(|| panic!("source: {source}\napplication: {app}"))
        .to_string();
    let q = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid")
        .append_pair("code_challenge", &datong::tokens::grants::s256(VERIFIER))
        .append_pair("code_challenge_method", "S256")
        .finish();
    let r = http
        .get(format!("{datong}/oauth/authorize?{q}"))
        .send()
        .await
        .unwrap();
    let login = r.headers()["location"].to_str().unwrap().to_string();
    let request = login.split("request=").nth(1).unwrap().to_string();

    // Tickets, one per stream (one login request and one browser for all of them).
    let started = Instant::now();
    let mut tickets = Vec::with_capacity(streams);
    for _ in 0..streams {
        let t: Value = common::json_of(
            http.post(format!("{datong}/api/v1/login/mp-qrcode"))
                .header("origin", &datong)
                .header("cookie", COOKIE)
                .json(&json!({"request": request, "source": "bench-mp"})),
        )
        .await;
        tickets.push(
            t["ticket"]
                .as_str()
                .unwrap_or_else(|| panic!("{t}"))
                .to_string(),
        );
    }
    println!(
        "{streams} tickets created in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let with_tickets = rss(server.id());

    // Open every stream, each on its own connection.
    let ready = Arc::new(AtomicUsize::new(0));
    let mut seen = Vec::with_capacity(streams);
    let stream_client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    // Pages open over time, not all in the same instant: at most OPENING streams are being opened
    // at once.
    let opening = Arc::new(Semaphore::new(OPENING));
    for t in &tickets {
        let slot = Arc::new(Mutex::new(None));
        seen.push(slot.clone());
        tokio::spawn(follow(
            stream_client.clone(),
            format!("{datong}/api/v1/login/mp-qrcode/{t}/events"),
            opening.clone(),
            ready.clone(),
            slot,
        ));
    }
    let opened = Instant::now();
    while ready.load(Ordering::SeqCst) < streams {
        assert!(
            opened.elapsed() < Duration::from_secs(120),
            "only {} streams opened",
            ready.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "{streams} streams open in {:.1} s",
        opened.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let with_streams = rss(server.id());

    // Confirm through the API, as the mini program would; time each confirmed event.
    let phone_api = format!("{datong}/sandbox/wechat/phone/api");
    let appid = {
        let state: Value =
            common::json_of(http.get(format!("{datong}/sandbox/wechat/admin/api/state"))).await;
        state["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["kind"] == "mini_program")
            .unwrap()["appid"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // One person per confirmation: WeChat allows one user 100 `jscode2session` calls a minute.
    // The first WARMUP confirmations are not timed: they fill both processes' connection pools
    // and fetch the mini program's access token, which a running instance already has.
    let warmup = WARMUP.min(streams - confirms);
    let personas = common::personas(&http, &phone_api, warmup + confirms).await;
    // The phone gets its codes from WeChat before it calls Datong: fetched here, before the
    // clock starts, so the timed part is Datong's alone (plus the sandbox answering
    // `jscode2session` and `getuserphonenumber`, which in production is WeChat's work).
    let mut jobs = Vec::with_capacity(personas.len());
    for ((ticket, slot), persona) in tickets.iter().zip(&seen).zip(personas) {
        let code = |kind: &str| {
            http.post(format!("{phone_api}/{kind}"))
                .json(&json!({"persona_id": persona, "appid": appid}))
        };
        let js = common::json_of(code("wx_login")).await;
        let ph = common::json_of(code("phone_code")).await;
        let body = json!({"code": js["code"], "phone_code": ph["code"]});
        jobs.push((ticket.clone(), slot.clone(), body));
    }
    let (warm, timed) = jobs.split_at(warmup);
    confirm_all(&http, &confirming, warm.to_vec(), concurrency).await;
    let second_pid = second.as_ref().map(|(child, _)| child.id());
    let cpu_of = |pid: Option<u32>| pid.map(common::cpu_time).unwrap_or_default();
    let (cpu_before, second_before, bench_before) = (
        common::cpu_time(server.id()),
        cpu_of(second_pid),
        common::cpu_time(std::process::id()),
    );
    let started = Instant::now();
    let results = confirm_all(&http, &confirming, timed.to_vec(), concurrency).await;
    let took = started.elapsed();
    let cpu = common::cpu_time(server.id()) - cpu_before;
    let second_cpu = cpu_of(second_pid) - second_before;
    let bench_cpu = common::cpu_time(std::process::id()) - bench_before;

    let mut from_sent: Vec<_> = results.iter().map(|r| r.0).collect();
    let mut from_answer: Vec<_> = results.iter().map(|r| r.1).collect();
    from_sent.sort();
    from_answer.sort();
    println!(
        "{confirms} confirms at concurrency {concurrency} with {streams} streams open{} \
         ({:.0} confirms/s, after {warmup} untimed):\n  \
         confirm sent -> event:     p50 {:.1} ms, p99 {:.1} ms\n  \
         confirm answered -> event: p50 {:.2} ms, p99 {:.2} ms",
        match (&postgres, &second) {
            (Some(_), Some(_)) => " (PostgreSQL, confirmed through a second process)",
            (Some(_), None) => " (PostgreSQL)",
            _ => "",
        },
        confirms as f64 / took.as_secs_f64(),
        common::ms(common::percentile(&from_sent, 0.50)),
        common::ms(common::percentile(&from_sent, 0.99)),
        common::ms(common::percentile(&from_answer, 0.50)),
        common::ms(common::percentile(&from_answer, 0.99)),
    );
    let per = |d: Duration| common::ms(d) / confirms as f64;
    match second_pid {
        Some(_) => println!(
            "CPU per timed confirm: datong with the streams {:.2} ms, datong confirming {:.2} ms, \
             this benchmark {:.2} ms",
            per(cpu),
            per(second_cpu),
            per(bench_cpu)
        ),
        None => println!(
            "CPU per timed confirm: datong {:.2} ms, this benchmark {:.2} ms",
            per(cpu),
            per(bench_cpu)
        ),
    }
    println!(
        "datong memory: {baseline} at start, {with_tickets} after creating the tickets, {with_streams} with {streams} streams open, peak {}",
        common::peak_memory(server.id())
    );
    if let Some((mut other, _)) = second {
        common::stop(&mut other);
    }
    common::stop(&mut server);
    let _ = std::fs::remove_dir_all(&scratch);
}
