//! Configuration layering and its error messages.

use std::path::PathBuf;

use datong::config::{self, Flags, KEYS, LogFormat};

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("datong-cfg-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("datong.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Loads `file` with an empty environment.
fn load_file(file: PathBuf) -> Result<config::Config, String> {
    let flags = Flags {
        config: Some(file),
        ..Flags::default()
    };
    config::load_from(&flags, env(&[]))
}

#[test]
fn defaults_give_the_embedded_setup() {
    let c = config::load_from(&Flags::default(), env(&[])).unwrap();
    assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
    assert_eq!(c.data_dir, PathBuf::from("data"));
    assert_eq!(c.database_url.expose(), "sqlite://data/datong.db?mode=rwc");
    assert!(c.is_sqlite());
    assert_eq!(c.session_hours, 12);
    assert_eq!(c.log_format, LogFormat::Text);
    assert!(c.master_key.is_none() && c.admin_password.is_none());
    assert!(
        c.access_tokens_es256,
        "access tokens are ES256 unless told otherwise"
    );
    let rs = config::load_from(
        &Flags::default(),
        env(&[("DATONG_ACCESS_TOKEN_ALG", "RS256")]),
    );
    assert!(!rs.unwrap().access_tokens_es256);
}

#[test]
fn the_sandbox_is_on_only_in_the_embedded_default() {
    let c = config::load_from(&Flags::default(), env(&[])).unwrap();
    assert!(c.sandbox);
    assert_eq!(c.wechat_api_url, "http://127.0.0.1:3000/sandbox/wechat/api");
    assert_eq!(
        c.wechat_open_url,
        "http://127.0.0.1:3000/sandbox/wechat/open"
    );

    let pg = config::load_from(
        &Flags::default(),
        env(&[("DATONG_DATABASE_URL", "postgres://u:p@db/datong")]),
    )
    .unwrap();
    assert!(!pg.sandbox);
    assert_eq!(pg.wechat_api_url, "https://api.weixin.qq.com");
    assert_eq!(pg.wechat_open_url, "https://open.weixin.qq.com");

    let asked = config::load_from(
        &Flags::default(),
        env(&[
            ("DATONG_DATABASE_URL", "postgres://u:p@db/datong"),
            ("DATONG_SANDBOX", "true"),
            ("DATONG_PUBLIC_URL", "https://id.example.com/"),
        ]),
    )
    .unwrap();
    assert!(asked.sandbox);
    assert_eq!(
        asked.wechat_api_url,
        "https://id.example.com/sandbox/wechat/api"
    );

    let off = config::load_from(&Flags::default(), env(&[("DATONG_SANDBOX", "false")])).unwrap();
    assert!(!off.sandbox);
    assert_eq!(off.wechat_api_url, "https://api.weixin.qq.com");

    let standalone = config::load_from(
        &Flags::default(),
        env(&[(
            "DATONG_WECHAT_API_URL",
            "http://127.0.0.1:4000/sandbox/wechat/api/",
        )]),
    )
    .unwrap();
    assert_eq!(
        standalone.wechat_api_url,
        "http://127.0.0.1:4000/sandbox/wechat/api"
    );

    let bad =
        config::load_from(&Flags::default(), env(&[("DATONG_SANDBOX", "maybe")])).unwrap_err();
    assert!(
        bad.contains("sandbox") && bad.contains("DATONG_SANDBOX"),
        "{bad}"
    );
    let bad = config::load_from(
        &Flags::default(),
        env(&[("DATONG_WECHAT_API_URL", "ftp://x")]),
    )
    .unwrap_err();
    assert!(bad.contains("wechat_api_url"), "{bad}");
}

#[test]
fn file_then_environment_then_flags() {
    let file = temp_file(
        "layers",
        "addr = \"127.0.0.1:4000\"\nsession_hours = 2\nlog_format = \"json\"\n",
    );
    let flags = Flags {
        config: Some(file.clone()),
        ..Flags::default()
    };
    let c = config::load_from(&flags, env(&[("DATONG_SESSION_HOURS", "3")])).unwrap();
    assert_eq!(c.addr.to_string(), "127.0.0.1:4000", "from the file");
    assert_eq!(c.session_hours, 3, "environment beats the file");
    assert_eq!(c.log_format, LogFormat::Json);

    let flags = Flags {
        config: Some(file),
        addr: Some("127.0.0.1:5000".into()),
        data_dir: Some("/srv/datong".into()),
    };
    let c = config::load_from(&flags, env(&[("DATONG_ADDR", "127.0.0.1:4500")])).unwrap();
    assert_eq!(
        c.addr.to_string(),
        "127.0.0.1:5000",
        "flags beat the environment"
    );
    assert_eq!(c.data_dir, PathBuf::from("/srv/datong"));
    assert_eq!(
        c.database_url.expose(),
        "sqlite:///srv/datong/datong.db?mode=rwc"
    );
}

#[test]
fn database_url_from_the_environment() {
    let c = config::load_from(
        &Flags::default(),
        env(&[("DATONG_DATABASE_URL", "postgres://postgres@127.0.0.1/test")]),
    )
    .unwrap();
    assert!(!c.is_sqlite());
    assert_eq!(
        c.database_url.expose(),
        "postgres://postgres@127.0.0.1/test"
    );
}

#[test]
fn unknown_keys_are_named() {
    let e = config::load_from(&Flags::default(), env(&[("DATONG_BOGUS", "1")])).unwrap_err();
    assert!(e.contains("`bogus`") && e.contains("DATONG_BOGUS"), "{e}");

    let file = temp_file("unknown", "addr = \"127.0.0.1:1\"\nbogus_key = 1\n");
    let e = load_file(file).unwrap_err();
    assert!(
        e.contains("bogus_key") && e.contains("line 2") && e.contains("datong.toml"),
        "{e}"
    );
    // test-suite variables are not configuration
    config::load_from(&Flags::default(), env(&[("DATONG_TEST_DATABASE_URL", "x")])).unwrap();
}

#[test]
fn malformed_values_are_named_with_their_source() {
    let cases = [
        ("DATONG_ADDR", "nope", "`addr`"),
        ("DATONG_SESSION_HOURS", "soon", "`session_hours`"),
        ("DATONG_SESSION_HOURS", "0", "`session_hours`"),
        ("DATONG_BEHIND_PROXY", "maybe", "`behind_proxy`"),
        ("DATONG_DATABASE_URL", "mysql://x", "`database_url`"),
        ("DATONG_MASTER_KEY", "too-short", "`master_key`"),
        ("DATONG_PUBLIC_URL", "id.example.com", "`public_url`"),
        ("DATONG_LOG_FORMAT", "xml", "`log_format`"),
        ("DATONG_ADMIN_PASSWORD", "short", "`admin_password`"),
        ("DATONG_ACCESS_TOKEN_ALG", "HS256", "`access_token_alg`"),
    ];
    for (var, value, key) in cases {
        let e = config::load_from(&Flags::default(), env(&[(var, value)])).unwrap_err();
        assert!(e.contains(key) && e.contains(var), "{var}={value}: {e}");
    }
    let file = temp_file("types", "session_hours = \"x\"\n");
    let e = load_file(file).unwrap_err();
    assert!(
        e.contains("line 1") && e.contains("`session_hours`") && e.contains("invalid type"),
        "{e}"
    );

    let missing = Flags {
        config: Some("/nonexistent/datong.toml".into()),
        ..Flags::default()
    };
    let e = config::load_from(&missing, env(&[])).unwrap_err();
    assert!(e.contains("/nonexistent/datong.toml"), "{e}");
}

#[test]
fn debug_output_redacts_every_secret() {
    let key = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="; // 32 bytes
    let c = config::load_from(
        &Flags::default(),
        env(&[
            ("DATONG_MASTER_KEY", key),
            ("DATONG_ADMIN_PASSWORD", "super-secret-pw"),
            (
                "DATONG_DATABASE_URL",
                "postgres://datong:dbpass123@127.0.0.1/x",
            ),
        ]),
    )
    .unwrap();
    let shown = format!("{c:?}");
    for secret in [key, "super-secret-pw", "dbpass123", "MDEy"] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    assert_eq!(
        config::redact_url("postgres://datong:dbpass123@127.0.0.1:5432/x?sslmode=disable"),
        "postgres://datong:***@127.0.0.1:5432/x?sslmode=disable"
    );
    assert_eq!(
        config::redact_url("sqlite://data/datong.db"),
        "sqlite://data/datong.db"
    );
}

#[test]
fn the_example_file_documents_every_key() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../datong.example.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    for key in KEYS {
        assert!(
            text.contains(&format!("# {key} =")),
            "{key} missing from {}",
            path.display()
        );
        let env_name = format!("DATONG_{}", key.to_ascii_uppercase());
        assert!(text.contains(&env_name), "{env_name} missing");
    }
    // Uncommented, the example is itself a valid configuration (the master key line is a
    // placeholder on purpose: a key copied from an example would be public).
    let uncommented: String = text
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter(|l| KEYS.iter().any(|k| l.starts_with(&format!("{k} ="))))
        .filter(|l| !l.starts_with("master_key"))
        .map(|l| format!("{l}\n"))
        .collect();
    let file = temp_file("example", &uncommented);
    load_file(file).unwrap();
}

