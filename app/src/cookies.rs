//! Reading and writing the console's cookies (server side only).

use http::HeaderMap;

pub const SESSION_COOKIE: &str = "datong_console";

/// The value of cookie `name` from the request's `Cookie` headers.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

/// A `Set-Cookie` value. `max_age` 0 deletes the cookie.
pub fn set(name: &str, value: &str, max_age_secs: i64, http_only: bool, secure: bool) -> String {
    let mut cookie = format!("{name}={value}; Path=/; Max-Age={max_age_secs}; SameSite=Lax");
    if http_only {
        cookie.push_str("; HttpOnly");
    }
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_several() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            "a=1; datong_console=tok; b=2".parse().unwrap(),
        );
        assert_eq!(get(&headers, SESSION_COOKIE).as_deref(), Some("tok"));
        assert_eq!(get(&headers, "missing"), None);
    }

    #[test]
    fn session_cookie_attributes() {
        let c = set(SESSION_COOKIE, "x", 60, true, true);
        assert_eq!(
            c,
            "datong_console=x; Path=/; Max-Age=60; SameSite=Lax; HttpOnly; Secure"
        );
    }
}
