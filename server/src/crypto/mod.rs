//! Secrets: the redacting wrapper, the master key and what it seals, password hashes, tokens.

pub mod master_key;
pub mod password;
pub mod secret;
pub mod secret_box;
pub mod token;

pub use secret::Secret;
