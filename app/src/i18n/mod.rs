//! The console's two languages. Every visible string comes from a [`Texts`] table, so adding a
//! string means adding it to both tables (the compiler enforces it).

pub mod catalog;
pub mod merges;
pub mod outcomes;
pub mod overview;
pub mod people;
pub mod users;
pub mod webhooks;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Cookie that remembers the chosen language for this browser.
pub const LANG_COOKIE: &str = "datong_lang";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Lang {
    ZhCn,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim() {
            "zh-CN" | "zh" => Some(Lang::ZhCn),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the first supported language of an `Accept-Language` header; English otherwise.
    pub fn from_accept_language(header: &str) -> Lang {
        for part in header.split(',') {
            let tag = part
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if tag.starts_with("zh") {
                return Lang::ZhCn;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::En
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::ZhCn => &ZH_CN,
            Lang::En => &EN,
        }
    }
}

pub struct Texts {
    pub product: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_subtitle: &'static str,
    pub admin_name: &'static str,
    pub password: &'static str,
    pub sign_in: &'static str,
    pub signing_in: &'static str,
    pub invalid_credentials: &'static str,
    pub throttled: &'static str,
    pub seconds: &'static str,
    pub unexpected_error: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    pub overview: &'static str,
    pub overview_intro: &'static str,
    pub applications: &'static str,
    pub identity_sources: &'static str,
    pub users: &'static str,
    pub users_intro: &'static str,
    pub logs: &'static str,
    pub api_tokens: &'static str,
    pub webhooks: &'static str,
    pub logs_intro: &'static str,
    pub nothing_yet: &'static str,
    pub audit_when: &'static str,
    pub audit_who: &'static str,
    pub audit_action: &'static str,
    pub audit_target: &'static str,
    pub not_found: &'static str,
    pub back_to_console: &'static str,
}

pub static EN: Texts = Texts {
    product: "Datong",
    sign_in_title: "Sign in to the Datong console",
    sign_in_subtitle: "Administrators only",
    admin_name: "Administrator name",
    password: "Password",
    sign_in: "Sign in",
    signing_in: "Signing in…",
    invalid_credentials: "Incorrect name or password.",
    throttled: "Too many failed attempts. Try again in",
    seconds: "s",
    unexpected_error: "Something went wrong. Please try again.",
    sign_out: "Sign out",
    signed_in_as: "Signed in as",
    overview: "Overview",
    overview_intro: "One account system for your website, official account, mini program and app.",
    applications: "Applications",
    identity_sources: "Identity sources",
    users: "Users",
    users_intro: "People who have signed in, one user per person.",
    logs: "Logs",
    api_tokens: "API tokens",
    webhooks: "Webhooks",
    logs_intro: "Sign-in and administration events.",
    nothing_yet: "Nothing yet.",
    audit_when: "When",
    audit_who: "Who",
    audit_action: "Action",
    audit_target: "Target",
    not_found: "Page not found.",
    back_to_console: "Back to the console",
};

pub static ZH_CN: Texts = Texts {
    product: "大同",
    sign_in_title: "登录大同控制台",
    sign_in_subtitle: "仅限管理员",
    admin_name: "管理员账号",
    password: "密码",
    sign_in: "登录",
    signing_in: "正在登录…",
    invalid_credentials: "账号或密码错误。",
    throttled: "失败次数过多，请稍后再试，剩余",
    seconds: "秒",
    unexpected_error: "出错了，请重试。",
    sign_out: "退出登录",
    signed_in_as: "当前管理员",
    overview: "概览",
    overview_intro: "为网站、公众号、小程序和移动应用提供统一的账号体系。",
    applications: "应用",
    identity_sources: "身份源",
    users: "用户",
    users_intro: "登录过的用户，每人一个账号。",
    logs: "日志",
    api_tokens: "API 令牌",
    webhooks: "Webhook 推送",
    logs_intro: "登录与管理操作记录。",
    nothing_yet: "暂无数据。",
    audit_when: "时间",
    audit_who: "操作者",
    audit_action: "操作",
    audit_target: "对象",
    not_found: "页面不存在。",
    back_to_console: "返回控制台",
};

/// The current language, shared by every component.
#[derive(Clone, Copy)]
pub struct LangSignal(pub RwSignal<Lang>);

pub fn use_lang() -> RwSignal<Lang> {
    use_context::<LangSignal>()
        .map(|s| s.0)
        .unwrap_or_else(|| RwSignal::new(Lang::En))
}

/// A closure returning the current language's text table, for use inside `view!`.
pub fn use_texts() -> impl Fn() -> &'static Texts + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || lang.get().texts()
}

/// The language the page is first rendered in. On the server: the cookie, else the
/// `Accept-Language` header. In the browser: whatever the server put on `<html lang>`, so that
/// hydration renders exactly what the server did.
pub fn initial_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .map(|parts| {
                crate::cookies::get(&parts.headers, LANG_COOKIE)
                    .and_then(|v| Lang::from_code(&v))
                    .unwrap_or_else(|| {
                        let accept = parts
                            .headers
                            .get(http::header::ACCEPT_LANGUAGE)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        Lang::from_accept_language(accept)
                    })
            })
            .unwrap_or(Lang::En)
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|el| el.get_attribute("lang"))
            .and_then(|code| Lang::from_code(&code))
            .unwrap_or(Lang::En)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_first_supported_tag() {
        assert_eq!(
            Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Lang::ZhCn
        );
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept_language("fr-FR, zh-TW;q=0.5"), Lang::ZhCn);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
    }

    #[test]
    fn codes_round_trip() {
        for lang in [Lang::ZhCn, Lang::En] {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
        assert_eq!(Lang::from_code("de"), None);
    }
}