#[test]
fn the_default_mini_program_needs_both_halves_and_a_real_appid() {
    let flags = Flags::default();
    let env = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let cfg = config::load_from(
        &flags,
        env(&[
            ("DATONG_DEFAULT_MINIPROGRAM_APPID", "wx0123456789abcdef"),
            ("DATONG_DEFAULT_MINIPROGRAM_SECRET", "s3cret-value"),
        ]),
    )
    .unwrap();
    let (appid, secret) = cfg.default_miniprogram.clone().unwrap();
    assert_eq!(appid, "wx0123456789abcdef");
    assert_eq!(secret.expose(), "s3cret-value");
    assert!(!format!("{cfg:?}").contains("s3cret-value"));

    let half = config::load_from(
        &flags,
        env(&[("DATONG_DEFAULT_MINIPROGRAM_APPID", "wx0123456789abcdef")]),
    )
    .unwrap_err();
    assert!(half.contains("default_miniprogram_secret"), "{half}");
    let bad = config::load_from(
        &flags,
        env(&[
            ("DATONG_DEFAULT_MINIPROGRAM_APPID", "gh_0123456789ab"),
            ("DATONG_DEFAULT_MINIPROGRAM_SECRET", "s"),
        ]),
    )
    .unwrap_err();
    assert!(bad.contains("default_miniprogram_appid"), "{bad}");
    assert!(
        config::load_from(&flags, env(&[]))
            .unwrap()
            .default_miniprogram
            .is_none()
    );
}

