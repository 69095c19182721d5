//! What the benchmark programs share: starting `target/release/datong`, reading its peak
//! memory and CPU time, and printing durations.

// Each benchmark compiles this module on its own and uses a part of it.
#![allow(dead_code)]

pub mod qr_login;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// `target/release/datong`, which must have been built, or the binary `BENCH_DATONG_BIN` names
/// (for example `target/profiling/datong`, built with symbols for `perf`).
pub fn datong_binary() -> PathBuf {
    let bin = std::env::var_os("BENCH_DATONG_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/datong"));
    assert!(
        bin.exists(),
        "{} is missing: cargo build --release -p server --bin datong",
        bin.display()
    );
    bin
}

/// The one number a `SELECT count(*) …` answers.
pub async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// An HTTP client that does not follow redirects (a login reads each one), keeping up to 256
/// idle connections.
pub fn browser_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(256)
        .build()
        .unwrap()
}

/// Creates an admin API token with `datong admin token create NAME` under `envs` and returns it.
pub fn admin_token(bin: &Path, name: &str, envs: &[(&str, String)]) -> String {
    let out = Command::new(bin)
        .args(["admin", "token", "create", name])
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .env("DATONG_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_string()
}

/// Starts `bin args` with `envs` and returns it with the address it says it listens on.
pub fn spawn_listening(bin: &Path, args: &[&str], envs: &[(&str, String)]) -> (Child, String) {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        // Quiet unless the caller says otherwise, but the "listening on" line must come out.
        .env("DATONG_LOG", "warn,datong::serve=info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let addr = loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "{args:?} exited early"
        );
        if let Some(at) = line.find("listening on http://") {
            break line[at + "listening on http://".len()..].trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in reader.lines() {});
    (child, addr)
}

/// Runs `job(0)` … `job(count - 1)` on `concurrency` tasks, each job timed. Returns the
/// latencies, sorted, and the wall time of the whole run.
pub async fn timed<F, Fut>(count: usize, concurrency: usize, job: F) -> (Vec<Duration>, Duration)
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (next, job) = (next.clone(), job.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        break latencies;
                    }
                    let t = Instant::now();
                    job(i).await;
                    latencies.push(t.elapsed());
                }
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    (latencies, elapsed)
}

/// The `p` quantile (0.0–1.0) of sorted latencies.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

/// A process's peak resident memory (`VmHWM`), as /proc shows it.
pub fn peak_memory(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_string())
        })
        .unwrap_or_else(|| "?".into())
}

/// CPU time (user + system, all threads) a process has used so far, from `/proc/PID/stat`.
pub fn cpu_time(pid: u32) -> Duration {
    let ticks = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // Fields after the command name (which may hold spaces) start at field 3.
            let rest = stat.rsplit_once(") ")?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    Duration::from_secs_f64(ticks as f64 / clock_ticks())
}

/// CPU time used so far by every process named `name` (PostgreSQL's server processes).
pub fn cpu_time_of_all(name: &str) -> Duration {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == name)
        })
        .map(cpu_time)
        .sum()
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100.0)
}

/// Stops a child with SIGTERM and waits for it.
pub fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Sends `request` and answers its JSON body (a benchmark stops at anything else).
pub async fn json_of(request: reqwest::RequestBuilder) -> serde_json::Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// Creates `count` sandbox personas named "Bench 0", "Bench 1", … and returns their ids.
/// `phone_api` is the sandbox phone's API (`…/sandbox/wechat/phone/api`).
pub async fn personas(http: &reqwest::Client, phone_api: &str, count: usize) -> Vec<i64> {
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let p: serde_json::Value = json_of(
            http.post(format!("{phone_api}/personas"))
                .json(&serde_json::json!({"nickname": format!("Bench {i}")})),
        )
        .await;
        ids.push(p["id"].as_i64().unwrap());
    }
    ids
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `datong` (SQLite in a scratch folder, or PostgreSQL at a URL) whose WeChat is the
/// standalone sandbox in a process of its own, with an admin API token for the management API.
pub struct Pair {
    pub server: Child,
    pub sandbox: Child,
    /// `http://…` of datong.
    pub datong: String,
    /// `http://…` of the sandbox.
    pub sandbox_url: String,
    pub api_token: String,
    pub scratch: PathBuf,
    /// How datong was started, to start it again on the same data.
    bin: PathBuf,
    env: Vec<(&'static str, String)>,
    port: u16,
}

/// The token the benchmarks' datong serves `/metrics` to.
pub const METRICS_TOKEN: &str = "bench-metrics-token-0123456789";

/// The statements datong has sent so far, by kind, from its `/metrics`.
pub async fn statements(
    http: &reqwest::Client,
    datong: &str,
) -> std::collections::BTreeMap<String, f64> {
    let text = http
        .get(format!("{datong}/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .expect("datong's /metrics")
        .text()
        .await
        .unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("datong_db_statements_total{kind=\""))
        .filter_map(|l| {
            let (kind, rest) = l.split_once('"')?;
            Some((
                kind.to_string(),
                rest.trim_start_matches('}').trim().parse().ok()?,
            ))
        })
        .collect()
}

/// "total (kind n, …)" per operation, from two readings of the statement counters (the
/// background tasks' few statements meanwhile included).
pub fn statements_per(
    before: &std::collections::BTreeMap<String, f64>,
    after: &std::collections::BTreeMap<String, f64>,
    count: usize,
) -> String {
    let per: Vec<(String, f64)> = after
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                (v - before.get(k).copied().unwrap_or(0.0)) / count as f64,
            )
        })
        .filter(|(_, v)| *v > 0.0)
        .collect();
    let total: f64 = per.iter().map(|(_, v)| v).sum();
    let parts: Vec<String> = per.iter().map(|(k, v)| format!("{k} {v:.1}")).collect();
    format!("{total:.1} ({})", parts.join(", "))
}

