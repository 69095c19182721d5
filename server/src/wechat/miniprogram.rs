//! Mini-program APIs: `jscode2session` (§4.2), the phone number (§4.5) and unlimited
//! mini-program codes (§6.1). The last two take the server access token (see `lease`).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::client::WeChatClient;
use super::error::WeChatError;
use super::media::Image;
use crate::crypto::Secret;

/// The result of `wx.login` + `code2Session`. The session_key never leaves the server.
#[derive(Clone, Debug)]
pub struct MiniSession {
    pub openid: String,
    pub session_key: Secret<String>,
    pub unionid: Option<String>,
}

#[derive(Deserialize)]
struct RawSession {
    #[serde(default)]
    openid: String,
    #[serde(default)]
    session_key: String,
    #[serde(default)]
    unionid: Option<String>,
}

/// A phone number verified by WeChat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneNumber {
    /// With the country code for numbers outside mainland China.
    pub phone_number: String,
    pub pure_phone_number: String,
    pub country_code: String,
    /// The mini program the number was issued to (watermark).
    pub appid: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPhoneInfo {
    #[serde(default)]
    phone_number: String,
    #[serde(default)]
    pure_phone_number: String,
    /// A string in the docs, a number on one page: accept both.
    #[serde(default)]
    country_code: Value,
    #[serde(default)]
    watermark: Option<RawWatermark>,
}

#[derive(Deserialize)]
struct RawWatermark {
    #[serde(default)]
    appid: String,
}

#[derive(Deserialize)]
struct RawPhone {
    phone_info: Option<RawPhoneInfo>,
}

/// What to put in an unlimited mini-program code.
#[derive(Clone, Debug, Serialize)]
pub struct CodeRequest {
    /// At most 32 visible characters from WeChat's set; the page reads it as `query.scene`.
    pub scene: String,
    /// `pages/index/index` form; `None` opens the home page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    pub check_path: bool,
    pub env_version: String,
    pub width: u32,
    pub is_hyaline: bool,
}

/// `WXLaunchMiniProgram.Req.miniprogramType` for a mini program's version (`env_version`):
/// release 0, develop ("test") 1, trial ("preview") 2.
pub fn launch_type(env_version: Option<&str>) -> u8 {
    match env_version {
        Some("develop") => 1,
        Some("trial") => 2,
        _ => 0,
    }
}

impl CodeRequest {
    /// A login code: `scene` opens `page` (the home page when empty) of version `env_version`.
    /// WeChat can check the page only against the released version, so only then is it checked.
    pub fn login(scene: &str, page: Option<&str>, env_version: &str) -> CodeRequest {
        let page = page.filter(|p| !p.is_empty()).map(str::to_string);
        CodeRequest {
            scene: scene.to_string(),
            check_path: env_version == "release" && page.is_some(),
            page,
            env_version: env_version.to_string(),
            width: 430,
            is_hyaline: false,
        }
    }
}

impl PhoneNumber {
    /// The number with its country code, `+8613800138000`: one form for every country.
    pub fn international(&self) -> String {
        format!("+{}{}", self.country_code, self.pure_phone_number)
    }
}

impl WeChatClient {
    /// Exchanges a `wx.login` code. Never retried: codes are single-use.
    pub async fn code_to_session(
        &self,
        appid: &str,
        secret: &Secret<String>,
        js_code: &str,
    ) -> Result<MiniSession, WeChatError> {
        let raw: RawSession = self
            .get_json(
                "sns/jscode2session",
                &[
                    ("appid", appid),
                    ("secret", secret.expose()),
                    ("js_code", js_code),
                    ("grant_type", "authorization_code"),
                ],
            )
            .await?;
        if raw.openid.is_empty() || raw.session_key.is_empty() {
            return Err(WeChatError::BadResponse(
                "session without openid or session_key".into(),
            ));
        }
        Ok(MiniSession {
            openid: raw.openid,
            session_key: Secret::new(raw.session_key),
            unionid: raw.unionid.filter(|u| !u.is_empty()),
        })
    }

    /// The phone number behind a phone code (`getuserphonenumber`), with the server token.
    pub async fn phone_number(
        &self,
        access_token: &Secret<String>,
        code: &str,
        openid: Option<&str>,
    ) -> Result<PhoneNumber, WeChatError> {
        let mut body = json!({ "code": code });
        if let Some(openid) = openid {
            body["openid"] = json!(openid);
        }
        let raw: RawPhone = self
            .post_json(
                "wxa/business/getuserphonenumber",
                &[("access_token", access_token.expose())],
                &body,
            )
            .await?;
        let info = raw
            .phone_info
            .ok_or_else(|| WeChatError::BadResponse("answer without phone_info".into()))?;
        let country_code = match info.country_code {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        if info.pure_phone_number.is_empty() {
            return Err(WeChatError::BadResponse(
                "phone_info without a number".into(),
            ));
        }
        Ok(PhoneNumber {
            phone_number: info.phone_number,
            pure_phone_number: info.pure_phone_number,
            country_code,
            appid: info.watermark.map(|w| w.appid).unwrap_or_default(),
        })
    }

    /// An unlimited mini-program code (JPEG, or PNG when transparent).
    pub async fn unlimited_code(
        &self,
        access_token: &Secret<String>,
        request: &CodeRequest,
    ) -> Result<Image, WeChatError> {
        let body =
            serde_json::to_value(request).map_err(|e| WeChatError::BadResponse(e.to_string()))?;
        self.post_for_image(
            "wxa/getwxacodeunlimit",
            &[("access_token", access_token.expose())],
            &body,
        )
        .await
    }
}
