//! Mini-program data crypto (§4.3). `encryptedData` is AES-128-CBC with PKCS#7 padding under the
//! user's `session_key`, with the IV delivered beside it; the plaintext carries a watermark
//! whose `appid` must be ours. `rawData` is signed as hex(sha1(rawData + session_key)).
//! Encryption is here too: the sandbox produces what the client reads.

use aes::Aes128;
use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sha1::{Digest, Sha1};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecryptError {
    /// session_key, iv or encryptedData is not base64 of the right length.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// Wrong key (often a session_key rotated by a later wx.login) or damaged data.
    #[error("cannot decrypt: wrong session_key or damaged data")]
    Cipher,
    #[error("decrypted data is not a JSON object")]
    NotJson,
    /// The data was made for another app.
    #[error("watermark appid does not match")]
    WatermarkMismatch,
}

fn key16(b64: &str, what: &'static str) -> Result<[u8; 16], DecryptError> {
    STANDARD
        .decode(b64.trim())
        .ok()
        .and_then(|v| <[u8; 16]>::try_from(v).ok())
        .ok_or(DecryptError::Malformed(what))
}

/// Decrypts `encryptedData` and checks that its watermark names `appid`.
pub fn decrypt(
    session_key: &str,
    iv: &str,
    encrypted_data: &str,
    appid: &str,
) -> Result<Value, DecryptError> {
    let key = key16(session_key, "session_key")?;
    let iv = key16(iv, "iv")?;
    let data = STANDARD
        .decode(encrypted_data.trim())
        .map_err(|_| DecryptError::Malformed("encryptedData"))?;
    if data.is_empty() || data.len() % 16 != 0 {
        return Err(DecryptError::Malformed("encryptedData"));
    }
    let plain = cbc::Decryptor::<Aes128>::new(&key.into(), &iv.into())
        .decrypt_padded_vec_mut::<Pkcs7>(&data)
        .map_err(|_| DecryptError::Cipher)?;
    let value: Value = serde_json::from_slice(&plain).map_err(|_| DecryptError::NotJson)?;
    if !value.is_object() {
        return Err(DecryptError::NotJson);
    }
    match value.pointer("/watermark/appid").and_then(Value::as_str) {
        Some(a) if a == appid => Ok(value),
        _ => Err(DecryptError::WatermarkMismatch),
    }
}

/// Encrypts `plaintext` as WeChat does, returning base64 `encryptedData`.
pub fn encrypt(session_key: &[u8; 16], iv: &[u8; 16], plaintext: &[u8]) -> String {
    let data = cbc::Encryptor::<Aes128>::new(session_key.into(), iv.into())
        .encrypt_padded_vec_mut::<Pkcs7>(plaintext);
    STANDARD.encode(data)
}

/// hex(sha1(rawData + session_key)).
pub fn raw_data_signature(raw_data: &str, session_key: &str) -> String {
    let digest = Sha1::new()
        .chain_update(raw_data.as_bytes())
        .chain_update(session_key.as_bytes())
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `signature` signs `raw_data` under `session_key` (compared in constant time).
pub fn verify_raw_data(raw_data: &str, session_key: &str, signature: &str) -> bool {
    let expected = raw_data_signature(raw_data, session_key);
    let given = signature.trim().to_ascii_lowercase();
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_signature_vector() {
        let raw = r#"{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}"#;
        let key = "HyVFkGl5F5OQWJZZaNzBBg==";
        assert_eq!(
            raw_data_signature(raw, key),
            "75e81ceda165f4ffa64f4068af58c64b8f54b88c"
        );
        assert!(verify_raw_data(
            raw,
            key,
            "75E81CEDA165F4FFA64F4068AF58C64B8F54B88C"
        ));
        assert!(!verify_raw_data(
            raw,
            key,
            "75e81ceda165f4ffa64f4068af58c64b8f54b88d"
        ));
        assert!(!verify_raw_data(
            &raw.replace("Band", "Bond"),
            key,
            "75e81ceda165f4ffa64f4068af58c64b8f54b88c"
        ));
        assert!(!verify_raw_data(raw, key, ""));
    }

    fn sample(appid: &str) -> ([u8; 16], [u8; 16], String) {
        let key = [3u8; 16];
        let iv = [9u8; 16];
        let plain = format!(
            r#"{{"phoneNumber":"13580006666","purePhoneNumber":"13580006666","countryCode":"86","watermark":{{"appid":"{appid}","timestamp":1637744274}}}}"#
        );
        (key, iv, encrypt(&key, &iv, plain.as_bytes()))
    }

    #[test]
    fn round_trip_with_watermark_check() {
        let (key, iv, data) = sample("wx1234567890abcdef");
        let (k, i) = (STANDARD.encode(key), STANDARD.encode(iv));
        let v = decrypt(&k, &i, &data, "wx1234567890abcdef").unwrap();
        assert_eq!(v["purePhoneNumber"], "13580006666");
        assert_eq!(
            decrypt(&k, &i, &data, "wxother"),
            Err(DecryptError::WatermarkMismatch)
        );
    }

    #[test]
    fn wrong_key_or_damaged_input() {
        let (_, iv, data) = sample("wxapp");
        let i = STANDARD.encode(iv);
        let other_key = STANDARD.encode([4u8; 16]);
        // A rotated session_key: padding fails or the result is not JSON.
        let e = decrypt(&other_key, &i, &data, "wxapp").unwrap_err();
        assert!(
            matches!(e, DecryptError::Cipher | DecryptError::NotJson),
            "{e:?}"
        );
        let k = STANDARD.encode([3u8; 16]);
        assert_eq!(
            decrypt("short", &i, &data, "wxapp"),
            Err(DecryptError::Malformed("session_key"))
        );
        assert_eq!(
            decrypt(&k, "AAAA", &data, "wxapp"),
            Err(DecryptError::Malformed("iv"))
        );
        assert_eq!(
            decrypt(&k, &i, "not base64!", "wxapp"),
            Err(DecryptError::Malformed("encryptedData"))
        );
        assert_eq!(
            decrypt(&k, &i, "AAAA", "wxapp"),
            Err(DecryptError::Malformed("encryptedData"))
        );
        // Valid encryption of something without a watermark.
        let no_mark = encrypt(&[3u8; 16], &iv, br#"{"a":1}"#);
        assert_eq!(
            decrypt(&k, &i, &no_mark, "wxapp"),
            Err(DecryptError::WatermarkMismatch)
        );
        let not_json = encrypt(&[3u8; 16], &iv, b"plain words");
        assert_eq!(
            decrypt(&k, &i, &not_json, "wxapp"),
            Err(DecryptError::NotJson)
        );
    }
}
