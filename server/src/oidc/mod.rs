//! The OpenID Connect provider: discovery and the JWKS, `/oauth/authorize` (single sign-on
//! included), the token endpoint (authorization code with PKCE, refresh token rotation),
//! userinfo, revocation and RP-initiated logout. Signing keys are sealed at rest and rotated;
//! codes and tokens hang off grants, so one revocation ends everything a login produced.

pub mod authorize;
pub mod claims;
pub mod discovery;
pub mod end_session;
pub mod error;
pub mod grants;
pub mod jwt;
pub mod keys;
pub mod login;
pub mod token;
pub mod userinfo;

pub use keys::{KeyError, SigningKeys};
