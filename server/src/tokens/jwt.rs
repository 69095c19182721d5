//! Compact JSON Web Tokens signed with RS256 (RSASSA-PKCS1-v1_5 with SHA-256), and their
//! verification against published keys.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use serde::{Deserialize, Serialize};

/// A public key as the JWKS publishes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(rename = "use")]
    pub use_: String,
    pub alg: String,
    pub kid: String,
    pub n: String,
    pub e: String,
}

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

/// The signing input (`header.payload`, base64url) for `claims` under key `kid`.
pub fn signing_input(kid: &str, typ: &str, claims: &impl Serialize) -> Result<String, JwtError> {
    let header = Header {
        alg: "RS256".into(),
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

/// The claims of `token` if an RS256 signature by one of `keys` (matched by kid) verifies.
/// Expiry and audience are the caller's to check.
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
    if header.alg != "RS256" {
        return Err(JwtError::Algorithm);
    }
    let key = keys
        .iter()
        .find(|k| k.kid == header.kid && k.alg == "RS256")
        .ok_or(JwtError::UnknownKey)?;
    let public = RsaPublicKeyComponents {
        n: decode(&key.n)?,
        e: decode(&key.e)?,
    };
    let message = &token[..h.len() + 1 + c.len()];
    public
        .verify(&RSA_PKCS1_2048_8192_SHA256, message.as_bytes(), &decode(s)?)
        .map_err(|_| JwtError::Signature)?;
    serde_json::from_slice(&decode(c)?).map_err(|_| JwtError::Malformed)
}
