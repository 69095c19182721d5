//! The OpenID Connect provider: discovery and the JWKS, `/oauth/authorize` (single sign-on
//! included), the token endpoint (authorization code with PKCE, refresh token rotation),
//! userinfo, revocation and RP-initiated logout. Signing keys are sealed at rest and rotated;
//! codes and tokens hang off grants (in `tokens`), so one revocation ends everything a login
//! produced.

pub mod authorize;
pub mod discovery;
pub mod end_session;
pub mod error;
pub mod token;
pub mod userinfo;

pub use crate::tokens::{KeyError, SigningKeys};
