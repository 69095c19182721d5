//! Everything WeChat-specific lives here: the wire rules of `api.weixin.qq.com` (and of the
//! sandbox, which speaks the same protocol), its error codes, its crypto, the API families and
//! the shared server access token. The rest of Datong sees typed results and [`WeChatError`].
//!
//! - `envelope`: reading answers (status and Content-Type ignored, errcode rules);
//! - `error`: the typed errors;
//! - `media`: image-or-JSON answers;
//! - `decrypt`: `encryptedData` and `rawData` crypto;
//! - `client`: base URLs, timeouts, secret-free transport errors;
//! - `sns`, `miniprogram`, `server_token`: one file per API family;
//! - `lease`: one server token per AppID across instances, refresh-once-and-retry.

pub mod client;
pub mod decrypt;
pub mod envelope;
pub mod error;
pub mod lease;
pub mod media;
pub mod miniprogram;
pub mod server_token;
pub mod sns;

pub use client::WeChatClient;
pub use error::{WeChatError, WeChatReply};
pub use lease::TokenService;
