//! The OpenID Connect provider. This step: signing keys (sealed at rest, rotated, published in
//! the JWKS), RS256 JSON Web Tokens, and the discovery document. The authorization, token,
//! userinfo, revocation and logout endpoints come with the login flow.

pub mod authorize;
pub mod discovery;
pub mod jwt;
pub mod keys;
pub mod login;

pub use keys::{KeyError, SigningKeys};
