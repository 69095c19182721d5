//! The mini-program proof: the `wx.login` code (`jscode2session`) and, when the person tapped
//! the phone-number button, its code (`getuserphonenumber` with the mini program's server
//! token). The phone number's watermark must name this mini program. The session key stays in
//! the WeChat module: nothing here keeps or returns it.

use super::super::refusal::{Reason, Refusal};
use crate::catalog::Credentials;
use crate::identity::{Observed, Sighting};
use crate::state::AppState;

/// Exchanges the codes; the sighting carries the verified phone number in international form.
pub async fn sighting(
    state: &AppState,
    (appid, secret): &Credentials,
    js_code: &str,
    phone_code: Option<&str>,
) -> Result<Sighting, Refusal> {
    let client = state.wechat.client();
    let session = client
        .code_to_session(appid, secret, js_code)
        .await
        .map_err(|e| step("jscode2session", e.into()))?;
    let phone = match phone_code {
        None => None,
        Some(code) => {
            let openid = session.openid.clone();
            let p = state
                .wechat
                .with_token(appid, secret, |token| {
                    let openid = openid.clone();
                    async move { client.phone_number(&token, code, Some(&openid)).await }
                })
                .await
                .map_err(|e| step("getuserphonenumber", foreign_phone(e.into())))?;
            // The watermark names the mini program the number was issued to.
            if p.appid != *appid {
                return Err(Refusal::with(
                    Reason::ForeignPhoneCode,
                    format!("phone number issued to {}", p.appid),
                ));
            }
            Some(p.international())
        }
    };
    Ok(Sighting {
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
    })
}

/// A phone code WeChat says belongs to another app is told apart from a foreign login code.
fn foreign_phone(mut r: Refusal) -> Refusal {
    if r.reason == Reason::ForeignCode {
        r.reason = Reason::ForeignPhoneCode;
    }
    r
}

/// The refusal with the WeChat step named in its detail.
fn step(name: &str, mut r: Refusal) -> Refusal {
    r.detail = Some(format!("{name}: {}", r.detail.unwrap_or_default()));
    r
}