#[test]
fn metrics_settings_are_checked_and_the_token_stays_secret() {
    let c = config::load_from(
        &Flags::default(),
        env(&[
            ("DATONG_METRICS_TOKEN", "a-long-random-metrics-token"),
            ("DATONG_METRICS_ADDR", "127.0.0.1:9100"),
        ]),
    )
    .unwrap();
    assert_eq!(
        c.metrics_token.as_ref().map(|t| t.expose().as_str()),
        Some("a-long-random-metrics-token")
    );
    assert_eq!(c.metrics_addr, Some("127.0.0.1:9100".parse().unwrap()));
    assert!(!format!("{:?}", c.metrics_token).contains("random"));
    let short = config::load_from(&Flags::default(), env(&[("DATONG_METRICS_TOKEN", "short")]))
        .unwrap_err();
    assert!(
        short.contains("metrics_token") && short.contains("16"),
        "{short}"
    );
    let same = config::load_from(
        &Flags::default(),
        env(&[("DATONG_METRICS_ADDR", "127.0.0.1:3000")]),
    )
    .unwrap_err();
    assert!(same.contains("must differ"), "{same}");
    let bad =
        config::load_from(&Flags::default(), env(&[("DATONG_METRICS_ADDR", "nine")])).unwrap_err();
    assert!(bad.contains("metrics_addr"), "{bad}");
}
