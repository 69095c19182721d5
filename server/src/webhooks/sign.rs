//! Signatures as the Standard Webhooks convention has them: HMAC-SHA256 over
//! `{webhook-id}.{webhook-timestamp}.{body}` with the secret's bytes (the base64 after
//! `whsec_`), sent as `webhook-signature: v1,<base64>`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const PREFIX: &str = "whsec_";

/// A new secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    let key: [u8; 32] = rand::random();
    format!("{PREFIX}{}", STANDARD.encode(key))
}

/// The `webhook-signature` value for this delivery; `None` for a secret that is not ours.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix(PREFIX)?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_id_timestamp_and_body() {
        // A fixed key: 32 bytes of 0x01.
        let secret = format!("{PREFIX}{}", STANDARD.encode([1u8; 32]));
        let sig = signature(&secret, "msg_1", 1_700_000_000, r#"{"a":1}"#).unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&[1u8; 32]).unwrap();
        mac.update(br#"msg_1.1700000000.{"a":1}"#);
        assert_eq!(
            sig,
            format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
        );
        assert_ne!(
            sig,
            signature(&secret, "msg_2", 1_700_000_000, r#"{"a":1}"#).unwrap()
        );
        assert!(signature("not-a-secret", "msg_1", 1, "").is_none());
        assert!(new_secret().starts_with(PREFIX));
        assert_ne!(new_secret(), new_secret());
    }
}
