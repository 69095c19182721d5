//! The phone's confirmation: the `wx.login` code and the phone-number code go to WeChat, and the
//! person behind them is resolved with the source's policy. Nothing here is retried: both codes
//! are single use.

use app::model::SourceView;

use crate::catalog::Credentials;
use crate::identity::{Observed, Sighting};
use crate::state::AppState;
use crate::wechat::WeChatError;

/// How a confirmation ended: the user, or the reason (and a detail for the log).
pub enum Confirmed {
    User {
        user_id: String,
        created: bool,
    },
    Refused {
        reason: &'static str,
        detail: Option<String>,
    },
}

fn wechat_refusal(step: &str, e: &WeChatError) -> Confirmed {
    let reason = match e {
        WeChatError::SystemBusy(_) => "wechat_busy",
        WeChatError::InvalidCode(_) | WeChatError::CodeUsed(_) => "invalid_code",
        WeChatError::InvalidAppId(_) => "foreign_code",
        WeChatError::CodeBlocked(_) => "blocked",
        _ => "wechat_error",
    };
    let detail = match e.errcode() {
        Some(c) => format!("{step}: errcode {c}: {e}"),
        None => format!("{step}: {e}"),
    };
    Confirmed::Refused {
        reason,
        detail: Some(detail),
    }
}

/// Exchanges the codes and resolves the person.
pub async fn confirm(
    state: &AppState,
    source: &SourceView,
    (appid, secret): &Credentials,
    js_code: &str,
    phone_code: Option<&str>,
) -> Confirmed {
    let client = state.wechat.client();
    let session = match client.code_to_session(appid, secret, js_code).await {
        Ok(s) => s,
        Err(e) => return wechat_refusal("jscode2session", &e),
    };
    let phone = match phone_code {
        None => None,
        Some(code) => {
            let openid = session.openid.clone();
            let got = state
                .wechat
                .with_token(appid, secret, |token| {
                    let openid = openid.clone();
                    async move { client.phone_number(&token, code, Some(&openid)).await }
                })
                .await;
            match got {
                // The watermark names the mini program the number was issued to.
                Ok(p) if p.appid != *appid => {
                    return Confirmed::Refused {
                        reason: "foreign_code",
                        detail: Some(format!("phone number issued to {}", p.appid)),
                    };
                }
                Ok(p) => Some(p.international()),
                Err(e) => return wechat_refusal("getuserphonenumber", &e),
            }
        }
    };
    let sighting = Sighting {
        appid: appid.clone(),
        openid: session.openid.clone(),
        unionid: session.unionid.clone(),
        observed: Observed {
            phone: phone.clone(),
            ..Observed::default()
        },
        raw: serde_json::json!({
            "openid": session.openid,
            "unionid": session.unionid,
            "phone_number": phone,
        }),
    };
    match crate::login::resolve(state, &sighting, source).await {
        Ok((user_id, created)) => Confirmed::User { user_id, created },
        Err((reason, detail)) => Confirmed::Refused { reason, detail },
    }
}
