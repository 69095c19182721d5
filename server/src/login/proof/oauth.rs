//! The OAuth-code proof: the code is exchanged for the person's openid (and unionid), and with
//! a user-info scope their profile is read.

use crate::catalog::Credentials;
use crate::identity::{Observed, Sighting};
use crate::state::AppState;
use crate::wechat::WeChatError;
use crate::wechat::sns::SnsToken;

/// Exchanges `code` with the source's credentials: the token answer (openid, scope, unionid).
pub async fn exchange(
    state: &AppState,
    (appid, secret): &Credentials,
    code: &str,
) -> Result<SnsToken, WeChatError> {
    state
        .wechat
        .client()
        .exchange_code(appid, secret, code)
        .await
}

/// The sighting of a token whose scope allows `sns/userinfo`: openid, unionid and profile.
pub async fn with_profile(
    state: &AppState,
    appid: &str,
    token: SnsToken,
) -> Result<Sighting, WeChatError> {
    let info = state
        .wechat
        .client()
        .user_info(&token.access_token, &token.openid)
        .await?;
    let observed = Observed {
        nickname: Some(info.nickname.clone()),
        avatar: Some(info.headimgurl.clone()),
        sex: u8::try_from(info.sex).ok(),
        country: Some(info.country.clone()),
        province: Some(info.province.clone()),
        city: Some(info.city.clone()),
        language: None,
        phone: None,
    };
    Ok(Sighting {
        appid: appid.to_string(),
        openid: token.openid,
        unionid: token.unionid.or(info.unionid.clone()),
        observed,
        raw: serde_json::json!({
            "openid": info.openid,
            "nickname": info.nickname,
            "sex": info.sex,
            "province": info.province,
            "city": info.city,
            "country": info.country,
            "headimgurl": info.headimgurl,
            "unionid": info.unionid,
        }),
    })
}

/// The sighting of a token without a user-info scope (`snsapi_base`): the openid (and a unionid
/// when WeChat sent one), no profile.
pub fn openid_only(appid: &str, token: SnsToken) -> Sighting {
    Sighting {
        appid: appid.to_string(),
        raw: serde_json::json!({ "openid": token.openid, "unionid": token.unionid }),
        openid: token.openid,
        unionid: token.unionid,
        observed: Observed::default(),
    }
}

/// The whole proof for modes whose code always carries a user-info scope (website QR).
pub async fn sighting(
    state: &AppState,
    credentials: &Credentials,
    code: &str,
) -> Result<Sighting, WeChatError> {
    let token = exchange(state, credentials, code).await?;
    with_profile(state, &credentials.0, token).await
}
