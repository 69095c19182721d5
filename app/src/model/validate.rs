//! Field rules for identity sources and applications. The console and the management API both
//! run these (on the server), so one input gives one field error wherever it comes from.

use super::{FieldError, LinkField, Linking, SourceMode};

fn err(field: &str, code: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(field, code, message)
}

/// Lowercase letters, digits and `-`, 1 to 31 characters.
pub fn identifier(value: &str) -> Result<(), FieldError> {
    let f = "identifier";
    if value.is_empty() {
        return Err(err(f, "required", "Enter a unique identifier."));
    }
    if value.chars().count() > 31 {
        return Err(err(f, "too_long", "At most 31 characters."));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(err(
            f,
            "invalid_format",
            "Use lowercase letters, digits and hyphens only.",
        ));
    }
    Ok(())
}

/// A name people read: 1 to 64 characters, not only spaces.
pub fn name(field: &str, value: &str) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        return Err(err(field, "required", "Enter a name."));
    }
    if value.chars().count() > 64 {
        return Err(err(field, "too_long", "At most 64 characters."));
    }
    if value.chars().any(char::is_control) {
        return Err(err(
            field,
            "invalid_format",
            "Control characters are not allowed.",
        ));
    }
    Ok(())
}

/// The host of an absolute http(s) URL, or None.
fn http_host(value: &str) -> Option<(&'static str, &str)> {
    let (scheme, rest) = if let Some(rest) = value.strip_prefix("https://") {
        ("https", rest)
    } else if let Some(rest) = value.strip_prefix("http://") {
        ("http", rest)
    } else {
        return None;
    };
    if value.len() > 2048 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    // No user info: `https://good.com@evil.com` must not pass for good.com.
    if authority.contains('@') {
        return None;
    }
    let host = if authority.starts_with('[') {
        let end = authority.find(']')?;
        authority.get(..=end)?
    } else {
        authority.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        return None;
    }
    Some((scheme, host))
}

/// An absolute http(s) URL (where the business continues after authentication).
pub fn callback_url(value: &str) -> Result<(), FieldError> {
    let f = "callback_url";
    if value.is_empty() {
        return Err(err(f, "required", "Enter the callback URL."));
    }
    if http_host(value).is_none() {
        return Err(err(
            f,
            "invalid_url",
            "Enter an absolute http:// or https:// URL.",
        ));
    }
    Ok(())
}

/// A redirect URI: absolute, no fragment, https except on this computer (127.0.0.1, localhost).
pub fn redirect_uri(field: &str, value: &str) -> Result<(), FieldError> {
    let Some((scheme, host)) = http_host(value) else {
        return Err(err(
            field,
            "invalid_url",
            format!("`{value}` is not an absolute http(s) URL."),
        ));
    };
    if value.contains('#') {
        return Err(err(
            field,
            "invalid_url",
            format!("`{value}` must not have a fragment (#)."),
        ));
    }
    let local = matches!(host, "127.0.0.1" | "localhost" | "[::1]");
    if scheme == "http" && !local {
        return Err(err(
            field,
            "https_required",
            format!("`{value}` must use https (http is allowed only for 127.0.0.1 and localhost)."),
        ));
    }
    Ok(())
}

/// A native application's redirect URI (RFC 8252 §7): a private-use scheme named after a domain
/// the developer owns (`com.example.app:/callback`), or what [`redirect_uri`] accepts (claimed
/// https URLs, loopback).
pub fn native_redirect_uri(field: &str, value: &str) -> Result<(), FieldError> {
    if let Some((scheme, rest)) = value.split_once(':')
        && scheme.contains('.')
        && !scheme.starts_with(['.', '-', '+'])
        && scheme
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b))
    {
        if rest.is_empty() || rest.contains('#') || rest.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err(err(
                field,
                "invalid_url",
                format!("`{value}` needs a path after the scheme and no fragment (#)."),
            ));
        }
        return Ok(());
    }
    redirect_uri(field, value)
}