/// Starts the sandbox, then datong pointed at it; `name` names the scratch folder.
pub fn start_pair(bin: &Path, name: &str, database_url: Option<&str>) -> Pair {
    start_pair_with(bin, name, database_url, &[])
}

/// [`start_pair`] with `extra` in the environment of both processes (and of [`Pair::run`]).
pub fn start_pair_with(
    bin: &Path,
    name: &str,
    database_url: Option<&str>,
    extra: &[(&'static str, String)],
) -> Pair {
    let scratch = std::env::temp_dir().join(format!("datong-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let sandbox_dir = scratch.join("sandbox");
    let (sandbox, sandbox_addr) = spawn_listening(
        bin,
        &[
            "sandbox",
            "--addr",
            "127.0.0.1:0",
            "--data-dir",
            sandbox_dir.to_str().unwrap(),
        ],
        extra,
    );
    let sandbox_url = format!("http://{sandbox_addr}");
    let mut env = vec![
        (
            "DATONG_DATA_DIR",
            scratch.join("datong").to_str().unwrap().to_string(),
        ),
        ("DATONG_SANDBOX", "false".to_string()),
        (
            "DATONG_WECHAT_API_URL",
            format!("{sandbox_url}/sandbox/wechat/api"),
        ),
        (
            "DATONG_WECHAT_OPEN_URL",
            format!("{sandbox_url}/sandbox/wechat/open"),
        ),
        ("DATONG_ADMIN_PASSWORD", "bench-admin-password".to_string()),
        ("DATONG_METRICS_TOKEN", METRICS_TOKEN.to_string()),
        // PostgreSQL needs a configured master key (instances share it); any fresh one will do.
        (
            "DATONG_MASTER_KEY",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                rand::random::<[u8; 32]>(),
            ),
        ),
    ];
    if let Some(url) = database_url {
        env.push(("DATONG_DATABASE_URL", url.to_string()));
    }
    env.extend_from_slice(extra);
    let api_token = admin_token(bin, &format!("bench-{}", std::process::id()), &env);
    let port = free_port();
    let (server, addr) = spawn_listening(
        bin,
        &["serve", "--addr", &format!("127.0.0.1:{port}")],
        &env,
    );
    Pair {
        server,
        sandbox,
        datong: format!("http://{addr}"),
        sandbox_url,
        api_token,
        scratch,
        bin: bin.to_path_buf(),
        env,
        port,
    }
}

impl Pair {
    /// Kills datong with SIGKILL (no shutdown of any kind).
    pub fn kill_server(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }

    /// Starts datong again on the same data, address and configuration.
    pub fn restart_server(&mut self) {
        let (server, _) = spawn_listening(
            &self.bin,
            &["serve", "--addr", &format!("127.0.0.1:{}", self.port)],
            &self.env,
        );
        self.server = server;
    }

    /// Runs `datong args` with datong's configuration: what it printed, or what it said when it
    /// failed.
    pub fn try_run(&self, args: &[&str]) -> Result<String, String> {
        let out = Command::new(&self.bin)
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("DATONG_LOG", "warn")
            .output()
            .unwrap();
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!(
                "datong {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// Stops both processes and removes the scratch folder.
    pub fn stop(mut self) {
        stop(&mut self.server);
        stop(&mut self.sandbox);
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// A benchmark that panics leaves no server behind.
impl Drop for Pair {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.sandbox.kill();
    }
}
