//! The login log in words: each outcome code (success, a binding's end, or a refusal's reason)
//! and each mode, in the console's language. The codes stay on the page as the hover title; the
//! server's test checks that every reason it can log has words here.

use super::Lang;
use super::catalog::mode_texts;
use crate::model::SourceMode;

/// The words for outcome `code` (`success`, `bound`, a reason…), if known.
pub fn outcome_label(lang: Lang, code: &str) -> Option<&'static str> {
    let (en, zh) = match code {
        "success" => ("Success", "成功"),
        "bound" => ("Bound to an existing account", "已绑定到已有账号"),
        "bind_declined" => ("New account instead of binding", "未绑定，新建账号"),
        "escalated" => ("Asked for the profile", "转为请求用户信息授权"),
        "request_expired" => ("Request expired", "请求已过期"),
        "source_unavailable" => ("Source off or not enabled", "身份源未启用"),
        "source_unconfigured" => (
            "Source missing AppID/AppSecret",
            "身份源缺少 AppID/AppSecret",
        ),
        "mode_unavailable" => ("Mode not available here", "此处不支持该方式"),
        "state_missing" => ("State missing", "缺少 state"),
        "state_unknown" => ("Unknown state", "未知 state"),
        "state_mismatch" => ("State of another browser", "state 属于其他浏览器"),
        "state_reused" => ("State used already", "state 已使用"),
        "cancelled" => ("Cancelled in WeChat", "已在微信中取消"),
        "snapshot_user" => ("Snapshot visitor", "快照页访客"),
        "login_only" => ("Login only: no account", "仅登录：无账号"),
        "ask_to_bind" => ("Asked to bind", "请求绑定账号"),
        "invalid_code" => ("WeChat code invalid or used", "微信凭证无效或已使用"),
        "foreign_code" => ("Code of another app", "其他应用的凭证"),
        "foreign_phone_code" => (
            "Phone code of another mini program",
            "其他小程序的手机号凭证",
        ),
        "wrong_mode" => (
            "Source does not fit the application",
            "身份源不适用于该应用",
        ),
        "wechat_busy" => ("WeChat busy", "微信繁忙"),
        "blocked" => ("Blocked by WeChat", "被微信拦截"),
        "user_blocked" => ("User blocked here", "用户已被停用"),
        "wechat_error" => ("WeChat error", "微信错误"),
        "storage_error" => ("Database unavailable", "数据库不可用"),
        "still_working" => ("Still working", "处理中"),
        "login_interrupted" => ("Interrupted by a fault", "因故障中断"),
        "ticket_unknown" => ("Unknown ticket", "未知票据"),
        "ticket_expired" => ("Ticket expired", "票据已过期"),
        "ticket_finished" => ("Ticket finished already", "票据已结束"),
        "ticket_refused" => ("Ticket refused", "票据被拒绝"),
        "other_browser" => ("Another browser", "其他浏览器"),
        "rate_limited" => ("Rate limited", "请求过于频繁"),
        "invalid_request" => ("Invalid request", "请求无效"),
        "binding_unknown" => ("Unknown binding", "未知绑定"),
        "binding_used" => ("Binding used already", "绑定已使用"),
        "bind_expired" => ("Binding expired", "绑定已过期"),
        "bind_no_account" => ("Proof found no account", "验证未找到账号"),
        _ => return None,
    };
    Some(match lang {
        Lang::En => en,
        Lang::ZhCn => zh,
    })
}

/// The words for a mode code of the log (a source's mode, or `sso`).
pub fn mode_label(lang: Lang, code: &str) -> Option<&'static str> {
    if code == "sso" {
        return Some(match lang {
            Lang::En => "Single sign-on",
            Lang::ZhCn => "单点登录",
        });
    }
    SourceMode::parse(code).map(|m| mode_texts(lang, m).0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_and_modes_have_words_in_both_languages() {
        for lang in [Lang::En, Lang::ZhCn] {
            assert!(outcome_label(lang, "success").is_some());
            assert!(outcome_label(lang, "nonsense").is_none());
            assert!(mode_label(lang, "app_launch_miniprogram").is_some());
            assert!(mode_label(lang, "sso").is_some());
        }
        assert_eq!(outcome_label(Lang::ZhCn, "blocked"), Some("被微信拦截"));
    }
}