/// A WeChat AppID: `wx` and 16 lowercase hex digits.
pub fn appid(value: &str) -> Result<(), FieldError> {
    let f = "appid";
    if value.is_empty() {
        return Err(err(f, "required", "Enter the AppID."));
    }
    let ok = value.len() == 18
        && value.starts_with("wx")
        && value[2..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !ok {
        return Err(err(
            f,
            "invalid_format",
            "An AppID is wx followed by 16 lowercase hex digits.",
        ));
    }
    Ok(())
}

/// An AppSecret: 1 to 128 visible ASCII characters (WeChat's are 32 hex digits).
pub fn app_secret(value: &str) -> Result<(), FieldError> {
    let f = "app_secret";
    if value.is_empty() {
        return Err(err(f, "required", "Enter the AppSecret."));
    }
    if value.len() > 128 || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(err(
            f,
            "invalid_format",
            "An AppSecret is up to 128 visible ASCII characters.",
        ));
    }
    Ok(())
}

/// A mini program's original id: `gh_` and 12 hex digits.
pub fn original_id(value: &str) -> Result<(), FieldError> {
    let f = "original_id";
    if value.is_empty() {
        return Err(err(f, "required", "Enter the mini program's original id."));
    }
    let ok = value.len() == 15
        && value.starts_with("gh_")
        && value[3..].bytes().all(|b| b.is_ascii_hexdigit());
    if !ok {
        return Err(err(
            f,
            "invalid_format",
            "An original id is gh_ followed by 12 hex characters.",
        ));
    }
    Ok(())
}

/// A mini-program page: `pages/login/index` form, no leading `/`, no query.
pub fn page_path(value: &str) -> Result<(), FieldError> {
    let f = "page_path";
    if value.is_empty() || value.len() > 128 {
        return Err(err(
            f,
            "invalid_format",
            "Enter a page path of 1 to 128 characters.",
        ));
    }
    if value.starts_with('/')
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_-.".contains(&b))
    {
        return Err(err(
            f,
            "invalid_format",
            "A page path looks like pages/login/index: no leading /, no query.",
        ));
    }
    Ok(())
}

pub fn env_version(value: &str) -> Result<(), FieldError> {
    match value {
        "release" | "trial" | "develop" => Ok(()),
        _ => Err(err(
            "env_version",
            "invalid_value",
            "Choose release, trial or develop.",
        )),
    }
}

pub fn scope(value: &str) -> Result<(), FieldError> {
    match value {
        "snsapi_base" | "snsapi_userinfo" => Ok(()),
        _ => Err(err(
            "scope",
            "invalid_value",
            "Choose snsapi_base or snsapi_userinfo.",
        )),
    }
}

/// A token lifetime in seconds.
pub fn ttl(field: &str, value: i64, min: i64, max: i64) -> Result<(), FieldError> {
    if value < min || value > max {
        return Err(err(
            field,
            "out_of_range",
            format!("Between {min} and {max} seconds."),
        ));
    }
    Ok(())
}

/// A source with every field decided (input applied over the stored one or the defaults).
#[derive(Clone, Debug, PartialEq)]
pub struct SourceDraft {
    pub identifier: String,
    pub mode: SourceMode,
    pub display_name: String,
    pub callback_url: String,
    pub linking: Linking,
    pub link_field: Option<LinkField>,
    pub private_deployment: bool,
    pub appid: Option<String>,
    /// A new secret, if one was given.
    pub new_secret: Option<String>,
    /// Whether a secret is already stored.
    pub has_secret: bool,
    /// Whether this instance has a default mini program (for the mini-program-code mode without
    /// private deployment).
    pub has_default_mini_program: bool,
    pub scope: Option<String>,
    pub page_path: Option<String>,
    pub env_version: Option<String>,
    pub original_id: Option<String>,
    pub embedded_qr: bool,
}

impl SourceDraft {
    /// Whether this source needs its own AppID and AppSecret.
    pub fn needs_credentials(&self) -> bool {
        self.mode != SourceMode::PcMiniprogramQrcode || self.private_deployment
    }
}

