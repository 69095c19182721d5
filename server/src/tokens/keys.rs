//! Signing keys: RSA 2048, generated on first need, the private key sealed with the master key
//! (the kid as associated data), signing with the newest live key. Rotation adds a key and
//! retires the others, which stay in the JWKS for `RETAIN` so tokens they signed still verify.
//! Each key row also holds an ES256 (P-256) key that signs access tokens: an RS256 signature
//! costs about 0.8 ms of CPU here, an ES256 one about 0.05 ms, and access tokens are read by
//! our own userinfo endpoint and by resource servers through the JWKS, where ES256 is as
//! common as RS256. ID tokens stay RS256, which every client supports.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::crypto::secret_box::SecretBox;
use crate::store::{self, StoreError, entities::signing_key};
use crate::tokens::jwt::{self, Jwk, Jwks, JwtError};

/// How long a retired key stays published: longer than any ID or access token lives (the
/// application rules cap both at one day).
pub fn retain() -> Duration {
    Duration::hours(25)
}

/// How long an instance keeps signing with the key it loaded before it looks again (another
/// instance may have rotated).
const RELOAD: i64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("key generation failed: {0}")]
    Generate(String),
    #[error("a stored signing key cannot be opened with this master key")]
    Unseal,
    #[error("signing failed")]
    Sign,
    #[error(transparent)]
    Jwt(#[from] JwtError),
}

struct Loaded {
    kid: String,
    pair: Arc<RsaKeyPair>,
    /// The access-token key: its kid and pair (`None`: the row has none, access tokens are
    /// signed RS256).
    ec: Option<(String, Arc<EcdsaKeyPair>)>,
    loaded_at: DateTime<Utc>,
}

/// The published keys as this instance last read them, for verifying our own tokens.
struct Published {
    jwks: Arc<Jwks>,
    loaded_at: DateTime<Utc>,
}

#[derive(Clone)]
pub struct SigningKeys {
    db: DatabaseConnection,
    secrets: SecretBox,
    clock: Arc<dyn Clock>,
    current: Arc<Mutex<Option<Arc<Loaded>>>>,
    published: Arc<Mutex<Option<Published>>>,
    rng: SystemRandom,
    /// Access tokens signed ES256 (the default) rather than RS256; shared by clones.
    es256_access: Arc<AtomicBool>,
}

fn aad(kid: &str) -> Vec<u8> {
    format!("oidc-key:{kid}").into_bytes()
}

