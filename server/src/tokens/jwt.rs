//! Compact JSON Web Tokens signed with RS256 (RSASSA-PKCS1-v1_5 with SHA-256: ID tokens) or
//! ES256 (ECDSA P-256 with SHA-256: access tokens), and their verification against published
//! keys.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents, UnparsedPublicKey,
};
use serde::{Deserialize, Serialize};

/// A public key as the JWKS publishes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(rename = "use")]
    pub use_: String,
    pub alg: String,
    pub kid: String,
    /// RSA: modulus and exponent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// EC: curve and point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}

impl Jwk {
    pub fn rsa(kid: String, n: String, e: String) -> Jwk {
        Jwk {
            kty: "RSA".into(),
            use_: "sig".into(),
            alg: RS256.into(),
            kid,
            n: Some(n),
            e: Some(e),
            crv: None,
            x: None,
            y: None,
        }
    }

    pub fn ec(kid: String, x: String, y: String) -> Jwk {
        Jwk {
            kty: "EC".into(),
            use_: "sig".into(),
            alg: ES256.into(),
            kid,
            n: None,
            e: None,
            crv: Some("P-256".into()),
            x: Some(x),
            y: Some(y),
        }
    }
}

pub const RS256: &str = "RS256";
pub const ES256: &str = "ES256";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("not a compact JWT")]
    Malformed,
    #[error("unsupported algorithm")]
    Algorithm,
    #[error("no published key has this kid")]
    UnknownKey,
    #[error("the signature does not verify")]
    Signature,
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    kid: String,
    typ: String,
}

/// The signing input (`header.payload`, base64url) for `claims` under key `kid` of `alg`.
pub fn signing_input(
    alg: &str,
    kid: &str,
    typ: &str,
    claims: &impl Serialize,
) -> Result<String, JwtError> {
    let header = Header {
        alg: alg.into(),
        kid: kid.into(),
        typ: typ.into(),
    };
    let h = serde_json::to_vec(&header).map_err(|_| JwtError::Malformed)?;
    let c = serde_json::to_vec(claims).map_err(|_| JwtError::Malformed)?;
    Ok(format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(h),
        URL_SAFE_NO_PAD.encode(c)
    ))
}

/// The claims of `token` if an RS256 or ES256 signature by one of `keys` (matched by kid and
/// algorithm) verifies. Expiry and audience are the caller's to check.
pub fn verify(token: &str, keys: &[Jwk]) -> Result<serde_json::Value, JwtError> {
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| JwtError::Malformed)
    };
    let header: Header = serde_json::from_slice(&decode(h)?).map_err(|_| JwtError::Malformed)?;
    if header.alg != RS256 && header.alg != ES256 {
        return Err(JwtError::Algorithm);
    }
    let key = keys
        .iter()
        .find(|k| k.kid == header.kid && k.alg == header.alg)
        .ok_or(JwtError::UnknownKey)?;
    let part = |v: &Option<String>| decode(v.as_deref().ok_or(JwtError::UnknownKey)?);
    let message = &token.as_bytes()[..h.len() + 1 + c.len()];
    let signature = decode(s)?;
    let checked = if header.alg == RS256 {
        let public = RsaPublicKeyComponents {
            n: part(&key.n)?,
            e: part(&key.e)?,
        };
        public.verify(&RSA_PKCS1_2048_8192_SHA256, message, &signature)
    } else {
        // The uncompressed point: 0x04, then x and y.
        let mut point = vec![4u8];
        point.extend(part(&key.x)?);
        point.extend(part(&key.y)?);
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point).verify(message, &signature)
    };
    checked.map_err(|_| JwtError::Signature)?;
    serde_json::from_slice(&decode(c)?).map_err(|_| JwtError::Malformed)
}
