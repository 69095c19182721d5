//! User authorization (`sns/*`, §2.4–2.7, §3, §7): code → token, refresh, user info, token
//! check. Used by website QR login, in-WeChat web authorization and mobile-app login alike.

use serde::Deserialize;

use super::client::WeChatClient;
use super::error::WeChatError;
use crate::crypto::Secret;

/// A user's authorization: the token pair and who it is for.
#[derive(Clone, Debug)]
pub struct SnsToken {
    pub access_token: Secret<String>,
    pub expires_in: i64,
    pub refresh_token: Secret<String>,
    pub openid: String,
    pub scope: String,
    /// Absent for `snsapi_base`, for apps outside an open-platform account, and in older
    /// answers: tolerated, never required.
    pub unionid: Option<String>,
}

impl SnsToken {
    /// Whether the token may read `sns/userinfo`: its scope (WeChat lists scopes with commas)
    /// includes `snsapi_userinfo` or the website's `snsapi_login`.
    pub fn reads_userinfo(&self) -> bool {
        self.scope
            .split(',')
            .any(|s| matches!(s.trim(), "snsapi_userinfo" | "snsapi_login"))
    }
}

#[derive(Deserialize)]
struct RawToken {
    access_token: String,
    #[serde(default)]
    expires_in: i64,
    #[serde(default)]
    refresh_token: String,
    openid: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    unionid: Option<String>,
    #[serde(default)]
    is_snapshotuser: Option<i64>,
}

impl RawToken {
    fn into_token(self) -> Result<SnsToken, WeChatError> {
        // A snapshot page's virtual user must not become an account (§3, §12.9).
        if self.is_snapshotuser == Some(1) {
            return Err(WeChatError::SnapshotUser);
        }
        if self.openid.is_empty() || self.access_token.is_empty() {
            return Err(WeChatError::BadResponse(
                "token answer without openid or access_token".into(),
            ));
        }
        Ok(SnsToken {
            access_token: Secret::new(self.access_token),
            expires_in: self.expires_in,
            refresh_token: Secret::new(self.refresh_token),
            openid: self.openid,
            scope: self.scope,
            unionid: self.unionid.filter(|u| !u.is_empty()),
        })
    }
}

/// A user's public profile. Since 2021-10 gender is 0 and the region empty.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct UserInfo {
    pub openid: String,
    #[serde(default)]
    pub nickname: String,
    #[serde(default)]
    pub sex: i64,
    #[serde(default)]
    pub province: String,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub country: String,
    /// Expires when the user changes avatar: keep a copy, not the link.
    #[serde(default)]
    pub headimgurl: String,
    #[serde(default)]
    pub privilege: Vec<String>,
    #[serde(default)]
    pub unionid: Option<String>,
}

/// A website QR login to start (§2.1, §2.2).
pub struct QrConnect<'a> {
    pub appid: &'a str,
    pub redirect_uri: &'a str,
    pub state: &'a str,
    /// WeChat's page in English rather than Chinese.
    pub english: bool,
    /// For an iframe inside our own page: the parameters `wxLogin.js` sends, with the final
    /// redirect in the top window (`self_redirect=false`), so the callback is a top-level
    /// navigation that carries our cookies.
    pub embedded: bool,
}

/// An in-WeChat web page authorization to start (§3): `snsapi_base` (silent, openid only) or
/// `snsapi_userinfo` (asks consent, profile available).
pub struct WebAuthorize<'a> {
    pub appid: &'a str,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    /// Letters and digits only, at most 128 bytes: WeChat refuses anything else.
    pub state: &'a str,
}

impl WeChatClient {
    /// The `connect/oauth2/authorize` page for `q`, parameters in WeChat's required order
    /// (appid, redirect_uri, response_type, scope, state) and `#wechat_redirect` at the end.
    pub fn web_authorize_url(&self, q: &WebAuthorize<'_>) -> String {
        let params = form_urlencoded::Serializer::new(String::new())
            .append_pair("appid", q.appid)
            .append_pair("redirect_uri", q.redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("scope", q.scope)
            .append_pair("state", q.state)
            .finish();
        format!(
            "{}/connect/oauth2/authorize?{params}#wechat_redirect",
            self.open_base()
        )
    }

    /// The `connect/qrconnect` page that shows the QR code for `q`.
    pub fn qrconnect_url(&self, q: &QrConnect<'_>) -> String {
        let mut params = form_urlencoded::Serializer::new(String::new());
        params
            .append_pair("appid", q.appid)
            .append_pair("redirect_uri", q.redirect_uri)
            .append_pair("response_type", "code")
            .append_pair("scope", "snsapi_login")
            .append_pair("state", q.state);
        if q.embedded {
            params
                .append_pair("login_type", "jssdk")
                .append_pair("self_redirect", "false")
                .append_pair("styletype", "")
                .append_pair("sizetype", "")
                .append_pair("bgcolor", "")
                .append_pair("rst", "");
        }
        if q.english {
            params.append_pair("lang", "en");
        }
        let fragment = if q.embedded { "" } else { "#wechat_redirect" };
        format!(
            "{}/connect/qrconnect?{}{fragment}",
            self.open_base(),
            params.finish()
        )
    }

    /// Exchanges an authorization code. Never retried: codes are single-use (§12.5).
    pub async fn exchange_code(
        &self,
        appid: &str,
        secret: &Secret<String>,
        code: &str,
    ) -> Result<SnsToken, WeChatError> {
        self.get_json::<RawToken>(
            "sns/oauth2/access_token",
            &[
                ("appid", appid),
                ("secret", secret.expose()),
                ("code", code),
                ("grant_type", "authorization_code"),
            ],
        )
        .await?
        .into_token()
    }

    /// Refreshes a user token (no secret needed). 40030/42002/42007 mean "authorize again".
    pub async fn refresh_user_token(
        &self,
        appid: &str,
        refresh_token: &Secret<String>,
    ) -> Result<SnsToken, WeChatError> {
        self.get_json::<RawToken>(
            "sns/oauth2/refresh_token",
            &[
                ("appid", appid),
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token.expose()),
            ],
        )
        .await?
        .into_token()
    }

    /// The user's profile; `lang=zh_CN` as most SDKs send.
    pub async fn user_info(
        &self,
        access_token: &Secret<String>,
        openid: &str,
    ) -> Result<UserInfo, WeChatError> {
        let mut info: UserInfo = self
            .get_json(
                "sns/userinfo",
                &[
                    ("access_token", access_token.expose()),
                    ("openid", openid),
                    ("lang", "zh_CN"),
                ],
            )
            .await?;
        info.unionid = info.unionid.filter(|u| !u.is_empty());
        Ok(info)
    }

    /// Whether a user token is still valid for `openid` (`sns/auth`).
    pub async fn check_user_token(
        &self,
        access_token: &Secret<String>,
        openid: &str,
    ) -> Result<(), WeChatError> {
        self.get_json::<serde_json::Value>(
            "sns/auth",
            &[("access_token", access_token.expose()), ("openid", openid)],
        )
        .await
        .map(|_| ())
    }
}
