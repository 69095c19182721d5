//! Start-up on bad ground: each failure is one readable line naming the path or URL, never a
//! panic. These run the real `datong` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use datong::store;

/// The `datong` binary in `cwd`, with quiet logs and none of the suite's own variables.
fn command(args: &[&str], cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_datong"));
    cmd.args(args)
        .current_dir(cwd)
        .env("DATONG_LOG", "warn")
        .env("NO_COLOR", "1")
        .env_remove("DATONG_TEST_DATABASE_URL")
        .env_remove("DATONG_TEST_REQUIRE_POSTGRES")
        .env_remove("DATONG_ADMIN_PASSWORD");
    cmd
}

fn datong(args: &[&str], envs: &[(&str, &str)], cwd: &Path) -> Output {
    let mut cmd = command(args, cwd);
    cmd.envs(envs.iter().copied());
    cmd.output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("datong-start-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn assert_one_line_failure(out: &Output, must_contain: &str) -> String {
    assert!(!out.status.success(), "should fail");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let last = err.lines().last().unwrap_or("").to_string();
    assert!(last.starts_with("datong: "), "{err}");
    assert!(
        last.contains(must_contain),
        "expected `{must_contain}` in: {err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    last
}

#[test]
fn missing_data_directory() {
    let dir = scratch("missing");
    let out = datong(
        &["migrate", "--data-dir", "/nonexistent/datong-data"],
        &[],
        &dir,
    );
    assert_one_line_failure(
        &out,
        "data directory /nonexistent/datong-data does not exist",
    );
}

#[test]
fn data_directory_that_is_a_file() {
    let dir = scratch("file");
    std::fs::write(dir.join("afile"), "x").unwrap();
    let out = datong(&["migrate", "--data-dir", "afile"], &[], &dir);
    assert_one_line_failure(&out, "data directory afile is not a directory");
}

#[test]
fn unwritable_data_directory() {
    let dir = scratch("unwritable");
    // /proc refuses new files even to root, which chmod-based checks cannot.
    let out = datong(&["migrate", "--data-dir", "/proc"], &[], &dir);
    assert_one_line_failure(&out, "data directory /proc is not writable");
}

#[test]
fn corrupt_sqlite_file() {
    let dir = scratch("corrupt");
    std::fs::create_dir_all(dir.join("d")).unwrap();
    std::fs::write(dir.join("d/datong.db"), vec![0x42u8; 8192]).unwrap();
    let out = datong(&["migrate", "--data-dir", "d"], &[], &dir);
    assert_one_line_failure(&out, "d/datong.db");
}

#[test]
fn unreachable_postgres_names_the_url_without_its_password() {
    let dir = scratch("pg");
    let out = datong(
        &["migrate"],
        &[(
            "DATONG_DATABASE_URL",
            "postgres://datong:hunter2@127.0.0.1:1/datong",
        )],
        &dir,
    );
    let line = assert_one_line_failure(&out, "postgres://datong:***@127.0.0.1:1/datong");
    assert!(line.contains("refused"), "the cause is shown: {line}");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("hunter2"),
        "{line}"
    );
}

#[test]
fn postgres_without_a_master_key_is_refused() {
    let Ok(url) = std::env::var("DATONG_TEST_DATABASE_URL") else {
        eprintln!("note: DATONG_TEST_DATABASE_URL not set, skipped");
        return;
    };
    let dir = scratch("pg-key");
    let out = datong(
        &["serve", "--addr", "127.0.0.1:0"],
        &[("DATONG_DATABASE_URL", &url)],
        &dir,
    );
    assert_one_line_failure(&out, "`master_key` is required with PostgreSQL");
}

#[test]
fn bad_configuration_names_the_key() {
    let dir = scratch("badcfg");
    std::fs::write(
        dir.join("datong.toml"),
        "addr = \"127.0.0.1:3000\"\nsesion_hours = 3\n",
    )
    .unwrap();
    let out = datong(&["migrate"], &[], &dir);
    assert_one_line_failure(&out, "sesion_hours");
    let out = datong(
        &["migrate", "--config", "none.toml"],
        &[("DATONG_LOG_FORMAT", "xml")],
        &dir,
    );
    assert_one_line_failure(&out, "none.toml");
    std::fs::remove_file(dir.join("datong.toml")).unwrap();
    let out = datong(&["migrate"], &[("DATONG_LOG_FORMAT", "xml")], &dir);
    assert_one_line_failure(&out, "DATONG_LOG_FORMAT");
}

#[test]
fn migrate_then_admin_commands() {
    let dir = scratch("admin");
    let out = datong(&["migrate"], &[], &dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        dir.join("data/datong.db").exists(),
        "default data directory is created"
    );

    let out = datong(&["admin", "create", "ops"], &[], &dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("created administrator `ops`") && stdout.contains("password: "),
        "{stdout}"
    );

    let again = datong(&["admin", "create", "ops"], &[], &dir);
    assert_one_line_failure(&again, "an administrator named `ops` already exists");

    let bad = datong(&["admin", "create", "bad name"], &[], &dir);
    assert_one_line_failure(&bad, "administrator names are");

    let missing = datong(&["admin", "reset-password", "ghost"], &[], &dir);
    assert_one_line_failure(&missing, "no administrator is named `ghost`");

    let mut child = command(
        &["admin", "reset-password", "ops", "--password-stdin"],
        &dir,
    )
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("a long enough password"));
}

