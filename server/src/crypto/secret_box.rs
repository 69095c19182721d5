//! Encryption at rest: AES-256-GCM under the master key. Sealed form is nonce (12 bytes) then
//! ciphertext with tag. `aad` binds a ciphertext to its place (for example the row it belongs to)
//! so it cannot be moved to another.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("encryption failed")]
    Seal,
    #[error("ciphertext is damaged or was sealed under another key")]
    Open,
}

impl SecretBox {
    pub fn new(key: &[u8; 32]) -> SecretBox {
        SecretBox {
            cipher: Aes256Gcm::new(key.into()),
        }
    }

    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
        let nonce: [u8; 12] = rand::random();
        let mut out = nonce.to_vec();
        let ct = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| SealError::Seal)?;
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < 12 + 16 {
            return Err(SealError::Open);
        }
        let (nonce, ct) = sealed.split_at(12);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
            .map_err(|_| SealError::Open)
    }
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(••••)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_detection() {
        let b = SecretBox::new(&[7u8; 32]);
        let sealed = b.seal(b"app-secret", b"source:1").unwrap();
        assert_eq!(b.open(&sealed, b"source:1").unwrap(), b"app-secret");
        assert_eq!(b.open(&sealed, b"source:2"), Err(SealError::Open));
        let mut bad = sealed.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(b.open(&bad, b"source:1"), Err(SealError::Open));
        assert_eq!(
            SecretBox::new(&[8u8; 32]).open(&sealed, b"source:1"),
            Err(SealError::Open)
        );
        assert_eq!(b.open(b"short", b""), Err(SealError::Open));
        // a fresh nonce each time
        assert_ne!(b.seal(b"x", b"").unwrap(), b.seal(b"x", b"").unwrap());
    }
}
