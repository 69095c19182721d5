//! What a login produces and the OpenID Connect endpoints hand out: grants, authorization codes,
//! access, refresh and ID tokens, the claims they carry, and the signing keys (sealed at rest,
//! rotated). A domain module: it knows the store, never HTTP or the application state.

pub mod claims;
pub mod grants;
pub mod jwt;
pub mod keys;

pub use keys::{KeyError, SigningKeys};
