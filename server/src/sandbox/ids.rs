//! Identifiers shaped like WeChat's (protocol §1.7): 28-character openids and unionids starting
//! with `o`, 32-character codes, 64-hex phone codes, 24-character session keys, `<n>_…` tokens,
//! and request ids `<unix time hex>-<8 hex>-<8 hex>`.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A request id in the current format: group 1 is the Unix time in hex.
pub fn rid(now: DateTime<Utc>) -> String {
    let secs = u32::try_from(now.timestamp().max(0)).unwrap_or(u32::MAX);
    format!(
        "{secs:08x}-{:08x}-{:08x}",
        rand::random::<u32>(),
        rand::random::<u32>()
    )
}

/// An OAuth or `wx.login` code: 32 letters and digits.
pub fn login_code() -> String {
    let mut rng = rand::rng();
    (0..32)
        .map(|_| ALNUM[rng.random_range(0..ALNUM.len())] as char)
        .collect()
}

/// A phone-number code: 64 lowercase hex digits.
pub fn phone_code() -> String {
    rand::random::<[u8; 32]>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A session_key: 16 random bytes in standard base64 (24 characters ending in `==`).
pub fn session_key() -> String {
    STANDARD.encode(rand::random::<[u8; 16]>())
}

/// An access or refresh token: a small number, `_`, then URL-safe text. `len` random bytes
/// give `4 * len / 3` characters; server tokens are longer than user tokens, as on WeChat.
pub fn token(prefix: u32, len: usize) -> String {
    let bytes: Vec<u8> = (0..len).map(|_| rand::random::<u8>()).collect();
    format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// Which identifier a derived id is.
#[derive(Clone, Copy)]
pub enum IdKind {
    /// Per (appid, persona).
    OpenId,
    /// Per (open-platform account, persona).
    UnionId,
    /// A snapshot user's virtual openid, per (appid, persona).
    VirtualOpenId,
}

/// A stable id for a persona within a scope (an appid or an account): the same inputs always
/// give the same id, so a persona keeps its openid across sandbox restarts without a table.
pub fn derived_id(key: &[u8; 32], kind: IdKind, scope: &str, persona: i64) -> String {
    let label = match kind {
        IdKind::OpenId => "openid",
        IdKind::UnionId => "unionid",
        IdKind::VirtualOpenId => "virtual-openid",
    };
    // HMAC accepts keys of any length; the error arm cannot happen with a 32-byte key.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(format!("{label}\n{scope}\n{persona}").as_bytes());
    let digest = mac.finalize().into_bytes();
    let text = URL_SAFE_NO_PAD.encode(digest);
    format!("o{}", &text[..27])
}

/// The sandbox's default mini program for this instance (AppID, AppSecret), derived from the
/// master key so it is stable across restarts and differs between instances.
pub fn default_mini_program(key: &[u8; 32]) -> (String, String) {
    let hex = |label: &str| -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
            return String::new();
        };
        mac.update(label.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let appid = format!("wx{}", &hex("default-mini-program-appid")[..16]);
    let secret = hex("default-mini-program-secret")[..32].to_string();
    (appid, secret)
}

/// A well-formed AppID: `wx` and 16 lowercase hex digits (also `touristappid`, DevTools'
/// tourist mode, which only ever gets 40029).
pub fn is_appid(appid: &str) -> bool {
    app::model::validate::appid(appid).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_default_mini_program_is_stable_and_well_formed() {
        let (appid, secret) = default_mini_program(&[3u8; 32]);
        assert!(is_appid(&appid), "{appid}");
        assert_eq!(secret.len(), 32);
        assert_eq!(default_mini_program(&[3u8; 32]).0, appid);
        assert_ne!(default_mini_program(&[4u8; 32]).0, appid);
    }

    #[test]
    fn shapes_match_real_ones() {
        let key = [7u8; 32];
        let openid = derived_id(&key, IdKind::OpenId, "wx0123456789abcdef", 1);
        assert_eq!(openid.len(), 28);
        assert!(openid.starts_with('o'));
        assert_eq!(
            openid,
            derived_id(&key, IdKind::OpenId, "wx0123456789abcdef", 1)
        );
        assert_ne!(
            openid,
            derived_id(&key, IdKind::OpenId, "wx0123456789abcdee", 1)
        );
        assert_ne!(
            openid,
            derived_id(&key, IdKind::UnionId, "wx0123456789abcdef", 1)
        );
        assert_eq!(login_code().len(), 32);
        let phone = phone_code();
        assert_eq!(phone.len(), 64);
        assert!(phone.bytes().all(|b| b.is_ascii_hexdigit()));
        let sk = session_key();
        assert_eq!(sk.len(), 24);
        assert!(sk.ends_with("=="));
        assert!(token(5, 60).starts_with("5_"));
    }

    #[test]
    fn rid_starts_with_the_unix_time_in_hex() {
        // 2026-09-17, the date of an observed rid `6aac005a-…`.
        let at = Utc
            .timestamp_opt(0x6aac005a, 0)
            .single()
            .unwrap_or_default();
        let rid = rid(at);
        let groups: Vec<&str> = rid.split('-').collect();
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[0], "6aac005a");
        assert!(groups.iter().all(|g| {
            g.len() == 8
                && g.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        }));
    }

    #[test]
    fn appids_are_wx_and_16_hex() {
        assert!(is_appid("wx0123456789abcdef"));
        assert!(!is_appid("wx0123456789ABCDEF"));
        assert!(!is_appid("wx0123456789abcde"));
        assert!(!is_appid("touristappid"));
        assert!(!is_appid(""));
    }
}
