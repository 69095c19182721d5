//! The server access token endpoints (§5): `cgi-bin/stable_token` (preferred: every caller gets
//! the same token) and the classic `cgi-bin/token` (each call supersedes the last).

use serde::Deserialize;
use serde_json::json;

use super::client::WeChatClient;
use super::error::WeChatError;
use crate::crypto::Secret;

#[derive(Clone, Debug)]
pub struct ServerToken {
    pub access_token: Secret<String>,
    pub expires_in: i64,
}

#[derive(Deserialize)]
struct RawServerToken {
    access_token: String,
    expires_in: i64,
}

impl RawServerToken {
    fn into_token(self) -> Result<ServerToken, WeChatError> {
        if self.access_token.is_empty() || self.expires_in <= 0 {
            return Err(WeChatError::BadResponse(
                "token answer without a token or lifetime".into(),
            ));
        }
        Ok(ServerToken {
            access_token: Secret::new(self.access_token),
            expires_in: self.expires_in,
        })
    }
}

impl WeChatClient {
    /// The stable token in normal mode (never `force_refresh`: that voids it for everyone).
    pub async fn stable_token(
        &self,
        appid: &str,
        secret: &Secret<String>,
    ) -> Result<ServerToken, WeChatError> {
        let body = json!({
            "grant_type": "client_credential",
            "appid": appid,
            "secret": secret.expose(),
            "force_refresh": false,
        });
        self.post_json::<RawServerToken>("cgi-bin/stable_token", &[], &body)
            .await?
            .into_token()
    }

    /// A classic token. Each call supersedes the previous token after a five-minute grace.
    pub async fn classic_token(
        &self,
        appid: &str,
        secret: &Secret<String>,
    ) -> Result<ServerToken, WeChatError> {
        self.get_json::<RawServerToken>(
            "cgi-bin/token",
            &[
                ("grant_type", "client_credential"),
                ("appid", appid),
                ("secret", secret.expose()),
            ],
        )
        .await?
        .into_token()
    }
}
