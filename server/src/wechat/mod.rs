//! Everything WeChat-specific lives here: the wire rules of `api.weixin.qq.com` (and of the
//! sandbox, which speaks the same protocol), its error codes, its crypto. The rest of Datong
//! sees typed results and [`WeChatError`].
//!
//! So far: the response rules (`envelope`), the error taxonomy (`error`), image-or-JSON bodies
//! (`media`) and `encryptedData` / `rawData` crypto (`decrypt`). The HTTP client, the
//! access-token lease and the sandbox build on these.

pub mod decrypt;
pub mod envelope;
pub mod error;
pub mod media;

pub use error::{WeChatError, WeChatReply};
