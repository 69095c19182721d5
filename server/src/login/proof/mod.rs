//! How WeChat proves who the person is. Two proofs, each ending in a [`Sighting`]:
//! - [`oauth`]: an OAuth code from a redirect (website QR, in-WeChat web page) or from the
//!   mobile app's SendAuth, exchanged at `sns/oauth2/access_token` (+ `sns/userinfo`);
//! - [`mini`]: the mini program's `wx.login` code and, optionally, its phone-number code.
//!
//! WeChat's codes are single use: nothing here retries a code.
//!
//! [`Sighting`]: crate::identity::Sighting

pub mod mini;
pub mod oauth;

use crate::identity::Sighting;

/// What a code proved: a sighting to resolve, or (a web page's base scope, an unknown person)
/// the need for one `snsapi_userinfo` round.
pub enum Proof {
    Seen(Box<Sighting>),
    NeedsUserInfo,
}