/// Several `datong` processes started at once on one fresh data directory: they race on the
/// first migration and on writes, and all succeed.
#[test]
fn concurrent_processes_share_one_sqlite_file() {
    let dir = scratch("procs");
    let children: Vec<_> = (0..6)
        .map(|i| {
            command(&["admin", "create", &format!("user{i}")], &dir)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for i in 0..6 {
        let again = datong(&["admin", "create", &format!("user{i}")], &[], &dir);
        assert_one_line_failure(&again, "already exists");
    }
}

/// Two connection pools on one SQLite file, as two instances would have: WAL and a busy
/// timeout let both write without errors or damage.
#[tokio::test]
async fn two_pools_share_one_sqlite_file() {
    let dir = scratch("shared");
    let url = format!("sqlite://{}?mode=rwc", dir.join("datong.db").display());
    let a = store::connect(&url, 4).await.unwrap();
    let b = store::connect(&url, 4).await.unwrap();
    let (ma, mb) = tokio::join!(store::migrate(&a), store::migrate(&b));
    ma.unwrap();
    mb.unwrap();
    let mut tasks = Vec::new();
    for (i, db) in [a.clone(), b.clone()].into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            for n in 0..25 {
                store::admins::create(&db, &format!("i{i}-{n}"), "h", chrono::Utc::now())
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(store::admins::count(&a).await.unwrap(), 50);
    use sea_orm::{ConnectionTrait, Statement};
    let row = a
        .query_one_raw(Statement::from_string(
            a.get_database_backend(),
            "PRAGMA journal_mode",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "wal");
    let ok = b
        .query_one_raw(Statement::from_string(
            b.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ok.try_get_by_index::<String>(0).unwrap(), "ok");
}

/// The first start prints a generated admin password once; it signs in over real HTTP; SIGTERM
/// stops the process cleanly; the next start prints no password and reuses the master key.
#[tokio::test]
async fn first_start_prints_a_working_one_time_password_once() {
    let dir = scratch("first-start");
    let start = || spawn_listening(&["serve", "--addr", "127.0.0.1:0"], &dir);
    let stop = |child: &mut std::process::Child| {
        let pid = child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let status = child.wait().unwrap();
        assert!(
            status.success(),
            "SIGTERM should stop cleanly, got {status}"
        );
    };

    let (mut first, addr, lines) = start();
    let marker = "one-time password ";
    let password_line = lines
        .iter()
        .find(|l| l.contains(marker))
        .expect("password logged");
    let password: String = password_line[password_line.find(marker).unwrap() + marker.len()..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    assert_eq!(password.len(), 20, "{password_line}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("WARN") && l.contains("WeChat is simulated")),
        "the embedded default runs the sandbox and says so: {lines:?}"
    );
    let key_before = std::fs::read(dir.join("data/master.key")).unwrap();

    let client = reqwest::Client::new();
    let reply = client
        .post(format!("http://{addr}/api/session/sign_in"))
        .header("origin", format!("http://{addr}"))
        .header("accept", "application/json")
        .form(&[("name", "admin"), ("password", password.as_str())])
        .send()
        .await
        .unwrap();
    assert!(reply.headers().get("set-cookie").is_some());
    let body: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(body["outcome"], "signed");
    stop(&mut first);

    let (mut second, _, lines) = start();
    assert!(
        !lines.iter().any(|l| l.contains(marker)),
        "printed again: {lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains(&password)),
        "password leaked: {lines:?}"
    );
    stop(&mut second);
    assert_eq!(
        std::fs::read(dir.join("data/master.key")).unwrap(),
        key_before
    );
}

/// Starts `datong` with `args` and waits for its "listening on" line; returns the child, the
/// address and the log lines seen.
// The child is returned to the caller, which stops and waits for it.
#[allow(clippy::zombie_processes)]
fn spawn_listening(args: &[&str], dir: &Path) -> (std::process::Child, String, Vec<String>) {
    use std::io::{BufRead, BufReader};
    let mut child = command(args, dir)
        .env("DATONG_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            let status = child.wait().unwrap();
            panic!("exited early ({status}): {lines:?}");
        }
        lines.push(line.clone());
        if let Some(at) = line.find("listening on http://") {
            let addr = line[at + "listening on http://".len()..].trim().to_string();
            std::thread::spawn(move || for _ in reader.lines() {});
            return (child, addr, lines);
        }
    }
}

/// `datong sandbox` serves only the sandbox: WeChat's API answers, Datong's console does not.
#[tokio::test]
async fn standalone_sandbox_serves_only_the_sandbox() {
    let dir = scratch("standalone");
    let (mut child, addr, lines) = spawn_listening(&["sandbox", "--addr", "127.0.0.1:0"], &dir);
    assert!(
        lines.iter().any(|l| l.contains("WeChat is simulated")),
        "{lines:?}"
    );
    let http = reqwest::Client::new();
    let token: serde_json::Value = http
        .get(format!(
            "http://{addr}/sandbox/wechat/api/cgi-bin/token?grant_type=client_credential&appid=wx00000000000000ab&secret=s"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["expires_in"], 7200, "{token}");
    let console = http
        .get(format!("http://{addr}/console"))
        .send()
        .await
        .unwrap();
    assert_eq!(console.status(), 404);
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(child.wait().unwrap().success());
}