/// RFC 7638 thumbprint of an RSA public key, base64url: a kid that names the key itself.
fn thumbprint(n: &str, e: &str) -> String {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// RFC 7638 thumbprint of a P-256 public key.
fn ec_thumbprint(x: &str, y: &str) -> String {
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// A fresh RSA 2048 key: its PKCS#8 DER and public modulus and exponent (base64url).
fn generate() -> Result<(Vec<u8>, String, String), KeyError> {
    use rsa::pkcs8::EncodePrivateKey;
    use rsa::traits::PublicKeyParts;
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
        .map_err(|e| KeyError::Generate(e.to_string()))?;
    let der = key
        .to_pkcs8_der()
        .map_err(|e| KeyError::Generate(e.to_string()))?
        .as_bytes()
        .to_vec();
    let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
    Ok((der, n, e))
}

impl SigningKeys {
    pub fn new(db: DatabaseConnection, secrets: SecretBox, clock: Arc<dyn Clock>) -> SigningKeys {
        SigningKeys {
            db,
            secrets,
            clock,
            current: Arc::new(Mutex::new(None)),
            published: Arc::new(Mutex::new(None)),
            rng: SystemRandom::new(),
            es256_access: Arc::new(AtomicBool::new(true)),
        }
    }

    /// Whether access tokens are signed ES256 (`access_token_alg`); for every clone.
    pub fn set_es256_access(&self, on: bool) {
        self.es256_access.store(on, Ordering::Relaxed);
    }

    /// A fresh P-256 key, sealed with its thumbprint as associated data.
    fn ec_key(&self) -> Result<store::signing_keys::EcKey, KeyError> {
        let failed = |what: &str| KeyError::Generate(what.to_string());
        let der = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &self.rng)
            .map_err(|_| failed("cannot generate a P-256 key"))?;
        let pair =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der.as_ref(), &self.rng)
                .map_err(|_| failed("cannot read the new P-256 key"))?;
        // The uncompressed point: 0x04, x (32 bytes), y (32 bytes).
        let point = pair.public_key().as_ref();
        let (x, y) = match point {
            [4, rest @ ..] if rest.len() == 64 => rest.split_at(32),
            _ => return Err(failed("unexpected P-256 public key")),
        };
        let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
        let kid = ec_thumbprint(&x, &y);
        let sealed = self
            .secrets
            .seal(der.as_ref(), &aad(&kid))
            .map_err(|_| failed("cannot seal the key"))?;
        Ok(store::signing_keys::EcKey { kid, sealed, x, y })
    }

    async fn add_key(&self) -> Result<String, KeyError> {
        let (der, n, e) = tokio::task::spawn_blocking(generate)
            .await
            .map_err(|e| KeyError::Generate(e.to_string()))??;
        let kid = thumbprint(&n, &e);
        let sealed = self
            .secrets
            .seal(&der, &aad(&kid))
            .map_err(|_| KeyError::Generate("cannot seal the key".into()))?;
        let ec = self.ec_key()?;
        store::signing_keys::insert(
            &self.db,
            store::signing_keys::row(&kid, sealed, n, e, ec, self.clock.now()),
        )
        .await?;
        Ok(kid)
    }

    /// The kid of the signing key, creating the first key if there is none.
    pub async fn ensure(&self) -> Result<String, KeyError> {
        match store::signing_keys::current(&self.db).await? {
            Some(k) => Ok(k.kid),
            None => self.add_key().await,
        }
    }

    /// Adds a new signing key and retires the others (they stay published for `retain()`).
    pub async fn rotate(&self) -> Result<String, KeyError> {
        let kid = self.add_key().await?;
        store::signing_keys::retire_others(&self.db, &kid, self.clock.now()).await?;
        if let Ok(mut slot) = self.current.lock() {
            *slot = None;
        }
        if let Ok(mut slot) = self.published.lock() {
            *slot = None;
        }
        Ok(kid)
    }

    /// The published keys: the live ones and those retired less than `retain()` ago.
    pub async fn jwks(&self) -> Result<Jwks, KeyError> {
        let since = self.clock.now() - retain();
        let mut rows = store::signing_keys::published(&self.db, since).await?;
        if rows.is_empty() {
            self.ensure().await?;
            rows = store::signing_keys::published(&self.db, since).await?;
        }
        let mut keys = Vec::with_capacity(rows.len() * 2);
        for k in rows {
            if let (Some(kid), Some(x), Some(y)) = (k.ec_kid, k.ec_x, k.ec_y) {
                keys.push(Jwk::ec(kid, x, y));
            }
            keys.push(Jwk::rsa(k.kid, k.public_n, k.public_e));
        }
        Ok(Jwks { keys })
    }

    /// The claims of `token` if one of our published keys signed it (the caller checks the
    /// claims). The keys are read at most every `RELOAD` seconds; a kid not among them makes
    /// this read again (at most once a second), so a key another instance just added verifies.
    pub async fn verify(&self, token: &str) -> Result<Result<Value, JwtError>, KeyError> {
        let now = self.clock.now();
        let cached = self
            .published
            .lock()
            .ok()
            .and_then(|slot| slot.as_ref().map(|p| (p.jwks.clone(), now - p.loaded_at)));
        let stale = |age: Duration, limit: i64| age >= Duration::seconds(limit);
        if let Some((jwks, age)) = &cached
            && !stale(*age, RELOAD)
        {
            match jwt::verify(token, &jwks.keys) {
                Err(JwtError::UnknownKey) if stale(*age, 1) => {}
                result => return Ok(result),
            }
        }
        let jwks = Arc::new(self.jwks().await?);
        if let Ok(mut slot) = self.published.lock() {
            *slot = Some(Published {
                jwks: jwks.clone(),
                loaded_at: now,
            });
        }
        Ok(jwt::verify(token, &jwks.keys))
    }

    fn open(&self, row: &signing_key::Model) -> Result<RsaKeyPair, KeyError> {
        let der = self
            .secrets
            .open(&row.private_sealed, &aad(&row.kid))
            .map_err(|_| KeyError::Unseal)?;
        RsaKeyPair::from_pkcs8(&der).map_err(|_| KeyError::Unseal)
    }

    /// The row's access-token key (`None`: a row from before there was one).
    fn open_ec(
        &self,
        row: &signing_key::Model,
    ) -> Result<Option<(String, EcdsaKeyPair)>, KeyError> {
        let (Some(kid), Some(sealed)) = (&row.ec_kid, &row.ec_private_sealed) else {
            return Ok(None);
        };
        let der = self
            .secrets
            .open(sealed, &aad(kid))
            .map_err(|_| KeyError::Unseal)?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, &self.rng)
            .map_err(|_| KeyError::Unseal)?;
        Ok(Some((kid.clone(), pair)))
    }

    async fn signer(&self) -> Result<Arc<Loaded>, KeyError> {
        let now = self.clock.now();
        if let Ok(slot) = self.current.lock()
            && let Some(loaded) = slot.as_ref()
            && now - loaded.loaded_at < Duration::seconds(RELOAD)
        {
            return Ok(loaded.clone());
        }
        self.ensure().await?;
        let mut row = store::signing_keys::current(&self.db)
            .await?
            .ok_or(KeyError::Unseal)?;
        if row.ec_private_sealed.is_none() {
            store::signing_keys::add_ec(&self.db, &row.kid, self.ec_key()?).await?;
            row = store::signing_keys::current(&self.db)
                .await?
                .ok_or(KeyError::Unseal)?;
            // The published keys changed: our own verification reads them again.
            if let Ok(mut slot) = self.published.lock() {
                *slot = None;
            }
        }
        let ec = self.open_ec(&row)?.map(|(kid, pair)| (kid, Arc::new(pair)));
        let loaded = Arc::new(Loaded {
            pair: Arc::new(self.open(&row)?),
            kid: row.kid,
            ec,
            loaded_at: now,
        });
        if let Ok(mut slot) = self.current.lock() {
            *slot = Some(loaded.clone());
        }
        Ok(loaded)
    }

    /// `claims` as an access token (`at+jwt`), signed ES256 with the current key's EC half
    /// (RS256 when `access_token_alg` says so, or the row has no EC key).
    pub async fn sign_access(&self, claims: &impl Serialize) -> Result<String, KeyError> {
        let key = self.signer().await?;
        let ec = key
            .ec
            .as_ref()
            .filter(|_| self.es256_access.load(Ordering::Relaxed));
        let Some((ec_kid, ec)) = ec else {
            return self.sign_rs256(&key, "at+jwt", claims);
        };
        let input = jwt::signing_input(jwt::ES256, ec_kid, "at+jwt", claims)?;
        let signature = ec
            .sign(&self.rng, input.as_bytes())
            .map_err(|_| KeyError::Sign)?;
        Ok(format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        ))
    }

    /// `claims` as a compact JWT signed RS256 with the current key (`typ` e.g. `JWT`).
    pub async fn sign(&self, typ: &str, claims: &impl Serialize) -> Result<String, KeyError> {
        let key = self.signer().await?;
        self.sign_rs256(&key, typ, claims)
    }

    fn sign_rs256(
        &self,
        key: &Loaded,
        typ: &str,
        claims: &impl Serialize,
    ) -> Result<String, KeyError> {
        let input = jwt::signing_input(jwt::RS256, &key.kid, typ, claims)?;
        let mut signature = vec![0u8; key.pair.public().modulus_len()];
        key.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &self.rng,
                input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| KeyError::Sign)?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}