/// Every rule a whole source must meet; all broken rules, in form order.
pub fn source(d: &SourceDraft) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut check = |r: Result<(), FieldError>| {
        if let Err(e) = r {
            errors.push(e);
        }
    };
    check(identifier(&d.identifier));
    check(name("display_name", &d.display_name));
    check(callback_url(&d.callback_url));
    match (d.linking, d.link_field) {
        (Linking::FieldMatch, None) => check(Err(err(
            "link_field",
            "required",
            "Choose the field to match.",
        ))),
        (Linking::FieldMatch, Some(LinkField::Email)) => check(Err(err(
            "link_field",
            "not_provided",
            "WeChat does not provide an email address; match on the phone number.",
        ))),
        (Linking::FieldMatch, Some(LinkField::Phone)) if !d.mode.uses_mini_program() => {
            check(Err(err(
                "link_field",
                "not_provided",
                "This mode does not obtain a verified phone number; only the mini-program modes do.",
            )))
        }
        _ => {}
    }
    if d.mode == SourceMode::PcMiniprogramQrcode
        && !d.private_deployment
        && !d.has_default_mini_program
    {
        check(Err(err(
            "private_deployment",
            "no_default",
            "This instance has no default mini program (default_miniprogram_appid); switch on private deployment and enter your own.",
        )));
    }
    if d.needs_credentials() {
        check(appid(d.appid.as_deref().unwrap_or("")));
        match &d.new_secret {
            Some(s) => check(app_secret(s)),
            None if !d.has_secret => check(app_secret("")),
            None => {}
        }
    } else if let Some(s) = &d.new_secret {
        check(app_secret(s));
    }
    if d.mode == SourceMode::Webpage {
        check(scope(d.scope.as_deref().unwrap_or("")));
    }
    if d.mode.uses_mini_program() {
        if let Some(p) = &d.page_path {
            check(page_path(p));
        }
        check(env_version(d.env_version.as_deref().unwrap_or("")));
    }
    if d.mode == SourceMode::AppLaunchMiniprogram {
        check(original_id(d.original_id.as_deref().unwrap_or("")));
    }
    if d.embedded_qr && d.mode != SourceMode::PcQrcode {
        check(Err(err(
            "embedded_qr",
            "not_applicable",
            "Only a PC QR source can show its QR code inside the login page.",
        )));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<(), FieldError>) -> String {
        r.err()
            .map(|e| format!("{}:{}", e.field, e.code))
            .unwrap_or_else(|| "ok".into())
    }

    #[test]
    fn identifier_rules() {
        let table = [
            ("wechat-web", "ok"),
            ("a", "ok"),
            ("0123456789012345678901234567890", "ok"),
            ("01234567890123456789012345678901", "identifier:too_long"),
            ("", "identifier:required"),
            ("WeChat", "identifier:invalid_format"),
            ("we_chat", "identifier:invalid_format"),
            ("微信", "identifier:invalid_format"),
            ("a b", "identifier:invalid_format"),
        ];
        for (input, expected) in table {
            assert_eq!(code(identifier(input)), expected, "{input:?}");
        }
    }

    #[test]
    fn url_rules() {
        let table = [
            ("https://example.com/cb", "ok"),
            ("http://127.0.0.1:8080/cb", "ok"),
            ("http://localhost/cb", "ok"),
            ("http://[::1]:3000/cb", "ok"),
            ("http://example.com/cb", "redirect_uri:https_required"),
            ("https://example.com/cb#x", "redirect_uri:invalid_url"),
            ("https://good.com@evil.com/", "redirect_uri:invalid_url"),
            ("javascript:alert(1)", "redirect_uri:invalid_url"),
            ("/relative", "redirect_uri:invalid_url"),
            ("https://", "redirect_uri:invalid_url"),
            ("https://exa mple.com", "redirect_uri:invalid_url"),
            ("http://[::1", "redirect_uri:invalid_url"),
        ];
        for (input, expected) in table {
            assert_eq!(
                code(redirect_uri("redirect_uri", input)),
                expected,
                "{input:?}"
            );
        }
        let native = [
            ("com.example.app:/callback", "ok"),
            ("https://example.com/cb", "ok"),
            ("com.example.app:", "redirect_uri:invalid_url"),
            ("com.example.app:/cb#x", "redirect_uri:invalid_url"),
            ("myapp:/cb", "redirect_uri:invalid_url"),
            ("javascript:alert(1)", "redirect_uri:invalid_url"),
        ];
        for (input, expected) in native {
            assert_eq!(
                code(native_redirect_uri("redirect_uri", input)),
                expected,
                "{input:?}"
            );
        }
        assert_eq!(code(callback_url("http://shop.example.com/after")), "ok");
        assert_eq!(code(callback_url("ftp://x")), "callback_url:invalid_url");
    }

    #[test]
    fn wechat_id_rules() {
        assert_eq!(code(appid("wx0123456789abcdef")), "ok");
        assert_eq!(code(appid("wx0123456789ABCDEF")), "appid:invalid_format");
        assert_eq!(code(appid("wx0123")), "appid:invalid_format");
        assert_eq!(code(original_id("gh_0123456789ab")), "ok");
        assert_eq!(
            code(original_id("gh_0123456789")),
            "original_id:invalid_format"
        );
        assert_eq!(
            code(original_id("0123456789abcdef")),
            "original_id:invalid_format"
        );
        assert_eq!(code(page_path("pages/login/index")), "ok");
        assert_eq!(code(page_path("/pages/login")), "page_path:invalid_format");
        assert_eq!(
            code(page_path("pages/login?x=1")),
            "page_path:invalid_format"
        );
        assert_eq!(code(env_version("trial")), "ok");
        assert_eq!(code(env_version("beta")), "env_version:invalid_value");
        assert_eq!(code(app_secret("s e")), "app_secret:invalid_format");
    }

    #[test]
    fn mode_requirements() {
        let base = SourceDraft {
            identifier: "mp-scan".into(),
            mode: SourceMode::PcMiniprogramQrcode,
            display_name: "WeChat".into(),
            callback_url: "https://shop.example.com/done".into(),
            linking: Linking::Off,
            link_field: None,
            private_deployment: false,
            appid: None,
            new_secret: None,
            has_secret: false,
            has_default_mini_program: true,
            scope: None,
            page_path: None,
            env_version: Some("release".into()),
            original_id: None,
            embedded_qr: false,
        };
        assert!(
            source(&base).is_empty(),
            "the default mini program needs no credentials"
        );
        let no_default = SourceDraft {
            has_default_mini_program: false,
            ..base.clone()
        };
        let codes = |d: &SourceDraft| -> Vec<String> {
            source(d)
                .into_iter()
                .map(|e| format!("{}:{}", e.field, e.code))
                .collect()
        };
        assert_eq!(codes(&no_default), ["private_deployment:no_default"]);
        let private = SourceDraft {
            private_deployment: true,
            ..base.clone()
        };
        let fields: Vec<String> = source(&private).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["appid", "app_secret"]);
        let launch = SourceDraft {
            mode: SourceMode::AppLaunchMiniprogram,
            appid: Some("wx0123456789abcdef".into()),
            has_secret: true,
            ..base.clone()
        };
        let fields: Vec<String> = source(&launch).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["original_id"]);
        let embedded = SourceDraft {
            embedded_qr: true,
            ..base.clone()
        };
        assert_eq!(codes(&embedded), ["embedded_qr:not_applicable"]);
        let pc = SourceDraft {
            mode: SourceMode::PcQrcode,
            appid: Some("wx0123456789abcdef".into()),
            has_secret: true,
            embedded_qr: true,
            env_version: None,
            ..base.clone()
        };
        assert!(source(&pc).is_empty(), "{:?}", source(&pc));
        let web = SourceDraft {
            mode: SourceMode::Webpage,
            appid: Some("wx0123456789abcdef".into()),
            new_secret: Some("secret".into()),
            scope: Some("snsapi_login".into()),
            linking: Linking::FieldMatch,
            link_field: Some(LinkField::Phone),
            ..base
        };
        let fields: Vec<String> = source(&web).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["link_field", "scope"]);
    }
}
